import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  type ConfigProblem,
  formatProblems,
  type GaiaConfig,
  nearest,
  parseConfig,
} from "../../src/config/parseConfig";
import { FLY_SECRETS, rawConfig } from "./stackFiles";

const SECRET_NAMES = /^gaia:(postgresPassword|redisPassword|supabaseAnonKey|supabaseJwtSecret)$/;

/** Parses like `pulumi up` would: every secret-named key in `raw` counts as set with --secret. */
function parse(stack: string, raw: Record<string, string>) {
  return parseConfig(
    raw,
    stack,
    Object.keys(raw).filter((k) => SECRET_NAMES.test(k)),
  );
}

function ok(stack: string, raw: Record<string, string>): GaiaConfig {
  const result = parse(stack, raw);
  if (!result.ok) throw new Error(formatProblems(result.errors, stack));
  return result.config;
}

function problems(stack: string, raw: Record<string, string>): ConfigProblem[] {
  const result = parse(stack, raw);
  if (result.ok) throw new Error("expected configuration problems");
  return result.errors;
}

function resolve<T>(output: pulumi.Output<T> | undefined): Promise<T | undefined> {
  return output ? new Promise((r) => output.apply(r)) : Promise.resolve(undefined);
}

/** The config without its secret Outputs, for exact comparison. */
function plain(config: GaiaConfig) {
  const { postgresPassword, supabaseAnonKey, supabaseJwtSecret, ...rest } = config;
  const { redisPassword, ...withoutRedis } = rest as typeof rest & { redisPassword?: unknown };
  return withoutRedis;
}

const services = (env: string) => ({
  apps: {
    gateway: `gaia-gateway-${env}`,
    "auth-service": `gaia-auth-${env}`,
    "asset-service": `gaia-asset-${env}`,
    "chat-service": `gaia-chat-${env}`,
    "web-service": `gaia-web-${env}`,
  },
  adoptSecrets: false,
});

const postgres = (env: string) => ({
  kind: "unmanaged",
  name: `gaia-db-${env}`,
  database: "llm_platform",
  vmSize: "shared-cpu-1x",
  volumeSizeGb: 10,
  clusterSize: 1,
  plan: "basic",
  majorVersion: 15,
  allowRestart: false,
});

const supabase = {
  supabaseProjectRef: "lbaohvnusingoztdzlmj",
  supabaseUrl: "https://lbaohvnusingoztdzlmj.supabase.co",
};

describe("the committed stack files", () => {
  it("local parses with no secret at all", () => {
    const config = ok("local", rawConfig("local"));
    expect(plain(config)).toEqual({
      stack: "local",
      environment: "local",
      postgres: postgres("local"),
      redis: { name: "gaia-redis-local", eviction: true, replicaRegions: [] },
      services: services("local"),
      local: {
        postgresPort: 5432,
        redisPort: 6379,
        postgresImage: "pgvector/pgvector:pg15",
        redisImage: "redis:7-alpine",
      },
      migrations: { modules: ["core", "vector"] },
      isolation: { enforce: false },
      ...supabase,
    });
    expect(config.postgresPassword).toBeUndefined();
  });

  it.each([
    ["dev", false],
    ["staging", false],
    ["production", true],
  ])("%s parses once its secrets are supplied (isolation enforced: %s)", (stack, enforce) => {
    const config = ok(stack, rawConfig(stack, FLY_SECRETS));
    expect(plain(config)).toEqual({
      stack,
      environment: stack,
      fly: { org: "aeonia-dev", region: "lax", foreignNames: [] },
      postgres: postgres(stack),
      redis: { name: `gaia-redis-${stack}`, eviction: true, replicaRegions: [] },
      services: services(stack),
      certificates: { volumeName: "gaia_certs", volumeSizeGb: 1, volumesPerApp: 1 },
      migrations: { modules: ["core", "vector"] },
      isolation: { enforce },
      ...supabase,
    });
  });

  it.each(["dev", "staging", "production"])("%s without its secrets names all three", (stack) => {
    expect(problems(stack, rawConfig(stack))).toEqual(
      ["postgresPassword", "supabaseAnonKey", "supabaseJwtSecret"].map((key) => ({
        key: `gaia:${key}`,
        received: "nothing",
        allowed: "a non-empty secret set with --secret",
        fix: `pulumi config set --secret gaia:${key} -s ${stack}`,
      })),
    );
  });
});

