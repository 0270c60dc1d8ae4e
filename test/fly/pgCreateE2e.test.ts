/**
 * `fly postgres create` failing midway, end to end: the fake creates the app, then per node a
 * volume and its machine (flypg/launcher.go:236-258), and fails at a node's launch.
 */
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FlyStacks } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

describe("an unfinished Postgres app", () => {
  it("found at the start of a run, empty: refused and left in place, never destroyed", async () => {
    const { fake, engine, program } = stacks.setup();
    // Someone's app of that name, with nothing in it yet.
    const r = spawnSync("fly", ["apps", "create", "gaia-db-dev", "--org", "aeonia-dev"], {
      env: fake.env(),
    });
    expect(r.status).toBe(0);
    fake.clearCalls();
    const up = await engine().run("dev", program({ stack: "dev", parts: ["postgres"] }));
    expect(up.error?.message).toContain(
      "gaia fly postgres: refused, nothing was changed:\n  - stack dev: Postgres app gaia-db-dev exists with no machine and no volume. The stack destroys only what it created in the same run, so it is left in place.",
    );
    expect(fake.mutations()).toEqual([]);
    expect(fake.state().apps["gaia-db-dev"]).toBeDefined();
  }, 300_000);

  it("left by this run's create at node 2 of 2: destroyed in that run; the next run completes", async () => {
    const { fake, engine, program } = stacks.setup();
    const shape = { stack: "dev", parts: ["postgres" as const], clusterSize: 2 };
    fake.injectFault({ match: "postgres create", kind: "fail-after-create", node: 1 });
    const e = engine();
    const failed = await e.run("dev", program(shape));
    expect(failed.error?.message).toContain(
      "gaia-db-dev was created by this run and left incomplete (1 of 2 machine(s), 2 volume(s)); it held no data and was destroyed. Run pulumi up again to create it anew.",
    );
    expect(fake.state().apps["gaia-db-dev"]).toBeUndefined();
    expect(fake.state().volumes).toEqual([]);

    const rerun = await e.run("dev", program(shape));
    expect(rerun.error).toBeUndefined();
    expect(rerun.outputs!.pgOrigin).toBe("created");
    expect(fake.state().apps["gaia-db-dev"].machines).toHaveLength(2);
    expect(rerun.outputs!.pgVolumes).toHaveLength(2);
  }, 300_000);
});
