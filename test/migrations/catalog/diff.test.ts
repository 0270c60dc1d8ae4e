import { describe, expect, it } from "vitest";
import { type Catalog, type DiffOptions, diffCatalogs } from "../../../src/migrations/catalog";

/** A small catalog in snapshot form; every case below derives `actual` from a fresh copy. */
function base(): Catalog {
  return {
    schema: "public",
    extensions: [
      { name: "plpgsql", schema: "pg_catalog" },
      { name: "uuid-ossp", schema: "public" },
    ],
    tables: [
      {
        name: "conversations",
        comment: null,
        columns: [
          {
            name: "created_at",
            type: "timestamp without time zone",
            nullable: true,
            default: "CURRENT_TIMESTAMP",
            identity: null,
            comment: null,
          },
          {
            name: "id",
            type: "uuid",
            nullable: false,
            default: "gen_random_uuid()",
            identity: null,
            comment: null,
          },
        ],
        constraints: [
          { name: "conversations_pkey", type: "p", definition: "PRIMARY KEY (id)", comment: null },
        ],
        indexes: [
          {
            name: "idx_conversations_created_at",
            definition:
              "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at)",
            comment: null,
          },
        ],
        triggers: [
          {
            name: "update_conversations_updated_at",
            definition:
              "CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
            enabled: true,
          },
        ],
      },
      {
        name: "kb_permissions",
        comment: "Access control",
        columns: [
          {
            name: "id",
            type: "integer",
            nullable: false,
            default: "nextval('kb_permissions_id_seq'::regclass)",
            identity: null,
            comment: null,
          },
        ],
        constraints: [
          { name: "kb_permissions_pkey", type: "p", definition: "PRIMARY KEY (id)", comment: null },
        ],
        indexes: [],
        triggers: [],
      },
    ],
    functions: [
      {
        signature: "update_updated_at_column()",
        kind: "function",
        result: "trigger",
        language: "plpgsql",
        bodyHash: "aaaa",
        comment: null,
      },
    ],
    sequences: [{ name: "kb_permissions_id_seq", type: "integer", ownedBy: "kb_permissions.id" }],
  };
}

const table = (catalog: Catalog, name: string) => catalog.tables.find((t) => t.name === name)!;
const conversations = (catalog: Catalog) => table(catalog, "conversations");

