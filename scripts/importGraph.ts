/**
 * The folders of the repository and which folders each one imports, read from the code (static
 * imports, `export … from`, `require(…)` and `import(…)`), for docs/design.md. Generated rather
 * than written by hand, so the page cannot drift from the code.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** Where code lives; test/ is left out except as a target (bench uses test/support). */
export const SOURCE_ROOTS = ["index.ts", "bin", "src", "policy", "bench", "scripts"] as const;

export interface ImportEdge {
  /** Repository-relative path of the importing file, e.g. `src/cli/main.ts`. */
  from: string;
  /** Repository-relative path of the imported module without extension, e.g. `src/fly/proxy`. */
  to: string;
  /** `import type` / `export type`: no run-time dependency. */
  typeOnly: boolean;
}

/** The folder a file belongs to: `src/<name>`, `test/<name>`, a top-level folder, or the file. */
export function folderOf(path: string): string {
  const parts = path.split("/");
  if (parts.length === 1) return path;
  if ((parts[0] === "src" || parts[0] === "test") && parts.length > 2) {
    return `${parts[0]}/${parts[1]}`;
  }
  return parts[0]!;
}

/** The relative module specifiers of one file, with whether each is type-only. */
export function importsOf(
  text: string,
  fileName = "file.ts",
): { spec: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: { spec: string; typeOnly: boolean }[] = [];
  const add = (node: ts.Node | undefined, typeOnly: boolean) => {
    if (node && ts.isStringLiteralLike(node) && node.text.startsWith(".")) {
      found.push({ spec: node.text, typeOnly });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      if (isRequire || callee.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The code files under SOURCE_ROOTS, repository-relative. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(join(root, path), { withFileTypes: true })) {
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (/\.(ts|js|cjs)$/.test(entry.name)) files.push(child);
    }
  };
  for (const r of SOURCE_ROOTS) {
    if (r.endsWith(".ts")) files.push(r);
    else walk(r);
  }
  return files.sort();
}

/** Every relative import of the code under SOURCE_ROOTS. */
export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of sourceFiles(root)) {
    for (const { spec, typeOnly } of importsOf(readFileSync(join(root, from), "utf8"), from)) {
      const target = relative(root, resolve(root, dirname(from), spec)).replace(
        /\.(ts|js|cjs)$/,
        "",
      );
      edges.push({ from, to: target, typeOnly });
    }
  }
  return edges;
}

/**
 * Folder → imported folder → imported modules (paths inside that folder); a module marked
 * `(types)` is imported for its types only, so it is no run-time dependency.
 */
export function folderGraph(edges: readonly ImportEdge[]): Map<string, Map<string, Set<string>>> {
  const runtimeUse = new Set<string>();
  for (const e of edges) if (!e.typeOnly) runtimeUse.add(`${folderOf(e.from)}>${e.to}`);
  const graph = new Map<string, Map<string, Set<string>>>();
  for (const e of edges) {
    const from = folderOf(e.from);
    const to = folderOf(e.to);
    if (from === to) continue;
    const targets = graph.get(from) ?? new Map<string, Set<string>>();
    graph.set(from, targets);
    const modules = targets.get(to) ?? new Set<string>();
    targets.set(to, modules);
    const name = e.to === to ? e.to : e.to.slice(to.length + 1);
    modules.add(runtimeUse.has(`${from}>${e.to}`) ? name : `${name} (types)`);
  }
  return graph;
}

/** Pairs of folders that import each other, with the files that make each direction. */
export function folderCycles(edges: readonly ImportEdge[]): string[] {
  const across = edges.filter((e) => folderOf(e.from) !== folderOf(e.to));
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const e of across) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    const key = [a, b].sort().join(" ");
    if (seen.has(key)) continue;
    const back = across.filter((x) => folderOf(x.from) === b && folderOf(x.to) === a);
    if (back.length === 0) continue;
    seen.add(key);
    const forth = across.filter((x) => folderOf(x.from) === a && folderOf(x.to) === b);
    const files = (list: ImportEdge[]) =>
      [...new Set(list.map((x) => `\`${x.from}\` → \`${x.to}\``))].join(", ");
    lines.push(`- \`${a}\` ⇄ \`${b}\`: ${files(forth)}; ${files(back)}.`);
  }
  return lines;
}

/** The Markdown table of docs/design.md's generated block `import-graph`. */
export function renderImportGraph(files: readonly string[], edges: readonly ImportEdge[]): string {
  const graph = folderGraph(edges);
  const out = ["| folder | imports from (modules) |", "|---|---|"];
  const folders = [...new Set(files.map(folderOf))].sort();
  for (const folder of folders) {
    const targets = graph.get(folder);
    const cell =
      targets === undefined
        ? "nothing in the repository"
        : [...targets.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([to, modules]) => `\`${to}\` (${[...modules].sort().join(", ")})`)
            .join("; ");
    out.push(`| \`${folder}\` | ${cell} |`);
  }
  const cycles = folderCycles(edges);
  out.push("");
  if (cycles.length === 0) out.push("No two folders import each other.");
  else out.push("Folders that import each other:", "", ...cycles);
  return out.join("\n");
}
