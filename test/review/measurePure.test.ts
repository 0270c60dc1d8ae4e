/**
 * The measured review's pure decisions, table-driven: what CHECKs ask of columns, the fill order
 * (self-references and cycles), the column plans and the rows they generate, lock modes and their
 * consequences, the locks a statement gained, what a file held, and the --measure flags.
 */
import { describe, expect, it } from "vitest";
import { measureOptions } from "../../src/cli/commands/review";
import { checkHints, columnRef, numberLiteral, splitTop } from "../../src/review/fillChecks";
import { fillOrder } from "../../src/review/fillOrder";
import {
  type FillColumn,
  type FillConstraint,
  type FillTable,
  generateRows,
  planTable,
} from "../../src/review/fillPlan";
import { consequence, documentedLock, modeName, strongest } from "../../src/review/locks";
import type { Measurement } from "../../src/review/measure";
import {
  duration,
  heldLocks,
  measuredSection,
  statementLabel,
} from "../../src/review/measureRender";
import type { MeasuredFile, MeasuredStatement } from "../../src/review/observe";
import { gainedLocks } from "../../src/review/snapshot";

describe("checkHints: what a CHECK asks of single columns", () => {
  it.each([
    [
      "((category)::text = ANY ((ARRAY['environment'::character varying, 'image'::character varying])::text[]))",
      { category: { choices: ["environment", "image"] } },
    ],
    ["(kind = ANY (ARRAY['a'::text, 'b''c'::text]))", { kind: { choices: ["a", "b'c"] } }],
    ["(level = ANY (ARRAY[1, 2, 3]))", { level: { choices: [1, 2, 3] } }],
    [
      "((quality_score >= (0)::double precision) AND (quality_score <= (1)::double precision))",
      { quality_score: { min: 0, minExclusive: false, max: 1, maxExclusive: false } },
    ],
    ["(version > 0)", { version: { min: 0, minExclusive: true } }],
    ['(0 < "order")', { order: { min: 0, minExclusive: true } }],
    ["(score < 10.5)", { score: { max: 10.5, maxExclusive: true } }],
    [
      "((location_lat IS NULL) OR ((location_lat >= ('-90'::integer)::double precision) AND (location_lat <= (90)::double precision)))",
      { location_lat: { min: -90, minExclusive: false, max: 90, maxExclusive: false } },
    ],
    [
      "(permissions <@ ARRAY['read'::text, 'write'::text])",
      { permissions: { subset: ["read", "write"] } },
    ],
    ["(cardinality(permissions) > 0)", { permissions: { nonEmpty: true } }],
    ["(array_length(tags, 1) >= 1)", { tags: { nonEmpty: true } }],
    // Left to PostgreSQL's filter: several columns, patterns, functions.
    ["((completed_at IS NULL) OR (started_at IS NULL) OR (completed_at >= started_at))", {}],
    ["((code)::text ~ '^[A-Z]{3}$'::text)", {}],
    ["(length(path) > 0)", {}],
    ["((a > 0) OR (b > 0))", {}],
  ])("%s", (expr, expected) => {
    expect(Object.fromEntries(checkHints([expr]))).toEqual(expected);
  });

  it.each([
    ["a AND (b AND c) AND 'x AND y'", "AND", ["a", "(b AND c)", "'x AND y'"]],
    ["a OR b", "OR", ["a", "b"]],
    ["ARRAY['a OR b'] OR c", "OR", ["ARRAY['a OR b']", "c"]],
  ] as const)("splitTop(%j, %s)", (expr, keyword, parts) => {
    expect(splitTop(expr, keyword)).toEqual(parts);
  });

  it.each([
    ["x", "x"],
    ["(x)::text", "x"],
    ['"order"', "order"],
    ["((x)::character varying(20))::text", "x"],
    ["length(x)", null],
    ["'x'", null],
  ])("columnRef(%j) = %j", (term, column) => {
    expect(columnRef(term)).toBe(column);
  });

  it.each([
    ["0", 0],
    ["(0)::double precision", 0],
    ["('-90'::integer)::double precision", -90],
    ["2.5", 2.5],
    ["x", null],
  ])("numberLiteral(%j) = %j", (term, n) => {
    expect(numberLiteral(term)).toBe(n);
  });
});

const col = (name: string, base: string, extra: Partial<FillColumn> = {}): FillColumn => ({
  name,
  type: base,
  base,
  element: null,
  typmod: -1,
  labels: null,
  notNull: false,
  default: null,
  identity: false,
  generated: false,
  ...extra,
});
const fk = (
  name: string,
  columns: string[],
  refTable: string,
  refColumns = ["id"],
): FillConstraint => ({
  name,
  type: "f",
  columns,
  refTable,
  refColumns,
  check: null,
});
const table = (
  name: string,
  columns: FillColumn[],
  constraints: FillConstraint[] = [],
  uniqueKeys: string[][] = [["id"]],
): FillTable => ({ name, sql: `public.${name}`, columns, constraints, uniqueKeys });