describe("secrets", () => {
  it("are Outputs marked secret, never plain strings", async () => {
    const config = ok("dev", rawConfig("dev", FLY_SECRETS));
    if (config.environment === "local") throw new Error("expected a Fly config");
    for (const [output, value] of [
      [config.postgresPassword, "pg-secret-value"],
      [config.supabaseAnonKey, "anon-secret-value"],
      [config.supabaseJwtSecret, "jwt-secret-value"],
    ] as const) {
      expect(pulumi.Output.isInstance(output)).toBe(true);
      expect(await pulumi.isSecret(output)).toBe(true);
      expect(await resolve(output)).toBe(value);
    }
  });

  it("configured local passwords and Supabase keys are kept as secrets", async () => {
    const config = ok(
      "local",
      rawConfig("local", {
        "gaia:postgresPassword": "local-pg",
        "gaia:redisPassword": "local-redis",
        "gaia:supabaseAnonKey": "anon",
      }),
    );
    if (config.environment !== "local") throw new Error("expected the local config");
    expect(await pulumi.isSecret(config.postgresPassword!)).toBe(true);
    expect(await resolve(config.postgresPassword)).toBe("local-pg");
    expect(await resolve(config.redisPassword)).toBe("local-redis");
    expect(await resolve(config.supabaseAnonKey)).toBe("anon");
    expect(config.supabaseJwtSecret).toBeUndefined();
  });

  it("a secret set without --secret is refused and its value never echoed", () => {
    const raw = rawConfig("dev", FLY_SECRETS);
    const result = parseConfig(raw, "dev", ["gaia:supabaseAnonKey", "gaia:supabaseJwtSecret"]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          key: "gaia:postgresPassword",
          received: "a plain-text value (it was set without --secret)",
          allowed: "a secret set with --secret",
          fix: "pulumi config set --secret gaia:postgresPassword -s dev",
        },
      ],
    });
    expect(JSON.stringify(result)).not.toContain("pg-secret-value");
  });

  it("without a secret-key list the caller vouches for the values", () => {
    expect(parseConfig(rawConfig("dev", FLY_SECRETS), "dev").ok).toBe(true);
  });
});

describe("defaults", () => {
  it("setting one field of an object keeps the defaults of the others, strings coerced", () => {
    const config = ok(
      "dev",
      rawConfig("dev", {
        ...FLY_SECRETS,
        "gaia:postgres": JSON.stringify({ volumeSizeGb: "20", allowRestart: "true" }),
        "gaia:services": JSON.stringify({ gateway: "gaia-gw-dev", adoptSecrets: "true" }),
      }),
    );
    expect(config.postgres).toEqual({ ...postgres("dev"), volumeSizeGb: 20, allowRestart: true });
    expect(config.services).toEqual({
      apps: { ...services("dev").apps, gateway: "gaia-gw-dev" },
      adoptSecrets: true,
    });
  });

  it("managed Postgres defaults to major version 16", () => {
    const config = ok(
      "staging",
      rawConfig("staging", {
        ...FLY_SECRETS,
        "gaia:postgres": JSON.stringify({ kind: "managed", plan: "launch" }),
      }),
    );
    expect(config.postgres).toEqual({
      ...postgres("staging"),
      kind: "managed",
      plan: "launch",
      majorVersion: 16,
    });
  });

  it("a stack with another name takes its environment from gaia:environment", () => {
    const config = ok("local-alice", { ...rawConfig("local"), "gaia:environment": "local" });
    expect(config.environment).toBe("local");
    expect(config.stack).toBe("local-alice");
    expect(config.postgres.name).toBe("gaia-db-local");
  });

  it("migrations accept every module and a baseline", () => {
    const config = ok(
      "local",
      rawConfig("local", {
        "gaia:migrations": JSON.stringify({
          modules: ["core", "vector", "rbac", "experience"],
          baseline: "0001",
        }),
      }),
    );
    expect(config.migrations).toEqual({
      modules: ["core", "vector", "rbac", "experience"],
      baseline: "0001",
    });
  });

  it("migrations may hold files back since a restore (module/file.sql:sha256 lines)", () => {
    const line = `rbac/0002_rbac_seed.sql:${"a".repeat(64)}`;
    const config = ok(
      "production",
      rawConfig("production", {
        ...FLY_SECRETS,
        "gaia:migrations": JSON.stringify({ modules: ["core", "rbac"], heldBack: [line] }),
      }),
    );
    expect(config.migrations).toEqual({ modules: ["core", "rbac"], heldBack: [line] });
  });

  it("a baseline may name other modules' versions, as gaia-db baseline --to does", () => {
    const config = ok(
      "local",
      rawConfig("local", { "gaia:migrations": JSON.stringify({ baseline: "0001,vector:0001" }) }),
    );
    expect(config.migrations).toEqual({
      modules: ["core", "vector"],
      baseline: "0001,vector:0001",
    });
  });
});

