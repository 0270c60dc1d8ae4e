/**
 * What a migration file leaves on the runner's session for the files after it. The runner applies
 * every file on one session, so a `set_config(…, false)`, a `SET` run by a DO block's EXECUTE, a
 * `SET ROLE` or a temporary table would otherwise reach the next file: unlike running the files
 * in separate runs, and silently. Statements cannot show it (a DO block can do anything), so the
 * runner looks after each file, puts the session back as it was before the first file, and names
 * the file.
 *
 * After every file the settings are reset unconditionally (`RESET ALL`, then the runner's own
 * session settings again): custom settings (`myapp.flag`) never appear in pg_settings, so only an
 * unconditional reset brings them back. The role, the session authorization (which `RESET ALL`
 * leaves alone), temporary objects (tables, types, functions, operators: whatever lives in the
 * session's temporary schema), prepared statements, held cursors, LISTEN and session advisory
 * locks the file took are put back only when they changed. `DISCARD ALL` would do all of it, but
 * also release the migration lock; its parts are used instead, and the file's own advisory locks
 * are released one by one.
 *
 * The migration lock itself is checked too: a file that released it (pg_advisory_unlock_all in a
 * DO block, which the check of the file's text cannot see) stops the run, since another run may
 * since have taken it, and files applied by two runs at once are what the lock exists to prevent.
 */
import { ExitCode, GaiaDbError } from "../shared/errors";
import { type Db, dollarQuoted } from "./ledger";
import { isMigrationLock, LOCK_KEY } from "./lock";

export interface SessionState {
  currentUser: string;
  sessionUser: string;
  /** pg_settings with source `session` (set in this session, not by the server or startup). */
  settings: Record<string, string>;
  /** Objects in the session's temporary schema ("table t", "type mood", "function f(integer)"). */
  temporary: string[];
  /** Statements prepared with SQL PREPARE (not the driver's protocol-level ones). */
  prepared: string[];
  /** Cursors declared WITH HOLD, which outlive their transaction. */
  cursors: string[];
  /** Channels this session LISTENs on. */
  channels: string[];
  /**
   * Advisory locks this session holds after the file's transaction ("advisory lock 42",
   * "advisory lock (1, 2)", "shared advisory lock -5"), the migration lock included.
   */
  advisory: string[];
  /** Whether this session holds the migration lock. */
  migrationLock: boolean;
}

/**
 * Everything schema-qualified: the file may have left a search_path that puts its own
 * `pg_settings` before pg_catalog. The catalogs are scanned for temporary objects only once the
 * session has a temporary schema (a third of the query's time otherwise, on every file). Every
 * object in a schema depends on it in pg_depend (a table's row type and an index depend on the
 * table instead), so that one index scan lists each temporary object once, whatever its kind.
 */
export const SESSION_STATE_SQL = `SELECT pg_catalog.current_user()::text AS "currentUser",
       pg_catalog.session_user()::text AS "sessionUser",
       (SELECT coalesce(pg_catalog.json_object_agg(name, setting ORDER BY name), '{}')
          FROM pg_catalog.pg_settings WHERE source = 'session') AS settings,
       CASE WHEN pg_catalog.pg_my_temp_schema() = 0 THEN '{}'::text[]
       ELSE ARRAY(SELECT pg_catalog.replace(
                           pg_catalog.pg_describe_object(d.classid, d.objid, 0),
                           pg_catalog.pg_my_temp_schema()::pg_catalog.regnamespace::text || '.', '')
                    FROM pg_catalog.pg_depend d
                   WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                     AND d.refobjid = pg_catalog.pg_my_temp_schema()
                   ORDER BY 1) END AS temporary,
       ARRAY(SELECT name FROM pg_catalog.pg_prepared_statements WHERE from_sql ORDER BY 1)
         AS prepared,
       ARRAY(SELECT name FROM pg_catalog.pg_cursors WHERE is_holdable ORDER BY 1) AS cursors,
       ARRAY(SELECT c FROM pg_catalog.pg_listening_channels() c ORDER BY 1) AS channels,
       ARRAY(SELECT pg_catalog.concat(CASE WHEN l.mode = 'ShareLock' THEN 'shared ' END,
                      'advisory lock ',
                      CASE WHEN l.objsubid = 1
                           THEN ((l.classid::int8 << 32) | l.objid::int8)::text
                           ELSE pg_catalog.concat('(', l.classid::int8::int4, ', ',
                                                  l.objid::int8::int4, ')') END)
               FROM pg_catalog.pg_locks l
              WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
              ORDER BY 1) AS advisory,
       EXISTS (SELECT FROM pg_catalog.pg_locks l
                WHERE ${isMigrationLock("l", LOCK_KEY)} AND l.mode = 'ExclusiveLock'
                  AND l.pid = pg_catalog.pg_backend_pid() AND l.granted) AS "migrationLock"`;

