/**
 * Benchmark of the measured schema review (not a test; prints figures): the pull request that
 * turns on the RBAC module in every stack file, reviewed with --measure on 10,000 rows per table
 * (BENCH_ROWS), and where its time goes:
 * 1. `review()` end to end: git and the base's files, the server, the schema build on empty
 *    databases (base and head), then the measured build: the base, the fill (per table), the head
 *    applied with every statement observed;
 * 2. what observing costs: the head applied to copies of the same filled base (CREATE DATABASE …
 *    TEMPLATE) with and without the observer, median of BENCH_RUNS (3).
 *
 * Run: node --import tsx bench/review.ts   (uses TEST_DATABASE_URL when set, else starts an
 * embedded PostgreSQL 15; BENCH_OUTPUT=<file> also writes the report).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { migrate } from "../src/migrations/commands/migrate";
import { urlWithDatabase } from "../src/migrations/session";
import { openServer } from "../src/review/build";
import { fillTables } from "../src/review/fill";
import { MeasuringObserver } from "../src/review/observe";
import { renderMarkdown } from "../src/review/render";
import { review } from "../src/review/review";
import { MODULES, type Module } from "../src/shared/vocabulary";
import { fixtureRepo, removeFixtures, stackFile } from "../test/review/fixture";

const REPO = resolve(__dirname, "..");
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEED = 1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pad = (label: string) => label.padEnd(44);

/** This repository's migrations and stack files, as they are. */
function project(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const module of MODULES) {
    for (const name of readdirSync(join(REPO, "migrations", module))) {
      files[`migrations/${module}/${name}`] = readFileSync(
        join(REPO, "migrations", module, name),
        "utf8",
      );
    }
  }
  for (const name of readdirSync(REPO).filter((n) => /^Pulumi\..*yaml$/.test(n))) {
    files[name] = readFileSync(join(REPO, name), "utf8");
  }
  return files;
}

async function query<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function main() {
  const server = await openServer(process.env.TEST_DATABASE_URL);
  try {
    // 1. The review, end to end. Base: the stacks run core (and vector); head: rbac turned on.
    const stacks = ["dev", "local", "production", "staging"];
    const repo = fixtureRepo(
      project(),
      Object.fromEntries(
        stacks.map((s) => [`Pulumi.${s}.yaml`, stackFile(s, ["core", "vector", "rbac"])]),
      ),
    );
    const marks: [string, number][] = [];
    const started = performance.now();
    const result = await review({
      repo,
      base: "main",
      serverUrl: server.url,
      squawk: null,
      measure: { rows: ROWS, seed: SEED },
      onProgress: (line) => marks.push([line, performance.now()]),
    });
    const reviewed = performance.now();
    const markdown = renderMarkdown(result);
    const rendered = performance.now();
    if (process.env.BENCH_OUTPUT) writeFileSync(process.env.BENCH_OUTPUT, markdown);

    const at = (prefix: string) => marks.find(([l]) => l.startsWith(prefix))?.[1] ?? started;
    const build = result.builds.find((b) => b.measurement !== null);
    const m = build?.measurement;
    if (build === undefined || m === undefined || m === null) throw new Error("nothing measured");
    const statements = m.files.flatMap((f) => f.statements);
    const statementMs = statements.reduce((n, s) => n + s.durationMs, 0);
    const filled = m.fill.tables.reduce((n, t) => n + t.rows, 0);
    console.log(
      `measured schema review: ${server.label}, ${build.modulesBefore.join(",")} → ${build.modulesAfter.join(",")}, ${ROWS.toLocaleString("en-US")} rows per table (seed ${SEED})`,
    );
    console.log(`${pad("total (review() and rendering)")}${sec(rendered - started)}`);
    console.log(`${pad("  git, base files, server")}${sec(at("building") - started)}`);
    console.log(
      `${pad("  schema build on empty databases")}${sec(at("measuring") - at("building"))}`,
    );
    console.log(`${pad("  measured build")}${sec(reviewed - at("measuring"))}`);
    console.log(`${pad("    base (migrate)")}${sec(m.timings.baseMs)}`);
    console.log(
      `${pad(`    fill (${m.fill.tables.length} tables, ${filled.toLocaleString("en-US")} rows)`)}${sec(m.timings.fillMs)}`,
    );
    const slowest = [...m.fill.tables].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);
    for (const t of slowest) console.log(`${pad(`      ${t.table}`)}${sec(t.durationMs)}`);
    const tablesMs = m.fill.tables.reduce((n, t) => n + t.durationMs, 0);
    console.log(
      `${pad("      vacuum, analyse, counts, parents' keys")}${sec(m.timings.fillMs - tablesMs)}`,
    );
    console.log(
      `${pad(`    head (${m.files.length} files, ${statements.length} statements)`)}${sec(m.timings.headMs)}`,
    );
    console.log(`${pad("      in the statements themselves")}${sec(statementMs)}`);
    console.log(
      `${pad("      observer, ledger, connection")}${sec(m.timings.headMs - statementMs)}`,
    );
    console.log(`${pad("  rendering")}${sec(rendered - reviewed)}`);
    console.log(
      `skipped tables: ${m.fill.skipped.map((s) => `${s.table} (${s.reason})`).join("; ") || "none"}`,
    );
    console.log(
      markdown
        .slice(markdown.indexOf("| file | relation"), markdown.indexOf("<details><summary>Every"))
        .trim(),
    );

    // 2. What observing costs: the same head on copies of one filled base.
    const template = `gaia_bench_review_${process.pid}`;
    const adminUrl = server.url;
    await query(adminUrl, (c) => c.query(`CREATE DATABASE ${template}`));
    const common = { environment: "dev" as const, migrationsDir: join(repo, "migrations") };
    const before: Module[] = build.modulesBefore;
    try {
      const templateUrl = urlWithDatabase(adminUrl, template);
      await migrate({ ...common, databaseUrl: templateUrl, modules: before });
      await query(templateUrl, (c) => fillTables(c, { rows: ROWS, seed: SEED }));
      const times = { plain: [] as number[], observed: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        for (const kind of ["plain", "observed"] as const) {
          const copy = `${template}_${kind}_${i}`;
          await query(adminUrl, (c) => c.query(`CREATE DATABASE ${copy} TEMPLATE ${template}`));
          const url = urlWithDatabase(adminUrl, copy);
          const observer = new MeasuringObserver({
            connect: async () => {
              const c = new pg.Client({ connectionString: url });
              await c.connect();
              return c;
            },
          });
          const t = performance.now();
          await migrate({
            ...common,
            databaseUrl: url,
            modules: build.modulesAfter,
            ...(kind === "observed"
              ? { observe: observer, onProgress: (e) => observer.progress(e) }
              : {}),
          });
          times[kind].push(performance.now() - t);
          await observer.close();
          await query(adminUrl, (c) => c.query(`DROP DATABASE ${copy} WITH (FORCE)`));
        }
      }
      const plain = median(times.plain);
      const observed = median(times.observed);
      console.log(`head on a filled copy, median of ${RUNS}:`);
      console.log(`${pad("  migrate")}${sec(plain)}`);
      console.log(
        `${pad("  migrate with the observer")}${sec(observed)} (${(observed / plain).toFixed(2)}×)`,
      );
    } finally {
      await query(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
    }
  } finally {
    removeFixtures();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
