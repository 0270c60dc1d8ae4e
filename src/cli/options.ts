/**
 * The option declarations the commands share, and the parsers behind them: the one place where
 * `--json`, `--debug`, the connection options, the module list, the Supabase project ref and
 * every duration are declared. A command file lists these next to its own options.
 */
import { MIGRATIONS_TIMEOUT_SECONDS } from "../migrations/timeouts";
import { usageError } from "../shared/errors";
import { MODULES, parseModules, SUPABASE_PROJECT_REF } from "../shared/vocabulary";
import { type DurationBounds, describeBounds, formatDuration, parseDuration } from "./duration";
import type { OptionSpec } from "./spec";

export const OPTIONS = "Options:";
export const CONNECTION = "Connection (one of):";
export const COMMON = "Common options:";
export const TIMEOUTS = "Timeouts (e.g. 500ms, 10s, 15m; a bare number is seconds):";

/** `--json` and `--debug`, in the section of the command's general options. */
export function outputOptions(group: string): OptionSpec[] {
  return [
    { flags: "--json", description: "print one JSON document on stdout instead of text", group },
    { flags: "--debug", description: "print stack traces of unexpected errors", group },
  ];
}

/** A duration option: its bounds are part of its help and enforced when it is parsed. */
export function durationOption(
  flags: string,
  description: string,
  group: string,
  defaultMs: number,
  bounds: DurationBounds,
): OptionSpec {
  const name = /--([a-z-]+)/.exec(flags)?.[1] ?? flags;
  return {
    flags,
    description: `${description} (default ${formatDuration(defaultMs)}; ${describeBounds(bounds)})`,
    group,
    parse: (value) => parseDuration(name, value, bounds),
  };
}

/** An operator's command waits at most this long for anything (as before: an hour). */
export const OPERATIONS_TIMEOUT: DurationBounds = { minMs: 1000, maxMs: 3_600_000 };

/** `--timeout <duration>` of an operations command. */
export function timeoutOption(
  description: string,
  defaultMs: number,
  bounds: DurationBounds = OPERATIONS_TIMEOUT,
): OptionSpec {
  return {
    ...durationOption("--timeout <duration>", description, OPTIONS, defaultMs, bounds),
    default: defaultMs,
  };
}

/**
 * The longest any one `gaia-db migrate` duration may be: the Migrations resource stops the run
 * after MIGRATIONS_TIMEOUT_SECONDS, and connecting, the other files and the lock come on top.
 */
const MIGRATE_MAX: Pick<DurationBounds, "maxMs" | "maxReason"> = {
  maxMs: (MIGRATIONS_TIMEOUT_SECONDS - 5 * 60) * 1000,
  maxReason: `the Migrations resource stops gaia-db migrate after ${formatDuration(MIGRATIONS_TIMEOUT_SECONDS * 1000)}`,
};

/** The migration commands' timeouts; defaults are the runner's (src/migrations/session.ts). */
export const TIMEOUT_OPTIONS: OptionSpec[] = [
  durationOption(
    "--lock-timeout <duration>",
    "wait for the migration lock at most this long",
    TIMEOUTS,
    60_000,
    { minMs: 100, ...MIGRATE_MAX },
  ),
  durationOption(
    "--lock-wait-timeout <duration>",
    "lock_timeout for each statement",
    TIMEOUTS,
    10_000,
    { minMs: 100, ...MIGRATE_MAX },
  ),
  durationOption(
    "--statement-timeout <duration>",
    "statement_timeout for each statement",
    TIMEOUTS,
    15 * 60_000,
    { minMs: 1000, ...MIGRATE_MAX },
  ),
];

const SUPABASE_SHAPE =
  "not a Supabase project ref: a ref is 20 lowercase letters (the subdomain of https://<ref>.supabase.co), e.g. lbaohvnusingoztdzlmj";

/** A Supabase project ref from `origin` (a flag or a variable; the value is not secret). */
export function parseSupabaseRef(origin: string, value: string): string {
  if (!SUPABASE_PROJECT_REF.test(value)) throw usageError(`${origin} ${value}: ${SUPABASE_SHAPE}`);
  return value;
}

/** The same check for a value read from stdin, which is never echoed. */
export function checkStdinSupabaseRef(value: string): string {
  if (!SUPABASE_PROJECT_REF.test(value)) {
    throw usageError(`--stdin-config "supabaseProjectRef" is ${SUPABASE_SHAPE}`);
  }
  return value;
}

export function supabaseRefOption(flags: string, description: string, group: string): OptionSpec {
  const name = /--[a-z-]+/.exec(flags)?.[0] ?? flags;
  return { flags, description, group, parse: (value) => parseSupabaseRef(name, value) };
}

/** `--isolation on|off`. */
export function isolationOption(description: string): OptionSpec {
  return {
    flags: "--isolation <on|off>",
    description,
    group: OPTIONS,
    parse: (value) => {
      if (value === "on") return true;
      if (value === "off") return false;
      throw usageError(`--isolation ${value}: allowed values are on and off`);
    },
  };
}

function parseModuleList(value: string) {
  if (value.split(",").every((name) => name.trim() === "")) {
    throw usageError(
      `--modules ${value === "" ? '""' : value}: names no module; give at least one, e.g. --modules core (allowed: ${MODULES.join(", ")})`,
    );
  }
  return parseModules(value);
}

/** The connection options of the migration commands. */
export const CONNECTION_OPTIONS: OptionSpec[] = [
  {
    flags: "--database-url <url>",
    description: "PostgreSQL URL (or DATABASE_URL); never printed",
    group: CONNECTION,
  },
  {
    flags: "--stdin-config",
    description:
      'read {"databaseUrl": "...", "supabaseProjectRef": "..."} as JSON from stdin (how Pulumi passes secrets: never in argv)',
    group: CONNECTION,
  },
  {
    flags: "--fly-app <app>",
    description:
      "reach the database through `fly proxy` to this Postgres app (the URL's host is replaced by the proxy's local port; FLY_API_TOKEN from the environment)",
    group: CONNECTION,
  },
  {
    flags: "--fly-managed-cluster <id>",
    description: "the same through `fly mpg proxy` for a managed cluster",
    group: CONNECTION,
  },
];

/** The options every migration command takes besides the connection. */
export const MIGRATION_COMMON_OPTIONS: OptionSpec[] = [
  {
    flags: "--environment <env>",
    description: "instead of the positional argument (or GAIA_ENVIRONMENT)",
    group: COMMON,
  },
  {
    flags: "--modules <list>",
    description: `${MODULES.join(",")} (default: the modules recorded by the last migrate, else core; core is always included)`,
    group: COMMON,
    parse: parseModuleList,
  },
  {
    flags: "--migrations-dir <dir>",
    description: "default: the migrations/ folder of this package",
    group: COMMON,
  },
  supabaseRefOption(
    "--supabase-project-ref <ref>",
    "Supabase project the environment uses (or SUPABASE_PROJECT_REF)",
    COMMON,
  ),
  ...outputOptions(COMMON),
];

/** "<n>": a whole number of rows within bounds. */
export function rowCountOption(
  flags: string,
  description: string,
  defaultRows: number,
  max: number,
): OptionSpec {
  const name = /--[a-z-]+/.exec(flags)?.[0] ?? flags;
  return {
    flags,
    description: `${description} (default ${defaultRows}; 1 to ${max})`,
    group: OPTIONS,
    default: defaultRows,
    parse: (value) => {
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(n >= 1 && n <= max)) {
        throw usageError(`${name} ${value}: not a number of rows from 1 to ${max}`);
      }
      return n;
    },
  };
}
