/**
 * Flag and input parsing shared by the CLI entry and the command handlers (pure functions).
 */
import { usageError } from "../migrations/errors";
import type { Module } from "../migrations/files";
import type { Environment } from "../migrations/ledger";
import type { Command } from "./help";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Reads all of stdin (only called with --stdin-config). */
  readStdin: () => Promise<string>;
  /** True when stdout is a terminal (progress lines). */
  isTty?: boolean;
  /** True when stdin is a terminal: --stdin-config would wait for input nobody pipes in. */
  stdinIsTty?: boolean;
}

export type Flags = Record<string, string | boolean | undefined>;

/** Everything a handler needs, resolved from flags, environment variables and stdin. */
export interface Invocation {
  command: Command;
  environment: Environment;
  databaseUrl: string;
  supabaseProjectRef?: string;
  modules?: Module[];
  migrationsDir: string;
  json: boolean;
  flags: Flags;
  io: CliIo;
}

export const MAX_DURATION_MS = 2_147_483_647;

/** "500ms", "10s", "15m", "1h" or a bare number of seconds → milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) {
    throw usageError(
      `--${flag} ${value}: not a duration; write e.g. 500ms, 10s, 15m or 1h (a bare number is seconds)`,
    );
  }
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const factor = unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000;
  const ms = Math.round(n * factor);
  // PostgreSQL timeouts (and Node timers) are 32-bit signed milliseconds.
  if (ms > MAX_DURATION_MS) {
    throw usageError(
      `--${flag} ${value}: too long; the longest duration is ${MAX_DURATION_MS}ms (about 24 days), e.g. 24h`,
    );
  }
  return ms;
}

export function parseOnOff(flag: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "on") return true;
  if (value === "off") return false;
  throw usageError(`--${flag} ${value}: allowed values are on and off`);
}

interface StdinConfig {
  databaseUrl: string;
  supabaseProjectRef?: string;
}

/** Validates the --stdin-config JSON without ever echoing its values. */
export function parseStdinConfig(text: string): StdinConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(
      `--stdin-config: stdin is not valid JSON; expected {"databaseUrl": "postgresql://...", "supabaseProjectRef": "..."}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usageError(
      `--stdin-config: stdin must hold a JSON object {"databaseUrl": "...", "supabaseProjectRef": "..."}`,
    );
  }
  const obj = value as Record<string, unknown>;
  const unknownKeys = Object.keys(obj).filter(
    (k) => k !== "databaseUrl" && k !== "supabaseProjectRef",
  );
  if (unknownKeys.length > 0) {
    throw usageError(
      `--stdin-config: unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.join(", ")}; allowed keys are databaseUrl and supabaseProjectRef`,
    );
  }
  if (typeof obj.databaseUrl !== "string" || obj.databaseUrl === "") {
    throw usageError(`--stdin-config: "databaseUrl" must be a non-empty string`);
  }
  if (obj.supabaseProjectRef !== undefined && typeof obj.supabaseProjectRef !== "string") {
    throw usageError(`--stdin-config: "supabaseProjectRef" must be a string when given`);
  }
  return {
    databaseUrl: obj.databaseUrl,
    ...(obj.supabaseProjectRef ? { supabaseProjectRef: obj.supabaseProjectRef } : {}),
  };
}
