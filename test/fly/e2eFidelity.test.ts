/**
 * End to end against the fake flyctl, where flyctl's own behaviour decides the outcome: VM sizes,
 * Managed Postgres lookups and waits, Redis plans and existence, volume extends and zones.
 */
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { FakeFly } from "../support/fakeFly";
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
      const shape = {
        stack,
        vmSize: "shared-cpu-2x",
        migrationsChecksum: "a1",
        parts: ["postgres" as const],
      };
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
  const managed = { stack: "dev", kind: "managed" as const, parts: ["postgres" as const] };
  const LOOKUP = (id: string) => `Error: managed postgres cluster "${id}" not found`;

  it("a destroy whose lookup keeps failing never records the cluster gone; once it works, it is", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("dev", program(managed))).error).toBeUndefined();
    const id = fake.state().mpg[0].id;
    fake.injectFault({ match: "mpg destroy", kind: "503", times: 20 });
    const failed = await e.destroy();
    expect(failed.error?.message).toContain(
      `fly mpg destroy ${id} --yes failed 5 times; last (exit 1): ${LOOKUP(id)}. That reads as "not found", but the org still lists it, so it is not taken for gone: it may still exist and bill. Retry later.`,
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
      `fly mpg status ${id} --json failed 5 times; last (exit 1): ${LOOKUP(id)}. That reads as "not found", but the org still lists it, so it is not taken for gone`,
    );
    expect(failed.error?.message).not.toContain("vanished");
  }, 600_000);
});

describe("Managed Postgres plan after create", () => {
  it.each([
    ["basic", { basic: "Basic" }, "Basic", false],
    ["basic", { basic: "development" }, "development", true],
    ["starter", { starter: "Starter Plan" }, "Starter Plan", true],
    ["performance", { basic: "basic" }, "basic", true],
  ])(
    "config %s, API wording %j: the cluster is this stack's, the API's plan recorded, a mismatch reported",
    async (plan, wording, reported, mismatch) => {
      const { fake, engine, program } = stacks.setup({ GAIA_MPG_POLL_MS: "10" });
      fake.update((s) => {
        s.mpgApiPlanNames = wording;
      });
      const e = engine();
      const up = await e.run(
        "dev",
        program({ stack: "dev", kind: "managed", plan, parts: ["postgres"] }),
      );
      expect(up.error).toBeUndefined();
      expect(up.outputs!.pgOrigin).toBe("created");
      const saved = e.saved.get("postgres-cluster")!;
      const result = JSON.parse(saved.stdout.split("\n").at(-1)!);
      expect(result.planReported).toBe(reported);
      expect(result.notes.some((n: string) => n.startsWith(`plan is ${plan} in config`))).toBe(
        mismatch,
      );
      // Created by this stack: its destroy removes it.
      expect((await e.destroy()).error).toBeUndefined();
      expect(fake.state().mpg).toEqual([]);
    },
    600_000,
  );
});

describe("Managed Postgres creation wait", () => {
  const managed = { stack: "dev", kind: "managed" as const, parts: ["postgres" as const] };
  const statuses = (
    fake: { update: (f: (s: Record<string, unknown>) => void) => void },
    list: string[],
  ) =>
    fake.update((s) => {
      s.mpgStatuses = list;
    });

  it("takes over flyctl's wait once the cluster exists and reads the credentials when ready", async () => {
    const { fake, engine, program } = stacks.setup({ GAIA_MPG_POLL_MS: "10" });
    statuses(fake, ["provisioning", "provisioning", "ready"]);
    const up = await engine().run("dev", program(managed));
    expect(up.error).toBeUndefined();
    const c = fake.state().mpg[0];
    expect(String(up.outputs!.databaseUrl)).toMatch(
      new RegExp(`^postgresql://fly-user:${c.password}@pgbouncer\\.${c.id}\\.flympg\\.net/`),
    );
    expect(fake.calls().filter((x) => x.command === "mpg create")).toHaveLength(1);
  }, 600_000);

  it.each(["failed", "error"])(
    "a cluster that reports %s ends the wait with the id to destroy; the next up refuses to adopt it",
    async (status) => {
      const { fake, engine, program } = stacks.setup({ GAIA_MPG_POLL_MS: "10" });
      statuses(fake, ["provisioning", status]);
      const failed = await engine().run("dev", program(managed));
      const id = fake.state().mpg[0].id;
      expect(failed.error?.message).toContain(
        `gaia fly postgres: managed Postgres gaia-db-dev (${id}) reports status "${status}": Fly could not create it. It exists and may bill: destroy it with \`fly mpg destroy ${id} --yes\`, then run \`pulumi up\` again.`,
      );
      fake.clearCalls();
      const again = await engine().run("dev", program(managed));
      expect(again.error?.message).toContain(
        `refused, nothing was changed:\n  - stack dev, gaia:postgres: managed Postgres gaia-db-dev (${id}) is in status "${status}": Fly could not create it. Destroy it with \`fly mpg destroy ${id} --yes\`, then run \`pulumi up\` again.`,
      );
      expect(fake.mutations().filter((c) => c.command.startsWith("mpg"))).toEqual([]);
    },
    120_000,
  );

  it("is bounded: a cluster still provisioning fails the run with what to do", async () => {
    const { fake, engine, program } = stacks.setup({
      GAIA_MPG_POLL_MS: "10",
      GAIA_MPG_READY_TIMEOUT_S: "1",
    });
    statuses(fake, ["provisioning"]);
    const r = await engine().run("dev", program(managed));
    const id = fake.state().mpg[0].id;
    expect(r.error?.message).toContain(
      `managed Postgres gaia-db-dev (${id}) is not ready after 1 s (status "provisioning"). It goes on provisioning: run \`pulumi up\` again once \`fly mpg status ${id}\` says ready`,
    );
  }, 120_000);
});

