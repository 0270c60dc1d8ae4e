/**
 * The one error renderer of gaia-db: every failure of every command ends here. A known error
 * (GaiaDbError, a failed `fly proxy`, a statement PostgreSQL rejected) prints its message as one
 * line on stderr, masked, with no stack trace; anything else is a bug and says so. With --json
 * the same failure is also one JSON document on stdout:
 * `{"ok": false, "exitCode": n, "error": "...", "details": [...]}` (details only when there are).
 */
import { FlyProxyError } from "../fly/proxy";
import { maskSecrets } from "../migrations/postgresUrl";
import { ExitCode, GaiaDbError, thrownText } from "../shared/errors";
import { jsonChunks } from "./io";

export interface Failure {
  exitCode: number;
  message: string;
  details: string[];
  /** A bug rather than something the user can act on. */
  unexpected: boolean;
}

/** Whether `error` is PostgreSQL's answer to a statement (pg's DatabaseError). */
function isServerError(error: unknown): error is Error {
  const e = error as { severity?: unknown; code?: unknown };
  return error instanceof Error && typeof e.severity === "string" && typeof e.code === "string";
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof GaiaDbError) {
    return {
      exitCode: error.exitCode,
      message: error.message,
      details: error.details,
      unexpected: false,
    };
  }
  if (error instanceof FlyProxyError || isServerError(error)) {
    return { exitCode: ExitCode.runtime, message: error.message, details: [], unexpected: false };
  }
  return { exitCode: ExitCode.runtime, message: thrownText(error), details: [], unexpected: true };
}

/** What every error and warning line on stderr starts with, for every command: the binary's name. */
export const STDERR_PREFIX = "gaia-db: ";

export interface RenderOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  json: boolean;
  debug: boolean;
  /** Values to mask besides URL passwords. */
  secrets: readonly string[];
}

/** Prints `error` and returns the exit code. */
export function renderError(error: unknown, opts: RenderOptions): number {
  const failure = describeFailure(error);
  const mask = (text: string) => maskSecrets(text, opts.secrets);
  const message = mask(failure.message);
  const details = failure.details.map(mask);
  if (opts.json) {
    const doc = {
      ok: false,
      exitCode: failure.exitCode,
      error: message,
      ...(details.length > 0 ? { details } : {}),
    };
    for (const chunk of jsonChunks(doc)) opts.stdout.write(chunk);
    opts.stdout.write("\n");
  }
  const line = failure.unexpected
    ? `unexpected error: ${message.split("\n")[0]}${opts.debug ? "" : " (run with --debug for the stack trace)"}`
    : message;
  opts.stderr.write(`${STDERR_PREFIX}${line}\n`);
  for (const detail of details) opts.stderr.write(`  ${detail}\n`);
  if (opts.debug && error instanceof Error && error.stack) {
    opts.stderr.write(`${mask(error.stack)}\n`);
  }
  return failure.exitCode;
}