const CASES: [string, (actual: Catalog) => void, string[]][] = [
  ["equal catalogs", () => {}, []],
  [
    "missing extension",
    (a) => {
      a.extensions = a.extensions.filter((e) => e.name !== "uuid-ossp");
    },
    ["extension uuid-ossp: missing"],
  ],
  [
    "unexpected extension",
    (a) => {
      a.extensions.push({ name: "vector", schema: "public" });
    },
    ["extension vector: unexpected"],
  ],
  [
    "extension in another schema",
    (a) => {
      a.extensions[1]!.schema = "extensions";
    },
    ['extension uuid-ossp: schema: expected "public" but found "extensions"'],
  ],
  [
    "missing table (its owned sequence is covered by the table line)",
    (a) => {
      a.tables = a.tables.filter((t) => t.name !== "kb_permissions");
      a.sequences = [];
    },
    ["table public.kb_permissions: missing table"],
  ],
  [
    "unexpected table with its serial sequence",
    (a) => {
      a.tables.push({
        name: "schema_migrations",
        comment: null,
        columns: [],
        constraints: [],
        indexes: [],
        triggers: [],
      });
      a.sequences.push({
        name: "schema_migrations_id_seq",
        type: "integer",
        ownedBy: "schema_migrations.id",
      });
    },
    ["table public.schema_migrations: unexpected table"],
  ],
  [
    "table comment",
    (a) => {
      table(a, "kb_permissions").comment = null;
    },
    ['table public.kb_permissions: comment: expected "Access control" but found none'],
  ],
  [
    "missing column",
    (a) => {
      conversations(a).columns.shift();
    },
    [
      "table public.conversations: column created_at: missing (timestamp without time zone, nullable, default CURRENT_TIMESTAMP)",
    ],
  ],
  [
    "unexpected column",
    (a) => {
      conversations(a).columns.push({
        name: "embedding",
        type: "vector(384)",
        nullable: true,
        default: null,
        identity: null,
        comment: null,
      });
    },
    ["table public.conversations: column embedding: unexpected (vector(384), nullable)"],
  ],
  [
    "column type",
    (a) => {
      conversations(a).columns[0]!.type = "timestamp with time zone";
    },
    [
      'table public.conversations: column created_at: type: expected "timestamp without time zone" but found "timestamp with time zone"',
    ],
  ],
  [
    "column nullability",
    (a) => {
      conversations(a).columns[1]!.nullable = true;
    },
    ["table public.conversations: column id: nullable: expected not null but found nullable"],
  ],
  [
    "column default text",
    (a) => {
      conversations(a).columns[0]!.default = "now()";
    },
    [
      'table public.conversations: column created_at: default: expected "CURRENT_TIMESTAMP" but found "now()"',
    ],
  ],
  [
    "column default dropped",
    (a) => {
      conversations(a).columns[1]!.default = null;
    },
    ['table public.conversations: column id: default: expected "gen_random_uuid()" but found none'],
  ],
  [
    "column identity",
    (a) => {
      table(a, "kb_permissions").columns[0]!.identity = "always";
    },
    ['table public.kb_permissions: column id: identity: expected none but found "always"'],
  ],
  [
    "column comment",
    (a) => {
      conversations(a).columns[1]!.comment = "Conversation id";
    },
    ['table public.conversations: column id: comment: expected none but found "Conversation id"'],
  ],
  [
    "missing constraint",
    (a) => {
      conversations(a).constraints = [];
    },
    ["table public.conversations: constraint conversations_pkey: missing (PRIMARY KEY (id))"],
  ],
  [
    "unexpected constraint",
    (a) => {
      conversations(a).constraints.push({
        name: "conversations_title_check",
        type: "c",
        definition: "CHECK ((length((title)::text) > 0))",
        comment: null,
      });
    },
    [
      "table public.conversations: constraint conversations_title_check: unexpected (CHECK ((length((title)::text) > 0)))",
    ],
  ],
  [
    "constraint definition",
    (a) => {
      table(a, "kb_permissions").constraints[0]!.definition = "PRIMARY KEY (id, principal_id)";
    },
    [
      'table public.kb_permissions: constraint kb_permissions_pkey: expected "PRIMARY KEY (id)" but found "PRIMARY KEY (id, principal_id)"',
    ],
  ],
  [
    "constraint comment",
    (a) => {
      table(a, "kb_permissions").constraints[0]!.comment = "Surrogate key";
    },
    [
      'table public.kb_permissions: constraint kb_permissions_pkey: comment: expected none but found "Surrogate key"',
    ],
  ],
  [
    "missing index",
    (a) => {
      conversations(a).indexes = [];
    },
    [
      "table public.conversations: index idx_conversations_created_at: missing (CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at))",
    ],
  ],
  [
    "unexpected index",
    (a) => {
      conversations(a).indexes.push({
        name: "idx_extra",
        definition: "CREATE INDEX idx_extra ON public.conversations USING btree (id)",
        comment: null,
      });
    },
    [
      "table public.conversations: index idx_extra: unexpected (CREATE INDEX idx_extra ON public.conversations USING btree (id))",
    ],
  ],
  [
    "index definition (ascending vs DESC)",
    (a) => {
      conversations(a).indexes[0]!.definition =
        "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at DESC)";
    },
    [
      'table public.conversations: index idx_conversations_created_at: expected "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at)" but found "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at DESC)"',
    ],
  ],
  [
    "index comment",
    (a) => {
      conversations(a).indexes[0]!.comment = "Newest first";
    },
    [
      'table public.conversations: index idx_conversations_created_at: comment: expected none but found "Newest first"',
    ],
  ],
  [
    "missing trigger",
    (a) => {
      conversations(a).triggers = [];
    },
    [
      "table public.conversations: trigger update_conversations_updated_at: missing (CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column())",
    ],
  ],
  [
    "unexpected trigger",
    (a) => {
      table(a, "kb_permissions").triggers.push({
        name: "kb_touch",
        definition:
          "CREATE TRIGGER kb_touch BEFORE UPDATE ON public.kb_permissions FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
        enabled: true,
      });
    },
    [
      "table public.kb_permissions: trigger kb_touch: unexpected (CREATE TRIGGER kb_touch BEFORE UPDATE ON public.kb_permissions FOR EACH ROW EXECUTE FUNCTION update_updated_at_column())",
    ],
  ],
  [
    "trigger definition",
    (a) => {
      conversations(a).triggers[0]!.definition =
        "CREATE TRIGGER update_conversations_updated_at AFTER UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()";
    },
    [
      'table public.conversations: trigger update_conversations_updated_at: expected "CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()" but found "CREATE TRIGGER update_conversations_updated_at AFTER UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()"',
    ],
  ],
  [
    "disabled trigger",
    (a) => {
      conversations(a).triggers[0]!.enabled = false;
    },
    [
      "table public.conversations: trigger update_conversations_updated_at: expected enabled but found disabled",
    ],
  ],
  [
    "missing function",
    (a) => {
      a.functions = [];
    },
    ["function public.update_updated_at_column(): missing (returns trigger, language plpgsql)"],
  ],
  [
    "unexpected procedure",
    (a) => {
      a.functions.push({
        signature: "cleanup(days integer)",
        kind: "procedure",
        result: null,
        language: "sql",
        bodyHash: "bbbb",
        comment: null,
      });
    },
    ["function public.cleanup(days integer): unexpected (procedure, language sql)"],
  ],
  [
    "function result",
    (a) => {
      a.functions[0]!.result = "void";
    },
    ['function public.update_updated_at_column(): result: expected "trigger" but found "void"'],
  ],
  [
    "function language",
    (a) => {
      a.functions[0]!.language = "sql";
    },
    ['function public.update_updated_at_column(): language: expected "plpgsql" but found "sql"'],
  ],
  [
    "function kind",
    (a) => {
      a.functions[0]!.kind = "aggregate";
    },
    ["function public.update_updated_at_column(): kind: expected function but found aggregate"],
  ],
  [
    "function body",
    (a) => {
      a.functions[0]!.bodyHash = "cccc";
    },
    ["function public.update_updated_at_column(): body differs"],
  ],
  [
    "function comment",
    (a) => {
      a.functions[0]!.comment = "Touches updated_at";
    },
    [
      'function public.update_updated_at_column(): comment: expected none but found "Touches updated_at"',
    ],
  ],
  [
    "missing sequence",
    (a) => {
      a.sequences = [];
    },
    ["sequence public.kb_permissions_id_seq: missing (integer, owned by kb_permissions.id)"],
  ],
  [
    "unexpected free-standing sequence",
    (a) => {
      a.sequences.push({ name: "ticket_seq", type: "bigint", ownedBy: null });
    },
    ["sequence public.ticket_seq: unexpected (bigint, not owned)"],
  ],
  [
    "sequence type",
    (a) => {
      a.sequences[0]!.type = "bigint";
    },
    ['sequence public.kb_permissions_id_seq: type: expected "integer" but found "bigint"'],
  ],
  [
    "sequence owner",
    (a) => {
      a.sequences[0]!.ownedBy = null;
    },
    [
      'sequence public.kb_permissions_id_seq: owned by: expected "kb_permissions.id" but found none',
    ],
  ],
  [
    "several differences come back sorted",
    (a) => {
      a.functions[0]!.bodyHash = "cccc";
      a.extensions.push({ name: "vector", schema: "public" });
      conversations(a).triggers = [];
      conversations(a).columns[0]!.default = "now()";
    },
    [
      "extension vector: unexpected",
      "function public.update_updated_at_column(): body differs",
      'table public.conversations: column created_at: default: expected "CURRENT_TIMESTAMP" but found "now()"',
      "table public.conversations: trigger update_conversations_updated_at: missing (CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column())",
    ],
  ],
];

