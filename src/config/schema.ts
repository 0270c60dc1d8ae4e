/**
 * The one declaration of every `gaia:` config key except the shared Supabase scalars' defaults
 * (those live in Pulumi.yaml): field types, allowed values, descriptions and per-environment
 * defaults. `parseConfig` validates against it and docs/configuration.md's reference is generated
 * from it (`renderConfigReference`), so the three cannot drift apart.
 */
import { z } from "zod";
import {
  ENVIRONMENTS,
  type Environment,
  type FlyEnvironment,
  HELD_BACK_SHAPE,
  isolationEnforcedByDefault,
  MODULES,
  type Module,
  SERVICE_SECRET_NAMES,
  type ServiceSecretName,
  SUPABASE_PROJECT_REF,
  SUPABASE_PROJECT_REF_SHAPE,
} from "../shared/vocabulary";

/** The services that read DATABASE_URL/REDIS_URL and mount the development certificates. */
export const SERVICE_NAMES = [
  "gateway",
  "auth-service",
  "asset-service",
  "chat-service",
  "web-service",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Fly app name per service: `gaia-<short>-<environment>` (the apps that exist today). */
const SERVICE_APP_PREFIX: Record<ServiceName, string> = {
  gateway: "gaia-gateway",
  "auth-service": "gaia-auth",
  "asset-service": "gaia-asset",
  "chat-service": "gaia-chat",
  "web-service": "gaia-web",
};

/** Keys whose values are secrets: they must be set with `--secret` and stay `Output`s. */
export const SECRET_KEYS = [
  "postgresPassword",
  "redisPassword",
  "supabaseAnonKey",
  "supabaseJwtSecret",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** What docs/configuration.md and every error message say about a field. */
export interface FieldDoc {
  /** The allowed values, in words a user can act on. */
  allowed: string;
  description: string;
  /** A valid value to show in a `pulumi config set` fix when the field has no default. */
  example?: string;
}

/** Documentation registry: every leaf schema below is registered with its `FieldDoc`. */
export const fieldDocs = z.registry<FieldDoc>();

function doc<T extends z.ZodType>(schema: T, d: FieldDoc): T {
  fieldDocs.add(schema, d);
  return schema;
}

/** The documentation of a field (optional fields are documented on their inner schema). */
export function docOf(schema: z.ZodType): FieldDoc {
  const found =
    fieldDocs.get(schema) ??
    (schema instanceof z.ZodOptional ? fieldDocs.get(schema.unwrap() as z.ZodType) : undefined);
  if (!found) throw new Error("schema.ts: a config field is missing its FieldDoc");
  return found;
}

// Stack files hold strings for values set with `pulumi config set --path`; numbers and booleans
// are accepted both as JSON values and as their string spelling.
function coerceNumber(v: unknown): unknown {
  return typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
}
function coerceBoolean(v: unknown): unknown {
  if (v === "true") return true;
  if (v === "false") return false;
  return v;
}
const wholeNumber = (min: number, max: number) =>
  z.preprocess(coerceNumber, z.number().int().min(min).max(max));
const boolean = () => z.preprocess(coerceBoolean, z.boolean());

const FLY_NAME = /^[a-z0-9](?:[a-z0-9-]{0,60}[a-z0-9])?$/;
const FLY_NAME_ALLOWED =
  "a Fly name: lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 62 characters";
const flyName = (description: string) =>
  doc(z.string().regex(FLY_NAME), { allowed: FLY_NAME_ALLOWED, description });
const REGION = /^[a-z]{3}$/;
const REGION_ALLOWED = "a 3-letter Fly region code such as lax or sjc";

/**
 * The names `fly postgres create --vm-size` accepts (its own MachineVMSizes(); shared-cpu-6x and
 * performance-{6,10,12,14}x are not among them). src/fly/vmSizes.ts maps each to its guest; a
 * test keeps the two lists equal (src/config imports nothing else in the repository).
 */
export const POSTGRES_VM_SIZES = [
  "shared-cpu-1x",
  "shared-cpu-2x",
  "shared-cpu-4x",
  "shared-cpu-8x",
  "performance-1x",
  "performance-2x",
  "performance-4x",
  "performance-8x",
  "performance-16x",
] as const;

export const LEGACY_REDIS_PLANS = ["Pro 2k", "Pro 10k", "Starter", "Standard"];

/** flyctl's test for a legacy plan: lower case, spaces as underscores (`pro_2k` is refused too). */
export function isLegacyRedisPlan(plan: string): boolean {
  const norm = (p: string) => p.replaceAll(" ", "_").toLowerCase();
  return LEGACY_REDIS_PLANS.map(norm).includes(norm(plan));
}

const OBJECT_ALLOWED = "an object of fields, set one at a time with --path";
const section = <T extends z.ZodType>(schema: T, description: string) =>
  doc(schema, { allowed: OBJECT_ALLOWED, description });

export const flySchema = section(
  z.strictObject({
    org: doc(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), {
      allowed: "a Fly organization slug (lowercase letters, digits, dashes)",
      description:
        "Fly organization every app is created in (flyctl needs it when not interactive).",
      example: "aeonia-dev",
    }),
    region: doc(z.string().regex(REGION), {
      allowed: REGION_ALLOWED,
      description: "Primary Fly region of the database, Redis and volumes.",
      example: "lax",
    }),
    foreignNames: doc(z.array(z.string().regex(FLY_NAME)), {
      allowed:
        "a list of Fly names, each exactly as gaia:postgres, gaia:redis or gaia:services names it",
      description:
        "Names of another environment's pattern (`gaia-*-<env>`, e.g. `gaia-db-production` on dev) that this stack may use all the same. Empty: such a name is refused, since the stack would adopt, change and own another environment's resource.",
    }),
  }),
  "Fly organization and primary region (Fly stacks only).",
);

export const postgresSchema = section(
  z.strictObject({
    kind: doc(z.enum(["unmanaged", "managed"]), {
      allowed: "unmanaged | managed",
      description:
        "`unmanaged`: a Fly Postgres app (`fly postgres`), as today; `managed`: Fly Managed Postgres (`fly mpg`). The local stack is always unmanaged (Docker); production is unmanaged too, because its migrations wait for a completed snapshot of the Postgres volumes, which a managed cluster does not have.",
    }),
    name: flyName("Fly app (or managed cluster) name; the container name on the local stack."),
    database: doc(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/), {
      allowed: "lowercase letters, digits and underscores, not starting with a digit",
      description: "Database every service shares.",
    }),
    vmSize: doc(z.enum(POSTGRES_VM_SIZES), {
      allowed: `a size \`fly postgres create\` accepts: ${POSTGRES_VM_SIZES.join(" | ")}`,
      description:
        "Machine size of each unmanaged node (Fly), as `fly postgres create` sizes it: shared-cpu-1x 256 MB, shared-cpu-2x 4 GB, shared-cpu-4x 8 GB, shared-cpu-8x 16 GB, performance-Nx 2 GB per CPU. A change restarts Postgres.",
    }),
    volumeSizeGb: doc(wholeNumber(1, 500), {
      allowed: "a whole number from 1 to 500 (managed: at least 10)",
      description: "Data volume size in GB (Fly). Volumes only grow; shrinking is refused at `up`.",
    }),
    clusterSize: doc(wholeNumber(1, 10), {
      allowed: "a whole number from 1 to 10",
      description: "Number of unmanaged Postgres nodes (Fly).",
    }),
    plan: doc(z.enum(["basic", "starter", "launch", "scale", "performance"]), {
      allowed:
        "basic | starter | launch | scale (managed; flyctl silently turns performance into basic)",
      description: "Managed Postgres plan (Fly, managed only).",
    }),
    majorVersion: doc(wholeNumber(15, 17), {
      allowed: "15 (unmanaged and local) | 16 | 17 (managed)",
      description: "PostgreSQL major version. Defaults to 15 unmanaged, 16 managed.",
    }),
    allowRestart: doc(boolean(), {
      allowed: "true | false",
      description:
        "Allow changes that restart the database machines (e.g. growing an attached volume).",
    }),
  }),
  "The environment's PostgreSQL: Fly cluster shape, or the local container.",
);

