/**
 * Pure flyctl argv builders. Every builder yields the complete non-interactive form of a command:
 * under Pulumi, stdin and stdout are never TTYs, so any flag left to a prompt fails the command
 * (flyctl refuses to prompt without a terminal). What each command is for:
 * docs/fly.md#what-each-resource-does.
 *
 * Deliberately absent, because they do not exist in flyctl ≈0.4.87: `pg create --cluster-size`,
 * `--yes`/`--json` on `pg create`, `pg destroy`, `--json` on any `redis` command.
 */

import type { Guest } from "./vmSizes";

export type Argv = string[];

/** `fly status` is the existence check that works with every token type (`apps list` does not). */
export function statusArgs(app: string): Argv {
  return ["status", "-a", app, "--json"];
}

export function appsCreateArgs(app: string, org: string): Argv {
  // Name and --org are both required non-interactively; --json gives the app's PascalCase object.
  return ["apps", "create", app, "--org", org, "--json"];
}

/** The org's apps as fly.App objects (`Name`): how a restore drill finds what an interrupted one left. */
export function appsListArgs(org: string): Argv {
  return ["apps", "list", "--org", org, "--json"];
}

export function appsDestroyArgs(app: string): Argv {
  return ["apps", "destroy", app, "--yes"];
}

export interface PostgresCreateFlags {
  name: string;
  org: string;
  region: string;
  /** The config's vmSize as `pg create` defines it (src/fly/vmSizes.ts). */
  guest: Guest;
  volumeSizeGb: number;
  initialClusterSize: number;
}

/**
 * The guest as explicit flags. `pg create` and `machine update` resolve one `--vm-size` name to
 * different guests; any of these flags makes both build the guest from the flags alone.
 */
function guestArgs(g: Guest): Argv {
  return [
    "--vm-cpu-kind",
    g.cpuKind,
    "--vm-cpus",
    String(g.cpus),
    "--vm-memory",
    String(g.memoryMb),
  ];
}

/**
 * `fly postgres create` without prompts: name, org and region, plus the cluster size, the guest
 * and --volume-size (any sizing flag switches to "custom config", which prompts for whatever of
 * the three is missing). The password is appended by the caller from stdin: it is the one secret
 * flyctl only accepts in argv.
 */
export function postgresCreateArgs(f: PostgresCreateFlags): Argv {
  return [
    "postgres",
    "create",
    "--name",
    f.name,
    "--org",
    f.org,
    "--region",
    f.region,
    ...guestArgs(f.guest),
    "--volume-size",
    String(f.volumeSizeGb),
    "--initial-cluster-size",
    String(f.initialClusterSize),
  ];
}

export interface ManagedPostgresCreateFlags {
  name: string;
  org: string;
  region: string;
  plan: string;
  volumeSizeGb: number;
  majorVersion: number;
}

export function mpgCreateArgs(f: ManagedPostgresCreateFlags): Argv {
  return [
    "mpg",
    "create",
    "--name",
    f.name,
    "--org",
    f.org,
    "--region",
    f.region,
    "--plan",
    f.plan,
    "--volume-size",
    String(f.volumeSizeGb),
    "--pg-major-version",
    String(f.majorVersion),
  ];
}

export function mpgListArgs(org: string): Argv {
  return ["mpg", "list", "--org", org, "--json"];
}

export function mpgDestroyArgs(id: string): Argv {
  return ["mpg", "destroy", id, "--yes"];
}

export function mpgStatusArgs(id: string): Argv {
  return ["mpg", "status", id, "--json"];
}

export function mpgDatabasesListArgs(id: string): Argv {
  return ["mpg", "databases", "list", id, "--json"];
}

/** --name is required non-interactively (`database name must be specified with --name flag…`). */
export function mpgDatabasesCreateArgs(id: string, database: string): Argv {
  return ["mpg", "databases", "create", id, "--name", database];
}

export function volumesListArgs(app: string): Argv {
  return ["volumes", "list", "-a", app, "--json"];
}

export interface VolumeCreateFlags {
  app: string;
  name: string;
  region: string;
  sizeGb: number;
}

/**
 * --yes: without it the "every volume is pinned" warning prompts unless the name already exists.
 * --require-unique-zone (flyctl's default, said explicitly): each volume of the name on a hardware
 * zone of its own, so the machines that mount them run on different hosts.
 */
