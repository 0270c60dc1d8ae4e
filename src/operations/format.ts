/** Text output shared by the operations commands. */

export interface TableOptions {
  /** Column indexes whose cells are right-aligned (numbers). */
  rightAligned?: ReadonlySet<number>;
}

/**
 * An aligned plain-text table, line by line: header, a dash rule, one line per row; cells padded
 * to the widest entry of their column, `null` shown empty (as psql does). Trailing spaces are
 * trimmed. Widths are found in one loop over the rows (no argument spreading: a result of a
 * hundred thousand rows would overflow the call stack), and the lines are produced one at a time.
 */
export function* tableLines(
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  opts: TableOptions = {},
): Generator<string> {
  const cell = (value: string | null | undefined) => (value ?? "").replace(/\r?\n/g, "\\n");
  const widths = columns.map((name) => name.length);
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) {
      const width = cell(row[i]).length;
      if (width > widths[i]!) widths[i] = width;
    }
  }
  const line = (values: readonly (string | null | undefined)[], header: boolean) =>
    widths
      .map((width, i) => {
        const text = cell(values[i]);
        return !header && opts.rightAligned?.has(i) ? text.padStart(width) : text.padEnd(width);
      })
      .join(" | ")
      .trimEnd();
  yield line(columns, true);
  yield widths.map((width) => "-".repeat(width)).join("-+-");
  for (const row of rows) yield line(row, false);
}

/** The same table as one string (small tables: reports, surveys). */
export function renderTable(
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  opts: TableOptions = {},
): string {
  return [...tableLines(columns, rows, opts)].join("\n");
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
