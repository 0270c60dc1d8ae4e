/**
 * What the filler puts in each column of a table, decided from the table's shape alone. Pure.
 * Identity, generated and serial columns are left to PostgreSQL; foreign keys take their values
 * from the parent's rows; every other column gets values of its type within what its CHECKs
 * allow. Each unique key gets one column whose value differs per row (or, when all its columns
 * draw from a fixed set, such as parents or allowed values, every combination in turn); every
 * other column repeats values (a pool of a quarter as many values as rows) and is NULL in about
 * one row in ten when it may be.
 */
import { type ColumnHint, checkHints } from "./fillChecks";
import { foreignKeys } from "./fillOrder";
import { columnValue, knownType, mix, streamOf, unit, type ValueSpec } from "./fillValues";

export interface FillColumn {
  name: string;
  /** format_type(), for messages and casts. */
  type: string;
  /** Base type name (domains resolved) and, for arrays, the element's. */
  base: string;
  element: string | null;
  typmod: number;
  /** Labels of an enum type (of the column, or of its elements). */
  labels: string[] | null;
  notNull: boolean;
  default: string | null;
  identity: boolean;
  generated: boolean;
}

export interface FillConstraint {
  name: string;
  /** pg_constraint.contype. */
  type: string;
  columns: string[];
  /** Foreign keys: the referenced table (as the filler names tables) and columns. */
  refTable: string | null;
  refColumns: string[];
  /** CHECK: pg_get_expr of its expression. */
  check: string | null;
}

export interface FillTable {
  /** `users`, or `schema.table` outside public. */
  name: string;
  /** Quoted for SQL: `public.users`. */
  sql: string;
  columns: FillColumn[];
  constraints: FillConstraint[];
  /**
   * Column lists of unique indexes on plain columns (constraints' own indexes included; partial
   * ones too, as if they covered every row).
   */
  uniqueKeys: string[][];
}

/** What one foreign key's columns take, per row. */
export interface KeyPlan {
  constraint: string;
  columns: string[];
  /** random: any parent row; distinct: parent row i; radix: a digit of i; self: the row's own key;
   * deferred: NULL now, filled by UPDATE later. */
  mode: "random" | "distinct" | "radix" | "self" | "deferred";
  nullable: boolean;
  refColumns: string[];
  radix?: { place: number; size: number };
}

export interface ColumnPlan {
  name: string;
  /** Left to PostgreSQL (identity, generated, serial): not inserted. */
  omit: boolean;
  /** Set by a foreign key (see KeyPlan). */
  key: string | null;
  spec: ValueSpec;
  distinct: boolean;
  nullable: boolean;
  radix?: { place: number; size: number };
  stream: number;
  /** Values made so far, by pool slot. */
  cache?: Map<number, unknown>;
}

export interface TablePlan {
  table: string;
  columns: ColumnPlan[];
  keys: KeyPlan[];
  /** Why the table cannot be filled; null when it can. */
  problem: string | null;
}

