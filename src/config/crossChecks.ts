/**
 * The config rules that involve more than one field or depend on the environment, over the fields
 * that are valid on their own (each invalid field is reported once, by the schema).
 */
import type { Environment } from "../shared/vocabulary";
import { type Commands, type ConfigProblem, describe } from "./problems";
import {
  type ConfigKey,
  defaultsFor,
  isLegacyRedisPlan,
  LEGACY_REDIS_PLANS,
  type LocalSettings,
  type PostgresSettings,
  type RedisSettings,
  SERVICE_NAMES,
  type ServiceName,
} from "./schema";

/** Why production refuses managed Postgres, as a refusal prints it. */
export const MANAGED_PRODUCTION_REFUSAL =
  "unmanaged on production: production migrates only after a completed snapshot of its Postgres volumes, and a managed cluster has none (fly mpg backup create only queues a backup and names no id to wait for)";

/** Rules across fields, over the fields that are valid on their own. */
export function crossCheck(
  env: Environment,
  parts: ReadonlyMap<ConfigKey, Record<string, unknown>>,
  problems: ConfigProblem[],
  cmd: Commands,
  values: ReadonlyMap<ConfigKey, unknown>,
): void {
  const pg = parts.get("postgres") as Partial<PostgresSettings> | undefined;
  if (pg) {
    const managed = pg.kind === "managed";
    const problem = (field: keyof PostgresSettings, allowed: string, value: unknown) =>
      problems.push({
        key: `gaia:postgres.${field}`,
        received: describe(pg[field]),
        allowed,
        fix: cmd.setPath(`postgres.${field}`, value),
      });
    if (managed && env === "local") {
      problem("kind", "unmanaged (the local stack runs PostgreSQL in Docker)", "unmanaged");
    } else if (managed && env === "production") {
      // Production's migrations wait for a completed snapshot of the Postgres volumes (the
      // `snapshot` Fly command). A managed cluster has no volumes of ours, and flyctl's backup
      // of one is queued without an id, so no run could tell when it is complete.
      problem("kind", MANAGED_PRODUCTION_REFUSAL, "unmanaged");
    } else if (managed) {
      if (pg.plan === "performance") {
        problem(
          "plan",
          "basic | starter | launch | scale (flyctl silently creates a basic cluster when asked for performance)",
          "scale",
        );
      }
      if (pg.majorVersion !== undefined && pg.majorVersion !== 16 && pg.majorVersion !== 17) {
        problem("majorVersion", "16 | 17 for managed Postgres", 16);
      }
      if (pg.volumeSizeGb !== undefined && pg.volumeSizeGb < 10) {
        problem("volumeSizeGb", "a whole number from 10 to 500 for managed Postgres", 10);
      }
    } else if (pg.kind === "unmanaged" && pg.majorVersion !== undefined && pg.majorVersion !== 15) {
      problem(
        "majorVersion",
        `15 for ${env === "local" ? "the local stack" : "unmanaged Fly Postgres"} (the platform runs PostgreSQL 15)`,
        15,
      );
    }
  }
  const redis = parts.get("redis") as Partial<RedisSettings> | undefined;
  if (redis?.plan !== undefined && isLegacyRedisPlan(redis.plan)) {
    problems.push({
      key: "gaia:redis.plan",
      received: describe(redis.plan),
      allowed: `a current Upstash plan (flyctl rejects the legacy plans ${LEGACY_REDIS_PLANS.join(", ")}, in any case, with _ for spaces too)`,
      fix: cmd.rmPath("redis.plan"),
    });
  }
  if (env !== "local" && redis) {
    const given = (values.get("redis") ?? {}) as Record<string, unknown>;
    crossCheckRedis(redis, given.autoUpgrade !== undefined, parts, problems, cmd);
  }
  const services = parts.get("services") as Partial<Record<ServiceName, string>> | undefined;
  if (services) {
    const seen = new Map<string, ServiceName>();
    for (const s of SERVICE_NAMES) {
      const app = services[s];
      if (app === undefined) continue;
      const first = seen.get(app);
      if (first) {
        problems.push({
          key: `gaia:services.${s}`,
          received: describe(app),
          allowed: `an app name not already used by ${first}`,
          fix: cmd.setPath(`services.${s}`, defaultsFor("services", env)[s]),
        });
      }
      seen.set(app, s);
    }
  }
  const local = parts.get("local") as Partial<LocalSettings> | undefined;
  if (local?.postgresPort !== undefined && local.postgresPort === local.redisPort) {
    problems.push({
      key: "gaia:local.redisPort",
      received: describe(local.redisPort),
      allowed: `a port other than gaia:local.postgresPort (${local.postgresPort})`,
      fix: cmd.setPath("local.redisPort", local.postgresPort === 6379 ? 6380 : 6379),
    });
  }
}

/** What `fly redis create` needs to run without a prompt, over the valid fields. */
function crossCheckRedis(
  redis: Partial<RedisSettings>,
  autoUpgradeGiven: boolean,
  parts: ReadonlyMap<ConfigKey, Record<string, unknown>>,
  problems: ConfigProblem[],
  cmd: Commands,
): void {
  // Only the plan the API resolves tells whether it is fixed-price, so the choice is made for
  // every plan set (an invalid value is reported on its own).
  if (redis.plan !== undefined && !isLegacyRedisPlan(redis.plan) && !autoUpgradeGiven)
    problems.push({
      key: "gaia:redis.autoUpgrade",
      received: "nothing",
      allowed: `true | false: gaia:redis.plan is ${describe(redis.plan)}, and flyctl asks whether to auto-upgrade a fixed-price plan (a prompt fails under Pulumi)`,
      fix: cmd.setPath("redis.autoUpgrade", false),
    });
  if (redis.plan === undefined && redis.autoUpgrade === true)
    problems.push({
      key: "gaia:redis.autoUpgrade",
      received: "true",
      allowed:
        "false or nothing while gaia:redis.plan is unset (pay-as-you-go has no auto-upgrade)",
      fix: cmd.rmPath("redis.autoUpgrade"),
    });
  const region = parts.get("fly")?.region;
  if (typeof region === "string" && redis.replicaRegions?.includes(region))
    problems.push({
      key: "gaia:redis.replicaRegions",
      received: describe(redis.replicaRegions),
      allowed: `regions other than gaia:fly.region (${region}): flyctl silently drops the primary region from the replicas`,
      fix: cmd.setList(
        "redis.replicaRegions",
        redis.replicaRegions.filter((r) => r !== region),
      ),
    });
}
