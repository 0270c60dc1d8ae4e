/**
 * `gaia-db restore-drill <env>`: restores the latest complete snapshot (or `--snapshot <id>`) into
 * a temporary cluster, verifies it as a restore does, reports the recovery point (the snapshot's
 * age when the drill started) and the recovery time (from the start to a verified database), and
 * always destroys the temporary cluster: at its end, on a failure, and on SIGINT/SIGTERM
 * (restoreGuard.ts). The live cluster and the stack are only read: their snapshots are listed and
 * the stack's outputs read. Drill clusters an earlier interrupted run left are destroyed first.
 */
import { runtimeError, usageError } from "../shared/errors";
import {
  createFromSnapshot,
  listRestorable,
  type RestoreDeps,
  readStack,
  verifyRestored,
} from "./restore";
import { ClusterGuard } from "./restoreGuard";
import {
  drillPrefix,
  formatDuration,
  restoredAppName,
  type Verification,
  verificationProblems,
} from "./restorePlan";

export interface DrillReport {
  environment: string;
  /** The live cluster: read, never changed. */
  cluster: string;
  startedAt: string;
  snapshot: { id: string; volume: string; createdAt: string; status: string } | null;
  temporaryApp: string | null;
  /** Destroyed at the start: clusters of earlier drills that were cut off. */
  leftovers: string[];
  /** The snapshot's age when the drill started. */
  recoveryPointMs: number | null;
  /** From the start to a verified database (null when it never got there). */
  recoveryTimeMs: number | null;
  verification: Verification | null;
  problems: string[];
  destroyed: boolean;
  error: string | null;
  passed: boolean;
}

/**
 * Destroys the drill clusters earlier runs left (an interrupted run's own guard may not have had
 * the time: a CI cancellation sends SIGKILL seconds after SIGINT). Returns their names.
 */
export async function destroyLeftovers(deps: RestoreDeps, org: string): Promise<string[]> {
  const prefix = drillPrefix(deps.environment);
  const gone: string[] = [];
  for (const app of await deps.fly.appNames(org)) {
    if (!app.startsWith(prefix)) continue;
    deps.log(`${app} is left from an earlier drill: destroying it`);
    await deps.fly.destroy(app);
    gone.push(app);
  }
  return gone;
}

export async function runDrill(deps: RestoreDeps, o: { snapshot?: string }): Promise<DrillReport> {
  const started = deps.now();
  const stack = await readStack(deps);
  const report: DrillReport = {
    environment: deps.environment,
    cluster: stack.config.postgres.name,
    startedAt: started.toISOString(),
    snapshot: null,
    temporaryApp: null,
    leftovers: [],
    recoveryPointMs: null,
    recoveryTimeMs: null,
    verification: null,
    problems: [],
    destroyed: false,
    error: null,
    passed: false,
  };
  report.leftovers = await destroyLeftovers(deps, stack.config.fly.org);
  const snaps = await listRestorable(deps, stack);
  const snapshot = o.snapshot === undefined ? snaps[0] : snaps.find((s) => s.id === o.snapshot);
  if (snapshot === undefined)
    throw o.snapshot === undefined
      ? runtimeError(
          `${stack.config.postgres.name} has no complete snapshot to drill a restore with`,
        )
      : usageError(
          `--snapshot ${o.snapshot} is not a complete snapshot of ${stack.config.postgres.name}'s data volumes (complete: ${snaps.map((s) => s.id).join(", ") || "none"})`,
        );
  report.snapshot = {
    id: snapshot.id,
    volume: snapshot.volume,
    createdAt: snapshot.createdAt,
    status: snapshot.status,
  };
  report.recoveryPointMs = started.getTime() - Date.parse(snapshot.createdAt);
  const name = restoredAppName(deps.environment, "drill", started);
  report.temporaryApp = name;
  const guard = new ClusterGuard(deps.fly, deps.log);
  guard.arm(name);
  try {
    await createFromSnapshot(deps, stack, name, snapshot);
    report.verification = await verifyRestored(deps, stack, name, snapshot);
    report.problems = verificationProblems(report.verification);
    if (report.problems.length === 0)
      report.recoveryTimeMs = deps.now().getTime() - started.getTime();
  } catch (e) {
    report.error = (e as Error).message;
  } finally {
    try {
      await guard.destroy();
      report.destroyed = true;
    } catch (e) {
      report.error = [report.error, (e as Error).message].filter(Boolean).join("; ");
    }
  }
  report.passed = report.error === null && report.problems.length === 0 && report.destroyed;
  return report;
}

/** The report as Markdown: what the workflow posts to the job summary. */
export function renderDrill(r: DrillReport): string {
  const v = r.verification;
  const rows: [string, string][] = [
    ["result", r.passed ? "✅ passed" : `❌ failed: ${r.error ?? r.problems.join("; ")}`],
    [
      "snapshot",
      r.snapshot
        ? `\`${r.snapshot.id}\` of volume \`${r.snapshot.volume}\`, taken ${r.snapshot.createdAt} (listed as "${r.snapshot.status}")`
        : "none",
    ],
    [
      "recovery point",
      r.recoveryPointMs === null
        ? "unknown"
        : `${formatDuration(r.recoveryPointMs)} (the snapshot's age when the drill started)`,
    ],
    [
      "recovery time",
      r.recoveryTimeMs === null
        ? "not reached (no verified database)"
        : `${formatDuration(r.recoveryTimeMs)} (from the start to a verified database)`,
    ],
    [
      "temporary cluster",
      r.temporaryApp
        ? `\`${r.temporaryApp}\`, ${r.destroyed ? "destroyed" : `NOT destroyed: fly apps destroy ${r.temporaryApp} --yes`}`
        : "none made",
    ],
    ["verify", v ? `${v.verifyGaps} gap(s)` : "not reached"],
    [
      "ledger",
      v
        ? `${v.applied} file(s) applied${v.ledgerProblems.length > 0 ? `; ${v.ledgerProblems.join("; ")}` : ""}; lacks ${v.lacking.length === 0 ? "nothing the repository has" : v.lacking.map((l) => `\`${l.split(":")[0]}\``).join(", ")}`
        : "not reached",
    ],
    [
      "row counts",
      !v
        ? "not reached"
        : v.countProblems === null
          ? `${v.tables} tables counted; none were recorded for this snapshot, so not compared`
          : v.countProblems.length === 0
            ? `${v.tables} tables hold what was recorded when the snapshot was taken`
            : v.countProblems.join("; "),
    ],
    ["live cluster", `\`${r.cluster}\`: read only`],
  ];
  if (r.leftovers.length > 0)
    rows.push([
      "earlier drills",
      `destroyed first: ${r.leftovers.map((a) => `\`${a}\``).join(", ")}`,
    ]);
  return [
    `## Restore drill: ${r.environment}`,
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([k, val]) => `| ${k} | ${val.replaceAll("|", "\\|")} |`),
  ].join("\n");
}

export { makeRestoreDeps } from "./restore";
