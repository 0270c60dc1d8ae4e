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

describe("a certificate volume's delete: gone is what volumes list says, whatever the destroy printed", () => {
  it.each([undefined, "Volume {id} does not exist", "not_found: no such volume"])(
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
