/**
 * How long the Migrations resource lets `gaia-db migrate` run (its customTimeouts), in a module of
 * its own so that the CLI derives the bounds of its durations from it without loading Pulumi.
 */

/** Lock wait plus statement timeouts bound a run; this bounds it all. */
export const MIGRATIONS_TIMEOUT_SECONDS = 60 * 60;
