/**
 * The Fly data tier as the end-to-end tests declare it: the gaia:fly components under Pulumi mocks,
 * every local.Command run by the CommandEngine against a fresh fake flyctl whose proxy reaches the
 * real test PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FlyPostgres, FlyRedis, FlyServiceApps } from "../../src/fly/components";
import type { FlyEnvironment } from "../../src/shared/vocabulary";
import { CommandEngine } from "./commandEngine";
import { createFakeFly, type FakeFly } from "./fakeFly";
import { adminUrl, withAdmin } from "./postgres";

export const ROOT = resolve(__dirname, "../..");

export interface Shape {
  stack: string;
  volumeSizeGb?: number;
  certVolumeSizeGb?: number;
  volumesPerApp?: number;
  vmSize?: string;
  allowRestart?: boolean;
  migrationsChecksum?: string;
  kind?: "unmanaged" | "managed";
  plan?: string;
  redisPlan?: string;
  redisAutoUpgrade?: boolean;
  replicaRegions?: string[];
  /** Names other than gaia-db-<stack> / gaia-redis-<stack>. */
  pgName?: string;
  clusterSize?: number;
  /** Another gaia:postgresPassword than the test server's own. */
  postgresPassword?: string;
  redisName?: string;
  /** The components to declare (all three by default): a test declares only what it exercises. */
  parts?: ("postgres" | "redis" | "services")[];
}

export const CERT_FILES: Record<string, string> = {
  "ca.pem": "-----BEGIN CERTIFICATE-----\nCA#1\n-----END CERTIFICATE-----\n",
  "gateway/cert.pem": "GATEWAY CERT",
  "gateway/key.pem": "GATEWAY KEY",
  "web-service/cert.pem": "WEB CERT",
  "web-service/key.pem": "WEB KEY",
  "jwt-signing.key": "JWT PRIVATE",
  "jwt-signing.pub": "JWT PUBLIC",
};

export const MUTATING_CREATES = [
  "apps create",
  "postgres create",
  "redis create",
  "volumes create",
  "mpg create",
];

/** Owns the fakes and databases `setup` makes; `cleanup` after each test, `dropDatabases` after all. */
export class FlyStacks {
  private readonly fakes: FakeFly[] = [];
  private readonly removed: FakeFly[] = [];
  private readonly databases: string[] = [];

  cleanup(): void {
    for (const f of this.fakes.splice(0)) {
      f.remove();
      this.removed.push(f);
    }
  }

  async dropDatabases(): Promise<void> {
    await withAdmin(async (c) => {
      for (const d of this.databases) await c.query(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
    });
    for (const f of this.removed.splice(0)) await f.dropCopies();
  }

  setup(extraEnv: Record<string, string> = {}) {
    const target = new URL(adminUrl());
    const fake = createFakeFly({
      proxyTarget: `${target.hostname}:${target.port}`,
      adminUrl: adminUrl(),
    });
    this.fakes.push(fake);
    const database = `llm_platform_${randomBytes(4).toString("hex")}`;
    this.databases.push(database);
    const env = () =>
      fake.env({ GAIA_FLY_RETRY_BASE_MS: "10", GAIA_SNAPSHOT_POLL_MS: "20", ...extraEnv });
    const engine = () => new CommandEngine({ cwd: ROOT, env });
    const program = (s: Shape) => () => {
      const parts = s.parts ?? ["postgres", "redis", "services"];
      const outputs: Record<string, unknown> = {};
      if (parts.includes("postgres")) {
        const pg = this.postgres(s, database, target);
        Object.assign(outputs, {
          databaseUrl: pg.databaseUrl,
          pgOrigin: pg.origin,
          pgVolumes: pg.volumeIds,
          snapshots: pg.snapshotIds,
          clusterId: pg.clusterId,
        });
      }
      if (parts.includes("redis")) {
        const redis = new FlyRedis("redis", {
          environment: s.stack as FlyEnvironment,
          name: s.redisName ?? `gaia-redis-${s.stack}`,
          org: "aeonia-dev",
          region: "lax",
          eviction: true,
          replicaRegions: s.replicaRegions ?? [],
          ...(s.redisPlan !== undefined ? { plan: s.redisPlan } : {}),
          ...(s.redisAutoUpgrade !== undefined ? { autoUpgrade: s.redisAutoUpgrade } : {}),
        });
        Object.assign(outputs, { redisUrl: redis.redisUrl, redisOrigin: redis.origin });
      }
      if (parts.includes("services")) {
        const apps = new FlyServiceApps("services", {
          environment: s.stack as FlyEnvironment,
          org: "aeonia-dev",
          region: "lax",
          apps: { gateway: `gaia-gateway-${s.stack}` },
          volumeName: "gaia_certs",
          volumeSizeGb: s.certVolumeSizeGb ?? 1,
          volumesPerApp: s.volumesPerApp ?? 1,
          certificateFiles: pulumi.secret(CERT_FILES),
        });
        Object.assign(outputs, { appOrigins: apps.origins, certVolumes: apps.volumeIds });
      }
      return outputs;
    };
    return { fake, database, engine, program };
  }

  private postgres(s: Shape, database: string, target: URL): FlyPostgres {
    return new FlyPostgres("postgres", {
      environment: s.stack as FlyEnvironment,
      kind: s.kind ?? "unmanaged",
      name: s.pgName ?? `gaia-db-${s.stack}`,
      org: "aeonia-dev",
      region: "lax",
      vmSize: s.vmSize ?? "shared-cpu-1x",
      volumeSizeGb: s.volumeSizeGb ?? 10,
      clusterSize: s.clusterSize ?? 1,
      plan: s.plan ?? "basic",
      majorVersion: 16,
      allowRestart: s.allowRestart ?? false,
      // The test server's password: the fake proxy forwards to it.
      postgresPassword: pulumi.secret(s.postgresPassword ?? decodeURIComponent(target.password)),
      database: database,
      migrationsChecksum: s.migrationsChecksum,
    });
  }
}

/** Forces every Fly command's update on the next run, as a new release of the Fly code does. */
export function markCodeChanged(engine: CommandEngine): void {
  for (const s of engine.saved.values()) {
    (s.inputs.environment as Record<string, string>).GAIA_SCRIPT_SHA256 = "older-code";
  }
}
