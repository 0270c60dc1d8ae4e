import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import {
  type DoctorExpected,
  type DoctorObserved,
  diagnose,
  type ObservedApp,
} from "../../src/operations/doctor";
import { runProgram } from "../../src/operations/stack";
import { runCliProcess } from "../migrations/runner/fixtures";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { captureIo } from "./support";

const expected: DoctorExpected = {
  environment: "dev",
  region: "lax",
  postgres: {
    kind: "unmanaged",
    app: "gaia-db-dev",
    vmSize: "shared-cpu-1x",
    volumeSizeGb: 10,
    clusterSize: 1,
  },
  redis: { name: "gaia-redis-dev", region: "lax", eviction: true, replicaRegions: [] },
  services: { "auth-service": "gaia-auth-dev", gateway: "gaia-gateway-dev" },
  certificates: { volumeName: "gaia_certs", volumeSizeGb: 1, volumesPerApp: 1 },
  secrets: {
    "gaia-auth-dev": [
      "DATABASE_URL",
      "REDIS_URL",
      "SUPABASE_URL",
      "SUPABASE_ANON_KEY",
      "SUPABASE_JWT_SECRET",
    ],
    "gaia-gateway-dev": ["DATABASE_URL", "REDIS_URL"],
  },
};
const machine = (id: string, memoryMb = 256, region = "lax") => ({
  id,
  state: "started",
  region,
  guest: { cpuKind: "shared", cpus: 1, memoryMb },
  volumes: [],
});
const volume = (id: string, name: string, sizeGb: number, region = "lax") => ({
  id,
  name,
  state: "created",
  sizeGb,
  region,
  attachedMachineId: null,
});
const app = (name: string, parts: Partial<ObservedApp> = {}): ObservedApp => ({
  status: { id: name, name, orgSlug: "aeonia-dev", status: "deployed", machines: [] },
  volumes: [],
  secrets: [],
  ...parts,
});
const healthy = (): DoctorObserved => ({
  postgres: app("gaia-db-dev", {
    status: {
      id: "x",
      name: "gaia-db-dev",
      orgSlug: "aeonia-dev",
      status: "deployed",
      machines: [machine("m1")],
    },
    volumes: [volume("vol_pg", "pg_data", 10)],
  }),
  redis: {
    Name: "gaia-redis-dev",
    "Primary Region": "lax",
    "Read Regions": "None",
    Eviction: "Enabled",
    "Private URL": "redis://x",
  },
  apps: {
    "gaia-auth-dev": app("gaia-auth-dev", {
      volumes: [volume("vol_a", "gaia_certs", 1)],
      secrets: [
        "DATABASE_URL",
        "REDIS_URL",
        "SUPABASE_ANON_KEY",
        "SUPABASE_JWT_SECRET",
        "SUPABASE_URL",
      ],
    }),
    "gaia-gateway-dev": app("gaia-gateway-dev", {
      volumes: [volume("vol_g", "gaia_certs", 1)],
      secrets: ["DATABASE_URL", "OTHER", "REDIS_URL"],
    }),
  },
});

