/**
 * Test databases standing in for environments. `prepareEnvironmentDatabase` gives a database with
 * the runner's ledger/binding objects, the roles the core migrations create (gaia_readonly,
 * gaia_app), and the users table with its dependents as live-schema.md §2 describes them (the FK
 * actions matter: chat_messages.user_id has none). Roles are cluster-wide, so they are created
 * idempotently: several test files share the server.
 */

import { delimiter, resolve } from "node:path";
import { Writable } from "node:stream";
import type { OperationsIo } from "../../src/operations/io";
import { createTestDatabase, withAdmin, withClient } from "../support/postgres";

export const FAKES_DIR = resolve(__dirname, "fakes");

export async function ensureRoles(): Promise<void> {
  await withAdmin(async (client) => {
    for (const role of ["gaia_readonly", "gaia_app"]) {
      await client.query(
        `DO $$ BEGIN CREATE ROLE ${role} NOLOGIN;
           EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
      );
    }
  });
}

export const BINDING_SQL = `
  CREATE SCHEMA gaia_migrations;
  CREATE TABLE gaia_migrations.binding (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    environment text NOT NULL,
    supabase_project_ref text NOT NULL,
    isolation_enforced boolean NOT NULL DEFAULT false,
    bound_at timestamptz NOT NULL DEFAULT now());
  CREATE FUNCTION gaia_migrations.bound_environment() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT environment FROM gaia_migrations.binding $$;
  CREATE TABLE gaia_migrations.applied (
    module text NOT NULL, version text NOT NULL, name text NOT NULL, checksum text NOT NULL,
    kind text NOT NULL DEFAULT 'applied', PRIMARY KEY (module, version));
`;

export const CORE_SQL = `
  CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email varchar(255) NOT NULL UNIQUE,
    name varchar(255),
    created_at timestamp DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
    auth_user_id uuid,
    environment text DEFAULT gaia_migrations.bound_environment());
  CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_hash varchar(64) NOT NULL UNIQUE);
  CREATE TABLE conversations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title varchar(255) NOT NULL DEFAULT 'New Conversation');
  CREATE TABLE chat_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id),
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role varchar(50) NOT NULL,
    content text NOT NULL);
  GRANT USAGE ON SCHEMA public TO gaia_readonly;
  GRANT SELECT ON ALL TABLES IN SCHEMA public TO gaia_readonly;
`;

export interface PreparedDatabase {
  url: string;
  name: string;
}

/** A database bound to `environment`, with the core tables (unless `empty`). */
export async function prepareEnvironmentDatabase(
  environment: string,
  opts: { empty?: boolean; applied?: [string, string][] } = {},
): Promise<PreparedDatabase> {
  await ensureRoles();
  const url = await createTestDatabase(`gaia_ops_${environment}`);
  if (!opts.empty) {
    await withClient(url, async (client) => {
      await client.query(BINDING_SQL);
      await client.query(
        "INSERT INTO gaia_migrations.binding (environment, supabase_project_ref) VALUES ($1, 'lbaohvnusingoztdzlmj')",
        [environment],
      );
      for (const [module, version] of opts.applied ?? []) {
        await client.query(
          "INSERT INTO gaia_migrations.applied (module, version, name, checksum) VALUES ($1, $2, 'x', 'x')",
          [module, version],
        );
      }
      await client.query(CORE_SQL);
    });
  }
  return { url, name: new URL(url).pathname.slice(1) };
}

export class Captured extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

export function captureIo(env: NodeJS.ProcessEnv, extra: Partial<OperationsIo> = {}) {
  const stdout = new Captured();
  const stderr = new Captured();
  const io: OperationsIo = { stdout, stderr, env, ...extra };
  return { io, stdout, stderr };
}

/** A process environment with the fake pulumi first on PATH and no DATABASE_URL. */
export function fakePulumiEnv(stacksFile: string, extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.DATABASE_URL;
  env.PATH = `${FAKES_DIR}${delimiter}${process.env.PATH ?? ""}`;
  env.FAKE_PULUMI_STACKS = stacksFile;
  return env;
}