describe("diffCatalogs", () => {
  it.each(CASES)("%s", (_name, mutate, lines) => {
    const actual = base();
    mutate(actual);
    expect(diffCatalogs(base(), actual)).toEqual(lines);
  });

  it("reports the mirror image when expected and actual swap", () => {
    const actual = base();
    actual.extensions.push({ name: "vector", schema: "public" });
    conversations(actual).columns[0]!.nullable = false;
    expect(diffCatalogs(actual, base())).toEqual([
      "extension vector: missing",
      "table public.conversations: column created_at: nullable: expected not null but found nullable",
    ]);
  });

  it("does not depend on the order of any list in either snapshot", () => {
    const shuffled = base();
    shuffled.extensions.reverse();
    shuffled.tables.reverse();
    for (const t of shuffled.tables) {
      t.columns.reverse();
      t.constraints.reverse();
    }
    shuffled.functions[0]!.bodyHash = "cccc";
    const plain = base();
    plain.functions[0]!.bodyHash = "cccc";
    expect(diffCatalogs(base(), shuffled)).toEqual(diffCatalogs(base(), plain));
    expect(diffCatalogs(base(), shuffled)).toEqual([
      "function public.update_updated_at_column(): body differs",
    ]);
    const reordered = base();
    reordered.tables.reverse();
    expect(diffCatalogs(reordered, base())).toEqual([]);
  });

  const ignoring: [string, DiffOptions, (a: Catalog) => void, string[]][] = [
    [
      "functionBodies hides a body difference but not a language difference",
      { ignore: ["functionBodies"] },
      (a) => {
        a.functions[0]!.bodyHash = "cccc";
        a.functions[0]!.language = "sql";
      },
      ['function public.update_updated_at_column(): language: expected "plpgsql" but found "sql"'],
    ],
    [
      "comments hides every kind of comment",
      { ignore: ["comments"] },
      (a) => {
        table(a, "kb_permissions").comment = null;
        conversations(a).columns[0]!.comment = "x";
        conversations(a).constraints[0]!.comment = "x";
        conversations(a).indexes[0]!.comment = "x";
        a.functions[0]!.comment = "x";
        a.functions[0]!.bodyHash = "cccc";
      },
      ["function public.update_updated_at_column(): body differs"],
    ],
    [
      "ignoreTables hides a legacy table on either side, with the sequence it owns",
      { ignoreTables: ["schema_migrations"] },
      (a) => {
        a.tables.push({
          name: "schema_migrations",
          comment: null,
          columns: [],
          constraints: [],
          indexes: [],
          triggers: [],
        });
        a.sequences.push({
          name: "schema_migrations_id_seq",
          type: "integer",
          ownedBy: "schema_migrations.id",
        });
      },
      [],
    ],
    [
      "ignoreTables leaves other tables compared",
      { ignoreTables: ["schema_migrations"] },
      (a) => {
        a.tables = a.tables.filter((t) => t.name !== "conversations");
      },
      ["table public.conversations: missing table"],
    ],
  ];
  it.each(ignoring)("option: %s", (_name, options, mutate, lines) => {
    const actual = base();
    mutate(actual);
    expect(diffCatalogs(base(), actual, options)).toEqual(lines);
  });
});
