/**
 * Command for the secrets a service reads (GAIA_RESOURCE_KIND=service-secrets): DATABASE_URL,
 * REDIS_URL and, for the services that validate JWTs, the Supabase settings, staged with
 * `fly secrets import --stage` through stdin (no restart, nothing in argv).
 *
 * The decision is src/fly/serviceSecretsPlan.ts `planServiceSecrets`: the previous run's
 * records (our fingerprint and Fly's digest per staged name) come from $PULUMI_COMMAND_STDOUT,
 * which is a secret output; a secret set on the app by someone else is kept and reported unless
 * ADOPT_SECRETS is true. Delete does nothing: the app shells are retained, and unsetting
 * DATABASE_URL would break the next deploy of a running service.
 */

import { SERVICE_SECRET_NAMES, type ServiceSecretName } from "../../shared/vocabulary";
import { secretsImportArgs, secretsListArgs } from "../flags";
import {
  type ExistingSecret,
  importTookEffect,
  parseAdoptSecrets,
  planServiceSecrets,
  type RecordedSecret,
} from "../serviceSecretsPlan";
import { type CommandContext, listParam, param, previousResult, type ResultLine } from "./context";
import { CommandError } from "./flyctl";

const SUPABASE_NAMES = ["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET"];

/**
 * One `NAME=VALUE` line as flyctl's import parser reads it back unchanged: that parser cuts an
 * unquoted value at `#` and strips one pair of surrounding quotes, so such values are quoted, and
 * a value it cannot carry is refused (by name: the value is a secret).
 */
export function importLine(name: string, value: string): string {
  if (/[\r\n]/.test(value))
    throw new CommandError(`${name} contains a line break: fly secrets import cannot take it`);
  const quoted = value.includes("#") || /^["'].*["']$/s.test(value) || value !== value.trim();
  if (!quoted) return `${name}=${value}`;
  if (value.includes('"') && value.includes("#"))
    throw new CommandError(
      `${name} contains both " and #: fly secrets import would cut it; change the value`,
    );
  return `${name}="${value}"`;
}

/** `fly secrets list --json`: `[{name, digest, status?}]`. */
export function parseSecretsList(stdout: string): ExistingSecret[] {
  let rows: unknown;
  try {
    rows = JSON.parse(stdout);
  } catch {
    throw new CommandError("fly secrets list --json printed something that is not JSON");
  }
  if (!Array.isArray(rows))
    throw new CommandError("fly secrets list --json printed no list of secrets");
  return rows.map((r: { name?: unknown; digest?: unknown }) => {
    if (typeof r?.name !== "string" || typeof r.digest !== "string")
      throw new CommandError("fly secrets list --json printed a row without name and digest");
    return { name: r.name, digest: r.digest };
  });
}

function recordsOf(previous: ResultLine | undefined): Record<string, RecordedSecret> {
  const records = previous?.records;
  if (typeof records !== "object" || records === null) return {};
  return records as Record<string, RecordedSecret>;
}

export async function serviceSecretsCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env, fly } = ctx;
  const app = param(env, "APP_NAME");
  const service = param(env, "SERVICE");
  const names = listParam(env, "SECRET_NAMES");
  const adoptSecrets = parseAdoptSecrets(param(env, "ADOPT_SECRETS"));
  const previous = previousResult(env);
  if (ctx.op === "delete") {
    ctx.log(`${app}: the service secrets are left in place (the app is retained)`);
    return { app, service, names, deleted: false };
  }
  const unknown = names.filter((n) => !(SERVICE_SECRET_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new CommandError(
      `SECRET_NAMES has ${unknown.join(", ")}; allowed are ${SERVICE_SECRET_NAMES.join(", ")}`,
    );
  const values = ctx.secrets.values;
  if (typeof values !== "object" || values === null)
    throw new CommandError("the values map is missing from the command's stdin");
  const given = values as Record<string, unknown>;
  const got = Object.keys(given).sort();
  if (got.join(",") !== [...names].sort().join(","))
    throw new CommandError(
      `stdin holds values for ${got.join(", ") || "nothing"} but SECRET_NAMES lists ${names.join(", ")}`,
    );

  const list = async () => parseSecretsList((await fly.read(secretsListArgs(app))) ?? "[]");
  const recorded = recordsOf(previous);
  const existing = await list();
  const [plan] = planServiceSecrets({
    services: { [service]: app },
    values: Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)])),
    existing: { [app]: existing },
    recorded: { [app]: recorded },
    adoptSecrets,
    // The component chose the names; the planner adds the Supabase ones for a "JWT service".
    jwtServices: names.some((n) => SUPABASE_NAMES.includes(n)) ? [service] : [],
  });
  if (plan === undefined) throw new CommandError(`no plan for ${app}`);
  for (const k of plan.skipped)
    ctx.log(`kept ${k.name}: ${k.reason} (set gaia:services.adoptSecrets to overwrite)`);

  const records: Record<string, RecordedSecret> = { ...recorded };
  const before = new Map(existing.map((s) => [s.name, s.digest]));
  // A record an earlier run could not complete is ours: it gets the digest listed now.
  for (const name of plan.unchanged) {
    const digest = before.get(name);
    if (records[name]?.flyDigest === null && digest !== undefined)
      records[name] = { ...records[name], flyDigest: digest };
  }
  if (plan.stage.length > 0) {
    const staged = plan.stage.map((s) => s.name);
    const stdin = staged.map((name) => `${importLine(name, String(given[name]))}\n`).join("");
    // From the import on, this command does not fail: a failed run keeps no output, so the
    // records of what it staged would be lost and the next run would take our own secrets for
    // someone else's. An import is one API call: when every name it sets is listed with a new
    // digest, it took effect whatever flyctl said.
    const tookEffect = async () => {
      const now = await list().catch(() => null);
      return now !== null && importTookEffect(staged, before, now);
    };
    await fly.mutate(secretsImportArgs(app), { stdin, verify: tookEffect }).catch(async (e) => {
      if (!(await tookEffect())) throw e;
      ctx.log(
        `fly ${secretsImportArgs(app).join(" ")} failed, but every secret it staged is listed with a new digest: it took effect`,
      );
    });
    // Fly's digest is only knowable by reading it back; it is what marks the secret as ours.
    const live = await list().then(
      (l) => new Map(l.map((s) => [s.name, s.digest])),
      (e: unknown) => {
        ctx.log(
          `note: ${app}: ${staged.join(", ")} were staged but their digests could not be read back (${e instanceof Error ? e.message : String(e)}); the next run records them`,
        );
        return null;
      },
    );
    for (const name of staged) {
      const digest = live === null ? null : live.get(name);
      if (digest === undefined)
        ctx.log(
          `note: fly secrets import succeeded but ${name} is not listed on ${app}; the next run stages it again`,
        );
      records[name] = {
        fingerprint: plan.fingerprints[name as ServiceSecretName]!,
        flyDigest: digest ?? null,
      };
    }
  }
  ctx.log(
    `${app}: staged ${plan.stage.map((s) => `${s.name} (${s.reason})`).join(", ") || "nothing"}`,
  );
  return {
    origin: previous?.origin ?? "created",
    app,
    service,
    names,
    staged: plan.stage.map((s) => s.name),
    unchanged: plan.unchanged,
    kept: plan.skipped,
    missing: plan.missing,
    // Fingerprints are derived from secrets: this stdout is a secret output, never logged.
    records,
  };
}
