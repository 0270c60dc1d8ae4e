/**
 * The ledger: schema `gaia_migrations` (never the legacy `public.schema_migrations`, which is
 * ignored), its tables `applied`, `binding` and `history`, and `bound_environment()`.
 */
import type pg from "pg";
import type { Environment } from "../shared/vocabulary";

/** Stored as the schema comment; a different value makes the runner (re)apply LEDGER_DDL. */
export const LEDGER_VERSION = "gaia-db ledger v1";

/**
 * Idempotent; sent as one simple query (one implicit transaction). `bound_environment()` is
 * SECURITY DEFINER so application roles can use it as a column default without being granted
 * SELECT on the ledger; its search_path is pinned so it cannot be hijacked.
 */
export const LEDGER_DDL = `
CREATE SCHEMA IF NOT EXISTS gaia_migrations;
CREATE TABLE IF NOT EXISTS gaia_migrations.applied (
  module text NOT NULL,
  version text NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  duration_ms integer,
  statements_applied integer NOT NULL DEFAULT 0,
  statements_total integer NOT NULL,
  statement_checksums text[] NOT NULL DEFAULT '{}',
  kind text NOT NULL DEFAULT 'applied' CHECK (kind IN ('applied', 'baseline')),
  drift text,
  applied_by text NOT NULL DEFAULT current_user,
  PRIMARY KEY (module, version)
);
CREATE TABLE IF NOT EXISTS gaia_migrations.binding (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  environment text NOT NULL CHECK (environment IN ('local', 'dev', 'staging', 'production')),
  supabase_project_ref text,
  isolation_enforced boolean NOT NULL DEFAULT false,
  modules text[] NOT NULL DEFAULT '{core}',
  bound_at timestamptz NOT NULL DEFAULT now(),
  bound_by text NOT NULL DEFAULT current_user
);
CREATE TABLE IF NOT EXISTS gaia_migrations.history (
  id bigserial PRIMARY KEY,
  event text NOT NULL CHECK (event IN ('bind', 'rebind', 'isolation', 'modules', 'repair', 'baseline')),
  module text,
  version text,
  old_checksum text,
  new_checksum text,
  detail text,
  actor text NOT NULL DEFAULT current_user,
  client text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION gaia_migrations.bound_environment() RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $fn$ SELECT environment FROM gaia_migrations.binding WHERE id $fn$;
GRANT USAGE ON SCHEMA gaia_migrations TO PUBLIC;
GRANT EXECUTE ON FUNCTION gaia_migrations.bound_environment() TO PUBLIC;
COMMENT ON SCHEMA gaia_migrations IS '${LEDGER_VERSION}';
`;

/**
 * `text` as a dollar-quoted SQL literal, for the few statements that take no parameters (COMMENT,
 * a multi-statement query): immune to standard_conforming_strings, whatever `text` holds.
 */
export function dollarQuoted(text: string): string {
  let n = 0;
  while (text.includes(`$gaia${n}$`)) n++;
  return `$gaia${n}$${text}$gaia${n}$`;
}

/** What the runner sends to the server; wraps a pg client and counts round trips. */
export interface Db {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Round trips sent through this Db since it was created. */
  readonly roundTrips: number;
}

/** Runs `fn` in one transaction on `db`: COMMIT on success, ROLLBACK (best effort) on failure. */
export async function inTransaction<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  await db.query("BEGIN");
  try {
    const result = await fn();
    await db.query("COMMIT");
    return result;
  } catch (err) {
    await db.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

export function countingDb(client: pg.ClientBase, counter?: { count: number }): Db {
  let trips = 0;
  return {
    query<R extends pg.QueryResultRow>(text: string | pg.QueryConfig, values?: unknown[]) {
      trips++;
      if (counter) counter.count++;
      return typeof text === "string"
        ? client.query<R>(text, values)
        : client.query<R>(text as pg.QueryConfig<unknown[]>, values);
    },
    get roundTrips() {
      return trips;
    },
  };
}

export interface LedgerRow {
  module: string;
  version: string;
  name: string;
  checksum: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  statements_applied: number;
  statements_total: number;
  statement_checksums: string[];
  kind: "applied" | "baseline";
  drift: string | null;
  applied_by: string;
}

export interface Binding {
  environment: Environment;
  supabase_project_ref: string | null;
  isolation_enforced: boolean;
  modules: string[];
  bound_at: string;
  bound_by: string;
}

export interface LedgerState {
  rows: LedgerRow[];
  binding: Binding | null;
}

/** One round trip: every ledger row and the binding. Call only when the ledger tables exist. */
export async function readLedger(db: Db): Promise<LedgerState> {
  const { rows } = await db.query<{ applied: LedgerRow[]; binding: Binding | null }>(
    `SELECT
       (SELECT coalesce(json_agg(a ORDER BY a.module, a.version), '[]'::json)
          FROM gaia_migrations.applied a) AS applied,
       (SELECT row_to_json(b) FROM gaia_migrations.binding b) AS binding`,
  );
  const row = rows[0];
  return { rows: row?.applied ?? [], binding: row?.binding ?? null };
}

export async function ensureLedger(db: Db): Promise<void> {
  await db.query(LEDGER_DDL);
}