describe("Redis with a fixed-price plan", () => {
  it.each([
    ["Fixed 250MB", false],
    ["flyio_fixed_1gb", true],
  ])(
    "plan %s, autoUpgrade %s: created without a prompt",
    async (plan, autoUpgrade) => {
      const { fake, engine, program } = stacks.setup();
      const e = engine();
      const up = await e.run(
        "dev",
        program({
          stack: "dev",
          redisPlan: plan,
          redisAutoUpgrade: autoUpgrade,
          parts: ["redis"],
        }),
      );
      expect(up.error).toBeUndefined();
      expect(fake.state().redis["gaia-redis-dev"]).toMatchObject({ plan, autoUpgrade });
      const create = fake.calls().find((c) => c.command === "redis create")!;
      expect(create.argv).toContain(`--enable-auto-upgrade=${autoUpgrade}`);
      expect(e.saved.get("redis-redis")!.inputs.environment).toMatchObject({
        PLAN: plan,
        AUTO_UPGRADE: String(autoUpgrade),
      });
    },
    600_000,
  );
});

describe("Redis existence comes from redis list, whatever redis status prints for a missing one", () => {
  it.each([
    'Could not find add-on "{name}"',
    "addOn {name} not available",
    "input: GetAddOn: record not found",
  ])(
    "not-found text %j: up creates Redis once; a database destroyed by hand is gone for the delete",
    async (text) => {
      const { fake, engine, program } = stacks.setup();
      fake.update((s) => {
        s.apiTexts = { redisNotFound: text };
      });
      const e = engine();
      const up = await e.run("dev", program({ stack: "dev", parts: ["redis"] }));
      expect(up.error).toBeUndefined();
      expect(up.outputs!.redisOrigin).toBe("created");
      expect(fake.calls().filter((c) => c.command === "redis create")).toHaveLength(1);

      const adopt = await engine().run("dev", program({ stack: "dev", parts: ["redis"] }));
      expect(adopt.error).toBeUndefined();
      expect(adopt.outputs!.redisOrigin).toBe("adopted");

      fake.update((s) => {
        s.redis = {};
      });
      fake.clearCalls();
      const destroyed = await e.destroy();
      expect(destroyed.error).toBeUndefined();
      expect(
        fake
          .calls()
          .filter((c) => c.command.startsWith("redis"))
          .map((c) => [c.command, c.exitCode]),
      ).toEqual([
        ["redis destroy", 1],
        ["redis list", 0],
      ]);
    },
    600_000,
  );

  it("a destroy that prints a not-found text while the list still shows the database is never recorded as gone", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("dev", program({ stack: "dev", parts: ["redis"] }))).error).toBeUndefined();
    fake.injectFault({
      match: "redis destroy",
      kind: "error",
      message: 'Could not find add-on "gaia-redis-dev"',
      times: 20,
    });
    const failed = await e.destroy();
    expect(failed.error?.message).toContain(
      'fly redis destroy gaia-redis-dev --yes failed 5 times; last (exit 1): Error: Could not find add-on "gaia-redis-dev". That reads as "not found", but the org still lists it, so it is not taken for gone: it may still exist and bill. Retry later.',
    );
    expect(Object.keys(fake.state().redis)).toEqual(["gaia-redis-dev"]);
    expect(e.saved.has("redis-redis")).toBe(true);
  }, 600_000);
});

