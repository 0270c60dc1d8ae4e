/**
 * What the migration commands (migrate, plan, status, verify, baseline, repair, bind) share: the
 * connection and common options, how the environment and the connection are resolved (argument,
 * flags, environment variables, --stdin-config, `fly proxy`), and how a result is printed. A
 * command file declares its own options, help and `handle`; `migrationCommand` does the rest.
 */

import { resolve } from "node:path";
import { FlyProxyError, withFlyProxy } from "../../fly/proxy";
import { parsePostgresUrl, urlThroughProxy } from "../../migrations/postgresUrl";
import { ExitCode, GaiaDbError, usageError } from "../../shared/errors";
import {
  type Environment,
  MIGRATIONS_DIR,
  type Module,
  parseEnvironment,
} from "../../shared/vocabulary";
import {
  CONNECTION_OPTIONS,
  checkStdinSupabaseRef,
  MIGRATION_COMMON_OPTIONS,
  parseSupabaseRef,
  TIMEOUT_OPTIONS,
} from "../options";
import {
  type CommandSpec,
  MIGRATION_GROUP,
  type OptionSpec,
  type RunContext,
  stringOption,
} from "../spec";

/** Everything a migration handler needs, resolved from flags, environment variables and stdin. */
export interface Invocation {
  ctx: RunContext;
  environment: Environment;
  databaseUrl: string;
  supabaseProjectRef?: string;
  modules?: Module[];
  migrationsDir: string;
  json: boolean;
}

export interface HandlerResult {
  exitCode: number;
  /** Spread into the --json document (next to `ok`). */
  data: Record<string, unknown>;
  /** Printed on stdout in text mode (already-streamed progress is not repeated). */
  text: string;
}

interface StdinConfig {
  databaseUrl: string;
  supabaseProjectRef?: string;
}

/** Validates the --stdin-config JSON without ever echoing its values. */
export function parseStdinConfig(text: string): StdinConfig {
  const shape = '{"databaseUrl": "postgresql://...", "supabaseProjectRef": "..."}';
  const usage = (message: string) => usageError(`--stdin-config: ${message}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usage(`stdin is not valid JSON; expected ${shape}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usage(
      `stdin must hold a JSON object {"databaseUrl": "...", "supabaseProjectRef": "..."}`,
    );
  }
  const obj = value as Record<string, unknown>;
  const unknownKeys = Object.keys(obj).filter(
    (k) => k !== "databaseUrl" && k !== "supabaseProjectRef",
  );
  if (unknownKeys.length > 0) {
    throw usage(
      `unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.join(", ")}; allowed keys are databaseUrl and supabaseProjectRef`,
    );
  }
  if (typeof obj.databaseUrl !== "string" || obj.databaseUrl === "") {
    throw usage(`"databaseUrl" must be a non-empty string`);
  }
  if (obj.supabaseProjectRef !== undefined && typeof obj.supabaseProjectRef !== "string") {
    throw usage(`"supabaseProjectRef" must be a string when given`);
  }
  return {
    databaseUrl: obj.databaseUrl,
    ...(obj.supabaseProjectRef
      ? { supabaseProjectRef: checkStdinSupabaseRef(obj.supabaseProjectRef) }
      : {}),
  };
}

/** The environment: the argument, --environment or GAIA_ENVIRONMENT (given twice must agree). */
function environmentOf(ctx: RunContext): Environment {
  const positional = ctx.args[0];
  const flag = stringOption(ctx, "environment");
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw ctx.usage(
      `the environment is given twice with different values ("${positional}" and --environment ${flag}): give it once`,
    );
  }
  return parseEnvironment(
    positional ?? flag ?? ctx.io.env.GAIA_ENVIRONMENT,
    `the first argument (gaia-db ${ctx.spec.path[0]} dev), --environment or GAIA_ENVIRONMENT`,
  );
}

