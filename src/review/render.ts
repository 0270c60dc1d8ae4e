/**
 * The review as the pull-request comment (Markdown, rendered by GitHub, Mermaid included). Pure;
 * `--json` prints the Review itself. The comment starts with a marker line so the workflow finds and edits
 * its own comment on re-runs.
 */
import type { CatalogTable } from "../migrations/catalog";
import { measuredSection } from "./measureRender";
import { foreignKeys } from "./mermaid";
import type { BuildReview, Review } from "./review";
import {
  type ChangeKind,
  describeColumn,
  describeIndex,
  describeTrigger,
  type SchemaChange,
} from "./schemaDiff";
import { SQUAWK_VERSION, type SquawkFinding } from "./squawk";

export const COMMENT_MARKER = "<!-- gaia:schema-review -->";

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const codes = (items: readonly string[]) => items.map(code).join(", ");
const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
/** Table cells hold no pipes or line breaks. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function stacksSection(review: Review): string[] {
  const lines = [
    "### What each stack runs on its next `pulumi up`",
    "",
    "| stack | modules | files to run | notes |",
    "|---|---|---|---|",
  ];
  for (const s of review.stacks) {
    const before = s.modulesBefore?.join(", ");
    const after = s.modulesAfter.join(", ");
    const modules =
      s.modulesBefore === null
        ? `${after} (new stack file)`
        : before === after
          ? after
          : `${before} → **${after}**`;
    const notes = [
      s.appliedFrom === "stack output"
        ? "last applied: its `migrationFiles` output"
        : "last applied: assumed the base's files",
      ...(s.snapshot === true ? ["**pre-migration snapshot** of the Postgres volumes first"] : []),
      ...(s.snapshot === false ? ["no snapshot (the migration set is unchanged)"] : []),
      ...s.refusals.map((r) => `**refused**: ${r}`),
    ];
    lines.push(
      `| ${s.stack} | ${cell(modules)} | ${s.toRun.length === 0 ? "nothing" : cell(codes(s.toRun))} | ${cell(notes.join("; "))} |`,
    );
  }
  return lines;
}

function summary(changes: readonly SchemaChange[]): string {
  const counts = new Map<string, Record<ChangeKind, number>>();
  for (const c of changes) {
    const entry = counts.get(c.object) ?? { added: 0, changed: 0, removed: 0 };
    entry[c.change] += 1;
    counts.set(c.object, entry);
  }
  const parts: string[] = [];
  for (const [object, n] of counts) {
    const words = (["added", "changed", "removed"] as const)
      .filter((k) => n[k] > 0)
      .map((k) => `${n[k]} ${k}`);
    const many = object === "index" ? "indexes" : object.endsWith("s") ? object : `${object}s`;
    parts.push(`${many}: ${words.join(", ")}`);
  }
  return parts.join("; ");
}

/** One line for a new table: its size, keys, references and indexes. */
function newTableLine(table: CatalogTable): string {
  const parts = [plural(table.columns.length, "column")];
  const pk = table.constraints.find((c) => c.type === "p");
  if (pk) parts.push(pk.definition.replace(/^PRIMARY KEY/, "primary key"));
  const fks = foreignKeys(table);
  if (fks.length > 0) {
    parts.push(
      `references ${fks.map((fk) => `${code(fk.references)} (${fk.columns.join(", ")})`).join(", ")}`,
    );
  }
  const unique = table.constraints.filter((c) => c.type === "u").length;
  const checks = table.constraints.filter((c) => c.type === "c").length;
  if (unique > 0) parts.push(plural(unique, "unique constraint"));
  if (checks > 0) parts.push(plural(checks, "check"));
  if (table.indexes.length > 0) parts.push(plural(table.indexes.length, "index", "indexes"));
  if (table.triggers.length > 0) parts.push(plural(table.triggers.length, "trigger"));
  return `${code(table.name)}: ${parts.join("; ")}`;
}

function newTableDetails(table: CatalogTable): string[] {
  return [
    "",
    `  <details><summary>${table.name}: columns, constraints, indexes</summary>`,
    "",
    ...table.columns.map((c) => `  - ${code(c.name)} ${describeColumn(c)}`),
    ...table.constraints.map((c) => `  - constraint ${code(c.name)} ${c.definition}`),
    ...table.indexes.map((i) => `  - index ${code(i.name)} ${describeIndex(i.definition)}`),
    ...table.triggers.map((t) => `  - trigger ${code(t.name)} ${describeTrigger(t.definition)}`),
    "",
    "  </details>",
  ];
}