const quoted = (value: string) => JSON.stringify(value);
const list = (names: readonly string[]) => names.join(", ");

/** One phrase per change from `before` to `after`, for the message naming the file. */
export function sessionChanges(before: SessionState, after: SessionState): string[] {
  const out: string[] = [];
  if (after.sessionUser !== before.sessionUser) {
    out.push(`session authorization ${before.sessionUser} -> ${after.sessionUser}`);
  }
  if (after.currentUser !== before.currentUser) {
    out.push(`role ${before.currentUser} -> ${after.currentUser}`);
  }
  const names = [...new Set([...Object.keys(before.settings), ...Object.keys(after.settings)])];
  for (const name of names.sort()) {
    const was = before.settings[name];
    const now = after.settings[name];
    if (was === now) continue;
    if (was === undefined) out.push(`${name} set to ${quoted(now as string)}`);
    else if (now === undefined) out.push(`${name} reset (was ${quoted(was)})`);
    else out.push(`${name} ${quoted(was)} -> ${quoted(now)}`);
  }
  const added = (key: "temporary" | "prepared" | "cursors" | "channels" | "advisory") =>
    after[key].filter((x) => !before[key].includes(x));
  const temporary = added("temporary");
  if (temporary.length > 0) out.push(`temporary ${list(temporary)} left behind`);
  const prepared = added("prepared");
  if (prepared.length > 0) out.push(`prepared statement ${list(prepared)} left behind`);
  const cursors = added("cursors");
  if (cursors.length > 0) out.push(`cursor ${list(cursors)} held open`);
  const channels = added("channels");
  if (channels.length > 0) out.push(`LISTEN ${list(channels)}`);
  const advisory = added("advisory");
  if (advisory.length > 0) out.push(`session ${list(advisory)} left held`);
  return out;
}

/** The warning that names a file that changed the session (the run goes on). */
export function sessionWarning(file: string, changes: readonly string[]): string {
  return `${file} changed the session: ${changes.join("; ")}; the runner put it back before the next file, which runs as it would in a separate run (settings that must end with the file: SET LOCAL or set_config(…, true) in a transactional file, or a routine's own SET clause)`;
}

const same = (a: readonly string[], b: readonly string[]) => a.join("\n") === b.join("\n");

/**
 * What puts back what the unconditional settings reset does not: the identity first (so that the
 * rest runs as the runner's own role), then the session's leftovers.
 */
export function restoreStatements(before: SessionState, after: SessionState): string[] {
  const out: string[] = [];
  if (after.sessionUser !== before.sessionUser) out.push("RESET SESSION AUTHORIZATION");
  if (after.currentUser !== before.currentUser || after.sessionUser !== before.sessionUser) {
    out.push("RESET ROLE");
  }
  if (!same(after.temporary, before.temporary)) out.push("DISCARD TEMP");
  if (!same(after.prepared, before.prepared)) out.push("DEALLOCATE ALL");
  if (!same(after.cursors, before.cursors)) out.push("CLOSE ALL");
  if (!same(after.channels, before.channels)) out.push("UNLISTEN *");
  for (const lock of after.advisory) {
    if (!before.advisory.includes(lock)) out.push(unlockStatement(lock));
  }
  return out;
}

