import { describe, expect, it } from "vitest";
import { lineAndColumn, SqlSyntaxError, splitStatements } from "../../src/migrations/splitter";

const cases: { name: string; sql: string; expected: { text: string; line: number }[] }[] = [
  { name: "empty input", sql: "", expected: [] },
  { name: "only comments and semicolons", sql: "-- a\n;\n/* b */ ;\n", expected: [] },
  {
    name: "two statements with line numbers",
    sql: "CREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\n",
    expected: [
      { text: "CREATE TABLE a (id int)", line: 1 },
      { text: "INSERT INTO a VALUES (1)", line: 3 },
    ],
  },
  {
    name: "leading comments are not part of the statement; inner comments are",
    sql: "-- header; with semicolon\n/* block; */\nSELECT 1 -- trailing; comment\n, 2;",
    expected: [{ text: "SELECT 1 -- trailing; comment\n, 2", line: 3 }],
  },
  {
    name: "last statement without semicolon",
    sql: "SELECT 1;\nSELECT 2\n",
    expected: [
      { text: "SELECT 1", line: 1 },
      { text: "SELECT 2", line: 2 },
    ],
  },
  {
    name: "single-quoted string with doubled quotes and semicolons",
    sql: "INSERT INTO t VALUES ('it''s; fine');SELECT ';'",
    expected: [
      { text: "INSERT INTO t VALUES ('it''s; fine')", line: 1 },
      { text: "SELECT ';'", line: 1 },
    ],
  },
  {
    name: "E string with backslash-escaped quote",
    sql: "SELECT E'a\\'; b';\nSELECT e'\\\\';\nSELECT 2;",
    expected: [
      { text: "SELECT E'a\\'; b'", line: 1 },
      { text: "SELECT e'\\\\'", line: 2 },
      { text: "SELECT 2", line: 3 },
    ],
  },
  {
    name: "backslash in a standard string is literal",
    sql: "SELECT 'a\\';SELECT 2;",
    expected: [
      { text: "SELECT 'a\\'", line: 1 },
      { text: "SELECT 2", line: 1 },
    ],
  },
  {
    name: "a word ending in e before a quote is not an E string",
    sql: "SELECT 1 AS name WHERE 'x\\' = 'x\\';SELECT 2;",
    expected: [
      { text: "SELECT 1 AS name WHERE 'x\\' = 'x\\'", line: 1 },
      { text: "SELECT 2", line: 1 },
    ],
  },
  {
    name: "double-quoted identifier with semicolon and doubled quote",
    sql: 'CREATE TABLE "we;ird""name" (id int);SELECT 1;',
    expected: [
      { text: 'CREATE TABLE "we;ird""name" (id int)', line: 1 },
      { text: "SELECT 1", line: 1 },
    ],
  },
  {
    name: "dollar-quoted function body",
    sql: "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT 1;",
    expected: [
      {
        text: "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql",
        line: 1,
      },
      { text: "SELECT 1", line: 7 },
    ],
  },
  {
    name: "nested different dollar tags",
    sql: "DO $outer$ BEGIN EXECUTE $inner$ SELECT ';' $inner$; END $outer$;\nSELECT 2;",
    expected: [
      { text: "DO $outer$ BEGIN EXECUTE $inner$ SELECT ';' $inner$; END $outer$", line: 1 },
      { text: "SELECT 2", line: 2 },
    ],
  },
  {
    name: "a $$ inside a tagged body does not close it",
    sql: "SELECT $a$ $$ ; $$ $a$;SELECT 3;",
    expected: [
      { text: "SELECT $a$ $$ ; $$ $a$", line: 1 },
      { text: "SELECT 3", line: 1 },
    ],
  },
  {
    name: "positional parameters and identifiers with $ are not dollar quotes",
    sql: "PREPARE p AS SELECT $1;\nSELECT a$b$c FROM t;",
    expected: [
      { text: "PREPARE p AS SELECT $1", line: 1 },
      { text: "SELECT a$b$c FROM t", line: 2 },
    ],
  },
  {
    name: "nested block comments",
    sql: "/* outer /* inner; */ still comment; */ SELECT 1; /* a */ SELECT /* ; */ 2;",
    expected: [
      { text: "SELECT 1", line: 1 },
      { text: "SELECT /* ; */ 2", line: 1 },
    ],
  },
  {
    name: "quotes inside comments are ignored",
    sql: "-- it's\nSELECT 1; /* \"x */ SELECT 2;",
    expected: [
      { text: "SELECT 1", line: 2 },
      { text: "SELECT 2", line: 2 },
    ],
  },
  {
    name: "BEGIN ATOMIC function body",
    sql: "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\nSELECT 4;",
    expected: [
      {
        text: "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
        line: 1,
      },
      { text: "SELECT 4", line: 2 },
    ],
  },
  {
    name: "CASE … END in an ordinary CREATE does not swallow the next statement",
    sql: "CREATE VIEW v AS SELECT CASE WHEN x THEN 1 END AS y FROM t;\nSELECT 5;",
    expected: [
      { text: "CREATE VIEW v AS SELECT CASE WHEN x THEN 1 END AS y FROM t", line: 1 },
      { text: "SELECT 5", line: 2 },
    ],
  },
  {
    name: "a column named begin in CREATE TABLE does not hide the next statements",
    sql: "CREATE TABLE t (id int, begin timestamptz);\nCOMMIT;\nCREATE TABLE u (x int);",
    expected: [
      { text: "CREATE TABLE t (id int, begin timestamptz)", line: 1 },
      { text: "COMMIT", line: 2 },
      { text: "CREATE TABLE u (x int)", line: 3 },
    ],
  },
  {
    name: "a CASE in a CREATE TABLE default does not open a block",
    sql: "CREATE TABLE t (a int DEFAULT (CASE WHEN true THEN 1 END), case_ int);\nSELECT 6;",
    expected: [
      {
        text: "CREATE TABLE t (a int DEFAULT (CASE WHEN true THEN 1 END), case_ int)",
        line: 1,
      },
      { text: "SELECT 6", line: 2 },
    ],
  },
  {
    name: "a parameter named begin in CREATE FUNCTION is at parenthesis depth 1",
    sql: "CREATE OR REPLACE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nSELECT 7;",
    expected: [
      {
        text: "CREATE OR REPLACE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS $$ SELECT 1; $$",
        line: 1,
      },
      { text: "SELECT 7", line: 2 },
    ],
  },
  {
    name: "BEGIN ATOMIC body of CREATE OR REPLACE PROCEDURE",
    sql: "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;\nSELECT 8;",
    expected: [
      {
        text: "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END",
        line: 1,
      },
      { text: "SELECT 8", line: 2 },
    ],
  },
  {
    name: "the no-transaction marker is a comment",
    sql: "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n\nCREATE INDEX CONCURRENTLY j ON t (b);\n",
    expected: [
      { text: "CREATE INDEX CONCURRENTLY i ON t (a)", line: 2 },
      { text: "CREATE INDEX CONCURRENTLY j ON t (b)", line: 4 },
    ],
  },
  {
    name: "CREATE RULE … DO ALSO with several actions in parentheses is one statement",
    sql: "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 9;",
    expected: [
      {
        text: "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))",
        line: 1,
      },
      { text: "SELECT 9", line: 2 },
    ],
  },
  {
    name: "a column named begin read in a SQL-standard function body is not a block",
    sql: "CREATE FUNCTION f(t tbl) RETURNS int LANGUAGE sql RETURN t.begin;\nCREATE TABLE u (begin int);\nSELECT begin FROM u;",
    expected: [
      { text: "CREATE FUNCTION f(t tbl) RETURNS int LANGUAGE sql RETURN t.begin", line: 1 },
      { text: "CREATE TABLE u (begin int)", line: 2 },
      { text: "SELECT begin FROM u", line: 3 },
    ],
  },
  {
    name: "E string with an escaped quote: E'\\'' then a semicolon inside",
    sql: "SELECT E'\\'';\nINSERT INTO t VALUES (E'it\\'s; here');\nSELECT 3;",
    expected: [
      { text: "SELECT E'\\''", line: 1 },
      { text: "INSERT INTO t VALUES (E'it\\'s; here')", line: 2 },
      { text: "SELECT 3", line: 3 },
    ],
  },
  {
    name: "dollar-quoted plpgsql body with semicolons and a nested tag",
    sql: "CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  EXECUTE $q$SELECT 1; SELECT 2$q$;\n  PERFORM 1;\nEND;\n$fn$;\nSELECT 10;",
    expected: [
      {
        text: "CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  EXECUTE $q$SELECT 1; SELECT 2$q$;\n  PERFORM 1;\nEND;\n$fn$",
        line: 1,
      },
      { text: "SELECT 10", line: 7 },
    ],
  },
  {
    name: "nested comments between and inside statements",
    sql: "/* a /* b; */ c; */\nSELECT /* x /* y; */ z */ 1;\n/* d; */ -- e;\nSELECT 2;",
    expected: [
      { text: "SELECT /* x /* y; */ z */ 1", line: 2 },
      { text: "SELECT 2", line: 4 },
    ],
  },
  {
    name: "multi-byte UTF-8 before and inside statements (locations are byte offsets)",
    sql: "-- café 😀\nSELECT 'é😀';\n/* ü */ SELECT 'ß', 2;\nSELECT 3",
    expected: [
      { text: "SELECT 'é😀'", line: 2 },
      { text: "SELECT 'ß', 2", line: 3 },
      { text: "SELECT 3", line: 4 },
    ],
  },
  {
    name: "a comment after the last statement is not a statement; one without a semicolon keeps it",
    sql: "SELECT 1;\n-- the end\nSELECT 2 -- last\n",
    expected: [
      { text: "SELECT 1", line: 1 },
      { text: "SELECT 2 -- last", line: 3 },
    ],
  },
];