export const redisSchema = section(
  z.strictObject({
    name: flyName("Upstash Redis name (Fly); the container name on the local stack."),
    plan: doc(z.string().min(1), {
      allowed:
        "an Upstash plan's display name or id as the API lists it (not the legacy Pro 2k, Pro 10k, Starter or Standard)",
      description:
        "Upstash plan (Fly). Unset means flyctl's default, pay-as-you-go. Setting it requires `autoUpgrade`.",
      example: "Fixed 250MB",
    }).optional(),
    autoUpgrade: doc(boolean(), {
      allowed: "true | false, required when `plan` is set",
      description:
        "Let Upstash move a fixed-price plan to a larger one when it hits its limits (`fly redis create --enable-auto-upgrade`). flyctl asks about it for fixed-price plans, and a prompt fails under Pulumi, so it is chosen whenever `plan` is set; pay-as-you-go has none.",
      example: "false",
    }).optional(),
    eviction: doc(boolean(), {
      allowed: "true | false",
      description: "Evict keys when memory is full (Fly; it is a cache).",
    }),
    replicaRegions: doc(z.array(z.string().regex(REGION)), {
      allowed: "a list of 3-letter Fly region codes such as sjc",
      description: "Read-replica regions (Fly). Empty: no replicas.",
    }),
  }),
  "The environment's Redis: Upstash on Fly, a container locally.",
);

