/**
 * The measured review's options and their defaults. Kept apart from measure.ts, which loads the
 * runner and pg: the CLI reads these when it declares `gaia-db review`, for every command.
 */

/** Rows generated per table when --rows is not given, and the most it accepts. */
export const DEFAULT_ROWS = 10_000;
export const MAX_ROWS = 1_000_000;
export const DEFAULT_SEED = 1;

export interface MeasureOptions {
  /** Rows generated per table. */
  rows: number;
  /** Seed of the generated rows: the same seed gives the same rows. */
  seed: number;
}
