/**
 * The pure decisions of `gaia-db restore` and `gaia-db restore-drill`: which snapshots can be
 * restored and what each one precedes, the name of the cluster a restore makes, the flyctl argv
 * that makes it, which files the restored ledger lacks (held back), the config a switch writes,
 * and the reports. The steps that act on Fly and the stack are in restore.ts.
 */
import { postgresCreateArgs } from "../fly/flags";
import type { Snapshot } from "../fly/parsers";
import type { RecordedSnapshot } from "../fly/snapshots";
import { PG_CREATE_GUESTS, type PgVmSize } from "../fly/vmSizes";
import type { CountWindow } from "../migrations/rowCounts";
import type { Environment } from "../shared/vocabulary";

/** A complete snapshot of one of the cluster's data volumes. */
export interface RestorableSnapshot {
  id: string;
  volume: string;
  createdAt: string;
  /** The API's word, shown as it is. */
  status: string;
  volumeSizeBytes: number;
  /** What the stack recorded when it took it (a pre-migration snapshot), else null. */
  recorded: RecordedSnapshot | null;
}

/** Complete snapshots only (a pending one has no id and cannot be restored), newest first. */
export function restorable(
  byVolume: readonly { volume: string; snapshots: readonly Snapshot[] }[],
  recorded: readonly RecordedSnapshot[],
): RestorableSnapshot[] {
  const known = new Map(recorded.map((r) => [r.id, r]));
  return byVolume
    .flatMap(({ volume, snapshots }) =>
      snapshots
        .filter((s) => s.id !== "")
        .map((s) => ({
          id: s.id,
          volume,
          createdAt: s.createdAt,
          status: s.status,
          volumeSizeBytes: s.volumeSizeBytes,
          recorded: known.get(s.id) ?? null,
        })),
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** One applied file of the live ledger, with when it started. */
export interface AppliedFile {
  file: string;
  startedAt: string;
}

/**
 * What a snapshot precedes: the files the live ledger applied after it was taken, i.e. what a
 * restore of it rolls back (its own ledger says exactly, once restored).
 */
export function precedes(
  snapshot: { createdAt: string },
  applied: readonly AppliedFile[],
): string[] {
  // Fly lists whole seconds; a migration the snapshot preceded started no earlier than that
  // second (the stack migrates only once its snapshot is complete).
  const taken = Date.parse(snapshot.createdAt);
  return applied
    .filter((a) => Date.parse(a.startedAt) >= taken)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.file.localeCompare(b.file))
    .map((a) => a.file);
}

/** "3 d 4 h", "2 h 5 min", "4 min 12 s", "800 ms": the largest two units. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), "d"],
    [Math.floor((s % 86_400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "min"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(" ");
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 13);

/**
 * The cluster a restore or a drill makes: Fly apps cannot be renamed, so the restored cluster
 * keeps this name for good; a drill's is recognisable (and removable) by its prefix.
 * `gaia-db-production-restore-20260807-1412`, `gaia-db-staging-drill-20260807-141203`.
 */
export function restoredAppName(
  environment: Environment,
  kind: "restore" | "drill",
  now: Date,
): string {
  const t = stamp(now);
  return kind === "drill"
    ? `${drillPrefix(environment)}${t}${String(now.getUTCSeconds()).padStart(2, "0")}`
    : `gaia-db-${environment}-restore-${t}`;
}

export const drillPrefix = (environment: Environment) => `gaia-db-${environment}-drill-`;

/** The size a restore's volume needs: the config's, or the snapshot's volume when larger. */
export function restoreVolumeSizeGb(configGb: number, snapshotVolumeBytes: number): number {
  return Math.max(configGb, Math.ceil(snapshotVolumeBytes / 1024 ** 3));
}

export interface RestoreCluster {
  name: string;
  org: string;
  region: string;
  vmSize: PgVmSize;
  volumeSizeGb: number;
  clusterSize: number;
  snapshotId: string;
}

/**
 * `fly postgres create` from a snapshot, as the stack would size the cluster; the caller appends
 * `--password <the stack's>` (postgres-flex sets `postgres` to OPERATOR_PASSWORD at a restore,
 * and flyctl takes it only in argv), so the stack's URL works on the restored cluster.
 */
export function restoreCreateArgs(c: RestoreCluster): string[] {
  return [
    ...postgresCreateArgs({
      name: c.name,
      org: c.org,
      region: c.region,
      guest: PG_CREATE_GUESTS[c.vmSize],
      volumeSizeGb: c.volumeSizeGb,
      initialClusterSize: c.clusterSize,
    }),
    "--snapshot-id",
    c.snapshotId,
  ];
}

/** What a restored database holds against what it should. */
export interface Verification {
  /** `gaia-db verify`'s gaps (its selected modules are the restored binding's). */
  verifyGaps: number;
  verifyTable: string;
  /** Why migrate would refuse the restored ledger (changed or missing files, binding). */
  ledgerProblems: string[];
  /** Files of the config's modules the restored ledger lacks, `path:sha256`, in order. */
  lacking: string[];
  /** Files the restored ledger has. */
  applied: number;
  /** Tables counted in the restored database. */
  tables: number;
  /** Null when no counts were recorded for the snapshot. */
  countProblems: string[] | null;
}

export function verificationProblems(v: Verification): string[] {
  return [
    ...(v.verifyGaps > 0 ? [`gaia-db verify reports ${v.verifyGaps} gap(s)`] : []),
    ...v.ledgerProblems.map((p) => `ledger: ${p}`),
    ...(v.countProblems ?? []).map((p) => `row counts: ${p}`),
  ];
}

/** The counts recorded for a snapshot, if the stack recorded any. */
export function countWindowOf(s: RestorableSnapshot): CountWindow | null {
  return s.recorded?.rowCounts ?? null;
}

/**
 * The config a switch writes (applied with `pulumi config set/rm --path`): the restored app's
 * name, the held-back files (the ones already held kept), and DATABASE_URL adopted on every
 * service app (the stack then restages it even where someone set it by hand).
 */
export function switchConfig(
  current: { heldBack: readonly string[]; adoptSecrets: boolean | readonly string[] },
  restoredApp: string,
  lacking: readonly string[],
): { name: string; heldBack: string[]; adoptSecrets: true | string[] } {
  const heldBack = [...new Set([...current.heldBack, ...lacking])];
  const adopt = current.adoptSecrets;
  const adoptSecrets =
    adopt === true ? true : [...new Set([...(Array.isArray(adopt) ? adopt : []), "DATABASE_URL"])];
  return { name: restoredApp, heldBack, adoptSecrets };
}

/** `pulumi config` argv (after `pulumi`) that bring the stack file to `target`. */
export function switchCommands(
  stack: string,
  present: { heldBack: boolean; adoptSecrets: boolean },
  target: ReturnType<typeof switchConfig>,
): string[][] {
  const s = ["-s", stack];
  const cmds: string[][] = [["config", "set", "--path", "gaia:postgres.name", target.name, ...s]];
  if (present.heldBack) cmds.push(["config", "rm", "--path", "gaia:migrations.heldBack", ...s]);
  for (const [i, line] of target.heldBack.entries())
    cmds.push(["config", "set", "--path", `gaia:migrations.heldBack[${i}]`, line, ...s]);
  if (target.adoptSecrets !== true) {
    if (present.adoptSecrets)
      cmds.push(["config", "rm", "--path", "gaia:services.adoptSecrets", ...s]);
    for (const [i, name] of target.adoptSecrets.entries())
      cmds.push(["config", "set", "--path", `gaia:services.adoptSecrets[${i}]`, name, ...s]);
  }
  return cmds;
}
