/**
 * `gaia-db restore <env>`: list the restorable snapshots; with `--snapshot <id>`, say what it
 * will do and, with `--confirm <env>`, restore it into a new cluster with the stack's password,
 * verify it, hold back the files its ledger lacks, and switch the stack to it through config and
 * one `pulumi up` (the old cluster retained). `--release` drops the held-back files.
 *
 * Why a command and not a config-driven `pulumi up`: a snapshot restore waits up to an hour per
 * machine (flyctl's launcher), beyond the 30-minute timeout of a Fly command, and the switch must
 * not happen before the restored database is verified; the command also shares every step with
 * the drill, which must never touch the stack.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { refusedError, runtimeError, usageError } from "../shared/errors";
import { PROJECT_ROOT } from "../shared/vocabulary";
import {
  createFromSnapshot,
  listRestorable,
  liveApplied,
  type RestoreDeps,
  readStack,
  type StackView,
  verifyRestored,
} from "./restore";
import { ClusterGuard } from "./restoreGuard";
import {
  type AppliedFile,
  formatDuration,
  precedes,
  type RestorableSnapshot,
  restoredAppName,
  switchCommands,
  switchConfig,
  type Verification,
  verificationProblems,
} from "./restorePlan";
import { pulumiEnvironmentFor, readStackOutputs, runProgram } from "./stack";

const POLICY_PACK = join(PROJECT_ROOT, "policy");

export interface ListedSnapshot {
  id: string;
  volume: string;
  createdAt: string;
  age: string;
  status: string;
  /** The pre-migration set it was taken for, when the stack recorded it. */
  migrationSet: string | null;
  rowCountsRecorded: boolean;
  /** Files the live ledger applied after it (null when the live ledger could not be read). */
  precedes: string[] | null;
}

export interface RestoreReport {
  environment: string;
  cluster: string;
  snapshots: ListedSnapshot[];
  /** Why `precedes` is unknown, when it is. */
  liveLedger: string | null;
  plan?: string[];
  restoredApp?: string;
  verification?: Verification;
  problems?: string[];
  switched?: {
    app: string;
    heldBack: string[];
    retained: string[];
    serviceSecretsStaged: unknown;
    serviceSecretsKept: unknown;
  };
  nextSteps: string[];
}

export function listed(
  snapshots: readonly RestorableSnapshot[],
  applied: AppliedFile[] | { unreadable: string },
  now: Date,
): ListedSnapshot[] {
  return snapshots.map((s) => ({
    id: s.id,
    volume: s.volume,
    createdAt: s.createdAt,
    age: formatDuration(now.getTime() - Date.parse(s.createdAt)),
    status: s.status,
    migrationSet: s.recorded ? s.recorded.migrationsChecksum.slice(0, 12) : null,
    rowCountsRecorded: s.recorded?.rowCounts != null,
    precedes: Array.isArray(applied) ? precedes(s, applied) : null,
  }));
}

/** The listing as text: one block per snapshot. */
export function renderListing(report: RestoreReport): string {
  const lines = [`Complete snapshots of ${report.cluster} (${report.environment}), newest first:`];
  if (report.snapshots.length === 0) lines.push("  none");
  for (const s of report.snapshots) {
    lines.push(
      `  ${s.id}  volume ${s.volume}, taken ${s.createdAt} (${s.age} ago), listed as "${s.status}"`,
      `    ${s.migrationSet ? `pre-migration snapshot of set ${s.migrationSet}, row counts ${s.rowCountsRecorded ? "recorded" : "not recorded"}` : "not taken by the stack (no row counts recorded)"}`,
      `    precedes: ${s.precedes === null ? "unknown (the live ledger could not be read)" : s.precedes.length === 0 ? "nothing applied since" : s.precedes.join(", ")}`,
    );
  }
  if (report.liveLedger) lines.push(`(live ledger: ${report.liveLedger})`);
  return lines.join("\n");
}

function planLines(
  deps: RestoreDeps,
  stack: StackView,
  s: RestorableSnapshot,
  name: string,
  list: ListedSnapshot,
): string[] {
  const env = deps.environment;
  const old = stack.config.postgres.name;
  return [
    `create ${name} from snapshot ${s.id} (volume ${s.volume}, taken ${s.createdAt}, ${list.age} ago) with the stack's postgres password: fly postgres create --name ${name} … --snapshot-id ${s.id} --password [redacted]`,
    `wait for it, then verify it: gaia-db verify, its ledger, and its row counts ${s.recorded?.rowCounts ? "against those recorded when the snapshot was taken" : "(none were recorded for this snapshot: counted, not compared)"}`,
    `hold back the files its ledger lacks (gaia:migrations.heldBack)${list.precedes && list.precedes.length > 0 ? `, expected: ${list.precedes.join(", ")}` : ""}, so the next pulumi up does not apply them again`,
    `switch the stack: gaia:postgres.name ${old} → ${name}, DATABASE_URL adopted on every service app (gaia:services.adoptSecrets), then pulumi up -s ${env}`,
    `keep ${old}: the switch never destroys it`,
    `on a failure or an interrupt before the switch, destroy ${name} (nothing points at it yet)`,
  ];
}

