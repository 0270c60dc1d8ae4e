import { describe, expect, it } from "vitest";
import { COMMAND_SPECS } from "../../src/cli/commands";
import { helpText } from "../../src/cli/helpTopics";
import { runCli } from "../../src/cli/main";
import { OPERATIONS_GROUP } from "../../src/cli/spec";
import { captureIo } from "./support";

const operations = COMMAND_SPECS.filter((s) => s.group === OPERATIONS_GROUP).map(
  (s) => [s.topic, s.path] as const,
);

describe("the operations commands", () => {
  it.each(operations)("%s prints its help with --help and exits 0", async (name, path) => {
    const { io, stdout, stderr } = captureIo({});
    expect(await runCli([...path, "--help"], io)).toBe(0);
    const help = helpText(name);
    expect(stdout.text).toBe(`${help}\n`);
    expect(stderr.text).toBe("");
    const usage = name === "verify-all" ? "gaia-db verify all" : `gaia-db ${name}`;
    expect(help.startsWith(`Usage: ${usage} `)).toBe(true);
  });

  it.each(operations)("%s rejects an unknown flag as a usage error", async (_name, path) => {
    const { io, stdout, stderr } = captureIo({});
    expect(await runCli([...path, "--no-such-flag"], io)).toBe(2);
    expect(stdout.text).toBe("");
    expect(stderr.text).toMatch(/^gaia-db: [a-z -]+: Unknown option '--no-such-flag'/);
  });
});