function changeLine(c: SchemaChange): string {
  const what =
    c.table === undefined ? `${c.object} ${code(c.name)}` : `${c.object} ${code(c.name)}`;
  if (c.change === "changed") {
    const detail = (c.changes ?? [])
      .map((a) => `${a.attribute} ${code(a.before)} → ${code(a.after)}`)
      .join("; ");
    return `${what} changed: ${detail}`;
  }
  return `${what} ${c.change}${c.description ? `: ${c.description}` : ""}`;
}

function tablesSection(changes: readonly SchemaChange[], compact: boolean): string[] {
  const lines: string[] = [];
  const added = changes.filter((c) => c.object === "table" && c.change === "added");
  if (added.length > 0) {
    lines.push(`**New tables (${added.length})**`, "");
    for (const c of added) {
      const table = c.definition as CatalogTable;
      lines.push(`- ${newTableLine(table)}`, ...(compact ? [] : newTableDetails(table)));
    }
    lines.push("");
  }
  const perTable = new Map<string, SchemaChange[]>();
  for (const c of changes) {
    if (c.table === undefined) continue;
    perTable.set(c.table, [...(perTable.get(c.table) ?? []), c]);
  }
  if (perTable.size > 0) {
    lines.push(`**Changed tables (${perTable.size})**`, "");
    for (const [table, items] of perTable) {
      lines.push(`- ${code(table)}`, ...items.map((c) => `  - ${changeLine(c)}`));
    }
    lines.push("");
  }
  const removed = changes.filter((c) => c.object === "table" && c.change === "removed");
  if (removed.length > 0) {
    lines.push(`**Removed tables (${removed.length})**`, "");
    lines.push(...removed.map((c) => `- ${code(c.name)} (${c.description}), with its data`), "");
  }
  return lines;
}

/** Grants added or removed in bulk read as one line per grantee and privilege set. */
function grantLines(changes: readonly SchemaChange[]): string[] {
  const lines: string[] = [];
  const bulk = new Map<string, string[]>();
  for (const c of changes) {
    if (c.object !== "grant") continue;
    if (c.change === "changed") {
      lines.push(`- ${changeLine(c)}`);
      continue;
    }
    const match = /^(.+?) (.+) to (\S+)$/.exec(c.name);
    const [kind, object, grantee] = match ? [match[1], match[2], match[3]] : ["", c.name, ""];
    const key = `${c.change}\u0000${grantee}\u0000${c.description}\u0000${kind}`;
    bulk.set(key, [...(bulk.get(key) ?? []), object as string]);
  }
  for (const [key, objects] of bulk) {
    const [change, grantee, privileges, kind] = key.split("\u0000") as [
      string,
      string,
      string,
      string,
    ];
    const many = kind.endsWith("s") ? kind : `${kind}s`;
    lines.push(
      `- ${change === "added" ? "grants" : "revokes"} ${privileges} ${change === "added" ? "to" : "from"} ${code(grantee)} on ${objects.length === 1 ? `${kind} ${code(objects[0] as string)}` : `${objects.length} ${many}: ${codes(objects)}`}`,
    );
  }
  return lines;
}

function otherSection(changes: readonly SchemaChange[]): string[] {
  const lines: string[] = [];
  const pick = (...objects: string[]) => changes.filter((c) => objects.includes(c.object));
  const simple = (title: string, items: SchemaChange[]) => {
    if (items.length === 0) return;
    lines.push(`**${title}**`, "", ...items.map((c) => `- ${changeLine(c)}`), "");
  };
  simple("Extensions", pick("extension"));
  simple("Views", pick("view"));
  simple("Functions", pick("function"));
  simple("Sequences", pick("sequence"));
  const access = [
    ...pick("role").map((c) => `- ${changeLine(c)}`),
    ...grantLines(changes),
    ...pick("default privileges").map((c) => `- ${changeLine(c)}`),
  ];
  if (access.length > 0) lines.push("**Roles and privileges**", "", ...access, "");
  return lines;
}

