/**
 * The generated parts of README.md and docs/ (scripts/docs.ts), and the README's shape.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BLOCK_END,
  blockIds,
  blockStart,
  docFiles,
  fillBlocks,
  generatedBlocks,
  ROOT,
  renderDocs,
  unplacedBlocks,
} from "../../scripts/docs";
import { HELP_TOPICS, type HelpTopic, helpArgv, helpText } from "../../src/cli/helpTopics";
import { runInProcess } from "../support/inProcess";

describe("npm run docs", () => {
  it("has left no generated block of README.md or docs/*.md stale", () => {
    const stale = renderDocs()
      .filter((f) => f.generated !== f.current)
      .map((f) => f.file);
    expect(stale, `stale generated blocks in ${stale.join(", ")}: run npm run docs`).toEqual([]);
  });

  it("places every command's help in docs/cli.md, and the config reference, import graph and schema diagram", () => {
    const cli = readFileSync(join(ROOT, "docs", "cli.md"), "utf8");
    expect(blockIds(cli).sort()).toEqual(HELP_TOPICS.map((t) => `cli-help ${t}`).sort());
    expect(blockIds(readFileSync(join(ROOT, "docs", "configuration.md"), "utf8"))).toEqual([
      "config-reference",
    ]);
    expect(blockIds(readFileSync(join(ROOT, "docs", "design.md"), "utf8"))).toEqual([
      "import-graph",
    ]);
    expect(blockIds(readFileSync(join(ROOT, "docs", "schema.md"), "utf8"))).toEqual([
      "schema-diagram",
    ]);
    expect(docFiles()).toEqual([
      "README.md",
      "docs/ci.md",
      "docs/cli.md",
      "docs/configuration.md",
      "docs/design.md",
      "docs/fly.md",
      "docs/migrations.md",
      "docs/operations.md",
      "docs/schema.md",
      "docs/upgrading.md",
    ]);
  });

  it("quotes each help text as the CLI prints it", () => {
    const blocks = generatedBlocks();
    expect(blocks.get("cli-help migrate")).toBe(`\`\`\`text\n${helpText("migrate")}\n\`\`\``);
    expect(blocks.get("cli-help verify-all")).toBe(`\`\`\`text\n${helpText("verify-all")}\n\`\`\``);
  });
});

const printedHelp = (topic: HelpTopic) => runInProcess(helpArgv(topic));

describe("helpText", () => {
  it.each(HELP_TOPICS)("%s: is exactly what gaia-db prints for --help", async (topic) => {
    expect(await printedHelp(topic)).toEqual({
      code: 0,
      stdout: `${helpText(topic)}\n`,
      stderr: "",
    });
  });

  it("covers every command the global help lists", () => {
    expect(HELP_TOPICS).toEqual([
      "gaia-db",
      "migrate",
      "plan",
      "status",
      "verify",
      "baseline",
      "repair",
      "bind",
      "view",
      "cleanup-test-users",
      "env",
      "doctor",
      "verify-all",
      "app-login",
      "restore",
      "restore-drill",
      "review",
      "schema",
    ]);
    expect(helpArgv("verify-all")).toEqual(["verify", "all", "--help"]);
    expect(helpArgv("gaia-db")).toEqual(["--help"]);
  });
});

describe("fillBlocks", () => {
  const blocks = new Map([
    ["a", "new A"],
    ["cli-help x", "new X"],
  ]);

  it.each([
    [
      "replaces each block's content, keeping the markers and the text around them",
      `intro\n${blockStart("a")}\nold\nlines\n${BLOCK_END}\nmiddle\n${blockStart("cli-help x")}\n${BLOCK_END}\nend\n`,
      `intro\n${blockStart("a")}\nnew A\n${BLOCK_END}\nmiddle\n${blockStart("cli-help x")}\nnew X\n${BLOCK_END}\nend\n`,
    ],
    ["leaves a text without blocks alone", "# title\n\ntext\n", "# title\n\ntext\n"],
  ])("%s", (_name, text, expected) => {
    expect(fillBlocks(text, blocks, "guide.md")).toBe(expected);
    expect(fillBlocks(expected, blocks, "guide.md")).toBe(expected);
  });

  it.each([
    [
      "an unknown block",
      `${blockStart("b")}\n${BLOCK_END}\n`,
      'guide.md: unknown generated block "b"; known blocks: a, cli-help x',
    ],
    [
      "an unclosed block",
      `${blockStart("a")}\ntext\n`,
      'guide.md: generated block "a" has no <!-- /generated --> before the next block',
    ],
    [
      "a block opened inside another",
      `${blockStart("a")}\n${blockStart("cli-help x")}\n${BLOCK_END}\n`,
      'guide.md: generated block "a" has no <!-- /generated --> before the next block',
    ],
    [
      "a block that appears twice",
      `${blockStart("a")}\n${BLOCK_END}\n${blockStart("a")}\n${BLOCK_END}\n`,
      'guide.md: generated block "a" appears twice',
    ],
  ])("refuses %s", (_name, text, message) => {
    expect(() => fillBlocks(text, blocks, "guide.md")).toThrow(message);
  });

  it("names the blocks no doc holds", () => {
    expect(
      unplacedBlocks(
        ["a", "cli-help x", "cli-help y"],
        [`${blockStart("a")}\n${BLOCK_END}`, `${blockStart("cli-help y")}\n${BLOCK_END}`],
      ),
    ).toEqual(["cli-help x"]);
  });
});

describe("README.md", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");

  it("is at most 250 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
  });

  it("has exactly two quick-start commands, and the npm scripts exist", () => {
    const quickStart = readme.split("## Quick start")[1]!.split("```sh\n")[1]!.split("```")[0]!;
    const commands = quickStart
      .trim()
      .split("\n")
      .map((l) => l.split("#")[0]!.trim());
    expect(commands).toEqual(["npm run local:up", "npm test"]);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts["local:up"]).toBe("bash scripts/local-up.sh");
    expect(pkg.scripts["local:down"]).toBe("bash src/local/stack.sh down");
    expect(pkg.scripts["local:wipe"]).toBe("bash src/local/stack.sh wipe");
    expect(pkg.scripts["local:pulumi"]).toBe("bash src/local/stack.sh pulumi");
    expect(pkg.scripts.docs).toBe("tsx scripts/docs.ts");
  });

  it("has the sections a newcomer needs, and nothing else", () => {
    const headings = readme.split("\n").filter((l) => l.startsWith("#"));
    expect(headings).toEqual([
      "# gaia-infra",
      "## Prerequisites",
      "## Quick start",
      "## Stacks",
      "## Where to go next",
    ]);
  });
});
