/**
 * The migration lock: a session-level advisory lock taken with pg_try_advisory_lock and polled
 * with jittered exponential backoff. Never pg_advisory_lock (a blocked waiter deadlocks with
 * CREATE INDEX CONCURRENTLY) nor the xact variants (CIC then waits forever).
 */
import { ExitCode, GaiaDbError } from "../shared/errors";
import type { Db } from "./ledger";

/** Fixed key for every gaia-db process; advisory locks are per database. */
export const LOCK_KEY = "7245031820261125";

/** Takes the migration lock if free, without waiting; `key` is the SQL for LOCK_KEY. */
export const tryLockCall = (key: string) => `pg_catalog.pg_try_advisory_lock(${key}::bigint)`;

export const TRY_LOCK_SQL = `SELECT ${tryLockCall("$1")} AS locked`;

/**
 * Whether the pg_locks row `l` is the migration lock (any holder): a bigint key shows as its high
 * and low 32 bits in classid and objid, with objsubid 1. `key` is the SQL for LOCK_KEY.
 */
export const isMigrationLock = (l: string, key: string) =>
  `${l}.locktype = 'advisory' AND ${l}.classid = ((${key}::bigint >> 32) & 4294967295)::oid
        AND ${l}.objid = (${key}::bigint & 4294967295)::oid AND ${l}.objsubid = 1`;

/** Delay before poll number `attempt` (0-based): 50 ms doubling to 2 s, jittered to 50–100 %. */
export function backoffDelay(attempt: number, random: number): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.5 + random / 2));
}

export interface LockOptions {
  timeoutMs: number;
  /** True when the caller already tried once (e.g. in its preflight query) and failed. */
  alreadyTried?: boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireLock(db: Db, options: LockOptions): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let attempt = 0;
  if (!options.alreadyTried) {
    if (await tryLock(db)) return;
  }
  for (;;) {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    await sleep(Math.min(remaining, backoffDelay(attempt++, random())));
    if (await tryLock(db)) return;
  }
  const holder = await describeLockHolder(db);
  throw new GaiaDbError(
    `timed out after ${formatSeconds(options.timeoutMs)} waiting for the migration lock, held by ${holder}: another gaia-db run is migrating this database; wait for it to finish and run again, or raise --lock-timeout`,
    ExitCode.lockTimeout,
  );
}

async function tryLock(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ locked: boolean }>(TRY_LOCK_SQL, [LOCK_KEY]);
  return rows[0]?.locked === true;
}

export async function releaseLock(db: Db): Promise<void> {
  await db.query("SELECT pg_advisory_unlock($1::bigint)", [LOCK_KEY]);
}

interface HolderRow {
  pid: number;
  application_name: string | null;
  usename: string | null;
  backend_start: Date | null;
  state: string | null;
}

/** "pid 123 (application_name "gaia-db migrate dev", user postgres, connected since …)". */
export async function describeLockHolder(db: Db): Promise<string> {
  const { rows } = await db.query<HolderRow>(
    `SELECT a.pid, a.application_name, a.usename, a.backend_start, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE ${isMigrationLock("l", "$1")} AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [LOCK_KEY],
  );
  const row = rows[0];
  if (!row) return "a session that has since released it";
  const since = row.backend_start ? row.backend_start.toISOString() : "unknown";
  return `pid ${row.pid} (application_name "${row.application_name ?? ""}", user ${row.usename ?? "unknown"}, connected since ${since}, ${row.state ?? "unknown"})`;
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
