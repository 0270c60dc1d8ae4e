/**
 * The changes inside one table that exists before and after: columns, constraints, indexes and
 * triggers (see schemaDiff.ts for the whole schema). Pure.
 */
import type { CatalogTable } from "../migrations/catalog";
import { describeColumn, describeIndex, describeTrigger } from "./describe";
import type { AttributeChange, SchemaChange } from "./schemaDiff";

/** Pairs two keyed lists: removed, added, and both-present pairs. */
export function pair<T>(
  before: readonly T[],
  after: readonly T[],
  key: (item: T) => string,
): { removed: T[]; added: T[]; both: [T, T][] } {
  const afterByKey = new Map(after.map((item) => [key(item), item]));
  const beforeKeys = new Set(before.map(key));
  const removed: T[] = [];
  const both: [T, T][] = [];
  for (const item of before) {
    const match = afterByKey.get(key(item));
    if (match === undefined) removed.push(item);
    else both.push([item, match]);
  }
  return { removed, added: after.filter((item) => !beforeKeys.has(key(item))), both };
}

export /** One attribute change when the two texts differ. */
function attribute(name: string, before: string, after: string): AttributeChange[] {
  return before === after ? [] : [{ attribute: name, before, after }];
}

export function tableChanges(before: CatalogTable, after: CatalogTable): SchemaChange[] {
  const table = after.name;
  const out: SchemaChange[] = [];
  const columns = pair(before.columns, after.columns, (c) => c.name);
  for (const c of columns.added) {
    out.push({
      change: "added",
      object: "column",
      table,
      name: c.name,
      description: describeColumn(c),
    });
  }
  for (const c of columns.removed) {
    out.push({
      change: "removed",
      object: "column",
      table,
      name: c.name,
      description: describeColumn(c),
    });
  }
  for (const [a, b] of columns.both) {
    const changes = [
      ...attribute("type", a.type, b.type),
      ...attribute(
        "nullability",
        a.nullable ? "nullable" : "not null",
        b.nullable ? "nullable" : "not null",
      ),
      ...attribute("default", a.default ?? "none", b.default ?? "none"),
      ...attribute("identity", a.identity ?? "none", b.identity ?? "none"),
    ];
    if (changes.length > 0)
      out.push({ change: "changed", object: "column", table, name: a.name, changes });
  }
  const named = (
    object: "constraint" | "index" | "trigger",
    beforeItems: readonly { name: string; definition: string }[],
    afterItems: readonly { name: string; definition: string }[],
    describe: (definition: string) => string,
  ) => {
    const items = pair(beforeItems, afterItems, (i) => i.name);
    for (const i of items.added) {
      out.push({
        change: "added",
        object,
        table,
        name: i.name,
        description: describe(i.definition),
      });
    }
    for (const i of items.removed) {
      out.push({
        change: "removed",
        object,
        table,
        name: i.name,
        description: describe(i.definition),
      });
    }
    for (const [a, b] of items.both) {
      const changes = attribute("definition", describe(a.definition), describe(b.definition));
      if (changes.length > 0) out.push({ change: "changed", object, table, name: a.name, changes });
    }
  };
  named("constraint", before.constraints, after.constraints, (d) => d);
  named("index", before.indexes, after.indexes, describeIndex);
  named("trigger", before.triggers, after.triggers, describeTrigger);
  const triggers = pair(before.triggers, after.triggers, (t) => t.name);
  for (const [a, b] of triggers.both) {
    if (a.enabled !== b.enabled) {
      out.push({
        change: "changed",
        object: "trigger",
        table,
        name: a.name,
        changes: [
          {
            attribute: "enabled",
            before: a.enabled ? "enabled" : "disabled",
            after: b.enabled ? "enabled" : "disabled",
          },
        ],
      });
    }
  }
  return out;
}
