/** The one duration grammar (src/cli/duration.ts), table-driven with exact results. */
import { describe, expect, it } from "vitest";
import { describeBounds, formatDuration, parseDuration } from "../../src/cli/duration";
import { GaiaDbError } from "../../src/shared/errors";

const BOUNDS = { minMs: 100, maxMs: 55 * 60_000, maxReason: "why" };
const NOT = "not a duration; write e.g. 500ms, 10s, 15m or 1h (a bare number is seconds)";

describe("parseDuration", () => {
  it.each([
    ["100ms", 100],
    ["150.5ms", 151],
    ["10s", 10_000],
    ["10", 10_000],
    ["0.25", 250],
    ["1.5s", 1500],
    ["15m", 900_000],
    ["55m", 3_300_000],
  ])("%j is %d ms", (text, ms) => {
    expect(parseDuration("t", text, BOUNDS)).toBe(ms);
  });

  it.each([
    ["0", "--t 0: too short; the shortest is 100ms (0 would mean no limit at all)"],
    ["0.0001", "--t 0.0001: too short; the shortest is 100ms (0 would mean no limit at all)"],
    ["0ms", "--t 0ms: too short; the shortest is 100ms (0 would mean no limit at all)"],
    ["99ms", "--t 99ms: too short; the shortest is 100ms"],
    ["1h", "--t 1h: too long; the longest is 55m (why)"],
    ["3301", "--t 3301: too long; the longest is 55m (why)"],
    ["", `--t "": ${NOT}`],
    ["-5s", `--t -5s: ${NOT}`],
    ["0x10", `--t 0x10: ${NOT}`],
    ["1e3", `--t 1e3: ${NOT}`],
    ["10 s", `--t 10 s: ${NOT}`],
    [" 10s", `--t  10s: ${NOT}`],
    [".5s", `--t .5s: ${NOT}`],
    ["5.", `--t 5.: ${NOT}`],
    ["1d", `--t 1d: ${NOT}`],
    ["Infinity", `--t Infinity: ${NOT}`],
  ])("%j is a usage error: %s", (text, message) => {
    let error: unknown;
    try {
      parseDuration("t", text, BOUNDS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GaiaDbError);
    expect({
      code: (error as GaiaDbError).exitCode,
      message: (error as GaiaDbError).message,
    }).toEqual({
      code: 2,
      message,
    });
  });
});

describe("formatDuration and describeBounds", () => {
  it.each([
    [100, "100ms"],
    [1500, "1500ms"],
    [10_000, "10s"],
    [90_000, "90s"],
    [900_000, "15m"],
    [3_600_000, "1h"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("says both bounds", () => {
    expect(describeBounds(BOUNDS)).toBe("100ms to 55m");
  });
});
