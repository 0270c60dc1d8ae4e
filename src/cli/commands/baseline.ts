/** `gaia-db baseline`: adopts an existing database after checking its schema. */
import { ExitCode } from "../../shared/errors";
import { loadBaseline } from "../lazy";
import { OPTIONS } from "../options";
import { flagOption, stringOption } from "../spec";
import { commonRunnerOptions, migrationCommand, timeoutRunnerOptions } from "./_migration";
import { progressPrinter } from "./migrate";

export const baseline = migrationCommand({
  name: "baseline",
  summary: "adopt an existing database: mark files as applied after checking its schema",
  usage: "<environment> --to <versions> --confirm <environment> [options]",
  description:
    'Adopts an existing database: builds the schema the files up to --to produce in a scratch database on the same server (needs CREATEDB), compares it with schema public, and only then records those files as applied (kind "baseline"). Refuses and prints the differences on drift.',
  options: [
    {
      flags: "--to <versions>",
      description: "last version per module: 0001 (core), or 0001,vector:0001",
      group: OPTIONS,
    },
    { flags: "--confirm <env>", description: "repeat the environment (required)", group: OPTIONS },
    {
      flags: "--accept-drift",
      description: "adopt despite differences; the diff is stored in the ledger",
      group: OPTIONS,
    },
  ],
  // The modules are the ones --to names.
  without: ["--modules"],
  load: loadBaseline,
  timeouts: true,
  async handle(inv, runner) {
    const to = stringOption(inv.ctx, "to");
    if (!to) {
      throw inv.ctx.usage(
        `baseline needs --to: the last version to adopt, e.g. gaia-db baseline ${inv.environment} --to 0001 --confirm ${inv.environment}`,
      );
    }
    const confirm = stringOption(inv.ctx, "confirm");
    const onProgress = progressPrinter(inv);
    const r = await runner.baseline({
      ...commonRunnerOptions(inv),
      ...timeoutRunnerOptions(inv),
      to,
      acceptDrift: flagOption(inv.ctx, "accept-drift"),
      ...(confirm ? { confirm } : {}),
      onProgress,
    });
    return {
      exitCode: ExitCode.ok,
      data: { command: "baseline", ...r },
      text: `${r.environment} (${r.database}): recorded ${r.baselined.length} file${r.baselined.length === 1 ? "" : "s"} as baseline`,
    };
  },
});
