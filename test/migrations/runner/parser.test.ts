/**
 * Migrating with statements split and classified by PostgreSQL's own grammar: what the
 * hand-written splitter and the regexes got wrong, refusals before anything runs, and the parser
 * staying unloaded when there is nothing to parse.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../../src/migrations/commands/migrate";
import { plan } from "../../../src/migrations/commands/plan";
import { loadMigrationSet } from "../../../src/migrations/files";
import { dropAll } from "../../support/postgres";
import { failure, q, REPO, removeTrees, runCliProcess, setupRun, writeFiles } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const setup = (files: Record<string, string | Buffer>) => setupRun("gaia_parse", files);

const ledger = (url: string) =>
  q(
    url,
    `SELECT module || '/' || version AS file, statements_applied, statements_total,
            finished_at IS NOT NULL AS finished
       FROM gaia_migrations.applied ORDER BY 1`,
  );
const absent = async (url: string, relation: string) =>
  (await q<{ absent: boolean }>(url, "SELECT to_regclass($1) IS NULL AS absent", [relation]))[0]
    ?.absent;
const noLedger = async (url: string) => absent(url, "gaia_migrations.applied");

describe("statements that must run outside a transaction, recognised from the parse tree", () => {
  const TABLES =
    "CREATE TABLE t (a int);\nCREATE TABLE p (a int) PARTITION BY LIST (a);\nCREATE TABLE c PARTITION OF p FOR VALUES IN (1);\n";

  it("a no-transaction file runs CREATE INDEX /*c*/ CONCURRENTLY and DETACH … CONCURRENTLY bare", async () => {
    const { url, opts } = await setup({
      "core/0001_tables.sql": TABLES,
      "core/0002_online.sql":
        "-- gaia:no-transaction\nCREATE INDEX /* online */ CONCURRENTLY t_a ON t (a);\n\nALTER TABLE p\n  DETACH PARTITION c CONCURRENTLY;\n",
    });
    const result = await migrate(opts());
    expect(result.applied.map((a) => [a.file, a.statements])).toEqual([
      ["core/0001_tables.sql", 3],
      ["core/0002_online.sql", 2],
    ]);
    expect(await ledger(url)).toEqual([
      { file: "core/0001", statements_applied: 3, statements_total: 3, finished: true },
      { file: "core/0002", statements_applied: 2, statements_total: 2, finished: true },
    ]);
    expect(
      await q(
        url,
        `SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass) AS valid,
                (SELECT relispartition FROM pg_class WHERE oid = 'c'::regclass) AS still_partition`,
      ),
    ).toEqual([{ valid: true, still_partition: false }]);
  });

  it.each([
    ["CREATE INDEX /* online */ CONCURRENTLY t_a ON t (a)", "CREATE INDEX CONCURRENTLY"],
    [
      "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
      "ALTER TABLE … DETACH PARTITION … CONCURRENTLY",
    ],
  ])("in a transactional file, %s is refused before anything runs", async (statement, what) => {
    const { url, opts } = await setup({
      "core/0001_tables.sql": TABLES,
      "core/0002_online.sql": `SELECT 1;\n${statement};\n`,
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `core/0002_online.sql line 2: ${what} cannot run inside a transaction block, and this file runs in one: make "-- gaia:no-transaction" its first line (each statement then runs on its own and progress is recorded), preferably in a file of its own`,
    );
    expect(await absent(url, "public.t")).toBe(true);
    expect(await noLedger(url)).toBe(true);
  });
});

