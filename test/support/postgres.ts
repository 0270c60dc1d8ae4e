/**
 * Per-test databases on the run's shared PostgreSQL server (see globalPostgres.ts).
 * Each call creates a uniquely named, empty database owned by the admin user and returns its URL;
 * `dropAll` removes every database this module created.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

const created: string[] = [];

export function adminUrl(): string {
  return inject("postgresAdminUrl");
}

export function urlFor(database: string, base = adminUrl()): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh empty database and returns its connection URL. */
export async function createTestDatabase(prefix = "gaia_test"): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  created.push(name);
  return urlFor(name);
}

/** Runs `fn` with a connected client on `url`, always closing it. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropAll(): Promise<void> {
  const names = created.splice(0);
  if (names.length === 0) return;
  await withAdmin(async (client) => {
    for (const name of names) {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
}