export interface RestoreOptions {
  snapshot?: string;
  confirm?: string;
  name?: string;
}

/** The listing, the plan, or the whole restore, by the options given. */
export async function runRestore(deps: RestoreDeps, o: RestoreOptions): Promise<RestoreReport> {
  const env = deps.environment;
  const stack = await readStack(deps);
  const snaps = await listRestorable(deps, stack);
  const applied = await liveApplied(deps, stack);
  const now = deps.now();
  const list = listed(snaps, applied, now);
  const report: RestoreReport = {
    environment: env,
    cluster: stack.config.postgres.name,
    snapshots: list,
    liveLedger: Array.isArray(applied) ? null : applied.unreadable,
    nextSteps: [],
  };
  if (o.snapshot === undefined) {
    if (o.confirm !== undefined)
      throw usageError("--confirm goes with --snapshot <id>: name the snapshot to restore");
    report.nextSteps.push(
      `to restore one: gaia-db restore ${env} --snapshot <id> --confirm ${env}`,
    );
    return report;
  }
  const i = snaps.findIndex((s) => s.id === o.snapshot);
  if (i < 0)
    throw usageError(
      `--snapshot ${o.snapshot} is not a complete snapshot of ${stack.config.postgres.name}'s data volumes (complete: ${snaps.map((s) => s.id).join(", ") || "none"}); a pending one has no id yet`,
    );
  const snapshot = snaps[i]!;
  const name = o.name ?? restoredAppName(env, "restore", now);
  if (!/^[a-z0-9](?:[a-z0-9-]{0,60}[a-z0-9])?$/.test(name))
    throw usageError(`--name ${name}: a Fly app name is lowercase letters, digits and dashes`);
  report.plan = planLines(deps, stack, snapshot, name, list[i]!);
  if (o.confirm !== env)
    throw refusedError(
      `restore ${env} --snapshot ${snapshot.id} would change the ${env} stack as follows; pass --confirm ${env} to do it${o.confirm === undefined ? "" : ` (got --confirm ${o.confirm})`}`,
      report.plan.map((p, n) => `${n + 1}. ${p}`),
    );
  if ((await deps.fly.status(name)) !== null)
    throw refusedError(`an app named ${name} exists already: choose another --name`);

  const guard = new ClusterGuard(deps.fly, deps.log);
  guard.arm(name);
  report.restoredApp = name;
  try {
    await createFromSnapshot(deps, stack, name, snapshot);
    report.verification = await verifyRestored(deps, stack, name, snapshot);
  } catch (e) {
    await guard.destroy();
    throw e;
  }
  const problems = verificationProblems(report.verification);
  if (problems.length > 0) {
    report.problems = problems;
    await guard.destroy();
    report.nextSteps.push(
      `nothing was switched and ${name} was destroyed; the snapshot is unchanged: inspect a restore of it with gaia-db restore-drill ${env} --snapshot ${snapshot.id}`,
    );
    return report;
  }
  // From here the stack may point at it: it is never destroyed by this command.
  guard.disarm();
  report.switched = await switchStack(deps, stack, name, report.verification.lacking);
  report.nextSteps.push(
    `commit Pulumi.${env}.yaml: the next deploy reads the stack file from git, and without these lines it would point the stack back at ${stack.config.postgres.name}`,
    `deploy the services (fly secrets deploy -a <app>, or their own fly deploy) so their machines read the new DATABASE_URL`,
    ...(report.switched.heldBack.length > 0
      ? [
          `the held-back files stay unapplied until reverted, replaced by a forward fix, or released with gaia-db restore ${env} --release --confirm ${env}`,
        ]
      : []),
    `${report.switched.retained.join(", ")} is retained: destroy it by hand (fly apps destroy <app> --yes) once it is no longer needed`,
  );
  return report;
}

