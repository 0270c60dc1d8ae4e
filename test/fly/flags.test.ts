import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import * as f from "../../src/fly/flags";
import { createFakeFly } from "../support/fakeFly";

const cases: [string, string[], string[]][] = [
  ["status", f.statusArgs("gaia-db-dev"), ["status", "-a", "gaia-db-dev", "--json"]],
  [
    "apps create",
    f.appsCreateArgs("gaia-web-dev", "aeonia-dev"),
    ["apps", "create", "gaia-web-dev", "--org", "aeonia-dev", "--json"],
  ],
  ["apps destroy", f.appsDestroyArgs("gaia-db-dev"), ["apps", "destroy", "gaia-db-dev", "--yes"]],
  [
    "postgres create",
    f.postgresCreateArgs({
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      guest: { cpuKind: "shared", cpus: 2, memoryMb: 4096 },
      volumeSizeGb: 10,
      initialClusterSize: 1,
    }),
    [
      "postgres",
      "create",
      "--name",
      "gaia-db-dev",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--vm-cpu-kind",
      "shared",
      "--vm-cpus",
      "2",
      "--vm-memory",
      "4096",
      "--volume-size",
      "10",
      "--initial-cluster-size",
      "1",
    ],
  ],
  [
    "mpg create",
    f.mpgCreateArgs({
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      plan: "basic",
      volumeSizeGb: 20,
      majorVersion: 16,
    }),
    [
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
      "--volume-size",
      "20",
      "--pg-major-version",
      "16",
    ],
  ],
  ["mpg list", f.mpgListArgs("aeonia-dev"), ["mpg", "list", "--org", "aeonia-dev", "--json"]],
  ["mpg status", f.mpgStatusArgs("abc"), ["mpg", "status", "abc", "--json"]],
  ["mpg destroy", f.mpgDestroyArgs("abc"), ["mpg", "destroy", "abc", "--yes"]],
  [
    "mpg databases list",
    f.mpgDatabasesListArgs("abc"),
    ["mpg", "databases", "list", "abc", "--json"],
  ],
  [
    "mpg databases create",
    f.mpgDatabasesCreateArgs("abc", "llm_platform"),
    ["mpg", "databases", "create", "abc", "--name", "llm_platform"],
  ],
  ["volumes list", f.volumesListArgs("a"), ["volumes", "list", "-a", "a", "--json"]],
  [
    "volumes create",
    f.volumeCreateArgs({ app: "a", name: "certs", region: "lax", sizeGb: 1 }),
    [
      "volumes",
      "create",
      "certs",
      "-a",
      "a",
      "--region",
      "lax",
      "--size",
      "1",
      "--require-unique-zone=true",
      "--yes",
      "--json",
    ],
  ],
  [
    "volumes extend",
    f.volumeExtendArgs("a", "vol_1", 20),
    ["volumes", "extend", "vol_1", "-a", "a", "--size", "20", "--yes"],
  ],
  ["machine restart", f.machineRestartArgs("a", "m1"), ["machine", "restart", "m1", "-a", "a"]],
  [
    "volumes destroy",
    f.volumeDestroyArgs("a", "vol_1"),
    ["volumes", "destroy", "vol_1", "-a", "a", "--yes"],
  ],
  [
    "snapshot create",
    f.snapshotCreateArgs("a", "vol_1"),
    ["volumes", "snapshots", "create", "vol_1", "-a", "a"],
  ],
  [
    "snapshot list",
    f.snapshotListArgs("a", "vol_1"),
    ["volumes", "snapshots", "list", "vol_1", "-a", "a", "--json"],
  ],
  [
    "machine update",
    f.machineUpdateGuestArgs("a", "m1", { cpuKind: "performance", cpus: 2, memoryMb: 4096 }),
    [
      "machine",
      "update",
      "m1",
      "-a",
      "a",
      "--vm-cpu-kind",
      "performance",
      "--vm-cpus",
      "2",
      "--vm-memory",
      "4096",
      "--yes",
    ],
  ],
  [
    "redis create, no replicas",
    f.redisCreateArgs({
      name: "gaia-redis-dev",
      org: "aeonia-dev",
      region: "lax",
      replicaRegions: [],
      eviction: "enabled",
      autoUpgrade: false,
    }),
    [
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
      "--enable-auto-upgrade=false",
      "--enable-prodpack=false",
    ],
  ],
  [
    "redis create, replicas and plan",
    f.redisCreateArgs({
      name: "r",
      org: "o",
      region: "lax",
      replicaRegions: ["sjc", "iad"],
      eviction: "disabled",
      plan: "Fixed 250MB",
      autoUpgrade: true,
    }),
    [
      "redis",
      "create",
      "--name",
      "r",
      "--org",
      "o",
      "--region",
      "lax",
      "--replica-regions",
      "sjc,iad",
      "--disable-eviction",
      "--plan",
      "Fixed 250MB",
      "--enable-auto-upgrade=true",
      "--enable-prodpack=false",
    ],
  ],
  ["redis status", f.redisStatusArgs("r"), ["redis", "status", "r"]],
  ["redis list", f.redisListArgs("o"), ["redis", "list", "--org", "o"]],
  ["redis destroy", f.redisDestroyArgs("r"), ["redis", "destroy", "r", "--yes"]],
  ["secrets import", f.secretsImportArgs("a"), ["secrets", "import", "-a", "a", "--stage"]],
  ["secrets list", f.secretsListArgs("a"), ["secrets", "list", "-a", "a", "--json"]],
  [
    "secrets unset",
    f.secretsUnsetArgs("a", ["X", "Y"]),
    ["secrets", "unset", "X", "Y", "-a", "a", "--stage"],
  ],
  ["proxy", f.proxyArgs("gaia-db-dev"), ["proxy", "0:5432", "-a", "gaia-db-dev", "--watch-stdin"]],
  ["mpg proxy", f.mpgProxyArgs("abc"), ["mpg", "proxy", "abc", "--local-port", "0"]],
];

describe("flyctl argv builders", () => {
  it.each(cases)("%s", (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

// Every builder's flags must exist in (the fake of) flyctl: an unknown flag would only show at `up`.
describe("every built argv is accepted by the fake flyctl's flag parser", () => {
  const fake = createFakeFly();
  afterAll(() => fake.remove());
  it.each(cases.filter(([n]) => !n.endsWith("proxy")))("%s", (_name, argv) => {
    const r = spawnSync("fly", argv, { env: fake.env(), input: "A=b\n", encoding: "utf8" });
    expect(r.stderr).not.toMatch(/unknown (shorthand )?flag|unknown command|prompt|interactive/);
  });
});
