/** `gaia-db repair`: accepts an edited, equivalent applied file. */
import { ExitCode } from "../../shared/errors";
import { loadRepair } from "../lazy";
import { OPTIONS } from "../options";
import { stringOption } from "../spec";
import { commonRunnerOptions, migrationCommand, timeoutRunnerOptions } from "./_migration";

export const repair = migrationCommand({
  name: "repair",
  summary: "accept an edited, equivalent applied file (records old and new checksum)",
  usage: "<environment> --file <module>/<NNNN_name.sql> [options]",
  description:
    "Records the current checksum of an applied file whose text was edited without changing its effect (comments, formatting); the old and new checksums go to gaia_migrations.history. Never use it to change what a migration does: write a new file instead.",
  options: [
    { flags: "--file <path>", description: "e.g. core/0003_add_index.sql", group: OPTIONS },
  ],
  load: loadRepair,
  timeouts: true,
  async handle(inv, runner) {
    const file = stringOption(inv.ctx, "file");
    if (!file) {
      throw inv.ctx.usage(
        `repair needs --file, e.g. gaia-db repair ${inv.environment} --file core/0003_add_index.sql`,
      );
    }
    const r = await runner.repair({
      ...commonRunnerOptions(inv),
      ...timeoutRunnerOptions(inv),
      file,
    });
    return {
      exitCode: ExitCode.ok,
      data: { command: "repair", ...r },
      text: r.repaired
        ? `${r.file}: recorded the new checksum ${r.newChecksum} (was ${r.oldChecksum})`
        : `${r.file}: the ledger already holds this checksum, nothing to repair`,
    };
  },
});
