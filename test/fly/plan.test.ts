import { describe, expect, it } from "vitest";
import type { AppStatus, Volume } from "../../src/fly/parsers";
import {
  createdByStack,
  managedPlanNote,
  originAfter,
  planPendingRestarts,
  planPostgres,
  planVolumeSet,
  redisDifferences,
  restartsOwedSinceRecorded,
} from "../../src/fly/plan";

const machine = (id: string, region = "lax", memoryMb = 256, cpus = memoryMb === 256 ? 1 : 2) => ({
  id,
  state: "started",
  region,
  guest: { cpuKind: "shared", cpus, memoryMb },
  volumes: [],
});
const SHARED_2X = { cpuKind: "shared", cpus: 2, memoryMb: 4096 };
const vol = (id: string, sizeGb: number, name = "pg_data", region = "lax"): Volume => ({
  id,
  name,
  state: "created",
  sizeGb,
  region,
  attachedMachineId: null,
});
const live = (machines = [machine("m1")]): AppStatus => ({
  id: "gaia-db-dev",
  name: "gaia-db-dev",
  orgSlug: "aeonia-dev",
  status: "deployed",
  machines,
});
const desired = {
  stack: "dev",
  name: "gaia-db-dev",
  region: "lax",
  vmSize: "shared-cpu-1x",
  volumeSizeGb: 10,
  clusterSize: 1,
  allowRestart: false,
};

describe("originAfter", () => {
  // Origin is per name: "created" carries over only from a result about this very resource.
  const created = { origin: "created", app: "gaia-db-dev" };
  it.each([
    ["a first run that created it", undefined, "created", "created"],
    ["a first run that adopted it", undefined, "adopted", "adopted"],
    ["an update of what the stack created", created, "adopted", "created"],
    [
      "an update of what the stack adopted",
      { origin: "adopted", app: "gaia-db-dev" },
      "adopted",
      "adopted",
    ],
    [
      "a name change onto an existing app: adopted, whatever the old name's origin",
      { origin: "created", app: "gaia-db-old" },
      "adopted",
      "adopted",
    ],
    [
      "a name change that created the new app",
      { origin: "created", app: "gaia-db-old" },
      "created",
      "created",
    ],
    ["a result that names no app proves nothing", { origin: "created" }, "adopted", "adopted"],
  ] as const)("%s", (_name, prev, found, expected) => {
    expect(originAfter(prev, { app: "gaia-db-dev" }, found)).toBe(expected);
  });
});

describe("createdByStack", () => {
  it.each([
    [{ origin: "created", name: "gaia-redis-dev" }, true],
    [{ origin: "created", name: "gaia-redis-other" }, false],
    [{ origin: "adopted", name: "gaia-redis-dev" }, false],
    [{ origin: "created" }, false],
    [undefined, false],
  ] as const)("%j → %s", (prev, expected) => {
    expect(createdByStack(prev, { name: "gaia-redis-dev" })).toBe(expected);
  });
});

