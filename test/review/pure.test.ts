/**
 * The review's pure decisions, table-driven: stack files, what a stack last applied, the per-stack
 * plan, the catalog diff in reviewer words, Mermaid, and squawk's JSON.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Catalog, CatalogTable } from "../../src/migrations/catalog";
import { erDiagram, mermaidType } from "../../src/review/mermaid";
import { planStack } from "../../src/review/plan";
import { schemaChanges } from "../../src/review/schemaDiff";
import { parseSquawkJson, SQUAWK_VERSION } from "../../src/review/squawk";
import { parseAppliedFiles, parseAppliedFlag, stackDeclaration } from "../../src/review/stacks";

const SUM_A = "a".repeat(64);
const SUM_B = "b".repeat(64);

describe("stackDeclaration", () => {
  it.each([
    ["config:\n  gaia:environment: dev\n", "dev", "dev", ["core", "vector"]],
    ["config:\n  gaia:environment: production\n", "production", "production", ["core", "vector"]],
    [
      "config:\n  gaia:migrations:\n    modules: [experience, core, rbac]\n",
      "staging",
      "staging",
      ["core", "rbac", "experience"],
    ],
    [
      'config:\n  gaia:environment: dev\n  gaia:migrations: \'{"modules":["core"]}\'\n',
      "alice",
      "dev",
      ["core"],
    ],
  ])("%j as stack %s → %s, %j", (text, stack, environment, modules) => {
    expect(stackDeclaration(stack, text, "f")).toEqual({ stack, environment, modules });
  });

  it.each([
    [
      "config:\n  gaia:migrations:\n    modules: [vector]\n",
      "dev",
      "Pulumi.dev.yaml (working tree): gaia:migrations.modules is [\"vector\"]; allowed: a list of core | vector | rbac | experience that includes core; edit it in that file (e.g. pulumi config set --path 'gaia:migrations.modules[1]' rbac -s dev)",
    ],
    [
      "config:\n  gaia:migrations:\n    modules: [core, graph]\n",
      "dev",
      'Pulumi.dev.yaml (working tree): gaia:migrations.modules is ["core","graph"]; allowed: a list of core | vector | rbac | experience that includes core; edit it in that file (e.g. pulumi config set --path \'gaia:migrations.modules[1]\' rbac -s dev)',
    ],
    [
      "config:\n  gaia:environment: qa\n",
      "qa",
      'Pulumi.dev.yaml (working tree): gaia:environment is "qa"; allowed: local, dev, staging, production (a stack named otherwise must set it: pulumi config set gaia:environment <env> -s qa)',
    ],
    [
      "config: [unclosed\n",
      "dev",
      "Pulumi.dev.yaml (working tree): not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:); fix the stack file",
    ],
  ])("refuses %j", (text, stack, message) => {
    expect(() => stackDeclaration(stack, text, "Pulumi.dev.yaml (working tree)")).toThrow(message);
  });
});

describe("parseAppliedFiles", () => {
  const lines = `core/0001_live_schema.sql:${SUM_A}\nrbac/0001_rbac_tables.sql:${SUM_B}`;
  const expected = [
    { file: "core/0001_live_schema.sql", checksum: SUM_A },
    { file: "rbac/0001_rbac_tables.sql", checksum: SUM_B },
  ];

  it.each([
    ["the text pulumi stack output prints", `${lines}\n`, expected],
    ["the JSON string --json prints", JSON.stringify(lines), expected],
    ["a stack never deployed (empty)", '""', []],
    ["null", "null", []],
  ])("reads %s", (_name, text, files) => {
    expect(parseAppliedFiles(text, "src")).toEqual(files);
  });

  it("refuses a line that is not module/file.sql:sha256, naming the input and the line", () => {
    expect(() => parseAppliedFiles(`${lines}\n[secret]`, "--applied dev=d.json")).toThrow(
      '--applied dev=d.json line 3: "[secret]" is not a migrationFiles line; expected module/NNNN_name.sql:<sha256>, as printed by pulumi stack output migrationFiles',
    );
  });

  it.each([
    ["dev=a.json", ["dev", "a.json"]],
    ["production=dir/p=q.json", ["production", "dir/p=q.json"]],
  ])("--applied %s", (value, parsed) => {
    expect(parseAppliedFlag(value)).toEqual(parsed);
  });

  it.each(["dev", "=a.json", "dev="])("refuses --applied %s", (value) => {
    expect(() => parseAppliedFlag(value)).toThrow(
      `--applied ${value}: expected <stack>=<file>, e.g. --applied production=production.files.json (the output of pulumi stack output migrationFiles --json -s production)`,
    );
  });
});

describe("planStack", () => {
  const decl = (stack: string, modules: ("core" | "rbac")[]) => ({
    stack,
    environment: stack === "local" ? ("local" as const) : ("dev" as const),
    modules,
  });
  const f = (file: string, checksum = SUM_A) => ({ file, checksum });

  it.each([
    [
      "runs what was not applied; production snapshots when the set changes",
      "production",
      [f("core/0001_a.sql"), f("core/0002_b.sql")],
      [f("core/0001_a.sql")],
      { toRun: ["core/0002_b.sql"], refusals: [], snapshot: true },
    ],
    [
      "runs nothing and takes no snapshot when the set is what was applied",
      "production",
      [f("core/0001_a.sql")],
      [f("core/0001_a.sql")],
      { toRun: [], refusals: [], snapshot: false },
    ],
    [
      "refuses a changed applied file and a missing one; only production snapshots",
      "dev",
      [f("core/0001_a.sql", SUM_B)],
      [f("core/0001_a.sql"), f("core/0002_gone.sql")],
      {
        toRun: [],
        refusals: [
          "core/0001_a.sql changed after it was applied (applied aaaaaaaaaaaa, now bbbbbbbbbbbb): migrate refuses it; restore the applied text and put the change in a new file",
          "core/0002_gone.sql was applied but is not among the files of modules core: migrate refuses a missing applied file or a removed module; restore it",
        ],
        snapshot: null,
      },
    ],
  ])("%s", (_name, stack, head, applied, expected) => {
    const plan = planStack(decl(stack, ["core"]), decl(stack, ["core"]), head, {
      from: "stack output",
      files: applied,
    });
    expect({ toRun: plan.toRun, refusals: plan.refusals, snapshot: plan.snapshot }).toEqual(
      expected,
    );
  });

  it("names the modules before and after, null before for a new stack file", () => {
    const plan = planStack(decl("local", ["core", "rbac"]), undefined, [], {
      from: "base",
      files: [],
    });
    expect([plan.modulesBefore, plan.modulesAfter, plan.appliedFrom]).toEqual([
      null,
      ["core", "rbac"],
      "base",
    ]);
  });
});

const table = (name: string, extra: Partial<CatalogTable> = {}): CatalogTable => ({
  name,
  comment: null,
  columns: [],
  constraints: [],
  indexes: [],
  triggers: [],
  ...extra,
});
const column = (name: string, type: string, nullable = true, dflt: string | null = null) => ({
  name,
  type,
  nullable,
  default: dflt,
  identity: null,
  comment: null,
});
const catalog = (extra: Partial<Catalog> = {}): Catalog => ({
  schema: "public",
  extensions: [],
  tables: [],
  functions: [],
  sequences: [],
  access: { views: [], grants: [], defaultPrivileges: [], roles: [] },
  ...extra,
});
const fn = (signature: string, bodyHash: string, result = "integer") => ({
  signature,
  kind: "function" as const,
  result,
  language: "sql",
  bodyHash,
  comment: null,
});

describe("schemaChanges", () => {
  it.each<[string, Catalog, Catalog, unknown[]]>([
    [
      "a column's type and nullability; a constraint's definition; a trigger disabled",
      catalog({
        tables: [
          table("t", {
            columns: [column("a", "integer", true)],
            constraints: [
              { name: "t_a_check", type: "c", definition: "CHECK ((a > 0))", comment: null },
            ],
            triggers: [
              {
                name: "t_touch",
                definition:
                  "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch()",
                enabled: true,
              },
            ],
          }),
        ],
      }),
      catalog({
        tables: [
          table("t", {
            columns: [column("a", "bigint", false)],
            constraints: [
              { name: "t_a_check", type: "c", definition: "CHECK ((a >= 0))", comment: null },
            ],
            triggers: [
              {
                name: "t_touch",
                definition:
                  "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch()",
                enabled: false,
              },
            ],
          }),
        ],
      }),
      [
        {
          change: "changed",
          object: "column",
          table: "t",
          name: "a",
          changes: [
            { attribute: "type", before: "integer", after: "bigint" },
            { attribute: "nullability", before: "nullable", after: "not null" },
          ],
        },
        {
          change: "changed",
          object: "constraint",
          table: "t",
          name: "t_a_check",
          changes: [
            { attribute: "definition", before: "CHECK ((a > 0))", after: "CHECK ((a >= 0))" },
          ],
        },
        {
          change: "changed",
          object: "trigger",
          table: "t",
          name: "t_touch",
          changes: [{ attribute: "enabled", before: "enabled", after: "disabled" }],
        },
      ],
    ],
    [
      "a removed table with its serial sequence and grants is one change",
      catalog({
        tables: [table("old", { columns: [column("id", "integer", false)] })],
        sequences: [{ name: "old_id_seq", type: "integer", ownedBy: "old.id" }],
        access: {
          views: [],
          grants: [{ kind: "table", object: "old", grantee: "gaia_app", privileges: ["SELECT"] }],
          defaultPrivileges: [],
          roles: [],
        },
      }),
      catalog(),
      [{ change: "removed", object: "table", name: "old", description: "1 column" }],
    ],
    [
      "functions: body and result changed, one added; a view replaced; an extension added",
      catalog({
        functions: [fn("f(integer)", SUM_A)],
        access: {
          views: [{ name: "v", kind: "view", definition: "SELECT 1;", comment: null }],
          grants: [],
          defaultPrivileges: [],
          roles: [],
        },
      }),
      catalog({
        extensions: [{ name: "pg_trgm", schema: "public" }],
        functions: [fn("f(integer)", SUM_B, "bigint"), fn("g()", SUM_A)],
        access: {
          views: [{ name: "v", kind: "view", definition: "SELECT 2;", comment: null }],
          grants: [],
          defaultPrivileges: [],
          roles: [],
        },
      }),
      [
        { change: "added", object: "extension", name: "pg_trgm", description: "in public" },
        {
          change: "changed",
          object: "view",
          name: "v",
          changes: [{ attribute: "definition", before: "SELECT 1;", after: "SELECT 2;" }],
        },
        {
          change: "changed",
          object: "function",
          name: "f(integer)",
          changes: [
            { attribute: "result", before: "integer", after: "bigint" },
            { attribute: "body", before: "aaaaaaaaaaaa", after: "bbbbbbbbbbbb" },
          ],
        },
        {
          change: "added",
          object: "function",
          name: "g()",
          description: "returns integer, language sql",
        },
      ],
    ],
    [
      "a grant widened, a role given LOGIN, default privileges revoked",
      catalog({
        access: {
          views: [],
          grants: [{ kind: "table", object: "t", grantee: "r", privileges: ["SELECT"] }],
          defaultPrivileges: [
            { forRole: "postgres", objects: "tables", grantee: "r", privileges: ["SELECT"] },
          ],
          roles: [
            {
              name: "r",
              login: false,
              superuser: false,
              inherit: true,
              createRole: false,
              createDb: false,
              bypassRls: false,
              replication: false,
              memberOf: [],
            },
          ],
        },
      }),
      catalog({
        access: {
          views: [],
          grants: [{ kind: "table", object: "t", grantee: "r", privileges: ["SELECT", "DELETE"] }],
          defaultPrivileges: [],
          roles: [
            {
              name: "r",
              login: true,
              superuser: false,
              inherit: true,
              createRole: false,
              createDb: false,
              bypassRls: false,
              replication: false,
              memberOf: ["gaia_app"],
            },
          ],
        },
      }),
      [
        {
          change: "changed",
          object: "role",
          name: "r",
          changes: [
            {
              attribute: "attributes",
              before: "NOLOGIN INHERIT",
              after: "LOGIN INHERIT, member of gaia_app",
            },
          ],
        },
        {
          change: "changed",
          object: "grant",
          name: "table t to r",
          changes: [{ attribute: "privileges", before: "SELECT", after: "SELECT, DELETE" }],
        },
        {
          change: "removed",
          object: "default privileges",
          name: "tables created by postgres to r",
          description: "SELECT",
        },
      ],
    ],
    [
      "nothing when equal",
      catalog({ tables: [table("t")] }),
      catalog({ tables: [table("t")] }),
      [],
    ],
  ])("%s", (_name, before, after, expected) => {
    expect(schemaChanges(before, after)).toEqual(expected);
  });
});

describe("mermaid", () => {
  it.each([
    ["character varying(255)", "varchar(255)"],
    ["timestamp without time zone", "timestamp"],
    ["timestamp(3) with time zone", "timestamptz(3)"],
    ["double precision", "float8"],
    ["numeric(10,2)", "numeric"],
    ["text[]", "text[]"],
    ["character(2)", "char(2)"],
    ["vector(384)", "vector(384)"],
    ['"my type"', "_my_type_"],
  ])("type %s → %s", (type, drawn) => {
    expect(mermaidType(type)).toBe(drawn);
  });

  it("draws keys, notes and one line per foreign key with its cardinality", () => {
    const c = catalog({
      tables: [
        table("users", {
          columns: [column("id", "uuid", false)],
          constraints: [
            { name: "users_pkey", type: "p", definition: "PRIMARY KEY (id)", comment: null },
          ],
        }),
        table("profiles", {
          columns: [column("user_id", "uuid", false), column("mentor_id", "uuid")],
          constraints: [
            {
              name: "profiles_user_id_key",
              type: "u",
              definition: "UNIQUE (user_id)",
              comment: null,
            },
            {
              name: "profiles_user_id_fkey",
              type: "f",
              definition: "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE",
              comment: null,
            },
            {
              name: "profiles_mentor_id_fkey",
              type: "f",
              definition: "FOREIGN KEY (mentor_id) REFERENCES users(id)",
              comment: null,
            },
          ],
        }),
      ],
    });
    expect(
      erDiagram(c, { tables: ["profiles"], notes: new Map([["profiles.mentor_id", "new"]]) }),
    ).toBe(
      [
        "erDiagram",
        "  profiles {",
        "    uuid user_id FK,UK",
        '    uuid mentor_id FK "new"',
        "  }",
        '  users ||--o| profiles : "user_id"',
        '  users |o--o{ profiles : "mentor_id"',
      ].join("\n"),
    );
  });
});

describe("squawk", () => {
  it("reads squawk 2.66.0's JSON (lines from 1) and knows the release the SQL lint pins", () => {
    // Printed by squawk-cli 2.66.0 for "ALTER TABLE users DROP COLUMN bio;" on line 2.
    const output =
      '[{"file":"d.sql","line":1,"column":18,"level":"Warning","message":"Dropping a column may break existing clients.","help":null,"rule_name":"ban-drop-column","column_end":33,"line_end":1}]';
    expect(parseSquawkJson(output)).toEqual([
      {
        file: "d.sql",
        line: 2,
        level: "Warning",
        rule: "ban-drop-column",
        message: "Dropping a column may break existing clients.",
        help: null,
      },
    ]);
    const lint = parse(
      readFileSync(join(__dirname, "../../.github/workflows/sql-lint.yml"), "utf8"),
    ) as { jobs: { squawk: { steps: { env?: { SQUAWK_VERSION?: string } }[] } } };
    const pinned = lint.jobs.squawk.steps.find((s) => s.env?.SQUAWK_VERSION)?.env?.SQUAWK_VERSION;
    expect(String(pinned)).toBe(SQUAWK_VERSION);
  });

  it.each([
    ["not JSON", "oops", 'squawk did not print JSON: "oops"'],
    ["not a list", "{}", "squawk's JSON is not a list of findings"],
    [
      "a finding without a rule",
      '[{"file":"a","line":0}]',
      "squawk finding 1 lacks file, line or rule_name",
    ],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseSquawkJson(text)).toThrow(message);
  });
});
