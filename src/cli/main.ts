/**
 * `gaia-db`: flag parsing, dispatch, printing and exit codes. Each command's work is a pure-ish
 * core in src/migrations/runner.ts (returns data); this file only turns flags into options and
 * data into text or JSON. `runCli` never calls process.exit, so tests drive it in-process.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { FlyProxyError, withFlyProxy } from "../fly/proxy";
import { ExitCode, GaiaDbError, usageError } from "../migrations/errors";
import { parseModules } from "../migrations/files";
import { maskSecrets, parsePostgresUrl, withParts } from "../migrations/postgresUrl";
import { parseEnvironment } from "../migrations/runner";
import { armDeadline } from "../process/deadline";
import { restrictEnvironment } from "../process/environment";
import { type CliIo, type Flags, type Invocation, parseStdinConfig } from "./args";
import { handlers } from "./commands";
import {
  COMMAND_HELP,
  COMMANDS,
  type Command,
  GLOBAL_HELP,
  OPERATIONS_COMMANDS,
  REVIEW_COMMANDS,
  type ReviewCommand,
} from "./help";

/** Default migrations folder: next to the package, whatever the cwd. */
export const DEFAULT_MIGRATIONS_DIR = resolve(__dirname, "..", "..", "migrations");

const COMMON_OPTIONS = {
  environment: { type: "string" },
  "database-url": { type: "string" },
  "stdin-config": { type: "boolean" },
  modules: { type: "string" },
  "supabase-project-ref": { type: "string" },
  "migrations-dir": { type: "string" },
  json: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "fly-app": { type: "string" },
  "fly-managed-cluster": { type: "string" },
} as const;

const TIMEOUT_OPTIONS = {
  "lock-timeout": { type: "string" },
  "lock-wait-timeout": { type: "string" },
  "statement-timeout": { type: "string" },
} as const;

export const COMMAND_OPTIONS = {
  migrate: {
    ...COMMON_OPTIONS,
    ...TIMEOUT_OPTIONS,
    isolation: { type: "string" },
    baseline: { type: "string" },
    confirm: { type: "string" },
    "accept-drift": { type: "boolean" },
  },
  plan: { ...COMMON_OPTIONS, "exit-code": { type: "boolean" } },
  status: { ...COMMON_OPTIONS, "exit-code": { type: "boolean" } },
  verify: {
    ...COMMON_OPTIONS,
    "expected-supabase-project-ref": { type: "string" },
    "expected-database": { type: "string" },
  },
  baseline: {
    ...COMMON_OPTIONS,
    ...TIMEOUT_OPTIONS,
    to: { type: "string" },
    confirm: { type: "string" },
    "accept-drift": { type: "boolean" },
  },
  repair: { ...COMMON_OPTIONS, ...TIMEOUT_OPTIONS, file: { type: "string" } },
  bind: {
    ...COMMON_OPTIONS,
    ...TIMEOUT_OPTIONS,
    isolation: { type: "string" },
    confirm: { type: "string" },
  },
} as const;

function isCommand(value: string | undefined): value is Command {
  return (COMMANDS as readonly string[]).includes(value ?? "");
}

export type OperationsRegistry = Record<
  string,
  { run: (args: string[], io: CliIo) => Promise<number> } | undefined
>;

/**
 * The operations commands (src/operations/commands.ts), loaded only when one is run: that code
 * pulls in far more than migrate needs, and `gaia-db migrate` must start fast. (Under tsx the
 * extensionless require resolves the .ts file; tests inject the registry.)
 */
export function loadOperations(): OperationsRegistry {
  return (require("../operations/commands") as typeof import("../operations/commands"))
    .operationsCommands as OperationsRegistry;
}

/**
 * `gaia-db review` and `gaia-db schema` (src/review/command.ts), loaded only when one is run: they
 * pull in the git, build and rendering code no migration command needs. Under tsx (the binary)
 * the extensionless require resolves the .ts file; under vitest only the import does.
 */
export async function loadReview(): Promise<
  Record<ReviewCommand, (args: string[], io: CliIo) => Promise<number>>
