/**
 * The fake flyctl where flyctl's behaviour is easy to get wrong: each expectation here was read in
 * flyctl v0.4.87 / fly-go v0.9.6 (the fake's tables cite the file and line).
 */
import { spawn, spawnSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

let fake: FakeFly;
beforeEach(() => {
  fake = createFakeFly();
});
afterEach(() => fake.remove());

function fly(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync("fly", args, { env: fake.env(env), input: "", encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const pgCreate = (...sizing: string[]) => [
  "postgres",
  "create",
  "--name",
  "gaia-db-dev",
  "--org",
  "aeonia-dev",
  "--region",
  "lax",
  "--volume-size",
  "10",
  "--initial-cluster-size",
  "1",
  ...sizing,
];

const guestOf = () => fake.state().apps["gaia-db-dev"].machines[0].guest;

describe("VM sizes: pg create resolves names in flyctl's MachineVMSizes, machine update in fly-go's presets", () => {
  it.each([
    ["shared-cpu-1x", { cpu_kind: "shared", cpus: 1, memory_mb: 256 }],
    ["shared-cpu-2x", { cpu_kind: "shared", cpus: 2, memory_mb: 4096 }],
    ["shared-cpu-4x", { cpu_kind: "shared", cpus: 4, memory_mb: 8192 }],
    ["shared-cpu-8x", { cpu_kind: "shared", cpus: 8, memory_mb: 16384 }],
    ["performance-2x", { cpu_kind: "performance", cpus: 2, memory_mb: 4096 }],
    ["performance-16x", { cpu_kind: "performance", cpus: 16, memory_mb: 32768 }],
  ])("pg create --vm-size %s", (size, guest) => {
    expect(fly(pgCreate("--vm-size", size)).code).toBe(0);
    expect(guestOf()).toEqual(guest);
  });

  it.each(["shared-cpu-6x", "performance-10x"])("pg create refuses --vm-size %s", (size) => {
    const r = fly(pgCreate("--vm-size", size));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: VM size "${size}" is not valid. For a full list of supported sizes use the command 'flyctl platform vm-sizes'\n`,
    );
    expect(fake.state().apps).toEqual({});
  });

  it.each([
    [
      "kind, CPUs and memory, without --vm-size",
      ["--vm-cpu-kind", "shared", "--vm-cpus", "2", "--vm-memory", "4096"],
      { cpu_kind: "shared", cpus: 2, memory_mb: 4096 },
    ],
    [
      "--vm-size with --vm-memory: the fly-go preset, then the memory",
      ["--vm-size", "shared-cpu-2x", "--vm-memory", "1024"],
      { cpu_kind: "shared", cpus: 2, memory_mb: 1024 },
    ],
    [
      "--vm-memory alone: over fly-go's default size",
      ["--vm-memory", "1gb"],
      { cpu_kind: "shared", cpus: 1, memory_mb: 1024 },
    ],
  ])("pg create with explicit VM flags (%s) builds the guest from them", (_n, flags, guest) => {
    expect(fly(pgCreate(...flags)).code).toBe(0);
    expect(guestOf()).toEqual(guest);
  });

  it.each([
    [["--vm-size", "shared-cpu-2x"], { cpu_kind: "shared", cpus: 2, memory_mb: 512 }],
    [["--vm-size", "shared-cpu-6x"], { cpu_kind: "shared", cpus: 6, memory_mb: 1536 }],
    [
      ["--vm-cpu-kind", "performance", "--vm-cpus", "2", "--vm-memory", "4096"],
      { cpu_kind: "performance", cpus: 2, memory_mb: 4096 },
    ],
    [["--vm-memory", "2048"], { cpu_kind: "shared", cpus: 1, memory_mb: 2048 }],
  ])("machine update %j applies it over the machine's guest", (flags, guest) => {
    fly(pgCreate("--vm-size", "shared-cpu-1x"));
    const id = fake.state().apps["gaia-db-dev"].machines[0].id;
    const r = fly(["machine", "update", id, "-a", "gaia-db-dev", ...flags, "--yes"]);
    expect(r.code).toBe(0);
    expect(guestOf()).toEqual(guest);
  });

  it("machine update names fly-go's sizes when one is unknown", () => {
    fly(pgCreate("--vm-size", "shared-cpu-1x"));
    const id = fake.state().apps["gaia-db-dev"].machines[0].id;
    const r = fly(["machine", "update", id, "-a", "gaia-db-dev", "--vm-size", "shared-cpu-3x"]);
    expect(r.stderr).toBe(
      "Error: 'shared-cpu-3x' is an invalid machine size, choose one of: [shared-cpu-1x shared-cpu-2x shared-cpu-4x shared-cpu-6x shared-cpu-8x]\n",
    );
  });
});

const mpgCreate = () =>
  fly([
    "mpg",
    "create",
    "--name",
    "gaia-db-dev",
    "--org",
    "aeonia-dev",
    "--region",
    "lax",
    "--plan",
    "basic",
  ]);

describe("Managed Postgres lookups: flyctl says 'not found' for any failed lookup", () => {
  it.each([
    [["mpg", "status", "nope", "--json"]],
    [["mpg", "destroy", "nope", "--yes"]],
    [["mpg", "databases", "list", "nope", "--json"]],
  ])("%j of a missing cluster", (argv) => {
    expect(fly(argv)).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error: managed postgres cluster "nope" not found\n',
    });
  });

  it.each([
    ["mpg status", "429"],
    ["mpg status", "timeout"],
    ["mpg destroy", "503"],
  ] as const)("%s with an injected %s prints the same text, and the cluster stays", (cmd, kind) => {
    expect(mpgCreate().code).toBe(0);
    const id = fake.state().mpg[0].id;
    fake.injectFault({ match: cmd, kind });
    const argv =
      cmd === "mpg status" ? ["mpg", "status", id, "--json"] : ["mpg", "destroy", id, "--yes"];
    expect(fly(argv)).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: managed postgres cluster "${id}" not found\n`,
    });
    expect(fake.state().mpg.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it("mpg list wraps a failed request in its own words; destroy schedules", () => {
    fake.injectFault({ match: "mpg list", kind: "503" });
    expect(fly(["mpg", "list", "--org", "aeonia-dev", "--json"]).stderr).toBe(
      'Error: failed to list postgres clusters for organization aeonia-dev: failed to list clusters (status 503): {"error":"fake 503"}\n',
    );
    mpgCreate();
    const id = fake.state().mpg[0].id;
    expect(fly(["mpg", "destroy", id, "--yes"]).stdout).toBe(
      `Managed Postgres cluster gaia-db-dev (${id}) scheduled to be destroyed (may take some time)\n`,
    );
  });
});

describe("mpg create waits as flyctl does: until ready or error, and for ever otherwise", () => {
  const argv = [
    "mpg",
    "create",
    "--name",
    "gaia-db-dev",
    "--org",
    "aeonia-dev",
    "--region",
    "lax",
    "--plan",
    "Performance",
  ];

  it("prints the plan it selected and the cluster id before waiting, the credentials once ready", () => {
    fake.update((s) => {
      s.mpgStatuses = ["provisioning", "provisioning", "ready"];
      s.mpgApiPlanNames = { basic: "Basic (shared)" };
    });
    const r = fly(argv);
    expect(r.code).toBe(0);
    const c = fake.state().mpg[0];
    expect(r.stdout.split("\n").slice(0, 6)).toEqual([
      "Selected Plan: Basic",
      "  CPU: Shared x 2",
      "  Memory: 1 GB",
      "  Price: $38 per month",
      "",
      `Waiting for cluster gaia-db-dev (${c.id}) to be ready...`,
    ]);
    expect(r.stdout).toContain(`  Plan: basic\n  Disk: 10GB\n`);
    expect(c).toMatchObject({ status: "ready", plan: "Basic (shared)", reads: 2 });
  });

  it("fails on status error, after the cluster exists", () => {
    fake.update((s) => {
      s.mpgStatuses = ["provisioning", "error"];
    });
    const r = fly(argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: cluster creation failed\n");
    expect(fake.state().mpg[0].status).toBe("error");
  });

  it("polls on for ever on status failed, until interrupted", async () => {
    fake.update((s) => {
      s.mpgStatuses = ["provisioning", "failed"];
    });
    const child = spawn("fly", argv, { env: fake.env() });
    let exited = false;
    const exit = new Promise<number | null>((r) =>
      child.on("exit", (code) => {
        exited = true;
        r(code);
      }),
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    // Five polls after the cluster reported "failed", and flyctl is still waiting.
    while ((fake.state().mpg[0]?.reads ?? 0) < 7) await new Promise((r) => setTimeout(r, 20));
    expect(fake.state().mpg[0].status).toBe("failed");
    expect(exited).toBe(false);
    child.kill("SIGINT");
    expect(await exit).toBe(1);
    expect(stderr).toBe("Error: failed checking cluster status: context canceled\n");
  });
});

describe("redis create, as internal/command/redis/create.go decides", () => {
  const redisCreate = (...extra: string[]) =>
    fly([
      "redis",
      "create",
      "--name",
      "r",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--enable-eviction",
      "--enable-prodpack=false",
      ...extra,
    ]);
  const row = (field: string) =>
    new RegExp(` {2}${field} +│ (.*)\\n`).exec(fly(["redis", "status", "r"]).stdout)?.[1];

  it.each(["Fixed 250MB", "fake_fixed_250", "flyio_fixed_1gb"])(
    "a fixed plan (%s) asks about auto-upgrade unless told",
    (plan) => {
      const r = redisCreate("--no-replicas", "--plan", plan);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("Error: prompt: non interactive\n");
      expect(r.stdout).toContain("Auto-upgrade automatically switches to a higher plan");
      expect(fake.state().redis).toEqual({});
    },
  );

  it.each([
    ["--enable-auto-upgrade=false", "Disabled"],
    ["--enable-auto-upgrade", "Enabled"],
  ])("a fixed plan with %s is created without a prompt", (flag, status) => {
    expect(redisCreate("--no-replicas", "--plan", "Fixed 250MB", flag).code).toBe(0);
    expect(row("Auto-Upgrade")).toBe(status);
    expect(row("Plan")).toBe("Fixed 250MB");
  });

  it.each(["Pro 2k", "pro_2k", "PRO 10K", "standard"])("refuses the legacy plan %s", (plan) => {
    expect(redisCreate("--no-replicas", "--plan", plan).stderr).toBe(
      `Error: plan "${plan}" is no longer available for new databases. Please choose a current plan\n`,
    );
  });

  it("a plan the API does not list is not found; the default is pay-as-you-go", () => {
    expect(redisCreate("--no-replicas", "--plan", "pay-as-you-go").stderr).toBe(
      'Error: plan "pay-as-you-go" not found\n',
    );
    expect(redisCreate("--no-replicas").code).toBe(0);
    expect(row("Plan")).toBe("Pay-as-you-go");
  });

  it("--replica-regions silently drops the primary region and unknown codes", () => {
    expect(redisCreate("--replica-regions", "lax,sjc,zzz").code).toBe(0);
    expect(row("Read Regions")).toBe("sjc");
  });

  it("without --no-replicas or --replica-regions it asks for regions", () => {
    expect(redisCreate().stderr).toBe(
      "Error: regions codes must be specified in a comma-separated when not running interactively\n",
    );
  });
});

describe("redis existence", () => {
  it("redis list --org is a table with a NAME column; redis status fails in the API's words", () => {
    fake.update((s) => {
      s.apiTexts = { redisNotFound: "addOn {name} not available" };
    });
    expect(fly(["redis", "list", "--org", "aeonia-dev"]).stdout).toMatch(
      /^ NAME +│ ORG +│ PLAN +│ EVICTION +│ PRIMARY REGION +│ READ REGIONS\n\n$/,
    );
    expect(fly(["redis", "status", "gaia-redis-dev"]).stderr).toBe(
      "Error: addOn gaia-redis-dev not available\n",
    );
    expect(fly(["redis", "list", "--org", "nope"]).stderr).toBe(
      "Error: Could not find Organization nope\n",
    );
  });
});

describe("volumes extend: whether the machine must restart is in the text, not in --json", () => {
  const extend = (id: string, size: string, ...extra: string[]) =>
    fly(["volumes", "extend", id, "-a", "gaia-db-dev", "--size", size, "--yes", ...extra]);

  it.each([
    [false, "Your Machine got its volume size extended without needing a restart", 20],
    [
      true,
      "You will need to stop and start your Machine to increase the size of the file system",
      10,
    ],
  ])("needs restart %s", (needsRestart, message, fsGb) => {
    fly(pgCreate("--vm-size", "shared-cpu-1x"));
    fake.update((s) => {
      s.extendNeedsRestart = needsRestart;
    });
    const vol = fake.state().volumes[0];
    const r = extend(vol.id, "20");
    expect(r.stdout).toContain(`                  ID: ${vol.id}\n`);
    expect(r.stdout).toContain("             Size GB: 20\n");
    expect(r.stdout.endsWith(`${message}\n`)).toBe(true);
    expect(fake.state().volumes[0]).toMatchObject({ size_gb: 20, fs_gb: fsGb });
    const json = JSON.parse(extend(vol.id, "30", "--json").stdout);
    expect(json.size_gb).toBe(30);
    expect(Object.keys(json)).not.toContain("needs_restart");
    const machine = fake.state().apps["gaia-db-dev"].machines[0].id;
    expect(fly(["machine", "restart", machine, "-a", "gaia-db-dev"]).stdout).toBe(
      `Restarting machine ${machine}\nMachine ${machine} restarted successfully!\n`,
    );
    expect(fake.state().volumes[0]).toMatchObject({ size_gb: 30, fs_gb: 30 });
  });
});

describe("volumes create: one hardware zone per volume of a name, unless told otherwise", () => {
  const create = (...extra: string[]) =>
    fly([
      "volumes",
      "create",
      "certs",
      "-a",
      "gaia-web-dev",
      "--region",
      "lax",
      "--size",
      "1",
      "--yes",
      "--json",
      ...extra,
    ]);
  const zones = () => fake.state().volumes.map((v: { zone: string }) => v.zone);

  beforeEach(() => {
    fly(["apps", "create", "gaia-web-dev", "--org", "aeonia-dev"]);
    fake.update((s) => {
      s.zonesPerRegion = 2;
    });
  });

  it("by default each volume of the name gets a zone of its own, until none is left", () => {
    expect(create().code).toBe(0);
    expect(create().code).toBe(0);
    expect(new Set(zones()).size).toBe(2);
    const third = create();
    expect(third.code).toBe(1);
    expect(third.stderr).toBe(
      "Error: failed to create volume: no zone in lax without a volume named certs\n",
    );
    expect(zones()).toHaveLength(2);
  });

  it("--require-unique-zone=false places it anyway; other names do not count", () => {
    create();
    create();
    expect(create("--require-unique-zone=false").code).toBe(0);
    expect(
      fly(["volumes", "create", "other", "-a", "gaia-web-dev", "--region", "lax", "--yes"]).code,
    ).toBe(0);
    expect(zones()).toHaveLength(4);
  });

  it("--count 2 needs no --yes", () => {
    const r = fly([
      "volumes",
      "create",
      "certs",
      "-a",
      "gaia-web-dev",
      "--region",
      "lax",
      "--count",
      "2",
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(zones()).toHaveLength(2);
  });
});
