/**
 * Errors and exit codes shared by the runner and the `gaia-db` CLI.
 * Every failure a user can act on is a `GaiaDbError`; the CLI maps its `exitCode` to the process
 * exit status and prints its message without a stack trace.
 */

export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  refused: 3,
  lockTimeout: 4,
  gap: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class GaiaDbError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Extra lines (e.g. a catalog diff) printed after the message. */
  readonly details: string[];

  constructor(message: string, exitCode: ExitCodeValue, details: string[] = []) {
    super(message);
    this.name = "GaiaDbError";
    this.exitCode = exitCode;
    this.details = details;
  }
}

export const usageError = (message: string) => new GaiaDbError(message, ExitCode.usage);
export const refused = (message: string, details: string[] = []) =>
  new GaiaDbError(message, ExitCode.refused, details);
