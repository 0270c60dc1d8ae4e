/**
 * The measured section of the review comment: how the base was filled, per file the strongest lock
 * on each table and how long it was held, the statements that rewrite, scan or change many rows or
 * fail on the filled tables with what that means, and (collapsed) every statement. Pure.
 */
import { consequence, documentedLock, type LockMode, lockRank, modeName } from "./locks";
import type { Measurement } from "./measure";
import { failureReason } from "./measure";
import type { MeasuredFile, MeasuredStatement } from "./observe";
import type { Write } from "./snapshot";

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const count = (n: number) => n.toLocaleString("en-US");
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** `120 ms`, `0.7 ms`, `1.2 s`. */
export function duration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/** A statement as a reviewer recognises it: its first 70 characters on one line. */
export function statementLabel(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= 70 ? one : `${one.slice(0, 69)}…`;
}

export interface HeldLock {
  relation: string;
  indexOf?: string;
  mode: LockMode;
  /** The line of the statement that took it. */
  line: number;
  /** How long it was held: to commit (or rollback) in a transaction, else while its statement ran. */
  heldMs: number;
}

/** Per relation, the strongest lock a file took, and for how long. */
export function heldLocks(file: MeasuredFile): HeldLock[] {
  const held = new Map<string, HeldLock>();
  for (const s of file.statements) {
    for (const lock of s.locks ?? []) {
      const was = held.get(lock.relation);
      if (was !== undefined && lockRank(was.mode) >= lockRank(lock.mode)) continue;
      held.set(lock.relation, {
        ...lock,
        line: s.line,
        heldMs: file.transaction ? Math.max(0, file.durationMs - s.atMs) : s.durationMs,
      });
    }
  }
  return [...held.values()].sort((a, b) =>
    a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0,
  );
}

/** A statement's findings without timings: what the tests compare exactly. */
export interface StatementRow {
  file: string;
  line: number;
  locks: string[] | string;
  rewrites: string[];
  scans: string[];
  writes: string[];
  failure: string | null;
}

/** "11 inserted, 2 deleted". */
function writeText(w: Write, n: (x: number) => string): string {
  return (
    [
      [w.inserted, "inserted"],
      [w.updated, "updated"],
      [w.deleted, "deleted"],
    ] as const
  )
    .filter(([x]) => x > 0)
    .map(([x, what]) => `${n(x)} ${what}`)
    .join(", ");
}

export function statementRows(measurement: Measurement): StatementRow[] {
  return measurement.files.flatMap((f) =>
    f.statements.map((s) => ({
      file: f.file,
      line: s.line,
      locks: locksText(s),
      rewrites: s.rewrites,
      scans: s.scans,
      writes: s.writes.map((w) => `${w.table}: ${writeText(w, String)}`),
      failure: s.error === null ? null : failureReason(s.error),
    })),
  );
}

function locksText(s: MeasuredStatement): string[] | string {
  if (s.error !== null) return [];
  if (s.locks === null) {
    const documented = documentedLock(s.outsideTransaction ?? "");
    return `documented, not measured${documented === null ? "" : `: ${documented}`}`;
  }
  return s.locks.map(
    (l) =>
      `${l.relation}${l.indexOf === undefined ? "" : ` (index of ${l.indexOf})`} ${modeName(l.mode)}`,
  );
}

function fillLines(m: Measurement, headFiles: number): string[] {
  const f = m.fill;
  const total = f.tables.reduce((n, t) => n + t.rows, 0);
  const lines = [
    `The head was also applied by \`migrate\` to a copy of the base filled with ${count(f.rows)} generated rows per table (seed ${f.seed}; ${f.tables.length} ${f.tables.length === 1 ? "table" : "tables"}, ${count(total)} rows, filled in ${duration(m.timings.fillMs)}), every statement observed (${headFiles === 1 ? "1 file" : `${headFiles} files`} in ${duration(m.timings.headMs)}).`,
    "",
  ];
  if (m.failure !== null) {
    lines.push(
      `**It fails on the filled tables**${m.failure.file === null ? "" : ` at ${code(m.failure.file)} line ${m.failure.line}`}: ${m.failure.reason}`,
      "",
    );
  }
  const notes: string[] = [];
  for (const s of f.skipped) notes.push(`- not filled: ${code(s.table)}: ${s.reason}`);
  for (const t of f.tables) {
    const why: string[] = [];
    if (t.generated < f.rows) {
      if (t.duplicateKey > 0) why.push(`${count(t.duplicateKey)} repeated a unique key`);
      if (t.failedCheck > 0) why.push(`${count(t.failedCheck)} failed a CHECK`);
      notes.push(
        `- ${code(t.table)}: ${count(t.generated)} generated rows kept${why.length > 0 ? ` (of the rows generated, ${why.join(" and ")})` : ""}`,
      );
    }
    if (t.note !== null) notes.push(`- ${code(t.table)}: ${t.note}`);
  }
  if (notes.length > 0) lines.push(...notes, "");
  return lines;
}

