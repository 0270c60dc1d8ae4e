/**
 * A file's session changes end with the file: the next file runs on the session the first one
 * had, as it would in a separate run, whatever the change went through (set_config, a DO block's
 * EXECUTE, a no-transaction file), and the file is named. Through the binary, on the real server.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropAll, withAdmin } from "../../support/postgres";
import { q, removeTrees, runCliProcess, setupRun, writeFiles } from "./fixtures";

const ROLE = `gaia_leak_${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  // May write the ledger (as a file that switched to it would), may not create tables in public.
  await withAdmin((c) => c.query(`CREATE ROLE ${ROLE} NOLOGIN IN ROLE pg_write_all_data`));
});

afterAll(async () => {
  removeTrees();
  await dropAll();
  await withAdmin((c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`));
});

const TAIL =
  "; the runner put it back before the next file, which runs as it would in a separate run (settings that must end with the file: SET LOCAL or set_config(…, true) in a transactional file, or a routine's own SET clause)";
const warning = (file: string, changes: string) => `${file} changed the session: ${changes}${TAIL}`;

async function migrateJson(files: Record<string, string>) {
  const { url, dir } = await setupRun("gaia_leak", files);
  const r = await runCliProcess(["migrate", "dev", "--migrations-dir", dir, "--json"], {
    env: { DATABASE_URL: url },
  });
  return { url, dir, r, doc: r.stdout ? JSON.parse(r.stdout) : null };
}

const whereIs = (url: string, table: string) =>
  q(url, "SELECT table_schema FROM information_schema.tables WHERE table_name = $1", [table]);

describe("a file that changes the session", () => {
  it("set_config('search_path', …, false): the next file's table lands where a separate run puts it", async () => {
    const files = {
      "core/0001_adv.sql": "CREATE SCHEMA adv;\nSELECT set_config('search_path', 'adv', false);\n",
      "core/0002_t.sql": "CREATE TABLE t (x int);\n",
    };
    const { url, r, doc } = await migrateJson(files);
    const message = warning("core/0001_adv.sql", 'search_path set to "adv"');
    expect([r.code, r.stderr]).toEqual([0, `gaia-db: warning: ${message}\n`]);
    expect(doc.warnings).toEqual([message]);
    expect(await whereIs(url, "t")).toEqual([{ table_schema: "public" }]);

    // The same files in two runs.
    const separate = await setupRun("gaia_leak", {
      "core/0001_adv.sql": files["core/0001_adv.sql"],
    });
    const env = { DATABASE_URL: separate.url };
    const args = ["migrate", "dev", "--migrations-dir", separate.dir, "--json"];
    expect((await runCliProcess(args, { env })).code).toBe(0);
    writeFiles(separate.dir, files);
    expect((await runCliProcess(args, { env })).code).toBe(0);
    expect(await whereIs(separate.url, "t")).toEqual([{ table_schema: "public" }]);
  });

  it("SET ROLE run by a DO block's EXECUTE: the next file runs as the runner's role", async () => {
    const { url, r, doc } = await migrateJson({
      "core/0001_role.sql": `DO $$ BEGIN EXECUTE 'SET ROLE ${ROLE}'; END $$;\n`,
      "core/0002_owned.sql": "CREATE TABLE owned (x int);\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0001_role.sql", `role postgres -> ${ROLE}`)}\n`,
    ]);
    expect(doc.applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0001_role.sql",
      "core/0002_owned.sql",
    ]);
    expect(await q(url, "SELECT tableowner FROM pg_tables WHERE tablename = 'owned'")).toEqual([
      { tableowner: "postgres" },
    ]);
  });

  it("the session authorization (which RESET ALL leaves alone) is put back", async () => {
    const { url, r } = await migrateJson({
      "core/0001_auth.sql": `SELECT set_config('session_authorization', '${ROLE}', false);\n`,
      "core/0002_owned.sql": "CREATE TABLE owned (x int);\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning(
        "core/0001_auth.sql",
        `session authorization postgres -> ${ROLE}; role postgres -> ${ROLE}`,
      )}\n`,
    ]);
    expect(await q(url, "SELECT tableowner FROM pg_tables WHERE tablename = 'owned'")).toEqual([
      { tableowner: "postgres" },
    ]);
  });

  it("the runner's own statement_timeout is put back", async () => {
    const { url, r } = await migrateJson({
      "core/0001_timeout.sql": "SELECT set_config('statement_timeout', '0', false);\n",
      "core/0002_seen.sql":
        "CREATE TABLE seen AS SELECT current_setting('statement_timeout') AS statement_timeout;\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0001_timeout.sql", 'statement_timeout "900000" -> "0"')}\n`,
    ]);
    expect(await q(url, "SELECT * FROM seen")).toEqual([{ statement_timeout: "15min" }]);
  });

  it("a search_path that puts the file's own pg_settings first does not hide the change", async () => {
    const { url, r } = await migrateJson({
      "core/0001_evil.sql":
        "CREATE SCHEMA evil;\nCREATE VIEW evil.pg_settings AS SELECT * FROM pg_catalog.pg_settings WHERE false;\nSELECT set_config('search_path', 'evil, pg_catalog', false);\n",
      "core/0002_t.sql": "CREATE TABLE public.t (x int);\nCREATE TABLE u (x int);\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0001_evil.sql", 'search_path set to "evil, pg_catalog"')}\n`,
    ]);
    expect(await whereIs(url, "u")).toEqual([{ table_schema: "public" }]);
  });

  it("a temporary table no longer hides the next file's table of the same name (text mode)", async () => {
    const { url, dir } = await setupRun("gaia_leak", {
      "core/0001_temp.sql": "CREATE TEMP TABLE t (x int);\n",
      "core/0002_t.sql": "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n",
    });
    const r = await runCliProcess(["migrate", "dev", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^applying core\/0001_temp\.sql \.\.\. done: 1 statements, \d+ ms\napplying core\/0002_t\.sql \.\.\. done: 2 statements, \d+ ms\n/,
    );
    expect(r.stderr).toBe(
      `gaia-db: warning: ${warning("core/0001_temp.sql", "temporary table t left behind")}\n`,
    );
    expect(await q(url, "SELECT x FROM public.t")).toEqual([{ x: 1 }]);
  });

  it("a prepared statement does not outlive its file", async () => {
    const { r } = await migrateJson({
      "core/0001_p.sql": "PREPARE p AS SELECT 1;\n",
      "core/0002_p.sql": "PREPARE p AS SELECT 2;\nDEALLOCATE p;\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0001_p.sql", "prepared statement p left behind")}\n`,
    ]);
  });

  it("a no-transaction file's change is put back too", async () => {
    const { url, r } = await migrateJson({
      "core/0001_adv.sql": "CREATE SCHEMA adv;\n",
      "core/0002_nt.sql":
        "-- gaia:no-transaction\nSELECT set_config('search_path', 'adv', false);\n",
      "core/0003_t.sql": "CREATE TABLE t3 (x int);\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0002_nt.sql", 'search_path set to "adv"')}\n`,
    ]);
    expect(await whereIs(url, "t3")).toEqual([{ table_schema: "public" }]);
  });

  it("a custom setting cannot be listed, so it is not named, but it is reset all the same", async () => {
    const { url, r } = await migrateJson({
      "core/0001_flag.sql": "SELECT set_config('gaia.flag', 'on', false);\n",
      "core/0002_flags.sql":
        "CREATE TABLE flags AS SELECT current_setting('gaia.flag', true) AS v;\n",
    });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    // A separate run would read NULL (no such setting); after RESET ALL it exists, empty.
    expect(await q(url, "SELECT v FROM flags")).toEqual([{ v: "" }]);
  });

  it("baseline builds the expected schema as separate runs would", async () => {
    const { url, dir } = await setupRun(
      "gaia_leak",
      {
        "core/0001_adv.sql":
          "CREATE SCHEMA adv;\nSELECT set_config('search_path', 'adv', false);\n",
        "core/0002_t.sql": "CREATE TABLE t (x int);\n",
      },
      "staging",
      "CREATE SCHEMA adv; CREATE TABLE t (x int);",
    );
    const r = await runCliProcess(
      ["baseline", "staging", "--to", "0002", "--confirm", "staging", "--migrations-dir", dir],
      { env: { DATABASE_URL: url } },
    );
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: in the scratch database: ${warning("core/0001_adv.sql", 'search_path set to "adv"')}\n`,
    ]);
    expect(await q(url, "SELECT version, kind FROM gaia_migrations.applied ORDER BY 1")).toEqual([
      { version: "0001", kind: "baseline" },
      { version: "0002", kind: "baseline" },
    ]);
  });
});

describe("temporary objects beyond tables, and advisory locks", () => {
  it("a temporary type and domain no longer hide the next file's type of the same name", async () => {
    const { url, r } = await migrateJson({
      "core/0001_types.sql":
        "CREATE TYPE pg_temp.mood AS ENUM ('sad');\nCREATE DOMAIN pg_temp.pos AS int CHECK (VALUE > 0);\n",
      "core/0002_mood.sql":
        "CREATE TYPE mood AS ENUM ('happy');\nCREATE TABLE m (x mood);\nINSERT INTO m VALUES ('happy');\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0001_types.sql", "temporary type mood, type pos left behind")}\n`,
    ]);
    expect(
      await q(
        url,
        "SELECT t.typnamespace::regnamespace::text AS schema FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 'public.m'::regclass AND a.attname = 'x'",
      ),
    ).toEqual([{ schema: "public" }]);
  });

  it("a temporary operator and function are named with their arguments, and dropped", async () => {
    const { url, r } = await migrateJson({
      "core/0001_op.sql":
        "CREATE FUNCTION pg_temp.eq(int, int) RETURNS bool LANGUAGE sql AS 'SELECT $1 = $2';\nCREATE OPERATOR pg_temp.=== (leftarg = int, rightarg = int, function = pg_temp.eq);\n",
      "core/0002_left.sql":
        "CREATE TABLE left_over AS SELECT count(*)::int AS n FROM pg_depend WHERE refobjid = pg_my_temp_schema();\n",
    });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: ${warning("core/0001_op.sql", "temporary function eq(integer,integer), operator ===(integer,integer) left behind")}\n`,
    ]);
    expect(await q(url, "SELECT n FROM left_over")).toEqual([{ n: 0 }]);
  });

  it("session advisory locks a file takes are named and released (each as often as taken)", async () => {
    const { url, r, doc } = await migrateJson({
      "core/0001_locks.sql":
        "SELECT pg_advisory_lock(42);\nSELECT pg_advisory_lock(42);\nSELECT pg_advisory_lock(1, 2);\nSELECT pg_advisory_lock_shared(-5);\nSELECT pg_advisory_xact_lock(7);\n",
      "core/0002_held.sql":
        "CREATE TABLE held AS SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();\n",
    });
    const message = warning(
      "core/0001_locks.sql",
      "session advisory lock (1, 2), advisory lock 42, shared advisory lock -5 left held",
    );
    expect([r.code, r.stderr]).toEqual([0, `gaia-db: warning: ${message}\n`]);
    expect(doc.warnings).toEqual([message]);
    // Only the migration lock is left.
    expect(await q(url, "SELECT n FROM held")).toEqual([{ n: 1 }]);
  });
});
