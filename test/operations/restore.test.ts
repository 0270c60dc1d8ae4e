/**
 * `gaia-db restore` end to end, as the real binary: the production stack (index.ts, every
 * local.Command run by the command engine behind a stand-in `pulumi`) on the fake flyctl, whose
 * proxy reaches the real PostgreSQL and whose snapshots hold copies of the databases. A migration
 * set goes wrong; the pre-migration snapshot is restored with the stack's password, verified
 * against the row counts recorded with it, the set is held back, and the stack is switched with
 * one `pulumi up`: every service's DATABASE_URL restaged (a hand-set one too), the old cluster
 * retained. Then the held-back files are released.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadMigrationSet } from "../../src/migrations/files";
import { withClient } from "../support/postgres";
import { RestoreStacks, ROOT } from "./restoreStack";

const stacks = new RestoreStacks();
afterEach(() => stacks.cleanup());

const RBAC = loadMigrationSet(`${ROOT}/migrations`, ["core", "rbac"]).filter(
  (f) => f.module === "rbac",
);
const heldLines = RBAC.map((f) => `${f.relativePath}:${f.checksum}`);

describe("gaia-db restore production, end to end", () => {
  it("restores the pre-migration snapshot into a new cluster, holds back its set, and switches the stack with one up", async () => {
    const s = await stacks.setup("production");
    const password = decodeURIComponent(new URL(s.dbUrl("x")).password);
    expect((await s.up()).code).toBe(0);
    await withClient(s.dbUrl(s.database), (c) =>
      c.query(
        "INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 7) g",
      ),
    );
    // A new migration set: its snapshot is taken (with the row counts around it), then it runs.
    s.pulumi.setStackConfig("gaia:migrations", { modules: ["core", "rbac"] });
    expect((await s.up()).code).toBe(0);
    const [setSnapshot, firstSnapshot] = s.pulumi.outputs().preMigrationSnapshots as {
      id: string;
      rowCounts: { before: Record<string, number> };
    }[];
    expect(setSnapshot!.rowCounts.before["public.users"]).toBe(7);
    // Written after the snapshot: what the restore loses.
    await withClient(s.dbUrl(s.database), (c) =>
      c.query("INSERT INTO users (email) VALUES ('late@example.com')"),
    );
    // Someone set the gateway's DATABASE_URL by hand: the stack would keep it for good.
    s.fake.update((st) => {
      st.apps["gaia-gateway-production"].secrets.DATABASE_URL = {
        value: "postgres://someone:pw@gaia-db-production.flycast:5432/llm_platform",
        digest: "hand-set",
        status: "Deployed",
      };
    });

    const list = await s.gaiaDb(["restore", "production", "--json"]);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.snapshots.map((x: { id: string }) => x.id)).toEqual([
      setSnapshot!.id,
      firstSnapshot!.id,
    ]);
    expect(listed.snapshots[0]).toMatchObject({
      migrationSet: expect.stringMatching(/^[0-9a-f]{12}$/),
      rowCountsRecorded: true,
      precedes: RBAC.map((f) => f.relativePath),
    });

    const before = JSON.stringify(s.fake.state());
    const unconfirmed = await s.gaiaDb(["restore", "production", "--snapshot", setSnapshot!.id]);
    expect(unconfirmed.code).toBe(3);
    expect(unconfirmed.stderr).toContain(
      `gaia-db: restore production --snapshot ${setSnapshot!.id} would change the production stack as follows; pass --confirm production to do it\n  1. create gaia-db-production-restore-`,
    );
    expect(unconfirmed.stderr).toContain(
      "  5. keep gaia-db-production: the switch never destroys it\n",
    );
    expect(JSON.stringify(s.fake.state())).toBe(before);

    s.fake.clearCalls();
    const restored = await s.gaiaDb([
      "restore",
      "production",
      "--snapshot",
      setSnapshot!.id,
      "--confirm",
      "production",
      "--name",
      "gaia-db-production-r1",
      "--json",
    ]);
    expect(restored.stderr).not.toContain(password);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    const report = JSON.parse(restored.stdout);
    expect(report.verification).toMatchObject({
      verifyGaps: 0,
      ledgerProblems: [],
      lacking: heldLines,
      countProblems: [],
    });
    expect(report.switched).toMatchObject({
      app: "gaia-db-production-r1",
      heldBack: heldLines,
      retained: ["gaia-db-production"],
    });

    // flyctl: the cluster made from the snapshot with the stack's password, nothing destroyed.
    const create = s.fake.calls().find((c) => c.command === "postgres create")!;
    expect(create.argv.slice(create.argv.indexOf("--snapshot-id"))).toEqual([
      "--snapshot-id",
      setSnapshot!.id,
      "--password",
      password,
    ]);
    expect(s.fake.mutations().filter((c) => c.command === "apps destroy")).toEqual([]);
    const apps = s.fake.state().apps;
    expect(apps["gaia-db-production"].machines).toHaveLength(1);
    expect(apps["gaia-db-production-r1"].secrets.FLY_RESTORED_FROM.value).toBe(setSnapshot!.id);

    // One up, with the policy pack, after the stack file was written.
    expect(s.pulumi.calls().filter((c) => c[0] === "up")).toContainEqual([
      "up",
      "--yes",
      "--non-interactive",
      "--policy-pack",
      `${ROOT}/policy`,
      "-s",
      "production",
    ]);
    // The stack file: the restored app, the set held back, DATABASE_URL adopted.
    const config = s.pulumi.stackFile();
    expect((config["gaia:postgres"] as { name: string }).name).toBe("gaia-db-production-r1");
    expect(config["gaia:migrations"]).toEqual({ modules: ["core", "rbac"], heldBack: heldLines });
    expect(config["gaia:services"]).toEqual({ adoptSecrets: ["DATABASE_URL"] });

    // The restored database: the snapshot's rows, and the set not applied by the switch's up.
    const real = apps["gaia-db-production-r1"].databases[s.database];
    await withClient(s.dbUrl(real), async (c) => {
      expect((await c.query("SELECT count(*)::int AS n FROM users")).rows[0].n).toBe(7);
      const rbac = await c.query("SELECT 1 FROM gaia_migrations.applied WHERE module = 'rbac'");
      expect(rbac.rowCount).toBe(0);
    });
    // Every service's DATABASE_URL now names the restored cluster, the hand-set one too.
    for (const app of [
      "gaia-gateway-production",
      "gaia-auth-production",
      "gaia-asset-production",
      "gaia-chat-production",
      "gaia-web-production",
    ]) {
      const secret = apps[app].secrets.DATABASE_URL;
      expect([app, secret.status, new URL(secret.value).host]).toEqual([
        app,
        "Staged",
        "gaia-db-production-r1.flycast:5432",
      ]);
    }
    const outputs = s.pulumi.outputs();
    expect(outputs.postgresApp).toBe("gaia-db-production-r1");
    expect(outputs.postgresRetainedClusters).toEqual(["gaia-db-production"]);
    expect(outputs.serviceSecretsKept).toEqual({
      "gaia-gateway-production": [],
      "gaia-auth-production": [],
      "gaia-asset-production": [],
      "gaia-chat-production": [],
      "gaia-web-production": [],
    });

    // Converged: the next up changes nothing.
    s.fake.clearCalls();
    expect((await s.up()).code).toBe(0);
    expect(
      s.pulumi
        .runs()
        .at(-1)!
        .ops.filter((o) => o.op !== "none"),
    ).toEqual([]);
    expect(s.fake.mutations()).toEqual([]);

    // Released: the next up takes a snapshot of the restored cluster first, then applies them.
    const released = await s.gaiaDb([
      "restore",
      "production",
      "--release",
      "--confirm",
      "production",
    ]);
    expect(released.code).toBe(0);
    expect(s.pulumi.stackFile()["gaia:migrations"]).toEqual({ modules: ["core", "rbac"] });
    expect((await s.up()).code).toBe(0);
    await withClient(s.dbUrl(real), async (c) => {
      const rbac = await c.query("SELECT 1 FROM gaia_migrations.applied WHERE module = 'rbac'");
      expect(rbac.rowCount).toBe(RBAC.length);
    });
  }, 600_000);
});
