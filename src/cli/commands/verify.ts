/** `gaia-db verify <environment>`: the "Verification Status" table of one database. */
import { ExitCode } from "../../shared/errors";
import { loadVerify } from "../lazy";
import { OPTIONS, supabaseRefOption } from "../options";
import { stringOption } from "../spec";
import { commonRunnerOptions, migrationCommand } from "./_migration";

export const verify = migrationCommand({
  name: "verify",
  summary: 'compare the live schema with the selected modules ("Verification Status")',
  description:
    'Compares the tables in schema public with the selected modules and the bound Supabase project, and prints the "Verification Status" table. Exits 5 on any gap.',
  options: [
    supabaseRefOption(
      "--expected-supabase-project-ref <ref>",
      "the project ref the environment should be bound to (default: --supabase-project-ref, else gaia-platform-v2's)",
      OPTIONS,
    ),
    {
      flags: "--expected-database <name>",
      description: "the database name the environment should use (default llm_platform)",
      group: OPTIONS,
    },
  ],
  load: loadVerify,
  timeouts: false,
  async handle(inv, runner) {
    const expected = stringOption(inv.ctx, "expected-supabase-project-ref");
    const database = stringOption(inv.ctx, "expected-database");
    const r = await runner.verify({
      ...commonRunnerOptions(inv),
      ...(expected ? { expectedProjectRef: expected } : {}),
      ...(database ? { expectedDatabase: database } : {}),
    });
    return {
      exitCode: r.report.gaps > 0 ? ExitCode.gap : ExitCode.ok,
      data: { command: "verify", environment: r.environment, modules: r.modules, ...r.report },
      text: r.table.trimEnd(),
    };
  },
});
