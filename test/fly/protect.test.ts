/**
 * The resource options the program sets (src/config/options.ts), as the engine acts on them:
 * production's stateful Fly resources are protected, so `pulumi destroy` fails before any delete;
 * app shells are retained, so their delete never runs.
 */
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { resourceOptions } from "../../src/config/options";
import { FlyPostgres, FlyRedis, FlyServiceApps } from "../../src/fly/components";
import type { FlyEnvironment } from "../../src/shared/vocabulary";
import { CommandEngine } from "../support/commandEngine";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, withAdmin } from "../support/postgres";

const ROOT = resolve(__dirname, "../..");
const fakes: FakeFly[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) f.remove();
  await withAdmin((c) => c.query("DROP DATABASE IF EXISTS llm_platform_protect WITH (FORCE)"));
});

function setup(stack: FlyEnvironment) {
  const target = new URL(adminUrl());
  const fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
  fakes.push(fake);
  const engine = new CommandEngine({
    cwd: ROOT,
    env: () => fake.env({ GAIA_FLY_RETRY_BASE_MS: "10" }),
  });
  const options = (kind: Parameters<typeof resourceOptions>[1]) => resourceOptions(stack, kind);
  const program = () => {
    new FlyPostgres(
      "postgres",
      {
        environment: stack,
        kind: "unmanaged",
        name: `gaia-db-${stack}`,
        org: "aeonia-dev",
        region: "lax",
        vmSize: "shared-cpu-1x",
        volumeSizeGb: 10,
        clusterSize: 1,
        plan: "basic",
        majorVersion: 16,
        allowRestart: false,
        postgresPassword: pulumi.secret(decodeURIComponent(target.password)),
        database: "llm_platform_protect",
        migrationsChecksum: "a1",
      },
      { childOptions: options },
    );
    new FlyRedis(
      "redis",
      {
        environment: stack,
        name: `gaia-redis-${stack}`,
        org: "aeonia-dev",
        region: "lax",
        eviction: true,
        replicaRegions: [],
      },
      { childOptions: options },
    );
    new FlyServiceApps(
      "services",
      {
        environment: stack,
        org: "aeonia-dev",
        region: "lax",
        apps: { gateway: `gaia-gateway-${stack}` },
        volumeName: "gaia_certs",
        volumeSizeGb: 1,
        volumesPerApp: 1,
      },
      { childOptions: options },
    );
    return {};
  };
  return { fake, engine, program };
}

const urnName = (e: Error) =>
  /^resource "urn:pulumi:[^"]*::([^":]+)" cannot be deleted/.exec(e.message)?.[1];

describe("resource options on Fly", () => {
  it("production: destroy fails on the protected database, redis and volumes, and deletes nothing", async () => {
    const { fake, engine, program } = setup("production");
    expect((await engine.run("production", program)).error).toBeUndefined();
    const resources = engine.state.size;
    fake.clearCalls();
    const d = await engine.destroy();
    // The cluster is never tried: the database, which depends on it, already failed (the engine
    // keeps what a failed protected delete depends on).
    expect(d.errors.map(urnName).sort()).toEqual([
      "postgres-database",
      "redis-redis",
      "services-gateway-volumes",
    ]);
    expect(d.ops).toEqual([]);
    expect(fake.calls()).toEqual([]);
    expect(engine.state.size).toBe(resources);
  }, 300_000);

  it("dev: destroy deletes what the stack created and never runs an app shell's delete", async () => {
    const { fake, engine, program } = setup("dev");
    expect((await engine.run("dev", program)).error).toBeUndefined();
    const d = await engine.destroy();
    expect(d.error).toBeUndefined();
    expect(d.ops.find((o) => o.name === "services-gateway-app")).toEqual({
      name: "services-gateway-app",
      op: "delete",
      ok: true,
      retained: true,
    });
    expect(Object.keys(fake.state().apps)).toEqual(["gaia-gateway-dev"]);
    expect(fake.state().volumes).toEqual([]);
    expect(engine.state.size).toBe(0);
  }, 300_000);
});
