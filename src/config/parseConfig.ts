/**
 * Pure validation of a stack's `gaia:` config: every problem is collected and reported at once,
 * each naming the key, what was received, what is allowed and the command that fixes it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { ENVIRONMENTS, type Environment, type FlyEnvironment } from "../shared/vocabulary";
import { foreignNameProblems } from "./foreignNames";
import {
  type CertificatesSettings,
  CONFIG_KEYS,
  type ConfigKey,
  configSchema,
  defaultsFor,
  docOf,
  type FlySettings,
  isConfigKey,
  isFlyEnvironment,
  isLegacyRedisPlan,
  isObjectKey,
  isSecretKey,
  keyApplies,
  LEGACY_REDIS_PLANS,
  type LocalSettings,
  type MigrationsSettings,
  type ObjectKey,
  type PostgresSettings,
  type RedisSettings,
  requiredSecrets,
  SERVICE_NAMES,
  type SecretKey,
  type ServiceName,
  type ServicesSettings,
} from "./schema";

/** One user mistake, in the words `formatProblems` prints. */
export interface ConfigProblem {
  /** Full key with path, e.g. `gaia:postgres.volumeSizeGb`. */
  key: string;
  /** What the stack holds (`nothing` when unset; secrets are never echoed). */
  received: string;
  allowed: string;
  /** A command that fixes it. */
  fix: string;
}

interface CommonConfig {
  stack: string;
  postgres: PostgresSettings;
  redis: RedisSettings;
  services: ServicesSettings;
  migrations: MigrationsSettings;
  isolation: { enforce: boolean };
  supabaseProjectRef: string;
  supabaseUrl: string;
  supabaseAnonKey?: pulumi.Output<string>;
  supabaseJwtSecret?: pulumi.Output<string>;
}

export interface LocalStackConfig extends CommonConfig {
  environment: "local";
  local: LocalSettings;
  /** Unset: the local stack generates one. */
  postgresPassword?: pulumi.Output<string>;
  redisPassword?: pulumi.Output<string>;
}

export interface FlyStackConfig extends CommonConfig {
  environment: FlyEnvironment;
  fly: FlySettings;
  certificates: CertificatesSettings;
  postgresPassword: pulumi.Output<string>;
  supabaseAnonKey: pulumi.Output<string>;
  supabaseJwtSecret: pulumi.Output<string>;
}

export type GaiaConfig = LocalStackConfig | FlyStackConfig;

export type ParseResult = { ok: true; config: GaiaConfig } | { ok: false; errors: ConfigProblem[] };

const PREFIX = "gaia:";

/**
 * Validates `raw` (full key → the string Pulumi stores; objects arrive as JSON text) for `stack`.
 * `secretKeys` lists the full keys that were set with `--secret`; when omitted the caller vouches
 * that secret values came from a secret source (readConfig always passes the SDK's list).
 */
export function parseConfig(
  raw: Readonly<Record<string, string>>,
  stack: string,
  secretKeys?: Iterable<string>,
): ParseResult {
  const problems: ConfigProblem[] = [];
  const cmd = commands(stack);
  const given = new Map<ConfigKey, string>();
  for (const [fullKey, text] of Object.entries(raw)) {
    if (!fullKey.startsWith(PREFIX)) continue;
    const key = fullKey.slice(PREFIX.length);
    if (isConfigKey(key)) {
      given.set(key, text);
    } else {
      const near = nearest(key, CONFIG_KEYS);
      problems.push({
        key: fullKey,
        received: describe(text),
        allowed: near
          ? `a known key (did you mean gaia:${near}?)`
          : `a known key: ${CONFIG_KEYS.map((k) => PREFIX + k).join(", ")}`,
        fix: cmd.rm(fullKey),
      });
    }
  }

  const env = resolveEnvironment(stack, given.get("environment"), problems, cmd);
  if (env === undefined) return { ok: false, errors: problems };

  const secrets = secretKeys === undefined ? undefined : new Set(secretKeys);
  const values = new Map<ConfigKey, unknown>();
  for (const key of CONFIG_KEYS) {
    if (key === "environment") continue;
    const text = given.get(key);
    if (!keyApplies(key, env)) {
      if (text !== undefined) problems.push(notForThisStack(key, text, env, cmd));
      continue;
    }
    if (isSecretKey(key)) {
      if (text === undefined) {
        if (requiredSecrets(env).includes(key)) {
          problems.push({
            key: PREFIX + key,
            received: "nothing",
            allowed: "a non-empty secret set with --secret",
            fix: cmd.setSecret(key),
          });
        }
      } else if (secrets !== undefined && !secrets.has(PREFIX + key)) {
        problems.push({
          key: PREFIX + key,
          received: "a plain-text value (it was set without --secret)",
          allowed: "a secret set with --secret",
          fix: cmd.setSecret(key),
        });
      } else {
        values.set(key, text);
      }
      continue;
    }
    if (isObjectKey(key)) {
      let set: Record<string, unknown> = {};
      if (text !== undefined) {
        const parsed = parseObject(text);
        if (parsed === undefined) {
          problems.push(notAnObject(key, text, env, cmd));
          continue;
        }
        set = parsed;
      }
      values.set(key, { ...defaultsFor(key, env, set), ...set });
      continue;
    }
    values.set(key, text);
  }

  const parsed = new Map<ConfigKey, unknown>();
  // The valid fields of every object, so that rules across fields still run when a sibling field
  // is invalid: all problems are reported in one go.
  const validParts = new Map<ConfigKey, Record<string, unknown>>();
  for (const [key, value] of values) {
    const result = (configSchema.shape[key] as z.ZodType).safeParse(value);
    if (result.success) {
      parsed.set(key, result.data);
      if (isObjectKey(key)) validParts.set(key, result.data as Record<string, unknown>);
    } else {
      problems.push(...issueProblems(key, value, result.error.issues, env, cmd));
      if (isObjectKey(key)) validParts.set(key, validFields(key, value));
    }
  }
  crossCheck(env, validParts, problems, cmd, values);
  if (isFlyEnvironment(env))
    problems.push(
      ...foreignNameProblems(stack, env, validParts, (path, value) => cmd.setPath(path, value)),
    );
  if (problems.length > 0) return { ok: false, errors: problems };
  return { ok: true, config: assemble(stack, env, parsed) };
}