const dev = (extra: Record<string, string>) => ({ ...rawConfig("dev", FLY_SECRETS), ...extra });
const local = (extra: Record<string, string>) => ({ ...rawConfig("local"), ...extra });
const json = (value: unknown) => JSON.stringify(value);
const pg = (fields: Record<string, unknown>) => json({ ...fields });

describe("one kind of mistake at a time", () => {
  const cases: [string, string, Record<string, string>, ConfigProblem[]][] = [
    [
      "an unknown key gets the nearest known one",
      "dev",
      dev({ "gaia:postgress": json({ name: "x" }) }),
      [
        {
          key: "gaia:postgress",
          received: '"{\\"name\\":\\"x\\"}"',
          allowed: "a known key (did you mean gaia:postgres?)",
          fix: "pulumi config rm gaia:postgress -s dev",
        },
      ],
    ],
    [
      "an unknown key far from every known one lists them all",
      "local",
      local({ "gaia:databaseHost": "db" }),
      [
        {
          key: "gaia:databaseHost",
          received: '"db"',
          allowed:
            "a known key: gaia:environment, gaia:fly, gaia:postgres, gaia:postgresPassword, gaia:redis, gaia:redisPassword, gaia:services, gaia:certificates, gaia:local, gaia:migrations, gaia:isolation, gaia:supabaseProjectRef, gaia:supabaseUrl, gaia:supabaseAnonKey, gaia:supabaseJwtSecret",
          fix: "pulumi config rm gaia:databaseHost -s local",
        },
      ],
    ],
    [
      "an unknown field",
      "dev",
      dev({ "gaia:postgres": pg({ volumeSize: 20 }) }),
      [
        {
          key: "gaia:postgres.volumeSize",
          received: "20",
          allowed:
            "a field of gaia:postgres: kind, name, database, vmSize, volumeSizeGb, clusterSize, plan, majorVersion, allowRestart (did you mean volumeSizeGb?)",
          fix: "pulumi config rm --path 'gaia:postgres.volumeSize' -s dev",
        },
      ],
    ],
    [
      "a service that is not one",
      "dev",
      dev({ "gaia:services": json({ "kb-svc": "gaia-kb-dev" }) }),
      [
        {
          key: "gaia:services.kb-svc",
          received: '"gaia-kb-dev"',
          allowed:
            "a field of gaia:services: gateway, auth-service, asset-service, chat-service, web-service, adoptSecrets",
          fix: "pulumi config rm --path 'gaia:services.kb-svc' -s dev",
        },
      ],
    ],
    [
      "a dev stack that says production",
      "dev",
      dev({ "gaia:environment": "production" }),
      [
        {
          key: "gaia:environment",
          received: '"production"',
          allowed: 'dev (the environment of the stack "dev")',
          fix: "pulumi config set gaia:environment dev -s dev",
        },
      ],
    ],
    [
      "an unknown stack name without gaia:environment",
      "pr-42",
      { ...rawConfig("dev", FLY_SECRETS), "gaia:environment": "" },
      [
        {
          key: "gaia:environment",
          received: '""',
          allowed:
            'local | dev | staging | production (stack "pr-42" is not one of the four known stacks, so it must name its environment)',
          fix: "pulumi config set gaia:environment dev -s pr-42",
        },
      ],
    ],
    [
      "an empty secret",
      "dev",
      dev({ "gaia:supabaseJwtSecret": "" }),
      [
        {
          key: "gaia:supabaseJwtSecret",
          received: "an empty value",
          allowed: "a non-empty secret set with --secret",
          fix: "pulumi config set --secret gaia:supabaseJwtSecret -s dev",
        },
      ],
    ],
    [
      "a volume size out of range, as a string",
      "dev",
      dev({ "gaia:postgres": pg({ volumeSizeGb: "501" }) }),
      [
        {
          key: "gaia:postgres.volumeSizeGb",
          received: '"501"',
          allowed: "a whole number from 1 to 500 (managed: at least 10)",
          fix: "pulumi config set --path 'gaia:postgres.volumeSizeGb' 10 -s dev",
        },
      ],
    ],
    [
      "a cluster of zero nodes",
      "staging",
      { ...rawConfig("staging", FLY_SECRETS), "gaia:postgres": pg({ clusterSize: 0 }) },
      [
        {
          key: "gaia:postgres.clusterSize",
          received: "0",
          allowed: "a whole number from 1 to 10",
          fix: "pulumi config set --path 'gaia:postgres.clusterSize' 1 -s staging",
        },
      ],
    ],
    [
      "a region that is not a Fly region code",
      "dev",
      dev({ "gaia:fly": json({ org: "aeonia-dev", region: "los-angeles" }) }),
      [
        {
          key: "gaia:fly.region",
          received: '"los-angeles"',
          allowed: "a 3-letter Fly region code such as lax or sjc",
          fix: "pulumi config set --path 'gaia:fly.region' lax -s dev",
        },
      ],
    ],
    [
      "no gaia:fly at all",
      "dev",
      (() => {
        const raw = dev({});
        delete raw["gaia:fly"];
        return raw;
      })(),
      [
        {
          key: "gaia:fly.org",
          received: "nothing",
          allowed: "a Fly organization slug (lowercase letters, digits, dashes)",
          fix: "pulumi config set --path 'gaia:fly.org' aeonia-dev -s dev",
        },
        {
          key: "gaia:fly.region",
          received: "nothing",
          allowed: "a 3-letter Fly region code such as lax or sjc",
          fix: "pulumi config set --path 'gaia:fly.region' lax -s dev",
        },
      ],
    ],
    [
      "an app name Fly refuses",
      "dev",
      dev({ "gaia:services": json({ "chat-service": "Gaia_Chat" }) }),
      [
        {
          key: "gaia:services.chat-service",
          received: '"Gaia_Chat"',
          allowed:
            "a Fly name: lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 62 characters",
          fix: "pulumi config set --path 'gaia:services.chat-service' gaia-chat-dev -s dev",
        },
      ],
    ],
    [
      "an app name of 63 characters",
      "dev",
      dev({ "gaia:postgres": pg({ name: `g${"a".repeat(62)}` }) }),
      [
        {
          key: "gaia:postgres.name",
          received: json(`g${"a".repeat(62)}`),
          allowed:
            "a Fly name: lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 62 characters",
          fix: "pulumi config set --path 'gaia:postgres.name' gaia-db-dev -s dev",
        },
      ],
    ],
    [
      "two services on one app",
      "dev",
      dev({ "gaia:services": json({ "web-service": "gaia-gateway-dev" }) }),
      [
        {
          key: "gaia:services.web-service",
          received: '"gaia-gateway-dev"',
          allowed: "an app name not already used by gateway",
          fix: "pulumi config set --path 'gaia:services.web-service' gaia-web-dev -s dev",
        },
      ],
    ],
    [
      "managed Postgres on the performance plan",
      "staging",
      {
        ...rawConfig("staging", FLY_SECRETS),
        "gaia:postgres": pg({ kind: "managed", plan: "performance", majorVersion: 17 }),
      },
      [
        {
          key: "gaia:postgres.plan",
          received: '"performance"',
          allowed:
            "basic | starter | launch | scale (flyctl silently creates a basic cluster when asked for performance)",
          fix: "pulumi config set --path 'gaia:postgres.plan' scale -s staging",
        },
      ],
    ],
    [
      "managed Postgres on production, which cannot take its pre-migration snapshot",
      "production",
      {
        ...rawConfig("production", FLY_SECRETS),
        "gaia:postgres": pg({ kind: "managed", plan: "launch", majorVersion: 16 }),
      },
      [
        {
          key: "gaia:postgres.kind",
          received: '"managed"',
          allowed:
            "unmanaged on production: production migrates only after a completed snapshot of its Postgres volumes, and a managed cluster has none (fly mpg backup create only queues a backup and names no id to wait for)",
          fix: "pulumi config set --path 'gaia:postgres.kind' unmanaged -s production",
        },
      ],
    ],
    [
      "a rule across fields still runs when a sibling field is invalid",
      "dev",
      dev({ "gaia:postgres": pg({ kind: "managed", plan: "performance", volumeSizeGb: "0" }) }),
      [
        {
          key: "gaia:postgres.volumeSizeGb",
          received: '"0"',
          allowed: "a whole number from 1 to 500 (managed: at least 10)",
          fix: "pulumi config set --path 'gaia:postgres.volumeSizeGb' 10 -s dev",
        },
        {
          key: "gaia:postgres.plan",
          received: '"performance"',
          allowed:
            "basic | starter | launch | scale (flyctl silently creates a basic cluster when asked for performance)",
          fix: "pulumi config set --path 'gaia:postgres.plan' scale -s dev",
        },
      ],
    ],
    [
      "managed Postgres 15 on a 5 GB volume",
      "dev",
      dev({ "gaia:postgres": pg({ kind: "managed", majorVersion: 15, volumeSizeGb: 5 }) }),
      [
        {
          key: "gaia:postgres.majorVersion",
          received: "15",
          allowed: "16 | 17 for managed Postgres",
          fix: "pulumi config set --path 'gaia:postgres.majorVersion' 16 -s dev",
        },
        {
          key: "gaia:postgres.volumeSizeGb",
          received: "5",
          allowed: "a whole number from 10 to 500 for managed Postgres",
          fix: "pulumi config set --path 'gaia:postgres.volumeSizeGb' 10 -s dev",
        },
      ],
    ],
    [
      "unmanaged Postgres 16",
      "dev",
      dev({ "gaia:postgres": pg({ kind: "unmanaged", majorVersion: "16" }) }),
      [
        {
          key: "gaia:postgres.majorVersion",
          received: "16",
          allowed: "15 for unmanaged Fly Postgres (the platform runs PostgreSQL 15)",
          fix: "pulumi config set --path 'gaia:postgres.majorVersion' 15 -s dev",
        },
      ],
    ],
    [
      "managed Postgres on the local stack",
      "local",
      local({ "gaia:postgres": pg({ kind: "managed" }) }),
      [
        {
          key: "gaia:postgres.kind",
          received: '"managed"',
          allowed: "unmanaged (the local stack runs PostgreSQL in Docker)",
          fix: "pulumi config set --path 'gaia:postgres.kind' unmanaged -s local",
        },
      ],
    ],
    [
      "a Fly key on the local stack",
      "local",
      local({ "gaia:fly": json({ org: "aeonia-dev" }) }),
      [
        {
          key: "gaia:fly",
          received: '"{\\"org\\":\\"aeonia-dev\\"}"',
          allowed:
            "nothing on the local stack (gaia:fly is used by the Fly stacks (dev, staging, production) only)",
          fix: "pulumi config rm gaia:fly -s local",
        },
      ],
    ],
    [
      "local-only keys on a Fly stack",
      "dev",
      dev({ "gaia:local": json({ postgresPort: 5433 }), "gaia:redisPassword": "r" }),
      [
        {
          key: "gaia:redisPassword",
          received: "a value",
          allowed: "nothing on the dev stack (gaia:redisPassword is used by the local stack only)",
          fix: "pulumi config rm gaia:redisPassword -s dev",
        },
        {
          key: "gaia:local",
          received: '"{\\"postgresPort\\":5433}"',
          allowed: "nothing on the dev stack (gaia:local is used by the local stack only)",
          fix: "pulumi config rm gaia:local -s dev",
        },
      ],
    ],
    [
      "an object key holding a plain value",
      "dev",
      dev({ "gaia:redis": "big" }),
      [
        {
          key: "gaia:redis",
          received: "big",
          allowed:
            "an object of fields (name, plan, autoUpgrade, eviction, replicaRegions), set one at a time with --path",
          fix: "pulumi config rm gaia:redis -s dev && pulumi config set --path 'gaia:redis.name' gaia-redis-dev -s dev",
        },
      ],
    ],
    [
      "migrations without core",
      "dev",
      dev({ "gaia:migrations": json({ modules: ["vector"] }) }),
      [
        {
          key: "gaia:migrations.modules",
          received: '["vector"]',
          allowed: "a list that includes core",
          fix: "pulumi config rm --path 'gaia:migrations.modules' -s dev && pulumi config set --path 'gaia:migrations.modules[0]' core -s dev && pulumi config set --path 'gaia:migrations.modules[1]' vector -s dev",
        },
      ],
    ],
    [
      "a module listed twice",
      "local",
      local({ "gaia:migrations": json({ modules: ["core", "rbac", "rbac"] }) }),
      [
        {
          key: "gaia:migrations.modules",
          received: '["core","rbac","rbac"]',
          allowed: "a list without repeated modules",
          fix: "pulumi config rm --path 'gaia:migrations.modules' -s local && pulumi config set --path 'gaia:migrations.modules[0]' core -s local && pulumi config set --path 'gaia:migrations.modules[1]' vector -s local",
        },
      ],
    ],
    [
      "an unknown module",
      "local",
      local({ "gaia:migrations": json({ modules: ["core", "kb"] }) }),
      [
        {
          key: "gaia:migrations.modules[1]",
          received: '"kb"',
          allowed: "a list of core | vector | rbac | experience that includes core",
          fix: "pulumi config rm --path 'gaia:migrations.modules' -s local && pulumi config set --path 'gaia:migrations.modules[0]' core -s local && pulumi config set --path 'gaia:migrations.modules[1]' vector -s local",
        },
      ],
    ],
    [
      "a baseline that is not a 4-digit version",
      "dev",
      dev({ "gaia:migrations": json({ baseline: "1" }) }),
      [
        {
          key: "gaia:migrations.baseline",
          received: '"1"',
          allowed:
            'a 4-digit core version such as "0001", optionally with other modules: "0001,vector:0001"',
          fix: "pulumi config set --path 'gaia:migrations.baseline' 0001 -s dev",
        },
      ],
    ],
    [
      "a held-back entry without its checksum",
      "production",
      {
        ...rawConfig("production", FLY_SECRETS),
        "gaia:migrations": json({ heldBack: ["core/0011_add_index.sql"] }),
      },
      [
        {
          key: "gaia:migrations.heldBack[0]",
          received: '"core/0011_add_index.sql"',
          allowed:
            "a list of module/NNNN_name.sql:<sha256> lines (as the stack output migrationFiles prints them)",
          fix: "pulumi config rm --path 'gaia:migrations.heldBack' -s production && pulumi config set --path 'gaia:migrations.heldBack[0]' 'core/0011_add_index.sql:<sha256>' -s production",
        },
      ],
    ],
    [
      "Postgres and Redis on one host port",
      "local",
      local({ "gaia:local": json({ redisPort: 5432 }) }),
      [
        {
          key: "gaia:local.redisPort",
          received: "5432",
          allowed: "a port other than gaia:local.postgresPort (5432)",
          fix: "pulumi config set --path 'gaia:local.redisPort' 6379 -s local",
        },
      ],
    ],
    [
      "a legacy Upstash plan",
      "dev",
      dev({ "gaia:redis": json({ plan: "Pro 2k" }) }),
      [
        {
          key: "gaia:redis.plan",
          received: '"Pro 2k"',
          allowed:
            "a current Upstash plan (flyctl rejects the legacy plans Pro 2k, Pro 10k, Starter, Standard, in any case, with _ for spaces too)",
          fix: "pulumi config rm --path 'gaia:redis.plan' -s dev",
        },
      ],
    ],
    [
      "eviction that is not a boolean",
      "dev",
      dev({ "gaia:redis": json({ eviction: "yes" }) }),
      [
        {
          key: "gaia:redis.eviction",
          received: '"yes"',
          allowed: "true | false",
          fix: "pulumi config set --path 'gaia:redis.eviction' true -s dev",
        },
      ],
    ],
    [
      "a Supabase URL over http",
      "dev",
      dev({ "gaia:supabaseUrl": "http://lbaohvnusingoztdzlmj.supabase.co" }),
      [
        {
          key: "gaia:supabaseUrl",
          received: '"http://lbaohvnusingoztdzlmj.supabase.co"',
          allowed: "an https URL",
          fix: "pulumi config set gaia:supabaseUrl https://lbaohvnusingoztdzlmj.supabase.co -s dev",
        },
      ],
    ],
    [
      "a missing Supabase project ref (Pulumi.yaml normally supplies it)",
      "local",
      (() => {
        const raw = local({});
        delete raw["gaia:supabaseProjectRef"];
        return raw;
      })(),
      [
        {
          key: "gaia:supabaseProjectRef",
          received: "nothing",
          allowed: "a Supabase project ref (20 lowercase letters)",
          fix: "pulumi config set gaia:supabaseProjectRef lbaohvnusingoztdzlmj -s local",
        },
      ],
    ],
    [
      "a port that is not a number",
      "local",
      local({ "gaia:local": json({ postgresPort: "fifty" }) }),
      [
        {
          key: "gaia:local.postgresPort",
          received: '"fifty"',
          allowed: "a whole number from 1 to 65535",
          fix: "pulumi config set --path 'gaia:local.postgresPort' 5432 -s local",
        },
      ],
    ],
  ];

  it("covers at least 15 kinds of mistake", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)("%s", (_name, stack, raw, expected) => {
    expect(problems(stack, raw)).toEqual(expected);
  });
});

