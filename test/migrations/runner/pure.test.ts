/** The runner's decisions that need no database: table-driven. */
import { describe, expect, it } from "vitest";
import { analyse, bindingUpdate, refusals } from "../../../src/migrations/analysis";
import type { MigrationFile } from "../../../src/migrations/files";
import type { Binding, LedgerRow } from "../../../src/migrations/ledger";
import { backoffDelay, formatSeconds } from "../../../src/migrations/lock";
import { maskSecrets } from "../../../src/migrations/postgresUrl";
import { describeTarget, urlWithDatabase } from "../../../src/migrations/session";

describe("backoffDelay", () => {
  it.each([
    [0, 1, 50],
    [0, 0, 25],
    [1, 1, 100],
    [4, 1, 800],
    [5, 1, 1600],
    [6, 1, 2000],
    [30, 1, 2000],
    [30, 0, 1000],
    [3, 0.5, 300],
  ])("attempt %d, random %d → %d ms", (attempt, random, expected) => {
    expect(backoffDelay(attempt, random)).toBe(expected);
  });
});

describe("formatSeconds", () => {
  it.each([
    [60_000, "60 s"],
    [400, "0.4 s"],
    [1500, "1.5 s"],
  ])("%d → %s", (ms, text) => {
    expect(formatSeconds(ms)).toBe(text);
  });
});

describe("maskSecrets", () => {
  const known = "postgresql://gaia:p%40ss@db:5432/x";
  it.each([
    ["postgresql://gaia:hunter22@db:5432/x failed", [], "postgresql://gaia:***@db:5432/x failed"],
    [
      "see postgres://u:p%40ss@h/db and postgres://v:q@h/db",
      [],
      "see postgres://u:***@h/db and postgres://v:***@h/db",
    ],
    ["redis://:r%3Apw@localhost:6379", [], "redis://:***@localhost:6379"],
    [
      "postgres://u@h/db?sslmode=disable&password=hunter22",
      [],
      "postgres://u@h/db?sslmode=disable&password=***",
    ],
    // By structure only: a password that is also a word in the text leaves the word alone.
    ["3 files applied", ["postgres://u:applied@h/db"], "3 files applied"],
    ["no secrets here", [known], "no secrets here"],
    ["postgresql://only-user@h/db", [], "postgresql://only-user@h/db"],
    [`url=${known}.`, [known], "url=postgresql://gaia:***@db:5432/x."],
    // A known URL that is not a valid one is replaced whole.
    [
      "got postgres://postgres:/S3cr3t@host/db",
      ["postgres://postgres:/S3cr3t@host/db"],
      "got (database URL)",
    ],
  ])("%j", (text, urls, expected) => {
    expect(maskSecrets(text, urls)).toBe(expected);
  });
  it("describeTarget and urlWithDatabase never carry the password", () => {
    expect(describeTarget("postgresql://gaia:pw@db.internal:5433/llm_platform")).toBe(
      "gaia@db.internal:5433/llm_platform",
    );
    expect(
      urlWithDatabase("postgresql://gaia:pw@db:5432/llm_platform?sslmode=require", "scratch"),
    ).toBe("postgresql://gaia:pw@db:5432/scratch?sslmode=require");
  });
});

const file = (
  module: MigrationFile["module"],
  version: string,
  checksum = `sum-${version}`,
): MigrationFile => ({
  module,
  version,
  name: `f${version}`,
  relativePath: `${module}/${version}_f${version}.sql`,
  sql: "",
  checksum,
  noTransaction: false,
  encodingProblem: null,
});
const row = (module: string, version: string, over: Partial<LedgerRow> = {}): LedgerRow => ({
  module,
  version,
  name: `f${version}`,
  checksum: `sum-${version}`,
  started_at: "2026-01-01T00:00:00Z",
  finished_at: "2026-01-01T00:00:01Z",
  duration_ms: 1,
  statements_applied: 1,
  statements_total: 1,
  statement_checksums: [],
  kind: "applied",
  drift: null,
  applied_by: "postgres",
  ...over,
});

