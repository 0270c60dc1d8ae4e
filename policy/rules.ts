// The rules of the gaia policy pack. They live apart from `index.ts` because constructing a
// `PolicyPack` starts a gRPC server: tests import this module and call `validateResource` directly.
//
// What the rules can rely on (docs/design.md#resource-kinds-seen-by-the-policy-pack): every
// `command:local:Command` that manages something on Fly carries a non-secret `GAIA_RESOURCE_KIND`
// and `GAIA_STACK` in its `environment`, plus its non-secret parameters (`CLUSTER_SIZE`,
// `POSTGRES_KIND`, `VOLUME_SIZE_GB`); secrets travel on `stdin`. The policy SDK hands the rules the
// resource inputs with secrets already unwrapped to plain values.
import type {
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import type { GaiaResourceKind } from "../src/shared/vocabulary";

/** A resource policy with exactly one validation, so tests can call `validateResource` directly. */
export type ResourceRule = ResourceValidationPolicy & { validateResource: ResourceValidation };

export const COMMAND_TYPE = "command:local:Command";
export const DOCKER_VOLUME_TYPE = "docker:index/volume:Volume";
export const PRODUCTION_STACK = "production";

/**
 * `GAIA_RESOURCE_KIND` values whose resource holds data that a delete would lose. Typed by the
 * kinds the program emits (src/shared/vocabulary.ts): a kind it does not emit fails the type check.
 */
export const DATA_RESOURCE_KINDS: readonly GaiaResourceKind[] = [
  "postgres",
  "redis",
  "certificate-volume",
];

/**
 * Kinds whose `VOLUME_SIZE_GB` is a database volume. Certificate volumes hold a few kilobytes of
 * PEM files, so a database-sized minimum would only produce noise for them.
 */
export const SIZED_VOLUME_KINDS: readonly GaiaResourceKind[] = ["postgres"];

/** Whether `kind` (any string the engine hands over) is one of `kinds`. */
const isOneOf = (kinds: readonly GaiaResourceKind[], kind: string) =>
  (kinds as readonly string[]).includes(kind);

export const DEFAULT_MIN_VOLUME_SIZE_GB = 10;

/**
 * Shortest value treated as a secret when searching command strings. Shorter values (ports, `lax`,
 * `true`) would match by coincidence, and no credential we issue is that short.
 */
export const MIN_SECRET_LENGTH = 8;

/** A value the engine cannot know yet: computed from another resource's output during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

// The strings the engine sends in place of computed values (@pulumi/policy proxy.js). The SDK wraps
// the inputs in a proxy that throws `UnknownValueError` when one is read; hand-built inputs and the
// raw deserialised bag carry the sentinel itself. `read` turns both into `UNKNOWN`.
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

function isUnknownValueError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

/** Reads `obj[key]`, returning `UNKNOWN` for a value that is computed during preview. */
export function read(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== "object") return undefined;
  try {
    const value: unknown = (obj as Record<string, unknown>)[key];
    return typeof value === "string" && UNKNOWN_SENTINELS.has(value) ? UNKNOWN : value;
  } catch (error) {
    if (isUnknownValueError(error)) return UNKNOWN;
    throw error;
  }
}

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** One entry of a command's `environment`, by key; `UNKNOWN` when computed. */
function environmentValue(args: ResourceValidationArgs, key: string): unknown {
  const environment = read(args.props, "environment");
  return environment === UNKNOWN ? UNKNOWN : read(environment, key);
}

/** `GAIA_RESOURCE_KIND` of a command resource; undefined for anything else. */
export function resourceKind(args: ResourceValidationArgs): string | Unknown | undefined {
  if (args.type !== COMMAND_TYPE) return undefined;
  const kind = environmentValue(args, "GAIA_RESOURCE_KIND");
  return kind === UNKNOWN || typeof kind === "string" ? kind : undefined;
}

/** Production is the stack in the URN, or a command that says `GAIA_STACK: production`. */
export function isProduction(args: ResourceValidationArgs): boolean {
  return (
    stackOfUrn(args.urn) === PRODUCTION_STACK ||
    (args.type === COMMAND_TYPE && environmentValue(args, "GAIA_STACK") === PRODUCTION_STACK)
  );
}

/** A whole number from an environment string (`"2"`), or undefined when it is not one. */
function parseWholeNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value !== "string" || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

// Key segments that name a credential. `KEY` covers SUPABASE_SERVICE_KEY and API_KEY; `DSN` and
// `AUTH` cover connection strings and auth headers.
const SECRET_KEY_SEGMENTS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PWD",
  "SECRET",
  "SECRETS",
  "TOKEN",
  "KEY",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
  "DSN",
  "AUTH",
  "PRIVATE",
]);

/** Whether an environment key names a secret: one of its `_`-separated words is a credential word. */
export function looksSecretKey(key: string): boolean {
  return key
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .some((segment) => SECRET_KEY_SEGMENTS.has(segment));
}

