import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checksum,
  FILE_NAME_RULE,
  hasNoTransactionMarker,
  loadMigrationSet,
  normalizeSql,
  prepareStatements,
  sha256,
} from "../../src/migrations/files";
import { GaiaDbError } from "../../src/shared/errors";
import { parseModules } from "../../src/shared/vocabulary";
import { makeTree, removeTrees } from "./runner/fixtures";

afterAll(removeTrees);

function failure(fn: () => unknown): GaiaDbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GaiaDbError) return e;
    throw e;
  }
  throw new Error("expected a GaiaDbError");
}

async function rejection(p: Promise<unknown>): Promise<GaiaDbError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GaiaDbError) return e;
    throw e;
  }
  throw new Error("expected a GaiaDbError");
}

/** The one file of a fresh tree, as loadMigrationSet reads it. */
function oneFile(sql: string | Buffer, name = "core/0001_a.sql") {
  const root = makeTree({});
  writeFileSync(join(root, name), sql);
  const [file] = loadMigrationSet(root, ["core"]);
  return file as NonNullable<typeof file>;
}

describe("checksum", () => {
  it.each([
    ["LF", "SELECT 1;\nSELECT 2;\n"],
    ["CRLF", "SELECT 1;\r\nSELECT 2;\r\n"],
    ["CR", "SELECT 1;\rSELECT 2;\r"],
    ["BOM + CRLF", "\uFEFFSELECT 1;\r\nSELECT 2;\r\n"],
  ])("%s hashes like the LF text", (_name, text) => {
    expect(checksum(text)).toBe("82efb67f3010c6eb7ead02e4f6d9550633dbc1407f99aa487468e7b2567aebbc");
  });
  it("changes when the text changes", () => {
    expect(checksum("SELECT 1;")).not.toBe(checksum("SELECT 2;"));
  });
  it("is the hex sha256", () => {
    expect(sha256("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
  it("normalizeSql strips only a leading BOM", () => {
    expect(normalizeSql("\uFEFFa\r\nb\uFEFF")).toBe("a\nb\uFEFF");
  });
});

describe("hasNoTransactionMarker", () => {
  it.each([
    ["-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);", true],
    ["-- gaia:no-transaction   \r\nSELECT 1;", true],
    ["\uFEFF-- gaia:no-transaction\nSELECT 1;", true],
    ["SELECT 1;\n-- gaia:no-transaction\n", false],
    ["-- gaia:no-transactions\nSELECT 1;", false],
    ["--gaia:no-transaction\nSELECT 1;", false],
  ])("%j → %s", (text, expected) => {
    expect(hasNoTransactionMarker(text)).toBe(expected);
  });
});

describe("parseModules", () => {
  it.each([
    ["core", ["core"]],
    ["", ["core"]],
    ["vector", ["core", "vector"]],
    ["experience, rbac,core,rbac", ["core", "rbac", "experience"]],
  ])("%j → %j", (input, expected) => {
    expect(parseModules(input)).toEqual(expected);
  });
  it("refuses an unknown module", () => {
    const e = failure(() => parseModules("core,vectors"));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      'unknown migration module "vectors": allowed modules are core, vector, rbac, experience (comma-separated, e.g. --modules core,vector)',
    );
  });
});

describe("loadMigrationSet", () => {
  it("orders by module then version, normalises text and detects the marker", () => {
    const root = makeTree({
      "core/0002_second.sql": "\uFEFFSELECT 2;\r\n",
      "core/0001_first.sql": "SELECT 1;\n",
      "core/README.md": "notes",
      "vector/0001_vec.sql": "-- gaia:no-transaction\nSELECT 3;\n",
      "rbac/0001_not_selected.sql": "SELECT 4;\n",
    });
    const files = loadMigrationSet(root, ["vector", "core"]);
    expect(files.map((f) => f.relativePath)).toEqual([
      "core/0001_first.sql",
      "core/0002_second.sql",
      "vector/0001_vec.sql",
    ]);
    expect(files[1]).toEqual({
      module: "core",
      version: "0002",
      name: "second",
      relativePath: "core/0002_second.sql",
      sql: "SELECT 2;\n",
      checksum: sha256("SELECT 2;\n"),
      noTransaction: false,
      encodingProblem: null,
    });
    expect(files[2]?.noTransaction).toBe(true);
  });

  it.each([
    "1_short.sql",
    "0001-dash.sql",
    "0001_Upper.sql",
    "00001_five.sql",
    "0001_x.SQL",
    "0001_.sql",
    "notes.txt",
  ])("refuses the file name %s with the rule", (name) => {
    const root = makeTree({ [`core/${name}`]: "SELECT 1;" });
    const e = failure(() => loadMigrationSet(root, ["core"]));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`core/${name}: bad migration file name; ${FILE_NAME_RULE}`);
  });

  it("refuses duplicate versions naming both files", () => {
    const root = makeTree({
      "core/0003_add_kb.sql": "SELECT 1;",
      "core/0003_add_rbac.sql": "SELECT 2;",
    });
    const e = failure(() => loadMigrationSet(root, ["core"]));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      "duplicate version core/0003: core/0003_add_kb.sql and core/0003_add_rbac.sql both use it; give one of them the next free number",
    );
  });

  it("reports a missing module directory and a missing root", () => {
    const root = makeTree({ "core/0001_a.sql": "SELECT 1;" });
    writeFileSync(join(root, "core", ".hidden"), "x");
    expect(failure(() => loadMigrationSet(join(root, "nope"), ["core"])).message).toBe(
      `migrations directory ${join(root, "nope")} does not exist: pass --migrations-dir pointing at the folder that holds core/, vector/, rbac/ and experience/`,
    );
    rmSync(join(root, "rbac"), { recursive: true });
    const e = failure(() => loadMigrationSet(root, ["rbac"]));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      `module "rbac" has no directory rbac/ under ${root}: create it or drop "rbac" from the module list`,
    );
  });
});

