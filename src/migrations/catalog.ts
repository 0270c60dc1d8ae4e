/**
 * Catalog snapshot and diff for one schema: what `baseline` compares (the live database against
 * the schema the migration files produce in a scratch database) and what `verify` reads.
 *
 * Decisions, kept consistent across snapshot and diff:
 * - Definitions are PostgreSQL's own text (format_type, pg_get_expr, pg_get_constraintdef,
 *   pg_get_indexdef, pg_get_triggerdef), read with `search_path` pinned to the snapshot's schema,
 *   so objects of that schema print unqualified (`nextval('t_id_seq'::regclass)`) whatever the
 *   caller's session settings are. Index and trigger definitions always name the table
 *   schema-qualified (`ON public.users`); that is PostgreSQL's behaviour.
 * - Indexes that back a primary-key, unique or exclusion constraint are NOT listed as indexes:
 *   the constraint (with its definition) already describes them, and listing both would report
 *   one difference twice.
 * - Physical column order is NOT compared: columns are sorted by name. The live reference build
 *   has `kb_semantic_chunk_ids.chunk_text, embedding` (pgvector, added by 007) before `namespace`
 *   (added by 008), an order a build without pgvector cannot reproduce, and order has no effect
 *   on the application (it never uses `SELECT *` positionally or `INSERT` without column lists).
 * - Objects that belong to an extension (uuid-ossp and pgvector install their functions and types
 *   into `public`) are left out; the extension itself is listed instead.
 * - Everything is sorted by plain code-unit order (never locale order) and holds only strings,
 *   booleans and nulls, so a snapshot is deterministic and JSON-serialisable for the ledger.
 * - Not captured by default (none of the 19 live tables use them, and baseline must not compare
 *   them): views, privileges and roles, which `{ access: true }` adds (catalogAccess.ts) for the
 *   schema review; never captured: user-defined types, row-level security policies, column
 *   collations, function volatility and security attributes.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { ACCESS_RESULTS, accessFromRows, accessQueries, type CatalogAccess } from "./catalogAccess";

export interface CatalogExtension {
  name: string;
  /** Schema the extension's objects live in. Versions are not recorded: they vary per server. */
  schema: string;
}

export interface CatalogColumn {
  name: string;
  /** format_type(), e.g. `character varying(255)`, `timestamp without time zone`. */
  type: string;
  nullable: boolean;
  /** pg_get_expr() of the default, or `GENERATED ALWAYS AS (…) STORED`; null when none. */
  default: string | null;
  identity: "always" | "by default" | null;
  comment: string | null;
}

export type ConstraintType = "p" | "u" | "f" | "c" | "x" | "t";

export interface CatalogConstraint {
  name: string;
  /** pg_constraint.contype: p primary key, u unique, f foreign key, c check, x exclusion, t trigger. */
  type: ConstraintType;
  /** pg_get_constraintdef(), e.g. `FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`. */
  definition: string;
  comment: string | null;
}

export interface CatalogIndex {
  name: string;
  /** pg_get_indexdef(), e.g. `CREATE INDEX idx_x ON public.t USING btree (created_at DESC)`. */
  definition: string;
  comment: string | null;
}

export interface CatalogTrigger {
  name: string;
  /** pg_get_triggerdef(); internal (FK) triggers are excluded. */
  definition: string;
  enabled: boolean;
}

export interface CatalogTable {
  name: string;
  comment: string | null;
  columns: CatalogColumn[];
  constraints: CatalogConstraint[];
  indexes: CatalogIndex[];
  triggers: CatalogTrigger[];
}

export interface CatalogFunction {
  /** `name(identity arguments)`, e.g. `update_updated_at_column()`; the key for overloads. */
  signature: string;
  kind: "function" | "procedure" | "aggregate" | "window";
  /** pg_get_function_result(); null for procedures. */
  result: string | null;
  language: string;
  /** sha256 of the body with whitespace runs collapsed and ends trimmed (see normaliseBody). */
  bodyHash: string;
  comment: string | null;
}

export interface CatalogSequence {
  name: string;
  /** format_type of the sequence's data type, e.g. `integer` for serial. */
  type: string;
  /** `table.column` owning the sequence (serial / identity / OWNED BY), or null. */
  ownedBy: string | null;
}

