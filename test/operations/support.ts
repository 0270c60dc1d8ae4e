/**
 * Test databases standing in for environments. `prepareEnvironmentDatabase` gives a database with
 * the runner's ledger and binding (its own LEDGER_DDL, as it runs before any file) and the real
 * core migrations applied: users with its dependents and their live FK
 * actions (chat_messages.user_id has none), the roles gaia_readonly and gaia_app (core/0007), the
 * isolation trigger (core/0008).
 */

import { readdirSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { Writable } from "node:stream";
import type pg from "pg";
import type { CliIo } from "../../src/cli/io";
import { LEDGER_DDL } from "../../src/migrations/ledger";
import { createTestDatabase, withClient } from "../support/postgres";

export const FAKES_DIR = resolve(__dirname, "fakes");

export const CORE_DIR = resolve(__dirname, "..", "..", "migrations", "core");

/** Applies the real core migrations in order, each in its own transaction (as the runner does). */
export async function applyCoreMigrations(client: pg.Client): Promise<void> {
  const files = readdirSync(CORE_DIR)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort();
  for (const file of files) {
    const sql = readFileSync(join(CORE_DIR, file), "utf8");
    const transactional = !sql.startsWith("-- gaia:no-transaction");
    if (transactional) await client.query("BEGIN");
    await client.query(sql);
    if (transactional) await client.query("COMMIT");
  }
}

export interface PreparedDatabase {
  url: string;
  name: string;
}

/** A database bound to `environment`, with the core tables (unless `empty`). */
export async function prepareEnvironmentDatabase(
  environment: string,
  opts: { empty?: boolean; applied?: [string, string][] } = {},
): Promise<PreparedDatabase> {
  const url = await createTestDatabase(`gaia_ops_${environment}`);
  if (!opts.empty) {
    await withClient(url, async (client) => {
      // What the runner does before the first file: its ledger, then the binding.
      await client.query(LEDGER_DDL);
      await client.query(
        "INSERT INTO gaia_migrations.binding (environment, supabase_project_ref) VALUES ($1, 'lbaohvnusingoztdzlmj')",
        [environment],
      );
      for (const [module, version] of opts.applied ?? []) {
        await client.query(
          "INSERT INTO gaia_migrations.applied (module, version, name, checksum, statements_total) VALUES ($1, $2, 'x', 'x', 1)",
          [module, version],
        );
      }
      await applyCoreMigrations(client);
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

export function captureIo(env: NodeJS.ProcessEnv, extra: Partial<CliIo> = {}) {
  const stdout = new Captured();
  const stderr = new Captured();
  const io: CliIo = { stdout, stderr, env, ...extra };
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