const serviceApps = Object.fromEntries(
  SERVICE_NAMES.map((s) => [s, flyName(`Fly app of the ${s}.`)]),
) as Record<ServiceName, ReturnType<typeof flyName>>;

/**
 * Map from service to its Fly app. `adoptSecrets` is a reserved key beside the service keys (not a
 * service): when true, service wiring takes over secrets the apps already have.
 */
export const servicesSchema = section(
  z.strictObject({
    ...serviceApps,
    adoptSecrets: doc(z.union([boolean(), z.array(z.enum(SERVICE_SECRET_NAMES))]), {
      allowed: `true | false | a list of the secrets to adopt (${SERVICE_SECRET_NAMES.join(", ")})`,
      description:
        "Reserved key, not a service: let the service wiring adopt secrets the apps already have (all, or those listed; `gaia-db restore` lists DATABASE_URL).",
    }),
  }),
  "Map from service to its Fly app; its keys are the services that get certificates. `adoptSecrets` is a reserved key beside them.",
);

export const certificatesSchema = section(
  z.strictObject({
    volumeName: doc(z.string().regex(/^[a-z0-9_]{1,30}$/), {
      allowed: "lowercase letters, digits and underscores, at most 30 characters",
      description:
        "Fly volume holding the certificates in each app of `gaia:services` (Fly volumes are per app).",
    }),
    volumeSizeGb: doc(wholeNumber(1, 500), {
      allowed: "a whole number from 1 to 500",
      description: "Size of each certificates volume in GB.",
    }),
    volumesPerApp: doc(wholeNumber(1, 10), {
      allowed: "a whole number from 1 to 10",
      description: "Certificate volumes per app: one per machine that mounts them.",
    }),
  }),
  "Fly volumes that hold the development certificates (Fly stacks only).",
);

const port = (description: string) =>
  doc(wholeNumber(1, 65535), { allowed: "a whole number from 1 to 65535", description });
const image = (description: string) =>
  doc(z.string().regex(/^\S+$/), { allowed: "a Docker image reference", description });

export const localSchema = section(
  z.strictObject({
    postgresPort: port("Host port published for Postgres."),
    redisPort: port("Host port published for Redis."),
    postgresImage: image("Postgres image; must provide pgvector when `vector` is migrated."),
    redisImage: image("Redis image (also runs the one-off certificate copy)."),
  }),
  "Host ports and images of the local Docker stack (local stack only).",
);

