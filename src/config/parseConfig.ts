/**
 * Pure validation of a stack's `gaia:` config: every problem is collected and reported at once,
 * each naming the key, what was received, what is allowed and the command that fixes it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { ENVIRONMENTS, type Environment, type FlyEnvironment } from "../shared/vocabulary";
import { crossCheck } from "./crossChecks";
import { foreignNameProblems } from "./foreignNames";
import {
  type Commands,
  type ConfigProblem,
  commands,
  describe,
  formatProblems,
  nearest,
} from "./problems";
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
  isObjectKey,
  isSecretKey,
  keyApplies,
  type LocalSettings,
  type MigrationsSettings,
  type ObjectKey,
  type PostgresSettings,
  type RedisSettings,
  requiredSecrets,
  type SecretKey,
  type ServiceName,
  type ServicesSettings,
} from "./schema";

export { type ConfigProblem, formatProblems, nearest };

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