describe("planPostgres", () => {
  it.each([
    ["no change", desired, live(), [vol("v1", 10)], { refusals: [], actions: [], notes: [] }],
    [
      "a larger volume size extends each data volume",
      { ...desired, volumeSizeGb: 20 },
      live(),
      [vol("v1", 10), vol("v2", 20), vol("x", 1, "other")],
      {
        refusals: [],
        actions: [{ kind: "extend-volume", volumeId: "v1", fromGb: 10, toGb: 20 }],
        notes: [],
      },
    ],
    [
      "a VM-size change in dev updates each machine to the pg create guest, fly-go's shared-cpu-2x included",
      { ...desired, vmSize: "shared-cpu-2x" },
      live([machine("m1"), machine("m2", "lax", 512), machine("m3", "lax", 4096)]),
      [],
      {
        refusals: [],
        actions: [
          { kind: "update-vm", machineId: "m1", vmSize: "shared-cpu-2x", guest: SHARED_2X },
          { kind: "update-vm", machineId: "m2", vmSize: "shared-cpu-2x", guest: SHARED_2X },
        ],
        notes: [
          "clusterSize is 1 but the cluster has 3 node(s); clusterSize applies at creation only (add or remove nodes with fly machine clone / destroy).",
        ],
      },
    ],
    [
      "a machine pg create made at shared-cpu-2x (4096 MB) is vmSize shared-cpu-2x: nothing to do",
      { ...desired, stack: "production", vmSize: "shared-cpu-2x" },
      live([machine("m1", "lax", 4096)]),
      [],
      { refusals: [], actions: [], notes: [] },
    ],
    [
      "a machine sized by hand to no flyctl size is reported, never resized",
      { ...desired, vmSize: "shared-cpu-2x" },
      live([machine("m1", "lax", 2048)]),
      [],
      {
        refusals: [],
        actions: [],
        notes: [
          "machine m1 runs 2 shared CPUs, 2048 MB, which is no flyctl VM size; it is left as it is, not resized to vmSize shared-cpu-2x (2 shared CPUs, 4096 MB). Resize it by hand (fly machine update m1 -a gaia-db-dev --vm-cpu-kind shared --vm-cpus 2 --vm-memory 4096) or set gaia:postgres.vmSize to match it.",
        ],
      },
    ],
    [
      "a VM-size change in production with allowRestart",
      { ...desired, stack: "production", vmSize: "shared-cpu-2x", allowRestart: true },
      live(),
      [],
      {
        refusals: [],
        actions: [
          { kind: "update-vm", machineId: "m1", vmSize: "shared-cpu-2x", guest: SHARED_2X },
        ],
        notes: [],
      },
    ],
  ])("%s", (_n, d, l, v, expected) => {
    expect(planPostgres(d, l, v)).toEqual(expected);
  });

  it.each([
    [
      "shrink",
      { ...desired, volumeSizeGb: 5 },
      live(),
      "stack dev, gaia:postgres, Postgres app gaia-db-dev: volumeSizeGb is 5 but volume v1 already has 10 GB. Fly volumes cannot shrink; set gaia:postgres.volumeSizeGb to 10 or more.",
    ],
    [
      "region change",
      { ...desired, region: "sjc" },
      live(),
      "stack dev, gaia:postgres, Postgres app gaia-db-dev: region is sjc in config but the cluster runs in lax. A Fly Postgres cluster cannot move region; set gaia:fly.region back to lax (a move is a new cluster plus a data migration).",
    ],
    [
      "a VM-size change in production without allowRestart",
      { ...desired, stack: "production", vmSize: "performance-1x" },
      live(),
      "stack production, gaia:postgres, Postgres app gaia-db-dev: vmSize is performance-1x (1 performance CPU, 2048 MB) but the machines run shared-cpu-1x (1 shared CPU, 256 MB); changing it restarts Postgres. Set gaia:postgres.allowRestart to true for this update, or set vmSize back to shared-cpu-1x.",
    ],
    [
      "change from fly-go's shared-cpu-2x in production without allowRestart",
      { ...desired, stack: "production", vmSize: "shared-cpu-2x" },
      live([machine("m1", "lax", 512)]),
      "stack production, gaia:postgres, Postgres app gaia-db-dev: vmSize is shared-cpu-2x (2 shared CPUs, 4096 MB) but the machines run 2 shared CPUs, 512 MB (fly-go's shared-cpu-2x, as `fly machine update --vm-size` sets it); changing it restarts Postgres. Set gaia:postgres.allowRestart to true for this update (no vmSize names their current size).",
    ],
    [
      "VM size pg create does not know",
      { ...desired, vmSize: "shared-cpu-6x" },
      live(),
      "stack dev, gaia:postgres, Postgres app gaia-db-dev: vmSize shared-cpu-6x is not a size `fly postgres create` knows; set gaia:postgres.vmSize to one of shared-cpu-1x, shared-cpu-2x, shared-cpu-4x, shared-cpu-8x, performance-1x, performance-2x, performance-4x, performance-8x, performance-16x.",
    ],
  ])("refuses a %s, with no action", (_n, d, l, refusal) => {
    const plan = planPostgres(d, l, [vol("v1", 10)]);
    expect(plan.refusals).toEqual([refusal]);
  });
});

