/**
 * Client-side statement splitter. node-postgres sends a multi-statement string as one implicit
 * transaction, so CREATE INDEX CONCURRENTLY and friends fail unless each statement is sent alone.
 * This splitter knows enough PostgreSQL lexical structure to find the semicolons that end
 * statements: dollar quoting, '…' and E'…' strings, "…" identifiers, `--` and
 * nested `/* … *\/` comments, and SQL-standard `BEGIN ATOMIC … END` function bodies.
 */

export interface Statement {
  /** The statement text without its terminating semicolon, leading comments and trailing space. */
  text: string;
  /** 1-based line of the statement's first character in the input. */
  line: number;
}

const isWordChar = (c: string | undefined) =>
  c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
const isWordStart = (c: string | undefined) => c !== undefined && /[A-Za-z_\u0080-\uffff]/.test(c);
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** CREATE [OR REPLACE] FUNCTION|PROCEDURE … */
function isRoutine(words: readonly string[]): boolean {
  if (words[0] !== "create") return false;
  const kind = words[1] === "or" && words[2] === "replace" ? words[3] : words[1];
  return kind === "function" || kind === "procedure";
}

export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  const n = sql.length;
  let start = -1; // index of the current statement's first significant character
  // psql's rule: only a CREATE [OR REPLACE] FUNCTION|PROCEDURE statement can hold a
  // BEGIN ATOMIC … END body (a dollar-quoted body is skipped whole), and only BEGIN/CASE/END at
  // parenthesis depth 0 count. Elsewhere (e.g. a column named "begin") they are plain words.
  let words: string[] = []; // the first four lower-cased words of the current statement
  let parenDepth = 0;
  let atomicDepth = 0; // BEGIN/CASE … END nesting inside a routine body
  // Line numbers are computed lazily; positions only grow, so count incrementally.
  let linePos = 0;
  let lineNo = 1;
  const lineOf = (pos: number) => {
    for (; linePos < pos; linePos++) if (sql.charCodeAt(linePos) === 10) lineNo++;
    return lineNo;
  };
  const mark = (pos: number) => {
    if (start === -1) start = pos;
  };
  const finish = (end: number) => {
    if (start !== -1) {
      const text = sql.slice(start, end).trimEnd();
      if (text.length > 0) out.push({ text, line: lineOf(start) });
    }
    start = -1;
    words = [];
    parenDepth = 0;
    atomicDepth = 0;
  };

  let i = 0;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const eol = sql.indexOf("\n", i);
      i = eol === -1 ? n : eol + 1;
      continue;
    }
    if (c === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (c === ";") {
      if (atomicDepth > 0) {
        i++;
        continue;
      }
      finish(i);
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    mark(i);
    if (c === "'") {
      // E'…' (also e'…') allows backslash escapes; the E must be a word of its own.
      const prev = sql[i - 1];
      const escaped = (prev === "E" || prev === "e") && !isWordChar(sql[i - 2]);
      i++;
      while (i < n) {
        const d = sql[i];
        if (escaped && d === "\\") {
          i += 2;
        } else if (d === "'") {
          if (sql[i + 1] === "'") i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      continue;
    }
    if (c === "$" && !isWordChar(sql[i - 1])) {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(sql);
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        i = close === -1 ? n : close + tag.length;
        continue;
      }
      i++;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql[j])) j++;
      const word = sql.slice(i, j).toLowerCase();
      if (words.length < 4) words.push(word);
      if (parenDepth === 0 && isRoutine(words)) {
        if (word === "begin") atomicDepth++;
        else if (word === "case") {
          // CASE also ends with END; it only matters inside a BEGIN.
          if (atomicDepth > 0) atomicDepth++;
        } else if (word === "end" && atomicDepth > 0) atomicDepth--;
      }
      i = j;
      continue;
    }
    if (c === "(") parenDepth++;
    else if (c === ")" && parenDepth > 0) parenDepth--;
    i++;
  }
  finish(n);
  return out;
}