describe("analyse", () => {
  it.each([
    ["nothing applied", [file("core", "0001")], [], ["pending"]],
    ["applied", [file("core", "0001")], [row("core", "0001")], ["applied"]],
    ["baseline", [file("core", "0001")], [row("core", "0001", { kind: "baseline" })], ["baseline"]],
    ["changed", [file("core", "0001", "other")], [row("core", "0001")], ["changed"]],
    [
      "partial",
      [file("core", "0001")],
      [row("core", "0001", { finished_at: null, checksum: "x" })],
      ["partial"],
    ],
    [
      "out of order within a module only",
      [file("core", "0001"), file("core", "0002"), file("rbac", "0001")],
      [row("core", "0002"), row("rbac", "0001")],
      ["out-of-order", "applied", "applied"],
    ],
    [
      "a new core file after applied rbac files is in order",
      [file("core", "0001"), file("core", "0002"), file("rbac", "0001")],
      [row("core", "0001"), row("rbac", "0001")],
      ["applied", "pending", "applied"],
    ],
  ] as const)("%s", (_name, files, rows, states) => {
    const a = analyse(files, rows, ["core", "rbac"]);
    expect(a.files.map((f) => f.state)).toEqual(states);
    expect(a.missing).toEqual([]);
    expect(a.removedModules).toEqual([]);
  });

  it("reports missing files of selected modules and removed modules", () => {
    const a = analyse(
      [file("core", "0001")],
      [
        row("core", "0001"),
        row("core", "0002"),
        row("experience", "0001"),
        row("experience", "0002"),
      ],
      ["core"],
    );
    expect(a.missing.map((r) => `${r.module}/${r.version}`)).toEqual(["core/0002"]);
    expect(a.removedModules).toEqual([{ module: "experience", files: 2 }]);
    expect(refusals(a, "dev", ["core"], "/m")).toEqual([
      'module "experience" was applied to this database (2 files in the ledger) but is not in the module list (core): modules are never removed; keep it by adding it to gaia:migrations.modules or passing --modules core,experience',
      "core/0002_f0002.sql was applied but is missing from /m: restore it from version control (migrations are roll-forward only; never delete an applied file)",
    ]);
  });
});

const binding = (over: Partial<Binding> = {}): Binding => ({
  environment: "dev",
  supabase_project_ref: "ref",
  isolation_enforced: false,
  modules: ["core"],
  bound_at: "2026-01-01T00:00:00Z",
  bound_by: "postgres",
  ...over,
});

describe("bindingUpdate", () => {
  it("binds an unbound database", () => {
    expect(
      bindingUpdate(null, { environment: "staging", supabaseProjectRef: "abc" }, [
        "core",
        "vector",
      ]),
    ).toEqual({
      environment: "staging",
      supabaseProjectRef: "abc",
      isolation: false,
      modules: ["core", "vector"],
      events: [{ event: "bind", detail: "bound to environment staging and Supabase project abc" }],
    });
  });
  it.each([
    [
      "same everything",
      binding(),
      { environment: "dev", supabaseProjectRef: "ref" },
      ["core"],
      null,
    ],
    ["no ref given", binding(), { environment: "dev" }, ["core"], null],
    [
      "isolation unchanged",
      binding({ isolation_enforced: true }),
      { environment: "dev", isolation: true },
      ["core"],
      null,
    ],
  ] as const)("writes nothing when %s", (_n, b, opts, modules, expected) => {
    expect(bindingUpdate(b, opts, modules)).toEqual(expected);
  });
  it("records the first ref, an isolation change and a module change", () => {
    expect(
      bindingUpdate(
        binding({ supabase_project_ref: null }),
        { environment: "dev", supabaseProjectRef: "new", isolation: true },
        ["core", "rbac"],
      ),
    ).toEqual({
      environment: "dev",
      supabaseProjectRef: "new",
      isolation: true,
      modules: ["core", "rbac"],
      events: [
        { event: "bind", detail: "bound to Supabase project new" },
        { event: "isolation", detail: "isolation_enforced false -> true" },
        { event: "modules", detail: "modules core -> core,rbac" },
      ],
    });
  });
});
