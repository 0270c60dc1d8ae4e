/**
 * `gaia-db view all`: one row per environment. Each environment is reached and surveyed on its
 * own, in parallel, under its own deadline, so one unreachable environment never stops the others.
 */
import type pg from "pg";
import { loadMigrationSet } from "../migrations/files";
import { maskSecrets } from "../migrations/postgresUrl";
import { ENVIRONMENTS, type Environment, MIGRATIONS_DIR, MODULES } from "../shared/vocabulary";
import { renderTable } from "./format";
import { type ReachOptions, withConnection, withEnvironmentUrl } from "./reach";

export interface MigrationId {
  module: string;
  version: string;
}

/** The migration files on disk, every module (the runner's loader: same naming rules). */
export function listMigrationFiles(root = MIGRATIONS_DIR): MigrationId[] {
  return loadMigrationSet(root, MODULES).map(({ module, version }) => ({ module, version }));
}

export interface EnvironmentSurvey {
  users: number | null;
  applied: number | null;
  /** Files on disk not applied, in the modules this database uses (core, plus any with a row). */
  pending: number | null;
  boundEnvironment: string | null;
  supabaseProjectRef: string | null;
}

const key = (module: string, version: string) => `${module}/${Number.parseInt(version, 10)}`;

/**
 * Pending = files of the database's modules not applied. The modules are the ones the last
 * `migrate` recorded in the binding when known, else core plus any module with an applied row.
 */
export function countPending(
  files: readonly MigrationId[],
  applied: readonly MigrationId[],
  boundModules: readonly string[] | null = null,
): number {
  const done = new Set(applied.map((row) => key(row.module, row.version)));
  const modules = new Set(boundModules ?? ["core", ...applied.map((row) => row.module)]);
  return files.filter(
    (file) => modules.has(file.module) && !done.has(key(file.module, file.version)),
  ).length;
}

/** Reads users, the ledger and the binding; every part is optional (an empty database is fine). */
export async function surveyDatabase(
  client: pg.Client,
  files: readonly MigrationId[],
): Promise<EnvironmentSurvey> {
  await client.query("BEGIN READ ONLY");
  try {
    const { rows } = await client.query<{
      users: string | null;
      applied: boolean;
      binding: boolean;
    }>(
      `SELECT to_regclass('public.users') IS NOT NULL AS users,
              to_regclass('gaia_migrations.applied') IS NOT NULL AS applied,
              to_regclass('gaia_migrations.binding') IS NOT NULL AS binding`,
    );
    const present = rows[0]!;
    const survey: EnvironmentSurvey = {
      users: null,
      applied: null,
      pending: null,
      boundEnvironment: null,
      supabaseProjectRef: null,
    };
    if (present.users) {
      const count = await client.query<{ n: string }>("SELECT count(*) AS n FROM public.users");
      survey.users = Number(count.rows[0]!.n);
    }
    const applied = present.applied
      ? (
          await client.query<MigrationId>(
            "SELECT module::text AS module, version::text AS version FROM gaia_migrations.applied",
          )
        ).rows
      : [];
    if (present.applied) survey.applied = applied.length;
    let boundModules: string[] | null = null;
    if (present.binding) {
      const binding = await client.query<{
        environment: string;
        ref: string;
        modules: string[] | null;
      }>(
        // `modules` is read through jsonb: bindings written before the runner recorded it lack it.
        `SELECT environment, supabase_project_ref AS ref,
                ARRAY(SELECT jsonb_array_elements_text(to_jsonb(b) -> 'modules')) AS modules
           FROM gaia_migrations.binding b LIMIT 1`,
      );
      const row = binding.rows[0];
      survey.boundEnvironment = row?.environment ?? null;
      survey.supabaseProjectRef = row?.ref ?? null;
      boundModules = row?.modules?.length ? row.modules : null;
    }
    survey.pending = countPending(files, applied, boundModules);
    return survey;
  } finally {
    await client.query("ROLLBACK").catch(() => {});
  }
}

export type SurveyRow =
  | ({ environment: Environment; reachable: true; route: string } & EnvironmentSurvey)
  | { environment: Environment; reachable: false; reason: string };

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Why an environment could not be surveyed: the error's message, masked. */
function reasonOf(error: unknown): string {
  return maskSecrets(error instanceof Error ? error.message : String(error));
}

export type EnvironmentOutcome<T> =
  | { environment: Environment; reachable: true; route: string; value: T }
  | { environment: Environment; reachable: false; reason: string };

/**
 * Runs `fn` on every environment's database in parallel, each under its own deadline; a failure
 * (unreachable, timeout, query error) becomes that environment's outcome, never the others'.
 */
export async function acrossEnvironments<T>(
  reach: Omit<ReachOptions, "environment">,
  fn: (client: pg.Client, environment: Environment, route: string) => Promise<T>,
  environments: readonly Environment[] = ENVIRONMENTS,
): Promise<EnvironmentOutcome<T>[]> {
  return Promise.all(
    environments.map(async (environment): Promise<EnvironmentOutcome<T>> => {
      try {
        const work = withEnvironmentUrl({ ...reach, environment }, (url, route) =>
          withConnection(url, reach.timeoutMs, async (client) => ({
            route,
            value: await fn(client, environment, route),
          })),
        );
        const { route, value } = await withDeadline(work, reach.timeoutMs * 2, environment);
        return { environment, reachable: true, route, value };
      } catch (error) {
        return { environment, reachable: false, reason: reasonOf(error) };
      }
    }),
  );
}

/** Surveys every environment in parallel; failures become rows with their reason. */
export async function surveyAll(
  reach: Omit<ReachOptions, "environment">,
  files: readonly MigrationId[] = listMigrationFiles(),
  environments: readonly Environment[] = ENVIRONMENTS,
): Promise<SurveyRow[]> {
  const outcomes = await acrossEnvironments(
    reach,
    (client) => surveyDatabase(client, files),
    environments,
  );
  return outcomes.map((outcome) =>
    outcome.reachable
      ? {
          environment: outcome.environment,
          reachable: true,
          route: outcome.route,
          ...outcome.value,
        }
      : outcome,
  );
}

const show = (value: number | string | null) => (value === null ? "-" : String(value));

export function renderSurvey(rows: readonly SurveyRow[]): string {
  return renderTable(
    [
      "environment",
      "status",
      "users",
      "applied",
      "pending",
      "bound to",
      "supabase project",
      "note",
    ],
    rows.map((row) =>
      row.reachable
        ? [
            row.environment,
            "reachable",
            show(row.users),
            show(row.applied),
            show(row.pending),
            show(row.boundEnvironment),
            show(row.supabaseProjectRef),
            row.boundEnvironment !== null && row.boundEnvironment !== row.environment
              ? `BOUND TO ${row.boundEnvironment}, not ${row.environment}: check the stack output (${row.route})`
              : row.route,
          ]
        : [row.environment, "unreachable", "-", "-", "-", "-", "-", row.reason],
    ),
    { rightAligned: new Set([2, 3, 4]) },
  );
}
