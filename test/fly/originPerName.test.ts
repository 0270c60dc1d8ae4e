/**
 * What the stack created is known per name: a name changed in config onto something that already
 * exists is adopted, and `pulumi destroy` leaves it, whatever the old name's origin was.
 */
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FakeFly } from "../support/fakeFly";
import { FlyStacks } from "../support/flyStack";
import { adminUrl } from "../support/postgres";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

function fly(fake: FakeFly, args: string[]): void {
  const r = spawnSync("fly", args, { env: fake.env(), encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
}

describe("a name changed onto an existing resource", () => {
  it("Redis: the other database is adopted and destroy leaves it", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    const first = await e.run("dev", program({ stack: "dev", parts: ["redis"] }));
    expect(first.error).toBeUndefined();
    expect(first.outputs!.redisOrigin).toBe("created");
    // Someone else's database, which config now names.
    fly(fake, [
      ...["redis", "create", "--name", "gaia-redis-shared", "--org", "aeonia-dev"],
      ...["--region", "lax", "--no-replicas", "--enable-eviction", "--enable-prodpack=false"],
    ]);
    const renamed = await e.run(
      "dev",
      program({ stack: "dev", parts: ["redis"], redisName: "gaia-redis-shared" }),
    );
    expect(renamed.error).toBeUndefined();
    expect(renamed.outputs!.redisOrigin).toBe("adopted");

    fake.clearCalls();
    expect((await e.destroy()).error).toBeUndefined();
    expect(fake.mutations()).toEqual([]);
    expect(Object.keys(fake.state().redis).sort()).toEqual(["gaia-redis-dev", "gaia-redis-shared"]);
  }, 300_000);

  it("unmanaged Postgres: the other app is adopted and destroy leaves it", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    const first = await e.run("dev", program({ stack: "dev", parts: ["postgres"] }));
    expect(first.error).toBeUndefined();
    expect(first.outputs!.pgOrigin).toBe("created");
    fly(fake, [
      ...["postgres", "create", "--name", "gaia-db-shared", "--org", "aeonia-dev", "--region"],
      ...["lax", "--vm-size", "shared-cpu-1x", "--volume-size", "10"],
      ...[
        "--initial-cluster-size",
        "1",
        "--password",
        decodeURIComponent(new URL(adminUrl()).password),
      ],
    ]);
    const renamed = await e.run(
      "dev",
      program({ stack: "dev", parts: ["postgres"], pgName: "gaia-db-shared" }),
    );
    expect(renamed.error).toBeUndefined();
    expect(renamed.outputs!.pgOrigin).toBe("adopted");

    fake.clearCalls();
    expect((await e.destroy()).error).toBeUndefined();
    expect(fake.mutations()).toEqual([]);
    expect(Object.keys(fake.state().apps).sort()).toEqual(["gaia-db-dev", "gaia-db-shared"]);
  }, 300_000);

  it("managed Postgres: the other cluster is adopted and destroy leaves it", async () => {
    const { fake, engine, program } = stacks.setup();
    const shape = { stack: "dev", parts: ["postgres" as const], kind: "managed" as const };
    const e = engine();
    const first = await e.run("dev", program(shape));
    expect(first.error).toBeUndefined();
    expect(first.outputs!.pgOrigin).toBe("created");
    // Another stack's cluster (its own state), which config now names.
    expect(
      (await engine().run("dev", program({ ...shape, pgName: "gaia-db-shared" }))).error,
    ).toBeUndefined();
    const renamed = await e.run("dev", program({ ...shape, pgName: "gaia-db-shared" }));
    expect(renamed.error).toBeUndefined();
    expect(renamed.outputs!.pgOrigin).toBe("adopted");

    fake.clearCalls();
    expect((await e.destroy()).error).toBeUndefined();
    expect(fake.mutations()).toEqual([]);
    expect(
      fake
        .state()
        .mpg.map((c: { name: string }) => c.name)
        .sort(),
    ).toEqual(["gaia-db-dev", "gaia-db-shared"]);
  }, 300_000);
});
