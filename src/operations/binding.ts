/**
 * The environment argument of a mutating operation is checked against the database it reaches:
 * a leftover DATABASE_URL (or a wrong --database-url) takes precedence over the stack output, so
 * `view dev --write` could otherwise write to production without --confirm production.
 */
import type pg from "pg";
import { refusedError } from "./errors";

/** `gaia_migrations.bound_environment()`, or null when the function or the binding is absent. */
export async function readBoundEnvironment(client: pg.Client): Promise<string | null> {
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT to_regprocedure('gaia_migrations.bound_environment()') IS NOT NULL AS present",
  );
  if (!rows[0]?.present) return null;
  const bound = await client.query<{ environment: string | null }>(
    "SELECT gaia_migrations.bound_environment() AS environment",
  );
  return bound.rows[0]?.environment ?? null;
}

/** Refuses (exit 3) when the database is bound to another environment than `environment`. */
export async function checkBoundEnvironment(
  client: pg.Client,
  command: string,
  environment: string,
): Promise<void> {
  const bound = await readBoundEnvironment(client);
  if (bound !== null && bound !== environment) {
    throw refusedError(
      `gaia-db ${command}: the database is bound to "${bound}", not "${environment}": pass the right environment${bound === "production" ? " (and --confirm production for production)" : ""}`,
    );
  }
}