/**
 * Releases one advisory lock named as SESSION_STATE_SQL names it, as many times as it was taken
 * (session advisory locks stack); pg_advisory_unlock_all would release the migration lock too.
 */
export function unlockStatement(lock: string): string {
  const m = /^(shared )?advisory lock (?:(-?\d+)|\((-?\d+), (-?\d+)\))$/.exec(lock);
  if (!m) throw new Error(`not an advisory lock: ${lock}`);
  const unlock = m[1] ? "pg_catalog.pg_advisory_unlock_shared" : "pg_catalog.pg_advisory_unlock";
  const args = m[2] !== undefined ? `${m[2]}::int8` : `${m[3]}::int4, ${m[4]}::int4`;
  return `DO $$BEGIN WHILE ${unlock}(${args}) LOOP END LOOP; END$$`;
}

/** Why the run stops when a file released the migration lock, or null. */
export function lockLostError(
  file: string,
  before: SessionState,
  after: SessionState,
): GaiaDbError | null {
  if (!before.migrationLock || after.migrationLock) return null;
  return new GaiaDbError(
    `${file} is applied, but it released the migration lock (pg_advisory_unlock or pg_advisory_unlock_all, here through a DO block, a function or EXECUTE that the check of the file's text cannot see), so another gaia-db run could be migrating this database at the same time: stopped before the next file, and no later file was applied; remove the unlock from the file's SQL (locks of its own: pg_advisory_xact_lock) and run migrate again`,
    ExitCode.runtime,
  );
}

/** `RESET ALL`, then the session settings of `before` again (pg_settings' values round-trip). */
export function resetSettingsSql(before: SessionState): string {
  const entries = Object.entries(before.settings);
  if (entries.length === 0) return "RESET ALL";
  const json = dollarQuoted(JSON.stringify(Object.fromEntries(entries)));
  return `RESET ALL; SELECT pg_catalog.set_config(key, value, false) FROM pg_catalog.json_each_text(${json})`;
}

/** The session as it was before the first file, and the queries that check and restore it. */
export class SessionGuard {
  private constructor(
    readonly before: SessionState,
    /** Run after a file: the state it left, then the settings reset (one round trip). */
    readonly checkSql: string,
  ) {}

  static async capture(db: Db): Promise<SessionGuard> {
    const { rows } = await db.query<SessionState & { [k: string]: unknown }>(SESSION_STATE_SQL);
    const before = rows[0] as SessionState;
    return new SessionGuard(before, `${SESSION_STATE_SQL}; ${resetSettingsSql(before)}`);
  }

  /** Ends a transactional file: COMMIT, then `checkSql`, in one round trip. */
  get commitSql(): string {
    return `COMMIT; ${this.checkSql}`;
  }

  /** The state a file left, from the results of `checkSql` or `commitSql`. */
  static observed(results: unknown, afterCommit: boolean): SessionState {
    const all = results as { rows: SessionState[] }[];
    return all[afterCommit ? 1 : 0]?.rows[0] as SessionState;
  }

  /**
   * After `file` committed and left `after`: restores what the settings reset did not, checks
   * the session is back as it was, and returns what the file changed (empty = nothing).
   */
  async settle(db: Db, file: string, after: SessionState): Promise<string[]> {
    const lost = lockLostError(file, this.before, after);
    if (lost) throw lost;
    const changes = sessionChanges(this.before, after);
    if (changes.length === 0) return [];
    const restore = restoreStatements(this.before, after);
    let left: string[];
    try {
      if (restore.length > 0) await db.query(restore.join("; "));
      const { rows } = await db.query<SessionState & { [k: string]: unknown }>(SESSION_STATE_SQL);
      left = sessionChanges(this.before, rows[0] as SessionState);
    } catch (err) {
      left = [(err as Error).message];
    }
    if (left.length > 0) {
      throw new GaiaDbError(
        `${file} is applied, but it changed the session (${changes.join("; ")}) and the runner could not put it back (${left.join("; ")}): stopping so that no later file runs in that state; run migrate again (a new run starts on a new session)`,
        ExitCode.runtime,
      );
    }
    return changes;
  }
}