describe("volumes extend that needs the machine restarted", () => {
  const pgVolume = (fake: FakeFly) =>
    fake.state().volumes.find((v: { name: string }) => v.name === "pg_data");

  it("dev: Postgres is restarted so the file system grows; a service machine is only reported", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    expect((await e.run("dev", program({ stack: "dev" }))).error).toBeUndefined();
    const machine = fake.state().apps["gaia-db-dev"].machines[0].id;
    fake.update((s) => {
      s.extendNeedsRestart = true;
      // A service machine mounting its certificate volume.
      s.volumes.find((v: { name: string }) => v.name === "gaia_certs").attached_machine_id = "svc1";
    });
    fake.clearCalls();
    const grown = await e.run(
      "dev",
      program({ stack: "dev", volumeSizeGb: 20, certVolumeSizeGb: 2 }),
    );
    expect(grown.error).toBeUndefined();
    expect(
      fake
        .mutations()
        .map((c) => c.argv.slice(0, 3).join(" "))
        .sort(),
    ).toEqual([
      `machine restart ${machine}`,
      expect.stringMatching(/^volumes extend vol_/),
      expect.stringMatching(/^volumes extend vol_/),
    ]);
    expect(pgVolume(fake)).toMatchObject({ size_gb: 20, fs_gb: 20 });
    const certs = fake.state().volumes.find((v: { name: string }) => v.name === "gaia_certs");
    expect(certs).toMatchObject({ size_gb: 2, fs_gb: 1 });
    expect(e.saved.get("services-gateway-volumes")!.stderr).toContain(
      `note: machine svc1 of gaia-gateway-dev must be stopped and started before volume ${certs.id}'s file system has 2 GB; this stack does not restart service machines: run fly machine restart svc1 -a gaia-gateway-dev.`,
    );
  }, 600_000);

  it("production: the restart waits for allowRestart, remembered from one up to the next", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    const base = { stack: "production", migrationsChecksum: "a1", parts: ["postgres" as const] };
    expect((await e.run("production", program(base))).error).toBeUndefined();
    const machine = fake.state().apps["gaia-db-production"].machines[0].id;
    fake.update((s) => {
      s.extendNeedsRestart = true;
    });
    fake.clearCalls();
    const grown = await e.run("production", program({ ...base, volumeSizeGb: 20 }));
    expect(grown.error).toBeUndefined();
    expect(fake.mutations().map((c) => c.command)).toEqual(["volumes extend"]);
    expect(pgVolume(fake)).toMatchObject({ size_gb: 20, fs_gb: 10 });
    const cluster = e.saved.get("postgres-cluster")!;
    expect(JSON.parse(cluster.stdout.split("\n").at(-1)!).restartPending).toEqual([machine]);
    expect(cluster.stderr).toContain(
      `note: machine ${machine} must be stopped and started before its grown volume's file system has the new size; that restarts Postgres, so it was not done.`,
    );

    fake.clearCalls();
    const allowed = await e.run(
      "production",
      program({ ...base, volumeSizeGb: 20, allowRestart: true }),
    );
    expect(allowed.error).toBeUndefined();
    expect(fake.mutations().map((c) => c.argv.join(" "))).toEqual([
      `machine restart ${machine} -a gaia-db-production`,
    ]);
    expect(pgVolume(fake)).toMatchObject({ size_gb: 20, fs_gb: 20 });
  }, 600_000);
});

describe("several certificate volumes of one name in one region", () => {
  it("each goes to a zone of its own", async () => {
    const { fake, engine, program } = stacks.setup();
    const up = await engine().run(
      "dev",
      program({ stack: "dev", volumesPerApp: 3, parts: ["services"] }),
    );
    expect(up.error).toBeUndefined();
    const certs = fake.state().volumes.filter((v: { name: string }) => v.name === "gaia_certs");
    expect(new Set(certs.map((v: { zone: string }) => v.zone)).size).toBe(3);
    for (const c of fake.calls().filter((x) => x.command === "volumes create"))
      expect(c.argv).toContain("--require-unique-zone=true");
  }, 600_000);

  it.each([undefined, "insufficient resources to create new volume in lax (Request ID: X)"])(
    "with no free zone left (API text %j) the run fails with the why and the ways out; a volume made by hand is adopted",
    async (text) => {
      const { fake, engine, program } = stacks.setup();
      fake.update((s) => {
        s.zonesPerRegion = 2;
        if (text) s.apiTexts = { uniqueZone: text };
      });
      const e = engine();
      const failed = await e.run(
        "dev",
        program({ stack: "dev", volumesPerApp: 3, parts: ["services"] }),
      );
      expect(failed.error?.message).toContain(
        "Each volume named gaia_certs goes to a hardware zone of lax that holds no other (fly volumes create --require-unique-zone, kept on so that the machines mounting them run on different hosts), and gaia-gateway-dev already has 2 there: the region may have no free zone left. Set gaia:certificates.volumesPerApp to 2, or create the volume yourself with `fly volumes create gaia_certs -a gaia-gateway-dev --region lax --size 1 --require-unique-zone=false --yes` and run pulumi up again (it is adopted, and never destroyed by this stack).",
      );
      const byHand = spawnSync(
        "fly",
        [
          "volumes",
          "create",
          "gaia_certs",
          "-a",
          "gaia-gateway-dev",
          "--region",
          "lax",
          "--size",
          "1",
          "--require-unique-zone=false",
          "--yes",
        ],
        { env: fake.env(), encoding: "utf8" },
      );
      expect(byHand.status).toBe(0);
      fake.clearCalls();
      const again = await e.run(
        "dev",
        program({ stack: "dev", volumesPerApp: 3, parts: ["services"] }),
      );
      expect(again.error).toBeUndefined();
      expect(fake.mutations().filter((c) => c.command === "volumes create")).toEqual([]);
      expect(
        fake.state().volumes.filter((v: { name: string }) => v.name === "gaia_certs"),
      ).toHaveLength(3);
    },
    600_000,
  );
});
