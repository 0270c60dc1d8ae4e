/**
 * The managed half of the Postgres cluster command against the fake flyctl, for what the end-to-end
 * run does not reach: the connection string always belongs to the cluster that exists now, never
 * to one an earlier run recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandContext, Operation, ResultLine } from "../../src/fly/runtime/context";
import { Flyctl } from "../../src/fly/runtime/flyctl";
import { managedCommand } from "../../src/fly/runtime/managed";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

let fake: FakeFly;
beforeEach(() => {
  fake = createFakeFly();
});
afterEach(() => fake.remove());

function ctx(op: Operation, name: string): CommandContext {
  const env = {
    ...fake.env({ GAIA_FLY_RETRY_BASE_MS: "1" }),
    GAIA_STACK: "dev",
    APP_NAME: name,
    ORG: "aeonia-dev",
    REGION: "lax",
    PLAN: "basic",
    VOLUME_SIZE_GB: "10",
    MAJOR_VERSION: "16",
    GAIA_MPG_POLL_MS: "10",
  };
  return {
    op,
    env,
    secrets: {},
    fly: new Flyctl({ env, baseDelayMs: 1, log: () => {} }),
    log: () => {},
  };
}

interface FakeCluster {
  id: string;
  name: string;
  password: string;
}
const clusterNamed = (name: string): FakeCluster =>
  fake.state().mpg.find((c: FakeCluster) => c.name === name);
const uriOf = (c: FakeCluster) =>
  `postgresql://fly-user:${c.password}@pgbouncer.${c.id}.flympg.net/fly-db`;

describe("managedCommand's connection string", () => {
  it("is the new cluster's when gaia:postgres.name changes to a cluster it creates", async () => {
    const first = await managedCommand(ctx("create", "gaia-db-dev"), undefined);
    const old = clusterNamed("gaia-db-dev");
    expect(first.connectionString).toBe(uriOf(old));
    const renamed = await managedCommand(ctx("update", "gaia-db-dev-2"), first);
    const now = clusterNamed("gaia-db-dev-2");
    expect(renamed.cluster).toBe(now.id);
    expect(renamed.connectionString).toBe(uriOf(now));
  });

  it("is the live cluster's when the recorded one was replaced under the same name", async () => {
    const first = await managedCommand(ctx("create", "gaia-db-dev"), undefined);
    const old = clusterNamed("gaia-db-dev");
    // Destroyed and created again by hand: same name, new id and credentials.
    fake.update((s) => {
      s.mpg = s.mpg.filter((c: FakeCluster) => c.id !== old.id);
    });
    await managedCommand(ctx("create", "gaia-db-dev"), undefined);
    const now = clusterNamed("gaia-db-dev");
    expect(now.id).not.toBe(old.id);
    const next: ResultLine = await managedCommand(ctx("update", "gaia-db-dev"), first);
    expect(next.cluster).toBe(now.id);
    expect(next.connectionString).toBe(uriOf(now));
  });

  it("is carried forward, with no status read, while the cluster is the recorded one", async () => {
    const first = await managedCommand(ctx("create", "gaia-db-dev"), undefined);
    fake.clearCalls();
    const next = await managedCommand(ctx("update", "gaia-db-dev"), first);
    expect(next.connectionString).toBe(first.connectionString);
    expect(fake.calls().map((c) => c.command)).not.toContain("mpg status");
  });
});

describe("managedCommand's delete", () => {
  it("returns once the org's list no longer has the cluster, not when its deletion is scheduled", async () => {
    const created = await managedCommand(ctx("create", "gaia-db-dev"), undefined);
    fake.update((s) => {
      s.mpgDestroyListings = 2;
    });
    fake.clearCalls();
    const deleted = await managedCommand(ctx("delete", "gaia-db-dev"), created);
    expect(deleted).toEqual({
      kind: "managed",
      origin: "created",
      cluster: created.cluster,
      deleted: true,
    });
    expect(fake.state().mpg).toEqual([]);
    expect(fake.calls().map((c) => c.command)).toEqual([
      "mpg destroy",
      "mpg list",
      "mpg list",
      "mpg list",
    ]);
  });

  it("fails, naming the cluster, when it is still listed at the end of the wait", async () => {
    const created = await managedCommand(ctx("create", "gaia-db-dev"), undefined);
    fake.update((s) => {
      s.mpgDestroyListings = 1000;
    });
    const c = ctx("delete", "gaia-db-dev");
    c.env.GAIA_MPG_DESTROY_TIMEOUT_S = "1";
    await expect(managedCommand(c, created)).rejects.toThrow(
      `managed Postgres gaia-db-dev (${String(created.cluster)}) is scheduled to be destroyed but still listed in org aeonia-dev after 1 s. Run \`pulumi destroy\` again once \`fly mpg list --org aeonia-dev\` no longer shows it.`,
    );
  });
});