export const migrationsSchema = section(
  z.strictObject({
    modules: doc(
      z
        .array(z.enum(MODULES))
        .refine((m) => m.includes("core"), "a list that includes core")
        .refine((m) => new Set(m).size === m.length, "a list without repeated modules"),
      {
        allowed: "a list of core | vector | rbac | experience that includes core",
        description: "Migration modules applied to the database (`vector` needs pgvector).",
      },
    ),
    // Same syntax as `gaia-db baseline --to`: a bare version is core's; other modules are named.
    baseline: doc(z.string().regex(/^\d{4}(,(vector|rbac|experience):\d{4})*$/), {
      allowed:
        'a 4-digit core version such as "0001", optionally with other modules: "0001,vector:0001"',
      description:
        "Adopt an existing unmanaged database whose schema was made by hand, up to these versions.",
      example: "0001",
    }).optional(),
    heldBack: doc(z.array(z.string().regex(HELD_BACK_SHAPE)), {
      allowed:
        "a list of module/NNNN_name.sql:<sha256> lines (as the stack output migrationFiles prints them)",
      description:
        "Files a restore rolled back: migrate applies none of them, nor anything after them, while they are pending with that checksum. Written by `gaia-db restore`; released by reverting the file, replacing its text, or `gaia-db restore <env> --release`.",
      example: "core/0011_add_index.sql:<sha256>",
    }).optional(),
  }),
  "Which migration modules run, the baseline for adopting an existing database, and the files held back since a restore.",
);

export const isolationSchema = section(
  z.strictObject({
    enforce: doc(boolean(), {
      allowed: "true | false",
      description: "Enforce environment isolation of users (refuse other environments' users).",
    }),
  }),
  "Environment isolation of users in the shared Supabase project.",
);

const secret = (description: string) =>
  doc(z.string().min(1), { allowed: "a non-empty secret set with --secret", description });

/** Every `gaia:` key. Objects are strict: an unknown field is an error. */
export const configSchema = z.strictObject({
  environment: doc(z.enum(ENVIRONMENTS), {
    allowed: "local | dev | staging | production",
    description: "Environment of the stack; must match the stack name for the four known stacks.",
  }),
  fly: flySchema,
  postgres: postgresSchema,
  postgresPassword: secret("Password of the `postgres` user. Local: generated when unset."),
  redis: redisSchema,
  redisPassword: secret("Password of the local Redis. Generated when unset."),
  services: servicesSchema,
  certificates: certificatesSchema,
  local: localSchema,
  migrations: migrationsSchema,
  isolation: isolationSchema,
  supabaseProjectRef: doc(z.string().regex(SUPABASE_PROJECT_REF), {
    allowed: `a Supabase project ref (${SUPABASE_PROJECT_REF_SHAPE})`,
    description: "Supabase project shared by every environment (default in Pulumi.yaml).",
    example: "lbaohvnusingoztdzlmj",
  }),
  supabaseUrl: doc(z.url({ protocol: /^https$/ }), {
    allowed: "an https URL",
    description: "URL of the shared Supabase project (default in Pulumi.yaml).",
    example: "https://lbaohvnusingoztdzlmj.supabase.co",
  }),
  supabaseAnonKey: secret("Supabase anon key the auth service reads."),
  supabaseJwtSecret: secret("Supabase JWT secret the auth service reads."),
});

export type ConfigKey = keyof typeof configSchema.shape;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];
/** Keys whose value is a JSON object of fields (set with `--path`). */
export const OBJECT_KEYS = [
  "fly",
  "postgres",
  "redis",
  "services",
  "certificates",
  "local",
  "migrations",
  "isolation",
] as const satisfies readonly ConfigKey[];
export type ObjectKey = (typeof OBJECT_KEYS)[number];

export function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}
export function isSecretKey(key: ConfigKey): key is SecretKey {
  return (SECRET_KEYS as readonly string[]).includes(key);
}
export function isObjectKey(key: ConfigKey): key is ObjectKey {
  return (OBJECT_KEYS as readonly string[]).includes(key);
}

