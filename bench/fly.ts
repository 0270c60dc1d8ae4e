/**
 * flyctl invocations per `pulumi up` of a Fly stack, counted on the fake flyctl through the
 * command engine (the same harness as test/fly/e2e.test.ts):
 *   fresh create · no-change up · adoption (fresh state, everything exists) · one size change.
 * Prints counts of reads and mutations per scenario; fails if the no-change up mutates anything.
 *
 *   node --import tsx bench/fly.ts
 *
 * Needs a PostgreSQL for the fake proxy (the database command connects through it):
 * TEST_DATABASE_URL (superuser URL), or an embedded PostgreSQL 15 is started as in the tests.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import pg from "pg";
import { FlyPostgres, FlyRedis, FlyServiceApps } from "../src/fly/components";
import { CommandEngine } from "../test/support/commandEngine";
import { createFakeFly, type FakeCall } from "../test/support/fakeFly";
import startPostgres from "../test/support/globalPostgres";

const ROOT = resolve(__dirname, "..");
const SERVICES = {
  gateway: "gaia-gateway-dev",
  "auth-service": "gaia-auth-dev",
  "asset-service": "gaia-asset-dev",
  "chat-service": "gaia-chat-dev",
  "web-service": "gaia-web-dev",
};

async function postgresUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.TEST_DATABASE_URL)
    return { url: process.env.TEST_DATABASE_URL, stop: async () => {} };
  let url = "";
  const teardown = await startPostgres({
    provide: (_key: string, value: string) => {
      url = value;
    },
  } as unknown as Parameters<typeof startPostgres>[0]);
  return { url, stop: async () => teardown?.() };
}

function files(): Record<string, string> {
  const f: Record<string, string> = {
    "ca.pem": "CA",
    "jwt-signing.key": "K",
    "jwt-signing.pub": "P",
  };
  for (const s of Object.keys(SERVICES)) {
    f[`${s}/cert.pem`] = `${s} cert`;
    f[`${s}/key.pem`] = `${s} key`;
  }
  return f;
}

async function main() {
  const db = await postgresUrl();
  const target = new URL(db.url);
  const fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
  const database = `llm_platform_bench_${randomBytes(4).toString("hex")}`;
  const env = () => fake.env({ GAIA_FLY_RETRY_BASE_MS: "10" });
  const program = (volumeSizeGb: number) => () => {
    const p = new FlyPostgres("postgres", {
      environment: "dev",
      kind: "unmanaged",
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      vmSize: "shared-cpu-1x",
      volumeSizeGb,
      clusterSize: 1,
      plan: "basic",
      majorVersion: 16,
      allowRestart: false,
      postgresPassword: pulumi.secret(decodeURIComponent(target.password)),
      database: database,
    });
    const r = new FlyRedis("redis", {
      environment: "dev",
      name: "gaia-redis-dev",
      org: "aeonia-dev",
      region: "lax",
      eviction: true,
      replicaRegions: [],
    });
    const s = new FlyServiceApps("services", {
      environment: "dev",
      org: "aeonia-dev",
      region: "lax",
      apps: SERVICES,
      volumeName: "gaia_certs",
      volumeSizeGb: 1,
      volumesPerApp: 1,
      certificateFiles: pulumi.secret(files()),
    });
    return { url: p.databaseUrl, redis: r.redisUrl, origins: s.origins };
  };

  const rows: { scenario: string; reads: number; mutations: number; commands: string }[] = [];
  const measure = async (scenario: string, engine: CommandEngine, volumeSizeGb: number) => {
    fake.clearCalls();
    const started = Date.now();
    const r = await engine.run("dev", program(volumeSizeGb));
    if (r.error) throw r.error;
    const calls: FakeCall[] = fake.calls();
    const mutations = calls.filter((c) => c.mutation);
    const byCommand = new Map<string, number>();
    for (const c of mutations) byCommand.set(c.command, (byCommand.get(c.command) ?? 0) + 1);
    rows.push({
      scenario: `${scenario} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      reads: calls.length - mutations.length,
      mutations: mutations.length,
      commands: [...byCommand].map(([c, n]) => `${c}×${n}`).join(", ") || "-",
    });
    return mutations.length;
  };

  try {
    const engine = new CommandEngine({ cwd: ROOT, env });
    await measure("fresh create", engine, 10);
    const noChange = await measure("no-change up", engine, 10);
    await measure("adoption (fresh state)", new CommandEngine({ cwd: ROOT, env }), 10);
    await measure("one size change (pg 10→20 GB)", engine, 20);
    console.log(`Fly dev stack: 1 Postgres, 1 Redis, ${Object.keys(SERVICES).length} service apps`);
    console.table(rows);
    if (noChange !== 0) {
      console.error(`FAIL: the no-change up made ${noChange} flyctl mutation(s)`);
      process.exitCode = 1;
    }
  } finally {
    fake.remove();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.end();
    await db.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