describe("prepareStatements", () => {
  it("splits with per-statement checksums and kinds", async () => {
    const statements = await prepareStatements(
      oneFile("-- gaia:no-transaction\nSELECT 1;\n\nVACUUM t;\n"),
    );
    expect(statements.map(({ text, line, checksum }) => ({ text, line, checksum }))).toEqual([
      { text: "SELECT 1", line: 2, checksum: sha256("SELECT 1") },
      { text: "VACUUM t", line: 4, checksum: sha256("VACUUM t") },
    ]);
    expect(statements.map((s) => s.kind.outsideTransaction)).toEqual([null, "VACUUM"]);
  });
  it.each(["BEGIN", "COMMIT", "rollback", "START TRANSACTION", "END"])(
    "refuses transaction control (%s) naming the line",
    async (stmt) => {
      const e = await rejection(prepareStatements(oneFile(`SELECT 1;\n${stmt};\n`)));
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        `core/0001_a.sql line 2: transaction control statement "${stmt.split(" ")[0]}" is not allowed; the runner wraps each file in one transaction (or runs it statement by statement when its first line is "-- gaia:no-transaction"): remove it`,
      );
    },
  );
  it("refuses a syntax error as file:line:column, in characters", async () => {
    const e = await rejection(
      prepareStatements(oneFile("-- ünïcödé\r\nSELECT 1;\r\nCREATE TABLE t (a int,);\r\n")),
    );
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      'core/0001_a.sql:3:23: syntax error at or near ")" (PostgreSQL 15 grammar): fix the statement and run again',
    );
  });
  it.each([
    ["empty", ""],
    ["blank", " \n\n"],
    ["comment-only", "-- nothing yet\n/* later */\n"],
    ["marker-only", "-- gaia:no-transaction\n"],
    ["semicolons only", ";\n;\n"],
  ])("refuses a %s file instead of recording it as applied", async (_what, sql) => {
    const e = await rejection(prepareStatements(oneFile(sql)));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      "core/0001_a.sql holds no SQL statement (it is empty or only comments), so it would be recorded as applied without doing anything: add the statements it is meant to run, or delete it",
    );
  });
  it("refuses invalid UTF-8 naming the byte offset and line", async () => {
    const bytes = Buffer.concat([
      Buffer.from("SELECT 1;\nSELECT 'é"),
      Buffer.from([0xe9]), // latin1 é
      Buffer.from("';\n"),
    ]);
    const file = oneFile(bytes);
    // Decoding still turns it into U+FFFD, so a file applied before the check keeps its checksum.
    expect(file.sql).toBe("SELECT 1;\nSELECT 'é\uFFFD';\n");
    const e = await rejection(prepareStatements(file));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      "core/0001_a.sql: invalid UTF-8 at byte offset 20 (line 2): PostgreSQL would receive the replacement character U+FFFD instead; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
    );
  });
  it("refuses a NUL byte, which would end the SQL text early", async () => {
    const e = await rejection(prepareStatements(oneFile("SELECT 1;\n\0SELECT 2;\n")));
    expect(e.message).toBe(
      "core/0001_a.sql: NUL byte at byte offset 10 (line 2): SQL text cannot contain it; remove it",
    );
  });
});

