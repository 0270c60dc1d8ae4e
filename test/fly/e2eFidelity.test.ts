/**
 * End to end against the fake flyctl, where flyctl's own behaviour decides the outcome: VM sizes,
 * Managed Postgres lookups and waits, Redis plans and existence, volume extends and zones.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FlyStacks, markCodeChanged } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

describe("Postgres VM sizes round-trip", () => {
  it.each(["production", "dev"])(
    "%s: a cluster created at shared-cpu-2x keeps its 4 GB; the next update neither refuses nor resizes",
    async (stack) => {
      const { fake, engine, program } = stacks.setup();
      const e = engine();
      const shape = { stack, vmSize: "shared-cpu-2x", migrationsChecksum: "a1" };
      const up = await e.run(stack, program(shape));
      expect(up.error).toBeUndefined();
      const created = fake.calls().find((c) => c.command === "postgres create")!;
      expect(created.argv.slice(8, 14)).toEqual([
        "--vm-cpu-kind",
        "shared",
        "--vm-cpus",
        "2",
        "--vm-memory",
        "4096",
      ]);
      const guest = { cpu_kind: "shared", cpus: 2, memory_mb: 4096 };
      expect(fake.state().apps[`gaia-db-${stack}`].machines[0].guest).toEqual(guest);

      markCodeChanged(e);
      fake.clearCalls();
      const again = await e.run(stack, program(shape));
      expect(again.error).toBeUndefined();
      expect(again.ops.find((o) => o.name === "postgres-cluster")?.op).toBe("update");
      expect(fake.mutations()).toEqual([]);
      expect(fake.state().apps[`gaia-db-${stack}`].machines[0].guest).toEqual(guest);
    },
    600_000,
  );
});

describe("Managed Postgres: flyctl's 'not found' is no proof", () => {
  const managed = { stack: "dev", kind: "managed" as const };
  const LOOKUP = (id: string) => `Error: managed postgres cluster "${id}" not found`;

  it("a destroy whose lookup keeps failing never records the cluster gone; once it works, it is", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("dev", program(managed))).error).toBeUndefined();
    const id = fake.state().mpg[0].id;
    fake.injectFault({ match: "mpg destroy", kind: "503", times: 20 });
    const failed = await e.destroy();
    expect(failed.error?.message).toContain(
      `fly mpg destroy ${id} --yes failed 5 times; last (exit 1): ${LOOKUP(id)}. flyctl prints this for any failed lookup (a 429, 5xx or timeout too) and the org still lists it, so it is not taken for gone: it may still exist and bill. Retry later.`,
    );
    expect(fake.state().mpg.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(e.saved.has("postgres-cluster")).toBe(true);

    fake.update((s) => {
      s.faults = [];
    });
    const done = await e.destroy();
    expect(done.error).toBeUndefined();
    expect(fake.state().mpg).toEqual([]);
    expect(e.saved.size).toBe(0);
  }, 600_000);

  it("a cluster destroyed by hand is gone once mpg list no longer has it", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("dev", program(managed))).error).toBeUndefined();
    fake.update((s) => {
      s.mpg = [];
    });
    fake.clearCalls();
    const done = await e.destroy();
    expect(done.error).toBeUndefined();
    expect(
      fake
        .calls()
        .filter((c) => c.command.startsWith("mpg"))
        .map((c) => [c.command, c.exitCode]),
    ).toEqual([
      ["mpg destroy", 1],
      ["mpg list", 0],
    ]);
  }, 600_000);

  it("a read retries a failed lookup instead of declaring the cluster vanished", async () => {
    const { fake, engine, program } = stacks.setup();
    const first = await engine().run("dev", program(managed));
    expect(first.error).toBeUndefined();
    // A fresh state adopts the cluster and reads its credentials with `mpg status`.
    fake.injectFault({ match: "mpg status", kind: "429", times: 2 });
    const adopted = await engine().run("dev", program(managed));
    expect(adopted.error).toBeUndefined();
    expect(adopted.outputs!.databaseUrl).toBe(first.outputs!.databaseUrl);

    fake.injectFault({ match: "mpg status", kind: "timeout", times: 20 });
    const failed = await engine().run("dev", program(managed));
    const id = fake.state().mpg[0].id;
    expect(failed.error?.message).toContain(
      `fly mpg status ${id} --json failed 5 times; last (exit 1): ${LOOKUP(id)}. flyctl prints this for any failed lookup`,
    );
    expect(failed.error?.message).not.toContain("vanished");
  }, 600_000);
});
