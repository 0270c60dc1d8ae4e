/**
 * Just enough of a Go reader to pull facts out of flyctl's command files at a pinned commit:
 * files come from a bare git mirror (`git show <rev>:<path>`), and expressions are cut at the
 * top level (brackets, strings and comments respected), never evaluated beyond literals and
 * constants. Anything it cannot read is an error, never a guess.
 */
import { execFileSync } from "node:child_process";

export interface Repo {
  /** The bare git directory. */
  dir: string;
  rev: string;
  /** How the tables name it, e.g. "flyctl" (provenance reads "flyctl:internal/…:12"). */
  name: string;
}

const cache = new Map<string, string>();

export function readFile(repo: Repo, path: string): string {
  const key = `${repo.dir}\0${repo.rev}\0${path}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = execFileSync("git", ["-C", repo.dir, "show", `${repo.rev}:${path}`], {
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    cache.set(key, text);
  }
  return text;
}

/** The non-test Go files of one package directory. */
export function packageFiles(repo: Repo, dir: string): string[] {
  const root = dir === "." || dir === "";
  const out = execFileSync(
    "git",
    ["-C", repo.dir, "ls-tree", "--name-only", root ? repo.rev : `${repo.rev}:${dir}`],
    { encoding: "utf8" },
  );
  return out
    .split("\n")
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .map((f) => (root ? f : `${dir}/${f}`));
}

export const lineAt = (text: string, index: number): number =>
  text.slice(0, index).split("\n").length;

/** A place in a file: where a fact was read. */
export interface Source {
  path: string;
  text: string;
  /** Offset of the fragment in the file. */
  at: number;
}

/** Skips a string, rune or comment starting at i; returns the index after it, or i. */
function skipAtom(s: string, i: number): number {
  const c = s[i];
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < s.length && s[j] !== c) j += s[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  if (c === "`") return s.indexOf("`", i + 1) + 1;
  if (c === "/" && s[i + 1] === "/") {
    const end = s.indexOf("\n", i);
    return end < 0 ? s.length : end;
  }
  if (c === "/" && s[i + 1] === "*") return s.indexOf("*/", i + 2) + 2;
  return i;
}

/** Index of the bracket closing the one at `open`. */
export function matchBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; ) {
    const next = skipAtom(s, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = s[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

export interface Piece {
  text: string;
  /** Offset of the piece within the text that was split. */
  at: number;
}

/** Splits on a separator at bracket depth 0, trimming pieces and dropping empty ones. */
export function splitTop(s: string, sep = ","): Piece[] {
  const pieces: Piece[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    // The piece starts at its first character that is neither space nor comment.
    let lead = start;
    for (;;) {
      while (lead < end && /\s/.test(s[lead]!)) lead++;
      const next = s[lead] === "/" ? skipAtom(s, lead) : lead;
      if (next === lead) break;
      lead = next;
    }
    const text = stripComments(s.slice(lead, end)).trim();
    if (text) pieces.push({ text, at: lead });
  };
  for (let i = 0; i < s.length; ) {
    const next = skipAtom(s, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = s[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      push(i);
      start = i + sep.length;
    }
    i++;
  }
  push(s.length);
  return pieces;
}

export function stripComments(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    const next = skipAtom(s, i);
    if (next !== i) {
      if (s[i] !== "/") out += s.slice(i, next);
      i = next;
    } else out += s[i++];
  }
  return out;
}

/** The text between the brackets opening at `open` (exclusive), and its offset. */
export function inside(s: string, open: number): Piece {
  const close = matchBracket(s, open);
  return { text: s.slice(open + 1, close), at: open + 1 };
}

export interface Func {
  path: string;
  text: string;
  /** Offset of the body (after `{`) in the file, and the body. */
  bodyAt: number;
  body: string;
}

/** `func name(` at the start of a line (no receiver) in any of the files. */
export function findFunc(repo: Repo, files: string[], name: string): Func | null {
  const re = new RegExp(`^func ${name}\\(`, "m");
  for (const path of files) {
    const text = readFile(repo, path);
    const m = re.exec(text);
    if (!m) continue;
    // The body's brace: the first `{` after the signature's closing parentheses at depth 0.
    let i = text.indexOf("(", m.index);
    i = matchBracket(text, i) + 1;
    while (text[i] !== "{") {
      if (text[i] === "(") i = matchBracket(text, i) + 1;
      else i++;
    }
    const body = inside(text, i);
    return { path, text, bodyAt: body.at, body: body.text };
  }
  return null;
}

/** A package-level or function-level `name = <expr>` (var, const, or in a const block). */
export function findValue(
  repo: Repo,
  files: string[],
  name: string,
): { path: string; text: string; at: number; expr: string } | null {
  const re = new RegExp(`^\\s*(?:var |const )?${name}(?:\\s+[\\w.*\\[\\]]+)?\\s*=\\s*`, "m");
  for (const path of files) {
    const text = readFile(repo, path);
    const m = re.exec(text);
    if (!m) continue;
    const start = m.index + m[0].length;
    return { path, text, at: start, expr: expressionAt(text, start) };
  }
  return null;
}

/** The expression starting at i: up to the end of the line, brackets spanning lines. */
export function expressionAt(s: string, i: number): string {
  let j = i;
  while (j < s.length && s[j] !== "\n") {
    const next = skipAtom(s, j);
    if (next !== j) {
      if (s[j] === "/") break;
      j = next;
      continue;
    }
    if ("([{".includes(s[j]!)) j = matchBracket(s, j) + 1;
    else j++;
  }
  return s.slice(i, j).trim();
}

/** Go's string literal syntax to its value ("…" with escapes, `…` raw). */
export function unquote(lit: string): string {
  if (lit.startsWith("`")) return lit.slice(1, -1);
  return JSON.parse(lit.replace(/\\'/g, "'"));
}

/** Imports of a file: local name → import path. */
export function imports(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const block = /^import\s*\(([\s\S]*?)^\)/m.exec(text)?.[1] ?? "";
  const single = [...text.matchAll(/^import\s+(\w+\s+)?("[^"]+")/gm)].map((m) => m[0]);
  for (const line of [...block.split("\n"), ...single]) {
    const m = /(?:(\w+)\s+)?"([^"]+)"/.exec(line.replace(/^import\s+/, ""));
    if (!m) continue;
    const path = m[2]!;
    out.set(m[1] ?? path.split("/").pop()!, path);
  }
  return out;
}
