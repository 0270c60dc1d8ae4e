/** Text output shared by the operations commands. */

export interface TableOptions {
  /** Column indexes whose cells are right-aligned (numbers). */
  rightAligned?: ReadonlySet<number>;
}

/**
 * An aligned plain-text table: header, a dash rule, one line per row; cells padded to the widest
 * entry of their column, `null` shown empty (as psql does). Trailing spaces are trimmed.
 */
export function renderTable(
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  opts: TableOptions = {},
): string {
  const cell = (value: string | null | undefined) => (value ?? "").replace(/\r?\n/g, "\\n");
  const widths = columns.map((name, i) =>
    Math.max(name.length, ...rows.map((row) => cell(row[i]).length)),
  );
  const line = (values: readonly (string | null | undefined)[], header: boolean) =>
    widths
      .map((width, i) => {
        const text = cell(values[i]);
        return !header && opts.rightAligned?.has(i) ? text.padStart(width) : text.padEnd(width);
      })
      .join(" | ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("-+-");
  return [line(columns, true), rule, ...rows.map((row) => line(row, false))].join("\n");
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

export function writeLine(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(`${text}\n`);
}

export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
