import { afterAll, describe, expect, it } from "vitest";
import { splitStatements } from "../../src/migrations/splitter";
import { type StatementKind, statementKind } from "../../src/migrations/statementKind";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

afterAll(dropAll);

const kindOf = async (sql: string): Promise<StatementKind> => {
  const [statement, ...rest] = await splitStatements(sql);
  expect(rest).toEqual([]);
  return statementKind(statement!.tree);
};

const NONE: StatementKind = {
  outsideTransaction: null,
  waitsForOthers: false,
  mayLeaveInvalidIndex: false,
  transactionControl: false,
  sessionState: false,
  routineDefinition: false,
};
const CONCURRENT_INDEX = { waitsForOthers: true, mayLeaveInvalidIndex: true };

/**
 * [statement, what the runner must know]. The `outsideTransaction` column is also checked against
 * the real server below, so every statement here is valid against SETUP.
 */
const CASES: [string, Partial<StatementKind>][] = [
  ["CREATE INDEX i2 ON t (a)", {}],
  [
    "CREATE INDEX CONCURRENTLY i2 ON t (a)",
    { outsideTransaction: "CREATE INDEX CONCURRENTLY", ...CONCURRENT_INDEX },
  ],
  [
    "CREATE INDEX /* c */ CONCURRENTLY i2 ON t (a)",
    { outsideTransaction: "CREATE INDEX CONCURRENTLY", ...CONCURRENT_INDEX },
  ],
  [
    "CREATE UNIQUE INDEX CONCURRENTLY i2 ON t (a)",
    { outsideTransaction: "CREATE UNIQUE INDEX CONCURRENTLY", ...CONCURRENT_INDEX },
  ],
  ['CREATE INDEX "concurrently" ON t (a)', {}],
  ["DROP INDEX i", {}],
  [
    "DROP INDEX CONCURRENTLY i",
    { outsideTransaction: "DROP INDEX CONCURRENTLY", ...CONCURRENT_INDEX },
  ],
  ["REINDEX INDEX i", { waitsForOthers: true }],
  ["REINDEX TABLE t", { waitsForOthers: true }],
  [
    "REINDEX INDEX CONCURRENTLY i",
    { outsideTransaction: "REINDEX INDEX CONCURRENTLY", ...CONCURRENT_INDEX },
  ],
  [
    "REINDEX (CONCURRENTLY) TABLE t",
    { outsideTransaction: "REINDEX TABLE CONCURRENTLY", ...CONCURRENT_INDEX },
  ],
  ["REINDEX SCHEMA s", { outsideTransaction: "REINDEX SCHEMA", waitsForOthers: true }],
  [
    "REINDEX DATABASE CURRENT_DATABASE_NAME",
    { outsideTransaction: "REINDEX DATABASE", waitsForOthers: true },
  ],
  [
    "REINDEX SYSTEM CURRENT_DATABASE_NAME",
    { outsideTransaction: "REINDEX SYSTEM", waitsForOthers: true },
  ],
  ["VACUUM", { outsideTransaction: "VACUUM" }],
  ["VACUUM (ANALYZE) t", { outsideTransaction: "VACUUM" }],
  ["ANALYZE t", {}],
  ["CLUSTER", { outsideTransaction: "CLUSTER without a table name" }],
  ["CLUSTER t USING i", {}],
  ["ALTER TABLE p DETACH PARTITION c", {}],
  [
    "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
    { outsideTransaction: "ALTER TABLE … DETACH PARTITION … CONCURRENTLY", waitsForOthers: true },
  ],
  ["ALTER TABLE t ADD COLUMN b int, ALTER COLUMN a SET NOT NULL", {}],
  ["ALTER SYSTEM SET work_mem = '8MB'", { outsideTransaction: "ALTER SYSTEM" }],
  ["CREATE DATABASE gaia_never_created", { outsideTransaction: "CREATE DATABASE" }],
  ["DROP DATABASE gaia_never_created", { outsideTransaction: "DROP DATABASE" }],
  ["CREATE TABLESPACE never LOCATION '/nonexistent'", { outsideTransaction: "CREATE TABLESPACE" }],
  ["DROP TABLESPACE never", { outsideTransaction: "DROP TABLESPACE" }],
  [
    "ALTER DATABASE CURRENT_DATABASE_NAME SET TABLESPACE pg_default",
    { outsideTransaction: "ALTER DATABASE … SET TABLESPACE" },
  ],
  ["ALTER DATABASE CURRENT_DATABASE_NAME SET work_mem = '8MB'", {}],
  ["REFRESH MATERIALIZED VIEW CONCURRENTLY mv", {}],
  ["SELECT 'CREATE INDEX CONCURRENTLY'", {}],
  ["BEGIN", { transactionControl: true }],
  ["SAVEPOINT s", { transactionControl: true }],
  ["PREPARE TRANSACTION 'x'", { transactionControl: true }],
  ["SET search_path = s", { sessionState: true }],
  ["SET SESSION AUTHORIZATION DEFAULT", { sessionState: true }],
  ["RESET ALL", { sessionState: true }],
  ["DISCARD PLANS", { sessionState: true }],
  ["SET LOCAL search_path = s", {}],
  ["SET TRANSACTION READ WRITE", {}],
  ["SET CONSTRAINTS ALL DEFERRED", {}],
  ["CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1", { routineDefinition: true }],
  ["CREATE OR REPLACE PROCEDURE pr() LANGUAGE sql AS 'SELECT 1'", { routineDefinition: true }],
];

describe("statementKind", () => {
  it.each(CASES)("%s", async (sql, expected) => {
    expect(await kindOf(sql)).toEqual({ ...NONE, ...expected });
  });
});

const SETUP = `
CREATE SCHEMA s;
CREATE TABLE t (a int);
CREATE INDEX i ON t (a);
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;
CREATE UNIQUE INDEX mv_x ON mv (x);
CREATE TABLE p (a int) PARTITION BY LIST (a);
CREATE TABLE c PARTITION OF p FOR VALUES IN (1);`;

describe("outsideTransaction matches what PostgreSQL 15 refuses in a transaction block", () => {
  const checks = CASES.filter(([, kind]) => kind.transactionControl === undefined);
  it("for every statement of the table", async () => {
    const url = await createTestDatabase("gaia_kind");
    const database = new URL(url).pathname.slice(1);
    const verdicts = await withClient(url, async (client) => {
      await client.query(SETUP);
      const out: { sql: string; refusedInTransaction: boolean; error?: string }[] = [];
      for (const [template] of checks) {
        const sql = template.replaceAll("CURRENT_DATABASE_NAME", database);
        await client.query("BEGIN");
        let code: string | undefined;
        let error: string | undefined;
        try {
          await client.query(sql);
        } catch (e) {
          code = (e as { code?: string }).code;
          error = (e as Error).message;
        }
        await client.query("ROLLBACK");
        const refusedInTransaction = code === "25001";
        out.push({
          sql,
          refusedInTransaction,
          // Any other failure would make the check meaningless for that statement.
          ...(code !== undefined && code !== "25001" ? { error } : {}),
        });
      }
      return out;
    });
    expect(verdicts).toEqual(
      checks.map(([template, kind]) => ({
        sql: template.replaceAll("CURRENT_DATABASE_NAME", database),
        refusedInTransaction: (kind.outsideTransaction ?? null) !== null,
      })),
    );
  });
});
