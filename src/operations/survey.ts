/**
 * `gaia-db view all`: one row per environment. Each environment is reached and surveyed on its
 * own, in parallel, under its own deadline, so one unreachable environment never stops the others.
 */
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type pg from "pg";
import { ENVIRONMENTS, type Environment } from "./environments";
import { describeError } from "./errors";
import { renderTable } from "./format";
import { type ReachOptions, withConnection, withEnvironmentUrl } from "./reach";

export const MIGRATIONS_ROOT = resolve(__dirname, "..", "..", "migrations");

export interface MigrationId {
  module: string;
  version: string;
}

/** The migration files on disk (`migrations/<module>/NNNN_name.sql`), by module and version. */
export function listMigrationFiles(root = MIGRATIONS_ROOT): MigrationId[] {
  let modules: string[];
  try {
    modules = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
  return modules
    .flatMap((module) =>
      readdirSync(join(root, module))
        .map((file) => /^(\d+)_.+\.sql$/.exec(file)?.[1])
        .filter((version): version is string => version !== undefined)
        .map((version) => ({ module, version })),
    )
    .sort((a, b) => `${a.module}/${a.version}`.localeCompare(`${b.module}/${b.version}`));
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

/** Pending = files of the database's modules (core and any module with an applied row) not applied. */
export function countPending(
  files: readonly MigrationId[],
  applied: readonly MigrationId[],
): number {
  const done = new Set(applied.map((row) => key(row.module, row.version)));
  const modules = new Set(["core", ...applied.map((row) => row.module)]);
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
    survey.pending = countPending(files, applied);
    if (present.binding) {
      const binding = await client.query<{ environment: string; ref: string }>(
        "SELECT environment, supabase_project_ref AS ref FROM gaia_migrations.binding LIMIT 1",
      );
      survey.boundEnvironment = binding.rows[0]?.environment ?? null;
      survey.supabaseProjectRef = binding.rows[0]?.ref ?? null;
    }
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
        return { environment, reachable: false, reason: describeError(error).message };
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
            row.route,
          ]
        : [row.environment, "unreachable", "-", "-", "-", "-", "-", row.reason],
    ),
    { rightAligned: new Set([2, 3, 4]) },
  );
}
