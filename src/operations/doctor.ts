/**
 * `gaia-db doctor <env>`: command resources have no refresh, so Pulumi's state cannot see what
 * changed on Fly behind its back. This compares the live Fly resources (read with flyctl, JSON
 * where it exists) with the stack's config and reports every difference. Pure core: `diagnose`
 * takes the expected and observed states as plain objects.
 */
import type { FlyStackConfig } from "../config/parseConfig";
import { redisStatusArgs, secretsListArgs, statusArgs, volumesListArgs } from "../fly/flags";
import {
  type AppStatus,
  classifyFailure,
  parseAppStatus,
  parseRedisStatus,
  parseVolumes,
  type Volume,
} from "../fly/parsers";
import { PG_VOLUME_NAME, redisDifferences } from "../fly/plan";
import { describeGuest, isPgVmSize, PG_CREATE_GUESTS, sameGuest } from "../fly/vmSizes";
import { childEnvironment } from "../process/environment";
import { runtimeError } from "../shared/errors";
import { secretNamesFor } from "../shared/vocabulary";
import { renderTable } from "./format";
import { lastLine, runProgram } from "./stack";

export interface DoctorExpected {
  environment: string;
  region: string;
  postgres:
    | { kind: "unmanaged"; app: string; vmSize: string; volumeSizeGb: number; clusterSize: number }
    | { kind: "managed"; name: string };
  redis: {
    name: string;
    region: string;
    eviction: boolean;
    replicaRegions: string[];
    plan?: string;
    autoUpgrade?: boolean;
  };
  /** Service → Fly app. */
  services: Record<string, string>;
  certificates: { volumeName: string; volumeSizeGb: number; volumesPerApp: number };
  /** App → secret names that must be on it (staged or deployed). */
  secrets: Record<string, string[]>;
}

export interface ObservedApp {
  status: AppStatus;
  volumes: Volume[];
  secrets: string[];
}

export interface DoctorObserved {
  /** null: the app does not exist. */
  postgres: ObservedApp | null;
  /** null: no such Redis. */
  redis: Record<string, string> | null;
  apps: Record<string, ObservedApp | null>;
}

export interface Drift {
  resource: string;
  message: string;
}

/** The expected state from a parsed Fly stack config. */
export function expectedFromConfig(config: FlyStackConfig): DoctorExpected {
  const services = { ...config.services.apps } as Record<string, string>;
  return {
    environment: config.environment,
    region: config.fly.region,
    postgres:
      config.postgres.kind === "unmanaged"
        ? {
            kind: "unmanaged",
            app: config.postgres.name,
            vmSize: config.postgres.vmSize,
            volumeSizeGb: config.postgres.volumeSizeGb,
            clusterSize: config.postgres.clusterSize,
          }
        : { kind: "managed", name: config.postgres.name },
    redis: {
      name: config.redis.name,
      region: config.fly.region,
      eviction: config.redis.eviction,
      replicaRegions: config.redis.replicaRegions,
      plan: config.redis.plan,
      ...(config.redis.plan ? { autoUpgrade: config.redis.autoUpgrade ?? false } : {}),
    },
    services,
    certificates: config.certificates,
    secrets: Object.fromEntries(
      Object.entries(services).map(([service, app]) => [app, secretNamesFor(service)]),
    ),
  };
}

function volumeDrift(
  resource: string,
  volumes: readonly Volume[],
  name: string,
  want: { count: number; sizeGb: number; region: string; exactCount: boolean },
): Drift[] {
  const drifts: Drift[] = [];
  const named = volumes.filter((v) => v.name === name);
  if (named.length < want.count) {
    drifts.push({
      resource,
      message: `${want.count - named.length} of ${want.count} volumes named ${name} missing`,
    });
  } else if (want.exactCount && named.length > want.count) {
    drifts.push({
      resource,
      message: `${named.length} volumes named ${name}, config wants ${want.count} (extra or duplicate: ${named
        .slice(want.count)
        .map((v) => v.id)
        .join(", ")})`,
    });
  }
  for (const v of named) {
    if (v.sizeGb !== want.sizeGb) {
      drifts.push({
        resource,
        message: `volume ${v.id} (${name}) is ${v.sizeGb} GB on Fly, ${want.sizeGb} GB in config`,
      });
    }
    if (v.region !== want.region) {
      drifts.push({
        resource,
        message: `volume ${v.id} (${name}) is in ${v.region} on Fly, ${want.region} in config`,
      });
    }
  }
  return drifts;
}

