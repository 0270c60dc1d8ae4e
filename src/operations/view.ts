/** `gaia-db view <env|all> [query]` — see readOnly.ts for how a statement is kept read-only. */
import { checkBoundEnvironment } from "./binding";
import { parseEnvironment } from "./environments";
import { checkConfirmation, ExitCode, usageError } from "./errors";
import { plural, renderTable, writeJson, writeLine } from "./format";
import { guarded, type OperationsIo, parseFlags, parseTimeout } from "./io";
import { withEnvironmentClient } from "./reach";
import { runWrite, type StatementResult, viewReadOnly } from "./readOnly";
import { renderSurvey, surveyAll } from "./survey";

export const DEFAULT_VIEW_QUERY = "SELECT count(*) AS users FROM public.users";

export const viewHelp = `Usage: gaia-db view <environment|all> [query] [options]

Runs ONE SQL statement against an environment's database and prints the result.
Default query: ${DEFAULT_VIEW_QUERY}

The statement is sent through the extended protocol (a second statement such as
"SELECT 1; DELETE ..." is rejected by the server), in a READ ONLY transaction with a
statement timeout, as a temporary login that is a member of gaia_readonly only (created by
the connecting login, which must be a superuser or have CREATEROLE; a login with neither is
used only if it is itself a member of gaia_readonly and nothing more), so writes, DDL,
COPY ... TO PROGRAM and reading beyond gaia_readonly fail, even after resetting the role.

"all" prints one row per environment (local, dev, staging, production): reachable or not
(and why), users, applied and pending migrations, bound environment and Supabase project.
It reads each environment's stack outputs and ignores DATABASE_URL.

Options:
  --write                 run the statement read-write as the connecting login (one statement)
  --confirm <environment> required with --write on production: --confirm production
  --database-url <url>    connection URL (default: DATABASE_URL, else the stack output databaseUrl)
  --timeout <seconds>     statement and connection timeout (default 30)
  --json                  one JSON document on stdout
  -h, --help              this text

Exit codes: 0 ok, 1 runtime error (including an unreachable environment in "all"),
2 usage, 3 refused (write on production without --confirm, write to a database not bound to
this environment, missing gaia_readonly role,
a login that can neither create a temporary login nor is gaia_readonly only).`;

const options = {
  write: { type: "boolean" },
  confirm: { type: "string" },
  "database-url": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function printResult(io: OperationsIo, result: StatementResult): void {
  if (result.columns.length === 0) {
    writeLine(io.stdout, `${result.command} ${result.rowCount ?? ""}`.trimEnd());
    return;
  }
  writeLine(
    io.stdout,
    renderTable(result.columns, result.rows, { rightAligned: new Set(result.numericColumns) }),
  );
  writeLine(io.stdout, `(${plural(result.rows.length, "row")})`);
}

export async function runView(args: string[], io: OperationsIo): Promise<number> {
  return guarded(io, async () => {
    const { values, positionals } = parseFlags("view", args, options);
    if (values.help) {
      writeLine(io.stdout, viewHelp);
      return ExitCode.ok;
    }
    if (positionals.length > 2) {
      throw usageError(
        `gaia-db view: expected <environment|all> [query], got ${positionals.length} arguments: quote the query as one argument`,
      );
    }
    const [target, query] = positionals;
    const timeoutMs = parseTimeout("view", values.timeout);

    if (target === "all") {
      if (query !== undefined || values.write || values["database-url"]) {
        throw usageError(
          "gaia-db view all: takes no query, --write or --database-url (it surveys every environment through its stack outputs)",
        );
      }
      const rows = await surveyAll({
        env: io.env,
        timeoutMs,
        openProxy: io.openProxy,
        ignoreDatabaseUrlVariable: true,
      });
      if (values.json) writeJson(io.stdout, rows);
      else writeLine(io.stdout, renderSurvey(rows));
      return rows.every((row) => row.reachable) ? ExitCode.ok : ExitCode.runtime;
    }

    const environment = parseEnvironment(target, "view");
    const sql = query ?? DEFAULT_VIEW_QUERY;
    if (sql.trim() === "") throw usageError("gaia-db view: the query is empty");
    checkConfirmation("view", environment, values.confirm, {
      flag: "--write",
      set: values.write === true,
      doing: "writing to",
    });
    const result = await withEnvironmentClient(
      {
        environment,
        databaseUrl: values["database-url"],
        env: io.env,
        timeoutMs,
        openProxy: io.openProxy,
      },
      (client, url) =>
        values.write
          ? checkBoundEnvironment(client, `view ${environment} --write`, environment).then(() =>
              runWrite(client, sql, timeoutMs),
            )
          : viewReadOnly(client, url, sql, timeoutMs),
    );
    if (values.json) {
      writeJson(io.stdout, {
        environment,
        command: result.command,
        rowCount: result.rowCount,
        columns: result.columns,
        rows: result.rows,
      });
    } else {
      printResult(io, result);
    }
    return ExitCode.ok;
  });
}
