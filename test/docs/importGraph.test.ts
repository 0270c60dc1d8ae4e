/**
 * The folders' import graph of docs/design.md (scripts/importGraph.ts), and the direction of
 * imports that page states.
 */
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/docs";
import {
  folderCycles,
  folderGraph,
  folderOf,
  type ImportEdge,
  importEdges,
  importsOf,
  renderImportGraph,
} from "../../scripts/importGraph";

describe("importsOf", () => {
  it.each([
    ['import { a } from "./a";', [{ spec: "./a", typeOnly: false }]],
    ['import type { B } from "../b";', [{ spec: "../b", typeOnly: true }]],
    ['import * as c from "./c.ts";', [{ spec: "./c.ts", typeOnly: false }]],
    ['export { d } from "./d";', [{ spec: "./d", typeOnly: false }]],
    ['export type { E } from "./e";', [{ spec: "./e", typeOnly: true }]],
    ['const f = require("../f");', [{ spec: "../f", typeOnly: false }]],
    ['const g = await import("./g.ts");', [{ spec: "./g.ts", typeOnly: false }]],
    ['type H = typeof import("./h");', [{ spec: "./h", typeOnly: true }]],
    ['import pg from "pg";\nimport { x } from "node:fs";', []],
  ])("%s", (text, expected) => {
    expect(importsOf(text)).toEqual(expected);
  });
});

describe("folderOf", () => {
  it.each([
    ["index.ts", "index.ts"],
    ["src/fly/runtime/postgres.ts", "src/fly"],
    ["src/cli/main", "src/cli"],
    ["test/support/fakeFly", "test/support"],
    ["policy/rules.ts", "policy"],
    ["bin/gaia-db.js", "bin"],
  ])("%s → %s", (path, folder) => {
    expect(folderOf(path)).toBe(folder);
  });
});

describe("renderImportGraph", () => {
  const edges: ImportEdge[] = [
    { from: "index.ts", to: "src/a/x", typeOnly: false },
    { from: "index.ts", to: "src/a/t", typeOnly: true },
    { from: "src/a/x.ts", to: "src/a/y", typeOnly: false },
    { from: "src/a/x.ts", to: "src/b/z", typeOnly: false },
    { from: "src/b/z.ts", to: "src/a/y", typeOnly: true },
  ];

  it("lists each folder's imported folders and modules, types-only ones marked, and the cycles", () => {
    expect(renderImportGraph(["index.ts", "src/a/x.ts", "src/b/z.ts", "src/c/w.ts"], edges)).toBe(
      [
        "| folder | imports from (modules) |",
        "|---|---|",
        "| `index.ts` | `src/a` (t (types), x) |",
        "| `src/a` | `src/b` (z) |",
        "| `src/b` | `src/a` (y (types)) |",
        "| `src/c` | nothing in the repository |",
        "",
        "Folders that import each other:",
        "",
        "- `src/a` ⇄ `src/b`: `src/a/x.ts` → `src/b/z`; `src/b/z.ts` → `src/a/y`.",
      ].join("\n"),
    );
  });

  it("says so when no two folders import each other", () => {
    expect(renderImportGraph(["index.ts"], edges.slice(0, 2))).toMatch(
      /\n\nNo two folders import each other\.$/,
    );
    expect(folderCycles(edges.slice(0, 3))).toEqual([]);
  });
});

describe("the direction of imports docs/design.md states", () => {
  const edges = importEdges(ROOT);
  const graph = folderGraph(edges);

  it("src/shared imports nothing else in the repository; src/config, src/certs and src/migrations nothing but src/shared", () => {
    expect(graph.get("src/shared")).toBeUndefined();
    expect(
      ["src/config", "src/certs", "src/migrations"].map((f) => [...(graph.get(f)?.keys() ?? [])]),
    ).toEqual([["src/shared"], ["src/shared"], ["src/shared"]]);
  });

  it("dependencies point one way: no two folders import each other (src/fly never imports src/operations)", () => {
    expect(folderCycles(edges)).toEqual([]);
    expect(graph.get("src/fly")?.has("src/operations")).not.toBe(true);
  });

  it("src/local builds on src/certs, src/config and src/shared only", () => {
    expect([...(graph.get("src/local")?.keys() ?? [])].sort()).toEqual([
      "src/certs",
      "src/config",
      "src/shared",
    ]);
  });

  it("nothing under src/ imports the program, the scripts, the benchmarks or the tests", () => {
    const outward = edges.filter(
      (e) => e.from.startsWith("src/") && /^(index|scripts|bench|test)\b/.test(e.to),
    );
    expect(outward).toEqual([]);
  });

  it("src/operations never imports a Fly component or what a Fly command runs", () => {
    const modules = [...(graph.get("src/operations")?.get("src/fly") ?? [])];
    expect(
      modules.filter((m) => /^(components|command|serviceSecrets|runtime\/|scripts\/)/.test(m)),
    ).toEqual([]);
  });
});
