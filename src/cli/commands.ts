/**
 * One thin handler per command: turns flags into runner options, runner data into text or a JSON
 * document, and decides the exit code. No database or file logic lives here.
 */
import { ExitCode, usageError } from "../migrations/errors";
import { maskSecrets } from "../migrations/postgresUrl";
import {
  baseline,
  bind,
  type FileStatus,
  type MigrateResult,
  migrate,
  type PlanResult,
  type ProgressEvent,
  plan,
  repair,
  type StatusResult,
  status,
  verify,
} from "../migrations/runner";
import { type Flags, type Invocation, parseDuration, parseOnOff } from "./args";
import type { Command } from "./help";

export interface HandlerResult {
  exitCode: number;
  /** Spread into the --json document (next to `ok`). */
  data: Record<string, unknown>;
  /** Printed on stdout in text mode (already-streamed progress is not repeated). */
  text: string;
}

const str = (flags: Flags, name: string) => flags[name] as string | undefined;

function timeouts(flags: Flags) {
  const out: { lockTimeoutMs?: number; lockWaitTimeoutMs?: number; statementTimeoutMs?: number } =
    {};
  const lock = str(flags, "lock-timeout");
  const wait = str(flags, "lock-wait-timeout");
  const stmt = str(flags, "statement-timeout");
  if (lock !== undefined) out.lockTimeoutMs = parseDuration("lock-timeout", lock);
  if (wait !== undefined) out.lockWaitTimeoutMs = parseDuration("lock-wait-timeout", wait);
  if (stmt !== undefined) out.statementTimeoutMs = parseDuration("statement-timeout", stmt);
  return out;
}

function common(inv: Invocation) {
  return {
    environment: inv.environment,
    databaseUrl: inv.databaseUrl,
    migrationsDir: inv.migrationsDir,
    ...(inv.modules ? { modules: inv.modules } : {}),
    ...(inv.supabaseProjectRef ? { supabaseProjectRef: inv.supabaseProjectRef } : {}),
  };
}

/** Streams per-file progress in text mode; silent with --json (one document on stdout). */
function progressPrinter(inv: Invocation): ((e: ProgressEvent) => void) | undefined {
  if (inv.json) return undefined;
  const mask = (t: string) => maskSecrets(t, [inv.databaseUrl]);
  const write = (t: string) => inv.io.stdout.write(mask(t));
  return (e) => {
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
  if (r.applied.length === 0) {
    return `${r.environment} (${r.database}): up to date, ${r.upToDate} files applied before, modules ${r.modules.join(",")}`;
  }
  return `${r.environment} (${r.database}): applied ${r.applied.length} file${r.applied.length === 1 ? "" : "s"} in ${total} ms (${r.upToDate} already applied), modules ${r.modules.join(",")}`;
}

async function runMigrate(inv: Invocation): Promise<HandlerResult> {
  const f = inv.flags;
  const isolation = parseOnOff("isolation", str(f, "isolation"));
  const onProgress = progressPrinter(inv);
  const result = await migrate({
    ...common(inv),
    ...timeouts(f),
    ...(isolation !== undefined ? { isolation } : {}),
    ...(str(f, "baseline") ? { baseline: str(f, "baseline") as string } : {}),
    ...(str(f, "confirm") ? { confirm: str(f, "confirm") as string } : {}),
    acceptDrift: f["accept-drift"] === true,
    ...(onProgress ? { onProgress } : {}),
  });
  return {
    exitCode: ExitCode.ok,
    data: { command: "migrate", ...result },
    text: migrateText(result),
  };
}

function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
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

function readOnlyExit(s: StatusResult, flags: Flags): number {
  if (!flags["exit-code"]) return ExitCode.ok;
  if (s.refusals.length > 0) return ExitCode.refused;
  return s.pending.length > 0 ? ExitCode.gap : ExitCode.ok;
}

async function runStatus(inv: Invocation): Promise<HandlerResult> {
  const s = await status(common(inv));
  return {
    exitCode: readOnlyExit(s, inv.flags),
    data: { command: "status", ...s },
    text: statusText(s),
  };
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

async function runPlan(inv: Invocation): Promise<HandlerResult> {
  const p = await plan(common(inv));
  return {
    exitCode: readOnlyExit(p, inv.flags),
    data: { command: "plan", ...p },
    text: planText(p),
  };
}

async function runVerify(inv: Invocation): Promise<HandlerResult> {
  const expected = str(inv.flags, "expected-supabase-project-ref");
  const database = str(inv.flags, "expected-database");
  const r = await verify({
    ...common(inv),
    ...(expected ? { expectedProjectRef: expected } : {}),
    ...(database ? { expectedDatabase: database } : {}),
  });
  return {
    exitCode: r.report.gaps > 0 ? ExitCode.gap : ExitCode.ok,
    data: { command: "verify", environment: r.environment, modules: r.modules, ...r.report },
    text: r.table.trimEnd(),
  };
}

async function runBaseline(inv: Invocation): Promise<HandlerResult> {
  const to = str(inv.flags, "to");
  if (!to) {
    throw usageError(
      `baseline needs --to: the last version to adopt, e.g. gaia-db baseline ${inv.environment} --to 0001 --confirm ${inv.environment}`,
    );
  }
  const onProgress = progressPrinter(inv);
  const r = await baseline({
    ...common(inv),
    ...timeouts(inv.flags),
    to,
    acceptDrift: inv.flags["accept-drift"] === true,
    ...(str(inv.flags, "confirm") ? { confirm: str(inv.flags, "confirm") as string } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  return {
    exitCode: ExitCode.ok,
    data: { command: "baseline", ...r },
    text: `${r.environment} (${r.database}): recorded ${r.baselined.length} file${r.baselined.length === 1 ? "" : "s"} as baseline`,
  };
}

async function runRepair(inv: Invocation): Promise<HandlerResult> {
  const file = str(inv.flags, "file");
  if (!file) {
    throw usageError(
      `repair needs --file, e.g. gaia-db repair ${inv.environment} --file core/0003_add_index.sql`,
    );
  }
  const r = await repair({ ...common(inv), ...timeouts(inv.flags), file });
  return {
    exitCode: ExitCode.ok,
    data: { command: "repair", ...r },
    text: r.repaired
      ? `${r.file}: recorded the new checksum ${r.newChecksum} (was ${r.oldChecksum})`
      : `${r.file}: the ledger already holds this checksum, nothing to repair`,
  };
}

async function runBind(inv: Invocation): Promise<HandlerResult> {
  const isolation = parseOnOff("isolation", str(inv.flags, "isolation"));
  const r = await bind({
    ...common(inv),
    ...timeouts(inv.flags),
    ...(isolation !== undefined ? { isolation } : {}),
    ...(str(inv.flags, "confirm") ? { confirm: str(inv.flags, "confirm") as string } : {}),
  });
  const before = r.previous
    ? `was ${r.previous.environment} / ${r.previous.supabaseProjectRef ?? "(no Supabase project)"}`
    : "was unbound";
  return {
    exitCode: ExitCode.ok,
    data: { command: "bind", ...r },
    text: `${r.database}: bound to ${r.environment} / ${r.supabaseProjectRef ?? "(no Supabase project)"}, isolation ${r.isolationEnforced ? "on" : "off"} (${before})`,
  };
}

export const handlers: Record<Command, (inv: Invocation) => Promise<HandlerResult>> = {
  migrate: runMigrate,
  plan: runPlan,
  status: runStatus,
  verify: runVerify,
  baseline: runBaseline,
  repair: runRepair,
  bind: runBind,
};
