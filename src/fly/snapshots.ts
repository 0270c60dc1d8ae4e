/**
 * Pre-migration snapshots, the pure part: when a requested snapshot counts as taken, what the
 * snapshot command records, and the list the stack exports for `gaia-db restore`.
 *
 * `fly volumes snapshots create` only schedules a snapshot: it prints "Scheduled to snapshot
 * volume …" and no id, and the list shows it with an empty id, as "(pending)", until it exists.
 * The words the API uses for a snapshot's status are its own and may change, so they decide
 * nothing here: a snapshot is complete when it is listed with an id.
 */
import type { CountWindow } from "../migrations/rowCounts";
import type { Snapshot } from "./parsers";

/**
 * How long the snapshot command waits for its snapshots to be complete before it fails (and the
 * migrations, which depend on it, never run). Inside the Fly command's 30-minute timeout and
 * node's own deadline 60 s before it (src/process/deadline.ts), with room left for counting rows
 * before and after and for scheduling; `GAIA_SNAPSHOT_WAIT_S` may shorten it, never lengthen it.
 */
export const PRE_MIGRATION_SNAPSHOT_WAIT_SECONDS = 20 * 60;
/** Between two `snapshots list` while waiting (`GAIA_SNAPSHOT_POLL_MS`). */
export const SNAPSHOT_POLL_MS = 10_000;

export type Progress =
  | { done: false; pending: number; newest?: Snapshot }
  | { done: true; snapshot: Snapshot };

/**
 * Whether the snapshot requested after `before` was listed exists: done when nothing on the
 * volume is pending any more (a pending entry has no id, so an earlier pending one, say from a
 * run that timed out, cannot be told from ours) and a snapshot that was not listed before has an
 * id. The newest such one is ours; any other new one was also taken before the migrations.
 */
export function snapshotProgress(
  before: readonly Snapshot[],
  listed: readonly Snapshot[],
): Progress {
  const known = new Set(before.map((s) => s.id).filter((id) => id !== ""));
  const pending = listed.filter((s) => s.id === "");
  const fresh = listed
    .filter((s) => s.id !== "" && !known.has(s.id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const newest = fresh.at(-1);
  if (pending.length > 0 || newest === undefined)
    return { done: false, pending: pending.length, ...(newest ? { newest } : {}) };
  return { done: true, snapshot: newest };
}

/** One volume's snapshot as the snapshot command records it. */
export interface SnapshotRecord {
  volume: string;
  /** null only in results of earlier releases, which recorded a pending one that way. */
  snapshot: string | null;
  createdAt?: string;
  status?: string;
  volumeSizeBytes?: number;
  /** Resolved by a later run from the volume's list (a pending id an earlier release left). */
  resolvedLater?: true;
}

/** What one migration set's snapshots hold, as recorded when they were taken. */
export interface SnapshotSet {
  app: string;
  migrationsChecksum: string;
  requestedAt?: string;
  snapshots: SnapshotRecord[];
  /** The target database's rows before the request and once complete (absent from older results). */
  rowCounts?: CountWindow & { database: string };
}

/** The snapshot command's result line: the current set and the ones before it. */
export interface SnapshotResult extends SnapshotSet {
  earlier?: SnapshotSet[];
}

/** How many earlier sets a result carries: snapshots expire with the volume's retention anyway. */
export const EARLIER_SETS_KEPT = 10;

/** The current set first, then up to EARLIER_SETS_KEPT earlier ones, newest first. */
export function carryForward(
  current: SnapshotSet,
  previous: SnapshotResult | undefined,
): SnapshotResult {
  if (previous === undefined || !Array.isArray(previous.snapshots)) return current;
  const { earlier = [], ...last } = previous;
  return { ...current, earlier: [last, ...earlier].slice(0, EARLIER_SETS_KEPT) };
}

/** One recorded snapshot, as the stack output `preMigrationSnapshots` lists it. */
export interface RecordedSnapshot {
  id: string;
  volume: string;
  app: string;
  createdAt: string | null;
  migrationsChecksum: string;
  /** The window's counts and the database they are of; null when not recorded. */
  rowCounts: (CountWindow & { database: string }) | null;
}

/** Every snapshot a result records with an id, newest set first. */
export function recordedSnapshots(result: SnapshotResult | undefined): RecordedSnapshot[] {
  if (result === undefined || !Array.isArray(result.snapshots)) return [];
  const { earlier = [], ...current } = result;
  return [current, ...earlier].flatMap((set) =>
    set.snapshots
      .filter(
        (s): s is SnapshotRecord & { snapshot: string } =>
          typeof s.snapshot === "string" && s.snapshot !== "",
      )
      .map((s) => ({
        id: s.snapshot,
        volume: s.volume,
        app: set.app,
        createdAt: s.createdAt ?? null,
        migrationsChecksum: set.migrationsChecksum,
        rowCounts: set.rowCounts ?? null,
      })),
  );
}

/** The ids of the current set (the stack output `preMigrationSnapshotIds`). */
export function currentSnapshotIds(result: SnapshotResult | undefined): string[] {
  return (result?.snapshots ?? [])
    .map((s) => s.snapshot)
    .filter((id): id is string => typeof id === "string" && id !== "");
}

/**
 * For a pending id an earlier release recorded as null: the snapshot it was, found again in the
 * volume's list. Ours was requested just before the set's migrations, so it is the newest
 * complete one taken no later than they started (`anchor`, the ledger's first start of that
 * run); with no anchor, the newest complete one.
 */
export function resolveRecorded(
  listed: readonly Snapshot[],
  anchor: string | null,
): Snapshot | null {
  const complete = listed
    .filter((s) => s.id !== "" && (anchor === null || s.createdAt <= anchor))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return complete.at(-1) ?? null;
}