describe("splitStatements", () => {
  it.each(cases)("$name", async ({ sql, expected }) => {
    const statements = await splitStatements(sql);
    expect(statements.map(({ text, line }) => ({ text, line }))).toEqual(expected);
  });

  it("returns each statement's parse tree", async () => {
    const [index, rule] = await splitStatements(
      "CREATE INDEX /* c */ CONCURRENTLY i ON t (a);\nCREATE RULE r AS ON DELETE TO t DO ALSO (SELECT 1; SELECT 2)",
    );
    expect(index?.tree).toMatchObject({ IndexStmt: { idxname: "i", concurrent: true } });
    expect(Object.keys(rule?.tree ?? {})).toEqual(["RuleStmt"]);
  });
});

describe("syntax errors", () => {
  const error = async (sql: string) => {
    try {
      await splitStatements(sql);
    } catch (e) {
      if (e instanceof SqlSyntaxError)
        return { message: e.message, line: e.line, column: e.column };
      throw e;
    }
    throw new Error("expected a syntax error");
  };
  it.each([
    ["SELECT 1;\nSELEC 2;", 'syntax error at or near "SELEC"', 2, 1],
    ["SELECT 1;\nSELECT 'é😀' FROM;", 'syntax error at or near ";"', 2, 17],
    ["-- 😀😀\nCREATE TABLE t (a int,\n  b text,);", 'syntax error at or near ")"', 3, 10],
    [
      "SELECT 1;\nSELECT 'open;\nmore",
      'unterminated quoted string at or near "\'open;\nmore"',
      2,
      8,
    ],
    [
      "SELECT 1 /* open /* nested */",
      'unterminated /* comment at or near "/* open /* nested */"',
      1,
      10,
    ],
    // Accepted from PostgreSQL 16 on; the servers run 15.
    ["SELECT 1;\nSELECT 'x' IS JSON;", 'syntax error at or near "JSON"', 2, 15],
    ["SELECT JSON_OBJECT('a': 1);", 'syntax error at or near ":"', 1, 23],
  ])("%j: %s at %i:%i", async (sql, message, line, column) => {
    expect(await error(sql)).toEqual({ message, line, column });
  });
});

describe("lineAndColumn", () => {
  it.each([
    ["abc", 0, 1, 1],
    ["abc", 2, 1, 3],
    ["a\nbc", 2, 2, 1],
    ["a\nbc", 3, 2, 2],
    // Positions count code points: 😀 is two UTF-16 units but one character.
    ["😀😀x", 2, 1, 3],
    ["é\n😀x", 3, 2, 2],
    ["ab", 5, 1, 3],
  ])("%j at %i is line %i column %i", (text, position, line, column) => {
    expect(lineAndColumn(text, position)).toEqual({ line, column });
  });
});