describe("planVolumeSet", () => {
  const d = {
    stack: "dev",
    app: "gaia-web-dev",
    name: "gaia_certs",
    region: "lax",
    sizeGb: 1,
    count: 2,
  };
  it.each([
    [
      "none yet: create count",
      d,
      [],
      {
        refusals: [],
        actions: [
          { kind: "create", sizeGb: 1 },
          { kind: "create", sizeGb: 1 },
        ],
        notes: [],
      },
    ],
    [
      "one exists, another name ignored: create one",
      d,
      [vol("a", 1, "gaia_certs"), vol("b", 1, "data")],
      { refusals: [], actions: [{ kind: "create", sizeGb: 1 }], notes: [] },
    ],
    [
      "grow in place",
      { ...d, sizeGb: 3 },
      [vol("a", 1, "gaia_certs"), vol("b", 3, "gaia_certs")],
      { refusals: [], actions: [{ kind: "extend", volumeId: "a", fromGb: 1, toGb: 3 }], notes: [] },
    ],
    [
      "more than wanted, one elsewhere: reported, nothing destroyed",
      { ...d, count: 1 },
      [vol("a", 1, "gaia_certs"), vol("b", 1, "gaia_certs", "sjc")],
      {
        refusals: [],
        actions: [],
        notes: [
          "gaia-web-dev has 2 volumes named gaia_certs, more than volumesPerApp (1); none is destroyed.",
          "b in gaia-web-dev are in sjc, not lax; they are kept.",
        ],
      },
    ],
  ])("%s", (_n, desiredSet, liveVolumes, expected) => {
    expect(planVolumeSet(desiredSet, liveVolumes)).toEqual(expected);
  });

  it("refuses a shrink", () => {
    expect(planVolumeSet({ ...d, count: 1 }, [vol("a", 3, "gaia_certs")]).refusals).toEqual([
      "stack dev, gaia:certificates.volumeSizeGb: 1 is smaller than volume a (gaia_certs in gaia-web-dev, 3 GB). Fly volumes cannot shrink; set it to 3 or more.",
    ]);
  });
});

describe("redisDifferences", () => {
  const d = { region: "lax", eviction: true, replicaRegions: [] as string[] };
  const liveRedis = {
    "Primary Region": "lax",
    Eviction: "Enabled",
    "Read Regions": "None",
    Plan: "Pay-as-you-go",
  };
  it.each([
    ["none", d, liveRedis, []],
    [
      "region and eviction",
      { ...d, region: "sjc", eviction: false },
      liveRedis,
      [
        "region is sjc in config but lax on Fly; Redis settings apply at creation only, nothing was changed.",
        "eviction is false in config but true on Fly; Redis settings apply at creation only, nothing was changed.",
      ],
    ],
    [
      "replicas and plan",
      { ...d, replicaRegions: ["sjc"], plan: "Fixed 250MB" },
      liveRedis,
      [
        "replicaRegions is [sjc] in config but [] on Fly; Redis settings apply at creation only, nothing was changed.",
        "plan is Fixed 250MB in config but Pay-as-you-go on Fly; Redis settings apply at creation only, nothing was changed.",
      ],
    ],
    [
      "auto-upgrade",
      { ...d, plan: "Fixed 250MB", autoUpgrade: false },
      { ...liveRedis, Plan: "Fixed 250MB", "Auto-Upgrade": "Enabled" },
      [
        "autoUpgrade is false in config but true on Fly; Redis settings apply at creation only, nothing was changed.",
      ],
    ],
    [
      "auto-upgrade as configured",
      { ...d, plan: "Fixed 250MB", autoUpgrade: true },
      { ...liveRedis, Plan: "Fixed 250MB", "Auto-Upgrade": "Enabled" },
      [],
    ],
  ])("%s", (_n, desiredRedis, l, expected) => {
    expect(redisDifferences(desiredRedis, l)).toEqual(expected);
  });
});

