/**
 * Gaia data tier: wiring only. Config is validated first, so a mistake is reported before any
 * resource is registered. The local stack runs on Docker; dev, staging and production run on
 * Fly.io through flyctl. Every stack migrates its database once it is ready.
 */
import { DevCertificates } from "./src/certs/devCertificates";
import { resourceOptions } from "./src/config/options";
import type { FlyStackConfig, LocalStackConfig } from "./src/config/parseConfig";
import { readConfig } from "./src/config/readConfig";
import { FlyPostgres, FlyRedis, FlyServiceApps } from "./src/fly/components";
import { FlyServiceSecrets } from "./src/fly/serviceSecrets";
import { LocalDataTier } from "./src/local/dataTier";
import { Migrations, migrationSetChecksum } from "./src/migrations/resource";
import type { Environment, ResourceKind } from "./src/shared/vocabulary";

const config = readConfig();
const local = config.environment === "local" ? localStack(config) : undefined;
const fly = config.environment !== "local" ? flyStack(config) : undefined;

/** Every component's children get the options of their kind on this stack (src/config/options.ts). */
function childOptions(environment: Environment) {
  return (kind: ResourceKind) => resourceOptions(environment, kind);
}

function localStack(c: LocalStackConfig) {
  const opts = { childOptions: childOptions("local") };
  const tier = new LocalDataTier(
    "gaia-local",
    {
      postgres: { name: c.postgres.name, database: c.postgres.database },
      redis: { name: c.redis.name },
      local: c.local,
      services: Object.keys(c.services.apps),
      postgresPassword: c.postgresPassword,
      redisPassword: c.redisPassword,
    },
    opts,
  );
  // Post-provision: migrate once Postgres is healthy and its password applied.
  const migrations = new Migrations(
    "gaia-local-migrations",
    {
      environment: "local",
      modules: c.migrations.modules,
      databaseUrl: tier.databaseUrl,
      supabaseProjectRef: c.supabaseProjectRef,
      isolationEnforced: c.isolation.enforce,
      ...(c.migrations.baseline ? { baseline: c.migrations.baseline } : {}),
    },
    { ...opts, dependsOn: tier.postgresReady },
  );
  return { tier, migrations };
}

function flyStack(c: FlyStackConfig) {
  const env = c.environment;
  const opts = { childOptions: childOptions(env) };
  const postgres = new FlyPostgres(
    `gaia-${env}-postgres`,
    {
      environment: env,
      kind: c.postgres.kind,
      name: c.postgres.name,
      org: c.fly.org,
      region: c.fly.region,
      vmSize: c.postgres.vmSize,
      volumeSizeGb: c.postgres.volumeSizeGb,
      clusterSize: c.postgres.clusterSize,
      plan: c.postgres.plan,
      majorVersion: c.postgres.majorVersion,
      allowRestart: c.postgres.allowRestart,
      postgresPassword: c.postgresPassword,
      database: c.postgres.database,
      // Production snapshots its data volumes once per new set of migrations (or held-back files
      // released), before applying it.
      migrationsChecksum: migrationSetChecksum(
        "migrations",
        c.migrations.modules,
        c.migrations.heldBack,
      ),
    },
    opts,
  );
  const redis = new FlyRedis(
    `gaia-${env}-redis`,
    {
      environment: env,
      name: c.redis.name,
      org: c.fly.org,
      region: c.fly.region,
      eviction: c.redis.eviction,
      replicaRegions: c.redis.replicaRegions,
      // parseConfig requires autoUpgrade whenever a plan is set.
      ...(c.redis.plan ? { plan: c.redis.plan, autoUpgrade: c.redis.autoUpgrade ?? false } : {}),
    },
    opts,
  );
  const certificates = new DevCertificates(
    `gaia-${env}-certs`,
    { environment: env, services: Object.keys(c.services.apps) },
    opts,
  );
  const services = new FlyServiceApps(
    `gaia-${env}-services`,
    {
      environment: env,
      org: c.fly.org,
      region: c.fly.region,
      apps: c.services.apps,
      volumeName: c.certificates.volumeName,
      volumeSizeGb: c.certificates.volumeSizeGb,
      volumesPerApp: c.certificates.volumesPerApp,
      certificateFiles: certificates.files,
    },
    opts,
  );
  const migrations = new Migrations(
    `gaia-${env}-migrations`,
    {
      environment: env,
      modules: c.migrations.modules,
      databaseUrl: postgres.databaseUrl,
      supabaseProjectRef: c.supabaseProjectRef,
      isolationEnforced: c.isolation.enforce,
      fly:
        c.postgres.kind === "unmanaged"
          ? { app: c.postgres.name }
          : { managedCluster: postgres.clusterId },
      ...(c.migrations.baseline ? { baseline: c.migrations.baseline, baselineConfirm: env } : {}),
      // Files a restore rolled back: not applied again until reverted, replaced or released.
      ...(c.migrations.heldBack ? { heldBack: c.migrations.heldBack } : {}),
    },
    {
      ...opts,
      dependsOn: postgres.snapshot ? [postgres.database, postgres.snapshot] : [postgres.database],
    },
  );
  // Each service app gets DATABASE_URL (a least-privilege login the migrations' gaia_app role
  // backs), REDIS_URL and, for JWT validation, the Supabase settings, staged through stdin.
  // Managed Postgres has no Fly app to proxy to for the login yet: its services keep their secrets.
  const serviceSecrets =
    c.postgres.kind === "unmanaged"
      ? new FlyServiceSecrets(
          `gaia-${env}-service-secrets`,
          {
            environment: env,
            apps: c.services.apps,
            postgresApp: c.postgres.name,
            database: c.postgres.database,
            databaseUrl: postgres.databaseUrl,
            redisUrl: redis.redisUrl,
            supabaseUrl: c.supabaseUrl,
            supabaseAnonKey: c.supabaseAnonKey,
            supabaseJwtSecret: c.supabaseJwtSecret,
            adoptSecrets: c.services.adoptSecrets,
          },
          { ...opts, dependsOn: [migrations, services] },
        )
      : undefined;
  return { postgres, redis, services, migrations, serviceSecrets };
}

