/** The SQL lint rule: no comment of a migration file cites a `.md` document (test/migrations/sqlLint.ts). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/shared/vocabulary";
import { citingFiles, commentCitations, lintFindings, SHIPPED_CITING } from "./sqlLint";

describe("commentCitations", () => {
  it.each<[string, string, [number, string][]]>([
    ["a line comment", "-- see live-schema.md §5.1\nSELECT 1;", [[1, "live-schema.md"]]],
    ["a path", "SELECT 1; -- docs/migrations.md says so", [[1, "docs/migrations.md"]]],
    ["a block comment, nested", "/* a /* b */ README.md */ SELECT 1;", [[1, "README.md"]]],
    ["on a later line", "SELECT 1;\n\n/*\n notes.MD\n*/", [[4, "notes.MD"]]],
    [
      "a comment in a routine body",
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  -- see design.md\n  RETURN 1;\nEND $body$;",
      [[3, "design.md"]],
    ],
    ["a string literal is data", "COMMENT ON TABLE t IS 'e.g. docs/api/overview.md';", []],
    ["an escaped quote in a string", "SELECT 'it''s -- a.md';", []],
    ["an E string", "SELECT E'\\' -- b.md';", []],
    ["a quoted identifier", 'SELECT 1 AS "-- c.md";', []],
    ["no document", "-- markdown, .md files, mdx\nSELECT 1;", []],
    ["a .mdx or .md5 is not one", "-- x.mdx y.md5\nSELECT md5('a');", []],
  ])("%s", (_name, sql, expected) => {
    expect(commentCitations(sql).map((c) => [c.line, c.document])).toEqual(expected);
  });
});

const trees: string[] = [];
afterAll(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

describe("the migrations tree", () => {
  it("cites no document outside the shipped files exempt by name, and each of those still cites", () => {
    const citing = citingFiles(MIGRATIONS_DIR);
    expect(lintFindings(citing)).toEqual([]);
    // The exemption covers exactly the shipped files that cite: it cannot grow unnoticed.
    expect(Object.keys(citing).sort()).toEqual([...SHIPPED_CITING].sort());
  });

  it("a new file whose comment cites a document is a finding naming file, line and document", () => {
    const root = mkdtempSync(join(tmpdir(), "gaia-lint-"));
    trees.push(root);
    mkdirSync(join(root, "core"));
    writeFileSync(join(root, "core", "0001_live_schema.sql"), "-- live-schema.md\nSELECT 1;\n");
    writeFileSync(
      join(root, "core", "0011_new.sql"),
      "-- Adds t.\nCREATE TABLE t (x int); -- as database-architecture.md says\n",
    );
    expect(lintFindings(citingFiles(root))).toEqual([
      "migrations/core/0011_new.sql:2: a comment cites database-architecture.md: say what matters in the comment itself; SQL files cite no document outside them",
    ]);
  });
});
