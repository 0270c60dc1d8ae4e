/** `gaia-db cleanup-test-users <env>`: users tagged for another environment (dry run; --apply). */
import { ExitCode } from "../../shared/errors";
import { loadBinding, loadCleanup, loadReach } from "../lazy";
import { OPTIONS, timeoutOption } from "../options";
import { flagOption, stringOption } from "../spec";
import { environmentArgument, operationsCommand } from "./_operations";

export const cleanupTestUsers = operationsCommand({
  path: ["cleanup-test-users"],
  summary: "users tagged for another environment (dry run unless --apply)",
  usage: "<environment> [options]",
  positionals: ["environment"],
  description: [
    "Finds the users whose email plus-tag names ANOTHER environment (name+local@, name+dev@, name+staging@; production addresses carry no tag, so in production every tagged one is a test user; in dev, +local and +staging users are, +dev users are not). A user whose tag names the environment itself is never touched. Addresses with other tags (name+news@) are ordinary.",
    "",
    "Dry run by default: lists each user and the rows that depend on it, per table, found from the database's foreign keys (followed recursively). --apply deletes the dependent rows children-first and then the users, in one transaction, and prints the Supabase auth user ids you may remove: the Supabase project is shared by every environment, so this tool never deletes there.",
  ].join("\n"),
  options: [
    { flags: "--apply", description: "delete (default: dry run)", group: OPTIONS },
    {
      flags: "--confirm <environment>",
      description: "required with --apply on production: --confirm production",
      group: OPTIONS,
    },
    {
      flags: "--database-url <url>",
      description: "connection URL (default: DATABASE_URL, else the stack output databaseUrl)",
      group: OPTIONS,
    },
    timeoutOption("connection and statement timeout", 60_000),
  ],
  exitCodes: [
    [0, "ok"],
    [1, "runtime error"],
    [2, "usage"],
    [
      3,
      "refused (production --apply without --confirm, --apply on a database not bound to this environment)",
    ],
  ],
  async run(ctx) {
    const environment = environmentArgument(ctx);
    const timeoutMs = ctx.opts.timeout as number;
    const apply = flagOption(ctx, "apply");
    const [{ checkBoundEnvironment, checkConfirmation }, { withEnvironmentClient }, cleanup] =
      await Promise.all([loadBinding(), loadReach(), loadCleanup()]);
    checkConfirmation("cleanup-test-users", environment, stringOption(ctx, "confirm"), {
      flag: "--apply",
      set: apply,
      doing: "deleting in",
    });
    const report = await withEnvironmentClient(
      {
        environment,
        databaseUrl: stringOption(ctx, "database-url"),
        env: ctx.io.env,
        timeoutMs,
        openProxy: ctx.io.openProxy,
      },
      (client) =>
        apply
          ? checkBoundEnvironment(
              client,
              `cleanup-test-users ${environment} --apply`,
              environment,
            ).then(() => cleanup.applyCleanup(client, environment, timeoutMs))
          : cleanup.planCleanup(client, environment),
    );
    if (ctx.json) ctx.out.json(report);
    else ctx.out.line(cleanup.renderCleanup(report));
    return ExitCode.ok;
  },
});