describe("fillOrder", () => {
  const id = col("id", "int4", { notNull: true });
  it("fills parents first; a self-reference and a nullable cycle wait; a NOT NULL cycle is skipped", () => {
    const order = fillOrder([
      table(
        "orders",
        [id, col("user_id", "int4", { notNull: true })],
        [fk("orders_user", ["user_id"], "users")],
      ),
      table("users", [id, col("boss_id", "int4")], [fk("users_boss", ["boss_id"], "users")]),
      table("a", [id, col("b_id", "int4")], [fk("a_b", ["b_id"], "b")]),
      table("b", [id, col("a_id", "int4", { notNull: true })], [fk("b_a", ["a_id"], "a")]),
      table("x", [id, col("y_id", "int4", { notNull: true })], [fk("x_y", ["y_id"], "y")]),
      table("y", [id, col("x_id", "int4", { notNull: true })], [fk("y_x", ["x_id"], "x")]),
    ]);
    expect(order.order).toEqual(["a", "b", "users", "orders"]);
    expect(Object.fromEntries(order.deferred)).toEqual({ users: ["users_boss"], a: ["a_b"] });
    expect([...order.skipped.keys()]).toEqual(["x", "y"]);
  });
});

describe("planTable and generateRows", () => {
  const users = table(
    "users",
    [
      col("id", "uuid", { notNull: true }),
      col("email", "varchar", { notNull: true, typmod: 14 }),
      col("n", "int4"),
      col("mood", "mood", { labels: ["calm", "busy"] }),
      col("tags", "_text", { element: "text", notNull: true }),
      col("serial_no", "int4", { notNull: true, default: "nextval('s'::regclass)" }),
      col("shape", "point", { notNull: true }),
    ],
    [
      {
        name: "users_tags",
        type: "c",
        columns: ["tags"],
        refTable: null,
        refColumns: [],
        check: "(cardinality(tags) > 0)",
      },
    ],
    [["id"], ["email"]],
  );

  it("says why a table cannot be filled", () => {
    expect(planTable(users, 1, new Map(), []).problem).toBe(
      "column `shape` is of type point, which the generator cannot fill, and has no default",
    );
  });

  const fillable = { ...users, columns: users.columns.filter((c) => c.name !== "shape") };
  const rows = (seed: number) =>
    generateRows(planTable(fillable, seed, new Map(), []), 0, 400, 400, new Map());

  it("is the same for a seed, and differs for another", () => {
    expect(rows(1)).toEqual(rows(1));
    expect(rows(2)).not.toEqual(rows(1));
  });

  it("keeps unique keys distinct, repeats and NULLs other columns, leaves serials to PostgreSQL", () => {
    const r = rows(1);
    const distinct = (k: string) => new Set(r.map((x) => JSON.stringify(x[k]))).size;
    const nulls = (k: string) => r.filter((x) => x[k] === null).length;
    expect([distinct("id"), distinct("email"), nulls("id"), nulls("email")]).toEqual([
      400, 400, 0, 0,
    ]);
    expect(r.every((x) => (x.email as string).length <= 10)).toBe(true);
    expect(nulls("n")).toBeGreaterThan(0);
    expect(distinct("n")).toBeLessThan(400 - nulls("n"));
    expect(new Set(r.map((x) => x.mood))).toEqual(new Set(["calm", "busy", null]));
    expect(r.every((x) => Array.isArray(x.tags) && (x.tags as unknown[]).length > 0)).toBe(true);
    expect(r.some((x) => "serial_no" in x)).toBe(false);
  });

  it("walks a unique key of a parent and a fixed list through its combinations", () => {
    const members = table(
      "members",
      [col("team_id", "int4", { notNull: true }), col("role", "text", { notNull: true })],
      [
        fk("members_team", ["team_id"], "teams"),
        {
          name: "members_role",
          type: "c",
          columns: ["role"],
          refTable: null,
          refColumns: [],
          check: "(role = ANY (ARRAY['owner'::text, 'member'::text]))",
        },
      ],
      [["team_id", "role"]],
    );
    const teams = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const plan = planTable(members, 1, new Map([["members_team", 3]]), []);
    const r = generateRows(plan, 0, 6, 6, new Map([["members_team", teams]]));
    expect(r.map((x) => `${x.team_id}/${x.role}`)).toEqual([
      "1/owner",
      "1/member",
      "2/owner",
      "2/member",
      "3/owner",
      "3/member",
    ]);
  });

  it("refuses a NOT NULL reference to a table without rows", () => {
    const orders = table(
      "orders",
      [col("id", "int4", { notNull: true }), col("user_id", "int4", { notNull: true })],
      [fk("orders_user", ["user_id"], "users")],
    );
    expect(planTable(orders, 1, new Map([["orders_user", 0]]), []).problem).toBe(
      "`user_id` (NOT NULL) references `users`, which has no rows",
    );
  });
});

