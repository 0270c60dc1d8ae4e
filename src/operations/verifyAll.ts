/**
 * `gaia-db verify all`: the "Verification Status" table for every environment, from the
 * live databases (the report of `gaia-db verify`, src/migrations/verify.ts), plus one row this
 * command adds: users that belong to another environment. The isolation trigger (core/0008)
 * only checks new writes, so rows from before it are found here. Any gap, or an environment
 * that cannot be reached, exits 5.
 */
import type pg from "pg";
import {
  buildVerificationReport,
  collectVerificationInput,
  renderVerificationTable,
  type VerificationReport,
  type VerificationRow,
} from "../migrations/verify";
import type { Environment } from "../shared/vocabulary";
import { emailEnvironmentTag, isForeignTestUser } from "./emailTags";
import { plural } from "./format";
import type { EnvironmentOutcome } from "./survey";

export interface ForeignUser {
  email: string;
  /** The environment the row names (its plus-tag, else its environment column). */
  claimed: string;
  /**
   * A test user of another environment by the one rule (isForeignTestUser: its email's tag), so
   * cleanup-test-users removes it; false when only its environment column names another one.
   */
  testUser: boolean;
}

/** Same rule as the trigger: the tag when it names another environment, else the column. */
export function claimedEnvironment(
  email: string,
  column: string | null,
  served: Environment,
): string | null {
  return isForeignTestUser(email, served) ? emailEnvironmentTag(email) : column;
}

const listed = (users: readonly ForeignUser[]) => {
  const shown = users.slice(0, 5).map((user) => `${user.email} (${user.claimed})`);
  const more = users.length > shown.length ? `, and ${users.length - shown.length} more` : "";
  return `${shown.join(", ")}${more}`;
};

export function isolationRow(
  environment: Environment,
  enforced: boolean | null,
  foreign: readonly ForeignUser[] | null,
): VerificationRow {
  const check = "Environment isolation";
  const mode = enforced ? "enforced" : "not enforced";
  const base = { check, missing: [], unexpected: [] };
  if (foreign === null) {
    return { ...base, status: "missing", notes: "No users table" };
  }
  if (foreign.length === 0) {
    return { ...base, status: "verified", notes: `${mode}; no user of another environment` };
  }
  const testUsers = foreign.filter((user) => user.testUser);
  const byColumn = foreign.filter((user) => !user.testUser);
  const parts = [
    mode,
    ...(testUsers.length > 0
      ? [
          `${plural(testUsers.length, "test user")} of ${testUsers.length === 1 ? "another environment" : "other environments"} (by email): ${listed(testUsers)}; remove them with gaia-db cleanup-test-users ${environment}`,
        ]
      : []),
    ...(byColumn.length > 0
      ? [
          `${plural(byColumn.length, "user")} whose environment column names another environment (not their email): ${listed(byColumn)}; cleanup-test-users leaves them: correct users.environment, or remove them by hand`,
        ]
      : []),
  ];
  return {
    check,
    status: "unexpected",
    notes: parts.join("; "),
    missing: [],
    unexpected: [...testUsers, ...byColumn].map((user) => user.email),
  };
}

async function readIsolation(client: pg.Client, environment: Environment) {
  const { rows } = await client.query<{ users: boolean; env_column: boolean; binding: boolean }>(
    `SELECT to_regclass('public.users') IS NOT NULL AS users,
            EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('public.users')
                      AND attname = 'environment' AND NOT attisdropped) AS env_column,
            to_regclass('gaia_migrations.binding') IS NOT NULL AS binding`,
  );
  const present = rows[0]!;
  let enforced: boolean | null = null;
  if (present.binding) {
    const binding = await client.query<{ enforced: boolean | null }>(
      `SELECT (to_jsonb(b) ->> 'isolation_enforced')::boolean AS enforced
         FROM gaia_migrations.binding b LIMIT 1`,
    );
    enforced = binding.rows[0]?.enforced ?? null;
  }
  if (!present.users) return { enforced, foreign: null };
  const column = present.env_column ? "environment" : "NULL::text";
  const users = await client.query<{ email: string; environment: string | null }>(
    `SELECT email, ${column} AS environment FROM public.users
      WHERE position('+' IN email) > 0 OR ${column} IS DISTINCT FROM $1 ORDER BY email`,
    [environment],
  );
  const foreign = users.rows.flatMap((row) => {
    const claimed = claimedEnvironment(row.email, row.environment, environment);
    const testUser = isForeignTestUser(row.email, environment);
    // A NULL column (no environment column yet) names nothing.
    return claimed !== null && claimed !== environment
      ? [{ email: row.email, claimed, testUser }]
      : [];
  });
  return { enforced, foreign };
}

/**
 * The modules a database uses: those the last `migrate` recorded in the binding, else those with
 * rows in its ledger, else core.
 */
async function modulesOf(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ binding: boolean; applied: boolean }>(
    `SELECT to_regclass('gaia_migrations.binding') IS NOT NULL AS binding,
            to_regclass('gaia_migrations.applied') IS NOT NULL AS applied`,
  );
  const present = rows[0]!;
  if (present.binding) {
    // Through jsonb: bindings written before the runner recorded modules lack the column.
    const bound = await client.query<{ modules: string[] }>(
      `SELECT ARRAY(SELECT jsonb_array_elements_text(to_jsonb(b) -> 'modules')) AS modules
         FROM gaia_migrations.binding b LIMIT 1`,
    );
    const modules = bound.rows[0]?.modules ?? [];
    if (modules.length > 0) return modules;
  }
  if (present.applied) {
    const applied = await client.query<{ module: string }>(
      "SELECT DISTINCT module::text AS module FROM gaia_migrations.applied ORDER BY 1",
    );
    if (applied.rows.length > 0) return applied.rows.map((row) => row.module);
  }
  return ["core"];
}

export async function verifyEnvironment(
  client: pg.Client,
  environment: Environment,
  route: string,
  opts: { now?: () => Date; expectedDatabase?: string } = {},
): Promise<VerificationReport> {
  await client.query("BEGIN READ ONLY");
  try {
    const input = await collectVerificationInput(client, {
      modules: await modulesOf(client),
      environment,
      method: `catalog query (gaia-db verify all, ${route})`,
      now: opts.now,
      expectedDatabase: opts.expectedDatabase,
    });
    const report = buildVerificationReport(input);
    const isolation = await readIsolation(client, environment);
    const row = isolationRow(environment, isolation.enforced, isolation.foreign);
    const rows = [...report.rows, row];
    return {
      ...report,
      rows,
      gaps: rows.filter((r) => r.status === "missing" || r.status === "unexpected").length,
    };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
  }
}

export function renderVerifyAll(
  outcomes: readonly EnvironmentOutcome<VerificationReport>[],
): string {
  const sections = outcomes.map((outcome) =>
    outcome.reachable
      ? renderVerificationTable(outcome.value).replace(
          /^## Verification Status\n/,
          `## Verification Status: ${outcome.environment}\n`,
        )
      : `## Verification Status: ${outcome.environment}\n\n**Unreachable:** ${outcome.reason}\n`,
  );
  const summary = outcomes
    .map((o) => `${o.environment} ${o.reachable ? plural(o.value.gaps, "gap") : "unreachable"}`)
    .join(", ");
  return `${sections.join("\n")}\n**Summary:** ${summary}`;
}