> {
  let review: typeof import("../review/command");
  try {
    review = require("../review/command") as typeof import("../review/command");
  } catch {
    review = await import("../review/command.ts");
  }
  return { review: review.runReview, schema: review.runSchema };
}

/** The connection URL aimed at the local end of `fly proxy` (same user, password, database). */
export function urlThroughProxy(url: string, port: number): string {
  return withParts(url, "the database URL", { host: "127.0.0.1", port });
}

/**
 * With --fly-app (unmanaged Postgres app) or --fly-managed-cluster, runs the command while
 * `fly proxy` forwards a local port to the database over Fly's private network; the proxy's
 * process group is killed afterwards, on failure too. FLY_API_TOKEN comes from the environment.
 */
async function throughFlyProxy<T>(
  inv: Invocation,
  fn: (inv: Invocation) => Promise<T>,
): Promise<T> {
  const app = inv.flags["fly-app"] as string | undefined;
  const cluster = inv.flags["fly-managed-cluster"] as string | undefined;
  if (app === undefined && cluster === undefined) return fn(inv);
  if (app !== undefined && cluster !== undefined) {
    throw usageError("--fly-app and --fly-managed-cluster both name the database: give one");
  }
  try {
    return await withFlyProxy(
      {
        app: app ?? (cluster as string),
        ...(cluster !== undefined ? { managedCluster: cluster } : {}),
        env: inv.io.env,
      },
      (port) => fn({ ...inv, databaseUrl: urlThroughProxy(inv.databaseUrl, port) }),
    );
  } catch (e) {
    if (e instanceof FlyProxyError) throw new GaiaDbError(e.message, ExitCode.runtime);
    throw e;
  }
}

