/**
 * Relative links of the Markdown docs, and doc references in code comments, checked against the
 * files and headings that exist, with GitHub's heading anchors: lowercase, punctuation removed,
 * each space a `-`, a repeated heading suffixed `-1`, `-2`, ….
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

/** GitHub's anchor of a heading's text (as github-slugger computes it). */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((text, i) => {
    const m = /^\s*(```+|~~~+)/.exec(text);
    if (m) {
      if (fence === undefined) fence = m[1]![0];
      else if (m[1]![0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, text });
  });
  return out;
}

/** The anchors of every heading of a Markdown text. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const slug = githubSlug(m[1]!);
    const n = counts.get(slug) ?? 0;
    counts.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative link targets (`path`, `path#anchor`, `#anchor`) outside code, with their lines. */
export function relativeLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  for (const { line, text } of proseLines(markdown)) {
    // Code spans are not links; a link whose text is code keeps its `](target)`.
    const prose = text.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ line, target });
    }
  }
  return links;
}

/** Why `target`, written in `from` (repository-relative), does not resolve; undefined if it does. */
export function resolveTarget(root: string, from: string, target: string): string | undefined {
  const [path = "", anchor] = target.split("#", 2);
  const file = path === "" ? from : normalize(join(dirname(from), decodeURI(path)));
  if (file.startsWith("..") || !existsSync(join(root, file))) return `${file} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(join(root, file)).isDirectory() || !file.endsWith(".md")) {
    return `#${anchor}: ${file} is not a Markdown file`;
  }
  const anchors = headingAnchors(readFileSync(join(root, file), "utf8"));
  if (anchors.has(anchor)) return undefined;
  return `${file} has no heading with the anchor #${anchor}`;
}

/** Every broken relative link of the given Markdown files, as `file:line: target: why`. */
export function brokenLinks(root: string, files: readonly string[]): string[] {
  const broken: string[] = [];
  for (const from of files) {
    for (const { line, target } of relativeLinks(readFileSync(join(root, from), "utf8"))) {
      const why = resolveTarget(root, from, target);
      if (why !== undefined) broken.push(`${from}:${line}: ${target}: ${why}`);
    }
  }
  return broken;
}

/** Where code and config may cite the docs (fixtures and migrations hold data, not citations). */
const CODE_ROOTS = ["src", "test", "policy", "bench", "scripts", "bin", ".github", ".ci"];
const SKIP = new Set(["node_modules", "fixtures"]);

function codeFiles(root: string): string[] {
  const files = readdirSync(root).filter((f) => /^(Pulumi\..*\.yaml|index\.ts)$/.test(f));
  const walk = (path: string) => {
    for (const entry of readdirSync(join(root, path), { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (!entry.name.endsWith(".md")) files.push(child);
    }
  };
  for (const r of CODE_ROOTS) if (existsSync(join(root, r))) walk(r);
  return files.sort();
}

/** A citation of a doc in code: `README.md`, `docs/<page>.md`, optionally with `#anchor`. */
export const DOC_REFERENCE = /(?<![\w/.-])(README\.md|docs\/[a-z-]+\.md)(#[\p{L}\p{N}_-]+)?/gu;

/** Every citation of a doc in code or config that names a missing file or heading. */
export function brokenDocReferences(root: string): string[] {
  const broken: string[] = [];
  for (const file of codeFiles(root)) {
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    lines.forEach((text, i) => {
      for (const m of text.matchAll(DOC_REFERENCE)) {
        const why = resolveTarget(root, "README.md", `${m[1]}${m[2] ?? ""}`);
        if (why !== undefined) broken.push(`${file}:${i + 1}: ${m[0]}: ${why}`);
      }
    });
  }
  return broken;
}
