/**
 * Running one operator-supplied statement safely.
 *
 * Layers, each stopping what the previous one cannot:
 * 1. Extended protocol (`queryMode: "extended"`): the server parses the text as ONE prepared
 *    statement, so `SELECT 1; DELETE …` or `COMMIT; DROP …` is rejected before anything runs.
 * 2. `BEGIN READ ONLY` + `SET LOCAL statement_timeout`: writes and DDL fail; the statement cannot
 *    switch the transaction back to read-write once it has started (PostgreSQL forbids it after
 *    the first snapshot).
 * 3. `SET LOCAL ROLE gaia_readonly`. This alone guarantees nothing: any statement can undo it
 *    (`SELECT set_config('role', 'none', true), …`) and then runs with every right of the SESSION
 *    user. So the guarantee rests on who the session user is:
 * 4. The statement runs on a second connection logged in as a temporary role
 *    (`gaia_view_<random>`: member of gaia_readonly only, no other attribute, password valid for
 *    minutes, dropped afterwards). Resetting the role there gains nothing: the worst the statement
 *    can do is read what gaia_readonly can read. Creating that role needs the connecting login to
 *    be a superuser or have CREATEROLE.
 *    A login with neither is used directly only when it is itself no more than gaia_readonly: a
 *    member of gaia_readonly and of no other role, no BYPASSRLS or REPLICATION, owning nothing in
 *    this database (relation, schema, function, large object, the database) and holding no
 *    privilege granted to it by name (on a schema, table, sequence, column, function or large
 *    object); any other login is refused (exit 3) with the login to use instead.
 */
import pg from "pg";
import { withParts } from "../migrations/postgresUrl";
import { refusedError } from "../shared/errors";
import { connect } from "./reach";
import { generatePassword, scramVerifier } from "./scram";

export const READONLY_ROLE = "gaia_readonly";
export const VIEW_LOGIN_PREFIX = "gaia_view_";

export interface StatementResult {
  /** The command tag (SELECT, UPDATE, ...); null when the rows were cut before the server sent it. */
  command: string | null;
  rowCount: number | null;
  columns: string[];
  /** Column indexes holding numbers (right-aligned in tables). */
  numericColumns: number[];
  /** Every value as PostgreSQL's text form (as psql shows it), null as null. */
  rows: (string | null)[][];
  /** The statement returned more than the rows kept (at most `maxRows`). */
  truncated: boolean;
}

export interface LoginFacts {
  user: string;
  superuser: boolean;
  createRole: boolean;
  readonlyRoleExists: boolean;
  /** Direct member of gaia_readonly. */
  readonlyMember: boolean;
  /** What makes the login more than gaia_readonly (empty when nothing cheap to detect does). */
  extraPrivileges: string[];
}

// int2, int4, int8, oid, float4, float8, numeric, money
const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);
const textParser = { getTypeParser: () => (value: string) => value };

/**
 * How `maxRows` limits a statement:
 * - "cut": the portal is executed for `maxRows + 1` rows and, if it is then only suspended,
 *   closed, so neither the client's memory nor the wire carries the rest. Only for a statement
 *   whose transaction is rolled back: a SELECT calling a function that writes has then written
 *   only the rows read so far.
 * - "display": the statement runs to completion (its effect never depends on the limit); rows
 *   past `maxRows` are dropped as they arrive, so only the client's memory is spared.
 */
export type RowLimit = "cut" | "display";

/**
 * Runs `sql` as a single statement (extended protocol); values come back as text. At most
 * `maxRows` rows are kept, as `limit` says.
 */
