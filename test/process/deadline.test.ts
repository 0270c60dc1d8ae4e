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

  it("reads GAIA_TIMEOUT_SECONDS: unset is no deadline, 11 to 86400 are taken", () => {
    expect(readTimeoutSeconds({})).toBeUndefined();
    expect(readTimeoutSeconds({ GAIA_TIMEOUT_SECONDS: "" })).toBeUndefined();
    for (const good of ["11", "600", "1800", "3600", "86400"]) {
      expect(readTimeoutSeconds({ GAIA_TIMEOUT_SECONDS: good })).toBe(Number(good));
    }
  });

  it.each([
    "30m",
    "10s",
    "0",
    "-5",
    "1.5",
    " 60",
    "NaN",
    "Infinity",
    "1e3",
    "0x10",
    "010",
    // No time left after the margin: the deadline would pass at once.
    "10",
    "1",
    // Beyond a day; past 2147483 s node's timer would fire at once.
    "86401",
    "99999999999",
  ])("refuses %j, naming the variable, the value and the range", (bad) => {
    expect(() => readTimeoutSeconds({ GAIA_TIMEOUT_SECONDS: bad })).toThrow(
      `GAIA_TIMEOUT_SECONDS must be a whole number of seconds from 11 to 86400 (the command's customTimeout; the process stops itself 10 to 60 s before it), got "${bad}": set it to the customTimeout of the resource that runs the command`,
    );
  });
});