export const environment = config.environment;
export const migrationFiles = (local ?? fly)?.migrations.files;

// Local stack: host-side endpoints, and the in-network URLs the services use.
export const postgresHost = local?.tier.postgres.host;
export const postgresPort = local?.tier.postgres.port;
export const redisHost = local?.tier.redisHost;
export const redisPort = local?.tier.redisPort;
export const internalDatabaseUrl = local?.tier.internalDatabaseUrl;
export const internalRedisUrl = local?.tier.internalRedisUrl;
export const certificatesVolume = local?.tier.certificatesVolume;

// Every stack: secrets. On Fly these are private-network URLs (`<app>.flycast`).
export const databaseUrl = local?.tier.databaseUrl ?? fly?.postgres.databaseUrl;
export const redisUrl = local?.tier.redisUrl ?? fly?.redis.redisUrl;

// Fly stacks: what exists, and whether this stack created or adopted it.
export const postgresApp = fly ? config.postgres.name : undefined;
export const postgresOrigin = fly?.postgres.origin;
export const postgresVolumeIds = fly?.postgres.volumeIds;
export const postgresClusterId = fly?.postgres.clusterId;
export const preMigrationSnapshotIds = fly?.postgres.snapshotIds;
/** Every pre-migration snapshot recorded, with the row counts around it (`gaia-db restore`). */
export const preMigrationSnapshots = fly?.postgres.snapshots;
/** Clusters the stack pointed at before gaia:postgres.name changed: retained, never destroyed. */
export const postgresRetainedClusters = fly?.postgres.retainedClusters;
export const redisOrigin = fly?.redis.origin;
export const serviceApps = fly ? config.services.apps : undefined;
export const serviceAppOrigins = fly?.services.origins;
export const certificateVolumeIds = fly?.services.volumeIds;
/** Per app, the service secrets left alone because someone set them by hand (names only). */
export const serviceSecretsKept = fly?.serviceSecrets?.kept;
export const serviceSecretsStaged = fly?.serviceSecrets?.staged;

// The shared Supabase project, for `gaia-db env` and the services (keys stay secret).
export const supabaseProjectRef = config.supabaseProjectRef;
export const supabaseUrl = config.supabaseUrl;
export const supabaseAnonKey = config.supabaseAnonKey;
export const supabaseJwtSecret = config.supabaseJwtSecret;