export interface Catalog {
  schema: string;
  extensions: CatalogExtension[];
  tables: CatalogTable[];
  functions: CatalogFunction[];
  sequences: CatalogSequence[];
  /** Views, privileges and roles: present only in a snapshot taken with `{ access: true }`. */
  access?: CatalogAccess;
}

export interface SnapshotOptions {
  /** Also capture views, privileges, default privileges and the roles they name. */
  access?: boolean;
}

/** Code-unit order: identical on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => compareText(a.name, b.name));
}

/** Whitespace runs collapse to one space: reformatting a body is not a behaviour change. */
export function normaliseBody(body: string): string {
  return body.replace(/\s+/g, " ").trim();
}

export function bodyHash(body: string): string {
  return createHash("sha256").update(normaliseBody(body), "utf8").digest("hex");
}

/** `NOT EXISTS` filter that drops objects owned by an extension (deptype 'e'). */
function notExtensionMember(catalog: "pg_class" | "pg_proc", oid: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass
    AND d.objid = ${oid} AND d.deptype = 'e')`;
}

/**
 * The statements of one simple-protocol round trip. The search_path is set with is_local = true,
 * so it reverts at the end of the implicit transaction; when the caller is inside its own
 * transaction the previous value is restored by the last statement instead.
 */
function snapshotQuery(schemaLiteral: string, searchPathLiteral: string, access: boolean): string {
  const tableFilter = `c.relnamespace = n.oid AND n.nspname = ${schemaLiteral}
      AND c.relkind IN ('r', 'p') AND ${notExtensionMember("pg_class", "c.oid")}`;
  return `
SELECT set_config('gaia_catalog.saved_search_path', current_setting('search_path'), true);
SELECT set_config('search_path', ${searchPathLiteral}, true);
SELECT e.extname AS name, en.nspname AS schema
  FROM pg_extension e JOIN pg_namespace en ON en.oid = e.extnamespace;
SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c, pg_namespace n WHERE ${tableFilter};
SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable, pg_get_expr(ad.adbin, ad.adrelid) AS default,
       a.attgenerated AS generated, a.attidentity AS identity,
       col_description(c.oid, a.attnum) AS comment
  FROM pg_class c
  JOIN pg_namespace n ON true
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  WHERE ${tableFilter};
SELECT c.relname AS table, k.conname AS name, k.contype AS type,
       pg_get_constraintdef(k.oid) AS definition, obj_description(k.oid, 'pg_constraint') AS comment
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON true
  WHERE ${tableFilter};
SELECT c.relname AS table, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
       obj_description(i.indexrelid, 'pg_class') AS comment
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON true
  WHERE ${tableFilter}
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = i.indrelid
                    AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'));
SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
       t.tgenabled <> 'D' AS enabled
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON true
  WHERE NOT t.tgisinternal AND ${tableFilter};
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
       p.prokind AS kind, pg_get_function_result(p.oid) AS result, l.lanname AS language,
       p.prosrc AS body, obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
  WHERE n.nspname = ${schemaLiteral} AND ${notExtensionMember("pg_proc", "p.oid")};
SELECT c.relname AS name, format_type(s.seqtypid, NULL) AS type,
       (SELECT tc.relname || '.' || a.attname
          FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid
          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
          LIMIT 1) AS owned_by
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_sequence s ON s.seqrelid = c.oid
  WHERE n.nspname = ${schemaLiteral} AND ${notExtensionMember("pg_class", "c.oid")};
