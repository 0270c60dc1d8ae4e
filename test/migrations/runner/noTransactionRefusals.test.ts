/** The refusals migrate makes at a no-transaction file, which plan and status report: pure. */
import { describe, expect, it } from "vitest";
import {
  type FileStatus,
  firstNoTransactionStep,
  invalidIndexRefusal,
  resumeRefusal,
} from "../../../src/migrations/analysis";
import type { MigrationFile, PreparedStatement } from "../../../src/migrations/files";
import type { LedgerRow } from "../../../src/migrations/ledger";
import { statementKind } from "../../../src/migrations/statementKind";

const status = (file: string, state: FileStatus["state"], noTransaction: boolean): FileStatus => ({
  file,
  module: "core",
  version: file.slice(5, 9),
  state,
  checksum: "c",
  ledgerChecksum: null,
  noTransaction,
  appliedAt: null,
  statementsApplied: null,
  statementsTotal: null,
  drift: null,
});

describe("firstNoTransactionStep", () => {
  it.each<[string, FileStatus[], { file: string; when: string } | null]>([
    ["none", [status("core/0001_a.sql", "pending", false)], null],
    [
      "applied ones do not count",
      [status("core/0001_a.sql", "applied", true), status("core/0002_b.sql", "pending", false)],
      null,
    ],
    [
      "the first pending one",
      [
        status("core/0001_a.sql", "pending", false),
        status("core/0002_b.sql", "pending", true),
        status("core/0003_c.sql", "partial", true),
      ],
      { file: "core/0002_b.sql", when: "before running," },
    ],
    [
      "a partial one resumes",
      [status("core/0002_b.sql", "partial", true)],
      { file: "core/0002_b.sql", when: "before resuming," },
    ],
    [
      "an out-of-order one is refused anyway",
      [status("core/0001_a.sql", "out-of-order", true)],
      null,
    ],
  ])("%s", (_name, files, expected) => {
    expect(firstNoTransactionStep(files)).toEqual(expected);
  });
});

describe("invalidIndexRefusal", () => {
  it.each([
    [[], null],
    [
      ["t_x"],
      "core/0002_b.sql: before running, the database has an INVALID index (t_x), left by a failed or interrupted CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: an invalid index is maintained but never used, and CREATE INDEX ... IF NOT EXISTS would skip it and record the file as applied; drop it (DROP INDEX CONCURRENTLY t_x;), then run migrate again",
    ],
    [
      ["a", "s.b"],
      "core/0002_b.sql: before running, the database has INVALID indexes (a, s.b), left by a failed or interrupted CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: an invalid index is maintained but never used, and CREATE INDEX ... IF NOT EXISTS would skip it and record the file as applied; drop them (DROP INDEX CONCURRENTLY a; DROP INDEX CONCURRENTLY s.b;), then run migrate again",
    ],
  ])("%j", (names, expected) => {
    expect(invalidIndexRefusal("core/0002_b.sql", names, "before running,")).toBe(expected);
  });
});

describe("resumeRefusal", () => {
  const kind = statementKind({ SelectStmt: {} });
  const stmt = (checksum: string, line: number): PreparedStatement => ({
    text: "SELECT 1",
    line,
    checksum,
    kind,
  });
  const file = { relativePath: "core/0002_nt.sql" } as MigrationFile;
  const row = { statements_applied: 2, statements_total: 3, statement_checksums: ["a", "b"] };
  it.each<[string, PreparedStatement[], string | null]>([
    ["unchanged", [stmt("a", 2), stmt("b", 3), stmt("c", 4)], null],
    ["only later statements changed", [stmt("a", 2), stmt("b", 3), stmt("z", 4)], null],
    [
      "an applied statement changed",
      [stmt("a", 2), stmt("x", 5)],
      "core/0002_nt.sql: statement 2 (line 5) was already applied and has changed (or was removed) since: restore it; in a partly applied no-transaction file only the statements after the last applied one (2 of 3) may change",
    ],
    [
      "an applied statement removed",
      [stmt("a", 2)],
      "core/0002_nt.sql: statement 2 was already applied and has changed (or was removed) since: restore it; in a partly applied no-transaction file only the statements after the last applied one (2 of 3) may change",
    ],
  ])("%s", (_name, statements, expected) => {
    expect(resumeRefusal(file, statements, row as unknown as LedgerRow)).toBe(expected);
  });
});