export function volumeCreateArgs(f: VolumeCreateFlags): Argv {
  return [
    "volumes",
    "create",
    f.name,
    "-a",
    f.app,
    "--region",
    f.region,
    "--size",
    String(f.sizeGb),
    "--require-unique-zone=true",
    "--yes",
    "--json",
  ];
}

/**
 * Always with the volume id: the selector prompts otherwise, and `+N` without an id is broken.
 * No --json: it drops the API's `needs_restart`, which only the text output tells.
 */
export function volumeExtendArgs(app: string, volumeId: string, sizeGb: number): Argv {
  return ["volumes", "extend", volumeId, "-a", app, "--size", String(sizeGb), "--yes"];
}

export function volumeDestroyArgs(app: string, volumeId: string): Argv {
  return ["volumes", "destroy", volumeId, "-a", app, "--yes"];
}

/** Prints "Scheduled to snapshot volume <id>": the id of the snapshot comes from the list. */
export function snapshotCreateArgs(app: string, volumeId: string): Argv {
  return ["volumes", "snapshots", "create", volumeId, "-a", app];
}

export function snapshotListArgs(app: string, volumeId: string): Argv {
  return ["volumes", "snapshots", "list", volumeId, "-a", app, "--json"];
}

/** A stop and a start: what a volume's file system needs to grow when the extend says so. */
export function machineRestartArgs(app: string, machineId: string): Argv {
  return ["machine", "restart", machineId, "-a", app];
}

export function machineUpdateGuestArgs(app: string, machineId: string, guest: Guest): Argv {
  return ["machine", "update", machineId, "-a", app, ...guestArgs(guest), "--yes"];
}

export type Eviction = "enabled" | "disabled";

export interface RedisCreateFlags {
  name: string;
  org: string;
  region: string;
  /** Empty: `--no-replicas`. */
  replicaRegions: string[];
  eviction: Eviction;
  /** Omitted: flyctl's default pay-as-you-go plan. */
  plan?: string;
  /** Meaningful for fixed-price plans only, for which flyctl would otherwise ask. */
  autoUpgrade: boolean;
}

/**
 * `fly redis create` without prompts: org, name, region, replicas (`--no-replicas` or a list),
 * eviction either way, auto-upgrade either way (asked for whenever the plan the API resolves is a
 * fixed-price one, which only its display name tells; pay-as-you-go ignores it) and
 * `--enable-prodpack=false` (it must be specified or it prompts).
 */
export function redisCreateArgs(f: RedisCreateFlags): Argv {
  const args = ["redis", "create", "--name", f.name, "--org", f.org, "--region", f.region];
  if (f.replicaRegions.length === 0) args.push("--no-replicas");
  else args.push("--replica-regions", f.replicaRegions.join(","));
  args.push(f.eviction === "enabled" ? "--enable-eviction" : "--disable-eviction");
  if (f.plan !== undefined) args.push("--plan", f.plan);
  args.push(`--enable-auto-upgrade=${f.autoUpgrade}`, "--enable-prodpack=false");
  return args;
}

/** A table with a NAME column (no --json): existence is a row, not an error text. */
export function redisListArgs(org: string): Argv {
  return ["redis", "list", "--org", org];
}

export function redisStatusArgs(name: string): Argv {
  return ["redis", "status", name];
}

export function redisDestroyArgs(name: string): Argv {
  return ["redis", "destroy", name, "--yes"];
}

/** `NAME=VALUE` lines on stdin; --stage so no machine restarts and nothing is in argv. */
export function secretsImportArgs(app: string): Argv {
  return ["secrets", "import", "-a", app, "--stage"];
}

/** Names and Fly's digests only: values are never listed. */
export function secretsListArgs(app: string): Argv {
  return ["secrets", "list", "-a", app, "--json"];
}

export function secretsUnsetArgs(app: string, names: string[]): Argv {
  return ["secrets", "unset", ...names, "-a", app, "--stage"];
}

/**
 * `fly mpg proxy`: the same proxy code as `fly proxy` (same `Proxying localhost:<port>` line), to
 * the cluster's direct address; it has no --watch-stdin, so only the process-group kill ends it.
 */
export function mpgProxyArgs(clusterId: string): Argv {
  return ["mpg", "proxy", clusterId, "--local-port", "0"];
}

/** Local port 0: flyctl picks a free port and prints it; --watch-stdin: exit with the parent. */
export function proxyArgs(app: string, remotePort = 5432): Argv {
  return ["proxy", `0:${remotePort}`, "-a", app, "--watch-stdin"];
}
