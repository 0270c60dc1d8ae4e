import { describe, expect, it } from "vitest";
import { deadlineMs, readTimeoutSeconds } from "../../src/process/deadline";

describe("a command's own deadline", () => {
  it.each([
    // customTimeout (s), node's deadline after its start (ms): 10 % margin, between 10 and 60 s
    [1800, 1_740_000],
    [3600, 3_540_000],
    [600, 540_000],
    [100, 90_000],
    [30, 20_000],
    [20, 10_000],
    [10, 0],
  ])("customTimeout %i s: node stops itself after %i ms", (timeout, ms) => {
    expect(deadlineMs(timeout)).toBe(ms);
  });

  it("reads GAIA_TIMEOUT_SECONDS: unset is no deadline, a non-number is refused by name", () => {
    expect(readTimeoutSeconds({})).toBeUndefined();
    expect(readTimeoutSeconds({ GAIA_TIMEOUT_SECONDS: "1800" })).toBe(1800);
    for (const bad of ["30m", "0", "-5", "1.5", " 60"]) {
      expect(() => readTimeoutSeconds({ GAIA_TIMEOUT_SECONDS: bad })).toThrow(
        `GAIA_TIMEOUT_SECONDS must be a whole number of seconds (the command's customTimeout), got "${bad}"`,
      );
    }
  });
});
