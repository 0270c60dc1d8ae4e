/**
 * `gaia-db restore <env>`: lists the complete snapshots of the environment's Postgres volumes;
 * with --snapshot and --confirm restores one into a new cluster with the stack's password,
 * verifies it, holds back the files its ledger lacks and switches the stack to it (one
 * `pulumi up`, the old cluster retained). `--release` lets the held-back files apply again.
 */
import { ExitCode } from "../../shared/errors";
import { PROJECT_ROOT } from "../../shared/vocabulary";
import { loadRestore } from "../lazy";
import { OPTIONS } from "../options";
import { flagOption, stringOption } from "../spec";
import { environmentArgument, operationsCommand } from "./_operations";
import { flyEnvironmentArgument, restoreSetup } from "./_restore";

export const restore = operationsCommand({
  path: ["restore"],
  summary: "restore a snapshot into a new cluster and switch the stack to it",
  usage: "<environment> [--snapshot <id> --confirm <environment>] [options]",
  positionals: ["environment"],
  description: [
    "Without --snapshot: lists the complete snapshots of the environment's Postgres data volumes (newest first) with their age, the pre-migration set the stack took each for (and whether row counts were recorded), and the files the live ledger applied after each (what restoring it rolls back). Reads only.",
    "With --snapshot <id>: says what it will do and, with --confirm <environment>, does it: `fly postgres create --snapshot-id <id> --password <the stack's postgres password>` into a new app (Fly apps cannot be renamed; default gaia-db-<env>-restore-<UTC time>), waits for it, verifies it (gaia-db verify for the modules its binding records, its ledger, its row counts against those recorded when the snapshot was taken), then writes gaia:postgres.name, gaia:migrations.heldBack (the files its ledger lacks: the next pulumi up does not apply them again) and gaia:services.adoptSecrets (DATABASE_URL) into Pulumi.<env>.yaml and runs pulumi up: the services' DATABASE_URL is restaged through the stack, the old cluster is retained. A failure or an interrupt before the switch destroys the new cluster; nothing is switched when the verification fails.",
    "--release drops gaia:migrations.heldBack (with --confirm <environment>): the next pulumi up applies those files.",
  ].join("\n"),
  options: [
    {
      flags: "--snapshot <id>",
      description: "the snapshot to restore (a complete one: listed with an id)",
      group: OPTIONS,
    },
    {
      flags: "--confirm <env>",
      description: "repeat the environment to make the change (required to restore or release)",
      group: OPTIONS,
    },
    {
      flags: "--name <app>",
      description:
        "the restored cluster's app name (default gaia-db-<env>-restore-<yyyymmdd>-<hhmm>)",
      group: OPTIONS,
    },
    {
      flags: "--release",
      description: "drop gaia:migrations.heldBack, so the next pulumi up applies those files",
      group: OPTIONS,
    },
    {
      flags: "--project-dir <dir>",
      description: "where Pulumi.yaml and Pulumi.<env>.yaml live (default: this project)",
      group: OPTIONS,
    },
  ],
  exitCodes: [
    [0, "listed, restored and switched, or released"],
    [
      1,
      "runtime error (flyctl or pulumi failing; a new cluster made before the switch is destroyed)",
    ],
    [2, "usage or config"],
    [3, "refused (no --confirm <environment>, or an app of that name exists)"],
    [5, "the restored database failed its verification: not switched, and destroyed"],
  ],
  async run(ctx) {
    const environment = flyEnvironmentArgument(ctx, environmentArgument(ctx));
    const { makeRestoreDeps, runRestore, releaseHeldBack, renderRestore } = await loadRestore();
    const deps = makeRestoreDeps(
      restoreSetup(ctx, environment, stringOption(ctx, "project-dir") ?? PROJECT_ROOT),
    );
    const confirm = stringOption(ctx, "confirm");
    if (flagOption(ctx, "release")) {
      if (stringOption(ctx, "snapshot") !== undefined)
        throw ctx.usage("--release and --snapshot are two different runs: give one");
      const r = await releaseHeldBack(deps, confirm);
      if (ctx.json) ctx.out.json({ environment, ...r });
      else
        ctx.out.line(
          [
            r.released.length > 0
              ? `released: ${r.released.map((h) => h.split(":")[0]).join(", ")}`
              : "",
            ...r.nextSteps,
          ]
            .filter(Boolean)
            .join("\n"),
        );
      return ExitCode.ok;
    }
    const snapshot = stringOption(ctx, "snapshot");
    const name = stringOption(ctx, "name");
    const report = await runRestore(deps, {
      ...(snapshot !== undefined ? { snapshot } : {}),
      ...(confirm !== undefined ? { confirm } : {}),
      ...(name !== undefined ? { name } : {}),
    });
    if (ctx.json) ctx.out.json(report);
    else ctx.out.line(renderRestore(report));
    return report.problems && report.problems.length > 0 ? ExitCode.gap : ExitCode.ok;
  },
});