describe("several problems", () => {
  it("are all reported together, each with its fix, and no secret is echoed", () => {
    const raw = {
      ...rawConfig("dev", { "gaia:supabaseAnonKey": "anon-secret-value" }),
      "gaia:environment": "staging",
      "gaia:postgresPassword": "pg-secret-value",
      "gaia:postgres": json({ volumeSizeGb: 0, kind: "serverless" }),
      "gaia:fly": json({ org: "aeonia-dev", region: "la" }),
      "gaia:isolaton": json({ enforce: true }),
    };
    const result = parseConfig(raw, "dev", ["gaia:supabaseAnonKey"]);
    if (result.ok) throw new Error("expected problems");
    const text = formatProblems(result.errors, "dev");
    expect(text).toBe(
      [
        'Stack "dev" (Pulumi.dev.yaml) has 7 configuration problems; nothing was deployed.',
        '- gaia:isolaton: received "{\\"enforce\\":true}"; allowed: a known key (did you mean gaia:isolation?).',
        "  Fix: pulumi config rm gaia:isolaton -s dev",
        '- gaia:environment: received "staging"; allowed: dev (the environment of the stack "dev").',
        "  Fix: pulumi config set gaia:environment dev -s dev",
        "- gaia:postgresPassword: received a plain-text value (it was set without --secret); allowed: a secret set with --secret.",
        "  Fix: pulumi config set --secret gaia:postgresPassword -s dev",
        "- gaia:supabaseJwtSecret: received nothing; allowed: a non-empty secret set with --secret.",
        "  Fix: pulumi config set --secret gaia:supabaseJwtSecret -s dev",
        '- gaia:fly.region: received "la"; allowed: a 3-letter Fly region code such as lax or sjc.',
        "  Fix: pulumi config set --path 'gaia:fly.region' lax -s dev",
        '- gaia:postgres.kind: received "serverless"; allowed: unmanaged | managed.',
        "  Fix: pulumi config set --path 'gaia:postgres.kind' unmanaged -s dev",
        "- gaia:postgres.volumeSizeGb: received 0; allowed: a whole number from 1 to 500 (managed: at least 10).",
        "  Fix: pulumi config set --path 'gaia:postgres.volumeSizeGb' 10 -s dev",
      ].join("\n"),
    );
    expect(text).not.toContain("secret-value");
  });

  it("one problem reads in the singular", () => {
    expect(
      formatProblems([{ key: "gaia:x", received: "nothing", allowed: "y", fix: "z" }], "local"),
    ).toBe(
      [
        'Stack "local" (Pulumi.local.yaml) has 1 configuration problem; nothing was deployed.',
        "- gaia:x: received nothing; allowed: y.",
        "  Fix: z",
      ].join("\n"),
    );
  });
});

describe("nearest", () => {
  it.each([
    ["postgress", ["postgres", "redis"], "postgres"],
    ["Redis", ["postgres", "redis"], "redis"],
    ["volumeSize", ["volumeSizeGb", "vmSize"], "volumeSizeGb"],
    ["databaseHost", ["postgres", "redis"], undefined],
    ["", ["ab"], "ab"],
  ])("%s among %j is %s", (word, candidates, expected) => {
    expect(nearest(word, candidates)).toBe(expected);
  });
});
