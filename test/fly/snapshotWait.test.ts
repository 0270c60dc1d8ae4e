/**
 * The pre-migration snapshot command against the fake flyctl: it returns only once its snapshot is
 * listed with an id (flyctl's list shows a pending one with an empty id), whatever words the API
 * uses for its status; a bounded wait fails the command; a result of an earlier release with a
 * pending (null) id is resolved on the next run.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FakeFly } from "../support/fakeFly";
import { FlyStacks } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

const SNAPSHOT = "postgres-pre-migration-snapshot";
const production = (migrationsChecksum: string) => ({
  stack: "production",
  migrationsChecksum,
  parts: ["postgres" as const],
});
const pgVolume = (fake: FakeFly) =>
  fake.state().volumes.find((v: { name: string }) => v.name === "pg_data");
const lists = (fake: FakeFly) =>
  fake.calls().filter((c) => c.command === "volumes snapshots list").length;
const creates = (fake: FakeFly) =>
  fake.mutations().filter((c) => c.command === "volumes snapshots create");
const result = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) as string);

describe("the pre-migration snapshot waits until it exists", () => {
  it.each([
    ["pending", "created"],
    ["running", "completed"],
  ])(
    "pending as %j then done as %j: the id is recorded once it is listed, never before",
    async (pendingWord, doneWord) => {
      const { fake, engine, program } = stacks.setup();
      fake.update((s) => {
        s.pendingSnapshots = 3;
        s.pendingSnapshotStatus = pendingWord;
        s.snapshotStatus = doneWord;
      });
      const e = engine();
      const up = await e.run("production", program(production("a1")));
      expect(up.error).toBeUndefined();
      const [snap] = pgVolume(fake).snapshots;
      expect(snap.id).not.toBe("");
      expect(up.outputs!.snapshots).toEqual([snap.id]);
      // The list before the request, then three polls: the third completes it.
      expect(lists(fake)).toBe(4);
      const recorded = result(e.saved.get(SNAPSHOT)!.stdout);
      expect(recorded.snapshots).toEqual([
        {
          volume: pgVolume(fake).id,
          snapshot: snap.id,
          createdAt: snap.created_at,
          status: doneWord,
          volumeSizeBytes: 10 * 1024 ** 3,
        },
      ]);
      expect(recorded.rowCounts).toEqual({
        database: expect.stringMatching(/^llm_platform_/),
        before: {},
        after: {},
      });
    },
    120_000,
  );

  it("fails at its bounded wait, naming the volume; the next up takes another and waits for both", async () => {
    const { fake, engine, program } = stacks.setup({ GAIA_SNAPSHOT_WAIT_S: "1" });
    fake.update((s) => {
      s.pendingSnapshots = true;
    });
    const e = engine();
    const timedOut = await e.run("production", program(production("a1")));
    const volume = pgVolume(fake).id;
    expect(timedOut.error?.message).toContain(
      `gaia fly snapshot: the pre-migration snapshot of ${volume} (1 pending, listed without an id) in gaia-db-production, requested at `,
    );
    expect(timedOut.error?.message).toContain(
      `, was not complete after 1 s: the migrations did not run. Check it with \`fly volumes snapshots list <volume id> -a gaia-db-production\`, then run \`pulumi up\` again: it takes the snapshot again and waits for it.`,
    );
    expect(e.saved.has(SNAPSHOT)).toBe(false);

    // The first request completes only after the next run's: that one is not done before it.
    fake.update((s) => {
      s.pendingSnapshots = 1;
      s.volumes.find((v: { name: string }) => v.name === "pg_data").snapshots[0].listsLeft = 4;
    });
    fake.clearCalls();
    const again = await e.run("production", program(production("a1")));
    expect(again.error).toBeUndefined();
    // The list before the request, then polls until the earlier one is listed with an id too.
    expect(lists(fake)).toBe(4);
    const snaps = pgVolume(fake).snapshots;
    expect(snaps.map((s: { id: string }) => s.id !== "")).toEqual([true, true]);
    expect(again.outputs!.snapshots).toEqual([snaps[1].id]);
  }, 120_000);

  it("a create that fails after scheduling is recognised by the longer list, then waited for", async () => {
    const { fake, engine, program } = stacks.setup();
    fake.update((s) => {
      s.pendingSnapshots = 4;
    });
    fake.injectFault({ match: "volumes snapshots create", kind: "fail-after-create" });
    const e = engine();
    const up = await e.run("production", program(production("a1")));
    expect(up.error).toBeUndefined();
    expect(creates(fake)).toHaveLength(1);
    const snaps = pgVolume(fake).snapshots;
    expect(snaps).toHaveLength(1);
    expect(up.outputs!.snapshots).toEqual([snaps[0].id]);
  }, 120_000);

  it("resolves a pending (null) id an earlier release recorded, on the next update, without a new snapshot", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("production", program(production("a1")))).error).toBeUndefined();
    const saved = e.saved.get(SNAPSHOT)!;
    const volume = pgVolume(fake).id;
    // What the earlier release printed when the list still showed the snapshot as pending.
    const legacy = `${JSON.stringify({
      app: "gaia-db-production",
      migrationsChecksum: "a1",
      snapshots: [{ volume, snapshot: null }],
    })}\n`;
    saved.stdout = legacy;
    saved.outputs.stdout = legacy;
    (saved.inputs.environment as Record<string, string>).GAIA_SCRIPT_SHA256 = "older-code";
    fake.clearCalls();
    const up = await e.run("production", program(production("a1")));
    expect(up.error).toBeUndefined();
    expect(up.ops.find((o) => o.name === SNAPSHOT)?.op).toBe("update");
    expect(creates(fake)).toEqual([]);
    const [snap] = pgVolume(fake).snapshots;
    expect(up.outputs!.snapshots).toEqual([snap.id]);
    expect(result(e.saved.get(SNAPSHOT)!.stdout).snapshots).toEqual([
      {
        volume,
        snapshot: snap.id,
        createdAt: snap.created_at,
        status: "created",
        volumeSizeBytes: 10 * 1024 ** 3,
        resolvedLater: true,
      },
    ]);
  }, 120_000);
});
