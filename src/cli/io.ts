/**
 * What a command reads and writes: the streams, the environment, stdin, and the seams tests use.
 * `runCli` never touches `process`, so tests drive every command in process.
 */
import type { ProxyOpener } from "../operations/reach";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Reads all of stdin (only called with --stdin-config); absent: there is no stdin to read. */
  readStdin?: () => Promise<string>;
  /** True when stdout is a terminal (progress lines). */
  isTty?: boolean;
  /** True when stdin is a terminal: --stdin-config would wait for input nobody pipes in. */
  stdinIsTty?: boolean;
  /** Replaces `withFlyProxy` for the operations commands (tests). */
  openProxy?: ProxyOpener;
}

/**
 * The writer a command prints through: every line masked (passwords in URLs, and the secrets the
 * command registered), whatever the command prints.
 */
export interface Printer {
  /** Text without a line break (progress: "applying x ... " then "done"). */
  write(text: string): void;
  line(text?: string): void;
  /** Several lines, written one by one (large results are never joined into one string). */
  lines(lines: Iterable<string>): void;
  json(value: unknown): void;
  err(text: string): void;
  /** A warning on stderr: `gaia-db: warning: <text>`, as every command words them. */
  warn(text: string): void;
}

const INDENT = "  ";

/**
 * JSON.stringify(value, null, 2) written piece by piece: an array's elements one at a time, so a
 * document with a million rows never becomes one string (V8 caps a string near 512 MB).
 */
export function* jsonChunks(value: unknown, indent = ""): Generator<string> {
  if (Array.isArray(value) && value.length > 0) {
    const inner = indent + INDENT;
    yield "[\n";
    for (let i = 0; i < value.length; i++) {
      yield inner;
      yield* jsonChunks(value[i] === undefined ? null : value[i], inner);
      yield i < value.length - 1 ? ",\n" : "\n";
    }
    yield `${indent}]`;
    return;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined && typeof v !== "function",
    );
    if (typeof (value as { toJSON?: unknown }).toJSON === "function" || entries.length === 0) {
      yield JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
      return;
    }
    const inner = indent + INDENT;
    yield "{\n";
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i]!;
      yield `${inner}${JSON.stringify(k)}: `;
      yield* jsonChunks(v, inner);
      yield i < entries.length - 1 ? ",\n" : "\n";
    }
    yield `${indent}}`;
    return;
  }
  yield JSON.stringify(value) ?? "null";
}