async function resolveInvocation(ctx: RunContext): Promise<Invocation> {
  const environment = environmentOf(ctx);
  const { io } = ctx;
  let databaseUrl = stringOption(ctx, "database-url");
  let origin = "--database-url";
  let supabaseProjectRef = stringOption(ctx, "supabase-project-ref");
  if (supabaseProjectRef === undefined && io.env.SUPABASE_PROJECT_REF) {
    supabaseProjectRef = parseSupabaseRef("SUPABASE_PROJECT_REF", io.env.SUPABASE_PROJECT_REF);
  }
  if (ctx.opts["stdin-config"] === true) {
    if (databaseUrl !== undefined) {
      throw ctx.usage("--stdin-config and --database-url both give the connection: use one");
    }
    if (io.stdinIsTty || io.readStdin === undefined) {
      throw ctx.usage(
        `--stdin-config reads a JSON document from stdin: pipe it in, e.g. echo '{"databaseUrl": "postgresql://..."}' | gaia-db ${ctx.spec.path[0]} ${environment} --stdin-config`,
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
    throw ctx.usage(
      "no database connection: pipe a JSON config to --stdin-config or set DATABASE_URL (a URL typed after --database-url stays in the shell history)",
    );
  }
  ctx.secret(databaseUrl);
  // Strictly, before anything connects: a malformed URL is a usage error with no DNS lookup.
  parsePostgresUrl(databaseUrl, origin);
  const modules = ctx.opts.modules as Module[] | undefined;
  return {
    ctx,
    environment,
    databaseUrl,
    ...(supabaseProjectRef ? { supabaseProjectRef } : {}),
    ...(modules !== undefined ? { modules } : {}),
    migrationsDir: resolve(stringOption(ctx, "migrations-dir") ?? MIGRATIONS_DIR),
    json: ctx.json,
  };
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
  const app = stringOption(inv.ctx, "fly-app");
  const cluster = stringOption(inv.ctx, "fly-managed-cluster");
  if (app === undefined && cluster === undefined) return fn(inv);
  if (app !== undefined && cluster !== undefined) {
    throw inv.ctx.usage("--fly-app and --fly-managed-cluster both name the database: give one");
  }
  try {
    return await withFlyProxy(
      {
        app: app ?? (cluster as string),
        ...(cluster !== undefined ? { managedCluster: cluster } : {}),
        env: inv.ctx.io.env,
      },
      (port) => fn({ ...inv, databaseUrl: urlThroughProxy(inv.databaseUrl, port) }),
    );
  } catch (e) {
    if (e instanceof FlyProxyError) throw new GaiaDbError(e.message, ExitCode.runtime);
    throw e;
  }
}

/** The runner options every migration command passes: target, tree and modules. */
export function commonRunnerOptions(inv: Invocation) {
  return {
    environment: inv.environment,
    databaseUrl: inv.databaseUrl,
    migrationsDir: inv.migrationsDir,
    ...(inv.modules ? { modules: inv.modules } : {}),
    ...(inv.supabaseProjectRef ? { supabaseProjectRef: inv.supabaseProjectRef } : {}),
  };
}

/** The parsed timeouts, in the runner's option names. */
export function timeoutRunnerOptions(inv: Invocation) {
  const o = inv.ctx.opts;
  return {
    ...(o["lock-timeout"] !== undefined ? { lockTimeoutMs: o["lock-timeout"] as number } : {}),
    ...(o["lock-wait-timeout"] !== undefined
      ? { lockWaitTimeoutMs: o["lock-wait-timeout"] as number }
      : {}),
    ...(o["statement-timeout"] !== undefined
      ? { statementTimeoutMs: o["statement-timeout"] as number }
      : {}),
  };
}

/** `M`: the command's module of the runner (src/migrations/commands/), loaded when it runs. */
export interface MigrationCommand<M> {
  name: string;
  summary: string;
  /** The usage line after `gaia-db <name> ` (default `<environment> [options]`). */
  usage?: string;
  description: string;
  /** The command's own options (an own `--supabase-project-ref` replaces the common one). */
  options: OptionSpec[];
  /**
   * Common options the command has no use for, by name (`--modules`): left out, so giving one is
   * a usage error instead of being ignored.
   */
  without?: readonly string[];
  /** Whether it takes the lock and so the timeouts. */
  timeouts: boolean;
  /** Loads the runner's module of this command (src/cli/lazy.ts). */
  load: () => Promise<M>;
  handle(inv: Invocation, runner: M): Promise<HandlerResult>;
}

/** A migration command's full spec: its options with the shared ones, and the shared run. */
export function migrationCommand<M>(command: MigrationCommand<M>): CommandSpec {
  const own = new Set(command.options.map((o) => o.flags));
  const without = new Set(command.without ?? []);
  const shared = MIGRATION_COMMON_OPTIONS.filter(
    (o) => !own.has(o.flags) && !without.has(o.flags.split(" ")[0]!),
  );
  return {
    path: [command.name],
    topic: command.name,
    group: MIGRATION_GROUP,
    summary: command.summary,
    usage: command.usage ?? "<environment> [options]",
    positionals: ["environment"],
    description: command.description,
    options: [
      ...command.options,
      ...CONNECTION_OPTIONS,
      ...shared,
      ...(command.timeouts ? TIMEOUT_OPTIONS : []),
    ],
    async run(ctx) {
      const invocation = await resolveInvocation(ctx);
      const runner = await command.load();
      const result = await throughFlyProxy(invocation, (inv) => command.handle(inv, runner));
      if (ctx.json) ctx.out.json({ ok: result.exitCode === 0, ...result.data });
      else if (result.text) ctx.out.line(result.text);
      return result.exitCode;
    },
  };
}
