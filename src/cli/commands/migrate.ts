/** `gaia-db migrate`: applies the pending files. */

import type { MigrateResult } from "../../migrations/commands/migrate";
import { type HeldFile, parseHeldBack } from "../../migrations/heldBack";
import type { ProgressEvent } from "../../migrations/session";
import { ExitCode } from "../../shared/errors";
import { loadMigrate } from "../lazy";
import { isolationOption, OPTIONS } from "../options";
import { flagOption, stringOption } from "../spec";
import {
  commonRunnerOptions,
  type Invocation,
  migrationCommand,
  timeoutRunnerOptions,
} from "./_migration";

/**
 * Streams per-file progress in text mode (with --json stdout holds only the one document), and
 * warnings on stderr in both modes, as they happen: a later failure must not hide them.
 */
export function progressPrinter(inv: Invocation): (e: ProgressEvent) => void {
  const write = (t: string) => inv.ctx.out.write(t);
  return (e) => {
    if (e.type === "warning") {
      inv.ctx.out.warn(e.message);
      return;
    }
    if (inv.json) return;
    if (e.type === "lock-wait") write("waiting for the migration lock...\n");
    else if (e.type === "file-start") {
      const resume = e.resumeAt > 0 ? ` (resuming at statement ${e.resumeAt + 1})` : "";
      write(`applying ${e.file}${resume} ... `);
    } else if (e.type === "file-done") {
      write(`done: ${e.statements} statements, ${e.durationMs} ms\n`);
    } else if (e.type === "baseline") {
      write(
        `baselined ${e.files.join(", ")}${e.drift.length > 0 ? ` with ${e.drift.length} accepted differences` : " (schema matches)"}\n`,
      );
    }
  };
}

function migrateText(r: MigrateResult): string {
  const total = r.applied.reduce((sum, f) => sum + f.durationMs, 0);
  const lines = [
    r.applied.length === 0
      ? r.held.length === 0
        ? `${r.environment} (${r.database}): up to date, ${r.upToDate} files applied before, modules ${r.modules.join(",")}`
        : `${r.environment} (${r.database}): applied nothing, ${r.upToDate} files applied before, modules ${r.modules.join(",")}`
      : `${r.environment} (${r.database}): applied ${r.applied.length} file${r.applied.length === 1 ? "" : "s"} in ${total} ms (${r.upToDate} already applied), modules ${r.modules.join(",")}`,
    ...r.held.map((h) => `not applied: ${h.file}: ${h.reason}`),
    ...r.released.map(
      (h) =>
        `released: ${h.file}: ${h.reason}; its gaia:migrations.heldBack entry can go (gaia-db restore ${r.environment} --release)`,
    ),
  ];
  return lines.join("\n");
}

export const migrate = migrationCommand({
  name: "migrate",
  summary: "apply pending migration files (takes the migration lock)",
  description: [
    'Applies the pending files of the selected modules, in order (core, vector, rbac, experience), one transaction per file; a file whose first line is "-- gaia:no-transaction" runs statement by statement and resumes where it stopped. Refuses changed, missing or out-of-order files, a database bound to another environment or Supabase project, and an unmanaged database with tables. A re-run with nothing pending changes nothing.',
  ].join("\n"),
  options: [
    isolationOption(
      "enforce environment isolation of users (binding.isolation_enforced); a new binding defaults to on for production, off elsewhere; omitted, an existing binding keeps its setting",
    ),
    {
      flags: "--baseline <versions>",
      description:
        "declared baseline (gaia:migrations.baseline), used only when the database has tables but no ledger, e.g. 0001 or 0001,vector:0001",
      group: OPTIONS,
    },
    {
      flags: "--confirm <env>",
      description: "required with --baseline on production",
      group: OPTIONS,
    },
    {
      flags: "--accept-drift",
      description: "with --baseline: adopt despite schema differences, recording them",
      group: OPTIONS,
    },
    {
      flags: "--hold-back <file:sha256>",
      description:
        "a file not to apply while it is pending with this checksum, nor anything after it (gaia:migrations.heldBack, written by gaia-db restore); repeatable",
      group: OPTIONS,
      repeatable: true,
      parse: (value: string) => parseHeldBack(value, "--hold-back"),
    },
  ],
  load: loadMigrate,
  timeouts: true,
  async handle(inv, runner) {
    const isolation = inv.ctx.opts.isolation as boolean | undefined;
    const baseline = stringOption(inv.ctx, "baseline");
    const confirm = stringOption(inv.ctx, "confirm");
    const onProgress = progressPrinter(inv);
    const result = await runner.migrate({
      ...commonRunnerOptions(inv),
      ...timeoutRunnerOptions(inv),
      ...(isolation !== undefined ? { isolation } : {}),
      ...(baseline ? { baseline } : {}),
      ...(confirm ? { confirm } : {}),
      acceptDrift: flagOption(inv.ctx, "accept-drift"),
      onProgress,
      heldBack: (inv.ctx.opts["hold-back"] as HeldFile[] | undefined) ?? [],
    });
    return {
      exitCode: ExitCode.ok,
      data: { command: "migrate", ...result },
      text: migrateText(result),
    };
  },
});
