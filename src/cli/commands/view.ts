/** `gaia-db view <env|all> [query]`: one statement, read-only unless --write; or a survey. */
import type { StatementResult } from "../../operations/readOnly";
import { ExitCode, usageError } from "../../shared/errors";
import { ENVIRONMENTS } from "../../shared/vocabulary";
import { loadBinding, loadFormat, loadReach, loadReadOnly, loadSurvey } from "../lazy";
import { OPTIONS, rowCountOption, timeoutOption } from "../options";
import { flagOption, type RunContext, stringOption } from "../spec";
import { environmentArgument, operationsCommand } from "./_operations";

type TableLines = Awaited<ReturnType<typeof loadFormat>>["tableLines"];

export const DEFAULT_VIEW_QUERY = "SELECT count(*) AS users FROM public.users";
const DEFAULT_MAX_ROWS = 10_000;
/** Rows are held in memory to align the table: a million is what a laptop holds with ease. */
const MAX_ROWS = 1_000_000;

function* resultLines(result: StatementResult, tableLines: TableLines): Generator<string> {
  if (result.columns.length === 0) {
    yield `${result.command ?? ""} ${result.rowCount ?? ""}`.trimEnd();
    return;
  }
  yield* tableLines(result.columns, result.rows, { rightAligned: new Set(result.numericColumns) });
  const n = result.rows.length;
  if (!result.truncated) yield `(${n} ${n === 1 ? "row" : "rows"})`;
  else if (result.rowCount === null) yield `(${n} rows shown; the statement returned more)`;
  else yield `(${n} of ${result.rowCount} rows shown)`;
}

async function runAll(ctx: RunContext, timeoutMs: number): Promise<number> {
  if (ctx.args[1] !== undefined || flagOption(ctx, "write") || ctx.opts["database-url"]) {
    throw usageError(
      "view all: takes no query, --write or --database-url (it surveys every environment through its stack outputs)",
    );
  }
  const { renderSurvey, surveyAll } = await loadSurvey();
  const rows = await surveyAll({
    env: ctx.io.env,
    timeoutMs,
    openProxy: ctx.io.openProxy,
    ignoreDatabaseUrlVariable: true,
  });
  if (ctx.json) ctx.out.json(rows);
  else ctx.out.line(renderSurvey(rows));
  return rows.every((row) => row.reachable) ? ExitCode.ok : ExitCode.runtime;
}

export const view = operationsCommand({
  path: ["view"],
  summary: "one read-only statement, or a survey of every environment",
  usage: "<environment|all> [query] [options]",
  positionals: ["environment", "query"],
  excessHint: "quote the query as one argument",
  description: [
    "Runs ONE SQL statement against an environment's database and prints the result.",
    `Default query: ${DEFAULT_VIEW_QUERY}`,
    "",
    'The statement is sent through the extended protocol (a second statement such as "SELECT 1; DELETE ..." is rejected by the server), in a READ ONLY transaction with a statement timeout, as a temporary login that is a member of gaia_readonly only (created by the connecting login, which must be a superuser or have CREATEROLE; a login with neither is used only if it is itself a member of gaia_readonly and holds nothing else: no other role, nothing it owns, no privilege granted to it by name), so writes, DDL, COPY ... TO PROGRAM and reading beyond gaia_readonly fail, even after resetting the role.',
    "",
    'A query that starts with "-" (a "--" comment first) is read as an option: put -- before it, after the options, e.g. gaia-db view dev --json -- "-- users\nSELECT count(*) FROM users".',
    "",
    `At most --max-rows rows are read and shown; a statement that returns more is cut there, with a warning on stderr. With --write the statement always runs in full and is committed: --max-rows limits only the rows shown.`,
    "",
    `"all" prints one row per environment (${ENVIRONMENTS.join(", ")}): reachable or not (and why), users, applied and pending migrations, bound environment and Supabase project. It reads each environment's stack outputs and ignores DATABASE_URL.`,
  ].join("\n"),
  options: [
    {
      flags: "--write",
      description: "run the statement read-write as the connecting login (one statement)",
      group: OPTIONS,
    },
    {
      flags: "--confirm <environment>",
      description: "required with --write on production: --confirm production",
      group: OPTIONS,
    },
    {
      flags: "--database-url <url>",
      description: "connection URL (default: DATABASE_URL, else the stack output databaseUrl)",
      group: OPTIONS,
    },
    timeoutOption("statement and connection timeout", 30_000),
    rowCountOption("--max-rows <n>", "the most rows read and shown", DEFAULT_MAX_ROWS, MAX_ROWS),
  ],
  exitCodes: [
    [0, "ok"],
    [1, 'runtime error (including an unreachable environment in "all")'],
    [2, "usage"],
    [
      3,
      "refused (write on production without --confirm, write to a database not bound to this environment, missing gaia_readonly role, a login that can neither create a temporary login nor is gaia_readonly only)",
    ],
  ],
  async run(ctx) {
    const timeoutMs = ctx.opts.timeout as number;
    if (ctx.args[0] === "all") return runAll(ctx, timeoutMs);
    const environment = environmentArgument(ctx);
    const sql = ctx.args[1] ?? DEFAULT_VIEW_QUERY;
    if (sql.trim() === "") throw ctx.usage("the query is empty");
    const maxRows = ctx.opts["max-rows"] as number;
    const write = flagOption(ctx, "write");
    const [{ checkBoundEnvironment, checkConfirmation }, { withEnvironmentClient }, readOnly] =
      await Promise.all([loadBinding(), loadReach(), loadReadOnly()]);
    checkConfirmation("view", environment, stringOption(ctx, "confirm"), {
      flag: "--write",
      set: write,
      doing: "writing to",
    });
    const result = await withEnvironmentClient(
      {
        environment,
        databaseUrl: stringOption(ctx, "database-url"),
        env: ctx.io.env,
        timeoutMs,
        openProxy: ctx.io.openProxy,
      },
      (client, url) =>
        write
          ? checkBoundEnvironment(client, `view ${environment} --write`, environment).then(() =>
              readOnly.runWrite(client, sql, timeoutMs, maxRows),
            )
          : readOnly.viewReadOnly(client, url, sql, timeoutMs, maxRows),
    );
    if (ctx.json) {
      ctx.out.json({
        environment,
        command: result.command,
        rowCount: result.rowCount,
        columns: result.columns,
        rows: result.rows,
        ...(result.truncated ? { truncated: true, maxRows } : {}),
      });
    } else {
      ctx.out.lines(resultLines(result, (await loadFormat()).tableLines));
    }
    if (result.truncated) {
      ctx.out.warn(
        `only the first ${maxRows} rows are shown${write ? " (the statement ran in full and was committed)" : ""}: add a LIMIT to the query, or raise --max-rows (at most ${MAX_ROWS})`,
      );
    }
    return ExitCode.ok;
  },
});