export function runSingleStatement(
  client: pg.Client,
  sql: string,
  maxRows: number = Number.POSITIVE_INFINITY,
  limit: RowLimit = "cut",
): Promise<StatementResult> {
  const capped = Number.isFinite(maxRows);
  const cut = capped && limit === "cut";
  const query = new pg.Query({
    text: sql,
    values: [],
    queryMode: "extended",
    rowMode: "array",
    types: textParser,
    ...(cut ? { rows: maxRows + 1 } : {}),
  } as pg.QueryConfig);
  let suspended = false;
  let received = 0;
  // pg's protocol hooks for a query that fetches its rows in pages (as pg-cursor does): after
  // the first page, or an error, end the exchange with Sync instead of asking for more.
  type Hooks = {
    handlePortalSuspended(connection: { sync(): void }): void;
    handleError(error: unknown, connection: { sync(): void }): void;
    handleDataRow(message: unknown): void;
  };
  if (capped && !cut) {
    const hooks = query as unknown as Hooks;
    const handleDataRow = hooks.handleDataRow.bind(query);
    hooks.handleDataRow = (message) => {
      received += 1;
      if (received <= maxRows + 1) handleDataRow(message);
    };
  }
  if (cut) {
    const hooks = query as unknown as Hooks;
    const handleError = hooks.handleError.bind(query);
    hooks.handlePortalSuspended = (connection) => {
      suspended = true;
      connection.sync();
    };
    hooks.handleError = (error, connection) => {
      connection.sync();
      handleError(error, connection);
    };
  }
  return new Promise((resolve, reject) => {
    query.on("error", reject);
    query.on("end", (result: pg.QueryArrayResult) => {
      const fields = result.fields ?? [];
      const rows = (result.rows ?? []) as (string | null)[][];
      const truncated = suspended || rows.length > maxRows || received > maxRows;
      resolve({
        command: suspended ? null : (result.command ?? ""),
        rowCount: suspended ? null : (result.rowCount ?? null),
        columns: fields.map((field) => field.name),
        numericColumns: fields.flatMap((field, i) =>
          NUMERIC_TYPES.has(field.dataTypeID) ? [i] : [],
        ),
        rows: truncated ? rows.slice(0, maxRows) : rows,
        truncated,
      });
    });
    client.query(query);
  });
}

/**
 * What the session user holds beyond its memberships, one phrase per kind: objects it owns, and
 * objects of others on which a privilege was granted to it by name (not to PUBLIC, not through a
 * role; an owner's own privileges are reported as ownership).
 * Database-level grants (CONNECT, TEMPORARY) are left out: they read nothing.
 */
const HELD_SQL = `
WITH me AS (SELECT oid FROM pg_roles WHERE rolname = session_user),
owned AS (
  SELECT 1 AS k, format('%s %s', CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
           WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
           c.oid::regclass) AS what
    FROM pg_class c, me WHERE c.relowner = me.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL SELECT 2, format('schema %I', n.nspname) FROM pg_namespace n, me WHERE n.nspowner = me.oid
  UNION ALL SELECT 3, format('function %s', p.oid::regprocedure) FROM pg_proc p, me WHERE p.proowner = me.oid
  UNION ALL SELECT 4, format('large object %s', l.oid) FROM pg_largeobject_metadata l, me
    WHERE l.lomowner = me.oid
  UNION ALL SELECT 5, format('database %I', d.datname) FROM pg_database d, me
    WHERE d.datdba = me.oid AND d.datname = current_database()
),
granted AS (
  SELECT DISTINCT 1 AS k, format('schema %I', n.nspname) AS what
    FROM pg_namespace n, aclexplode(n.nspacl) a, me WHERE a.grantee = me.oid AND n.nspowner <> me.oid
  UNION SELECT 2, format('%s %s', CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
           WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
           c.oid::regclass)
    FROM pg_class c, aclexplode(c.relacl) a, me WHERE a.grantee = me.oid AND c.relowner <> me.oid
  UNION SELECT 3, format('column %s.%I', c.oid::regclass, t.attname)
    FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid, aclexplode(t.attacl) a, me
   WHERE a.grantee = me.oid AND c.relowner <> me.oid AND NOT t.attisdropped
  UNION SELECT 4, format('function %s', p.oid::regprocedure)
    FROM pg_proc p, aclexplode(p.proacl) a, me WHERE a.grantee = me.oid AND p.proowner <> me.oid
  UNION SELECT 5, format('large object %s', l.oid)
    FROM pg_largeobject_metadata l, aclexplode(l.lomacl) a, me
   WHERE a.grantee = me.oid AND l.lomowner <> me.oid
)
SELECT ARRAY(SELECT what FROM owned ORDER BY k, what) AS owned,
       ARRAY(SELECT what FROM granted ORDER BY k, what) AS granted`;

