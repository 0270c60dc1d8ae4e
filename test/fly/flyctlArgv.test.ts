/**
 * Every argv the program builds for flyctl, checked against the commands, flags and prompts read
 * from flyctl's source (test/support/fakeFly/flyctl.json and prompts.cjs): a known command path,
 * known flags whose values parse as their type, the right number of arguments, and nothing left
 * that flyctl would ask for (under Pulumi there is never a terminal, so a prompt is a failure).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as f from "../../src/fly/flags";
import { flyctlVersionArgs } from "../../src/fly/flyctlVersion";
import { MACHINE_PRESETS, PG_CREATE_GUESTS } from "../../src/fly/vmSizes";
import { restoreCreateArgs } from "../../src/operations/restorePlan";
import { check } from "../support/fakeFly/tables";

const REPO = join(__dirname, "../..");

/** Each builder with inputs that take each of its branches. */
const BUILT: Record<string, string[][]> = {
  statusArgs: [f.statusArgs("gaia-db-dev")],
  appsCreateArgs: [f.appsCreateArgs("gaia-web-dev", "aeonia-dev")],
  appsDestroyArgs: [f.appsDestroyArgs("gaia-db-dev")],
  appsListArgs: [f.appsListArgs("aeonia-dev")],
  // gaia-db restore and restore-drill (src/operations/restorePlan.ts), with the password after.
  restoreCreateArgs: Object.keys(PG_CREATE_GUESTS).map((vmSize) => [
    ...restoreCreateArgs({
      name: "gaia-db-production-restore-20260807-1412",
      org: "aeonia-dev",
      region: "lax",
      vmSize: vmSize as keyof typeof PG_CREATE_GUESTS,
      volumeSizeGb: 10,
      clusterSize: 1,
      snapshotId: "vs_abc",
    }),
    "--password",
    "pw",
  ]),
  postgresCreateArgs: Object.values(PG_CREATE_GUESTS).map((guest) =>
    f.postgresCreateArgs({
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      guest,
      volumeSizeGb: 10,
      initialClusterSize: 3,
    }),
  ),
  mpgCreateArgs: [16, 17].map((majorVersion) =>
    f.mpgCreateArgs({
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      plan: "basic",
      volumeSizeGb: 20,
      majorVersion,
    }),
  ),
  mpgListArgs: [f.mpgListArgs("aeonia-dev")],
  mpgDestroyArgs: [f.mpgDestroyArgs("abc123")],
  mpgStatusArgs: [f.mpgStatusArgs("abc123")],
  mpgDatabasesListArgs: [f.mpgDatabasesListArgs("abc123")],
  mpgDatabasesCreateArgs: [f.mpgDatabasesCreateArgs("abc123", "llm_platform")],
  volumesListArgs: [f.volumesListArgs("gaia-web-dev")],
  volumeCreateArgs: [
    f.volumeCreateArgs({ app: "gaia-web-dev", name: "gaia_certs", region: "lax", sizeGb: 1 }),
  ],
  volumeExtendArgs: [f.volumeExtendArgs("gaia-db-dev", "vol_1", 20)],
  volumeDestroyArgs: [f.volumeDestroyArgs("gaia-web-dev", "vol_1")],
  snapshotCreateArgs: [f.snapshotCreateArgs("gaia-db-dev", "vol_1")],
  snapshotListArgs: [f.snapshotListArgs("gaia-db-dev", "vol_1")],
  machineRestartArgs: [f.machineRestartArgs("gaia-db-dev", "m1")],
  machineUpdateGuestArgs: Object.values(MACHINE_PRESETS).map((guest) =>
    f.machineUpdateGuestArgs("gaia-db-dev", "m1", guest),
  ),
  redisCreateArgs: [
    f.redisCreateArgs({
      name: "gaia-redis-dev",
      org: "aeonia-dev",
      region: "lax",
      replicaRegions: [],
      eviction: "enabled",
      autoUpgrade: false,
    }),
    f.redisCreateArgs({
      name: "gaia-redis-dev",
      org: "aeonia-dev",
      region: "lax",
      replicaRegions: ["sjc", "iad"],
      eviction: "disabled",
      plan: "Fixed 250MB",
      autoUpgrade: true,
    }),
  ],
  redisListArgs: [f.redisListArgs("aeonia-dev")],
  redisStatusArgs: [f.redisStatusArgs("gaia-redis-dev")],
  redisDestroyArgs: [f.redisDestroyArgs("gaia-redis-dev")],
  secretsImportArgs: [f.secretsImportArgs("gaia-web-dev")],
  secretsListArgs: [f.secretsListArgs("gaia-web-dev")],
  secretsUnsetArgs: [
    f.secretsUnsetArgs("gaia-web-dev", ["A"]),
    f.secretsUnsetArgs("w", ["A", "B"]),
  ],
  mpgProxyArgs: [f.mpgProxyArgs("abc123")],
  proxyArgs: [f.proxyArgs("gaia-db-dev"), f.proxyArgs("gaia-db-dev", 5433)],
  flyctlVersionArgs: [flyctlVersionArgs()],
};

