/**
 * Every relative link of README.md and docs/*.md, and every doc citation in code, resolves to a
 * file and a heading (scripts/docsLinks.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { docFiles, ROOT } from "../../scripts/docs";
import {
  brokenDocReferences,
  brokenLinks,
  githubSlug,
  headingAnchors,
  relativeLinks,
} from "../../scripts/docsLinks";

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

// Doc paths are spelled in pieces here: this file is scanned for doc citations too.
const readme = ["README", "md"].join(".");
const doc = (name: string) => ["docs", name].join("/");

/** A scratch repository holding the given files. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "gaia-docs-"));
  scratch.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("the repository's docs", () => {
  it("link only to files and headings that exist", () => {
    expect(brokenLinks(ROOT, docFiles())).toEqual([]);
  });

  it("are cited from code only by files and headings that exist", () => {
    expect(brokenDocReferences(ROOT)).toEqual([]);
  });
});

describe("githubSlug", () => {
  it.each([
    ["Fly.io environments (dev, staging, production)", "flyio-environments-dev-staging-production"],
    ["`view`: why a statement cannot write", "view-why-a-statement-cannot-write"],
    [
      "State backend and secrets (one-time operator steps)",
      "state-backend-and-secrets-one-time-operator-steps",
    ],
    ["Migrations (`src/migrations`)", "migrations-srcmigrations"],
    ["`gaia:postgresPassword` (secret)", "gaiapostgrespassword-secret"],
    ["The `gaia_migrations` ledger", "the-gaia_migrations-ledger"],
    ["Down — and reset", "down--and-reset"],
    [
      "Ledger and binding (owned by the runner, relied on by the SQL)",
      "ledger-and-binding-owned-by-the-runner-relied-on-by-the-sql",
    ],
    ["[Linked](other.md) heading", "linked-heading"],
  ])("%s → #%s", (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });
});

describe("headingAnchors", () => {
  it("numbers repeated headings and ignores lines in code blocks", () => {
    const md = "# Setup\n\n## Setup\n\n```sh\n# not a heading\n```\n\n### Setup ###\n";
    expect([...headingAnchors(md)]).toEqual(["setup", "setup-1", "setup-2"]);
  });
});

describe("relativeLinks", () => {
  it("finds relative targets outside code, with their lines", () => {
    const md = [
      "See [cli](cli.md#exit-codes) and [here](#top).",
      "[site](https://fly.io/docs/) [mail](mailto:a@b.c) `[not](a-link.md)`",
      "```",
      "[in code](nope.md)",
      "```",
      '[`code text`](../README.md "title")',
    ].join("\n");
    expect(relativeLinks(md)).toEqual([
      { line: 1, target: "cli.md#exit-codes" },
      { line: 1, target: "#top" },
      { line: 6, target: "../README.md" },
    ]);
  });
});

describe("brokenLinks", () => {
  it("names each missing file and heading, with file and line", () => {
    const root = tree({
      [readme]: `# Title\n\n[ok](${doc("a.md")}#one) [gone](${doc("b.md")})\n[bad](${doc("a.md")}#two)\n`,
      [doc("a.md")]: `# One\n\n[up](../${readme}#title) [self](#nowhere) [out](../../x.md)\n`,
    });
    expect(brokenLinks(root, [readme, doc("a.md")])).toEqual([
      `${readme}:3: ${doc("b.md")}: ${doc("b.md")} does not exist`,
      `${readme}:4: ${doc("a.md")}#two: ${doc("a.md")} has no heading with the anchor #two`,
      `${doc("a.md")}:3: #nowhere: ${doc("a.md")} has no heading with the anchor #nowhere`,
      `${doc("a.md")}:3: ../../x.md: ../x.md does not exist`,
    ]);
  });
});

describe("brokenDocReferences", () => {
  it("checks citations in code and config, not in fixtures or other paths", () => {
    const root = tree({
      [readme]: "# Title\n",
      [doc("fly.md")]: "# Fly\n\n## Secrets\n",
      "src/a.ts": `// see ${doc("fly.md")}#secrets and ${doc("fly.md")}#nope\n// ${readme}#title, core/${readme}\n`,
      "Pulumi.dev.yaml": `# (${doc("gone.md")}#x)\n`,
      "test/fixtures/x.sql": `-- ${doc("gone.md")}\n`,
    });
    expect(brokenDocReferences(root)).toEqual([
      `Pulumi.dev.yaml:1: ${doc("gone.md")}#x: ${doc("gone.md")} does not exist`,
      `src/a.ts:1: ${doc("fly.md")}#nope: ${doc("fly.md")} has no heading with the anchor #nope`,
    ]);
  });
});
