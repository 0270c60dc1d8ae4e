/**
 * A restart owed for a grown volume survives a run that fails before recording it: the next run
 * finds the volume larger than the last recorded result says and restarts the machine.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FakeFly } from "../support/fakeFly";
import { FlyStacks } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

const pgVolume = (fake: FakeFly) =>
  fake.state().volumes.find((v: { name: string }) => v.name === "pg_data");

describe("a machine restart that fails after its volume grew", () => {
  it("is done by the next up", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    const base = { stack: "dev", parts: ["postgres" as const] };
    expect((await e.run("dev", program(base))).error).toBeUndefined();
    const machine = fake.state().apps["gaia-db-dev"].machines[0].id;
    fake.update((s) => {
      s.extendNeedsRestart = true;
    });
    // The API's words for a failed restart are its own: any failure will do.
    fake.injectFault({
      match: "machine restart",
      kind: "error",
      message: "restart refused (fake)",
    });
    const failed = await e.run("dev", program({ ...base, volumeSizeGb: 20 }));
    expect(failed.error?.message).toContain("Error: restart refused (fake)");
    expect(pgVolume(fake)).toMatchObject({ size_gb: 20, fs_gb: 10 });

    fake.clearCalls();
    const next = await e.run("dev", program({ ...base, volumeSizeGb: 20 }));
    expect(next.error).toBeUndefined();
    expect(fake.mutations().map((c) => c.argv.join(" "))).toEqual([
      `machine restart ${machine} -a gaia-db-dev`,
    ]);
    expect(pgVolume(fake)).toMatchObject({ size_gb: 20, fs_gb: 20 });
    const result = e.saved.get("postgres-cluster")!.stdout.split("\n").at(-1)!;
    expect(JSON.parse(result)).toMatchObject({ volumeSizesGb: [20], restartPending: [] });
  }, 300_000);
});
