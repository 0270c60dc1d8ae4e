/**
 * Regression tests for the review of the runner: statement splitting, no-transaction files,
 * repair's binding check, session settings, bind away from production and mode changes.
 */
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { GaiaDbError } from "../../../src/migrations/errors";
import { countingDb } from "../../../src/migrations/ledger";
import { type MigrateOptions, migrate, runStatement } from "../../../src/migrations/runner";
import { createTestDatabase, dropAll, withClient } from "../../support/postgres";
import { makeTree, removeTrees } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

async function setup(files: Record<string, string>) {
  const url = await createTestDatabase("gaia_rev");
  const dir = makeTree(files);
  const opts = (extra: Partial<MigrateOptions> = {}): MigrateOptions => ({
    databaseUrl: url,
    environment: "dev",
    migrationsDir: dir,
    ...extra,
  });
  return { url, dir, opts };
}

async function failure(p: Promise<unknown>): Promise<GaiaDbError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GaiaDbError) return e;
    throw e;
  }
  throw new Error("expected a GaiaDbError");
}

const q = async <T extends pg.QueryResultRow>(url: string, sql: string, values?: unknown[]) =>
  withClient(url, async (c) => (await c.query<T>(sql, values)).rows);

describe("statement splitting and sending", () => {
  it("a column named begin does not hide a COMMIT: the file is refused, nothing is applied", async () => {
    const { url, opts } = await setup({
      "core/0001_t.sql":
        "CREATE TABLE t (id int, begin timestamptz);\nCOMMIT;\nCREATE TABLE u (x int);\n",
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("core/0001_t.sql line 2: transaction control statement");
    expect(await q(url, "SELECT to_regclass('public.t') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
  });

  it("a text holding two commands fails loudly instead of running both", async () => {
    const url = await createTestDatabase("gaia_rev");
    await withClient(url, async (client) => {
      const db = countingDb(client);
      await expect(
        runStatement(db, "CREATE TABLE a (x int); CREATE TABLE b (x int)"),
      ).rejects.toThrow(/cannot insert multiple commands into a prepared statement/);
      const { rows } = await client.query("SELECT to_regclass('public.a') IS NULL AS absent");
      expect(rows).toEqual([{ absent: true }]);
      // One statement, including one that must run outside a transaction block, works.
      await runStatement(db, "CREATE TABLE c (x int)");
      await runStatement(db, "CREATE INDEX CONCURRENTLY c_x ON c (x)");
    });
  });
});