${access ? accessQueries(schemaLiteral, notExtensionMember) : ""}
SELECT set_config('search_path', current_setting('gaia_catalog.saved_search_path'), true);
`;
}

type Row = Record<string, unknown>;

const str = (value: unknown): string => String(value);
const strOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

const FUNCTION_KINDS: Record<string, CatalogFunction["kind"]> = {
  f: "function",
  p: "procedure",
  a: "aggregate",
  w: "window",
};

/** Snapshot of one schema (default `public`) in a single round trip. */
export async function snapshotCatalog(
  client: pg.ClientBase,
  schema = "public",
  options: SnapshotOptions = {},
): Promise<Catalog> {
  const query = snapshotQuery(
    client.escapeLiteral(schema),
    client.escapeLiteral(client.escapeIdentifier(schema)),
    options.access === true,
  );
  // A multi-statement simple query resolves to one result per statement.
  const results = (await client.query(query)) as unknown as pg.QueryResult<Row>[];
  const rowsOf = (index: number): Row[] => results[index]?.rows ?? [];
  const [extensions, tables, columns, constraints, indexes, triggers, functions, sequences] = [
    2, 3, 4, 5, 6, 7, 8, 9,
  ].map(rowsOf) as [Row[], Row[], Row[], Row[], Row[], Row[], Row[], Row[]];

  const perTable = new Map<string, CatalogTable>();
  for (const row of tables) {
    perTable.set(str(row.name), {
      name: str(row.name),
      comment: strOrNull(row.comment),
      columns: [],
      constraints: [],
      indexes: [],
      triggers: [],
    });
  }
  const tableOf = (row: Row): CatalogTable => {
    const table = perTable.get(str(row.table));
    if (!table) throw new Error(`catalog snapshot: object of unknown table ${str(row.table)}`);
    return table;
  };
  for (const row of columns) {
    const expression = strOrNull(row.default);
    tableOf(row).columns.push({
      name: str(row.name),
      type: str(row.type),
      nullable: row.nullable === true,
      default:
        row.generated === "s" && expression !== null
          ? `GENERATED ALWAYS AS (${expression}) STORED`
          : expression,
      identity: row.identity === "a" ? "always" : row.identity === "d" ? "by default" : null,
      comment: strOrNull(row.comment),
    });
  }
  for (const row of constraints) {
    tableOf(row).constraints.push({
      name: str(row.name),
      type: str(row.type) as ConstraintType,
      definition: str(row.definition),
      comment: strOrNull(row.comment),
    });
  }
  for (const row of indexes) {
    tableOf(row).indexes.push({
      name: str(row.name),
      definition: str(row.definition),
      comment: strOrNull(row.comment),
    });
  }
  for (const row of triggers) {
    tableOf(row).triggers.push({
      name: str(row.name),
      definition: str(row.definition),
      enabled: row.enabled === true,
    });
  }

  const catalog: Catalog = {
    schema,
    extensions: byName(extensions.map((row) => ({ name: str(row.name), schema: str(row.schema) }))),
    tables: byName([...perTable.values()]).map((table) => ({
      ...table,
      columns: byName(table.columns),
      constraints: byName(table.constraints),
      indexes: byName(table.indexes),
      triggers: byName(table.triggers),
    })),
    functions: functions
      .map(
        (row): CatalogFunction => ({
          signature: str(row.signature),
          kind: FUNCTION_KINDS[str(row.kind)] ?? "function",
          result: strOrNull(row.result),
          language: str(row.language),
          bodyHash: bodyHash(str(row.body)),
          comment: strOrNull(row.comment),
        }),
      )
      .sort((a, b) => compareText(a.signature, b.signature)),
    sequences: byName(
      sequences.map((row) => ({
        name: str(row.name),
        type: str(row.type),
        ownedBy: strOrNull(row.owned_by),
      })),
    ),
  };
  if (options.access === true) {
    const first = 10;
    catalog.access = accessFromRows(
      Array.from({ length: ACCESS_RESULTS }, (_, i) => rowsOf(first + i)),
    );
  }
  return catalog;
}

// ---------------------------------------------------------------------------------------------
// Diff

export type DiffIgnorable = "functionBodies" | "comments";

export interface DiffOptions {
  /**
   * What not to compare. `baseline` should pass `["functionBodies"]`: the live reference build's
   * `update_updated_at_column` is 001's `now()` body, a database whose last definition came from
   * init or apply_remote_migrations.py has `CURRENT_TIMESTAMP`, and both set the transaction start
   * time. Signature, result type and language are still compared.
   * Comments should be compared: the live tables carry them and core/0001 reproduces them.
   */
  ignore?: DiffIgnorable[];
  /**
   * Table names (in the compared schema) to leave out on both sides, with the sequences they own,
   * e.g. `["schema_migrations"]` for the legacy tracker of migrate-database.sh. By default such a
   * table is reported as unexpected.
   */
  ignoreTables?: string[];
}

const show = (value: string | null): string => (value === null ? "none" : `"${value}"`);

function describeColumn(column: CatalogColumn): string {
  const parts = [column.type, column.nullable ? "nullable" : "not null"];
  if (column.default !== null) parts.push(`default ${column.default}`);
  if (column.identity !== null) parts.push(`identity ${column.identity}`);
  return `(${parts.join(", ")})`;
}

function describeFunction(fn: CatalogFunction): string {
  const returns = fn.result === null ? fn.kind : `returns ${fn.result}`;
  return `(${returns}, language ${fn.language})`;
}

function describeSequence(sequence: CatalogSequence): string {
  const owner = sequence.ownedBy === null ? "not owned" : `owned by ${sequence.ownedBy}`;
  return `(${sequence.type}, ${owner})`;
}

/** Pairs two keyed lists: missing, unexpected, and both-present pairs, each in key order. */
function pair<T>(
  expected: T[],
  actual: T[],
  key: (item: T) => string,
): { missing: T[]; unexpected: T[]; both: [T, T][] } {
  const actualByKey = new Map(actual.map((item) => [key(item), item]));
  const expectedKeys = new Set(expected.map(key));
  const missing: T[] = [];
  const both: [T, T][] = [];
  for (const item of expected) {
    const match = actualByKey.get(key(item));
    if (match === undefined) missing.push(item);
    else both.push([item, match]);
  }
  const unexpected = actual.filter((item) => !expectedKeys.has(key(item)));
  return { missing, unexpected, both };
}

/**
 * One human-readable line per difference between two snapshots, sorted; `[]` means equal.
 * Lines are prefixed with the object they concern (`table public.users: column email: …`), so the
 * sort groups them per object.
 */
export function diffCatalogs(
  expected: Catalog,
  actual: Catalog,
  options: DiffOptions = {},
): string[] {
  const ignore = new Set(options.ignore ?? []);
  const compareComments = !ignore.has("comments");
  const ignoredTables = new Set(options.ignoreTables ?? []);
  const schema = expected.schema;
  const lines: string[] = [];

  const extensions = pair(expected.extensions, actual.extensions, (e) => e.name);
  for (const e of extensions.missing) lines.push(`extension ${e.name}: missing`);
  for (const e of extensions.unexpected) lines.push(`extension ${e.name}: unexpected`);
  for (const [want, got] of extensions.both) {
    if (want.schema !== got.schema) {
      lines.push(
        `extension ${want.name}: schema: expected "${want.schema}" but found "${got.schema}"`,
      );
    }
  }

  const keep = (table: CatalogTable) => !ignoredTables.has(table.name);
  const tables = pair(expected.tables.filter(keep), actual.tables.filter(keep), (t) => t.name);
  for (const t of tables.missing) lines.push(`table ${schema}.${t.name}: missing table`);
  for (const t of tables.unexpected) lines.push(`table ${schema}.${t.name}: unexpected table`);
  for (const [want, got] of tables.both) {
    lines.push(...diffTable(`table ${schema}.${want.name}`, want, got, compareComments));
  }

  const functions = pair(expected.functions, actual.functions, (f) => f.signature);
  for (const f of functions.missing) {
    lines.push(`function ${schema}.${f.signature}: missing ${describeFunction(f)}`);
  }
  for (const f of functions.unexpected) {
    lines.push(`function ${schema}.${f.signature}: unexpected ${describeFunction(f)}`);
  }
  for (const [want, got] of functions.both) {
    const prefix = `function ${schema}.${want.signature}`;
    if (want.kind !== got.kind)
      lines.push(`${prefix}: kind: expected ${want.kind} but found ${got.kind}`);
    if (want.result !== got.result) {
      lines.push(`${prefix}: result: expected ${show(want.result)} but found ${show(got.result)}`);
    }
    if (want.language !== got.language) {
      lines.push(`${prefix}: language: expected "${want.language}" but found "${got.language}"`);
    }
    if (!ignore.has("functionBodies") && want.bodyHash !== got.bodyHash) {
      lines.push(`${prefix}: body differs`);
    }
    if (compareComments && want.comment !== got.comment) {
      lines.push(
        `${prefix}: comment: expected ${show(want.comment)} but found ${show(got.comment)}`,
      );
    }
  }

  // A sequence owned by a table that is ignored, missing or unexpected is covered by that table.
  const reportedTables = new Set([
    ...ignoredTables,
    ...tables.missing.map((t) => t.name),
    ...tables.unexpected.map((t) => t.name),
  ]);
  const keepSequence = (s: CatalogSequence) =>
    s.ownedBy === null || !reportedTables.has(s.ownedBy.slice(0, s.ownedBy.lastIndexOf(".")));
  const sequences = pair(
    expected.sequences.filter(keepSequence),
    actual.sequences.filter(keepSequence),
    (s) => s.name,
  );
  for (const s of sequences.missing) {
    lines.push(`sequence ${schema}.${s.name}: missing ${describeSequence(s)}`);
  }
  for (const s of sequences.unexpected) {
    lines.push(`sequence ${schema}.${s.name}: unexpected ${describeSequence(s)}`);
  }
  for (const [want, got] of sequences.both) {
    const prefix = `sequence ${schema}.${want.name}`;
    if (want.type !== got.type) {
      lines.push(`${prefix}: type: expected "${want.type}" but found "${got.type}"`);
    }
    if (want.ownedBy !== got.ownedBy) {
      lines.push(
        `${prefix}: owned by: expected ${show(want.ownedBy)} but found ${show(got.ownedBy)}`,
      );
    }
  }

  return lines.sort(compareText);
}

function diffTable(
  prefix: string,
  want: CatalogTable,
  got: CatalogTable,
  compareComments: boolean,
): string[] {
  const lines: string[] = [];
  if (compareComments && want.comment !== got.comment) {
    lines.push(`${prefix}: comment: expected ${show(want.comment)} but found ${show(got.comment)}`);
  }

  const columns = pair(want.columns, got.columns, (c) => c.name);
  for (const c of columns.missing)
    lines.push(`${prefix}: column ${c.name}: missing ${describeColumn(c)}`);
  for (const c of columns.unexpected) {
    lines.push(`${prefix}: column ${c.name}: unexpected ${describeColumn(c)}`);
  }
  for (const [a, b] of columns.both) {
    const at = `${prefix}: column ${a.name}`;
    if (a.type !== b.type) lines.push(`${at}: type: expected "${a.type}" but found "${b.type}"`);
    if (a.nullable !== b.nullable) {
      const word = (nullable: boolean) => (nullable ? "nullable" : "not null");
      lines.push(`${at}: nullable: expected ${word(a.nullable)} but found ${word(b.nullable)}`);
    }
    if (a.default !== b.default) {
      lines.push(`${at}: default: expected ${show(a.default)} but found ${show(b.default)}`);
    }
    if (a.identity !== b.identity) {
      lines.push(`${at}: identity: expected ${show(a.identity)} but found ${show(b.identity)}`);
    }
    if (compareComments && a.comment !== b.comment) {
      lines.push(`${at}: comment: expected ${show(a.comment)} but found ${show(b.comment)}`);
    }
  }

  // Constraints, indexes and triggers share one shape: a name, a definition, maybe a comment.
  const named = <T extends { name: string; definition: string; comment?: string | null }>(
    kind: string,
    wantItems: T[],
    gotItems: T[],
    extra?: (a: T, b: T, at: string) => string[],
  ) => {
    const items = pair(wantItems, gotItems, (item) => item.name);
    for (const item of items.missing)
      lines.push(`${prefix}: ${kind} ${item.name}: missing (${item.definition})`);
    for (const item of items.unexpected) {
      lines.push(`${prefix}: ${kind} ${item.name}: unexpected (${item.definition})`);
    }
    for (const [a, b] of items.both) {
      const at = `${prefix}: ${kind} ${a.name}`;
      if (a.definition !== b.definition) {
        lines.push(`${at}: expected "${a.definition}" but found "${b.definition}"`);
      }
      const aComment = a.comment ?? null;
      const bComment = b.comment ?? null;
      if (compareComments && aComment !== bComment) {
        lines.push(`${at}: comment: expected ${show(aComment)} but found ${show(bComment)}`);
      }
      if (extra) lines.push(...extra(a, b, at));
    }
  };
  named("constraint", want.constraints, got.constraints);
  named("index", want.indexes, got.indexes);
  named("trigger", want.triggers, got.triggers, (a, b, at) =>
    a.enabled === b.enabled
      ? []
      : [
          `${at}: expected ${a.enabled ? "enabled" : "disabled"} but found ${b.enabled ? "enabled" : "disabled"}`,
        ],
  );
  return lines;
}
