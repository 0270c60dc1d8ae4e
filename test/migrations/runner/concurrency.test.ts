/**
 * Several real `gaia-db` processes against one database: the lock serialises them, and a runner
 * killed mid-file leaves the database at its last committed file.
 */
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, dropAll, withClient } from "../../support/postgres";
import { makeTree, removeTrees, runCliProcess, spawnCli } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const q = async <T extends pg.QueryResultRow>(url: string, sql: string) =>
  withClient(url, async (c) => (await c.query<T>(sql)).rows);

describe("concurrent runners", () => {
  it("5 runners at once: all succeed and every file is applied exactly once", async () => {
    const url = await createTestDatabase("gaia_conc");
    // Every file appends to runs; a file applied twice would add a second row (or fail on
    // CREATE TABLE), so the final table proves exactly-once.
    const dir = makeTree({
      "core/0001_log.sql":
        "CREATE TABLE runs (file text PRIMARY KEY, pid int DEFAULT pg_backend_pid());\nINSERT INTO runs (file) VALUES ('0001');\n",
      "core/0002_slow.sql": "SELECT pg_sleep(0.5);\nINSERT INTO runs (file) VALUES ('0002');\n",
      "core/0003_more.sql": "INSERT INTO runs (file) VALUES ('0003');\n",
    });
    const runs = await Promise.all(
      Array.from({ length: 5 }, () =>
        runCliProcess(["migrate", "dev", "--migrations-dir", dir, "--json"], {
          env: { DATABASE_URL: url },
        }),
      ),
    );
    for (const r of runs) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const docs = runs.map(
      (r) => JSON.parse(r.stdout) as { ok: boolean; applied: { file: string }[] },
    );
    const appliedCounts = docs.map((d) => d.applied.length).sort();
    // One runner did the work; the others found nothing to do after taking the lock.
    expect(appliedCounts).toEqual([0, 0, 0, 0, 3]);
    expect(await q(url, "SELECT file FROM runs ORDER BY file")).toEqual([
      { file: "0001" },
      { file: "0002" },
      { file: "0003" },
    ]);
    expect(await q(url, "SELECT count(DISTINCT pid)::int AS n FROM runs")).toEqual([{ n: 1 }]);
    expect(await q(url, "SELECT version FROM gaia_migrations.applied ORDER BY 1")).toEqual([
      { version: "0001" },
      { version: "0002" },
      { version: "0003" },
    ]);
  });

  it("a runner killed mid-file leaves the last committed file; the next run completes", async () => {
    const url = await createTestDatabase("gaia_kill");
    const dir = makeTree({
      "core/0001_first.sql": "CREATE TABLE first (id int);\n",
      "core/0002_slow.sql":
        "CREATE TABLE half (id int);\nSELECT pg_sleep(2);\nCREATE TABLE after_sleep (id int);\n",
      "core/0003_last.sql": "CREATE TABLE last (id int);\n",
    });
    const { child, done } = spawnCli(["migrate", "dev", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    // Wait until the runner is inside 0002 (its pg_sleep is running on the server).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await q<{ n: number }>(
        url,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2)%' AND state = 'active' AND datname = current_database()",
      );
      if ((rows[0]?.n ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error("the runner never reached 0002");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");
    expect(
      await q(
        url,
        "SELECT to_regclass('first') IS NOT NULL AS first, to_regclass('half') IS NULL AS half_rolled_back",
      ),
    ).toEqual([{ first: true, half_rolled_back: true }]);
    expect(await q(url, "SELECT version FROM gaia_migrations.applied")).toEqual([
      { version: "0001" },
    ]);
    // The server notices the dead client (client_connection_check_interval), rolls back and frees
    // the lock; the next run waits for it if needed and completes.
    const next = await runCliProcess(["migrate", "dev", "--migrations-dir", dir, "--json"], {
      env: { DATABASE_URL: url },
    });
    expect(next.code).toBe(0);
    expect(
      (JSON.parse(next.stdout) as { applied: { file: string }[] }).applied.map((a) => a.file),
    ).toEqual(["core/0002_slow.sql", "core/0003_last.sql"]);
    expect(await q(url, "SELECT version FROM gaia_migrations.applied ORDER BY 1")).toEqual([
      { version: "0001" },
      { version: "0002" },
      { version: "0003" },
    ]);
  });
});
