/**
 * The order the filler fills tables in: parents before children. A table that references itself,
 * or tables whose foreign keys form a cycle, get the nullable references of the cycle filled
 * afterwards (by UPDATE, from the rows then present); a cycle through NOT NULL columns only cannot
 * be filled, and its tables are skipped with the reason. Pure.
 */
import type { FillTable } from "./fillPlan";

export interface FillOrder {
  /** Tables in the order to fill them. */
  order: string[];
  /** Foreign keys filled after their tables, by UPDATE: table → constraint names. */
  deferred: Map<string, string[]>;
  /** Tables that cannot be filled, with the reason. */
  skipped: Map<string, string>;
}

export const foreignKeys = (t: FillTable) => t.constraints.filter((c) => c.type === "f");

function nullable(table: FillTable, columns: readonly string[]): boolean {
  return columns.every((c) => !table.columns.find((x) => x.name === c)?.notNull);
}

/** Tarjan's strongly connected components of child → parent edges, parents' components first. */
function components(names: string[], parents: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of parents.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.sort());
    }
  };
  for (const n of names) if (!index.has(n)) visit(n);
  return out;
}

export function fillOrder(tables: readonly FillTable[]): FillOrder {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const names = [...byName.keys()].sort();
  const parents = new Map<string, Set<string>>();
  for (const t of tables) {
    const set = new Set<string>();
    for (const fk of foreignKeys(t)) {
      if (fk.refTable !== null && fk.refTable !== t.name && byName.has(fk.refTable))
        set.add(fk.refTable);
    }
    parents.set(t.name, set);
  }
  const order: string[] = [];
  const deferred = new Map<string, string[]>();
  const skipped = new Map<string, string>();
  const defer = (table: string, fk: string) =>
    deferred.set(table, [...(deferred.get(table) ?? []), fk]);
  for (const t of tables) {
    for (const fk of foreignKeys(t)) {
      if (fk.refTable === t.name && nullable(t, fk.columns)) defer(t.name, fk.name);
    }
  }
  for (const component of components(names, parents)) {
    if (component.length === 1) {
      order.push(component[0] as string);
      continue;
    }
    // Inside a cycle: nullable references wait; what is left must be acyclic.
    const inside = new Set(component);
    const hard = new Map<string, Set<string>>();
    for (const name of component) {
      const t = byName.get(name) as FillTable;
      const set = new Set<string>();
      for (const fk of foreignKeys(t)) {
        if (fk.refTable === null || fk.refTable === name || !inside.has(fk.refTable)) continue;
        if (nullable(t, fk.columns)) defer(name, fk.name);
        else set.add(fk.refTable);
      }
      hard.set(name, set);
    }
    const sorted: string[] = [];
    const pending = new Set(component);
    while (pending.size > 0) {
      const ready = [...pending].filter((n) =>
        [...(hard.get(n) ?? [])].every((p) => !pending.has(p)),
      );
      if (ready.length === 0) break;
      for (const n of ready) {
        sorted.push(n);
        pending.delete(n);
      }
    }
    if (pending.size === 0) {
      order.push(...sorted);
      continue;
    }
    const cycle = component.map((n) => `\`${n}\``).join(", ");
    for (const n of component) {
      skipped.set(
        n,
        `its foreign keys form a cycle through NOT NULL columns (tables ${cycle}), which no order of inserts satisfies`,
      );
      deferred.delete(n);
    }
  }
  return { order, deferred, skipped };
}
