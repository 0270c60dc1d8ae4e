/**
 * End to end: the gaia:fly components evaluated under Pulumi mocks, every local.Command executed
 * as the command provider would (test/support/commandEngine.ts), against the fake flyctl whose
 * proxy reaches the real test PostgreSQL.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { withFlyProxy } from "../../src/fly/proxy";
import { migrate } from "../../src/migrations/commands/migrate";
import { CommandEngine, UNKNOWN } from "../support/commandEngine";
import type { FakeFly } from "../support/fakeFly";
import { CERT_FILES, FlyStacks, MUTATING_CREATES, ROOT } from "../support/flyStack";
import { adminUrl, withAdmin, withClient } from "../support/postgres";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());
const setup = () => stacks.setup();

async function databaseExists(name: string): Promise<boolean> {
  return withAdmin(
    async (c) =>
      (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1,
  );
}

describe("Fly dev stack, end to end against the fake flyctl", () => {
  it("preview runs no flyctl; up creates everything; migrations reach it through fly proxy; a second up changes nothing", async () => {
    const { fake, database, engine, program } = setup();
    const e = engine();
    const preview = await e.run("dev", program({ stack: "dev" }), { preview: true });
    expect(preview.error).toBeUndefined();
    expect(fake.calls()).toEqual([]);
    expect(preview.ops.map((o) => o.op)).toEqual(Array(6).fill("create"));
    expect(preview.outputs!.pgOrigin).toBe(UNKNOWN);

    const up = await e.run("dev", program({ stack: "dev" }));
    expect(up.error).toBeUndefined();
    expect(
      up.ops
        .filter((o) => o.op === "create")
        .map((o) => o.name)
        .sort(),
    ).toEqual([
      "postgres-cluster",
      "postgres-database",
      "redis-redis",
      "services-gateway-app",
      "services-gateway-secrets",
      "services-gateway-volumes",
    ]);
    const state = fake.state();
    expect(Object.keys(state.apps).sort()).toEqual(["gaia-db-dev", "gaia-gateway-dev"]);
    expect(Object.keys(state.redis)).toEqual(["gaia-redis-dev"]);
    expect(
      state.volumes
        .map((v: { app: string; name: string; size_gb: number }) => [v.app, v.name, v.size_gb])
        .sort(),
    ).toEqual([
      ["gaia-db-dev", "pg_data", 10],
      ["gaia-gateway-dev", "gaia_certs", 1],
    ]);
    const out = up.outputs!;
    expect(out.pgOrigin).toBe("created");
    expect(out.redisOrigin).toBe("created");
    expect(out.appOrigins).toEqual({ gateway: "created" });
    expect(out.databaseUrl).toBe(
      `postgres://postgres:${decodeURIComponent(new URL(adminUrl()).password)}@gaia-db-dev.flycast:5432/${database}?sslmode=disable`,
    );
    expect(String(out.redisUrl)).toMatch(
      /^redis:\/\/default:[0-9a-f]+@fly-gaia-redis-dev\.upstash\.io:6379$/,
    );
    expect(await databaseExists(database)).toBe(true);
    // Staged certificate secrets, base64 (flyctl's parser would cut a raw PEM at "#").
    const gw = state.apps["gaia-gateway-dev"].secrets;
    expect(Buffer.from(gw.GAIA_TLS_CA_PEM_B64.value, "base64").toString()).toBe(
      CERT_FILES["ca.pem"],
    );
    expect(Buffer.from(gw.GAIA_TLS_CERT_PEM_B64.value, "base64").toString()).toBe("GATEWAY CERT");
    expect(gw.GAIA_TLS_CERT_PEM_B64.status).toBe("Staged");

    // Secrets are only on stdin, never in environment or the command strings.
    for (const s of e.saved.values()) {
      const env = s.inputs.environment as Record<string, string>;
      expect(JSON.stringify(env)).not.toContain(decodeURIComponent(new URL(adminUrl()).password));
      expect(s.secretInputs.includes("environment")).toBe(false);
      expect(String(s.inputs.create)).toBe(
        "exec node --import tsx src/fly/scripts/command.ts create",
      );
      expect(s.inputs.triggers).toBeUndefined();
    }
    expect(e.saved.get("postgres-cluster")!.secretInputs).toEqual(["stdin"]);
    expect(e.saved.get("postgres-cluster")!.inputs.logging).toBe("none");
    // The one argv exposure of the password is `fly postgres create --password`, documented.
    expect(
      fake
        .calls()
        .filter((c) => c.argv.includes("--password"))
        .map((c) => c.command),
    ).toEqual(["postgres create"]);

    // Migrations reach it the way `gaia-db --fly-app` will: the services' URL, pointed at the
    // local end of `fly proxy`.
    const migrated = await withFlyProxy({ app: "gaia-db-dev", env: fake.env() }, async (port) => {
      const url = new URL(String(out.databaseUrl));
      url.host = `127.0.0.1:${port}`;
      url.search = "";
      const result = await migrate({
        databaseUrl: url.toString(),
        environment: "dev",
        migrationsDir: resolve(ROOT, "migrations"),
        modules: ["core"],
      });
      const tables = await withClient(
        url.toString(),
        async (c) =>
          (
            await c.query(
              "SELECT count(*)::int AS n FROM gaia_migrations.applied WHERE module = 'core'",
            )
          ).rows[0].n,
      );
      return { applied: result.applied.length, tables };
    });
    expect(migrated.applied).toBeGreaterThan(0);
    expect(migrated.tables).toBe(migrated.applied);

    fake.clearCalls();
    const again = await e.run("dev", program({ stack: "dev" }));
    expect(again.error).toBeUndefined();
    expect(again.ops.every((o) => o.op === "none")).toBe(true);
    expect(fake.calls()).toEqual([]);
    // A preview of the unchanged stack reads every output from the stored stdout.
    const unchanged = await e.run("dev", program({ stack: "dev" }), { preview: true });
    expect(unchanged.error).toBeUndefined();
    expect(unchanged.outputs).toEqual(out);

    // State written by an older version of the command code: every command updates, and the
    // updates only read.
    for (const s of e.saved.values()) {
      (s.inputs.environment as Record<string, string>).GAIA_SCRIPT_SHA256 = "older";
    }
    const code = await e.run("dev", program({ stack: "dev" }));
    expect(code.error).toBeUndefined();
    expect(code.ops.filter((o) => o.op === "update")).toHaveLength(6);
    expect(fake.calls().length).toBeGreaterThan(0);
    expect(fake.mutations()).toEqual([]);
    expect(code.outputs).toEqual(out);
  }, 600_000);

  it("a fresh state against an org that has everything adopts it: no create, no duplicate", async () => {
    const { fake, engine, program } = setup();
    expect((await engine().run("dev", program({ stack: "dev" }))).error).toBeUndefined();
    const volumesBefore = fake.state().volumes.length;
    fake.clearCalls();
    const adopt = await engine().run("dev", program({ stack: "dev" }));
    expect(adopt.error).toBeUndefined();
    expect(
      fake
        .mutations()
        .map((c) => c.command)
        .filter((c) => MUTATING_CREATES.includes(c)),
    ).toEqual([]);
    expect(fake.state().volumes.length).toBe(volumesBefore);
    expect(adopt.outputs!.pgOrigin).toBe("adopted");
    expect(adopt.outputs!.redisOrigin).toBe("adopted");
    expect(adopt.outputs!.appOrigins).toEqual({ gateway: "adopted" });
  }, 600_000);

  it("a larger size extends in place; a smaller one is refused before any mutation", async () => {
    const { fake, engine, program } = setup();
    const e = engine();
    const first = await e.run("dev", program({ stack: "dev" }));
    expect(first.error).toBeUndefined();
    const ids = fake
      .state()
      .volumes.map((v: { id: string }) => v.id)
      .sort();
    fake.clearCalls();
    const grown = await e.run(
      "dev",
      program({ stack: "dev", volumeSizeGb: 20, certVolumeSizeGb: 2 }),
    );
    expect(grown.error).toBeUndefined();
    expect(
      grown.ops
        .filter((o) => o.op === "update")
        .map((o) => o.name)
        .sort(),
    ).toEqual(["postgres-cluster", "services-gateway-volumes"]);
    expect(fake.mutations().map((c) => c.command)).toEqual(["volumes extend", "volumes extend"]);
    expect(
      fake
        .state()
        .volumes.map((v: { id: string }) => v.id)
        .sort(),
    ).toEqual(ids);
    expect(
      fake
        .state()
        .volumes.map((v: { size_gb: number; name: string }) => [v.name, v.size_gb])
        .sort(),
    ).toEqual([
      ["gaia_certs", 2],
      ["pg_data", 20],
    ]);

    fake.clearCalls();
    const shrink = await e.run(
      "dev",
      program({ stack: "dev", volumeSizeGb: 5, certVolumeSizeGb: 2 }),
    );
    expect(shrink.error?.message).toContain(
      "gaia fly postgres: refused, nothing was changed:\n  - stack dev, gaia:postgres, Postgres app gaia-db-dev: volumeSizeGb is 5 but volume ",
    );
    expect(shrink.error?.message).toContain(
      "already has 20 GB. Fly volumes cannot shrink; set gaia:postgres.volumeSizeGb to 20 or more.",
    );
    expect(fake.mutations()).toEqual([]);
  }, 600_000);

  it("a fault mid-way, then a re-run converges without duplicates", async () => {
    const { fake, engine, program } = setup();
    // Transient faults are retried (a timed-out volume create is adopted, not repeated); a create
    // that dies after making its app and the first node's volume: this run destroys what its own
    // create left, and the re-run creates the cluster anew.
    fake.injectFault({ match: "apps create", kind: "429" });
    fake.injectFault({ match: "volumes create", kind: "fail-after-create" });
    fake.injectFault({ match: "redis status", kind: "503" });
    fake.injectFault({ match: "postgres create", kind: "fail-after-create" });
    const e = engine();
    const failed = await e.run("dev", program({ stack: "dev" }));
    expect(failed.error?.message).toContain("Error: failed to launch VM");
    expect(failed.error?.message).toContain(
      "gaia-db-dev was created by this run and left incomplete (0 of 1 machine(s), 1 volume(s)); it held no data and was destroyed. Run pulumi up again to create it anew.",
    );
    expect(fake.state().apps["gaia-db-dev"]).toBeUndefined();
    expect(fake.state().volumes.filter((v: { app: string }) => v.app === "gaia-db-dev")).toEqual(
      [],
    );

    const rerun = await e.run("dev", program({ stack: "dev" }));
    expect(rerun.error).toBeUndefined();
    const state = fake.state();
    expect(state.apps["gaia-db-dev"].machines).toHaveLength(1);
    const certs = state.volumes.filter((v: { name: string }) => v.name === "gaia_certs");
    expect(certs.map((v: { app: string }) => v.app)).toEqual(["gaia-gateway-dev"]);
    expect(rerun.outputs!.pgOrigin).toBe("created");
    expect(state.faults).toEqual([]);
  }, 600_000);

  it("destroy of dev removes only what the stack created", async () => {
    const { fake, engine, program } = setup();
    // Redis already exists (adopted); everything else is created by the stack.
    const pre = spawnFly(fake, [
      "redis",
      "create",
      "--name",
      "gaia-redis-dev",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--no-replicas",
      "--enable-eviction",
      "--enable-prodpack=false",
    ]);
    expect(pre).toBe(0);
    const e = engine();
    const up = await e.run("dev", program({ stack: "dev" }));
    expect(up.error).toBeUndefined();
    expect(up.outputs!.redisOrigin).toBe("adopted");
    const destroyed = await e.destroy();
    expect(destroyed.error).toBeUndefined();
    const state = fake.state();
    // Postgres and the certificate volumes were created: gone. Redis was adopted: kept. App
    // shells are never destroyed (service deploys own them).
    expect(Object.keys(state.apps).sort()).toEqual(["gaia-gateway-dev"]);
    expect(state.volumes).toEqual([]);
    expect(Object.keys(state.redis)).toEqual(["gaia-redis-dev"]);
    expect(state.apps["gaia-gateway-dev"].secrets).toEqual({});
    expect(e.saved.size).toBe(0);
  }, 600_000);
});

describe("Fly production stack", () => {
  it("refuses a VM-size change without allowRestart, applies it with, and snapshots before migrations", async () => {
    const { fake, engine, program } = setup();
    const e = engine();
    expect(
      (await e.run("production", program({ stack: "production", migrationsChecksum: "a1" }))).error,
    ).toBeUndefined();
    fake.clearCalls();
    const refused = await e.run(
      "production",
      program({ stack: "production", migrationsChecksum: "a1", vmSize: "shared-cpu-2x" }),
    );
    expect(refused.error?.message).toContain(
      "stack production, gaia:postgres, Postgres app gaia-db-production: vmSize is shared-cpu-2x (2 shared CPUs, 4096 MB) but the machines run shared-cpu-1x (1 shared CPU, 256 MB); changing it restarts Postgres. Set gaia:postgres.allowRestart to true for this update, or set vmSize back to shared-cpu-1x.",
    );
    expect(fake.mutations()).toEqual([]);
    const allowed = await e.run(
      "production",
      program({
        stack: "production",
        migrationsChecksum: "b2",
        vmSize: "shared-cpu-2x",
        allowRestart: true,
      }),
    );
    expect(allowed.error).toBeUndefined();
    // What `fly postgres create --vm-size shared-cpu-2x` would have made, not fly-go's 512 MB.
    expect(fake.state().apps["gaia-db-production"].machines[0].guest).toEqual({
      cpu_kind: "shared",
      cpus: 2,
      memory_mb: 4096,
    });
    const vol = fake.state().volumes.find((v: { name: string }) => v.name === "pg_data");
    expect(vol.snapshots).toHaveLength(2);
    expect(allowed.outputs!.snapshots).toEqual([vol.snapshots[1].id]);
  }, 600_000);
});

describe("Fly production pre-migration snapshot", () => {
  const SNAPSHOT = "postgres-pre-migration-snapshot";
  const snapshotCreates = (fake: FakeFly) =>
    fake.mutations().filter((c) => c.command === "volumes snapshots create");
  const pgVolume = (fake: FakeFly) =>
    fake.state().volumes.find((v: { name: string }) => v.name === "pg_data");

  it("is taken once per migration set: a change of the Fly code runs its update and takes none", async () => {
    const { fake, engine, program } = setup();
    const e = engine();
    const first = await e.run(
      "production",
      program({ stack: "production", migrationsChecksum: "a1" }),
    );
    expect(first.error).toBeUndefined();
    const [taken] = pgVolume(fake).snapshots;
    expect(first.outputs!.snapshots).toEqual([taken.id]);

    // A new release of the Fly code changes GAIA_SCRIPT_SHA256, an input of every Fly command.
    for (const saved of e.saved.values()) {
      (saved.inputs.environment as Record<string, string>).GAIA_SCRIPT_SHA256 = "older-code";
    }
    fake.clearCalls();
    const codeChange = await e.run(
      "production",
      program({ stack: "production", migrationsChecksum: "a1" }),
    );
    expect(codeChange.error).toBeUndefined();
    expect(codeChange.ops.find((o) => o.name === SNAPSHOT)?.op).toBe("update");
    expect(snapshotCreates(fake)).toEqual([]);
    expect(pgVolume(fake).snapshots).toHaveLength(1);
    expect(codeChange.outputs!.snapshots).toEqual([taken.id]);

    const newSet = await e.run(
      "production",
      program({ stack: "production", migrationsChecksum: "b2" }),
    );
    expect(newSet.error).toBeUndefined();
    expect(snapshotCreates(fake)).toHaveLength(1);
    expect(pgVolume(fake).snapshots).toHaveLength(2);
    expect(newSet.outputs!.snapshots).toEqual([pgVolume(fake).snapshots[1].id]);
  }, 600_000);
});

describe("Fly staging stack", () => {
  it("creates, then applies a VM-size change without allowRestart (only production refuses it)", async () => {
    const { fake, engine, program } = setup();
    const e = engine();
    const up = await e.run("staging", program({ stack: "staging" }));
    expect(up.error).toBeUndefined();
    expect(Object.keys(fake.state().apps).sort()).toEqual([
      "gaia-db-staging",
      "gaia-gateway-staging",
    ]);
    expect(up.ops.map((o) => o.name)).not.toContain("postgres-pre-migration-snapshot");
    fake.clearCalls();
    const resized = await e.run("staging", program({ stack: "staging", vmSize: "shared-cpu-2x" }));
    expect(resized.error).toBeUndefined();
    expect(fake.mutations().map((c) => c.argv)).toEqual([
      [
        "machine",
        "update",
        fake.state().apps["gaia-db-staging"].machines[0].id,
        "-a",
        "gaia-db-staging",
        "--vm-cpu-kind",
        "shared",
        "--vm-cpus",
        "2",
        "--vm-memory",
        "4096",
        "--yes",
      ],
    ]);
  }, 600_000);
});

describe("managed Postgres", () => {
  it("creates with fly mpg, captures the connection string once and carries it forward", async () => {
    const { fake, database, engine, program } = setup();
    const e = engine();
    const up = await e.run("dev", program({ stack: "dev", kind: "managed", volumeSizeGb: 10 }));
    expect(up.error).toBeUndefined();
    const cluster = fake.state().mpg[0];
    expect(cluster).toMatchObject({ name: "gaia-db-dev", plan: "basic", disk: 10, region: "lax" });
    expect(up.outputs!.databaseUrl).toBe(
      `postgresql://fly-user:${cluster.password}@pgbouncer.${cluster.id}.flympg.net/${database}`,
    );
    expect(up.outputs!.clusterId).toBe(cluster.id);
    // The target database is created with flyctl (a fresh managed cluster only has fly-db).
    expect(cluster.databases).toEqual(["fly-db", database]);
    // An update (here: a larger size, which flyctl cannot apply to MPG) keeps the credentials.
    const grown = await e.run("dev", program({ stack: "dev", kind: "managed", volumeSizeGb: 20 }));
    expect(grown.error).toBeUndefined();
    expect(grown.outputs!.databaseUrl).toBe(up.outputs!.databaseUrl);
    expect(e.saved.get("postgres-cluster")!.stderr).toContain(
      "flyctl cannot resize managed storage",
    );
    // A fresh state adopts the cluster and reads the credentials from `fly mpg status --json`.
    fake.clearCalls();
    const adopted = await engine().run(
      "dev",
      program({ stack: "dev", kind: "managed", volumeSizeGb: 20 }),
    );
    expect(adopted.error).toBeUndefined();
    expect(adopted.outputs!.pgOrigin).toBe("adopted");
    expect(adopted.outputs!.databaseUrl).toBe(up.outputs!.databaseUrl);
    expect(fake.mutations().map((c) => c.command)).not.toContain("mpg create");
    const switched = await e.run("dev", program({ stack: "dev", kind: "unmanaged" }));
    expect(switched.error?.message).toContain(
      "gaia:postgres.kind: the stack's Postgres is managed and config now says unmanaged.",
    );
  }, 600_000);
});

describe("the token", () => {
  it("is required before any flyctl call, with a clear error", async () => {
    const { fake, program } = setup();
    const e = new CommandEngine({ cwd: ROOT, env: () => fake.env({ FLY_API_TOKEN: undefined }) });
    const r = await e.run("dev", program({ stack: "dev" }));
    expect(r.error?.message).toContain(
      "neither FLY_API_TOKEN nor FLY_ACCESS_TOKEN is set in the environment of `pulumi`.",
    );
    expect(fake.calls()).toEqual([]);
  }, 600_000);
});

function spawnFly(fake: FakeFly, args: string[]): number | null {
  return spawnSync("fly", args, { env: fake.env(), encoding: "utf8" }).status;
}