/** Renders problems for a person: one block per problem, with the fix on its own line. */
export function formatProblems(problems: readonly ConfigProblem[], stack: string): string {
  const count = `${problems.length} configuration problem${problems.length === 1 ? "" : "s"}`;
  const lines = [`Stack "${stack}" (Pulumi.${stack}.yaml) has ${count}; nothing was deployed.`];
  for (const p of problems) {
    lines.push(`- ${p.key}: received ${p.received}; allowed: ${p.allowed}.`);
    lines.push(`  Fix: ${p.fix}`);
  }
  return lines.join("\n");
}

function resolveEnvironment(
  stack: string,
  text: string | undefined,
  problems: ConfigProblem[],
  cmd: Commands,
): Environment | undefined {
  const known = (ENVIRONMENTS as readonly string[]).includes(stack)
    ? (stack as Environment)
    : undefined;
  if (text === undefined && known) return known;
  const valid = (ENVIRONMENTS as readonly string[]).includes(text ?? "");
  if (valid && (!known || text === known)) return text as Environment;
  problems.push({
    key: "gaia:environment",
    received: text === undefined ? "nothing" : describe(text),
    allowed: known
      ? `${known} (the environment of the stack "${known}")`
      : `local | dev | staging | production (stack "${stack}" is not one of the four known stacks, so it must name its environment)`,
    fix: cmd.set("environment", known ?? "dev"),
  });
  return known;
}

function notForThisStack(key: ConfigKey, text: string, env: Environment, cmd: Commands) {
  const where = isFlyEnvironment(env)
    ? "the local stack only"
    : "the Fly stacks (dev, staging, production) only";
  return {
    key: PREFIX + key,
    received: isSecretKey(key) ? "a value" : describe(text),
    allowed: `nothing on the ${env} stack (gaia:${key} is used by ${where})`,
    fix: cmd.rm(PREFIX + key),
  };
}

