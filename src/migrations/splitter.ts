/**
 * Statement splitting by PostgreSQL's own grammar. node-postgres sends a multi-statement string as
 * one implicit transaction, so CREATE INDEX CONCURRENTLY and friends fail unless each statement is
 * sent alone. libpg_query (the PostgreSQL 15 parser compiled to WebAssembly) parses the whole file
 * and reports where each statement starts and how long it is; the runner sends each slice alone
 * and classifies it from its parse tree.
 *
 * The parser is loaded on first use only: loading it costs tens of milliseconds, and a run whose
 * files are all applied (recognised by checksum) never parses anything.
 */
import { setFlagsFromString } from "node:v8";
import type { Node, ParseResult } from "libpg-query";

export interface Statement {
  /** The statement text without its terminating semicolon, leading comments and trailing space. */
  text: string;
  /** 1-based line of the statement's first character in the input. */
  line: number;
  /** The statement's parse tree, e.g. `{ IndexStmt: { concurrent: true, … } }`. */
  tree: Node;
}

/** The input is not valid PostgreSQL 15 SQL; line and column (1-based, in characters) locate it. */
export class SqlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = "SqlSyntaxError";
    this.line = line;
    this.column = column;
  }
}

type LibPgQuery = typeof import("libpg-query");
let loading: Promise<LibPgQuery> | undefined;

function loadParser(): Promise<LibPgQuery> {
  loading ??= (async () => {
    // V8 would recompile the parser's hot functions (huge: the whole grammar) with its optimising
    // compiler in background threads, ~250 ms of CPU, ten times what parsing every shipped file
    // costs with the baseline code. gaia-db is short-lived, so keep the baseline code. The flags
    // are process-wide and only change how WebAssembly compiled from now on is optimised.
    setFlagsFromString("--no-wasm-tier-up --no-wasm-dynamic-tiering");
    // require, not a static import: the module compiles its WebAssembly when it is loaded.
    const lib = require("libpg-query") as LibPgQuery;
    await lib.loadModule();
    return lib;
  })();
  return loading;
}

/** Splits `sql` into statements; throws SqlSyntaxError when PostgreSQL 15 would refuse it. */
export async function splitStatements(sql: string): Promise<Statement[]> {
  // The library refuses blank input rather than returning no statements.
  if (sql.trim() === "") return [];
  const lib = await loadParser();
  let result: ParseResult;
  try {
    result = lib.parseSync(sql) as ParseResult;
  } catch (err) {
    if (lib.hasSqlDetails(err)) {
      const { line, column } = lineAndColumn(sql, err.sqlDetails.cursorPosition);
      throw new SqlSyntaxError(err.sqlDetails.message, line, column);
    }
    throw err;
  }
  return statementsOf(sql, result);
}

/**
 * Cuts the parser's statements out of `sql`. Locations are UTF-8 byte offsets; a location or a
 * length of 0 is omitted from the result (the first statement starts at 0; the last one, when
 * no semicolon ends it, runs to the end). A statement's slice starts right after the previous
 * semicolon, so the whitespace and comments before it are trimmed, as the hand-written splitter
 * that computed the ledger's statement checksums did.
 */
function statementsOf(sql: string, result: ParseResult): Statement[] {
  const bytes = Buffer.from(sql, "utf8");
  const out: Statement[] = [];
  let counted = 0; // bytes[0, counted) hold `line - 1` newlines
  let line = 1;
  for (const raw of result.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    line += newlines(bytes, counted, start);
    counted = start;
    const slice = bytes.subarray(start, end).toString("utf8");
    const lead = leadingTrivia(slice);
    const text = slice.slice(lead).trimEnd();
    if (text === "" || raw.stmt === undefined) continue;
    const leadLines = slice.slice(0, lead).split("\n").length - 1;
    out.push({ text, line: line + leadLines, tree: raw.stmt });
  }
  return out;
}

/** Newlines in bytes[from, to), found natively: a byte-by-byte loop costs milliseconds cold. */
function newlines(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10, from); i !== -1 && i < to; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** Length of the whitespace, `--` comments and (nested) block comments that start `text`. */
function leadingTrivia(text: string): number {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if (c === "-" && text[i + 1] === "-") {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else break;
  }
  return i;
}

/**
 * PostgreSQL reports an error position in characters, not bytes (scan.l's scanner_errposition
 * counts with pg_mbstrlen_with_len); the library makes it 0-based. A JavaScript string indexes
 * UTF-16 units, so walk it by code points.
 */
export function lineAndColumn(sql: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let index = 0;
  for (const ch of sql) {
    if (index === position) break;
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
    index++;
  }
  return { line, column };
}
