/**
 * Regression tests for the review of the runner: statement splitting, no-transaction files,
 * repair's binding check, session settings, bind away from production and mode changes.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runStatement } from "../../../src/migrations/apply";
import { bind } from "../../../src/migrations/commands/bind";
import { migrate } from "../../../src/migrations/commands/migrate";
import { repair } from "../../../src/migrations/commands/repair";
import { status } from "../../../src/migrations/commands/status";
import { countingDb } from "../../../src/migrations/ledger";
import { createTestDatabase, dropAll, withClient } from "../../support/postgres";
import { failure, q, removeTrees, setupRun, writeFiles } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const setup = (files: Record<string, string>) => setupRun("gaia_rev", files);

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

describe("no-transaction files and INVALID indexes", () => {
  const DUPLICATES = {
    "core/0001_t.sql": "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);\n",
    "core/0002_idx.sql":
      "-- gaia:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n",
  };

  it("a failed CREATE INDEX CONCURRENTLY is not recorded as applied on the re-run", async () => {
    const { url, opts } = await setup(DUPLICATES);
    const first = await failure(migrate(opts()));
    expect(first.exitCode).toBe(1);
    expect(first.message).toContain("can leave an INVALID index");
    expect(first.message).not.toContain("re-running later is safe");
    // The invalid index is still there; IF NOT EXISTS would skip it.
    const again = await failure(migrate(opts()));
    expect(again.exitCode).toBe(3);
    expect(again.message).toContain("INVALID index (t_x)");
    expect(again.message).toContain("DROP INDEX CONCURRENTLY t_x;");
    const rows = await q(
      url,
      "SELECT finished_at IS NULL AS partial FROM gaia_migrations.applied WHERE version = '0002'",
    );
    expect(rows).toEqual([{ partial: true }]);
    // Dropping it and fixing the data lets the file finish with a valid index.
    await q(url, "DROP INDEX CONCURRENTLY t_x");
    await q(url, "DELETE FROM t WHERE ctid <> (SELECT min(ctid) FROM t)");
    const done = await migrate(opts());
    expect(done.applied.map((a) => a.file)).toEqual(["core/0002_idx.sql"]);
    expect(
      await q(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"),
    ).toEqual([{ indisvalid: true }]);
  });

  it("refuses to start a no-transaction file while an INVALID index exists", async () => {
    const { url, opts } = await setup({
      "core/0001_t.sql": "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);\n",
    });
    await migrate(opts());
    await q(url, "CREATE UNIQUE INDEX CONCURRENTLY stale ON t (x)").catch(() => {});
    writeFiles(opts().migrationsDir, {
      "core/0002_idx.sql": "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY t_y ON t (x);\n",
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("before running, the database has an INVALID index (stale)");
    expect(e.message).toContain("DROP INDEX CONCURRENTLY stale;");
    expect(await q(url, "SELECT to_regclass('public.t_y') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
  });

  it("CREATE INDEX CONCURRENTLY waits for older transactions instead of failing on lock_timeout", async () => {
    const { url, opts } = await setup({ "core/0001_t.sql": "CREATE TABLE t (x int);\n" });
    await migrate(opts());
    writeFiles(opts().migrationsDir, {
      "core/0002_idx.sql": "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n",
    });
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("INSERT INTO t VALUES (1)");
      const release = new Promise((res) => setTimeout(res, 1500)).then(() =>
        writer.query("COMMIT"),
      );
      const result = await migrate(opts({ lockWaitTimeoutMs: 200 }));
      await release;
      expect(result.applied.map((a) => a.file)).toEqual(["core/0002_idx.sql"]);
    } finally {
      await writer.end();
    }
    expect(
      await q(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass"),
    ).toEqual([{ indisvalid: true }]);
  });
});

describe("no-transaction files: statements that may run in a transaction commit with their progress", () => {
  it("the statement and its ledger progress are one transaction, so a resume cannot repeat it", async () => {
    const { url, opts } = await setupRun("gaia_rev", {
      "core/0001_t.sql": "CREATE TABLE t (tx bigint);\n",
      "core/0002_nt.sql":
        "-- gaia:no-transaction\nINSERT INTO t SELECT txid_current();\nSELECT 1/0;\n",
    });
    const e = await failure(migrate(opts()));
    expect(e.message).toContain("core/0002_nt.sql");
    // The progress row (1 of 2 applied) was last written by the INSERT's own transaction.
    const [row] = await q<{ same: boolean; applied: number }>(
      url,
      `SELECT a.xmin::text::bigint = (SELECT tx FROM t) AS same, a.statements_applied AS applied
         FROM gaia_migrations.applied a WHERE module = 'core' AND version = '0002'`,
    );
    expect(row).toEqual({ same: true, applied: 1 });
  });
});

describe("repair", () => {
  it("refuses a database bound to another environment", async () => {
    const { url, dir, opts } = await setup({ "core/0001_t.sql": "CREATE TABLE t (x int);\n" });
    await migrate(opts());
    writeFiles(dir, { "core/0001_t.sql": "-- a comment\nCREATE TABLE t (x int);\n" });
    const e = await failure(
      repair({
        databaseUrl: url,
        environment: "staging",
        migrationsDir: dir,
        file: "core/0001_t.sql",
      }),
    );
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain('is bound to environment "dev", not "staging"');
    const rows = await q(
      url,
      "SELECT count(*)::int AS n FROM gaia_migrations.history WHERE event = 'repair'",
    );
    expect(rows).toEqual([{ n: 0 }]);
    const ok = await repair({ ...opts(), file: "core/0001_t.sql" });
    expect(ok.repaired).toBe(true);
  });
});

describe("bind", () => {
  it("moving the production database elsewhere needs --confirm to name production too", async () => {
    const { url, opts } = await setup({ "core/0001_t.sql": "CREATE TABLE t (x int);\n" });
    await migrate(opts({ environment: "production", supabaseProjectRef: "prodref" }));
    const db = new URL(url).pathname.slice(1);
    const e = await failure(bind({ ...opts(), environment: "staging", confirm: "staging" }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      `database ${db} is bound to production: binding it to staging takes it away from production; confirm both environments with --confirm staging,production`,
    );
    expect(await q(url, "SELECT gaia_migrations.bound_environment() AS env")).toEqual([
      { env: "production" },
    ]);
    const b = await bind({ ...opts(), environment: "staging", confirm: "staging,production" });
    expect(b.previous?.environment).toBe("production");
    expect(await q(url, "SELECT gaia_migrations.bound_environment() AS env")).toEqual([
      { env: "staging" },
    ]);
    // Moving back to production names production, which is the target anyway.
    await bind({ ...opts(), environment: "production", confirm: "production" });
  });
});

describe("a partly applied file that lost its no-transaction marker", () => {
  it("is refused (exit 3) as a mode change, in migrate and in status", async () => {
    const NT =
      "-- gaia:no-transaction\nCREATE TABLE a (x int);\nCREATE TABLE b (x int REFERENCES missing);\n";
    const { dir, opts } = await setup({ "core/0001_nt.sql": NT });
    expect((await failure(migrate(opts()))).exitCode).toBe(1);
    writeFiles(dir, { "core/0001_nt.sql": NT.replace("-- gaia:no-transaction\n", "") });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain(
      'core/0001_nt.sql is partly applied (1 of 2 statements, recorded while it ran statement by statement as a "-- gaia:no-transaction" file) but its first line is no longer that marker: the file changed mode mid-application',
    );
    expect(e.message).toContain("resumes at statement 2");
    const s = await status(opts());
    expect(s.refusals.join("\n")).toContain("changed mode mid-application");
  });
});
