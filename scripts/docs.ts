/**
 * `npm run docs`: regenerates every generated block of README.md and docs/*.md, the text between
 *   <!-- generated:<id> -->
 *   <!-- /generated -->
 * Blocks: `config-reference` (from the zod schema and Pulumi.yaml's defaults), `cli-help <topic>`
 * (each `gaia-db … --help`, through `helpText`), `import-graph` (the folders' imports, read from
 * the code) and `schema-diagram` (the Mermaid diagram test/review/example.test.ts draws from the
 * catalog it builds, in test/fixtures/schema/llm_platform.mmd). test/docs/docs.test.ts fails when
 * a block is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { HELP_TOPICS, helpText } from "../src/cli/helpTopics";
import { pulumiYamlDefaults, renderConfigReference } from "../src/config/reference";
import { importEdges, renderImportGraph, sourceFiles } from "./importGraph";

export const ROOT = join(__dirname, "..");
/** Written by test/review/example.test.ts (vitest -u) from the schema the migrations build. */
export const SCHEMA_DIAGRAM = "test/fixtures/schema/llm_platform.mmd";
export const BLOCK_END = "<!-- /generated -->";
const BLOCK_START = /<!-- generated:([^>]*?) -->/g;

/** The opening marker of a block. */
export function blockStart(id: string): string {
  return `<!-- generated:${id} -->`;
}

/** The Markdown files that may hold generated blocks, repository-relative. */
export function docFiles(root = ROOT): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** Every generated block's id and content, from the code. */
export function generatedBlocks(root = ROOT): Map<string, string> {
  const blocks = new Map<string, string>();
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));
  blocks.set("config-reference", renderConfigReference(pulumiYamlDefaults(project)));
  for (const topic of HELP_TOPICS) {
    blocks.set(`cli-help ${topic}`, ["```text", helpText(topic), "```"].join("\n"));
  }
  blocks.set("import-graph", renderImportGraph(sourceFiles(root), importEdges(root)));
  const diagram = readFileSync(join(root, SCHEMA_DIAGRAM), "utf8").trimEnd();
  blocks.set("schema-diagram", ["```mermaid", diagram, "```"].join("\n"));
  return blocks;
}

/**
 * `text` with every block's content replaced by its generated content. Throws on an unknown id,
 * an unclosed block, or a block that appears twice.
 */
export function fillBlocks(
  text: string,
  blocks: ReadonlyMap<string, string>,
  file: string,
): string {
  const out: string[] = [];
  const seen = new Set<string>();
  let at = 0;
  for (const match of text.matchAll(BLOCK_START)) {
    const id = match[1]!;
    const start = match.index! + match[0].length;
    const content = blocks.get(id);
    if (content === undefined) {
      throw new Error(
        `${file}: unknown generated block "${id}"; known blocks: ${[...blocks.keys()].join(", ")}`,
      );
    }
    if (seen.has(id)) throw new Error(`${file}: generated block "${id}" appears twice`);
    seen.add(id);
    const end = text.indexOf(BLOCK_END, start);
    const nextStart = text.slice(start).search(BLOCK_START);
    if (end < 0 || (nextStart >= 0 && start + nextStart < end)) {
      throw new Error(`${file}: generated block "${id}" has no ${BLOCK_END} before the next block`);
    }
    out.push(text.slice(at, start), "\n", content, "\n");
    at = end;
  }
  out.push(text.slice(at));
  return out.join("");
}

/** The block ids each file holds. */
export function blockIds(text: string): string[] {
  return [...text.matchAll(BLOCK_START)].map((m) => m[1]!);
}

/** The block ids that no text holds. */
export function unplacedBlocks(ids: readonly string[], texts: readonly string[]): string[] {
  const placed = new Set(texts.flatMap(blockIds));
  return ids.filter((id) => !placed.has(id));
}

export interface DocFile {
  file: string;
  current: string;
  generated: string;
}

/**
 * Every doc file, as it is and as `npm run docs` would write it. Throws when a generated block
 * is placed nowhere (e.g. a new command without its section in docs/cli.md).
 */
export function renderDocs(root = ROOT): DocFile[] {
  const blocks = generatedBlocks(root);
  const files = docFiles(root).map((file) => {
    const current = readFileSync(join(root, file), "utf8");
    return { file, current, generated: fillBlocks(current, blocks, file) };
  });
  const missing = unplacedBlocks(
    [...blocks.keys()],
    files.map((f) => f.current),
  );
  if (missing.length > 0) {
    throw new Error(
      `no doc holds the generated block${missing.length === 1 ? "" : "s"} ${missing.join(", ")}: add ${missing.map(blockStart).join(", ")} … ${BLOCK_END} where it belongs (CLI help: docs/cli.md), then run npm run docs`,
    );
  }
  return files;
}

if (require.main === module) {
  try {
    const stale = renderDocs().filter((f) => f.generated !== f.current);
    for (const f of stale) writeFileSync(join(ROOT, f.file), f.generated);
    console.log(
      stale.length === 0
        ? "docs: every generated block is current."
        : `docs: regenerated ${stale.map((f) => f.file).join(", ")}.`,
    );
  } catch (e) {
    console.error(`docs: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