/** Runs `pulumi <argv>` for the stack, from the project directory; its output goes to `log`. */
function pulumi(deps: RestoreDeps, argv: string[], stream: boolean): Promise<number | null> {
  const env = pulumiEnvironmentFor(deps.environment, deps.env);
  const binary = deps.pulumiBinary ?? "pulumi";
  if (!stream)
    return runProgram(binary, argv, { env, cwd: deps.projectDir, timeoutMs: 120_000 }).then((r) => {
      if (r.code !== 0)
        throw runtimeError(
          `pulumi ${argv.slice(0, 3).join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`,
        );
      return r.code;
    });
  return new Promise((resolve, reject) => {
    const child = spawn(binary, argv, {
      env,
      cwd: deps.projectDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const forward = (d: Buffer) => {
      for (const line of d.toString().split("\n")) if (line.trim() !== "") deps.log(line);
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("error", (e) => reject(runtimeError(`could not run ${binary}: ${e.message}`)));
    child.on("close", resolve);
  });
}

async function switchStack(
  deps: RestoreDeps,
  stack: StackView,
  name: string,
  lacking: readonly string[],
): Promise<NonNullable<RestoreReport["switched"]>> {
  const env = deps.environment;
  const object = (key: string) => JSON.parse(stack.raw[key] ?? "{}") as Record<string, unknown>;
  const migrations = object("gaia:migrations");
  const services = object("gaia:services");
  const target = switchConfig(
    {
      heldBack: stack.config.migrations.heldBack ?? [],
      adoptSecrets: stack.config.services.adoptSecrets,
    },
    name,
    lacking,
  );
  const cmds = switchCommands(
    env,
    { heldBack: "heldBack" in migrations, adoptSecrets: "adoptSecrets" in services },
    target,
  );
  for (const argv of cmds) {
    deps.log(`pulumi ${argv.join(" ")}`);
    await pulumi(deps, argv, false);
  }
  // With the policy pack, as the deploy workflow runs it: production's data stays protected.
  const up = ["up", "--yes", "--non-interactive", "--policy-pack", POLICY_PACK, "-s", env];
  deps.log(`pulumi ${up.join(" ")}`);
  const code = await pulumi(deps, up, true);
  if (code !== 0)
    throw runtimeError(
      `pulumi up -s ${env} failed (exit ${code}) after the stack file was switched to ${name} (${stack.config.postgres.name} is untouched): fix what it reports and run pulumi up -s ${env} again to finish`,
    );
  const outputs = await readStackOutputs(env, {
    env: deps.env,
    pulumiBinary: deps.pulumiBinary,
    cwd: deps.projectDir,
  });
  if (outputs.postgresApp !== name)
    throw runtimeError(
      `after pulumi up the stack's postgresApp is ${String(outputs.postgresApp)}, not ${name}: check Pulumi.${env}.yaml`,
    );
  return {
    app: name,
    heldBack: target.heldBack,
    retained: Array.isArray(outputs.postgresRetainedClusters)
      ? (outputs.postgresRetainedClusters as string[])
      : [stack.config.postgres.name],
    serviceSecretsStaged: outputs.serviceSecretsStaged ?? null,
    serviceSecretsKept: outputs.serviceSecretsKept ?? null,
  };
}

/** `--release`: the held-back files may be applied by the next `pulumi up`. */
export async function releaseHeldBack(
  deps: RestoreDeps,
  confirm: string | undefined,
): Promise<{ released: string[]; nextSteps: string[] }> {
  const env = deps.environment;
  const stack = await readStack(deps);
  const held = stack.config.migrations.heldBack ?? [];
  if (held.length === 0) return { released: [], nextSteps: [`nothing is held back on ${env}`] };
  if (confirm !== env)
    throw refusedError(
      `releasing lets the next pulumi up -s ${env} apply ${held.map((h) => h.split(":")[0]).join(", ")} again: pass --confirm ${env}`,
    );
  await pulumi(deps, ["config", "rm", "--path", "gaia:migrations.heldBack", "-s", env], false);
  return {
    released: held,
    nextSteps: [
      `commit Pulumi.${env}.yaml; the next pulumi up -s ${env} applies the released files (after a new pre-migration snapshot on production)`,
    ],
  };
}

export function renderRestore(r: RestoreReport): string {
  const out = [renderListing(r)];
  if (r.plan) out.push("", "Plan:", ...r.plan.map((p, i) => `  ${i + 1}. ${p}`));
  if (r.verification) {
    const v = r.verification;
    out.push(
      "",
      `Restored ${r.restoredApp}:`,
      `  verify: ${v.verifyGaps} gap(s)`,
      `  ledger: ${v.applied} file(s) applied; lacks ${v.lacking.length === 0 ? "nothing" : v.lacking.map((l) => l.split(":")[0]).join(", ")}`,
      `  row counts: ${v.countProblems === null ? `${v.tables} tables counted; none were recorded for this snapshot` : v.countProblems.length === 0 ? `${v.tables} tables hold what was recorded for the snapshot` : `${v.countProblems.length} problem(s)`}`,
    );
  }
  if (r.problems && r.problems.length > 0)
    out.push("", "Not switched:", ...r.problems.map((p) => `  - ${p}`));
  if (r.switched)
    out.push(
      "",
      `Switched: the stack uses ${r.switched.app}; held back: ${r.switched.heldBack.map((h) => h.split(":")[0]).join(", ") || "nothing"}; retained: ${r.switched.retained.join(", ")}`,
    );
  if (r.nextSteps.length > 0) out.push("", "Next:", ...r.nextSteps.map((s) => `  - ${s}`));
  return out.join("\n");
}

export { makeRestoreDeps } from "./restore";