function buildSection(build: BuildReview, compact: boolean): string[] {
  const modules =
    build.modulesBefore.join(", ") === build.modulesAfter.join(", ")
      ? build.modulesAfter.join(", ")
      : `${build.modulesBefore.join(", ")} → ${build.modulesAfter.join(", ")}`;
  const lines = [
    `### Schema: ${modules} (${plural(build.stacks.length, "stack")}: ${build.stacks.join(", ")})`,
    "",
  ];
  if (build.failure !== null) {
    lines.push(
      "**The head does not apply on the base.** The runner stopped with:",
      "",
      "```text",
      ...build.failure,
      "```",
      "",
    );
    return lines;
  }
  lines.push(
    build.headFiles.length === 0
      ? "The head applies no file on the base."
      : `The head applies ${plural(build.headFiles.length, "file")} on the base: ${codes(build.headFiles)}.`,
    "",
  );
  const changes = build.changes ?? [];
  const measured = measuredSection(build.measurement, build.headFiles.length, compact);
  if (changes.length === 0) {
    lines.push("No schema change.", "", ...measured);
    return lines;
  }
  lines.push(
    `Changes: ${summary(changes)}.`,
    "",
    ...tablesSection(changes, compact),
    ...otherSection(changes),
  );
  if (build.diagram !== null) {
    lines.push(
      "<details open><summary>Tables touched and their foreign keys</summary>",
      "",
      "```mermaid",
      build.diagram,
      "```",
      "",
      "</details>",
      "",
    );
  }
  lines.push(...measured);
  return lines;
}

function squawkSection(review: Review, compact: boolean): string[] {
  if (review.newFiles.length === 0) return [];
  const lines = ["### squawk", ""];
  const squawk = review.squawk;
  if (squawk === null) return [...lines, "Not run (--skip-squawk).", ""];
  if (!squawk.ran) return [...lines, `squawk could not run: ${squawk.error}`, ""];
  const files = review.newFiles.length === 1 ? "new file" : `${review.newFiles.length} new files`;
  if (squawk.findings.length === 0)
    return [...lines, `squawk ${SQUAWK_VERSION}: no findings in the ${files}.`, ""];
  const byRule = new Map<string, SquawkFinding[]>();
  for (const f of squawk.findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const rules = [...byRule].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  lines.push(
    `squawk ${SQUAWK_VERSION}: ${plural(squawk.findings.length, "finding")} in the ${files}.`,
    "",
    "| rule | findings | what squawk says |",
    "|---|---|---|",
    ...rules.map(
      ([rule, found]) => `| ${rule} | ${found.length} | ${cell(found[0]?.message ?? "")} |`,
    ),
    "",
  );
  if (compact) return lines;
  lines.push(
    "<details><summary>Where</summary>",
    "",
    ...rules.map(
      ([rule, found]) => `- ${rule}: ${found.map((f) => code(`${f.file}:${f.line}`)).join(", ")}`,
    ),
    "",
    "</details>",
    "",
  );
  return lines;
}

/** GitHub refuses a comment longer than 65,536 characters. */
export const COMMENT_LIMIT = 65_536;

/**
 * The comment. When the full text would exceed GitHub's limit, the collapsed details (each new
 * table's columns, every squawk finding, every measured statement) are left out and the comment
 * says so.
 */
export function renderMarkdown(review: Review): string {
  const full = render(review, false);
  if (full.length <= COMMENT_LIMIT) return full;
  return render(review, true).replace(
    "\n\n### What each stack",
    "\n\n_The details of new tables, of each squawk finding and of every measured statement are left out: the full report exceeds GitHub's 65,536-character comment limit; run `gaia-db review` for it._\n\n### What each stack",
  );
}

function render(review: Review, compact: boolean): string {
  const lines = [
    COMMENT_MARKER,
    "## Schema review",
    "",
    `Base ${code(review.base.sha.slice(0, 12))} (${review.base.label}) → the working tree, built on ${review.server}.`,
    review.applies
      ? "**The head applies on the base** for every module set reviewed."
      : "**The head does not apply on the base**, or a stack's runner would refuse it (details below).",
    ...(review.builds.some((b) => b.measurement?.failure != null)
      ? ["**The head fails on tables filled with generated rows** (measured below)."]
      : []),
    "",
    ...stacksSection(review),
    "",
  ];
  for (const n of review.notReviewed) {
    lines.push(
      `**Not reviewed: module ${code(n.module)}** (stacks ${n.stacks.join(", ")}): the server offers no ${codes(n.missing)} extension, so its files were not built; the review workflow's pgvector/pgvector:pg15 server builds it.`,
      "",
    );
  }
  for (const build of review.builds) lines.push(...buildSection(build, compact));
  lines.push(...squawkSection(review, compact));
  while (lines.at(-1) === "") lines.pop();
  return `${lines.join("\n")}\n`;
}