/** "a, b, c" or "a, b, c and 4 more" (a login may hold thousands of grants). */
function some(items: readonly string[], shown = 5): string {
  const more = items.length - shown;
  return more > 0 ? `${items.slice(0, shown).join(", ")} and ${more} more` : items.join(", ");
}

export async function inspectLogin(client: pg.Client): Promise<LoginFacts> {
  const { rows } = await client.query<{
    user: string;
    superuser: boolean;
    createrole: boolean;
    readonly: boolean;
    member: boolean;
    other_roles: string[];
    bypassrls: boolean;
    replication: boolean;
  }>(
    `WITH me AS (SELECT oid, rolname, rolsuper, rolcreaterole, rolbypassrls, rolreplication
                   FROM pg_roles WHERE rolname = session_user),
          ro AS (SELECT oid FROM pg_roles WHERE rolname = $1)
     SELECT me.rolname AS "user", me.rolsuper AS superuser, me.rolcreaterole AS createrole,
            EXISTS (SELECT 1 FROM ro) AS readonly,
            EXISTS (SELECT 1 FROM pg_auth_members m, ro
                     WHERE m.member = me.oid AND m.roleid = ro.oid) AS member,
            ARRAY(SELECT r.rolname::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                   WHERE m.member = me.oid AND r.rolname <> $1 ORDER BY 1) AS other_roles,
            me.rolbypassrls AS bypassrls, me.rolreplication AS replication
       FROM me`,
    [READONLY_ROLE],
  );
  const row = rows[0]!;
  const held = (await client.query<{ owned: string[]; granted: string[] }>(HELD_SQL)).rows[0]!;
  const extraPrivileges = [
    ...(row.other_roles.length > 0
      ? [`is a member of ${row.other_roles.map((r) => `"${r}"`).join(", ")}`]
      : []),
    ...(row.bypassrls ? ["has BYPASSRLS"] : []),
    ...(row.replication ? ["has REPLICATION"] : []),
    ...(held.owned.length > 0 ? [`owns ${some(held.owned)}`] : []),
    ...(held.granted.length > 0 ? [`holds privileges of its own on ${some(held.granted)}`] : []),
  ];
  return {
    user: row.user,
    superuser: row.superuser,
    createRole: row.createrole,
    readonlyRoleExists: row.readonly,
    readonlyMember: row.member,
    extraPrivileges,
  };
}

const useInstead = `connect as a superuser or a login with CREATEROLE (a temporary login that is a member of ${READONLY_ROLE} only is then used), or as a login that is a member of ${READONLY_ROLE} and nothing else`;

/**
 * Which way a read-only statement runs for this login (see the module comment, layer 4):
 * a temporary login, or the login itself when it is no more than gaia_readonly; otherwise refused.
 */
export function readOnlyStrategy(login: LoginFacts): "temporary-login" | "set-role" {
  if (!login.readonlyRoleExists) {
    throw refusedError(
      `the database has no role ${READONLY_ROLE}: run gaia-db migrate <environment> first (the core migrations create it)`,
    );
  }
  if (login.superuser || login.createRole) return "temporary-login";
  if (!login.readonlyMember) {
    throw refusedError(
      `login "${login.user}" is not a member of ${READONLY_ROLE} and may not create a temporary login: ${useInstead}`,
    );
  }
  if (login.extraPrivileges.length > 0) {
    throw refusedError(
      `login "${login.user}" ${login.extraPrivileges.join(", ")}: a statement could reset its role to it, so it cannot run a read-only view: ${useInstead}`,
    );
  }
  return "set-role";
}