describe("planPendingRestarts", () => {
  const note = (id: string) =>
    `machine ${id} must be stopped and started before its grown volume's file system has the new size; that restarts Postgres, so it was not done. Set gaia:postgres.allowRestart to true and run pulumi up (the restart is remembered until done), or run fly machine restart ${id} -a gaia-db-dev.`;
  it.each([
    ["dev restarts", "dev", false, ["m1"], [], { restart: ["m1"], keep: [], notes: [] }],
    [
      "production without allowRestart keeps and reports",
      "production",
      false,
      ["m1", "m1"],
      [],
      { restart: [], keep: ["m1"], notes: [note("m1")] },
    ],
    [
      "production with allowRestart restarts",
      "production",
      true,
      ["m1"],
      [],
      { restart: ["m1"], keep: [], notes: [] },
    ],
    [
      "a machine updated in this run, or gone, needs nothing",
      "production",
      false,
      ["m1", "m2", "gone"],
      ["m2"],
      { restart: [], keep: ["m1"], notes: [note("m1")] },
    ],
  ] as const)("%s", (_n, stack, allowRestart, pending, updated, expected) => {
    expect(
      planPendingRestarts(
        { stack, name: "gaia-db-dev", allowRestart },
        pending,
        ["m1", "m2"],
        updated,
      ),
    ).toEqual(expected);
  });
});

describe("managedPlanNote", () => {
  it.each([
    ["basic", "Basic", "basic", undefined],
    ["basic", undefined, "Basic", undefined],
    ["scale", "Scale", " SCALE ", undefined],
    [
      "basic",
      "Basic",
      "development",
      'plan is basic in config, but flyctl selected Basic and the API reports "development" for cluster c1; nothing was changed (flyctl creates basic for a plan it does not know, and the API may word plans its own way). Compare in the Fly dashboard and change the plan there if they differ.',
    ],
    [
      "performance",
      "Basic",
      "basic",
      'plan is performance in config, but flyctl selected Basic and the API reports "basic" for cluster c1; nothing was changed (flyctl creates basic for a plan it does not know, and the API may word plans its own way). Compare in the Fly dashboard and change the plan there if they differ.',
    ],
    [
      "launch",
      undefined,
      "scale",
      'plan is launch in config, but the API reports "scale" for cluster c1; nothing was changed (flyctl creates basic for a plan it does not know, and the API may word plans its own way). Compare in the Fly dashboard and change the plan there if they differ.',
    ],
  ])("config %s, flyctl %s, API %j", (config, selected, reported, note) => {
    expect(managedPlanNote(config, selected, reported, "c1")).toBe(note);
  });
});

describe("restartsOwedSinceRecorded", () => {
  const attached = (id: string, sizeGb: number, machine: string | null): Volume => ({
    ...vol(id, sizeGb),
    attachedMachineId: machine,
  });
  const recorded = { volumes: ["v1", "v2"], volumeSizesGb: [10, 10] };
  it.each([
    ["nothing recorded (a first run)", undefined, [attached("v1", 20, "m1")], []],
    ["sizes as recorded", recorded, [attached("v1", 10, "m1"), attached("v2", 10, "m2")], []],
    [
      "a volume grown since the last recorded run: its machine still owes the restart",
      recorded,
      [attached("v1", 20, "m1"), attached("v2", 10, "m2")],
      ["m1"],
    ],
    ["grown but mounted by no machine", recorded, [attached("v1", 20, null)], []],
    ["a volume the record does not know", recorded, [attached("v9", 20, "m9")], []],
  ] as const)("%s", (_n, previous, volumes, expected) => {
    expect(restartsOwedSinceRecorded(previous, volumes)).toEqual(expected);
  });
});
