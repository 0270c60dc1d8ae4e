import { describe, expect, it } from "vitest";
import { operationsCommands } from "../../src/operations/commands";
import { captureIo } from "./support";

describe("operationsCommands", () => {
  it.each(Object.entries(operationsCommands))(
    "%s prints its help with --help and exits 0",
    async (name, command) => {
      const { io, stdout, stderr } = captureIo({});
      expect(await command.run(["--help"], io)).toBe(0);
      expect(stdout.text).toBe(`${command.help}\n`);
      expect(stderr.text).toBe("");
      const usage = name === "verify-all" ? "gaia-db verify all" : `gaia-db ${name}`;
      expect(command.help.startsWith(`Usage: ${usage} `)).toBe(true);
    },
  );

  it.each(Object.entries(operationsCommands))(
    "%s rejects an unknown flag as a usage error",
    async (_name, command) => {
      const { io, stdout, stderr } = captureIo({});
      expect(await command.run(["--no-such-flag"], io)).toBe(2);
      expect(stdout.text).toBe("");
      expect(stderr.text).toMatch(/^error: gaia-db [a-z -]+: Unknown option '--no-such-flag'/);
    },
  );
});