describe("splitting by the grammar", () => {
  it("applies CREATE RULE … DO ALSO (a; b) as one statement", async () => {
    const { url, opts } = await setup({
      "core/0001_rule.sql":
        "CREATE TABLE t (a int);\nCREATE TABLE log1 (a int);\nCREATE TABLE log2 (a int);\nCREATE RULE r AS ON INSERT TO t DO ALSO (\n  INSERT INTO log1 VALUES (NEW.a);\n  INSERT INTO log2 VALUES (NEW.a)\n);\nINSERT INTO t VALUES (7);\n",
    });
    const result = await migrate(opts());
    expect(result.applied.map((a) => [a.file, a.statements])).toEqual([["core/0001_rule.sql", 5]]);
    expect(await q(url, "SELECT (SELECT a FROM log1) AS one, (SELECT a FROM log2) AS two")).toEqual(
      [{ one: 7, two: 7 }],
    );
  });

  it("a syntax error in any pending file is refused as file:line:column before anything runs", async () => {
    const { url, opts, dir } = await setup({
      "core/0001_ok.sql": "CREATE TABLE t (a int);\n",
      "core/0002_bad.sql": "-- señal\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUS (2);\n",
    });
    const message =
      'core/0002_bad.sql:3:15: syntax error at or near "VALUS" (PostgreSQL 15 grammar): fix the statement and run again';
    const e = await failure(migrate(opts()));
    expect([e.exitCode, e.message]).toEqual([3, message]);
    expect(await absent(url, "public.t")).toBe(true);
    expect(await noLedger(url)).toBe(true);
    const cli = await runCliProcess(["migrate", "dev", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    expect([cli.code, cli.stderr]).toEqual([3, `gaia-db: ${message}\n`]);
    expect((await plan(opts())).refusals).toEqual([message]);
  });
});

describe("files that must not be recorded as they are", () => {
  it("invalid UTF-8 is refused with the file and byte offset; nothing is stored as U+FFFD", async () => {
    const { url, opts } = await setup({
      "core/0001_t.sql": "CREATE TABLE t (name text);\n",
      "core/0002_seed.sql": Buffer.concat([
        Buffer.from("INSERT INTO t VALUES ('caf"),
        Buffer.from([0xe9]),
        Buffer.from("');\n"),
      ]),
    });
    const e = await failure(migrate(opts()));
    expect([e.exitCode, e.message]).toEqual([
      3,
      "core/0002_seed.sql: invalid UTF-8 at byte offset 26 (line 1): PostgreSQL would receive the replacement character U+FFFD instead; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
    ]);
    expect(await absent(url, "public.t")).toBe(true);
  });

  it("a file applied before the check is still recognised by its checksum", async () => {
    const { url, opts, dir } = await setup({});
    await migrate(opts()); // creates the ledger and the binding
    writeFiles(dir, {
      "core/0001_old.sql": Buffer.concat([
        Buffer.from("SELECT 'caf"),
        Buffer.from([0xe9]),
        Buffer.from("';\n"),
      ]),
    });
    // What an earlier gaia-db recorded: the checksum of the text decoded with U+FFFD.
    const [file] = loadMigrationSet(dir, ["core"]);
    expect(file?.sql).toBe("SELECT 'caf\uFFFD';\n");
    await q(
      url,
      `INSERT INTO gaia_migrations.applied
         (module, version, name, checksum, finished_at, duration_ms, statements_applied,
          statements_total, statement_checksums, kind, applied_by)
       VALUES ('core', '0001', 'old', $1, now(), 1, 1, 1, '{}', 'applied', 'test')`,
      [file?.checksum],
    );
    const result = await migrate(opts());
    expect([result.applied, result.upToDate]).toEqual([[], 1]);
  });

  it.each([
    ["empty", ""],
    ["comment-only", "-- to do\n/* later */\n"],
    ["marker-only", "-- gaia:no-transaction\n"],
  ])("the %s file is refused, not recorded as applied", async (_what, sql) => {
    const { url, opts } = await setup({
      "core/0001_t.sql": "CREATE TABLE t (a int);\n",
      "core/0002_empty.sql": sql,
    });
    const e = await failure(migrate(opts()));
    expect([e.exitCode, e.message]).toEqual([
      3,
      "core/0002_empty.sql holds no SQL statement (it is empty or only comments), so it would be recorded as applied without doing anything: add the statements it is meant to run, or delete it",
    ]);
    expect(await noLedger(url)).toBe(true);
  });
});

describe("the parser is loaded only when a file must be parsed", () => {
  it("a no-op migrate never loads libpg-query; a run with a pending file does", async () => {
    const { url, dir } = await setup({ "core/0001_t.sql": "CREATE TABLE t (a int);\n" });
    const script = `
      require("tsx/cjs");
      const { writeFileSync } = require("node:fs");
      const { migrate } = require(${JSON.stringify(join(REPO, "src/migrations/commands/migrate.ts"))});
      const loaded = () => Object.keys(require.cache).some((k) => k.includes("/node_modules/libpg-query/"));
      const options = { databaseUrl: process.env.DATABASE_URL, environment: "dev", migrationsDir: process.env.DIR };
      (async () => {
        const out = [];
        out.push([(await migrate(options)).applied.length, loaded()]);
        writeFileSync(process.env.DIR + "/core/0002_u.sql", "CREATE TABLE u (a int);\\n");
        out.push([(await migrate(options)).applied.length, loaded()]);
        process.stdout.write(JSON.stringify(out));
      })();`;
    // First run applies 0001 in this process; the child then sees a fully applied set.
    await migrate({ databaseUrl: url, environment: "dev", migrationsDir: dir });
    const stdout = execFileSync(process.execPath, ["-e", script], {
      cwd: REPO,
      env: { PATH: process.env.PATH, DATABASE_URL: url, DIR: dir },
      encoding: "utf8",
    });
    expect(JSON.parse(stdout)).toEqual([
      [0, false],
      [1, true],
    ]);
  });
});
