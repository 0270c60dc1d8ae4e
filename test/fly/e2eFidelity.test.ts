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
