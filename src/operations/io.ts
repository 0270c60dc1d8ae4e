import { type ParseArgsConfig, parseArgs } from "node:util";
import { describeError, usageError } from "./errors";
import { writeLine } from "./format";
import type { ProxyOpener } from "./reach";

/** The streams and environment a handler uses; tests pass captured streams. */
export interface OperationsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Replaces `withFlyProxy` (tests). */
  openProxy?: ProxyOpener;
}

export type Handler = (args: string[], io: OperationsIo) => Promise<number>;

/** `parseArgs` in strict mode, its errors turned into usage errors naming the command. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`gaia-db ${command}: ${message}: see gaia-db ${command} --help`);
  }
}

/** Runs a handler body, printing a known error as one line (no stack) and returning its code. */
export async function guarded(io: OperationsIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const { message, exitCode } = describeError(error);
    writeLine(io.stderr, `error: ${message}`);
    return exitCode;
  }
}

/** `--timeout` in seconds (default 30) → milliseconds, or a usage error. */
export function parseTimeout(command: string, value: string | undefined, fallbackSeconds = 30) {
  if (value === undefined) return fallbackSeconds * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw usageError(
      `gaia-db ${command}: --timeout "${value}" is not a number of seconds between 1 and 3600`,
    );
  }
  return Math.round(seconds * 1000);
}
