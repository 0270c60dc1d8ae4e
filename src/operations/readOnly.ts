/**
 * Running one operator-supplied statement safely.
 *
 * Layers, each stopping what the previous one cannot:
 * 1. Extended protocol (`queryMode: "extended"`): the server parses the text as ONE prepared
 *    statement, so `SELECT 1; DELETE …` or `COMMIT; DROP …` is rejected before anything runs.
 * 2. `BEGIN READ ONLY` + `SET LOCAL statement_timeout`: writes and DDL fail; the statement cannot
 *    switch the transaction back to read-write once it has started (PostgreSQL forbids it after
 *    the first snapshot).
 * 3. `SET LOCAL ROLE gaia_readonly`: no superuser rights, so `COPY … TO PROGRAM`,
 *    `pg_read_file`, `pg_terminate_backend` of others are out of reach.
 * 4. Layer 3 alone is not enough for a SUPERUSER login: SET ROLE is checked against the session
 *    user, so `SELECT set_config('role', 'postgres', true), pg_read_file(…)` would climb back.
 *    For such a login the statement runs on a second connection, logged in as a temporary
 *    role (`gaia_view_<random>`, member of gaia_readonly only, password valid for minutes, dropped
 *    afterwards): a session that never had superuser rights cannot regain them.
 */
import type pg from "pg";
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
  readonlyRoleExists: boolean;
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
  const { rows } = await client.query<{ user: string; superuser: boolean; readonly: boolean }>(
    `SELECT session_user AS "user",
            (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS superuser,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS readonly`,
    [READONLY_ROLE],
  );
  const row = rows[0]!;
  return { user: row.user, superuser: row.superuser, readonlyRoleExists: row.readonly };
}

/** Which way a read-only statement runs for this login (see the module comment, layer 4). */
export function readOnlyStrategy(login: LoginFacts): "temporary-login" | "set-role" {
  if (!login.readonlyRoleExists) {
    throw refusedError(
      `the database has no role ${READONLY_ROLE}: run gaia-db migrate <environment> first (the core migrations create it)`,
    );
  }
  return login.superuser ? "temporary-login" : "set-role";
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
  url: string,
  timeoutMs: number,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const password = generatePassword();
  const role = `${VIEW_LOGIN_PREFIX}${generatePassword(6)}`;
  const validUntil = new Date(Date.now() + 10 * 60_000).toISOString();
  // Logins left behind by a killed run have long expired; drop them quietly.
  await admin
    .query(
      `DO $$ DECLARE r text; BEGIN
         FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE '${VIEW_LOGIN_PREFIX}%'
                   AND rolvaliduntil < now() - interval '1 hour' LOOP
           EXECUTE format('DROP ROLE IF EXISTS %I', r);
         END LOOP; END $$`,
    )
    .catch(() => {});
  await admin.query(
    `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
       CONNECTION LIMIT 2 IN ROLE ${READONLY_ROLE}
       PASSWORD '${scramVerifier(password)}' VALID UNTIL '${validUntil}'`,
  );
  try {
    const target = new URL(url);
    target.username = role;
    target.password = password;
    const client = await connect(target.toString(), timeoutMs);
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
      if ((error as { code?: string }).code === "42501" && /set role/i.test(String(error))) {
        throw refusedError(
          `login "${login.user}" may not SET ROLE ${READONLY_ROLE}: GRANT ${READONLY_ROLE} TO "${login.user}", or connect as a superuser (a temporary read-only login is then used)`,
        );
      }
      throw error;
    }
  }
  return withTemporaryLogin(admin, url, timeoutMs, (client) =>
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