export function diagnose(expected: DoctorExpected, observed: DoctorObserved): Drift[] {
  const drifts: Drift[] = [];
  const pg = expected.postgres;
  if (pg.kind === "unmanaged") {
    const resource = `postgres ${pg.app}`;
    const live = observed.postgres;
    if (live === null) {
      drifts.push({ resource, message: "app missing on Fly" });
    } else {
      const machines = live.status.machines;
      if (machines.length !== pg.clusterSize) {
        drifts.push({
          resource,
          message: `${machines.length} machines on Fly, clusterSize ${pg.clusterSize} in config`,
        });
      }
      for (const m of machines) {
        // A vmSize means the guest `fly postgres create` gives it (src/fly/vmSizes.ts).
        const want = isPgVmSize(pg.vmSize) ? PG_CREATE_GUESTS[pg.vmSize] : undefined;
        if (!want || !sameGuest(m.guest, want)) {
          drifts.push({
            resource,
            message: `machine ${m.id} is ${describeGuest(m.guest)} on Fly, vmSize ${want ? describeGuest(want) : pg.vmSize} in config`,
          });
        }
        if (m.region !== expected.region) {
          drifts.push({
            resource,
            message: `machine ${m.id} is in ${m.region} on Fly, region ${expected.region} in config`,
          });
        }
      }
      drifts.push(
        ...volumeDrift(resource, live.volumes, PG_VOLUME_NAME, {
          count: pg.clusterSize,
          sizeGb: pg.volumeSizeGb,
          region: expected.region,
          // A cluster may keep a spare volume for a replacement machine: only size and region.
          exactCount: false,
        }),
      );
    }
  }
  const redisResource = `redis ${expected.redis.name}`;
  if (observed.redis === null) drifts.push({ resource: redisResource, message: "missing on Fly" });
  else {
    for (const note of redisDifferences(expected.redis, observed.redis)) {
      drifts.push({ resource: redisResource, message: note });
    }
  }
  for (const [service, app] of Object.entries(expected.services).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const resource = `app ${app} (${service})`;
    const live = observed.apps[app];
    if (!live) {
      drifts.push({ resource, message: "app missing on Fly" });
      continue;
    }
    drifts.push(
      ...volumeDrift(resource, live.volumes, expected.certificates.volumeName, {
        count: expected.certificates.volumesPerApp,
        sizeGb: expected.certificates.volumeSizeGb,
        region: expected.region,
        exactCount: true,
      }),
    );
    const missing = (expected.secrets[app] ?? []).filter((name) => !live.secrets.includes(name));
    if (missing.length > 0) {
      drifts.push({ resource, message: `secrets not staged: ${missing.join(", ")}` });
    }
  }
  return drifts;
}

// ---------------------------------------------------------------------------------------------
// Reading the live state through flyctl.

export type FlyRunner = (
  args: string[],
) => Promise<{ code: number | null; stdout: string; stderr: string }>;

export function flyRunner(flyBinary: string, env: NodeJS.ProcessEnv, timeoutMs: number): FlyRunner {
  return async (args) => {
    try {
      // flyctl's explicit environment: never the operator's DATABASE_URL or Pulumi's secrets.
      return await runProgram(flyBinary, args, { env: childEnvironment("flyctl", env), timeoutMs });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw runtimeError(
          `flyctl not found ("${flyBinary}" is not on PATH): install it (https://fly.io/docs/flyctl/install/)`,
        );
      }
      throw error;
    }
  };
}

/** Runs a read; null when flyctl says the thing does not exist; other failures throw. */
async function read<T>(fly: FlyRunner, args: string[], parse: (stdout: string) => T) {
  const done = await fly(args);
  if (done.code === 0) return parse(done.stdout);
  if (classifyFailure(done.code, done.stderr) === "not-found") return null;
  // Redis status stderr never holds the URL; other reads print no secret.
  throw runtimeError(`fly ${args.join(" ")} failed (exit ${done.code}): ${lastLine(done.stderr)}`);
}

export function parseSecretNames(stdout: string): string[] {
  const parsed = JSON.parse(stdout) as unknown;
  if (!Array.isArray(parsed)) throw runtimeError("fly secrets list --json did not print an array");
  return parsed
    .map((s) => (typeof s === "object" && s !== null ? (s as { name?: unknown }).name : undefined))
    .filter((name): name is string => typeof name === "string")
    .sort();
}

async function observeApp(fly: FlyRunner, app: string, withSecrets: boolean) {
  const status = await read(fly, statusArgs(app), parseAppStatus);
  if (status === null) return null;
  const volumes = (await read(fly, volumesListArgs(app), parseVolumes)) ?? [];
  const secrets = withSecrets
    ? ((await read(fly, secretsListArgs(app), parseSecretNames)) ?? [])
    : [];
  return { status, volumes, secrets };
}

export async function observe(fly: FlyRunner, expected: DoctorExpected): Promise<DoctorObserved> {
  const postgres =
    expected.postgres.kind === "unmanaged"
      ? await observeApp(fly, expected.postgres.app, false)
      : null;
  const redis = await read(fly, redisStatusArgs(expected.redis.name), parseRedisStatus);
  const apps: Record<string, ObservedApp | null> = {};
  for (const app of Object.values(expected.services)) apps[app] = await observeApp(fly, app, true);
  return { postgres, redis, apps };
}

export function renderDrifts(
  environment: string,
  drifts: readonly Drift[],
  notes: readonly string[],
) {
  const lines = notes.map((note) => `note: ${note}`);
  if (drifts.length === 0) {
    lines.push(`${environment}: no drift: Fly matches the stack's config.`);
  } else {
    lines.push(
      `${environment}: ${drifts.length} difference${drifts.length === 1 ? "" : "s"} between Fly and the stack's config:`,
      renderTable(
        ["resource", "difference"],
        drifts.map((d) => [d.resource, d.message]),
      ),
    );
  }
  return lines.join("\n");
}
