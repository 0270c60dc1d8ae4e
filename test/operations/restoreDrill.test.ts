/**
 * `gaia-db restore-drill` end to end, as the real binary, on the stack of the restore tests: the
 * latest complete snapshot restored into a temporary cluster and verified, the recovery point and
 * time reported, and the temporary cluster destroyed at the end, after a failure midway, and on
 * SIGINT/SIGTERM, while the live cluster's state in the fake stays byte for byte what it was.
 */
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { loadMigrationSet } from "../../src/migrations/files";
import type { FakeFly } from "../support/fakeFly";
import { withClient } from "../support/postgres";
import { RestoreStacks, ROOT } from "./restoreStack";

const stacks = new RestoreStacks();
afterEach(() => stacks.cleanup());

/** The live cluster as the fake holds it: its app and its volumes (with their snapshots). */
const live = (fake: FakeFly, app: string) => {
  const s = fake.state();
  return JSON.stringify({
    app: s.apps[app],
    volumes: s.volumes.filter((v: { app: string }) => v.app === app),
  });
};
const drillApps = (fake: FakeFly, env: string) =>
  Object.keys(fake.state().apps).filter((a) => a.startsWith(`gaia-db-${env}-drill-`));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Whether `pid` is gone within 5 s (a killed process takes a moment to be reaped). */
