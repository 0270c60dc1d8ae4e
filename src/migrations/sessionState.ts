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
 * leaves alone), temporary objects, prepared statements, held cursors and LISTEN are put back only
 * when they changed. `DISCARD ALL` would do all of it, but also release the migration lock.
 */
import { ExitCode, GaiaDbError } from "../shared/errors";
import { type Db, dollarQuoted } from "./ledger";

export interface SessionState {
  currentUser: string;
  sessionUser: string;
  /** pg_settings with source `session` (set in this session, not by the server or startup). */
  settings: Record<string, string>;
  /** Temporary relations and functions ("table t", "function f"). */
  temporary: string[];
  /** Statements prepared with SQL PREPARE (not the driver's protocol-level ones). */
  prepared: string[];
  /** Cursors declared WITH HOLD, which outlive their transaction. */
  cursors: string[];
  /** Channels this session LISTENs on. */
  channels: string[];
}

/**
 * Everything schema-qualified: the file may have left a search_path that puts its own
 * `pg_settings` before pg_catalog. The catalogs are scanned for temporary objects only once the
 * session has a temporary schema (a third of the query's time otherwise, on every file).
 */
export const SESSION_STATE_SQL = `SELECT pg_catalog.current_user()::text AS "currentUser",
       pg_catalog.session_user()::text AS "sessionUser",
       (SELECT coalesce(pg_catalog.json_object_agg(name, setting ORDER BY name), '{}')
          FROM pg_catalog.pg_settings WHERE source = 'session') AS settings,
       CASE WHEN pg_catalog.pg_my_temp_schema() = 0 THEN '{}'::text[]
       ELSE ARRAY(SELECT pg_catalog.concat(kind, ' ', name) FROM (
               SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                        WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
                      c.relname::text AS name
                 FROM pg_catalog.pg_class c
                WHERE c.relnamespace = pg_catalog.pg_my_temp_schema()
                  AND c.relkind NOT IN ('i', 'I', 't', 'c')
               UNION ALL
               SELECT 'function', p.proname::text FROM pg_catalog.pg_proc p
                WHERE p.pronamespace = pg_catalog.pg_my_temp_schema()) o
             ORDER BY 1) END AS temporary,
       ARRAY(SELECT name FROM pg_catalog.pg_prepared_statements WHERE from_sql ORDER BY 1)
         AS prepared,
       ARRAY(SELECT name FROM pg_catalog.pg_cursors WHERE is_holdable ORDER BY 1) AS cursors,
       ARRAY(SELECT c FROM pg_catalog.pg_listening_channels() c ORDER BY 1) AS channels`;

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
  const added = (key: "temporary" | "prepared" | "cursors" | "channels") =>
    after[key].filter((x) => !before[key].includes(x));
  const temporary = added("temporary");
  if (temporary.length > 0) out.push(`temporary ${list(temporary)} left behind`);
  const prepared = added("prepared");
  if (prepared.length > 0) out.push(`prepared statement ${list(prepared)} left behind`);
  const cursors = added("cursors");
  if (cursors.length > 0) out.push(`cursor ${list(cursors)} held open`);
  const channels = added("channels");
  if (channels.length > 0) out.push(`LISTEN ${list(channels)}`);
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
  return out;
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
