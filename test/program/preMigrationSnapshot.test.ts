/**
 * index.ts on production (the stand-in pulumi running every local.Command, the fake flyctl, the
 * real PostgreSQL): the migrations run only once the pre-migration snapshot is listed complete;
 * when it is not within the bounded wait, the up fails and no migration runs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RestoreStacks, run } from "../operations/restoreStack";
import { withAdmin, withClient } from "../support/postgres";

const stacks = new RestoreStacks();
afterEach(() => stacks.cleanup());

describe("production's pre-migration snapshot gates its migrations", () => {
  it("waits for the snapshot before migrating; a snapshot never complete stops the up before any migration", async () => {
    const s = await stacks.setup("production");
    s.fake.update((st) => {
      st.pendingSnapshots = true;
    });
    const up = () =>
      run("pulumi", ["up", "--yes", "--non-interactive", "-s", "production"], {
        env: s.env({ GAIA_SNAPSHOT_WAIT_S: "1" }),
        cwd: s.pulumi.projectDir,
      });
    const failed = await up();
    expect(failed.code).toBe(255);
    expect(failed.stderr).toContain(", was not complete after 1 s: the migrations did not run.");
    const ops = s.pulumi
      .runs()
      .at(-1)!
      .ops.map((o) => o.name);
    expect(ops).toContain("gaia-production-postgres-pre-migration-snapshot");
    expect(ops).not.toContain("gaia-production-migrations-migrate");
    // The database exists (its command ran first), but no migration touched it.
    const exists = await withAdmin(
      async (c) =>
        (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [s.database])).rowCount,
    );
    expect(exists).toBe(1);
    await withClient(s.dbUrl(s.database), async (c) => {
      expect((await c.query("SELECT to_regclass('gaia_migrations.applied') AS t")).rows).toEqual([
        { t: null },
      ]);
    });

    // Listed complete after two more lists: the next up waits for it, then migrates.
    s.fake.update((st) => {
      st.pendingSnapshots = 2;
      for (const v of st.volumes) for (const snap of v.snapshots) snap.listsLeft = 2;
    });
    s.fake.clearCalls();
    const ok = await up();
    expect(ok.code, ok.stderr).toBe(0);
    const calls = s.fake.calls();
    const lastList = calls.map((c) => c.command).lastIndexOf("volumes snapshots list");
    const migrateProxy = calls.findIndex((c, i) => i > lastList && c.command === "proxy");
    expect(lastList).toBeGreaterThan(0);
    expect(migrateProxy).toBeGreaterThan(lastList);
    const ids = s.pulumi.outputs().preMigrationSnapshotIds as string[];
    const listed = s.fake.state().volumes.find((v: { name: string }) => v.name === "pg_data")
      .snapshots as { id: string }[];
    expect(ids).toEqual([listed.at(-1)!.id]);
    expect(listed.every((x) => x.id !== "")).toBe(true);
  }, 300_000);
});
