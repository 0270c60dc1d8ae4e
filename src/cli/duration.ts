/**
 * The one duration grammar of gaia-db: `500ms`, `10s`, `15m`, `1h`, or a bare number of seconds
 * (`30`, `1.5`). Every duration option declares its own minimum and maximum; anything outside
 * them is a usage error, so no spelling reaches PostgreSQL as its 0 ("no limit").
 */
import { usageError } from "../shared/errors";

export interface DurationBounds {
  /** Inclusive, in milliseconds. */
  minMs: number;
  maxMs: number;
  /** Why the maximum is what it is, appended to the "too long" message. */
  maxReason?: string;
}

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration as the help writes it: the largest unit that divides it (90s, 15m, 500ms). */
export function formatDuration(ms: number): string {
  if (ms % UNITS.h === 0) return `${ms / UNITS.h}h`;
  if (ms % UNITS.m === 0) return `${ms / UNITS.m}m`;
  if (ms % UNITS.s === 0) return `${ms / UNITS.s}s`;
  return `${ms}ms`;
}

/** "at least 1s, at most 55m" for the help. */
export function describeBounds(bounds: DurationBounds): string {
  return `${formatDuration(bounds.minMs)} to ${formatDuration(bounds.maxMs)}`;
}

/**
 * `value` of `--<flag>` in milliseconds, rounded to the millisecond, within `bounds`. Decimal
 * digits only: no sign, exponent, hex, spaces or empty value.
 */
export function parseDuration(flag: string, value: string, bounds: DurationBounds): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (!m) {
    throw usageError(
      `--${flag} ${value === "" ? '""' : value}: not a duration; write e.g. 500ms, 10s, 15m or 1h (a bare number is seconds)`,
    );
  }
  const ms = Math.round(Number(m[1]) * UNITS[(m[2] ?? "s") as keyof typeof UNITS]);
  if (ms < bounds.minMs) {
    throw usageError(
      `--${flag} ${value}: too short; the shortest is ${formatDuration(bounds.minMs)}${ms === 0 ? " (0 would mean no limit at all)" : ""}`,
    );
  }
  if (ms > bounds.maxMs) {
    throw usageError(
      `--${flag} ${value}: too long; the longest is ${formatDuration(bounds.maxMs)}${bounds.maxReason ? ` (${bounds.maxReason})` : ""}`,
    );
  }
  return ms;
}
