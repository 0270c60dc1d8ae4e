/**
 * The operations commands use the runner's `GaiaDbError` and exit codes (src/migrations/errors.ts)
 * so that `gaia-db` maps every failure the same way; these helpers only name the common kinds.
 */
import { ExitCode, GaiaDbError } from "../migrations/errors";
import { maskSecrets } from "../migrations/postgresUrl";

export { ExitCode, GaiaDbError, maskSecrets };

export const usageError = (message: string) => new GaiaDbError(message, ExitCode.usage);
export const refusedError = (message: string) => new GaiaDbError(message, ExitCode.refused);
export const runtimeError = (message: string) => new GaiaDbError(message, ExitCode.runtime);
export const gapError = (message: string) => new GaiaDbError(message, ExitCode.gap);

/** One line for the operator: the message of a known error, masked; exit 1 for anything else. */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof Error) {
    const code = (error as { exitCode?: unknown }).exitCode;
    const exitCode = typeof code === "number" ? code : ExitCode.runtime;
    return { message: maskSecrets(error.message), exitCode };
  }
  return { message: maskSecrets(String(error)), exitCode: ExitCode.runtime };
}

/**
 * The one confirmation rule of the mutating operations: `--confirm` must name the environment it
 * is given for, and a change to production needs `--confirm production`.
 * `change` is the flag that makes the run mutate (`--write`, `--apply`) and what it does.
 */
export function checkConfirmation(
  command: string,
  environment: string,
  confirm: string | undefined,
  change: { flag: string; set: boolean; doing: string },
): void {
  if (confirm !== undefined && confirm !== environment) {
    throw usageError(
      `gaia-db ${command}: --confirm "${confirm}" does not match the environment "${environment}"`,
    );
  }
  if (change.set && environment === "production" && confirm !== "production") {
    throw refusedError(
      `gaia-db ${command} production ${change.flag}: ${change.doing} production needs --confirm production`,
    );
  }
}
