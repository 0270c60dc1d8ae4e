/** The one error renderer: whatever was thrown prints as readable text, never "[object Object]". */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { describeFailure, renderError } from "../../src/cli/render";
import { GaiaDbError } from "../../src/shared/errors";

describe("describeFailure", () => {
  it.each<[string, unknown, string, boolean]>([
    [
      "a GaiaDbError",
      new GaiaDbError("core/0001_a.sql: refused", 3),
      "core/0001_a.sql: refused",
      false,
    ],
    [
      "an Error",
      new RangeError("Maximum call stack size exceeded"),
      "Maximum call stack size exceeded",
      true,
    ],
    [
      // What libpg-query's WebAssembly throws when it exits (emscripten's ExitStatus, no Error).
      "an object with a name and a message",
      { name: "ExitStatus", message: "Program terminated with exit(1)", status: 1 },
      "ExitStatus: Program terminated with exit(1)",
      true,
    ],
    ["an object with a message only", { message: "out of memory" }, "out of memory", true],
    ["a string", "aborted", "aborted", true],
    ["a plain object", { status: 1 }, '{"status":1}', true],
    ["undefined", undefined, "undefined", true],
    ["null", null, "null", true],
    ["a number", 42, "42", true],
  ])("%s", (_name, thrown, message, unexpected) => {
    const f = describeFailure(thrown);
    expect([f.message, f.unexpected]).toEqual([message, unexpected]);
  });
});

it("renderError prints a thrown object's message, not [object Object]", () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const code = renderError(
    { name: "ExitStatus", message: "Program terminated with exit(1)", status: 1 },
    { stdout, stderr, json: false, debug: false, secrets: [] },
  );
  expect([code, stderr.read()?.toString()]).toEqual([
    1,
    "gaia-db: unexpected error: ExitStatus: Program terminated with exit(1) (run with --debug for the stack trace)\n",
  ]);
});
