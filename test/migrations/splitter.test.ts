import { describe, expect, it } from "vitest";
import { splitStatements } from "../../src/migrations/splitter";

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
    name: "unterminated string runs to the end (the server reports it)",
    sql: "SELECT 1;\nSELECT 'open;\nmore",
    expected: [
      { text: "SELECT 1", line: 1 },
      { text: "SELECT 'open;\nmore", line: 2 },
    ],
  },
];

describe("splitStatements", () => {
  it.each(cases)("$name", ({ sql, expected }) => {
    expect(splitStatements(sql)).toEqual(expected);
  });
});
