/**
 * What a CHECK constraint asks of single columns, read from PostgreSQL's own text of it
 * (pg_get_expr): the values `= ANY (ARRAY[…])` allows, the bounds of comparisons with a number,
 * the elements `<@ ARRAY[…]` allows, and `cardinality(x) > 0`. A disjunction counts when all but
 * one of its terms say `x IS NULL`. Anything else (several columns, patterns, functions) is left
 * to PostgreSQL: the filler inserts only the generated rows that pass every CHECK. Pure.
 */

export interface ColumnHint {
  choices?: (string | number)[];
  subset?: string[];
  nonEmpty?: boolean;
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** Splits at top-level ` AND ` / ` OR `, outside parentheses, brackets and quoted text. */
export function splitTop(expr: string, keyword: "AND" | "OR"): string[] {
  const parts: string[] = [];
  const separator = ` ${keyword} `;
  let depth = 0;
  let quoted: string | null = null;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i] as string;
    if (quoted !== null) {
      if (ch === quoted) quoted = null;
      continue;
    }
    if (ch === "'" || ch === '"') quoted = ch;
    else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (depth === 0 && expr.startsWith(separator, i)) {
      parts.push(expr.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(expr.slice(start));
  return parts.map((p) => p.trim());
}

/** `((x))` → `x`, only when the outer parentheses enclose the whole text. */
export function stripParens(text: string): string {
  let t = text.trim();
  for (;;) {
    if (!t.startsWith("(") || !t.endsWith(")")) return t;
    let depth = 0;
    let quoted: string | null = null;
    let closesEarly = false;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i] as string;
      if (quoted !== null) {
        if (ch === quoted) quoted = null;
        continue;
      }
      if (ch === "'" || ch === '"') quoted = ch;
      else if (ch === "(") depth++;
      else if (ch === ")") {
        depth--;
        if (depth === 0 && i < t.length - 1) {
          closesEarly = true;
          break;
        }
      }
    }
    if (closesEarly) return t;
    t = t.slice(1, -1).trim();
  }
}

const CAST = /::(?:"[^"]+"|[a-z_][a-z0-9_ ]*)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?/gi;

/** The column a term names: `x`, `(x)::text`, `"order"`; null when it is anything else. */
export function columnRef(term: string): string | null {
  const bare = stripParens(stripParens(term).replace(CAST, ""));
  const m = /^(?:([a-z_][a-z0-9_$]*)|"((?:[^"]|"")+)")$/.exec(bare);
  if (!m) return null;
  return m[1] ?? (m[2] as string).replace(/""/g, '"');
}

/** The number a term is: `0`, `(0)::double precision`, `('-90'::integer)::double precision`. */
export function numberLiteral(term: string): number | null {
  const bare = term.replace(CAST, "").replace(/[()'\s]/g, "");
  return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(bare) ? Number(bare) : null;
}

/** The elements of the first `ARRAY[…]` in `text`: quoted strings, else numbers. */
export function arrayLiteral(text: string): (string | number)[] | null {
  const at = text.indexOf("ARRAY[");
  if (at < 0) return null;
  const body = text.slice(at + 6, text.lastIndexOf("]"));
  const strings = [...body.matchAll(/'((?:[^']|'')*)'/g)].map((m) =>
    (m[1] as string).replace(/''/g, "'"),
  );
  if (strings.length > 0) return strings;
  const numbers = body.split(",").map(numberLiteral);
  return numbers.every((n) => n !== null) ? (numbers as number[]) : null;
}

const FLIP: Record<string, string> = { ">=": "<=", ">": "<", "<=": ">=", "<": ">" };

function conjunct(term: string, hints: Map<string, ColumnHint>): void {
  const t = stripParens(term);
  const or = splitTop(t, "OR");
  if (or.length > 1) {
    const rest = or.filter((o) => !/^\(?\s*\S+\s+IS NULL\s*\)?$/.test(stripParens(o)));
    if (rest.length === 1)
      for (const c of splitTop(stripParens(rest[0] as string), "AND")) conjunct(c, hints);
    return;
  }
  const and = splitTop(t, "AND");
  if (and.length > 1) {
    for (const c of and) conjunct(c, hints);
    return;
  }
  const hint = (column: string) => {
    const h = hints.get(column) ?? {};
    hints.set(column, h);
    return h;
  };
  let m = /^(.+?) = ANY \((.+)\)$/s.exec(t);
  if (m) {
    const column = columnRef(m[1] as string);
    const values = arrayLiteral(m[2] as string);
    if (column !== null && values !== null) hint(column).choices = values;
    return;
  }
  m = /^(.+?) <@ (.+)$/s.exec(t);
  if (m) {
    const column = columnRef(m[1] as string);
    const values = arrayLiteral(m[2] as string);
    if (column !== null && values !== null) hint(column).subset = values.map(String);
    return;
  }
  m = /^(?:cardinality\((.+)\) (?:> 0|>= 1)|array_length\((.+), 1\) (?:> 0|>= 1))$/s.exec(t);
  if (m) {
    const column = columnRef((m[1] ?? m[2]) as string);
    if (column !== null) hint(column).nonEmpty = true;
    return;
  }
  m = /^(.+?) (>=|>|<=|<) (.+)$/s.exec(t);
  if (!m) return;
  let [left, op, right] = [m[1] as string, m[2] as string, m[3] as string];
  if (columnRef(left) === null && columnRef(right) !== null) {
    [left, right] = [right, left];
    op = FLIP[op] as string;
  }
  const column = columnRef(left);
  const bound = numberLiteral(right);
  if (column === null || bound === null) return;
  const h = hint(column);
  if (op === ">=" || op === ">") {
    if (h.min === undefined || bound >= h.min) {
      h.min = bound;
      h.minExclusive = op === ">";
    }
  } else if (h.max === undefined || bound <= h.max) {
    h.max = bound;
    h.maxExclusive = op === "<";
  }
}

/** Per column, what the CHECK expressions (pg_get_expr text) ask of it. */
export function checkHints(expressions: readonly string[]): Map<string, ColumnHint> {
  const hints = new Map<string, ColumnHint>();
  for (const e of expressions) conjunct(e, hints);
  return hints;
}