describe("lock modes", () => {
  it.each([
    ["AccessExclusiveLock", "ACCESS EXCLUSIVE", "blocks reads and writes on `users` until commit"],
    [
      "ExclusiveLock",
      "EXCLUSIVE",
      "blocks writes and SELECT … FOR UPDATE/SHARE on `users` until commit (plain reads go on)",
    ],
    [
      "ShareRowExclusiveLock",
      "SHARE ROW EXCLUSIVE",
      "blocks writes on `users` until commit (reads go on)",
    ],
    ["ShareLock", "SHARE", "blocks writes on `users` until commit (reads go on)"],
    [
      "ShareUpdateExclusiveLock",
      "SHARE UPDATE EXCLUSIVE",
      "blocks schema changes, index builds and VACUUM on `users` until commit (reads and writes go on)",
    ],
    [
      "RowExclusiveLock",
      "ROW EXCLUSIVE",
      "blocks index builds and most schema changes on `users` until commit (reads and writes go on)",
    ],
    [
      "RowShareLock",
      "ROW SHARE",
      "blocks EXCLUSIVE and ACCESS EXCLUSIVE locks (most ALTER TABLE) on `users` until commit (reads and writes go on)",
    ],
    [
      "AccessShareLock",
      "ACCESS SHARE",
      "blocks only ACCESS EXCLUSIVE locks (DROP, most ALTER TABLE) on `users` until commit",
    ],
  ] as const)("%s: %s, %s", (mode, name, text) => {
    expect(modeName(mode)).toBe(name);
    expect(consequence(mode, "users", "until commit")).toBe(text);
  });

  it("names the table of a locked index, and what the manual documents for bare statements", () => {
    expect(consequence("AccessExclusiveLock", "users_email_idx", "while it runs", "users")).toBe(
      "blocks reads and writes on `users` (through its index `users_email_idx`) while it runs",
    );
    expect(strongest(["RowShareLock", "ShareLock", "AccessShareLock"])).toBe("ShareLock");
    expect(documentedLock("CREATE UNIQUE INDEX CONCURRENTLY")).toBe(
      "SHARE UPDATE EXCLUSIVE on its table",
    );
    expect(documentedLock("ALTER SYSTEM")).toBe(null);
  });
});

describe("gainedLocks", () => {
  const existing = new Map([
    [1, { name: "users", kind: "r", indexOf: null }],
    [2, { name: "users_pkey", kind: "i", indexOf: 1 }],
    [3, { name: "orders", kind: "r", indexOf: null }],
  ]);
  it.each([
    [
      "a new lock",
      new Map(),
      new Map([[1, ["AccessExclusiveLock"]]]),
      [{ relation: "users", mode: "AccessExclusiveLock" }],
    ],
    [
      "held before as strongly",
      new Map([[1, ["AccessExclusiveLock"]]]),
      new Map([[1, ["AccessExclusiveLock", "ShareLock"]]]),
      [],
    ],
    [
      "stronger than before",
      new Map([[1, ["RowExclusiveLock"]]]),
      new Map([[1, ["RowExclusiveLock", "AccessExclusiveLock"]]]),
      [{ relation: "users", mode: "AccessExclusiveLock" }],
    ],
    [
      "an index no harder than its table",
      new Map(),
      new Map([
        [1, ["AccessExclusiveLock"]],
        [2, ["AccessExclusiveLock"]],
      ]),
      [{ relation: "users", mode: "AccessExclusiveLock" }],
    ],
    [
      "an index harder than its table",
      new Map(),
      new Map([
        [1, ["ShareLock"]],
        [2, ["AccessExclusiveLock"]],
      ]),
      [
        { relation: "users", mode: "ShareLock" },
        { relation: "users_pkey", indexOf: "users", mode: "AccessExclusiveLock" },
      ],
    ],
    [
      "a relation created in the transaction",
      new Map(),
      new Map([[9, ["AccessExclusiveLock"]]]),
      [],
    ],
  ] as const)("%s", (_, before, after, expected) => {
    expect(gainedLocks(before as never, after as never, existing)).toEqual(expected);
  });
});