/** Runs one invocation and returns the exit code; all output goes through `io`. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  operations: () => OperationsRegistry = loadOperations,
): Promise<number> {
  const secrets: string[] = [];
  const out = (text: string) => io.stdout.write(`${maskSecrets(text, secrets)}\n`);
  const err = (text: string) => io.stderr.write(`${maskSecrets(text, secrets)}\n`);
  let json = argv.includes("--json");
  let debug = argv.includes("--debug");
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    out(GLOBAL_HELP);
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  // `gaia-db verify all` is the operations command; `gaia-db verify <env>` is the runner's.
  const operation = first === "verify" && rest[0] === "all" ? "verify-all" : first;
  if ((OPERATIONS_COMMANDS as readonly string[]).includes(operation)) {
    const run = operations()[operation]?.run;
    if (run) return run(first === "verify" ? rest.slice(1) : [...rest], io);
  }
  if ((REVIEW_COMMANDS as readonly string[]).includes(first)) {
    return (await loadReview())[first as ReviewCommand]([...rest], io);
  }
  try {
    if (!isCommand(first)) {
      throw usageError(
        `unknown command "${first}": commands are ${[...COMMANDS, ...OPERATIONS_COMMANDS, ...REVIEW_COMMANDS].join(", ").replace("verify-all", "verify all")}; run gaia-db --help`,
      );
    }
    const command = first;
    let parsed: { values: Flags; positionals: string[] };
    try {
      parsed = parseArgs({
        args: [...rest],
        options: COMMAND_OPTIONS[command],
        allowPositionals: true,
        strict: true,
      }) as { values: Flags; positionals: string[] };
    } catch (e) {
      throw usageError(
        `${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}; run gaia-db ${command} --help`,
      );
    }
    const flags = parsed.values;
    json = flags.json === true;
    debug = flags.debug === true;
    if (flags.help) {
      out(COMMAND_HELP[command]);
      return ExitCode.ok;
    }
    if (parsed.positionals.length > 1) {
      throw usageError(
        `unexpected arguments ${parsed.positionals.slice(1).join(" ")}: usage is gaia-db ${command} <environment> [options]`,
      );
    }
    const positional = parsed.positionals[0];
    const flagEnv = flags.environment as string | undefined;
    if (positional !== undefined && flagEnv !== undefined && positional !== flagEnv) {
      throw usageError(
        `the environment is given twice with different values ("${positional}" and --environment ${flagEnv}): give it once`,
      );
    }
    const environment = parseEnvironment(positional ?? flagEnv ?? io.env.GAIA_ENVIRONMENT);

    let databaseUrl = flags["database-url"] as string | undefined;
    let origin = "--database-url";
    let supabaseProjectRef =
      (flags["supabase-project-ref"] as string | undefined) ?? io.env.SUPABASE_PROJECT_REF;
    if (flags["stdin-config"]) {
      if (databaseUrl !== undefined) {
        throw usageError("--stdin-config and --database-url both give the connection: use one");
      }
      if (io.stdinIsTty) {
        throw usageError(
          `--stdin-config reads a JSON document from stdin: pipe it in, e.g. echo '{"databaseUrl": "postgresql://..."}' | gaia-db ${command} ${environment} --stdin-config`,
        );
      }
      const config = parseStdinConfig(await io.readStdin());
      databaseUrl = config.databaseUrl;
      origin = '--stdin-config "databaseUrl"';
      supabaseProjectRef = config.supabaseProjectRef ?? supabaseProjectRef;
    }
    if (databaseUrl === undefined) {
      databaseUrl = io.env.DATABASE_URL;
      origin = "DATABASE_URL";
    }
    if (!databaseUrl) {
      throw usageError(
        "no database connection: pass --database-url, set DATABASE_URL, or pipe a JSON config to --stdin-config",
      );
    }
    secrets.push(databaseUrl);
    // Strictly, before anything connects: a malformed URL is a usage error with no DNS lookup.
    parsePostgresUrl(databaseUrl, origin);
    const invocation: Invocation = {
      command,
      environment,
      databaseUrl,
      ...(supabaseProjectRef ? { supabaseProjectRef } : {}),
      ...(flags.modules !== undefined ? { modules: parseModules(flags.modules as string) } : {}),
      migrationsDir: resolve(
        (flags["migrations-dir"] as string | undefined) ?? DEFAULT_MIGRATIONS_DIR,
      ),
      json,
      flags,
      io,
    };
    const result = await throughFlyProxy(invocation, (inv) => handlers[command](inv));
    if (json) out(JSON.stringify({ ok: result.exitCode === 0, ...result.data }, null, 2));
    else if (result.text) out(result.text);
    return result.exitCode;
  } catch (e) {
    if (e instanceof GaiaDbError) {
      if (json) {
        out(
          JSON.stringify(
            {
              ok: false,
              exitCode: e.exitCode,
              error: e.message,
              ...(e.details.length > 0 ? { details: e.details } : {}),
            },
            null,
            2,
          ),
        );
      }
      err(`gaia-db: ${e.message}`);
      for (const line of e.details) err(`  ${line}`);
      if (debug && e.stack) err(e.stack);
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (json) {
      out(JSON.stringify({ ok: false, exitCode: ExitCode.runtime, error: message }, null, 2));
    }
    err(
      `gaia-db: unexpected error: ${message.split("\n")[0]}${debug ? "" : " (run with --debug for the stack trace)"}`,
    );
    if (debug && e instanceof Error && e.stack) err(e.stack);
    return ExitCode.runtime;
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolveText, reject) => {
    let text = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => resolveText(text));
    stream.on("error", reject);
  });
}

/**
 * Entry point used by bin/gaia-db.js: real streams, exit code via process.exitCode.
 *
 * With --stdin-config, how the Pulumi program runs it, everything gaia-db needs comes from stdin
 * and flags: it drops every environment variable outside its explicit environment (the state
 * backend's keys, PULUMI_CONFIG_PASSPHRASE, DATABASE_URL, ...) before anything else runs.
 * GAIA_TIMEOUT_SECONDS (the command's customTimeout) arms its own deadline.
 */
export function main(): void {
  const argv = process.argv.slice(2);
  if (argv.includes("--stdin-config")) restrictEnvironment("gaia-db");
  try {
    armDeadline(process.env, `gaia-db ${argv[0] ?? ""}`.trim(), (message) => {
      process.stderr.write(`gaia-db: ${message}\n`);
    });
  } catch (e) {
    process.stderr.write(`gaia-db: ${(e as Error).message}\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdin: () => readAll(process.stdin),
    isTty: process.stdout.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`gaia-db: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = ExitCode.runtime;
    },
  );
}
