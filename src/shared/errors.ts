/**
 * The one error type and the one table of exit codes of gaia-db, for the migration runner, the
 * operations and the CLI alike. Every failure a user can act on is a `GaiaDbError`; the CLI
 * (src/cli/render.ts) maps its `exitCode` to the process exit status and prints its message once,
 * without a stack trace. It lives below the runner and the CLI, not in either, because both throw
 * it and neither may import the other's folder.
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
export const refusedError = (message: string, details: string[] = []) =>
  new GaiaDbError(message, ExitCode.refused, details);
export const runtimeError = (message: string) => new GaiaDbError(message, ExitCode.runtime);

/**
 * Readable text for anything thrown. Not every throwable is an Error: libpg-query's WebAssembly
 * throws a plain `{name: "ExitStatus", message}` when it exits, which String() turns into
 * "[object Object]".
 */
export function thrownText(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === "object" && thrown !== null) {
    const { name, message } = thrown as { name?: unknown; message?: unknown };
    if (typeof message === "string") {
      return typeof name === "string" && name !== "" ? `${name}: ${message}` : message;
    }
    try {
      const json = JSON.stringify(thrown);
      if (json !== undefined) return json;
    } catch {
      // A cycle or a BigInt: fall through.
    }
  }
  return String(thrown);
}
