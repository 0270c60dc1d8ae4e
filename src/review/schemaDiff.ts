/**
 * What a change does to the schema, object by object, in the words a reviewer reads: each table,
 * column, constraint, index, trigger, function, sequence, view, extension, role, grant and default
 * privilege that is added, removed or changed between two catalog snapshots (taken with
 * `{ access: true }`). Pure.
 *
 * - A new table is one change that carries the table (its columns, keys, indexes and triggers
 *   are part of it, not changes of their own); a removed table is one change. Sequences owned by
 *   a new or removed table are covered by it.
 * - Comments are not reported: they change no behaviour.
 */
import type { Catalog, CatalogSequence, CatalogTable } from "../migrations/catalog";
import type {
  CatalogAccess,
  CatalogDefaultPrivilege,
  CatalogGrant,
} from "../migrations/catalogAccess";
import { describeFunction, describeRole, describeSequence } from "./describe";
import { attribute, pair, tableChanges } from "./tableDiff";

export { describeColumn, describeIndex, describeTrigger } from "./describe";

export type ChangeKind = "added" | "removed" | "changed";

export const OBJECT_KINDS = [
  "extension",
  "table",
  "column",
  "constraint",
  "index",
  "trigger",
  "view",
  "function",
  "sequence",
  "role",
  "grant",
  "default privileges",
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface AttributeChange {
  attribute: string;
  before: string;
  after: string;
}

export interface SchemaChange {
  change: ChangeKind;
  object: ObjectKind;
  /** Columns, constraints, indexes and triggers: the table they belong to. */
  table?: string;
  name: string;
  /** Added or removed: what the object is, e.g. `uuid, not null, default gen_random_uuid()`. */
  description?: string;
  /** Changed: each attribute that differs. */
  changes?: AttributeChange[];
  /** An added table, whole. */
  definition?: CatalogTable;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const grantKey = (g: CatalogGrant) => `${g.kind} ${g.object} to ${g.grantee}`;
const defaultKey = (d: CatalogDefaultPrivilege) =>
  `${d.objects} created by ${d.forRole} to ${d.grantee}`;

const EMPTY_ACCESS: CatalogAccess = { views: [], grants: [], defaultPrivileges: [], roles: [] };

/** Every difference between two snapshots of one schema, in a stable order (see OBJECT_KINDS). */
export function schemaChanges(before: Catalog, after: Catalog): SchemaChange[] {
  const out: SchemaChange[] = [];

  const extensions = pair(before.extensions, after.extensions, (e) => e.name);
  for (const e of extensions.added) {
    out.push({ change: "added", object: "extension", name: e.name, description: `in ${e.schema}` });
  }
  for (const e of extensions.removed) {
    out.push({
      change: "removed",
      object: "extension",
      name: e.name,
      description: `in ${e.schema}`,
    });
  }
  for (const [a, b] of extensions.both) {
    const changes = attribute("schema", a.schema, b.schema);
    if (changes.length > 0)
      out.push({ change: "changed", object: "extension", name: a.name, changes });
  }

  const tables = pair(before.tables, after.tables, (t) => t.name);
  for (const t of tables.added) {
    out.push({
      change: "added",
      object: "table",
      name: t.name,
      description: `${t.columns.length} column${t.columns.length === 1 ? "" : "s"}`,
      definition: t,
    });
  }
  for (const t of tables.removed) {
    out.push({
      change: "removed",
      object: "table",
      name: t.name,
      description: `${t.columns.length} column${t.columns.length === 1 ? "" : "s"}`,
    });
  }
  for (const [a, b] of tables.both) out.push(...tableChanges(a, b));

  const access = { before: before.access ?? EMPTY_ACCESS, after: after.access ?? EMPTY_ACCESS };
  const views = pair(access.before.views, access.after.views, (v) => v.name);
  for (const v of views.added) {
    out.push({ change: "added", object: "view", name: v.name, description: v.definition });
  }
  for (const v of views.removed) {
    out.push({ change: "removed", object: "view", name: v.name, description: v.definition });
  }
  for (const [a, b] of views.both) {
    const changes = [
      ...attribute("kind", a.kind, b.kind),
      ...attribute("definition", a.definition, b.definition),
    ];
    if (changes.length > 0) out.push({ change: "changed", object: "view", name: a.name, changes });
  }

  const functions = pair(before.functions, after.functions, (f) => f.signature);
  for (const f of functions.added) {
    out.push({
      change: "added",
      object: "function",
      name: f.signature,
      description: describeFunction(f),
    });
  }
  for (const f of functions.removed) {
    out.push({
      change: "removed",
      object: "function",
      name: f.signature,
      description: describeFunction(f),
    });
  }
  for (const [a, b] of functions.both) {
    const changes = [
      ...attribute("kind", a.kind, b.kind),
      ...attribute("result", a.result ?? "none", b.result ?? "none"),
      ...attribute("language", a.language, b.language),
      ...(a.bodyHash === b.bodyHash
        ? []
        : [{ attribute: "body", before: a.bodyHash.slice(0, 12), after: b.bodyHash.slice(0, 12) }]),
    ];
    if (changes.length > 0) {
      out.push({ change: "changed", object: "function", name: a.signature, changes });
    }
  }

  const covered = new Set([...tables.added, ...tables.removed].map((t) => t.name));
  const ownTable = (s: CatalogSequence) =>
    s.ownedBy !== null && covered.has(s.ownedBy.slice(0, s.ownedBy.lastIndexOf(".")));
  const sequences = pair(
    before.sequences.filter((s) => !ownTable(s)),
    after.sequences.filter((s) => !ownTable(s)),
    (s) => s.name,
  );
  for (const s of sequences.added) {
    out.push({
      change: "added",
      object: "sequence",
      name: s.name,
      description: describeSequence(s),
    });
  }
  for (const s of sequences.removed) {
    out.push({
      change: "removed",
      object: "sequence",
      name: s.name,
      description: describeSequence(s),
    });
  }
  for (const [a, b] of sequences.both) {
    const changes = attribute("definition", describeSequence(a), describeSequence(b));
    if (changes.length > 0)
      out.push({ change: "changed", object: "sequence", name: a.name, changes });
  }

  const roles = pair(access.before.roles, access.after.roles, (r) => r.name);
  for (const r of roles.added) {
    out.push({ change: "added", object: "role", name: r.name, description: describeRole(r) });
  }
  for (const r of roles.removed) {
    out.push({ change: "removed", object: "role", name: r.name, description: describeRole(r) });
  }
  for (const [a, b] of roles.both) {
    const changes = attribute("attributes", describeRole(a), describeRole(b));
    if (changes.length > 0) out.push({ change: "changed", object: "role", name: a.name, changes });
  }

  // A table that is gone takes its grants with it: only the table's removal is reported.
  const grants = pair(
    access.before.grants.filter((g) => !(g.kind === "table" && covered.has(g.object))),
    access.after.grants,
    grantKey,
  );
  for (const g of grants.added) {
    out.push({
      change: "added",
      object: "grant",
      name: grantKey(g),
      description: g.privileges.join(", "),
    });
  }
  for (const g of grants.removed) {
    out.push({
      change: "removed",
      object: "grant",
      name: grantKey(g),
      description: g.privileges.join(", "),
    });
  }
  for (const [a, b] of grants.both) {
    const changes = attribute("privileges", a.privileges.join(", "), b.privileges.join(", "));
    if (changes.length > 0)
      out.push({ change: "changed", object: "grant", name: grantKey(a), changes });
  }

  const defaults = pair(
    access.before.defaultPrivileges,
    access.after.defaultPrivileges,
    defaultKey,
  );
  for (const d of defaults.added) {
    out.push({
      change: "added",
      object: "default privileges",
      name: defaultKey(d),
      description: d.privileges.join(", "),
    });
  }
  for (const d of defaults.removed) {
    out.push({
      change: "removed",
      object: "default privileges",
      name: defaultKey(d),
      description: d.privileges.join(", "),
    });
  }
  for (const [a, b] of defaults.both) {
    const changes = attribute("privileges", a.privileges.join(", "), b.privileges.join(", "));
    if (changes.length > 0) {
      out.push({ change: "changed", object: "default privileges", name: defaultKey(a), changes });
    }
  }

  return out.sort(compareChanges);
}

const TABLE_FAMILY: readonly ObjectKind[] = ["table", "column", "constraint", "index", "trigger"];
const CHANGE_ORDER: Record<ChangeKind, number> = { added: 0, changed: 1, removed: 2 };

/** Extensions first, then per table its own changes, then views, functions, … (OBJECT_KINDS). */
function compareChanges(a: SchemaChange, b: SchemaChange): number {
  const group = (c: SchemaChange) =>
    TABLE_FAMILY.includes(c.object)
      ? OBJECT_KINDS.indexOf("table")
      : OBJECT_KINDS.indexOf(c.object);
  return (
    group(a) - group(b) ||
    compareText(a.table ?? a.name, b.table ?? b.name) ||
    OBJECT_KINDS.indexOf(a.object) - OBJECT_KINDS.indexOf(b.object) ||
    CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change] ||
    compareText(a.name, b.name)
  );
}

/** Tables whose structure (columns, keys, indexes, triggers) the changes touch, sorted. */
export function touchedTables(changes: readonly SchemaChange[]): string[] {
  const names = new Set<string>();
  for (const c of changes) {
    if (c.object === "table" && c.change !== "removed") names.add(c.name);
    else if (c.table !== undefined) names.add(c.table);
  }
  return [...names].sort(compareText);
}