async function ended(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

/** Two migration sets: the latest snapshot precedes the second (rbac) with 7 users recorded. */
async function twoSets(s: Awaited<ReturnType<RestoreStacks["setup"]>>) {
  expect((await s.up()).code).toBe(0);
  await withClient(s.dbUrl(s.database), (c) =>
    c.query(
      "INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 7) g",
    ),
  );
  s.pulumi.setStackConfig("gaia:migrations", { modules: ["core", "rbac"] });
  expect((await s.up()).code).toBe(0);
  return s.pulumi.outputs().preMigrationSnapshots as {
    id: string;
    rowCounts: { after: Record<string, number> };
  }[];
}

describe("gaia-db restore-drill", () => {
  it("production: restores the latest snapshot, verifies it against its recorded counts, reports the figures, destroys it", async () => {
    const s = await stacks.setup("production");
    const [latest] = await twoSets(s);
    await withClient(s.dbUrl(s.database), (c) =>
      c.query("INSERT INTO users (email) VALUES ('after@example.com')"),
    );
    const before = live(s.fake, "gaia-db-production");
    s.fake.clearCalls();
    const pulumiCalls = s.pulumi.calls().length;
    const drill = await s.gaiaDb(["restore-drill", "production", "--json"]);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
    const r = JSON.parse(drill.stdout);
    const rbac = loadMigrationSet(`${ROOT}/migrations`, ["rbac"])
      .filter((f) => f.module === "rbac")
      .map((f) => `${f.relativePath}:${f.checksum}`);
    expect(r).toMatchObject({
      environment: "production",
      cluster: "gaia-db-production",
      snapshot: { id: latest!.id, status: "created" },
      temporaryApp: expect.stringMatching(/^gaia-db-production-drill-\d{8}-\d{6}$/),
      leftovers: [],
      problems: [],
      destroyed: true,
      error: null,
      passed: true,
      verification: { verifyGaps: 0, ledgerProblems: [], lacking: rbac, countProblems: [] },
    });
    expect(r.recoveryPointMs).toBeGreaterThan(0);
    expect(r.recoveryTimeMs).toBeGreaterThan(0);
    // Everything it changed was its own cluster; the live one is byte for byte what it was.
    expect(live(s.fake, "gaia-db-production")).toBe(before);
    expect(
      s.fake
        .mutations()
        .map((c) => c.argv.find((a) => a.startsWith("gaia-db-production")))
        .every((a) => a === r.temporaryApp),
    ).toBe(true);
    expect(drillApps(s.fake, "production")).toEqual([]);
    // The stack is only read.
    expect(s.pulumi.calls().slice(pulumiCalls)).toEqual([
      ["stack", "output", "--show-secrets", "--json", "-s", "production"],
    ]);

    // The Markdown the workflow posts.
    const text = await s.gaiaDb(["restore-drill", "production"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^## Restore drill: production\n\n\| \| \|\n\|---\|---\|\n\| result \| ✅ passed \|\n\| snapshot \| `vs_[0-9a-f]{16}` of volume `vol_[0-9a-f]{16}`, taken \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(listed as "created"\) \|\n\| recovery point \| \d+ (s|min)( \d+ s)? \(the snapshot's age when the drill started\) \|\n\| recovery time \| .+ \(from the start to a verified database\) \|\n/,
    );
    expect(text.stdout).toContain(
      `| row counts | ${Object.keys(latest!.rowCounts.after).length} tables hold what was recorded when the snapshot was taken |`,
    );
  }, 300_000);

  it("staging, on a snapshot the stack did not take: verified, counts listed as not recorded", async () => {
    const s = await stacks.setup("staging");
    expect((await s.up()).code).toBe(0);
    const volume = s.fake
      .state()
      .volumes.find(
        (v: { app: string; name: string }) => v.app === "gaia-db-staging" && v.name === "pg_data",
      );
    // Fly's own daily snapshot, as its schedule takes it.
    expect(
      spawnSync("fly", ["volumes", "snapshots", "create", volume.id, "-a", "gaia-db-staging"], {
        env: s.env(),
      }).status,
    ).toBe(0);
    const drill = await s.gaiaDb(["restore-drill", "staging"]);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
    expect(drill.stdout).toContain(
      "| row counts | 22 tables counted; none were recorded for this snapshot, so not compared |",
    );
    expect(drillApps(s.fake, "staging")).toEqual([]);
  }, 300_000);

  it("a failure midway (the create fails after making the app): reported, exit 1, destroyed", async () => {
    const s = await stacks.setup("production");
    expect((await s.up()).code).toBe(0);
    const before = live(s.fake, "gaia-db-production");
    s.fake.injectFault({ match: "postgres create", kind: "fail-after-create", message: "boom" });
    const drill = await s.gaiaDb(["restore-drill", "production", "--json"]);
    expect(drill.code).toBe(1);
    const r = JSON.parse(drill.stdout);
    expect(r).toMatchObject({ passed: false, destroyed: true, recoveryTimeMs: null });
    expect(r.error).toMatch(
      /^fly postgres create --name gaia-db-production-drill-\S+ .* --password \[redacted\] failed \(exit 1\): Error: boom$/,
    );
    expect(drillApps(s.fake, "production")).toEqual([]);
    expect(live(s.fake, "gaia-db-production")).toBe(before);
  }, 300_000);

  it("a restore that does not hold the recorded rows fails verification: exit 5, destroyed", async () => {
    const s = await stacks.setup("production");
    await twoSets(s);
    // The snapshot's copy loses a row the counts recorded (a torn or stale snapshot).
    const snap = s.fake.state().volumes.find((v: { name: string }) => v.name === "pg_data")
      .snapshots[1];
    await withClient(s.dbUrl(snap.databases[s.database]), (c) =>
      c.query("DELETE FROM gaia_migrations.applied WHERE version = '0010'"),
    );
    const drill = await s.gaiaDb(["restore-drill", "production", "--json"]);
    expect(drill.code).toBe(5);
    const r = JSON.parse(drill.stdout);
    expect(r.problems).toContain(
      "row counts: gaia_migrations.applied: 9 rows, but it had 10 before and after the snapshot",
    );
    expect(r).toMatchObject({ passed: false, destroyed: true, error: null });
    expect(drillApps(s.fake, "production")).toEqual([]);
  }, 300_000);

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "%s mid-drill: the temporary cluster is destroyed before exiting %i",
    async (signal, code) => {
      const s = await stacks.setup("production");
      expect((await s.up()).code).toBe(0);
      // An earlier drill was cut off before it could destroy its cluster.
      s.fake.update((st) => {
        st.apps["gaia-db-production-drill-20260101-000000"] = {
          name: "gaia-db-production-drill-20260101-000000",
          org: "aeonia-dev",
          role: "postgres_cluster",
          createdAt: "2026-01-01T00:00:00Z",
          machines: [],
          secrets: {},
          ips: [],
        };
      });
      const before = live(s.fake, "gaia-db-production");
      s.fake.injectFault({ match: "postgres create", kind: "hang" });
      let sent = false;
      let timer: NodeJS.Timeout | undefined;
      const drill = await s.gaiaDb(["restore-drill", "production"], {
        // Once the create is under way (and hangs), interrupt the drill there.
        onSpawn: (pid) => {
          timer = setInterval(() => {
            if (sent || s.fake.hangs().length === 0) return;
            sent = true;
            process.kill(pid, signal);
          }, 50);
        },
      });
      clearInterval(timer);
      expect(sent).toBe(true);
      expect(drill.code).toBe(code);
      expect(drill.stderr).toMatch(
        new RegExp(
          `${signal}: destroying gaia-db-production-drill-\\d{8}-\\d{6} before exiting\\n`,
        ),
      );
      expect(drill.stderr).toContain(
        "gaia-db-production-drill-20260101-000000 is left from an earlier drill: destroying it",
      );
      expect(drillApps(s.fake, "production")).toEqual([]);
      expect(live(s.fake, "gaia-db-production")).toBe(before);
      // The hung flyctl and what it started were ended with the drill.
      const [hang] = s.fake.hangs();
      expect([await ended(hang!.pid), await ended(hang!.helper)]).toEqual([true, true]);
    },
    300_000,
  );

  it("--cleanup destroys only what earlier drills of the stack left, reading nothing else", async () => {
    const s = await stacks.setup("production");
    const app = (name: string) => ({
      name,
      org: "aeonia-dev",
      role: "postgres_cluster",
      createdAt: "2026-01-01T00:00:00Z",
      machines: [],
      secrets: {},
      ips: [],
    });
    s.fake.update((st) => {
      for (const name of [
        "gaia-db-production-drill-20260101-000000",
        "gaia-db-staging-drill-20260101-000000",
        "gaia-db-production",
      ])
        st.apps[name] = app(name);
    });
    const r = await s.gaiaDb(["restore-drill", "production", "--cleanup"]);
    expect([r.code, r.stdout]).toEqual([
      0,
      "destroyed: gaia-db-production-drill-20260101-000000\n",
    ]);
    expect(Object.keys(s.fake.state().apps).sort()).toEqual([
      "gaia-db-production",
      "gaia-db-staging-drill-20260101-000000",
    ]);
    expect(s.pulumi.calls()).toEqual([]);
    // A production stack first waits its turn for the cluster-wide production login, which the
    // restore test in another worker can hold for over a minute.
  }, 300_000);
});
