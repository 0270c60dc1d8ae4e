/** gaia-db writing into a pipe whose reader has gone (`gaia-db … | head -1`). */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(__dirname, "..", "..", "bin", "gaia-db.js");

function runWithClosedStdout(args: string[]) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    // The reader leaves before gaia-db writes anything.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed stdout", () => {
  it.each([
    [["--help"], 0],
    [["status", "dev", "--json"], 2],
  ])("gaia-db %j ends with its own exit code and no stack trace", async (args, code) => {
    const result = await runWithClosedStdout(args);
    expect(result.code).toBe(code);
    expect(result.stderr).not.toMatch(/EPIPE|at .*\.(js|ts|cjs):\d+/);
  });
});