// scheme://user:password@ — the user may be empty (`redis://:password@host`).
const CREDENTIAL_URL = /[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*:([^\s/?#@'"]+)@/gi;
// A password that is only a shell variable reference is expanded at run time and is not in the text.
const SHELL_VARIABLE = /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/;

/** Whether `text` holds a URL with a literal password (`postgres://user:pass@host`). */
export function hasCredentialUrl(text: string): boolean {
  for (const match of text.matchAll(CREDENTIAL_URL)) {
    if (!SHELL_VARIABLE.test(match[1] ?? "")) return true;
  }
  return false;
}

/**
 * The secret values carried on `stdin`: the leaf strings of a JSON document, else the values of
 * `NAME=VALUE` lines (other lines whole), each trimmed and at least `MIN_SECRET_LENGTH` long.
 * Everything on stdin counts as secret: stdin exists to keep values out of the command string.
 */
export function stdinSecrets(stdin: string): string[] {
  const values: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === "string") values.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === "object") {
    collect(parsed);
  } else {
    for (const line of stdin.split(/\r?\n/)) {
      const assignment = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(.*)$/.exec(line);
      values.push(assignment ? (assignment[1] ?? "") : line);
    }
  }
  const secrets = values
    .map((value) => value.trim().replace(/^(["'])(.*)\1$/, "$2"))
    .filter((value) => value.length >= MIN_SECRET_LENGTH);
  return [...new Set(secrets)];
}

/** A secret a command string must not contain, with where it came from (never the value itself). */
export interface SecretSource {
  readonly source: string;
  readonly value: string;
}

/**
 * The secrets of one command: every `stdin` secret, and each `environment` value (at least
 * `MIN_SECRET_LENGTH` long) whose key looks secret or that holds a URL with credentials. Other
 * environment values are parameters shown in previews by design (`lax`, `gaia-db-dev`, sizes) and
 * may legitimately appear in a command string. Unknown values are skipped: `pulumi up` re-runs the
 * policy with them known.
 */
export function commandSecrets(args: ResourceValidationArgs): SecretSource[] {
  const secrets: SecretSource[] = [];
  const environment = read(args.props, "environment");
  if (environment !== UNKNOWN && environment !== null && typeof environment === "object") {
    for (const key of Object.keys(environment)) {
      const value = read(environment, key);
      if (typeof value !== "string" || value.trim().length < MIN_SECRET_LENGTH) continue;
      if (looksSecretKey(key) || hasCredentialUrl(value)) {
        secrets.push({ source: `environment.${key}`, value: value.trim() });
      }
    }
  }
  const stdin = read(args.props, "stdin");
  if (typeof stdin === "string") {
    for (const value of stdinSecrets(stdin)) secrets.push({ source: "stdin", value });
  }
  return secrets;
}

const COMMAND_FIELDS = ["create", "update", "delete"] as const;

export const productionDataProtected: ResourceRule = {
  name: "production-data-protected",
  description:
    "In production, every resource holding data (Postgres, its volumes, Redis, certificate volumes) is protected.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!isProduction(args) || args.opts.protect === true) return;
    const kind = args.type === DOCKER_VOLUME_TYPE ? "docker-volume" : resourceKind(args);
    // An unknown kind cannot be classified in preview; `pulumi up` sees it and decides then.
    if (kind === undefined || kind === UNKNOWN) return;
    if (kind !== "docker-volume" && !isOneOf(DATA_RESOURCE_KINDS, kind)) return;
    reportViolation(
      `${args.name} (${kind}) holds production data but is not protected, so a destroy or a ` +
        `rename would delete it. Give it the production options of resourceOptions() in ` +
        `src/config/options.ts (protect: true, retainOnDelete: true).`,
    );
  },
};

export const noSecretsInCommandStrings: ResourceRule = {
  name: "no-secrets-in-command-strings",
  description:
    "No command's create/update/delete string contains a stdin value, a secret-looking environment value, or a URL with credentials.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== COMMAND_TYPE) return;
    const secrets = commandSecrets(args);
    for (const field of COMMAND_FIELDS) {
      const text = read(args.props, field);
      if (typeof text !== "string") continue;
      // Command strings are stored in plain state and printed by the provider on failure.
      const leaked = new Set(secrets.filter((s) => text.includes(s.value)).map((s) => s.source));
      for (const source of leaked) {
        reportViolation(
          `${args.name}: the ${field} command contains the value of ${source}. Command strings ` +
            `are stored in plain state and printed when the command fails; read the value from ` +
            `stdin or an environment variable inside the script instead.`,
        );
      }
      if (hasCredentialUrl(text)) {
        reportViolation(
          `${args.name}: the ${field} command contains a URL with a password (scheme://user:pass@). ` +
            `Pass the URL on stdin and read it inside the script.`,
        );
      }
    }
  },
};

/**
 * Whether a command's delete destroys something on Fly: a non-blank delete on a command that
 * carries `GAIA_RESOURCE_KIND` (every Fly-managing command does), or a delete that runs `fly`,
 * `flyctl` or a script under `src/fly/`. `UNKNOWN` when the delete is computed and the kind
 * cannot settle it.
 */
export function deleteDestroysFly(args: ResourceValidationArgs): boolean | Unknown {
  const deleteCommand = read(args.props, "delete");
  if (deleteCommand === undefined || deleteCommand === null) return false;
  if (typeof deleteCommand === "string" && deleteCommand.trim() === "") return false;
  if (typeof resourceKind(args) === "string") return true;
  if (typeof deleteCommand !== "string") return UNKNOWN;
  return /\bfly(ctl)?\b/.test(deleteCommand);
}

/** Whether `triggers` is set: a non-empty list, or a computed one (a preview cannot see it). */
function hasTriggers(args: ResourceValidationArgs): boolean {
  const triggers = read(args.props, "triggers");
  return triggers === UNKNOWN || (Array.isArray(triggers) && triggers.length > 0);
}

export const noTriggersOnDestroyingCommands: ResourceRule = {
  name: "no-triggers-on-destroying-commands",
  description: "No triggers on a command whose delete destroys a Fly resource.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== COMMAND_TYPE || !hasTriggers(args)) return;
    if (deleteDestroysFly(args) !== true) return;
    reportViolation(
      `${args.name}: triggers are set on a command whose delete destroys a Fly resource. A trigger ` +
        `change replaces the resource: the new create runs, then the old delete destroys what it ` +
        `adopted. Remove triggers; changed inputs already run the update command.`,
    );
  },
};

export const productionPostgresClusterSize: ResourceRule = {
  name: "production-postgres-cluster-size",
  description: "Production Postgres (unmanaged) runs at least 2 nodes.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (resourceKind(args) !== "postgres" || !isProduction(args)) return;
    // Managed Postgres gets its availability from the plan, not from a node count.
    const postgresKind = environmentValue(args, "POSTGRES_KIND");
    if (postgresKind === "managed" || postgresKind === UNKNOWN) return;
    const raw = environmentValue(args, "CLUSTER_SIZE");
    if (raw === UNKNOWN) return;
    const size = parseWholeNumber(raw);
    if (size === undefined) {
      reportViolation(
        `${args.name}: production Postgres declares no node count (environment.CLUSTER_SIZE is ` +
          `${raw === undefined ? "missing" : JSON.stringify(raw)}); the policy expects a whole number ≥ 2.`,
      );
    } else if (size < 2) {
      reportViolation(
        `${args.name}: production Postgres runs ${size} node (CLUSTER_SIZE=${size}); with fewer ` +
          `than 2 a host failure is an outage. Set gaia:postgres.clusterSize to 2 or more.`,
      );
    }
  },
};

export const unmanagedPostgres: ResourceRule = {
  name: "unmanaged-postgres",
  description:
    "Unmanaged Fly Postgres is deprecated by Fly in favour of Managed Postgres (fly mpg).",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (resourceKind(args) !== "postgres") return;
    if (environmentValue(args, "POSTGRES_KIND") !== "unmanaged") return;
    reportViolation(
      `${args.name}: unmanaged Fly Postgres is deprecated and unsupported by Fly.io; plan the move ` +
        `to Managed Postgres (gaia:postgres.kind: managed).`,
    );
  },
};