export function isFlyEnvironment(env: Environment): env is FlyEnvironment {
  return env !== "local";
}

/** Which stacks may set a key: `all`, `fly` (dev/staging/production) or `local`. */
export const KEY_SCOPE: Record<ConfigKey, "all" | "fly" | "local"> = {
  environment: "all",
  fly: "fly",
  postgres: "all",
  postgresPassword: "all",
  redis: "all",
  redisPassword: "local",
  services: "all",
  certificates: "fly",
  local: "local",
  migrations: "all",
  isolation: "all",
  supabaseProjectRef: "all",
  supabaseUrl: "all",
  supabaseAnonKey: "all",
  supabaseJwtSecret: "all",
};

/** Secrets a stack cannot run without. The local stack generates its passwords. */
export function requiredSecrets(env: Environment): SecretKey[] {
  return isFlyEnvironment(env) ? ["postgresPassword", "supabaseAnonKey", "supabaseJwtSecret"] : [];
}

export function keyApplies(key: ConfigKey, env: Environment): boolean {
  const scope = KEY_SCOPE[key];
  return scope === "all" || (scope === "fly") === isFlyEnvironment(env);
}

/**
 * Defaults of an object key for an environment. `set` is what the stack file sets, so a default may
 * follow another field (managed Postgres defaults to major version 16). Fields without a default
 * (`gaia:fly`) are required.
 */
export function defaultsFor(
  key: ObjectKey,
  env: Environment,
  set: Record<string, unknown> = {},
): Record<string, unknown> {
  switch (key) {
    case "fly":
      return { foreignNames: [] };
    case "postgres":
      return {
        kind: "unmanaged",
        name: `gaia-db-${env}`,
        database: "llm_platform",
        vmSize: "shared-cpu-1x",
        volumeSizeGb: 10,
        clusterSize: 1,
        plan: "basic",
        majorVersion: set.kind === "managed" ? 16 : 15,
        allowRestart: false,
      };
    case "redis":
      return { name: `gaia-redis-${env}`, eviction: true, replicaRegions: [] };
    case "services":
      return {
        ...Object.fromEntries(SERVICE_NAMES.map((s) => [s, `${SERVICE_APP_PREFIX[s]}-${env}`])),
        adoptSecrets: false,
      };
    case "certificates":
      return { volumeName: "gaia_certs", volumeSizeGb: 1, volumesPerApp: 1 };
    case "local":
      return {
        postgresPort: 5432,
        redisPort: 6379,
        postgresImage: "pgvector/pgvector:pg15",
        redisImage: "redis:7-alpine",
      };
    case "migrations":
      return { modules: ["core", "vector"] };
    case "isolation":
      return { enforce: isolationEnforcedByDefault(env) };
  }
}

export interface FlySettings {
  org: string;
  region: string;
  /** Names of another environment's pattern this stack may use (gaia:fly.foreignNames). */
  foreignNames: string[];
}
export interface PostgresSettings {
  kind: "unmanaged" | "managed";
  name: string;
  database: string;
  vmSize: string;
  volumeSizeGb: number;
  clusterSize: number;
  plan: "basic" | "starter" | "launch" | "scale" | "performance";
  majorVersion: number;
  allowRestart: boolean;
}
export interface RedisSettings {
  name: string;
  plan?: string;
  autoUpgrade?: boolean;
  eviction: boolean;
  replicaRegions: string[];
}
/** `gaia:services` as the program uses it: the app map apart from the reserved `adoptSecrets`. */
export interface ServicesSettings {
  apps: Record<ServiceName, string>;
  /** Every secret, none, or the ones named. */
  adoptSecrets: boolean | ServiceSecretName[];
}
export interface CertificatesSettings {
  volumeName: string;
  volumeSizeGb: number;
  volumesPerApp: number;
}
export interface LocalSettings {
  postgresPort: number;
  redisPort: number;
  postgresImage: string;
  redisImage: string;
}
export interface MigrationsSettings {
  modules: Module[];
  baseline?: string;
  heldBack?: string[];
}
