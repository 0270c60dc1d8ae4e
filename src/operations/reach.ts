/**
 * How an environment's database is reached: `--database-url` / `DATABASE_URL` when given, else the
 * stack output `databaseUrl`; a Fly private URL (`*.internal`, `*.flycast`) is reached through
 * `fly proxy`, its host and port replaced by 127.0.0.1:<proxy port>.
 */
import pg from "pg";
import { withFlyProxy } from "../fly/proxy";
import { formatSeconds } from "../migrations/lock";
import {
  maskSecrets,
  parsePostgresUrl,
  pgClientConfig,
  serverOfUrl,
  urlThroughProxy,
} from "../migrations/postgresUrl";
import { runtimeError } from "../shared/errors";
import type { Environment } from "../shared/vocabulary";
import { readStackOutputs, stringOutput } from "./stack";

export type ProxyOpener = <T>(
  opts: { app: string; flyBinary: string; env: NodeJS.ProcessEnv; timeoutMs: number },
  fn: (localPort: number) => Promise<T>,
) => Promise<T>;

export interface ReachOptions {
  environment: Environment;
  /** `--database-url`; wins over DATABASE_URL. */
  databaseUrl?: string;
  /** Process environment: DATABASE_URL, PATH for pulumi and fly, tokens for them. */
  env: NodeJS.ProcessEnv;
  /** Ignore DATABASE_URL (used by `all`: one variable cannot name four databases). */
  ignoreDatabaseUrlVariable?: boolean;
  pulumiBinary?: string;
  flyBinary?: string;
  timeoutMs: number;
  openProxy?: ProxyOpener;
}

/** Where the URL came from, for reports ("method"); never contains the URL itself. */
export type Route = string;

/** The Fly app behind a private-network Postgres URL, or null for any other host. */
export function privateFlyApp(url: string): string | null {
  let host: string;
  try {
    host = parsePostgresUrl(url, "the database URL").host.toLowerCase();
  } catch {
    return null;
  }
  const labels = host.split(".");
  const suffix = labels.at(-1);
  if ((suffix !== "internal" && suffix !== "flycast") || labels.length < 2) return null;
  // `top2.nearest.of.gaia-db-dev.internal` names the app in the label before the suffix.
  return labels.at(-2) ?? null;
}

/** Strictly, before anything connects: a malformed URL is exit 2 with no DNS lookup. */
function checkUrl(url: string, origin: string): string {
  parsePostgresUrl(url, origin);
  return url;
}

/**
 * Resolves the environment's URL and runs `fn` with it, keeping a `fly proxy` open for the
 * duration when the URL is on Fly's private network. The URL is a secret: never print it.
 */
export async function withEnvironmentUrl<T>(
  opts: ReachOptions,
  fn: (url: string, route: Route) => Promise<T>,
): Promise<T> {
  if (opts.databaseUrl) return fn(checkUrl(opts.databaseUrl, "--database-url"), "--database-url");
  const fromVariable = opts.ignoreDatabaseUrlVariable ? undefined : opts.env.DATABASE_URL;
  if (fromVariable) return fn(checkUrl(fromVariable, "DATABASE_URL"), "DATABASE_URL");

  const stack = opts.environment;
  const outputs = await readStackOutputs(stack, {
    env: opts.env,
    pulumiBinary: opts.pulumiBinary,
    // The Pulumi CLI asks its backend over the network: give it its own, longer budget.
    timeoutMs: Math.max(opts.timeoutMs, 60_000),
  });
  const url = stringOutput(outputs, "databaseUrl");
  if (url === null) {
    throw runtimeError(
      `stack "${stack}" has no output databaseUrl: run pulumi up -s ${stack}, or set DATABASE_URL for the command`,
    );
  }
  checkUrl(url, `stack "${stack}" output databaseUrl`);
  const app = privateFlyApp(url);
  if (app === null) return fn(url, "stack output databaseUrl");
  const open: ProxyOpener = opts.openProxy ?? withFlyProxy;
  return open(
    {
      app,
      flyBinary: opts.flyBinary ?? "fly",
      env: opts.env,
      timeoutMs: opts.timeoutMs,
    },
    (port) => fn(urlThroughProxy(url, port), `stack output databaseUrl via fly proxy -a ${app}`),
  );
}

/**
 * Connects with a bounded wait; the error names host and port, never the password. Every
 * statement of the session is bounded by the same --timeout (statement_timeout, set at login),
 * so a lock held by another session cannot hold a command forever.
 */
export async function connect(url: string, timeoutMs: number): Promise<pg.Client> {
  const parsed = parsePostgresUrl(url, "the database URL");
  const client = new pg.Client({
    ...pgClientConfig(parsed),
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: Math.max(1, Math.round(timeoutMs)),
  });
  // A dropped connection must not crash the process through an unhandled 'error' event.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    const server = serverOfUrl({ ...parsed, port: parsed.port ?? 5432 });
    const database = parsed.database !== null ? `/${parsed.database}` : "";
    throw runtimeError(
      `cannot connect to ${server}${database} as ${parsed.user || "(default user)"}: ${maskSecrets(reason, [url])}`,
    );
  }
  return client;
}

/**
 * Reaches the environment (see withEnvironmentUrl) and runs `fn` with a connected client, which
 * is closed afterwards. `opts.timeoutMs` bounds the connection attempt.
 */
export function withEnvironmentClient<T>(
  opts: ReachOptions,
  fn: (client: pg.Client, url: string) => Promise<T>,
): Promise<T> {
  return withEnvironmentUrl(opts, (url) =>
    withConnection(url, opts.timeoutMs, (client) => fn(client, url)),
  );
}

/** A statement cancelled by --timeout, as the user's error: why, and that nothing changed. */
export function timeoutError(error: unknown, timeoutMs: number): unknown {
  if ((error as { code?: string }).code !== "57014") return error;
  return runtimeError(
    `cancelled by the statement timeout (${formatSeconds(timeoutMs)}, --timeout): ${(error as Error).message}; another session may hold a lock on what it reads; nothing was changed; run it again later, or raise --timeout`,
  );
}

/**
 * Runs `fn` with a client connected to `url`, closed afterwards. Every operations command's
 * statements run in transactions that a cancelled statement rolls back, so a statement cut by
 * --timeout changed nothing.
 */
export async function withConnection<T>(
  url: string,
  timeoutMs: number,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(url, timeoutMs);
  try {
    return await fn(client);
  } catch (error) {
    throw timeoutError(error, timeoutMs);
  } finally {
    await client.end().catch(() => {});
  }
}
