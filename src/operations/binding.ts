/**
 * The environment argument of a mutating operation is checked against the database it reaches:
 * a leftover DATABASE_URL (or a wrong --database-url) takes precedence over the stack output, so
 * `view dev --write` could otherwise write to production without --confirm production.
 *
 * The guard fails closed: a database that cannot say which environment it serves (no ledger,
 * an incomplete one, no binding row, a login that may not read it) is refused like one bound
 * elsewhere — the live databases are in exactly that state until they are adopted — and the
 * message names the command that makes it answer.
 */
import type pg from "pg";
import { refusedError, usageError } from "../shared/errors";

export type BindingState =
  | { state: "bound"; environment: string }
  /** No schema gaia_migrations: never migrated, baselined or bound by gaia-db. */
  | { state: "no-ledger" }
  /** The schema is there but its function or table is not; `detail` says which. */
  | { state: "incomplete"; detail: string }
  /** The ledger is complete and its binding row absent. */
  | { state: "unbound" }
  /** The connecting login may not read the binding (the server's reason in `detail`). */
  | { state: "unreadable"; login: string; detail: string };

const pgCode = (error: unknown) => (error as { code?: unknown }).code;

/** What `gaia_migrations.bound_environment()` says about the database, in at most three queries. */
export async function readBinding(client: pg.Client): Promise<BindingState> {
  try {
    const { rows } = await client.query<{ schema: boolean; fn: boolean }>(
      `SELECT to_regnamespace('gaia_migrations') IS NOT NULL AS schema,
              to_regprocedure('gaia_migrations.bound_environment()') IS NOT NULL AS fn`,
    );
    if (!rows[0]?.schema) return { state: "no-ledger" };
    if (!rows[0].fn) {
      return {
        state: "incomplete",
        detail: "function gaia_migrations.bound_environment() is missing",
      };
    }
    const bound = await client.query<{ environment: string | null }>(
      "SELECT gaia_migrations.bound_environment() AS environment",
    );
    const environment = bound.rows[0]?.environment ?? null;
    return environment === null ? { state: "unbound" } : { state: "bound", environment };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // 42501: no USAGE on the schema (raised even by to_regprocedure) or no EXECUTE.
    if (pgCode(error) === "42501") {
      const { rows } = await client.query<{ login: string }>("SELECT current_user AS login");
      return { state: "unreadable", login: rows[0]?.login ?? "?", detail: message };
    }
    // The function's table was dropped (42P01) or its schema went away meanwhile (3F000).
    if (pgCode(error) === "42P01" || pgCode(error) === "3F000") {
      return { state: "incomplete", detail: message };
    }
    throw error;
  }
}

/**
 * Why `command` (e.g. "view dev --write") must not run on a database in `binding` for
 * `environment`, or null when it may. Pure, so every message is tested exactly.
 */
export function bindingRefusal(
  binding: BindingState,
  command: string,
  environment: string,
): string | null {
  const prefix = `${command}:`;
  const bind = `gaia-db bind ${environment} --confirm ${environment}`;
  switch (binding.state) {
    case "bound":
      if (binding.environment === environment) return null;
      return `${prefix} the database is bound to "${binding.environment}", not "${environment}": pass the right environment${binding.environment === "production" ? " (and --confirm production for production)" : ""}`;
    case "no-ledger":
      return `${prefix} the database has no gaia_migrations ledger, so nothing records which environment it serves: refusing. If it is the ${environment} database, bind it: ${bind} (a database with tables that was never adopted: gaia-db baseline ${environment} --to <versions> --confirm ${environment}; a new, empty one: gaia-db migrate ${environment})`;
    case "incomplete":
      return `${prefix} the gaia_migrations ledger is incomplete (${binding.detail}), so it cannot tell which environment the database serves: refusing. If it is the ${environment} database, restore the ledger and its binding: ${bind}`;
    case "unbound":
      return `${prefix} the gaia_migrations ledger has no binding, so nothing records which environment the database serves: refusing. If it is the ${environment} database, bind it: ${bind}`;
    case "unreadable":
      return `${prefix} login "${binding.login}" may not read the binding (${binding.detail}), so it cannot tell which environment the database serves: refusing. Connect as the database owner, or let the owner restore the ledger's grants: ${bind} (or GRANT USAGE ON SCHEMA gaia_migrations and EXECUTE ON FUNCTION gaia_migrations.bound_environment() TO "${binding.login}")`;
  }
}

/** Refuses (exit 3) unless the database is bound to `environment`. */
export async function checkBoundEnvironment(
  client: pg.Client,
  command: string,
  environment: string,
): Promise<void> {
  const problem = bindingRefusal(await readBinding(client), command, environment);
  if (problem !== null) throw refusedError(problem);
}

/**
 * The one confirmation rule of the mutating operations: `--confirm` must name the environment it
 * is given for, and a change to production needs `--confirm production`.
 * `change` is the flag that makes the run mutate (`--write`, `--apply`) and what it does.
 */
export function checkConfirmation(
  command: string,
  environment: string,
  confirm: string | undefined,
  change: { flag: string; set: boolean; doing: string },
): void {
  if (confirm !== undefined && confirm !== environment) {
    throw usageError(
      `${command}: --confirm "${confirm}" does not match the environment "${environment}"`,
    );
  }
  if (change.set && environment === "production" && confirm !== "production") {
    throw refusedError(
      `${command} production ${change.flag}: ${change.doing} production needs --confirm production`,
    );
  }
}