describe("diagnose", () => {
  const cases: [string, (o: DoctorObserved) => void, { resource: string; message: string }[]][] = [
    ["everything as configured", () => {}, []],
    [
      "postgres app missing",
      (o) => {
        o.postgres = null;
      },
      [{ resource: "postgres gaia-db-dev", message: "app missing on Fly" }],
    ],
    [
      "postgres volume grown by hand, machine resized and moved",
      (o) => {
        o.postgres!.volumes = [volume("vol_pg", "pg_data", 20)];
        o.postgres!.status.machines = [machine("m1", 512, "sjc")];
      },
      [
        {
          resource: "postgres gaia-db-dev",
          message:
            "machine m1 is 1 shared CPU, 512 MB on Fly, vmSize shared-cpu-1x (1 shared CPU, 256 MB) in config",
        },
        {
          resource: "postgres gaia-db-dev",
          message: "machine m1 is in sjc on Fly, region lax in config",
        },
        {
          resource: "postgres gaia-db-dev",
          message: "volume vol_pg (pg_data) is 20 GB on Fly, 10 GB in config",
        },
      ],
    ],
    [
      "a second postgres machine",
      (o) => {
        o.postgres!.status.machines.push(machine("m2"));
      },
      [{ resource: "postgres gaia-db-dev", message: "2 machines on Fly, clusterSize 1 in config" }],
    ],
    [
      "redis missing",
      (o) => {
        o.redis = null;
      },
      [{ resource: "redis gaia-redis-dev", message: "missing on Fly" }],
    ],
    [
      "redis eviction differs",
      (o) => {
        o.redis!.Eviction = "Disabled";
      },
      [
        {
          resource: "redis gaia-redis-dev",
          message:
            "eviction is true in config but false on Fly; Redis settings apply at creation only, nothing was changed.",
        },
      ],
    ],
    [
      "service app missing",
      (o) => {
        o.apps["gaia-gateway-dev"] = null;
      },
      [{ resource: "app gaia-gateway-dev (gateway)", message: "app missing on Fly" }],
    ],
    [
      "duplicate certificate volume",
      (o) => {
        o.apps["gaia-auth-dev"]!.volumes.push(volume("vol_dup", "gaia_certs", 1));
      },
      [
        {
          resource: "app gaia-auth-dev (auth-service)",
          message: "2 volumes named gaia_certs, config wants 1 (extra or duplicate: vol_dup)",
        },
      ],
    ],
    [
      "certificate volume missing and of another size elsewhere",
      (o) => {
        o.apps["gaia-auth-dev"]!.volumes = [];
        o.apps["gaia-gateway-dev"]!.volumes = [volume("vol_g", "gaia_certs", 3)];
      },
      [
        {
          resource: "app gaia-auth-dev (auth-service)",
          message: "1 of 1 volumes named gaia_certs missing",
        },
        {
          resource: "app gaia-gateway-dev (gateway)",
          message: "volume vol_g (gaia_certs) is 3 GB on Fly, 1 GB in config",
        },
      ],
    ],
    [
      "staged secret names missing",
      (o) => {
        o.apps["gaia-auth-dev"]!.secrets = ["DATABASE_URL", "REDIS_URL"];
      },
      [
        {
          resource: "app gaia-auth-dev (auth-service)",
          message: "secrets not staged: SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET",
        },
      ],
    ],
  ];
  it.each(cases)("%s", (_name, change, drifts) => {
    const observed = healthy();
    change(observed);
    expect(diagnose(expected, observed)).toEqual(drifts);
  });
});

// The five service apps of the dev stack (gaia:services defaults; the stack file names two).
const APPS = [
  "gaia-gateway-dev",
  "gaia-auth-dev",
  "gaia-asset-dev",
  "gaia-chat-dev",
  "gaia-web-dev",
];

