/** The pure part of pre-migration snapshots: when one is complete, what is recorded and exported. */
import { describe, expect, it } from "vitest";
import { FLY_COMMAND_TIMEOUT_SECONDS } from "../../src/fly/command";
import type { Snapshot } from "../../src/fly/parsers";
import {
  carryForward,
  currentSnapshotIds,
  EARLIER_SETS_KEPT,
  PRE_MIGRATION_SNAPSHOT_WAIT_SECONDS,
  recordedSnapshots,
  resolveRecorded,
  type SnapshotSet,
  snapshotProgress,
} from "../../src/fly/snapshots";
import { deadlineMs } from "../../src/process/deadline";

const snap = (id: string, createdAt: string, status = "whatever"): Snapshot => ({
  id,
  status,
  createdAt,
  volumeSizeBytes: 1,
});

describe("snapshotProgress", () => {
  const old = snap("vs_old", "2026-01-01T00:00:00Z");
  it.each<[string, Snapshot[], Snapshot[], ReturnType<typeof snapshotProgress>]>([
    ["nothing new listed yet", [old], [old], { done: false, pending: 0 }],
    [
      "ours listed pending (no id)",
      [old],
      [old, snap("", "2026-01-02T00:00:00Z")],
      { done: false, pending: 1 },
    ],
    [
      "ours has an id, whatever its status says",
      [old],
      [old, snap("vs_new", "2026-01-02T00:00:00Z", "pending?")],
      { done: true, snapshot: snap("vs_new", "2026-01-02T00:00:00Z", "pending?") },
    ],
    [
      "an earlier request still pending: not done, though ours has an id",
      [old, snap("", "2026-01-01T12:00:00Z")],
      [old, snap("", "2026-01-01T12:00:00Z"), snap("vs_new", "2026-01-02T00:00:00Z")],
      { done: false, pending: 1, newest: snap("vs_new", "2026-01-02T00:00:00Z") },
    ],
    [
      "both done: the newest new one is ours",
      [old, snap("", "2026-01-01T12:00:00Z")],
      [old, snap("vs_mid", "2026-01-01T12:00:00Z"), snap("vs_new", "2026-01-02T00:00:00Z")],
      { done: true, snapshot: snap("vs_new", "2026-01-02T00:00:00Z") },
    ],
  ])("%s", (_name, before, listed, expected) => {
    expect(snapshotProgress(before, listed)).toEqual(expected);
  });
});

describe("the wait is bounded inside the command's own deadline", () => {
  it("leaves at least 5 minutes of the Fly command's deadline for counting and scheduling", () => {
    expect(PRE_MIGRATION_SNAPSHOT_WAIT_SECONDS * 1000 + 5 * 60_000).toBeLessThanOrEqual(
      deadlineMs(FLY_COMMAND_TIMEOUT_SECONDS),
    );
  });
});

const set = (checksum: string, ids: (string | null)[]): SnapshotSet => ({
  app: "gaia-db-production",
  migrationsChecksum: checksum,
  snapshots: ids.map((id, i) => ({ volume: `vol_${i}`, snapshot: id, createdAt: `t-${id}` })),
  rowCounts: {
    database: "llm_platform",
    before: { "public.users": 1 },
    after: { "public.users": 1 },
  },
});

describe("what is recorded and exported", () => {
  it("carries earlier sets forward, newest first, at most EARLIER_SETS_KEPT", () => {
    let result = carryForward(set("c0", ["vs_0"]), undefined);
    for (let i = 1; i <= EARLIER_SETS_KEPT + 2; i++)
      result = carryForward(set(`c${i}`, [`vs_${i}`]), result);
    expect(result.migrationsChecksum).toBe(`c${EARLIER_SETS_KEPT + 2}`);
    expect(result.earlier?.map((s) => s.migrationsChecksum)).toEqual(
      Array.from({ length: EARLIER_SETS_KEPT }, (_, i) => `c${EARLIER_SETS_KEPT + 1 - i}`),
    );
    expect(result.earlier?.every((s) => !("earlier" in s))).toBe(true);
  });

  it("exports every recorded id with its set and counts; the current ids alone; nulls never", () => {
    const result = carryForward(
      set("c2", ["vs_2", null]),
      carryForward(set("c1", ["vs_1"]), undefined),
    );
    expect(currentSnapshotIds(result)).toEqual(["vs_2"]);
    expect(recordedSnapshots(result)).toEqual([
      {
        id: "vs_2",
        volume: "vol_0",
        app: "gaia-db-production",
        createdAt: "t-vs_2",
        migrationsChecksum: "c2",
        rowCounts: set("c2", []).rowCounts,
      },
      {
        id: "vs_1",
        volume: "vol_0",
        app: "gaia-db-production",
        createdAt: "t-vs_1",
        migrationsChecksum: "c1",
        rowCounts: set("c1", []).rowCounts,
      },
    ]);
    expect(recordedSnapshots(undefined)).toEqual([]);
  });

  it("finds a pending id again: the newest complete one no later than the migrations started", () => {
    const listed = [
      snap("vs_a", "2026-01-01T00:00:00Z"),
      snap("vs_b", "2026-01-02T00:00:00Z"),
      snap("", "2026-01-02T00:00:05Z"),
      snap("vs_c", "2026-01-03T00:00:00Z"),
    ];
    expect(resolveRecorded(listed, "2026-01-02T00:00:10Z")?.id).toBe("vs_b");
    expect(resolveRecorded(listed, null)?.id).toBe("vs_c");
    expect(resolveRecorded(listed, "2025-12-31T00:00:00Z")).toBeNull();
  });
});
