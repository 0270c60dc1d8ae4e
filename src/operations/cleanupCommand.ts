/** Handler of `gaia-db cleanup-test-users <env>` (the core is cleanup.ts). */
import { checkBoundEnvironment } from "./binding";
import { applyCleanup, type CleanupReport, planCleanup } from "./cleanup";
import { parseEnvironment, TEST_TAGS } from "./environments";
import { checkConfirmation, ExitCode, usageError } from "./errors";
import { plural, renderTable, writeJson, writeLine } from "./format";
import { guarded, type OperationsIo, parseFlags, parseTimeout } from "./io";
import { withEnvironmentClient } from "./reach";

export const cleanupHelp = `Usage: gaia-db cleanup-test-users <environment> [options]

Finds the users whose email plus-tag names ANOTHER environment (name+local@, name+dev@,
name+staging@; production addresses carry no tag, so in production every tagged one is a
test user; in dev, +local and +staging users are, +dev users are not). A user whose tag names
the environment itself is never touched. Addresses with other tags (name+news@) are ordinary.

Dry run by default: lists each user and the rows that depend on it, per table, found from the
database's foreign keys (followed recursively). --apply deletes the dependent rows children-first
and then the users, in one transaction, and prints the Supabase auth user ids you may remove:
the Supabase project is shared by every environment, so this tool never deletes there.

Options:
  --apply                 delete (default: dry run)
  --confirm <environment> required with --apply on production: --confirm production
  --database-url <url>    connection URL (default: DATABASE_URL, else the stack output databaseUrl)
  --timeout <seconds>     connection and statement timeout (default 60)
  --json                  one JSON document on stdout
  -h, --help              this text

Exit codes: 0 ok, 1 runtime error, 2 usage, 3 refused (production --apply without --confirm,
--apply on a database not bound to this environment).`;

const options = {
  apply: { type: "boolean" },
  confirm: { type: "string" },
  "database-url": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const listCounts = (counts: Record<string, number>) =>
  Object.keys(counts).length === 0
    ? "none"
    : Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([table, n]) => `${table} ${n}`)
        .join(", ");

export function renderCleanup(report: CleanupReport): string {
  const others = TEST_TAGS.filter((e) => e !== report.environment)
    .map((e) => `+${e}`)
    .join(", ");
  const lines: string[] = [];
  if (report.users.length === 0) {
    lines.push(`${report.environment}: no test users of other environments (${others}).`);
    return lines.join("\n");
  }
  lines.push(
    `${report.environment}: ${plural(report.users.length, "test user")} of other environments (${others}):`,
  );
  lines.push(
    renderTable(
      ["email", "tag", "user id", "supabase auth id", "dependent rows"],
      report.users.map((user) => [
        user.email,
        user.tag,
        user.id,
        user.authUserId ?? "-",
        listCounts(user.dependents),
      ]),
    ),
  );
  if (!report.applied) {
    lines.push(
      `Dry run: nothing deleted. Run gaia-db cleanup-test-users ${report.environment} --apply${report.environment === "production" ? " --confirm production" : ""} to delete these users and their dependent rows in one transaction.`,
    );
    return lines.join("\n");
  }
  const { users = 0, ...dependents } = report.deleted;
  const rows = Object.values(dependents).reduce((sum, n) => sum + n, 0);
  lines.push(
    `Deleted ${plural(users, "user")} and ${plural(rows, "dependent row")} (${listCounts(dependents)}) in one transaction.`,
  );
  if (report.supabaseAuthUserIds.length > 0) {
    lines.push(
      "Supabase auth users you may now remove (the project is shared by every environment; this tool never changes it):",
      ...report.supabaseAuthUserIds.map((id) => `  ${id}`),
    );
  }
  if (report.usersWithoutAuthId > 0) {
    lines.push(
      `${plural(report.usersWithoutAuthId, "deleted user")} had no auth_user_id: find them in Supabase by email.`,
    );
  }
  return lines.join("\n");
}

export async function runCleanupTestUsers(args: string[], io: OperationsIo): Promise<number> {
  return guarded(io, async () => {
    const { values, positionals } = parseFlags("cleanup-test-users", args, options);
    if (values.help) {
      writeLine(io.stdout, cleanupHelp);
      return ExitCode.ok;
    }
    if (positionals.length > 1) {
      throw usageError(
        `gaia-db cleanup-test-users: expected one environment, got ${positionals.length} arguments`,
      );
    }
    const environment = parseEnvironment(positionals[0], "cleanup-test-users");
    const timeoutMs = parseTimeout("cleanup-test-users", values.timeout, 60);
    checkConfirmation("cleanup-test-users", environment, values.confirm, {
      flag: "--apply",
      set: values.apply === true,
      doing: "deleting in",
    });
    const report = await withEnvironmentClient(
      {
        environment,
        databaseUrl: values["database-url"],
        env: io.env,
        timeoutMs,
        openProxy: io.openProxy,
      },
      (client) =>
        values.apply
          ? checkBoundEnvironment(
              client,
              `cleanup-test-users ${environment} --apply`,
              environment,
            ).then(() => applyCleanup(client, environment, timeoutMs))
          : planCleanup(client, environment),
    );
    if (values.json) writeJson(io.stdout, report);
    else writeLine(io.stdout, renderCleanup(report));
    return ExitCode.ok;
  });
}
