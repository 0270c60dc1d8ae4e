/**
 * `gaia-db restore-drill <env>`: restores the latest complete snapshot into a temporary cluster,
 * verifies it, reports the recovery point and time, and always destroys the temporary cluster.
 */
import { ExitCode } from "../../shared/errors";
import { PROJECT_ROOT } from "../../shared/vocabulary";
import { loadRestoreDrill, loadStackConfig } from "../lazy";
import { OPTIONS } from "../options";
import { flagOption, stringOption } from "../spec";
import { environmentArgument, operationsCommand } from "./_operations";
import { flyEnvironmentArgument, restoreSetup } from "./_restore";

export const restoreDrill = operationsCommand({
  path: ["restore-drill"],
  summary: "restore the latest snapshot into a temporary cluster, verify it, destroy it",
  usage: "<environment> [options]",
  positionals: ["environment"],
  description: [
    "Restores the latest complete snapshot of the environment's Postgres data volumes (or --snapshot <id>) into a temporary cluster gaia-db-<env>-drill-<UTC time>, with the stack's postgres password, as gaia-db restore does; verifies it the same way (gaia-db verify, the ledger, the row counts recorded for the snapshot when there are any); and prints, as a Markdown table, the recovery point (the snapshot's age when the drill started) and the recovery time (from the start to a verified database).",
    "The temporary cluster is always destroyed: at the end, on a failure, and on SIGINT or SIGTERM (then the exit status is 130 or 143). Drill clusters an interrupted run left behind are destroyed first. The live cluster and the stack are only read (their snapshots listed, the stack's outputs read).",
  ].join("\n"),
  options: [
    {
      flags: "--snapshot <id>",
      description: "drill with this snapshot instead of the latest complete one",
      group: OPTIONS,
    },
    {
      flags: "--cleanup",
      description:
        "only destroy the drill clusters earlier runs left (what a cancelled workflow run does), then exit",
      group: OPTIONS,
    },
    {
      flags: "--project-dir <dir>",
      description: "where Pulumi.yaml and Pulumi.<env>.yaml live (default: this project)",
      group: OPTIONS,
    },
  ],
  exitCodes: [
    [0, "restored, verified and destroyed"],
    [1, "a step failed (the report says which; the temporary cluster is destroyed)"],
    [2, "usage or config"],
    [5, "the restored database failed its verification"],
    [130, "interrupted by SIGINT (143: SIGTERM), after destroying the temporary cluster"],
  ],
  async run(ctx) {
    const environment = flyEnvironmentArgument(ctx, environmentArgument(ctx));
    const { makeRestoreDeps, runDrill, renderDrill, destroyLeftovers } = await loadRestoreDrill();
    const deps = makeRestoreDeps(
      restoreSetup(ctx, environment, stringOption(ctx, "project-dir") ?? PROJECT_ROOT),
    );
    if (flagOption(ctx, "cleanup")) {
      const { readStackConfig } = await loadStackConfig();
      const org = JSON.parse(
        readStackConfig(deps.projectDir, environment).raw["gaia:fly"] ?? "{}",
      ).org;
      if (typeof org !== "string")
        throw ctx.usage(`Pulumi.${environment}.yaml sets no gaia:fly.org`);
      const gone = await destroyLeftovers(deps, org);
      if (ctx.json) ctx.out.json({ environment, destroyed: gone });
      else
        ctx.out.line(gone.length > 0 ? `destroyed: ${gone.join(", ")}` : "no drill cluster left");
      return ExitCode.ok;
    }
    const snapshot = stringOption(ctx, "snapshot");
    const report = await runDrill(deps, snapshot !== undefined ? { snapshot } : {});
    if (ctx.json) ctx.out.json(report);
    else ctx.out.line(renderDrill(report));
    if (report.error !== null) return ExitCode.runtime;
    return report.passed ? ExitCode.ok : ExitCode.gap;
  },
});