/** Argv literals written outside the builders: arrays in src/ that start with a flyctl command. */
function literalArgvs(): { where: string; argv: string[] }[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) files.push(p);
    }
  };
  walk(join(REPO, "src"));
  // The builders themselves are checked above with representative inputs.
  const builders = ["src/fly/flags.ts", "src/fly/flyctlVersion.ts"].map((p) => join(REPO, p));
  const words = "status|apps|postgres|pg|mpg|volumes|volume|redis|secrets|machine|proxy|version";
  const re = new RegExp(`\\[\\s*"(?:${words})"\\s*,[^\\]]*\\]`, "g");
  const found: { where: string; argv: string[] }[] = [];
  for (const file of files.filter((x) => !builders.includes(x))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(re)) {
      // An argv has a flag in it; a list of words that merely starts like one (kinds) does not.
      if (!/"-/.test(m[0])) continue;
      const items = m[0]
        .slice(1, -1)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      // Identifiers stand for values the code passes (an app name, an id): any word will do.
      const argv = items.map((s) => (/^"[^"]*"$/.test(s) ? JSON.parse(s) : "some-value"));
      const line = text.slice(0, m.index).split("\n").length;
      found.push({ where: `${relative(REPO, file)}:${line}`, argv });
    }
  }
  return found;
}

describe("every argv the program builds is one flyctl accepts without prompting", () => {
  it("every exported builder of src/fly/flags.ts has cases here", () => {
    const builders = Object.entries(f)
      .filter(([name, v]) => typeof v === "function" && name.endsWith("Args"))
      .map(([name]) => name);
    expect(builders.filter((b) => !(b in BUILT))).toEqual([]);
  });

  const cases = Object.entries(BUILT).flatMap(([name, argvs]) =>
    argvs.map((argv) => [name, argv] as const),
  );
  it.each(cases)("%s %j", (_name, argv) => {
    expect(check(argv)).toMatchObject({ ok: true });
  });

  it("no argv is written out elsewhere in src/: every one comes from a builder checked above", () => {
    expect(literalArgvs()).toEqual([]);
  });
});

