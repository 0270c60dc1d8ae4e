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
 *    A login with neither is used directly only when it is itself no more than gaia_readonly as
 *    far as cheaply visible (a member of gaia_readonly and of no other role, no BYPASSRLS or
 *    REPLICATION, owns no relation or schema and holds no direct table grant in this database);
 *    any other login is refused (exit 3) with the login to use instead.
 */
import type pg from "pg";
import { withParts } from "../migrations/postgresUrl";
import { refusedError } from "./errors";
import { connect } from "./reach";
import { generatePassword, scramVerifier } from "./scram";

export const READONLY_ROLE = "gaia_readonly";
export const VIEW_LOGIN_PREFIX = "gaia_view_";

export interface StatementResult {
  command: string;
  rowCount: number | null;
  columns: string[];
  /** Column indexes holding numbers (right-aligned in tables). */
  numericColumns: number[];
  /** Every value as PostgreSQL's text form (as psql shows it), null as null. */
  rows: (string | null)[][];
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

/** Runs `sql` as a single statement (extended protocol); values come back as text. */
export async function runSingleStatement(client: pg.Client, sql: string): Promise<StatementResult> {
  const result = await client.query({
    text: sql,
    values: [],
    queryMode: "extended",
    rowMode: "array",
    types: textParser,
  } as pg.QueryArrayConfig);
  const fields = result.fields ?? [];
  return {
    command: result.command ?? "",
    rowCount: result.rowCount ?? null,
    columns: fields.map((field) => field.name),
    numericColumns: fields.flatMap((field, i) => (NUMERIC_TYPES.has(field.dataTypeID) ? [i] : [])),
    rows: (result.rows ?? []) as (string | null)[][],
  };
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
    owns_relations: boolean;
    owns_schemas: boolean;
    table_grants: boolean;
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
            me.rolbypassrls AS bypassrls, me.rolreplication AS replication,
            EXISTS (SELECT 1 FROM pg_class WHERE relowner = me.oid) AS owns_relations,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspowner = me.oid) AS owns_schemas,
            EXISTS (SELECT 1 FROM pg_class c, aclexplode(c.relacl) a
                     WHERE c.relacl IS NOT NULL AND a.grantee = me.oid) AS table_grants
       FROM me`,
    [READONLY_ROLE],
  );
  const row = rows[0]!;
  const extraPrivileges = [
    ...(row.other_roles.length > 0
      ? [`is a member of ${row.other_roles.map((r) => `"${r}"`).join(", ")}`]
      : []),
    ...(row.bypassrls ? ["has BYPASSRLS"] : []),
    ...(row.replication ? ["has REPLICATION"] : []),
    ...(row.owns_relations ? ["owns relations"] : []),
    ...(row.owns_schemas ? ["owns schemas"] : []),
    ...(row.table_grants ? ["holds table grants of its own"] : []),
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
): Promise<StatementResult> {
  await client.query("BEGIN READ ONLY");
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    await client.query(`SET LOCAL ROLE ${READONLY_ROLE}`);
    return await runSingleStatement(client, sql);
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
): Promise<StatementResult> {
  const login = await inspectLogin(admin);
  if (readOnlyStrategy(login) === "set-role") {
    try {
      return await readOnlyTransaction(admin, sql, timeoutMs);
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
    readOnlyTransaction(client, sql, timeoutMs),
  );
}

/** `--write`: the same single statement, in a read-write transaction of the given login. */
export async function runWrite(
  client: pg.Client,
  sql: string,
  timeoutMs: number,
): Promise<StatementResult> {
  await client.query("BEGIN");
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    const result = await runSingleStatement(client, sql);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
