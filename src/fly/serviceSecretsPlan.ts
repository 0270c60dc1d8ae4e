/**
 * Which secrets each service app of an environment gets, and whether to write them: the planner
 * of the `service-secrets` Fly command (src/fly/runtime/serviceSecretsCommand.ts).
 *
 * Who reads what is `secretNamesFor` (src/shared/vocabulary.ts): every service reads DATABASE_URL
 * and REDIS_URL; the auth service also the Supabase settings — it is the service that validates
 * Supabase JWTs. The gateway authenticates requests through the auth service and the platform's
 * own JWT key pair (the certificates), so it gets no Supabase secret by default; pass
 * `jwtServices` to change that (least privilege: a secret only where it is read).
 *
 * Deciding "changed": `fly secrets list` shows a digest per secret, computed by Fly's API from
 * the value in a way neither flyctl nor the docs define, so it cannot be compared with a value
 * computed here. Instead the stack records, per app and name, our own fingerprint of the value
 * it staged and the Fly digest seen right after staging. A secret whose live digest still equals
 * the recorded one is ours: restage only when our fingerprint changed. A secret that exists with
 * no record, or whose digest moved (someone set it by hand — the live apps have theirs), is left
 * alone and reported, unless `adoptSecrets` is on.
 */
import { createHash } from "node:crypto";
import { type ServiceSecretName, secretNamesFor } from "../shared/vocabulary";

/**
 * Our fingerprint of a staged value (sha256 over a label, the name and the value). It is meant
 * to be kept as a secret output with the rest of the record, never printed.
 */
export function secretFingerprint(name: string, value: string): string {
  return createHash("sha256").update(`gaia-service-secret\0${name}\0${value}`).digest("hex");
}

export interface ExistingSecret {
  name: string;
  digest: string;
}

export interface RecordedSecret {
  fingerprint: string;
  /**
   * Fly's digest right after we staged it; null when it could not be read back then (the import
   * took effect): still ours, and the next run records the digest it finds.
   */
  flyDigest: string | null;
}

export interface PlanServiceSecretsInput {
  /** Service → Fly app (`gaia:services` without `adoptSecrets`). */
  services: Record<string, string>;
  values: Partial<Record<ServiceSecretName, string>>;
  /** `fly secrets list -a <app> --json` per app (names and digests). */
  existing: Record<string, readonly ExistingSecret[]>;
  /** What earlier runs staged: app → name → record. */
  recorded?: Record<string, Record<string, RecordedSecret>>;
  /** Every secret someone else set, none, or the ones named. */
  adoptSecrets: boolean | readonly string[];
  jwtServices?: readonly string[];
}

export type StageReason = "new" | "changed" | "adopted";

export interface AppSecretsPlan {
  service: string;
  app: string;
  stage: { name: ServiceSecretName; reason: StageReason }[];
  /** Present on the app with a value we did not set; kept (set gaia:services.adoptSecrets to overwrite). */
  skipped: { name: ServiceSecretName; reason: string }[];
  unchanged: ServiceSecretName[];
  /** The service reads it but there is no value to give. */
  missing: ServiceSecretName[];
  /** The records to keep after a successful import (Fly digests are read back then). */
  fingerprints: Partial<Record<ServiceSecretName, string>>;
}

export function planServiceSecrets(input: PlanServiceSecretsInput): AppSecretsPlan[] {
  return Object.entries(input.services)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, app]) => {
      const plan: AppSecretsPlan = {
        service,
        app,
        stage: [],
        skipped: [],
        unchanged: [],
        missing: [],
        fingerprints: {},
      };
      const live = new Map((input.existing[app] ?? []).map((s) => [s.name, s.digest]));
      const records = input.recorded?.[app] ?? {};
      for (const name of secretNamesFor(service, input.jwtServices)) {
        const value = input.values[name];
        if (value === undefined || value === "") {
          plan.missing.push(name);
          continue;
        }
        if (/[\r\n]/.test(value)) {
          // `fly secrets import` reads one NAME=VALUE per line.
          throw new Error(
            `${name} for ${app} contains a line break: fly secrets import cannot take it`,
          );
        }
        const fingerprint = secretFingerprint(name, value);
        plan.fingerprints[name] = fingerprint;
        const digest = live.get(name);
        const record = records[name];
        let reason: StageReason | null;
        if (digest === undefined) reason = "new";
        else if (record && (record.flyDigest === digest || record.flyDigest === null)) {
          reason = record.fingerprint === fingerprint ? null : "changed";
        } else if (adopts(input.adoptSecrets, name)) reason = "adopted";
        else {
          plan.skipped.push({
            name,
            reason: record
              ? `changed on ${app} since this stack staged it (digest ${record.flyDigest} → ${digest})`
              : `already set on ${app} by someone else (digest ${digest})`,
          });
          continue;
        }
        if (reason === null) plan.unchanged.push(name);
        else plan.stage.push({ name, reason });
      }
      return plan;
    });
}

/**
 * Whether an import of `staged` took effect: each of them is listed now with a digest other than
 * the one listed before it (or listed now when it was absent before).
 */
export function importTookEffect(
  staged: readonly string[],
  before: ReadonlyMap<string, string>,
  now: readonly ExistingSecret[],
): boolean {
  const after = new Map(now.map((s) => [s.name, s.digest]));
  return staged.every((name) => {
    const digest = after.get(name);
    return digest !== undefined && digest !== before.get(name);
  });
}

function adopts(adoptSecrets: boolean | readonly string[], name: string): boolean {
  return adoptSecrets === true || (Array.isArray(adoptSecrets) && adoptSecrets.includes(name));
}

/**
 * ADOPT_SECRETS as the component writes it: "true", "false", or the names, comma-separated.
 * Pure, so the command and its tests read it one way.
 */
export function adoptSecretsParam(value: boolean | readonly string[]): string {
  return typeof value === "boolean" ? String(value) : value.join(",");
}

export function parseAdoptSecrets(value: string): boolean | string[] {
  if (value === "true" || value === "false") return value === "true";
  return value === "" ? false : value.split(",");
}
