/** `gaia-db status` and `gaia-db plan`: what migrate would do, read-only. */
import type { FileStatus } from "../../migrations/analysis";
import type { PlanResult } from "../../migrations/commands/plan";
import type { StatusResult } from "../../migrations/commands/status";
import { ExitCode } from "../../shared/errors";
import { loadPlan, loadStatus } from "../lazy";
import { OPTIONS } from "../options";
import type { OptionSpec, RunContext } from "../spec";
import { commonRunnerOptions, migrationCommand } from "./_migration";

const EXIT_CODE_OPTION: OptionSpec = {
  flags: "--exit-code",
  description: "exit 3 if migrate would refuse, 5 if files are pending",
  group: OPTIONS,
};

function pad(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function stateNote(f: FileStatus): string {
  if (f.state === "partial") return `${f.statementsApplied}/${f.statementsTotal} statements`;
  if (f.state === "changed") return "checksum differs from the ledger";
  if (f.drift) return "adopted with drift";
  return f.appliedAt ?? "";
}

function statusText(s: StatusResult): string {
  const b = s.binding;
  const lines = [
    `environment ${s.environment}, database ${s.database}, modules ${s.modules.join(",")}`,
    b
      ? `bound to ${b.environment}, Supabase project ${b.supabase_project_ref ?? "(none)"}, isolation ${b.isolation_enforced ? "on" : "off"}`
      : "not bound (no gaia_migrations ledger yet)",
    "",
    pad([
      ["FILE", "STATE", "NOTES"],
      ...s.files.map((f) => [f.file, f.state, stateNote(f)]),
      ...s.missing.map((m) => [m.file, "missing", "applied but not on disk"]),
    ]),
    "",
    `${s.pending.length} pending`,
  ];
  if (s.refusals.length > 0) {
    lines.push("", "migrate would refuse:", ...s.refusals.map((r) => `  - ${r}`));
  }
  return lines.join("\n");
}

function planText(p: PlanResult): string {
  const lines = [
    `environment ${p.environment}, database ${p.database}, modules ${p.modules.join(",")}`,
  ];
  if (p.steps.length === 0) lines.push("nothing to apply");
  else {
    lines.push(
      `migrate would apply ${p.steps.length} file${p.steps.length === 1 ? "" : "s"}:`,
      pad(
        p.steps.map((s) => [
          `  ${s.file}`,
          `${s.statements} statements`,
          s.transaction ? "one transaction" : `no transaction, from statement ${s.fromStatement}`,
        ]),
      ),
    );
  }
  if (p.refusals.length > 0) {
    lines.push("", "migrate would refuse:", ...p.refusals.map((r) => `  - ${r}`));
  }
  return lines.join("\n");
}

function readOnlyExit(s: StatusResult, ctx: RunContext): number {
  if (ctx.opts["exit-code"] !== true) return ExitCode.ok;
  if (s.refusals.length > 0) return ExitCode.refused;
  return s.pending.length > 0 ? ExitCode.gap : ExitCode.ok;
}

export const plan = migrationCommand({
  name: "plan",
  summary: "show what migrate would do; read-only",
  description:
    "Shows the files migrate would apply (with statement counts) and why it would refuse, without taking the lock or creating anything.",
  options: [EXIT_CODE_OPTION],
  load: loadPlan,
  timeouts: false,
  async handle(inv, runner) {
    const p = await runner.plan(commonRunnerOptions(inv));
    return {
      exitCode: readOnlyExit(p, inv.ctx),
      data: { command: "plan", ...p },
      text: planText(p),
    };
  },
});

export const status = migrationCommand({
  name: "status",
  summary: "show every file's state; read-only",
  description:
    "Shows every file's state (applied, baseline, pending, partial, changed, out-of-order), missing files and the binding, without taking the lock or creating anything.",
  options: [EXIT_CODE_OPTION],
  load: loadStatus,
  timeouts: false,
  async handle(inv, runner) {
    const s = await runner.status(commonRunnerOptions(inv));
    return {
      exitCode: readOnlyExit(s, inv.ctx),
      data: { command: "status", ...s },
      text: statusText(s),
    };
  },
});
