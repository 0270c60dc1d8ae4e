/**
 * `plan` and `status` report what `migrate` will do, refusals included: where migrate refuses
 * with 3, `--exit-code` says 3 with migrate's own message, not 5 ("pending"). Through the binary.
 */
import { afterAll, describe, expect, it } from "vitest";
import { dropAll } from "../../support/postgres";
import { q, removeTrees, runCliProcess, setupRun, writeFiles } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

async function readOnly(command: "plan" | "status", dir: string, url: string) {
  const r = await runCliProcess(
    [command, "dev", "--migrations-dir", dir, "--exit-code", "--json"],
    {
      env: { DATABASE_URL: url },
    },
  );
  return { code: r.code, refusals: JSON.parse(r.stdout).refusals as string[], stderr: r.stderr };
}

async function migrateRefusal(dir: string, url: string) {
  const r = await runCliProcess(["migrate", "dev", "--migrations-dir", dir], {
    env: { DATABASE_URL: url },
  });
  return { code: r.code, stderr: r.stderr };
}

describe("plan --exit-code agrees with migrate", () => {
  it("after a failed CREATE INDEX CONCURRENTLY left an INVALID index: 3, with migrate's message", async () => {
    const { url, dir } = await setupRun("gaia_planref", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);\n",
      "core/0002_idx.sql":
        "-- gaia:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n",
    });
    expect((await migrateRefusal(dir, url)).code).toBe(1);
    const message =
      "core/0002_idx.sql: before resuming, the database has an INVALID index (t_x), left by a failed or interrupted CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: an invalid index is maintained but never used, and CREATE INDEX ... IF NOT EXISTS would skip it and record the file as applied; drop it (DROP INDEX CONCURRENTLY t_x;), then run migrate again";
    expect(await migrateRefusal(dir, url)).toEqual({ code: 3, stderr: `gaia-db: ${message}\n` });
    expect(await readOnly("plan", dir, url)).toEqual({ code: 3, refusals: [message], stderr: "" });
    expect(await readOnly("status", dir, url)).toEqual({
      code: 3,
      refusals: [message],
      stderr: "",
    });
    // Once it is dropped, plan says pending (5) and migrate resumes.
    await q(url, "DROP INDEX CONCURRENTLY t_x");
    await q(url, "DELETE FROM t WHERE ctid <> (SELECT min(ctid) FROM t)");
    expect(await readOnly("plan", dir, url)).toEqual({ code: 5, refusals: [], stderr: "" });
    expect((await migrateRefusal(dir, url)).code).toBe(0);
  });

  it("an INVALID index left by hand before a pending no-transaction file: 3, naming that file", async () => {
    const { url, dir } = await setupRun("gaia_planref", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1), (1);\n",
    });
    expect((await migrateRefusal(dir, url)).code).toBe(0);
    await q(url, "CREATE UNIQUE INDEX CONCURRENTLY stale ON t (x)").catch(() => {});
    writeFiles(dir, {
      "core/0002_u.sql": "CREATE TABLE u (y int);\n",
      "core/0003_idx.sql": "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY t_y ON t (x);\n",
    });
    const message =
      "core/0003_idx.sql: before running, the database has an INVALID index (stale), left by a failed or interrupted CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: an invalid index is maintained but never used, and CREATE INDEX ... IF NOT EXISTS would skip it and record the file as applied; drop it (DROP INDEX CONCURRENTLY stale;), then run migrate again";
    expect(await readOnly("plan", dir, url)).toEqual({ code: 3, refusals: [message], stderr: "" });
    // migrate applies the file before it, then refuses with the same message.
    expect(await migrateRefusal(dir, url)).toEqual({ code: 3, stderr: `gaia-db: ${message}\n` });
    expect(await q(url, "SELECT version FROM gaia_migrations.applied ORDER BY 1")).toEqual([
      { version: "0001" },
      { version: "0002" },
    ]);
  });

  it("a partly applied no-transaction file whose applied statement changed: 3, with migrate's message", async () => {
    const { url, dir } = await setupRun("gaia_planref", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\n",
      "core/0002_nt.sql": "-- gaia:no-transaction\nINSERT INTO t VALUES (1);\nSELECT 1/0;\n",
    });
    expect((await migrateRefusal(dir, url)).code).toBe(1);
    writeFiles(dir, {
      "core/0002_nt.sql": "-- gaia:no-transaction\nINSERT INTO t VALUES (2);\nSELECT 1;\n",
    });
    const message =
      "core/0002_nt.sql: statement 1 (line 2) was already applied and has changed (or was removed) since: restore it; in a partly applied no-transaction file only the statements after the last applied one (1 of 2) may change";
    expect(await migrateRefusal(dir, url)).toEqual({ code: 3, stderr: `gaia-db: ${message}\n` });
    expect(await readOnly("plan", dir, url)).toEqual({ code: 3, refusals: [message], stderr: "" });
  });
});
