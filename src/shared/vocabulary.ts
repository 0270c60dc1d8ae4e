/**
 * The names gaia-infra shares, defined once and imported everywhere (the program, the runner,
 * the operations, the Fly commands, the CLI and the policy pack): the environments, the migration
 * modules and their folder, the settings a service reads, the Supabase project ref's shape, and
 * the `GAIA_RESOURCE_KIND` of every command resource, and the per-environment default of
 * environment isolation, which the config and the runner both apply. A leaf: it imports nothing but the error
 * type beside it, so any folder may import it.
 */
import { resolve } from "node:path";
import { usageError } from "./errors";

export const ENVIRONMENTS = ["local", "dev", "staging", "production"] as const;

/** What `gaia-db app-login --stdin-config` reads, as its help and its errors show it. */
export const APP_LOGIN_STDIN_SHAPE = '{"databaseUrl": "postgres://...", "appPassword": "..."}';
export type Environment = (typeof ENVIRONMENTS)[number];
/** The environments that live on Fly.io (every one but local). */
export const FLY_ENVIRONMENTS = [
  "dev",
  "staging",
  "production",
] as const satisfies readonly Environment[];
export type FlyEnvironment = (typeof FLY_ENVIRONMENTS)[number];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * An environment named by the user. `where` says where a command takes it from (the message when
 * it is missing), e.g. "the first argument (gaia-db view dev)".
 */
export function parseEnvironment(value: string | undefined, where: string): Environment {
  if (value === undefined || value === "") {
    throw usageError(
      `missing environment: give it as ${where}; allowed: ${ENVIRONMENTS.join(", ")}`,
    );
  }
  if (!isEnvironment(value)) {
    throw usageError(
      `unknown environment "${value}": allowed environments are ${ENVIRONMENTS.join(", ")}`,
    );
  }
  return value;
}

/**
 * `gaia:isolation.enforce` when a stack file does not set it (src/config/schema.ts `defaultsFor`),
 * and `isolation_enforced` of a binding the runner creates without `--isolation`: on for
 * production only. Defined here, not in the config schema, because the runner may import only
 * src/shared and `gaia-db migrate` must not load zod.
 */
export function isolationEnforcedByDefault(environment: Environment): boolean {
  return environment === "production";
}

/** The migration modules, in the order their files are applied. */
export const MODULES = ["core", "vector", "rbac", "experience"] as const;
export type Module = (typeof MODULES)[number];

/**
 * Parses a module list such as "core,vector" (order and duplicates do not matter; `core` is
 * always included) and returns it in application order.
 */
export function parseModules(input: string | readonly string[]): Module[] {
  const names = (typeof input === "string" ? input.split(",") : [...input])
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
  for (const name of names) {
    if (!(MODULES as readonly string[]).includes(name)) {
      throw usageError(
        `unknown migration module "${name}": allowed modules are ${MODULES.join(", ")} (comma-separated, e.g. --modules core,vector)`,
      );
    }
  }
  return MODULES.filter((m) => m === "core" || names.includes(m));
}

/** `true` in dist/gaia-db.cjs (scripts/build.ts defines it); undeclared in the sources. */
declare const GAIA_BUNDLED: boolean;

/**
 * The project root (where Pulumi.yaml lives), whatever the cwd: two folders up from this file's
 * (src/shared), one up from the bundle's (dist).
 */
export const PROJECT_ROOT =
  typeof GAIA_BUNDLED === "boolean" ? resolve(__dirname, "..") : resolve(__dirname, "..", "..");

/** The migrations/ folder of this package. */
/**
 * A migration file and its checksum, `module/NNNN_name.sql:<sha256>`: a line of the stack output
 * migrationFiles, and an entry of gaia:migrations.heldBack (src/migrations/heldBack.ts).
 */
export const HELD_BACK_SHAPE =
  /^(core|vector|rbac|experience)\/\d{4}_[a-z0-9]+(?:_[a-z0-9]+)*\.sql:[0-9a-f]{64}$/;

export const MIGRATIONS_DIR = resolve(PROJECT_ROOT, "migrations");

/** A Supabase project ref: 20 lowercase letters (the subdomain of <ref>.supabase.co). */
export const SUPABASE_PROJECT_REF = /^[a-z]{20}$/;
export const SUPABASE_PROJECT_REF_SHAPE = "20 lowercase letters";

/** The settings a service reads from its secrets (and `gaia-db env` prints). */
export const SERVICE_SECRET_NAMES = [
  "DATABASE_URL",
  "REDIS_URL",
  "SUPABASE_URL",
  "SUPABASE_ANON_KEY",
  "SUPABASE_JWT_SECRET",
] as const;
export type ServiceSecretName = (typeof SERVICE_SECRET_NAMES)[number];

const SUPABASE_SECRETS: readonly ServiceSecretName[] = [
  "SUPABASE_URL",
  "SUPABASE_ANON_KEY",
  "SUPABASE_JWT_SECRET",
];
/** The services that validate Supabase JWTs, and so read the Supabase settings. */
export const DEFAULT_JWT_SERVICES = ["auth-service"];

/**
 * The secret names a service reads: every service DATABASE_URL and REDIS_URL, a service that
 * validates JWTs also the Supabase settings (least privilege: a secret only where it is read).
 */
export function secretNamesFor(
  service: string,
  jwtServices: readonly string[] = DEFAULT_JWT_SERVICES,
): ServiceSecretName[] {
  return ["DATABASE_URL", "REDIS_URL", ...(jwtServices.includes(service) ? SUPABASE_SECRETS : [])];
}

/** `GAIA_RESOURCE_KIND` of each Fly command (src/fly/command.ts `flyCommand`). */
export const FLY_COMMAND_KINDS = [
  "postgres",
  "redis",
  "app",
  "certificate-volume",
  "secrets",
  "service-secrets",
  "database",
  "snapshot",
] as const;
export type FlyCommandKind = (typeof FLY_COMMAND_KINDS)[number];

/** `GAIA_RESOURCE_KIND` of the Migrations command (src/migrations/resource.ts). */
export const MIGRATION_KIND = "migration";

/** Every `GAIA_RESOURCE_KIND` the program emits: what the policy pack may rely on. */
export const GAIA_RESOURCE_KINDS = [...FLY_COMMAND_KINDS, MIGRATION_KIND] as const;
export type GaiaResourceKind = (typeof GAIA_RESOURCE_KINDS)[number];

/**
 * Kinds of resources, as src/config/options.ts `resourceOptions(environment, kind)` knows them
 * and a component's `childOptions` (src/shared/components.ts) is asked for them.
 */
export const RESOURCE_KINDS = [
  "database",
  "volume",
  "redis",
  "app",
  "certificate",
  "network",
  "image",
  "migration",
  "container",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
