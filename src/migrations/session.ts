/**
 * The runner's connections: one locked session (migrate, baseline, repair, bind) and one
 * read-only session (status, plan, verify), both opened by `connect` and checked by `preflight`.
 *
 * Round trips matter (a no-op `migrate` from CI should cost next to nothing): the session
 * settings travel in the startup packet, the first query both checks the database and tries the
 * lock, the second reads the whole ledger, the third releases the lock.
 */
import pg from "pg";
import { ExitCode, GaiaDbError, refusedError as refused, thrownText } from "../shared/errors";
import { type Environment, type Module, parseModules } from "../shared/vocabulary";

import { type Binding, countingDb, type Db, type LedgerState, readLedger } from "./ledger";
import { acquireLock, LOCK_KEY, releaseLock, tryLockCall } from "./lock";
import {
  describeUrl,
  maskSecrets,
  type PostgresUrl,
  parsePostgresUrl,
  pgClientConfig,
  serverOfUrl,
  withParts,
} from "./postgresUrl";

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_LOCK_WAIT_TIMEOUT_MS = 10_000;

export interface ConnectionOptions {
  databaseUrl: string;
  /** Per-session statement_timeout (default 15 min). */
  statementTimeoutMs?: number;
  /** Per-session lock_timeout: how long one statement waits for a table lock (default 10 s). */
  lockWaitTimeoutMs?: number;
  /** Incremented on every query the runner sends (benchmarks and tests count round trips). */
  queryCounter?: { count: number };
}

export interface CommonOptions extends ConnectionOptions {
  environment: Environment;
  migrationsDir: string;
  /** Defaults to the modules recorded by the last migrate, else core. */
  modules?: readonly Module[];
}

export type ProgressEvent =
  | { type: "lock-wait" }
  | { type: "file-start"; file: string; statements: number; resumeAt: number }
  | { type: "file-done"; file: string; durationMs: number; statements: number }
  | { type: "baseline"; files: string[]; drift: string[] }
  /** Something the user should know that did not stop the run (a file changed the session). */
  | { type: "warning"; message: string };

export interface Preflight {
  user: string;
  database: string;
  owner: string;
  privileged: boolean;
  ledger_version: string | null;
  ledger_readable: boolean;
  public_tables: number;
  vector_available: boolean;
  locked: boolean | null;
}

/** How the runner's API names a URL it was given in a message (the CLI names the flag). */
const URL_ORIGIN = "the database URL";

/** Describes the target without secrets: user@host:port/database. */
export function describeTarget(url: string): string {
  return describeUrl(parsePostgresUrl(url, URL_ORIGIN));
}

/** The same server and credentials, another database (for the baseline scratch database). */
export function urlWithDatabase(url: string, database: string): string {
  return withParts(url, URL_ORIGIN, { database });
}

/** host:port of a connection URL (not secret), for messages about the server. */
export function serverOf(url: string): string {
  return serverOfUrl(parsePostgresUrl(url, URL_ORIGIN));
}

/** Sent with every runner connection; a URL's `options` cannot turn it off (see preflight). */
const CONNECTION_CHECK_INTERVAL_MS = 1000;

/**
 * The startup `options`: the URL's own (e.g. a search_path) first, then the runner's, so that
 * where both set a parameter the runner's, given later, wins.
 */
function runnerStartupOptions(url: PostgresUrl): string {
  const ours = `-c client_connection_check_interval=${CONNECTION_CHECK_INTERVAL_MS}`;
  return url.params.options === undefined ? ours : `${url.params.options} ${ours}`;
}

export async function connect(
  options: ConnectionOptions,
  applicationName: string,
  database?: string,
): Promise<pg.Client> {
  const parsed = parsePostgresUrl(options.databaseUrl, URL_ORIGIN);
  const url = database ? { ...parsed, database } : parsed;
  const client = new pg.Client({
    ...pgClientConfig(url),
    // Ours, not the URL's application_name: the server's view of who holds the lock.
    application_name: applicationName,
    // Startup parameters: applied by the server with no extra round trip.
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    lock_timeout: options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS,
    connectionTimeoutMillis: 15_000,
    // If this process dies mid-statement, the server notices within a second, rolls back and
    // releases the session lock instead of finishing a long statement for nobody (PG 14+).
    options: runnerStartupOptions(url),
  });
  // A dropped connection must surface as a query error, not crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new GaiaDbError(
      `cannot connect to ${describeUrl(url)}: ${maskSecrets(errorText(err), [options.databaseUrl])}`,
      ExitCode.runtime,
    );
  }
  return client;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return err.message || code || err.name;
  }
  return thrownText(err);
}