async function readOnlyTransaction(
  client: pg.Client,
  sql: string,
  timeoutMs: number,
  maxRows: number,
): Promise<StatementResult> {
  await client.query("BEGIN READ ONLY");
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    await client.query(`SET LOCAL ROLE ${READONLY_ROLE}`);
    return await runSingleStatement(client, sql, maxRows);
  } finally {
    await client.query("ROLLBACK").catch(() => {});
  }
}

/** Creates the temporary login, runs `fn` connected as it, then drops it. */
async function withTemporaryLogin<T>(
  admin: pg.Client,
  login: string,
  url: string,
  timeoutMs: number,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const password = generatePassword();
  const role = `${VIEW_LOGIN_PREFIX}${generatePassword(6)}`;
  const validUntil = new Date(Date.now() + 10 * 60_000).toISOString();
  // Logins left behind by a killed run have long expired; drop them quietly. `_` is a LIKE
  // wildcard: escaped (standard_conforming_strings is on, so the backslash reaches LIKE).
  const sweepPattern = `${VIEW_LOGIN_PREFIX.replace(/[\\_%]/g, (c) => `\\${c}`)}%`;
  await admin
    .query(
      `DO $$ DECLARE r text; BEGIN
         FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE '${sweepPattern}'
                   AND rolvaliduntil < now() - interval '1 hour' LOOP
           EXECUTE format('DROP ROLE IF EXISTS %I', r);
         END LOOP; END $$`,
    )
    .catch(() => {});
  await admin
    .query(
      `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
         NOINHERIT CONNECTION LIMIT 2 IN ROLE ${READONLY_ROLE}
         PASSWORD '${scramVerifier(password)}' VALID UNTIL '${validUntil}'`,
    )
    .catch((error: unknown) => {
      // PostgreSQL 16+: CREATEROLE alone may not grant gaia_readonly without its ADMIN OPTION.
      if ((error as { code?: string }).code === "42501") {
        throw refusedError(
          `login "${login}" may not create a temporary login in ${READONLY_ROLE} (${(error as Error).message}): GRANT ${READONLY_ROLE} TO "${login}" WITH ADMIN OPTION, or connect as a superuser`,
        );
      }
      throw error;
    });
  try {
    const target = withParts(url, "the database URL", { user: role, password });
    const client = await connect(target, timeoutMs);
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  } finally {
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  }
}

/**
 * Runs one statement read-only on the database behind `admin` (connected with `url`), following
 * the layers above. Returns the rows; never writes.
 */
export async function viewReadOnly(
  admin: pg.Client,
  url: string,
  sql: string,
  timeoutMs: number,
  maxRows = Number.POSITIVE_INFINITY,
): Promise<StatementResult> {
  const login = await inspectLogin(admin);
  if (readOnlyStrategy(login) === "set-role") {
    try {
      return await readOnlyTransaction(admin, sql, timeoutMs, maxRows);
    } catch (error) {
      // PostgreSQL 16+: membership granted WITH SET FALSE.
      if ((error as { code?: string }).code === "42501" && /set role/i.test(String(error))) {
        throw refusedError(
          `login "${login.user}" may not SET ROLE ${READONLY_ROLE}: ${useInstead}`,
        );
      }
      throw error;
    }
  }
  return withTemporaryLogin(admin, login.user, url, timeoutMs, (client) =>
    readOnlyTransaction(client, sql, timeoutMs, maxRows),
  );
}

/**
 * `--write`: the same single statement, in a read-write transaction of the given login. It always
 * runs to completion before COMMIT: `maxRows` only limits the rows kept for display.
 */
export async function runWrite(
  client: pg.Client,
  sql: string,
  timeoutMs: number,
  maxRows = Number.POSITIVE_INFINITY,
): Promise<StatementResult> {
  await client.query("BEGIN");
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    const result = await runSingleStatement(client, sql, maxRows, "display");
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
