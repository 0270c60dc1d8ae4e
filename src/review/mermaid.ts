/**
 * Mermaid ER diagrams (`erDiagram`, which GitHub renders in Markdown) of a catalog's tables and
 * their foreign keys. Pure.
 *
 * - Drawn tables list every column as `type name [PK|FK|UK] ["note"]`; tables they are linked to
 *   by a foreign key but that are not drawn appear as bare boxes, so each line has both ends.
 * - One line per foreign key, from the referenced table to the referencing one, labelled with the
 *   referencing columns: `||` when the columns are NOT NULL (`|o` otherwise) on the referenced
 *   side, `o|` when the referencing columns are unique (one-to-one), `o{` otherwise.
 * - Types are shortened to the names people write (`varchar(255)`, `timestamptz`) and reduced to
 *   the characters every Mermaid release accepts in an attribute type (letters, digits, `_-[]()`).
 */
import type { Catalog, CatalogTable } from "../migrations/catalog";

const TYPE_NAMES: [RegExp, string][] = [
  [/^character varying/, "varchar"],
  [/^timestamp\((\d+)\) with time zone/, "timestamptz($1)"],
  [/^timestamp with time zone/, "timestamptz"],
  [/^timestamp\((\d+)\) without time zone/, "timestamp($1)"],
  [/^timestamp without time zone/, "timestamp"],
  [/^time with time zone/, "timetz"],
  [/^time without time zone/, "time"],
  [/^double precision/, "float8"],
  [/^character\b/, "char"],
  [/^bit varying/, "varbit"],
];

/** A PostgreSQL type as a Mermaid attribute type: `character varying(255)` → `varchar(255)`. */
export function mermaidType(type: string): string {
  let out = type;
  for (const [pattern, name] of TYPE_NAMES) {
    if (pattern.test(out)) {
      out = out.replace(pattern, name);
      break;
    }
  }
  // Mermaid releases before 11 refuse a comma in a type: `numeric(10,4)` is drawn as `numeric`.
  return out.replace(/\([^)]*,[^)]*\)/g, "").replace(/[^A-Za-z0-9_\-[\]()]/g, "_");
}

/** The column names of `(a, "b c")` in a constraint definition. */
function columnList(text: string): string[] {
  return text.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
}

export interface ForeignKey {
  table: string;
  columns: string[];
  references: string;
}

/** The foreign keys of a table, read from pg_get_constraintdef's text. */
export function foreignKeys(table: CatalogTable): ForeignKey[] {
  const out: ForeignKey[] = [];
  for (const c of table.constraints) {
    if (c.type !== "f") continue;
    const match = /^FOREIGN KEY \(([^)]*)\) REFERENCES ([^(\s]+)\(/.exec(c.definition);
    if (!match) continue;
    out.push({
      table: table.name,
      columns: columnList(match[1] as string),
      references: (match[2] as string).replace(/^public\./, "").replace(/^"(.*)"$/, "$1"),
    });
  }
  return out;
}

function keyColumns(table: CatalogTable, type: "p" | "u"): string[][] {
  return table.constraints
    .filter((c) => c.type === type)
    .map((c) => /\(([^)]*)\)/.exec(c.definition)?.[1])
    .filter((list): list is string => list !== undefined)
    .map(columnList);
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** Markers of one column: PK, FK and UK (a single-column unique constraint). */
function markers(table: CatalogTable, column: string, fks: readonly ForeignKey[]): string[] {
  const out: string[] = [];
  if (keyColumns(table, "p").some((cols) => cols.includes(column))) out.push("PK");
  if (fks.some((fk) => fk.columns.includes(column))) out.push("FK");
  if (keyColumns(table, "u").some((cols) => cols.length === 1 && cols[0] === column))
    out.push("UK");
  return out;
}

export interface DiagramOptions {
  /** Tables to draw with their columns (default: every table). */
  tables?: readonly string[];
  /** A note per drawn column, `table.column` → e.g. `new` or `changed`. */
  notes?: ReadonlyMap<string, string>;
}

/** The `erDiagram` text (without the Markdown fence). */
export function erDiagram(catalog: Catalog, options: DiagramOptions = {}): string {
  const byName = new Map(catalog.tables.map((t) => [t.name, t]));
  const drawn = (options.tables ?? catalog.tables.map((t) => t.name)).filter((name) =>
    byName.has(name),
  );
  const drawnSet = new Set(drawn);
  const lines = ["erDiagram"];
  for (const name of drawn) {
    const table = byName.get(name) as CatalogTable;
    const fks = foreignKeys(table);
    lines.push(`  ${name} {`);
    for (const column of table.columns) {
      const keys = markers(table, column.name, fks);
      const note = options.notes?.get(`${name}.${column.name}`);
      lines.push(
        `    ${[mermaidType(column.type), column.name, ...(keys.length > 0 ? [keys.join(",")] : []), ...(note ? [`"${note.replace(/"/g, "'")}"`] : [])].join(" ")}`,
      );
    }
    lines.push("  }");
  }
  // Every foreign key with at least one end drawn, in a stable order.
  const relationships: string[] = [];
  for (const table of catalog.tables) {
    for (const fk of foreignKeys(table)) {
      if (!drawnSet.has(fk.table) && !drawnSet.has(fk.references)) continue;
      const notNull = fk.columns.every(
        (c) => table.columns.find((col) => col.name === c)?.nullable === false,
      );
      const unique = [...keyColumns(table, "p"), ...keyColumns(table, "u")].some((cols) =>
        sameSet(cols, fk.columns),
      );
      relationships.push(
        `  ${fk.references} ${notNull ? "||" : "|o"}--${unique ? "o|" : "o{"} ${fk.table} : "${fk.columns.join(", ")}"`,
      );
    }
  }
  lines.push(...relationships);
  return lines.join("\n");
}
