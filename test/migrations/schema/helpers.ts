/**
 * Helpers for the schema tests: stand in for the runner (its `gaia_migrations` binding objects)
 * and apply SQL files the way the runner does by default (one transaction per file).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type pg from "pg";
import type { Environment, Module } from "../../../src/shared/vocabulary";
import { createTestDatabase, withClient } from "../../support/postgres";

export { type Environment, MODULES, type Module } from "../../../src/shared/vocabulary";

export const MIGRATIONS_ROOT = resolve(__dirname, "../../../migrations");

/** Relative paths (`core/0001_live_schema.sql`) of a module's files, in version order. */
export function moduleFiles(module: Module): string[] {
  return readdirSync(join(MIGRATIONS_ROOT, module))
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => `${module}/${name}`);
}

export function readMigration(relativePath: string): string {
  return readFileSync(join(MIGRATIONS_ROOT, relativePath), "utf8");
}

/** The runner's objects that SQL files rely on (docs/design.md#ledger-and-binding-owned-by-the-runner-relied-on-by-the-sql). */
export async function createRunnerStandIn(
  client: pg.Client,
  environment: Environment | null,
  isolationEnforced = false,
): Promise<void> {
  await client.query(`
    CREATE SCHEMA gaia_migrations;
    CREATE TABLE gaia_migrations.binding (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      environment text NOT NULL,
      supabase_project_ref text NOT NULL,
      isolation_enforced boolean NOT NULL DEFAULT false,
      bound_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE FUNCTION gaia_migrations.bound_environment() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT environment FROM gaia_migrations.binding $$;
  `);
  if (environment !== null) {
    await client.query(
      "INSERT INTO gaia_migrations.binding (environment, supabase_project_ref, isolation_enforced) VALUES ($1, 'testprojectref', $2)",
      [environment, isolationEnforced],
    );
  }
}

export async function setIsolation(client: pg.Client, enforced: boolean): Promise<void> {
  await client.query("UPDATE gaia_migrations.binding SET isolation_enforced = $1", [enforced]);
}

/** Applies one file in its own transaction, as the runner does for transactional files. */
export async function applyFile(client: pg.Client, relativePath: string): Promise<void> {
  await applySql(client, readMigration(relativePath));
}

export async function applySql(client: pg.Client, sql: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(sql);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

/**
 * Applies files in order: every file of the given modules, or (with `through`) the files of
 * `module` up to and including `through` (e.g. "core/0003_x.sql").
 */
export async function applyModules(
  client: pg.Client,
  modules: readonly Module[],
  through?: string,
): Promise<string[]> {
  const applied: string[] = [];
  for (const module of modules) {
    for (const file of moduleFiles(module)) {
      await applyFile(client, file);
      applied.push(file);
      if (file === through) return applied;
    }
  }
  return applied;
}

/** A fresh database on the test server, bound like the runner would bind it. */
export async function boundDatabase(
  environment: Environment | null = "production",
  isolationEnforced = false,
): Promise<string> {
  const url = await createTestDatabase("gaia_schema");
  await withClient(url, (client) => createRunnerStandIn(client, environment, isolationEnforced));
  return url;
}

/** The first file of a module whose name starts with `prefix` (e.g. "0004"); throws if none. */
export function fileByVersion(module: Module, version: string): string {
  const match = moduleFiles(module).find((file) => file.startsWith(`${module}/${version}_`));
  if (!match) throw new Error(`no ${module} migration with version ${version}`);
  return match;
}

/** Runs `fn` and returns the PostgreSQL error it throws (fails the test when none). */
export async function pgError(fn: () => Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await fn();
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error("expected a PostgreSQL error, but the statement succeeded");
}

export async function rows<T = Record<string, unknown>>(
  client: pg.Client,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  return (await client.query(sql, values)).rows as T[];
}

/** Index definitions of a table, by index name (pg_get_indexdef). */
export async function indexDefs(client: pg.Client, table: string): Promise<Record<string, string>> {
  const result = await rows<{ name: string; def: string }>(
    client,
    `SELECT c.relname AS name, pg_get_indexdef(c.oid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
    [`public.${table}`],
  );
  return Object.fromEntries(result.map((r) => [r.name, r.def]));
}

/** Constraint definitions of a table, by constraint name (pg_get_constraintdef). */
export async function constraintDefs(
  client: pg.Client,
  table: string,
): Promise<Record<string, string>> {
  const result = await rows<{ name: string; def: string }>(
    client,
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`,
    [`public.${table}`],
  );
  return Object.fromEntries(result.map((r) => [r.name, r.def]));
}

export interface ColumnFact {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}

/** Columns of a table in physical order: format_type, nullability, stored default. */
export async function columns(client: pg.Client, table: string): Promise<ColumnFact[]> {
  return rows<ColumnFact>(
    client,
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [`public.${table}`],
  );
}
