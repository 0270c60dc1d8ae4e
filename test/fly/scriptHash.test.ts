/**
 * GAIA_SCRIPT_SHA256 covers the code a Fly command runs: the files the command script imports,
 * found by the TypeScript parser (scripts/importGraph.ts), are exactly the ones `scriptImports`
 * follows, and a change in any of them, in src/fly or outside it, changes the hash.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/docs";
import { importEdges } from "../../scripts/importGraph";
import { COMMAND_SCRIPT, scriptImports } from "../../src/fly/command";

/** The script's transitive imports by the real import graph, repository-relative, no extension. */
function importClosure(root: string, start: string): string[] {
  const edges = importEdges(root);
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const e of edges) {
      if (e.from.replace(/\.ts$/, "") === from && !seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return [...seen].sort();
}

describe("scriptImports", () => {
  it("follows every file the Fly command script imports, in src/fly and outside it", () => {
    const found = scriptImports().map((f) => relative(ROOT, f).replace(/\.ts$/, ""));
    expect(found).toEqual(importClosure(ROOT, COMMAND_SCRIPT.replace(/\.ts$/, "")));
    // What lies outside src/fly today: the hash must reach it (RUNTIME_IMPORTS did by hand).
    expect(found.filter((f) => !f.startsWith("src/fly/"))).toEqual(
      expect.arrayContaining(["src/shared/vocabulary"]),
    );
  });

  it("follows imports into a copy of the tree, so a change outside src/fly reaches the hash", () => {
    const copy = mkdtempSync(join(tmpdir(), "gaia-script-hash-"));
    cpSync(join(ROOT, "src"), join(copy, "src"), { recursive: true });
    const script = join(copy, COMMAND_SCRIPT);
    const before = scriptImports(script).map((f) => relative(copy, f));
    const vocabulary = join(copy, "src/shared/vocabulary.ts");
    writeFileSync(
      vocabulary,
      `${readFileSync(vocabulary, "utf8")}\nexport { x } from "../shared/extra";\n`,
    );
    writeFileSync(join(copy, "src/shared/extra.ts"), "export const x = 1;\n");
    expect(scriptImports(script).map((f) => relative(copy, f))).toEqual(
      [...before, "src/shared/extra.ts"].sort(),
    );
  });
});