describe("the check refuses what flyctl refuses, in flyctl's words", () => {
  const redis = f.redisCreateArgs({
    name: "r",
    org: "o",
    region: "lax",
    replicaRegions: [],
    eviction: "enabled",
    autoUpgrade: false,
  });
  const pg = f.postgresCreateArgs({
    name: "gaia-db-dev",
    org: "aeonia-dev",
    region: "lax",
    guest: PG_CREATE_GUESTS["shared-cpu-1x"],
    volumeSizeGb: 10,
    initialClusterSize: 1,
  });
  const without = (argv: string[], ...drop: string[]) => {
    const out = [...argv];
    for (const d of drop)
      out.splice(
        out.indexOf(d),
        d.startsWith("--") &&
          !d.includes("=") &&
          !["--yes", "--no-replicas", "--enable-eviction", "--json"].includes(d)
          ? 2
          : 1,
      );
    return out;
  };

  it.each([
    ["a flag flyctl does not have", [...pg, "--cluster-size", "1"], "unknown flag: --cluster-size"],
    ["--json where there is none", [...f.redisStatusArgs("r"), "--json"], "unknown flag: --json"],
    ["an unknown shorthand", [...f.statusArgs("a"), "-Z"], "unknown shorthand flag: 'Z' in -Z"],
    [
      "an int flag with a word",
      f
        .mpgCreateArgs({
          name: "n",
          org: "o",
          region: "lax",
          plan: "basic",
          volumeSizeGb: 10,
          majorVersion: 16,
        })
        .map((a) => (a === "10" ? "ten" : a)),
      'invalid argument "ten" for "--volume-size" flag: strconv.ParseInt: parsing "ten": invalid syntax',
    ],
    [
      "a bool flag with a word",
      [...redis.slice(0, -1), "--enable-prodpack=no"],
      'invalid argument "no" for "--enable-prodpack" flag: strconv.ParseBool: parsing "no": invalid syntax',
    ],
    [
      "one argument too many",
      [...f.volumeExtendArgs("a", "vol_1", 20), "vol_2"],
      "accepts at most 1 arg(s), received 2",
    ],
    ["a missing argument", without(f.mpgDestroyArgs("abc"), "abc"), "accepts 1 arg(s), received 0"],
    [
      "an argument to a command that takes none",
      [...f.statusArgs("a"), "extra"],
      'unknown command "extra" for "flyctl status"',
    ],
    [
      "a command that does not exist",
      ["statsu", "-a", "x"],
      'unknown command "statsu" for "flyctl"\n\nDid you mean this?\n\tstatus\n',
    ],
    [
      "a subcommand a group lacks",
      ["postgres", "destroy", "gaia-db-dev"],
      "postgres: prints help and does nothing",
    ],
    [
      "destroy without --yes",
      without(f.mpgDestroyArgs("abc"), "--yes"),
      "--yes flag must be specified when not running interactively (yes, internal/command/mpg/v2/run_destroy.go:36)",
    ],
    [
      "apps destroy without --yes",
      without(f.appsDestroyArgs("a"), "--yes"),
      "yes flag must be specified when not running interactively (yes, internal/command/apps/destroy.go:70)",
    ],
    [
      "create without --org",
      without(f.appsCreateArgs("a", "o"), "--org"),
      "org slug must be specified when not running interactively (org, internal/command/apps/create.go:105)",
    ],
    [
      "pg create without a cluster size",
      without(pg, "--initial-cluster-size"),
      "prompt: non interactive (initial-cluster-size, internal/command/postgres/create.go:356)",
    ],
    [
      "pg create without --region",
      without(pg, "--region"),
      "region code must be specified when not running interactively (region, internal/command/postgres/create.go:250)",
    ],
    [
      "volume create without --yes",
      without(f.volumeCreateArgs({ app: "a", name: "n", region: "lax", sizeGb: 1 }), "--yes"),
      "yes flag must be specified when not running interactively (yes, internal/command/volumes/create.go:219)",
    ],
    [
      "redis create without prodpack",
      without(redis, "--enable-prodpack=false"),
      "prompt: non interactive (prodpack, internal/command/redis/create.go:183)",
    ],
    [
      "redis create without auto-upgrade",
      without(redis, "--enable-auto-upgrade=false"),
      "prompt: non interactive (auto-upgrade, internal/command/redis/create.go:168)",
    ],
    [
      "redis create without replicas",
      without(redis, "--no-replicas"),
      "regions codes must be specified in a comma-separated when not running interactively (replicas, internal/command/redis/create.go:211)",
    ],
    [
      "redis create without eviction",
      without(redis, "--enable-eviction"),
      "prompt: non interactive (eviction, internal/command/redis/create.go:146)",
    ],
    [
      "secrets without -a",
      without(f.secretsImportArgs("a"), "-a"),
      "the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag (app, internal/command/command.go:781)",
    ],
    [
      "machine update without --yes",
      without(f.machineUpdateGuestArgs("a", "m1", PG_CREATE_GUESTS["shared-cpu-1x"]), "--yes"),
      "yes flag must be specified when not running interactively (yes, internal/machine/config.go:53)",
    ],
    [
      "mpg databases create without --name",
      without(f.mpgDatabasesCreateArgs("abc", "db"), "--name"),
      "database name must be specified with --name flag when not running interactively (name, internal/command/mpg/v2/run_databases.go:53)",
    ],
  ] as const)("%s", (_what, argv, error) => {
    expect(check([...argv])).toMatchObject({ ok: false, error });
  });
});