describe("gaia-db doctor against the fake flyctl", () => {
  let fake: FakeFly;
  let projectDir: string;
  const fly = (args: string[], stdin?: string) =>
    runProgram("fly", args, { env: fake.env(), stdin, timeoutMs: 30_000 }).then((r) => {
      if (r.code !== 0) throw new Error(`fly ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    });

  let built: ReturnType<FakeFly["state"]>;

  // The Fly side is built once (about 25 flyctl calls) and restored before each test.
  beforeAll(async () => {
    fake = createFakeFly();
    projectDir = mkdtempSync(join(tmpdir(), "gaia-ops-doctor-"));
    cpSync(resolve(__dirname, "../../Pulumi.yaml"), join(projectDir, "Pulumi.yaml"));
    writeFileSync(
      join(projectDir, "Pulumi.dev.yaml"),
      [
        "config:",
        "  gaia:environment: dev",
        "  gaia:fly:",
        "    org: aeonia-dev",
        "    region: lax",
        "  gaia:postgres:",
        "    kind: unmanaged",
        "    vmSize: shared-cpu-1x",
        "    volumeSizeGb: 10",
        "    clusterSize: 1",
        "  gaia:redis:",
        "    eviction: true",
        "  gaia:services:",
        "    gateway: gaia-gateway-dev",
        "    auth-service: gaia-auth-dev",
        "  gaia:certificates:",
        "    volumeName: gaia_certs",
        "    volumeSizeGb: 1",
        "    volumesPerApp: 1",
        "  gaia:postgresPassword:",
        "    secure: v1:abc",
        "",
      ].join("\n"),
    );
    await fly([
      "postgres",
      "create",
      "--name",
      "gaia-db-dev",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--vm-size",
      "shared-cpu-1x",
      "--volume-size",
      "10",
      "--initial-cluster-size",
      "1",
      "--password",
      "pw",
    ]);
    await fly([
      "redis",
      "create",
      "--name",
      "gaia-redis-dev",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--no-replicas",
      "--enable-eviction",
      "--enable-prodpack=false",
    ]);
    for (const app of APPS) {
      await fly(["apps", "create", app, "--org", "aeonia-dev", "--json"]);
      await fly([
        "volumes",
        "create",
        "gaia_certs",
        "-a",
        app,
        "--region",
        "lax",
        "--size",
        "1",
        "--yes",
        "--json",
      ]);
      const supabase =
        app === "gaia-auth-dev"
          ? "SUPABASE_URL=c\nSUPABASE_ANON_KEY=d\nSUPABASE_JWT_SECRET=e\n"
          : "";
      await fly(
        ["secrets", "import", "-a", app, "--stage"],
        `DATABASE_URL=a\nREDIS_URL=b\n${supabase}`,
      );
    }
    built = fake.state();
  });
  beforeEach(() => {
    fake.update((state) => {
      for (const key of Object.keys(state)) delete state[key];
      Object.assign(state, structuredClone(built));
    });
    fake.clearCalls();
  });
  afterAll(() => fake.remove());

  async function doctor(args: string[]) {
    const { io, stdout, stderr } = captureIo(fake.env());
    const code = await runCli(["doctor", ...args, "--project-dir", projectDir], io);
    return { code, out: stdout.text, err: stderr.text };
  }

  it("runs from the installed binary as users run it", async () => {
    const r = await runCliProcess(["doctor", "dev", "--project-dir", projectDir], {
      env: fake.env(),
    });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: "dev: no drift: Fly matches the stack's config.\n",
      stderr: "",
    });
  });

  it("reports no drift when Fly matches the config, using reads only", async () => {
    expect(await doctor(["dev"])).toEqual({
      code: 0,
      out: "dev: no drift: Fly matches the stack's config.\n",
      err: "",
    });
    expect(fake.mutations()).toEqual([]);
    const calls = fake.calls().map((c) => c.argv.join(" "));
    expect(calls.slice(0, 4)).toEqual([
      "version --json",
      "status -a gaia-db-dev --json",
      "volumes list -a gaia-db-dev --json",
      "redis status gaia-redis-dev",
    ]);
    expect(calls.slice(4).sort()).toEqual(
      APPS.flatMap((app) => [
        `status -a ${app} --json`,
        `volumes list -a ${app} --json`,
        `secrets list -a ${app} --json`,
      ]).sort(),
    );
  });

  it("warns, without failing, when the local flyctl is not the release the code was checked against", async () => {
    fake.update((state) => {
      state.flyctlVersion = "0.4.99";
    });
    expect(await doctor(["dev"])).toEqual({
      code: 0,
      out:
        "note: flyctl 0.4.99 is installed; gaia-infra is verified against flyctl 0.4.87, whose flags and output it parses. Install that release (https://github.com/superfly/flyctl/releases/tag/v0.4.87), or re-check the code against the newer one first (docs/fly.md).\n" +
        "dev: no drift: Fly matches the stack's config.\n",
      err: "",
    });
    const json = JSON.parse((await doctor(["dev", "--json"])).out) as { notes: string[] };
    expect(json.notes).toEqual([expect.stringMatching(/^flyctl 0\.4\.99 is installed;/)]);
  });

  it("starts flyctl with its explicit environment only", async () => {
    const hidden = { PULUMI_CONFIG_PASSPHRASE: "p", DATABASE_URL: "postgres://u:p@h/d" };
    const { io } = captureIo(fake.env(hidden));
    expect(await runCli(["doctor", "dev", "--project-dir", projectDir], io)).toBe(0);
    expect(fake.calls().length).toBeGreaterThan(0);
    for (const c of fake.calls()) expect(c.env.filter((n) => n in hidden)).toEqual([]);
  });

  it("reports each kind of drift made by hand and exits 5", async () => {
    const pgVolume = JSON.parse(await fly(["volumes", "list", "-a", "gaia-db-dev", "--json"]))[0]
      .id;
    await fly(["volumes", "extend", pgVolume, "-a", "gaia-db-dev", "--size", "20", "--yes"]);
    const dup = JSON.parse(
      await fly([
        "volumes",
        "create",
        "gaia_certs",
        "-a",
        "gaia-auth-dev",
        "--region",
        "lax",
        "--size",
        "1",
        "--json",
      ]),
    ).id;
    await fly(["secrets", "unset", "SUPABASE_JWT_SECRET", "-a", "gaia-auth-dev", "--stage"]);
    await fly(["apps", "destroy", "gaia-gateway-dev", "--yes"]);
    await fly(["redis", "destroy", "gaia-redis-dev", "--yes"]);
    await fly([
      "redis",
      "create",
      "--name",
      "gaia-redis-dev",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--no-replicas",
      "--disable-eviction",
      "--enable-prodpack=false",
    ]);
    const result = await doctor(["dev", "--json"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(5);
    expect(JSON.parse(result.out)).toEqual({
      environment: "dev",
      notes: [],
      drifts: [
        {
          resource: "postgres gaia-db-dev",
          message: `volume ${pgVolume} (pg_data) is 20 GB on Fly, 10 GB in config`,
        },
        {
          resource: "redis gaia-redis-dev",
          message:
            "eviction is true in config but false on Fly; Redis settings apply at creation only, nothing was changed.",
        },
        {
          resource: "app gaia-auth-dev (auth-service)",
          message: `2 volumes named gaia_certs, config wants 1 (extra or duplicate: ${dup})`,
        },
        {
          resource: "app gaia-auth-dev (auth-service)",
          message: "secrets not staged: SUPABASE_JWT_SECRET",
        },
        { resource: "app gaia-gateway-dev (gateway)", message: "app missing on Fly" },
      ],
    });
    // The table form names the same differences and never the Redis URL.
    const table = await doctor(["dev"]);
    expect(table.out.split("\n")[0]).toBe("dev: 5 differences between Fly and the stack's config:");
    expect(table.out).not.toMatch(/redis:\/\//);
  });

  it("refuses local and reports a broken stack file as a config error", async () => {
    expect((await doctor(["local"])).err).toBe(
      "gaia-db: doctor: local has no Fly resources: allowed are dev, staging, production\n",
    );
    // Its own project folder: the shared one must stay valid for the other tests.
    const brokenDir = mkdtempSync(join(tmpdir(), "gaia-ops-doctor-broken-"));
    cpSync(join(projectDir, "Pulumi.yaml"), join(brokenDir, "Pulumi.yaml"));
    writeFileSync(
      join(brokenDir, "Pulumi.dev.yaml"),
      "config:\n  gaia:environment: dev\n  gaia:postgres:\n    volumeSizeGb: 0\n",
    );
    const { io, stderr } = captureIo(fake.env());
    const broken = {
      code: await runCli(["doctor", "dev", "--project-dir", brokenDir], io),
      err: stderr.text,
    };
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(
      /^gaia-db: Stack "dev" \(Pulumi\.dev\.yaml\) has \d+ configuration problems?; nothing was deployed\./,
    );
    expect(broken.err).toContain("gaia:postgres.volumeSizeGb");
  });
});
