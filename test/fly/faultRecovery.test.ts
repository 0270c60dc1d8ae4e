/**
 * A flyctl mutation that takes effect and then fails (the API applied it, flyctl reported an
 * error): the run fails, and the next run completes on what the failed one left, without
 * duplicates; the run after it changes nothing. One case per mutation the program makes.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FakeFly } from "../support/fakeFly";
import { FlyStacks, type Shape } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

const services: Shape = { stack: "dev", parts: ["services"] };
const redis: Shape = { stack: "dev", parts: ["redis"] };
const unmanaged: Shape = { stack: "dev", parts: ["postgres"] };
const managed: Shape = { stack: "dev", parts: ["postgres"], kind: "managed" };

/** What each case must find once the re-run is done: counts, so a duplicate shows. */
const counts = (fake: FakeFly) => {
  const s = fake.state();
  return {
    apps: Object.keys(s.apps).length,
    volumes: s.volumes.length,
    redis: Object.keys(s.redis).length,
    mpg: s.mpg.length,
  };
};

describe("a mutation that fails after taking effect, then the next run", () => {
  it.each([
    // [command, shape of the failing run, shape of a successful run before it, counts after]
    ["apps create", services, undefined, { apps: 1, volumes: 1, redis: 0, mpg: 0 }],
    ["volumes create", services, undefined, { apps: 1, volumes: 1, redis: 0, mpg: 0 }],
    ["secrets import", services, undefined, { apps: 1, volumes: 1, redis: 0, mpg: 0 }],
    [
      "volumes extend",
      { ...services, certVolumeSizeGb: 2 },
      services,
      { apps: 1, volumes: 1, redis: 0, mpg: 0 },
    ],
    ["redis create", redis, undefined, { apps: 0, volumes: 0, redis: 1, mpg: 0 }],
    [
      "machine update",
      { ...unmanaged, vmSize: "shared-cpu-2x" },
      unmanaged,
      { apps: 1, volumes: 1, redis: 0, mpg: 0 },
    ],
    ["mpg create", managed, undefined, { apps: 0, volumes: 0, redis: 0, mpg: 1 }],
    ["mpg databases create", managed, undefined, { apps: 0, volumes: 0, redis: 0, mpg: 1 }],
  ] as const)(
    "%s: the run fails, the next completes, the one after changes nothing",
    async (command, shape, before, expected) => {
      const { fake, engine, program } = stacks.setup({ GAIA_MPG_POLL_MS: "20" });
      const e = engine();
      if (before !== undefined) expect((await e.run("dev", program(before))).error).toBeUndefined();
      fake.injectFault({ match: command, kind: "fail-after-create", message: "boom" });
      fake.clearCalls();
      const failed = await e.run("dev", program(shape));
      expect(failed.error?.message).toContain("Error: boom");
      // The fault was taken by the command it names: it did fail after its mutation.
      expect(fake.state().faults).toEqual([]);
      expect(fake.mutations().filter((c) => c.command === command)).toHaveLength(1);

      const rerun = await e.run("dev", program(shape));
      expect(rerun.error).toBeUndefined();
      expect(counts(fake)).toEqual(expected);

      fake.clearCalls();
      const again = await e.run("dev", program(shape));
      expect(again.error).toBeUndefined();
      expect(fake.mutations()).toEqual([]);
    },
    600_000,
  );
});
