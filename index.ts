/**
 * Gaia data tier: wiring only. Config is validated first, so a mistake is reported before any
 * resource is registered. The local stack runs on Docker; the Fly stacks (dev, staging,
 * production) validate their config and register no resources yet.
 */
import { readConfig } from "./src/config/readConfig";
import { LocalDataTier } from "./src/local/dataTier";
import { Migrations } from "./src/migrations/resource";

const config = readConfig();

const local =
  config.environment === "local"
    ? new LocalDataTier("gaia-local", {
        postgresName: config.postgres.name,
        database: config.postgres.database,
        redisName: config.redis.name,
        local: config.local,
        services: Object.keys(config.services.apps),
        postgresPassword: config.postgresPassword,
        redisPassword: config.redisPassword,
      })
    : undefined;

// Post-provision: the schema is migrated once Postgres is healthy and its password applied.
const localMigrations = local
  ? new Migrations(
      "gaia-local-migrations",
      {
        environment: "local",
        modules: config.migrations.modules,
        databaseUrl: local.databaseUrl,
        supabaseProjectRef: config.supabaseProjectRef,
        isolationEnforced: config.isolation.enforce,
        ...(config.migrations.baseline ? { baseline: config.migrations.baseline } : {}),
      },
      { dependsOn: local.postgresReady },
    )
  : undefined;

export const environment = config.environment;
export const postgresHost = local?.postgres.host;
export const postgresPort = local?.postgres.port;
export const redisHost = local?.redisHost;
export const redisPort = local?.redisPort;
export const databaseUrl = local?.databaseUrl;
export const redisUrl = local?.redisUrl;
export const internalDatabaseUrl = local?.internalDatabaseUrl;
export const internalRedisUrl = local?.internalRedisUrl;
export const certificatesVolume = local?.certificatesVolume;
export const migrationFiles = localMigrations?.files;
// The shared Supabase project, for `gaia-db env` and the services (keys stay secret).
export const supabaseProjectRef = config.supabaseProjectRef;
export const supabaseUrl = config.supabaseUrl;
export const supabaseAnonKey = config.supabaseAnonKey;
export const supabaseJwtSecret = config.supabaseJwtSecret;