describe("session state", () => {
  const prepare = (sql: string) => prepareStatements(oneFile(sql));
  it.each([
    ["SET search_path = other", '"SET"'],
    ["set statement_timeout to 0", '"SET"'],
    ["SET SESSION work_mem = '1GB'", '"SET SESSION"'],
    ["SET ROLE gaia_readonly", '"SET ROLE"'],
    ["SET SESSION AUTHORIZATION someone", '"SET SESSION"'],
    ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", '"SET SESSION"'],
    ["SET /* c */ search_path = other", '"SET"'],
    ["RESET search_path", '"RESET"'],
    ["RESET ALL", '"RESET"'],
    ["DISCARD ALL", '"DISCARD"'],
  ])("%s is refused naming the file and line, pointing at SET LOCAL", async (stmt, what) => {
    const e = await rejection(prepare(`SELECT 1;\n${stmt};\n`));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain(`core/0001_a.sql line 2: ${what} changes the session`);
    expect(e.message).toContain("use SET LOCAL");
  });
  it.each([
    "SELECT pg_advisory_unlock(42)",
    "SELECT pg_advisory_unlock_all()",
    "DO $$ BEGIN PERFORM pg_advisory_unlock_all(); END $$",
  ])("%s is refused: it would release the migration lock", async (stmt) => {
    const e = await rejection(prepare(`SELECT 1;\n\n${stmt};\n`));
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain("core/0001_a.sql line 3: pg_advisory_unlock");
    expect(e.message).toContain("SET LOCAL");
  });
  it.each([
    "SET LOCAL search_path = other",
    "set local role gaia_readonly",
    "SET CONSTRAINTS ALL DEFERRED",
    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    "CREATE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = pg_catalog AS $$ SELECT pg_advisory_unlock_all() $$",
    "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT pg_advisory_unlock_all() $$",
    "UPDATE t SET a = 1",
    "ALTER ROLE r SET search_path = other",
    "ALTER FUNCTION f() RESET ALL",
  ])("%s is allowed", async (stmt) => {
    expect(await prepare(`${stmt};\n`)).toHaveLength(1);
  });
});

describe("statements that cannot run in a transaction", () => {
  it.each([
    ["CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY"],
    ["create unique index concurrently i on t (a)", "CREATE UNIQUE INDEX CONCURRENTLY"],
    ["CREATE INDEX /* c */ CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY"],
    ["DROP INDEX CONCURRENTLY i", "DROP INDEX CONCURRENTLY"],
    ["REINDEX INDEX CONCURRENTLY i", "REINDEX INDEX CONCURRENTLY"],
    ["REINDEX (CONCURRENTLY) TABLE t", "REINDEX TABLE CONCURRENTLY"],
    [
      "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
      "ALTER TABLE … DETACH PARTITION … CONCURRENTLY",
    ],
    ["VACUUM ANALYZE t", "VACUUM"],
    ["ALTER SYSTEM SET work_mem = '8MB'", "ALTER SYSTEM"],
    ["CREATE DATABASE other", "CREATE DATABASE"],
  ])("%s in a transactional file is refused with the fix", async (stmt, what) => {
    const e = await rejection(prepareStatements(oneFile(`SELECT 1;\n\n${stmt};\n`)));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `core/0001_a.sql line 3: ${what} cannot run inside a transaction block, and this file runs in one: make "-- gaia:no-transaction" its first line (each statement then runs on its own and progress is recorded), preferably in a file of its own`,
    );
  });
  it("is allowed in a no-transaction file, and CREATE INDEX without CONCURRENTLY anywhere", async () => {
    const root = makeTree({
      "core/0001_a.sql": "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
      "core/0002_b.sql": "CREATE INDEX j ON t (a);\n",
      "core/0003_c.sql":
        'CREATE INDEX "concurrently" ON t ("concurrently");\nSELECT \'CONCURRENTLY\';\n',
    });
    const [a, b, c] = loadMigrationSet(root, ["core"]);
    expect(await prepareStatements(a as NonNullable<typeof a>)).toHaveLength(1);
    expect(await prepareStatements(b as NonNullable<typeof b>)).toHaveLength(1);
    // An index or a column named "concurrently" is built in the ordinary way.
    expect(await prepareStatements(c as NonNullable<typeof c>)).toHaveLength(2);
  });
});
