/**
 * End to end with the API's words varied: what flyctl's source cannot show (how the Machines
 * API says a volume is missing, how it says a machine could not be placed, the wording of a
 * failed request) is set to more than one text, and the program's outcome must not change.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FlyStacks } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

const services = { stack: "dev", parts: ["services" as const] };

/**
 * Two answers for everything only the API knows: region list, hardware zones, plan wordings,
 * not-found texts, snapshot statuses. The same stack must make the same flyctl calls in both.
 */
const WORLDS: Record<string, (s: Record<string, unknown>) => void> = {
  "the fake's defaults": () => {},
  "other API words": (s) => {
    s.regions = ["lax", "sjc", "iad", "ord"];
    s.zonesPerRegion = 5;
    s.redisPlans = [
      { id: "ekQ85Yjkw155ohQ5ALYq0M", displayName: "PAYG (usage based)" },
      { id: "plan_fixed", displayName: "Fixed 1GB" },
    ];
    s.snapshotStatus = "completed";
    s.apiTexts = {
      appNotFound: 'Could not find App "{name}"',
      volumeNotFound: "Volume {id} does not exist",
      redisNotFound: "input: GetAddOn: record not found",
      orgNotFound: "Organization {slug} not found",
    };
  },
};

describe("the same calls whatever the API's words", () => {
  it("create, adopt in a fresh state, destroy: identical flyctl calls in both worlds", async () => {
    const runs: Record<string, string[][]> = {};
    for (const [world, set] of Object.entries(WORLDS)) {
      const { fake, engine, program } = stacks.setup();
      fake.update(set);
      const shape = { stack: "dev", migrationsChecksum: "a1" };
      const up = await engine().run("dev", program(shape));
      expect(up.error, world).toBeUndefined();
      const e = engine();
      const adopt = await e.run("dev", program(shape));
      expect(adopt.error, world).toBeUndefined();
      expect(adopt.outputs!.redisOrigin).toBe("adopted");
      const destroyed = await e.destroy();
      expect(destroyed.error, world).toBeUndefined();
      // Resources run concurrently: the calls as a sorted list, not in order.
      runs[world] = fake
        .calls()
        .map((c) => [c.command, String(c.exitCode)])
        .sort((x, y) => x.join().localeCompare(y.join()));
    }
    const [a, b] = Object.values(runs);
    expect(b).toEqual(a);
  }, 600_000);
});

describe("a certificate volume's delete: gone is what volumes list says, whatever the destroy printed", () => {
  it.each([undefined, "Volume {id} does not exist"])(
    "not-found text %j: a volume destroyed by hand is gone for the stack's destroy",
    async (text) => {
      const { fake, engine, program } = stacks.setup();
      if (text) fake.update((s) => (s.apiTexts = { volumeNotFound: text }));
      const e = engine();
      const up = await e.run("dev", program(services));
      expect(up.error).toBeUndefined();
      fake.update((s) => {
        s.volumes = [];
      });
      fake.clearCalls();
      const destroyed = await e.destroy();
      expect(destroyed.error).toBeUndefined();
      expect(
        fake
          .calls()
          .filter((c) => c.command.startsWith("volumes"))
          .map((c) => [c.command, c.exitCode]),
      ).toEqual([
        ["volumes destroy", 1],
        ["volumes list", 0],
      ]);
    },
    600_000,
  );

  it("a destroy that says 'volume not found' while the list still shows the volume is never recorded as gone", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("dev", program(services))).error).toBeUndefined();
    const id = fake.state().volumes[0].id;
    fake.injectFault({
      match: "volumes destroy",
      kind: "error",
      message: `failed destroying volume: failed to destroy volume ${id}: volume not found`,
      times: 20,
    });
    const destroyed = await e.destroy();
    expect(destroyed.error?.message).toContain(
      `fly volumes destroy ${id} -a gaia-gateway-dev --yes failed 5 times; last (exit 1): Error: failed destroying volume: failed to destroy volume ${id}: volume not found. That reads as "not found", but the org still lists it`,
    );
    expect(fake.state().volumes.map((v: { id: string }) => v.id)).toContain(id);
  }, 600_000);
});
