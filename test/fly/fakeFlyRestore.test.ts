/**
 * The fake flyctl's snapshots and restores, against the real PostgreSQL behind its proxy: a
 * snapshot holds the app's databases as they were at the request; `postgres create
 * --snapshot-id` gives a new app its own copy; `postgres` logs in through an app only with the
 * password its machines were given (flyctl's launcher sets OPERATOR_PASSWORD to --password, else a
 * random one; postgres-flex sets `postgres` to it on a restore).
 */
import { spawnSync } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withFlyProxy } from "../../src/fly/proxy";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, withAdmin } from "../support/postgres";

const target = new URL(adminUrl());
const password = decodeURIComponent(target.password);
const database = `fakefly_restore_${process.pid}`;
let fake: FakeFly;

const fly = (...argv: string[]) => spawnSync("fly", argv, { env: fake.env(), encoding: "utf8" });
const create = (name: string, ...extra: string[]) =>
  fly(
    "postgres",
    "create",
    "--name",
    name,
    "--org",
    "aeonia-dev",
    "--region",
    "lax",
    "--vm-size",
    "shared-cpu-1x",
    "--volume-size",
    "10",
    "--initial-cluster-size",
    "1",
    ...extra,
  );

/** Runs `sql` as postgres with `pw` on `app`'s database, through `fly proxy`. */
function onApp<T>(app: string, pw: string, sql: string): Promise<T[]> {
  return withFlyProxy({ app, env: fake.env() }, async (port) => {
    const client = new pg.Client({
      host: "127.0.0.1",
      port,
      user: "postgres",
      password: pw,
      database,
    });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  });
}

beforeAll(async () => {
  fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}`, adminUrl: adminUrl() });
  await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`));
  expect(create("gaia-db-x", "--password", password).status).toBe(0);
});
afterAll(async () => {
  fake.remove();
  await fake.dropCopies();
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
});

describe("snapshots hold data; a restore gets its own copy and the password it is given", () => {
  it("restores the rows of the snapshot's moment, with the stack's password only when given", async () => {
    await onApp("gaia-db-x", password, "CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2)");
    const volume = fake.state().volumes.find((v: { app: string }) => v.app === "gaia-db-x").id;
    expect(fly("volumes", "snapshots", "create", volume, "-a", "gaia-db-x").status).toBe(0);
    await onApp("gaia-db-x", password, "INSERT INTO t VALUES (3)");
    const [snap] = JSON.parse(
      fly("volumes", "snapshots", "list", volume, "-a", "gaia-db-x", "--json").stdout,
    );

    const restored = create("gaia-db-r", "--snapshot-id", snap.id, "--password", password);
    expect(restored.status).toBe(0);
    expect(restored.stdout).toContain(
      "Restoring 1 of 1 machines with image flyio/postgres-flex:16\n",
    );
    expect(await onApp("gaia-db-r", password, "SELECT count(*)::int AS n FROM t")).toEqual([
      { n: 2 },
    ]);
    // Its own copy: writes there reach neither the snapshot nor the cluster it was taken of.
    await onApp("gaia-db-r", password, "DELETE FROM t");
    expect(await onApp("gaia-db-x", password, "SELECT count(*)::int AS n FROM t")).toEqual([
      { n: 3 },
    ]);
    expect(fake.state().apps["gaia-db-r"].secrets.FLY_RESTORED_FROM.value).toBe(snap.id);

    // Without --password: a random operator password, and the stack's no longer logs in.
    expect(create("gaia-db-s", "--snapshot-id", snap.id).status).toBe(0);
    await expect(onApp("gaia-db-s", password, "SELECT 1")).rejects.toThrow(
      'password authentication failed for user "postgres"',
    );
    const again = create("gaia-db-t", "--snapshot-id", snap.id, "--password", password);
    expect(again.status).toBe(0);
    expect(await onApp("gaia-db-t", password, "SELECT count(*)::int AS n FROM t")).toEqual([
      { n: 2 },
    ]);

    // A destroyed restore's copy goes with it.
    const copy = fake.state().apps["gaia-db-t"].databases[database];
    expect(fly("apps", "destroy", "gaia-db-t", "--yes").status).toBe(0);
    const left = await withAdmin(
      async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [copy])).rowCount,
    );
    expect(left).toBe(0);
  }, 120_000);

  it.each([undefined, "Snapshot {id} does not exist"])(
    "an unknown snapshot (API words %j) fails the volume after the app exists, as the launcher does",
    (words) => {
      if (words) fake.update((s) => (s.apiTexts = { snapshotNotFound: words }));
      const r = create(
        `gaia-db-u${words ? 2 : 1}`,
        "--snapshot-id",
        "vs_nope",
        "--password",
        password,
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `Error: failed to create volume: ${(words ?? "snapshot {id} not found").replace("{id}", "vs_nope")}\n`,
      );
      expect(fake.state().apps[`gaia-db-u${words ? 2 : 1}`].machines).toEqual([]);
    },
  );
});