function notAnObject(key: ObjectKey, text: string, env: Environment, cmd: Commands) {
  const [first, value] = Object.entries(defaultsFor(key, env))[0] ?? ["<field>", "<value>"];
  return {
    key: PREFIX + key,
    received: text,
    allowed: `an object of fields (${Object.keys(configSchema.shape[key].shape).join(", ")}), set one at a time with --path`,
    fix: `${cmd.rm(PREFIX + key)} && ${cmd.setPath(`${key}.${first}`, value ?? example(key, first))}`,
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Maps zod issues of one key to problems, documented from the schema's FieldDocs. */
function issueProblems(
  key: ConfigKey,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  env: Environment,
  cmd: Commands,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const secret = isSecretKey(key);
  for (const issue of issues) {
    const path = issue.path.map(String);
    const field = path[0];
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(fieldsOf(key));
      for (const name of issue.keys) {
        const near = nearest(name, known);
        out.push({
          key: `${PREFIX}${key}.${name}`,
          received: describe(at(value, [name])),
          allowed: `a field of gaia:${key}: ${known.join(", ")}${near ? ` (did you mean ${near}?)` : ""}`,
          fix: cmd.rmPath(`${key}.${name}`),
        });
      }
      continue;
    }
    const schema = field === undefined ? configSchema.shape[key] : fieldsOf(key)[field];
    const doc = docOf(schema as z.ZodType);
    const received = at(value, path);
    const fieldValue = field === undefined ? undefined : at(value, [field]);
    out.push({
      key: PREFIX + key + path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join(""),
      received: secret ? "an empty value" : received === undefined ? "nothing" : describe(received),
      allowed: issue.code === "custom" ? issue.message : doc.allowed,
      fix: secret
        ? cmd.setSecret(key)
        : field === undefined
          ? cmd.set(key, doc.example ?? "<value>")
          : Array.isArray(fieldValue)
            ? cmd.setList(
                `${key}.${field}`,
                (defaultsFor(key as ObjectKey, env)[field] as unknown[] | undefined) ?? [
                  example(key, field),
                ],
              )
            : cmd.setPath(`${key}.${field}`, fixValue(key as ObjectKey, field, env, value)),
    });
  }
  return out;
}

function fieldsOf(key: ConfigKey): Record<string, z.ZodType> {
  const schema = configSchema.shape[key] as z.ZodType & { shape?: Record<string, z.ZodType> };
  return schema.shape ?? {};
}

/** The value a fix command sets: the environment's default, else the documented example. */
function fixValue(key: ObjectKey, field: string, env: Environment, value: unknown): unknown {
  const set = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  return defaultsFor(key, env, set)[field] ?? example(key, field);
}

function example(key: ConfigKey, field: string): string {
  const schema = fieldsOf(key)[field];
  return (schema && docOf(schema).example) ?? "<value>";
}

function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Rules that involve more than one field or depend on the environment. */
function validFields(key: ObjectKey, value: unknown): Record<string, unknown> {
  const valid: Record<string, unknown> = {};
  if (typeof value !== "object" || value === null) return valid;
  for (const [field, schema] of Object.entries(fieldsOf(key))) {
    const raw = (value as Record<string, unknown>)[field];
    const result = schema.safeParse(raw);
    if (raw !== undefined && result.success) valid[field] = result.data;
  }
  return valid;
}

/** Why production refuses managed Postgres, as a refusal prints it. */
export const MANAGED_PRODUCTION_REFUSAL =
  "unmanaged on production: production migrates only after a completed snapshot of its Postgres volumes, and a managed cluster has none (fly mpg backup create only queues a backup and names no id to wait for)";

/** Rules across fields, over the fields that are valid on their own. */
function crossCheck(
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

function assemble(
  stack: string,
  env: Environment,
  parsed: ReadonlyMap<ConfigKey, unknown>,
): GaiaConfig {
  const get = <T>(key: ConfigKey) => parsed.get(key) as T;
  const secret = (key: SecretKey) => {
    const v = parsed.get(key);
    return typeof v === "string" ? pulumi.secret(v) : undefined;
  };
  const { adoptSecrets, ...apps } = get<
    Record<ServiceName, string> & { adoptSecrets: ServicesSettings["adoptSecrets"] }
  >("services");
  const common: CommonConfig = {
    stack,
    postgres: get("postgres"),
    redis: get("redis"),
    services: { apps, adoptSecrets },
    migrations: get("migrations"),
    isolation: get("isolation"),
    supabaseProjectRef: get("supabaseProjectRef"),
    supabaseUrl: get("supabaseUrl"),
  };
  const anonKey = secret("supabaseAnonKey");
  const jwtSecret = secret("supabaseJwtSecret");
  if (anonKey) common.supabaseAnonKey = anonKey;
  if (jwtSecret) common.supabaseJwtSecret = jwtSecret;
  if (!isFlyEnvironment(env)) {
    const config: LocalStackConfig = { ...common, environment: env, local: get("local") };
    const postgresPassword = secret("postgresPassword");
    const redisPassword = secret("redisPassword");
    if (postgresPassword) config.postgresPassword = postgresPassword;
    if (redisPassword) config.redisPassword = redisPassword;
    return config;
  }
  // Required secrets were checked above, so these are present.
  return {
    ...common,
    environment: env,
    fly: get("fly"),
    certificates: get("certificates"),
    postgresPassword: secret("postgresPassword")!,
    supabaseAnonKey: anonKey!,
    supabaseJwtSecret: jwtSecret!,
  };
}

type Commands = ReturnType<typeof commands>;

/** The `pulumi config` commands a fix suggests, for one stack. */
function commands(stack: string) {
  const s = `-s ${shellQuote(stack)}`;
  const setPath = (path: string, value: unknown) =>
    `pulumi config set --path 'gaia:${path}' ${shellQuote(String(value))} ${s}`;
  return {
    set: (key: string, value: string) => `pulumi config set gaia:${key} ${shellQuote(value)} ${s}`,
    // No value on the command line (shell history, ps): pulumi prompts for it, or reads stdin.
    setSecret: (key: string) => `pulumi config set --secret gaia:${key} ${s}`,
    setPath,
    /** A list is reset, then set element by element (`--path` has no list literal). */
    setList: (path: string, values: readonly unknown[]) =>
      [
        `pulumi config rm --path 'gaia:${path}' ${s}`,
        ...values.map((v, i) => setPath(`${path}[${i}]`, v)),
      ].join(" && "),
    rm: (fullKey: string) => `pulumi config rm ${shellQuote(fullKey)} ${s}`,
    rmPath: (path: string) => `pulumi config rm --path 'gaia:${path}' ${s}`,
  };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}