function lockTable(m: Measurement): string[] {
  const rows: string[] = [];
  for (const file of m.files) {
    const until = file.transaction ? "until commit" : "while it runs";
    for (const h of heldLocks(file)) {
      rows.push(
        `| ${code(file.file)} | ${code(h.relation)}${h.indexOf === undefined ? "" : ` (index of ${code(h.indexOf)})`} | ${modeName(h.mode)} | ${duration(h.heldMs)} (line ${h.line}${file.transaction ? " to commit" : ""}) | ${cell(consequence(h.mode, h.relation, until, h.indexOf))} |`,
      );
    }
    for (const s of file.statements.filter((x) => x.locks === null && x.error === null)) {
      rows.push(
        `| ${code(file.file)} | line ${s.line} | ${cell(locksText(s) as string)} | ${duration(s.durationMs)} | sampled ${s.samples ?? 0} times while it ran, without seeing a lock |`,
      );
    }
  }
  if (rows.length === 0)
    return ["The head's statements take no lock on tables that existed before them.", ""];
  return [
    "| file | relation | strongest lock | held | what it means |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ];
}

function statementFindings(m: Measurement): string[] {
  // Rows per table as each statement starts: the filled counts, moved by what earlier ones wrote.
  const rows = new Map(m.fill.tables.map((t) => [t.table, t.rows]));
  const size = (table: string, ms: number) =>
    rows.has(table) ? `${count(rows.get(table) as number)} rows: ${duration(ms)}` : duration(ms);
  const lines: string[] = [];
  for (const file of m.files) {
    const strongestSoFar = new Map<string, LockMode>();
    for (const s of file.statements) {
      // A no-transaction file's statements each commit, and release their locks, on their own.
      if (!file.transaction) strongestSoFar.clear();
      const where = `${code(file.file)} line ${s.line} (${code(statementLabel(s.text))})`;
      for (const l of s.locks ?? []) strongestSoFar.set(l.relation, l.mode);
      const what: string[] = [];
      for (const t of s.rewrites) what.push(`rewrites ${code(t)} (${size(t, s.durationMs)})`);
      for (const t of s.scans) {
        const lock = s.inTransaction ? strongestSoFar.get(t) : undefined;
        what.push(
          `scans all of ${code(t)} (${size(t, s.durationMs)})${lock === undefined ? "" : ` holding ${modeName(lock)}`}`,
        );
      }
      for (const w of s.writes) {
        const rowsOf = (n: number) => `${count(n)} ${n === 1 ? "row" : "rows"}`;
        if (w.inserted > 0) what.push(`inserts ${rowsOf(w.inserted)} into ${code(w.table)}`);
        if (w.updated > 0) what.push(`updates ${rowsOf(w.updated)} of ${code(w.table)}`);
        if (w.deleted > 0) what.push(`deletes ${rowsOf(w.deleted)} of ${code(w.table)}`);
        rows.set(w.table, (rows.get(w.table) ?? 0) + w.inserted - w.deleted);
      }
      if (s.error !== null) {
        what.push(
          `**fails on the filled tables**: ${failureReason(s.error)}; ${file.transaction ? "the file rolls back" : "the statements before it stay applied"}`,
        );
      }
      if (what.length > 0) lines.push(`- ${where}: ${what.join("; ")}`);
    }
  }
  if (m.notRun.length > 0) {
    lines.push(`- not measured, as the head stopped before them: ${m.notRun.map(code).join(", ")}`);
  }
  return lines.length === 0 ? [] : [...lines, ""];
}

function everyStatement(m: Measurement): string[] {
  const statements = m.files.flatMap((f) => f.statements);
  const list = (items: string[]) => (items.length === 0 ? "" : items.map(code).join(", "));
  return [
    `<details><summary>Every statement (${statements.length})</summary>`,
    "",
    "| file | line | statement | locks taken | rewrites | scans | rows changed | time |",
    "|---|---|---|---|---|---|---|---|",
    ...m.files.flatMap((f) =>
      f.statements.map((s) => {
        const locks = locksText(s);
        const taken =
          typeof locks === "string"
            ? locks
            : (s.locks ?? [])
                .map(
                  (l) =>
                    `${code(l.relation)}${l.indexOf === undefined ? "" : ` (index of ${code(l.indexOf)})`} ${modeName(l.mode)}`,
                )
                .join(", ");
        return `| ${code(f.file)} | ${s.line} | ${cell(code(statementLabel(s.text)))} | ${cell(taken)} | ${list(s.rewrites)} | ${list(s.scans)} | ${s.writes.map((w) => `${code(w.table)} ${writeText(w, count)}`).join(", ")} | ${s.error === null ? duration(s.durationMs) : "failed"} |`;
      }),
    ),
    "",
    "</details>",
    "",
  ];
}

/** The measured section of one module set's build; empty when it was not measured. */
export function measuredSection(
  m: Measurement | null,
  headFiles: number,
  compact: boolean,
): string[] {
  if (m === null) return [];
  return [
    "#### Measured on filled tables",
    "",
    ...fillLines(m, headFiles),
    ...lockTable(m),
    ...statementFindings(m),
    ...(compact ? [] : everyStatement(m)),
  ];
}