const serial = (c: FillColumn) => c.identity || c.generated || /^nextval\(/.test(c.default ?? "");

function specOf(c: FillColumn, hint: ColumnHint | undefined): ValueSpec {
  const numeric = c.base === "numeric" && c.typmod >= 4;
  const length =
    (c.base === "varchar" ||
      c.base === "bpchar" ||
      c.element === "varchar" ||
      c.element === "bpchar") &&
    c.typmod >= 4
      ? c.typmod - 4
      : (c.base === "vector" || c.element === "vector") && c.typmod > 0
        ? c.typmod
        : null;
  return {
    base: c.base,
    element: c.element,
    length,
    precision: numeric ? ((c.typmod - 4) >> 16) & 0xffff : null,
    scale: numeric ? (c.typmod - 4) & 0xffff : null,
    choices: hint?.choices ?? c.labels,
    subset: hint?.subset ?? null,
    nonEmpty: hint?.nonEmpty ?? false,
    min: hint?.min ?? null,
    max: hint?.max ?? null,
    minExclusive: hint?.minExclusive ?? false,
    maxExclusive: hint?.maxExclusive ?? false,
  };
}

/** A finite set of values (a CHECK's list, an enum, booleans), or null. */
export function finiteDomain(spec: ValueSpec): unknown[] | null {
  if (spec.element !== null) return null;
  if (spec.choices !== null && spec.choices.length > 0) return spec.choices;
  return spec.base === "bool" ? [false, true] : null;
}

/**
 * The plan of one table, given how many distinct keys each referenced table offers (by foreign
 * key constraint name), from the rows present when its turn comes.
 */
/**
 * Where NULLs go: every nullable column; only those without a default (a trigger or a later
 * migration may rely on the default having been applied); nowhere.
 */
export type NullPolicy = "nullable" | "without default" | "none";

export function planTable(
  table: FillTable,
  seed: number,
  parentKeys: ReadonlyMap<string, number>,
  deferredKeys: readonly string[],
  nulls: NullPolicy = "nullable",
): TablePlan {
  const hints = checkHints(
    table.constraints.filter((c) => c.type === "c").map((c) => c.check ?? ""),
  );
  const columns: ColumnPlan[] = table.columns.map((c) => ({
    name: c.name,
    omit: serial(c),
    key: null,
    spec: specOf(c, hints.get(c.name)),
    distinct: false,
    nullable:
      !c.notNull && (nulls === "nullable" || (nulls === "without default" && c.default === null)),
    stream: streamOf(seed, table.name, c.name),
  }));
  const column = (name: string) => columns.find((c) => c.name === name) as ColumnPlan;
  const keys: KeyPlan[] = [];
  let problem: string | null = null;
  for (const fk of foreignKeys(table)) {
    if (fk.columns.some((c) => column(c).key !== null)) continue;
    // MATCH SIMPLE: a row without a parent has NULL in every column of the key.
    const isNullable =
      nulls !== "none" &&
      fk.columns.every((c) => !table.columns.find((x) => x.name === c)?.notNull);
    const self = fk.refTable === table.name;
    const mode = deferredKeys.includes(fk.name) ? "deferred" : self ? "self" : "random";
    if (mode === "self" && fk.refColumns.some((c) => column(c).omit)) {
      problem = `\`${fk.columns.join(", ")}\` must reference its own table through NOT NULL columns, and the referenced \`${fk.refColumns.join(", ")}\` is filled by PostgreSQL`;
    }
    if (mode === "random" && !isNullable && (parentKeys.get(fk.name) ?? 0) === 0) {
      problem = `\`${fk.columns.join(", ")}\` (NOT NULL) references \`${fk.refTable}\`, which has no rows`;
    }
    for (const c of fk.columns) column(c).key = fk.name;
    keys.push({
      constraint: fk.name,
      columns: fk.columns,
      mode,
      nullable: isNullable,
      refColumns: fk.refColumns,
    });
  }
  for (const unique of table.uniqueKeys) {
    const members = unique.map(column);
    if (members.some((c) => c.omit || c.distinct)) continue;
    const keyOf = (c: ColumnPlan) => keys.find((k) => k.constraint === c.key);
    if (members.some((c) => keyOf(c)?.mode === "distinct")) continue;
    const free = members.find(
      (c) =>
        c.key === null &&
        finiteDomain(c.spec) === null &&
        (knownType(c.spec.element ?? c.spec.base) || c.spec.choices !== null),
    );
    if (free !== undefined) {
      free.distinct = true;
      continue;
    }
    // Every column draws from a fixed set: walk through their combinations, the smallest set
    // changing fastest, so that even a few rows show each of its values.
    const digits: { size: number; set: (radix: { place: number; size: number }) => void }[] = [];
    const seen = new Set<KeyPlan>();
    for (const c of members) {
      const key = keyOf(c);
      if (key !== undefined) {
        if (seen.has(key) || key.radix !== undefined || key.mode !== "random") continue;
        seen.add(key);
        const size = Math.max(1, parentKeys.get(key.constraint) ?? 0);
        if (unique.length === key.columns.length) key.mode = "distinct";
        else {
          digits.push({
            size,
            set: (radix) => {
              key.mode = "radix";
              key.radix = radix;
            },
          });
        }
      } else if (c.radix === undefined && finiteDomain(c.spec) !== null) {
        const size = (finiteDomain(c.spec) as unknown[]).length;
        digits.push({
          size,
          set: (radix) => {
            c.radix = radix;
          },
        });
      }
    }
    let place = 1;
    for (const d of [...digits].sort((a, b) => a.size - b.size)) {
      d.set({ place, size: d.size });
      place *= d.size;
    }
  }
  for (const c of columns) {
    if (c.omit || c.key !== null) continue;
    // An enum, or a CHECK's list of values, makes any type fillable.
    const known = knownType(c.spec.element ?? c.spec.base) || (c.spec.choices?.length ?? 0) > 0;
    if (known) continue;
    const column = table.columns.find((x) => x.name === c.name) as FillColumn;
    if (column.notNull && column.default === null) {
      problem ??= `column \`${c.name}\` is of type ${column.type}, which the generator cannot fill, and has no default`;
    }
    c.omit = true;
  }
  return { table: table.name, columns, keys, problem };
}

/** About one row in ten of a nullable column is NULL. */
const NULL_SHARE = 0.1;

/**
 * Rows `from` … `from + count - 1` of a table: one object per row, keyed by column name, for
 * json_populate_recordset. `parents` holds, per foreign key, the referenced rows' key values.
 */
export function generateRows(
  plan: TablePlan,
  from: number,
  count: number,
  target: number,
  parents: ReadonlyMap<string, readonly Record<string, unknown>[]>,
): Record<string, unknown>[] {
  const pool = Math.max(2, Math.floor(target / 4));
  const rows: Record<string, unknown>[] = [];
  const columns = plan.columns.filter((c) => !c.omit && c.key === null);
  const keyStreams = plan.keys.map((key) => streamOf(plan.table, key.constraint));
  for (let i = from; i < from + count; i++) {
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      if (c.radix !== undefined) {
        row[c.name] = (finiteDomain(c.spec) as unknown[])[
          Math.floor(i / c.radix.place) % c.radix.size
        ];
        continue;
      }
      if (c.nullable && unit(c.stream, i, 99) < NULL_SHARE) {
        row[c.name] = null;
        continue;
      }
      if (c.distinct) {
        row[c.name] = columnValue(c.name, c.spec, c.stream, i, true);
        continue;
      }
      // A pooled column has at most `pool` values: make each once.
      const slot = mix(c.stream, i) % pool;
      if (c.cache === undefined) c.cache = new Map();
      const cache = c.cache;
      let value = cache.get(slot);
      if (value === undefined) {
        value = columnValue(c.name, c.spec, c.stream, slot, false);
        cache.set(slot, value);
      }
      row[c.name] = value;
    }
    for (const [k, key] of plan.keys.entries()) {
      const stream = keyStreams[k] as number;
      const candidates = parents.get(key.constraint) ?? [];
      let parent: Record<string, unknown> | null = null;
      if (key.mode === "self") {
        parent = Object.fromEntries(key.refColumns.map((c) => [c, row[c]]));
      } else if (key.mode === "distinct" && candidates.length > 0) {
        parent = candidates[i % candidates.length] as Record<string, unknown>;
      } else if (key.mode === "radix" && key.radix !== undefined && candidates.length > 0) {
        parent = candidates[Math.floor(i / key.radix.place) % key.radix.size] as Record<
          string,
          unknown
        >;
      } else if (key.mode === "random" && candidates.length > 0) {
        if (!(key.nullable && unit(stream, i, 99) < NULL_SHARE)) {
          parent = candidates[mix(stream, i) % candidates.length] as Record<string, unknown>;
        }
      }
      key.columns.forEach((c, k) => {
        row[c] = parent === null ? null : parent[key.refColumns[k] as string];
      });
    }
    rows.push(row);
  }
  return rows;
}