const statement = (
  line: number,
  atMs: number,
  durationMs: number,
  locks: MeasuredStatement["locks"],
): MeasuredStatement => ({
  file: "core/0002_x.sql",
  index: line - 1,
  line,
  text: "ALTER TABLE users ADD COLUMN x text",
  inTransaction: true,
  outsideTransaction: null,
  locks,
  samples: null,
  rewrites: [],
  scans: [],
  writes: [],
  atMs,
  durationMs,
  error: null,
});

describe("heldLocks: per relation the strongest lock a file took, and for how long", () => {
  const statements = [
    statement(1, 1, 5, [{ relation: "users", mode: "RowExclusiveLock" }]),
    statement(2, 10, 20, [
      { relation: "users", mode: "AccessExclusiveLock" },
      { relation: "orders", mode: "ShareRowExclusiveLock" },
    ]),
    statement(3, 40, 2, [{ relation: "users", mode: "ShareLock" }]),
  ];
  it.each([
    [
      true,
      [
        ["orders", "ShareRowExclusiveLock", 2, 90],
        ["users", "AccessExclusiveLock", 2, 90],
      ],
    ],
    [
      false,
      [
        ["orders", "ShareRowExclusiveLock", 2, 20],
        ["users", "AccessExclusiveLock", 2, 20],
      ],
    ],
  ])("in a transaction: %s", (transaction, expected) => {
    const file: MeasuredFile = {
      file: "core/0002_x.sql",
      transaction,
      statements,
      durationMs: 100,
      failed: false,
    };
    expect(heldLocks(file).map((h) => [h.relation, h.mode, h.line, h.heldMs])).toEqual(expected);
  });

  it.each([
    [0.04, "0.0 ms"],
    [7.25, "7.3 ms"],
    [120.4, "120 ms"],
    [1234, "1.2 s"],
  ])("duration(%s) = %s", (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it("labels a statement by its first 70 characters on one line", () => {
    expect(statementLabel("ALTER TABLE users\n    ADD COLUMN x text")).toBe(
      "ALTER TABLE users ADD COLUMN x text",
    );
    expect(statementLabel(`SELECT ${"x, ".repeat(40)}1`)).toHaveLength(70);
  });
});

describe("measureOptions: --measure with --rows and --seed (each parsed by its option)", () => {
  it.each([
    [{ measure: false, rows: undefined, seed: undefined }, undefined],
    [
      { measure: true, rows: undefined, seed: undefined },
      { rows: 10_000, seed: 1 },
    ],
    [
      { measure: true, rows: 500, seed: 0 },
      { rows: 500, seed: 0 },
    ],
  ])("%j → %j", (flags, options) => {
    expect(measureOptions(flags)).toEqual(options);
  });

  it.each([
    [
      { measure: false, rows: 5, seed: undefined },
      "--rows applies to the measured review only: add --measure, or leave out --rows",
    ],
    [
      { measure: false, rows: undefined, seed: 2 },
      "--seed applies to the measured review only: add --measure, or leave out --seed",
    ],
    [
      { measure: false, rows: 5, seed: 2 },
      "--rows applies to the measured review only: add --measure, or leave out --rows and --seed",
    ],
  ])("%j is refused: %s", (flags, message) => {
    expect(() => measureOptions(flags)).toThrow(message);
  });
});

describe("measuredSection: rows as each statement starts", () => {
  it("counts the rows earlier statements inserted and deleted", () => {
    const file: MeasuredFile = {
      file: "core/0002_x.sql",
      transaction: true,
      durationMs: 10,
      failed: false,
      statements: [
        {
          ...statement(1, 0, 1, []),
          text: "DELETE FROM users WHERE n < 40",
          scans: ["users"],
          writes: [{ table: "users", inserted: 0, updated: 0, deleted: 40 }],
        },
        {
          ...statement(2, 2, 1, []),
          text: "ALTER TABLE users ALTER n SET NOT NULL",
          scans: ["users"],
        },
      ],
    };
    const m: Measurement = {
      fill: {
        rows: 100,
        seed: 1,
        tables: [
          {
            table: "users",
            rows: 100,
            generated: 100,
            failedCheck: 0,
            duplicateKey: 0,
            note: null,
            durationMs: 1,
          },
        ],
        skipped: [],
        durationMs: 1,
      },
      files: [file],
      failure: null,
      notRun: [],
      timings: { baseMs: 1, fillMs: 1, headMs: 1 },
    };
    expect(measuredSection(m, 1, true).filter((l) => l.startsWith("- "))).toEqual([
      "- `core/0002_x.sql` line 1 (`DELETE FROM users WHERE n < 40`): scans all of `users` (100 rows: 1.0 ms); deletes 40 rows of `users`",
      "- `core/0002_x.sql` line 2 (`ALTER TABLE users ALTER n SET NOT NULL`): scans all of `users` (60 rows: 1.0 ms)",
    ]);
  });
});
