/**
 * A file that releases the migration lock (through a DO block's EXECUTE, which the text check
 * cannot see) stops the run after that file: concurrent runs are no longer serialised, so no later
 * file may run or be recorded. Through the binary, on the real server.
 */
import { afterAll, expect, it } from "vitest";
import { dropAll } from "../../support/postgres";
import { q, removeTrees, runCliProcess, setupRun } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

it.each([
  [
    "pg_advisory_unlock_all()",
    "DO $$ BEGIN EXECUTE 'SELECT pg_advisory_' || 'unlock_all()'; END $$;",
  ],
  [
    "pg_advisory_unlock(<the migration lock's key>)",
    "DO $$ BEGIN EXECUTE format('SELECT pg_advisory_%s(7245031820261125)', 'unlock'); END $$;",
  ],
])(
  "a file that runs %s stops the run, naming it; later files are not applied",
  async (_what, sql) => {
    const { url, dir } = await setupRun("gaia_lockkept", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\n",
      "core/0002_release.sql": `${sql}\n`,
      "core/0003_after.sql": "CREATE TABLE after_release (x int);\n",
    });
    const r = await runCliProcess(["migrate", "dev", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "gaia-db: core/0002_release.sql is applied, but it released the migration lock (pg_advisory_unlock or pg_advisory_unlock_all, here through a DO block, a function or EXECUTE that the check of the file's text cannot see), so another gaia-db run could be migrating this database at the same time: stopped before the next file, and no later file was applied; remove the unlock from the file's SQL (locks of its own: pg_advisory_xact_lock) and run migrate again\n",
    );
    expect(await q(url, "SELECT version FROM gaia_migrations.applied ORDER BY 1")).toEqual([
      { version: "0001" },
      { version: "0002" },
    ]);
    expect(await q(url, "SELECT to_regclass('public.after_release') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
  },
);