export const minimumVolumeSize: ResourceRule = {
  name: "minimum-volume-size",
  description: "Database volumes are at least the configured minimum size (minVolumeSizeGb).",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      minVolumeSizeGb: { type: "integer", minimum: 1, default: DEFAULT_MIN_VOLUME_SIZE_GB },
    },
  },
  validateResource: (args, reportViolation) => {
    const kind = resourceKind(args);
    if (typeof kind !== "string" || !isOneOf(SIZED_VOLUME_KINDS, kind)) return;
    const size = parseWholeNumber(environmentValue(args, "VOLUME_SIZE_GB"));
    if (size === undefined) return;
    const minimum =
      args.getConfig<{ minVolumeSizeGb?: number }>().minVolumeSizeGb ?? DEFAULT_MIN_VOLUME_SIZE_GB;
    if (size >= minimum) return;
    reportViolation(
      `${args.name}: ${kind} volume of ${size} GB is below the minimum of ${minimum} GB ` +
        `(policy config minVolumeSizeGb). Raise gaia:postgres.volumeSizeGb; volumes grow in place.`,
    );
  },
};

/** Every rule of the pack, mandatory ones first. */
export const policies: ResourceRule[] = [
  productionDataProtected,
  noSecretsInCommandStrings,
  noTriggersOnDestroyingCommands,
  productionPostgresClusterSize,
  unmanagedPostgres,
  minimumVolumeSize,
];