const PREFLIGHT_SQL = (tryLock: boolean, statementMs: number, lockMs: number) => `
SELECT set_config('statement_timeout', '${statementMs}', false) AS statement_timeout,
       set_config('lock_timeout', '${lockMs}', false) AS lock_timeout,
       set_config('client_connection_check_interval', '${CONNECTION_CHECK_INTERVAL_MS}', false)
         AS client_connection_check_interval,
       current_user AS user,
       current_database() AS database,
       pg_get_userbyid(d.datdba) AS owner,
       (r.rolsuper OR pg_has_role(current_user, d.datdba, 'MEMBER')) AS privileged,
       obj_description(to_regnamespace('gaia_migrations'), 'pg_namespace') AS ledger_version,
       (to_regclass('gaia_migrations.applied') IS NOT NULL
         AND to_regclass('gaia_migrations.binding') IS NOT NULL) AS ledger_readable,
       (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND c.relname <> 'schema_migrations') AS public_tables,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS vector_available,
       ${tryLock ? tryLockCall("$1") : "NULL::boolean"} AS locked
  FROM pg_database d, pg_roles r
 WHERE d.datname = current_database() AND r.rolname = current_user`;

/**
 * One round trip: sets the session timeouts and the connection check (also sent at startup, where
 * some proxies drop them; a SET here also outranks anything a URL's `options` or the role's and
 * database's defaults set), checks ownership, the ledger and pgvector, and optionally tries the
 * lock.
 */
async function preflight(db: Db, tryLock: boolean, options: ConnectionOptions): Promise<Preflight> {
  const statementMs = Math.floor(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  const lockMs = Math.floor(options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS);
  const { rows } = await db.query<Preflight>(
    PREFLIGHT_SQL(tryLock, statementMs, lockMs),
    tryLock ? [LOCK_KEY] : [],
  );
  const row = rows[0];
  if (!row) throw new GaiaDbError("preflight query returned no row", ExitCode.runtime);
  return row;
}

export function ownerProblem(p: Preflight): string | null {
  if (p.privileged) return null;
  return `role ${p.user} is neither the owner of database ${p.database} (owned by ${p.owner}) nor a superuser: migrations create and alter objects the owner must own; connect as ${p.owner} or run GRANT ${p.owner} TO ${p.user}`;
}

/** Runs `fn` on a connection holding the migration lock; the lock is released in finally. */
export async function withLockedSession<T>(
  options: CommonOptions & { lockTimeoutMs?: number; onProgress?: (e: ProgressEvent) => void },
  command: string,
  fn: (db: Db, p: Preflight, client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(options, `gaia-db ${command} ${options.environment}`);
  const db = countingDb(client, options.queryCounter);
  let locked = false;
  try {
    let p = await preflight(db, true, options);
    if (!p.locked) {
      options.onProgress?.({ type: "lock-wait" });
      await acquireLock(db, {
        timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        alreadyTried: true,
      });
      locked = true;
      // The holder may have created the ledger or tables meanwhile: look again under the lock.
      p = await preflight(db, false, options);
    }
    locked = true;
    const problem = ownerProblem(p);
    if (problem) throw refused(problem);
    return await fn(db, p, client);
  } finally {
    if (locked) await releaseLock(db).catch(() => {});
    await client.end().catch(() => {});
  }
}

/** Runs `fn` on a connection that takes no lock and creates nothing (status, plan, verify). */
export async function withReadOnlySession<T>(
  options: CommonOptions,
  command: string,
  fn: (db: Db, p: Preflight, ledger: LedgerState, client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(options, `gaia-db ${command} ${options.environment}`);
  const db = countingDb(client, options.queryCounter);
  try {
    const p = await preflight(db, false, options);
    return await fn(db, p, await readLedgerIfAny(db, p), client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function readLedgerIfAny(db: Db, p: Preflight): Promise<LedgerState> {
  return p.ledger_readable ? readLedger(db) : { rows: [], binding: null };
}

export function selectedModules(options: CommonOptions, binding: Binding | null): Module[] {
  if (options.modules) return parseModules(options.modules);
  return parseModules(binding?.modules ?? ["core"]);
}
