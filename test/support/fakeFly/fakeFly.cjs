#!/usr/bin/env node
/**
 * A fake flyctl, faithful to flyctl v0.4.87 for the commands gaia-infra uses. Plain JavaScript on
 * purpose: it starts in ~0.1 s where tsx needs ~0.6 s, and the end-to-end tests call it hundreds
 * of times.
 *
 * Faithful where our code could go wrong:
 * - flags: only the real ones per command (an unknown flag fails like cobra: `unknown flag: --x`);
 *   `--json` exists only where flyctl has it; there is no `--cluster-size`, no `pg destroy`.
 * - never interactive: every prompt fails with flyctl's non-interactive texts.
 * - exit codes: 0, 1, 126 (deadline exceeded); errors on stderr as `Error: <msg>`.
 * - output shapes: PascalCase for GraphQL objects (status, apps list, pg list), snake_case for
 *   Machines objects (volumes, machines), plain text where flyctl prints text even with `--json`
 *   (`pg list` and `mpg list` when empty), tables for `redis list` / `redis status`.
 * - state between calls in $FAKE_FLY_STATE/state.json; every call is appended to calls.jsonl with
 *   whether it was a mutation, so tests and the benchmark count invocations.
 * - faults from state.faults: {match: "volumes create", kind: "429"|"503"|"timeout"|
 *   "fail-after-create"|"hang"|"error", message?, times}; `fail-after-create` performs the
 *   mutation and then fails, the half-built state flyctl leaves behind (flyctl #1719); `hang` gets
 *   as far (or, for a command with no such point, through the whole command) and then never
 *   returns, holding its stdout and stderr, with a helper process in its process group doing the
 *   same; the pids are appended to hangs.jsonl; `error` fails with `message`, for API texts the
 *   source does not show.
 * - every call records, besides argv, its pid, its parent's pid and the names of its environment
 *   variables (calls.jsonl), so tests see what started it and with what.
 * - `proxy` listens on 127.0.0.1 and forwards TCP to $FAKE_FLY_PROXY_TARGET (host:port), a real
 *   PostgreSQL in the tests.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");
const net = require("node:net");

const STATE_DIR = process.env.FAKE_FLY_STATE;
const STATE_FILE = STATE_DIR ? path.join(STATE_DIR, "state.json") : "";
const LOCK_FILE = STATE_DIR ? path.join(STATE_DIR, "state.lock") : "";

class FlyError extends Error {
  constructor(message, exitCode = 1, extraLines = []) {
    super(message);
    this.exitCode = exitCode;
    this.extraLines = extraLines;
  }
}

const NON_INTERACTIVE = "prompt: non interactive";
const NEED_NAME = "name argument or flag must be specified when not running interactively";
const NEED_ORG = "org slug must be specified when not running interactively";
const NEED_REGION = "region code must be specified when not running interactively";
const NEED_YES = "yes flag must be specified when not running interactively";
const PG_NOTICE =
  "Unmanaged Fly Postgres is not supported by Fly.io Support and users are responsible for operations, management, and disaster recovery. If you'd like a managed, supported solution, try 'fly mpg'";

// Two different tables name VM sizes, and the same name means different guests in them:
// - `fly postgres create --vm-size` looks the name up in flyctl's own MachineVMSizes()
//   (internal/command/postgres/create.go:424-437, table at 535-609; the first entry of a name
//   wins, so shared-cpu-1x is 256 MB) and the launcher copies it into the guest
//   (flypg/launcher.go:330-337). shared-cpu-6x and performance-{6,10,12,14}x are not in it.
// - everything else (`machine update --vm-size`, `pg create` once any explicit VM flag is given)
//   applies fly-go's MachinePresets through MachineGuest.SetSize (fly-go v0.9.6
//   machine_types.go:477-508, table at 558-579; the GPU presets are left out here).
const PG_CREATE_VM_SIZES = [
  ["shared-cpu-1x", "shared", 1, 256],
  ["shared-cpu-1x", "shared", 1, 1024],
  ["shared-cpu-2x", "shared", 2, 4096],
  ["shared-cpu-4x", "shared", 4, 8192],
  ["shared-cpu-8x", "shared", 8, 16384],
  ["performance-1x", "performance", 1, 2048],
  ["performance-2x", "performance", 2, 4096],
  ["performance-4x", "performance", 4, 8192],
  ["performance-8x", "performance", 8, 16384],
  ["performance-16x", "performance", 16, 32768],
];
const MACHINE_PRESETS = {
  "shared-cpu-1x": { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
  "shared-cpu-2x": { cpu_kind: "shared", cpus: 2, memory_mb: 512 },
  "shared-cpu-4x": { cpu_kind: "shared", cpus: 4, memory_mb: 1024 },
  "shared-cpu-6x": { cpu_kind: "shared", cpus: 6, memory_mb: 1536 },
  "shared-cpu-8x": { cpu_kind: "shared", cpus: 8, memory_mb: 2048 },
  "performance-1x": { cpu_kind: "performance", cpus: 1, memory_mb: 2048 },
  "performance-2x": { cpu_kind: "performance", cpus: 2, memory_mb: 4096 },
  "performance-4x": { cpu_kind: "performance", cpus: 4, memory_mb: 8192 },
  "performance-6x": { cpu_kind: "performance", cpus: 6, memory_mb: 12288 },
  "performance-8x": { cpu_kind: "performance", cpus: 8, memory_mb: 16384 },
  "performance-10x": { cpu_kind: "performance", cpus: 10, memory_mb: 20480 },
  "performance-12x": { cpu_kind: "performance", cpus: 12, memory_mb: 24576 },
  "performance-14x": { cpu_kind: "performance", cpus: 14, memory_mb: 28672 },
  "performance-16x": { cpu_kind: "performance", cpus: 16, memory_mb: 32768 },
};
// fly-go machine_types.go:34.
const DEFAULT_VM_SIZE = "shared-cpu-1x";
// The flags of flag.VMSizeFlags other than --vm-size (internal/flag/machines.go:77-119): any of
// them makes `pg create` build the guest with GetMachineGuest (postgres/create.go:289-305, 363-369).
const CUSTOM_MACHINE_FLAGS = [
  "vm-cpus",
  "vm-cpu-kind",
  "vm-memory",
  "vm-max-memory",
  "vm-gpus",
  "vm-gpu-kind",
  "host-dedication-id",
];
// mpg/plans.go:11-42: lookup is by lower-cased --plan, but the table's key is "Performance".
const MPG_PLANS = { basic: "basic", starter: "starter", launch: "launch", scale: "scale" };
const MPG_PLAN_DETAILS = {
  basic: { name: "Basic", cpu: "Shared x 2", memory: "1 GB", price: 38 },
  starter: { name: "Starter", cpu: "Shared x 2", memory: "2 GB", price: 72 },
  launch: { name: "Launch", cpu: "Performance x 2", memory: "8 GB", price: 282 },
  scale: { name: "Scale", cpu: "Performance x 4", memory: "33 GB", price: 962 },
};
const MPG_REGIONS = ["ams", "fra", "iad", "lax", "lhr", "nrt", "ord", "sjc", "sin", "syd", "yyz"];
const FLY_REGIONS = [...MPG_REGIONS, "arn", "bog", "bom", "cdg", "dfw", "ewr", "gru", "hkg", "jnb"];

// ---------------------------------------------------------------------------------------------
// Flag specs. Value flags take an argument; bool flags accept --x, --x=true|false.
const GLOBAL = { "access-token": { short: "t", value: true }, verbose: {}, debug: {} };
const APP = { app: { short: "a", value: true }, config: { short: "c", value: true } };
const JSON_FLAG = { json: { short: "j" } };
const ORG = { org: { short: "o", value: true } };
const REGION = { region: { short: "r", value: true } };
const YES = { yes: { short: "y" } };
const VM = {
  "vm-size": { value: true },
  "vm-cpus": { value: true },
  "vm-cpu-kind": { value: true },
  "vm-memory": { value: true },
  "vm-max-memory": { value: true },
  "vm-gpus": { value: true },
  "vm-gpu-kind": { value: true },
  "host-dedication-id": { value: true },
};

const COMMANDS = {
  // internal/command/version/version.go: no session needed; --json encodes buildinfo.Info()
  // (internal/buildinfo/buildinfo.go: Name, Version, Commit, BranchName, BuildDate, OS,
  // Architecture, Environment). state.flyctlVersion stands in for another installed release.
  version: {
    flags: { ...JSON_FLAG, saveinstall: { short: "s", value: true } },
    run: version,
    noSession: true,
  },
  status: {
    flags: { ...APP, ...JSON_FLAG, all: {}, watch: {}, rate: { value: true } },
    run: status,
  },
  "apps create": {
    flags: {
      name: { value: true },
      "generate-name": {},
      network: { value: true },
      ...ORG,
      save: {},
      ...YES,
      ...JSON_FLAG,
    },
    run: appsCreate,
    mutation: true,
  },
  "apps list": { flags: { ...JSON_FLAG, ...ORG, quiet: { short: "q" } }, run: appsList },
  "apps destroy": { flags: { ...YES }, run: appsDestroy, mutation: true },
  "postgres create": {
    flags: {
      name: { short: "n", value: true },
      "generate-name": {},
      ...ORG,
      ...REGION,
      detach: {},
      ...VM,
      "initial-cluster-size": { value: true },
      "volume-size": { value: true },
      password: { short: "p", value: true },
      "enable-backups": {},
      "image-ref": { value: true },
      flex: {},
      stolon: {},
      autostart: {},
      "snapshot-id": { value: true },
      "fork-from": { value: true },
      "consul-url": { value: true },
    },
    run: pgCreate,
    mutation: true,
  },
  "postgres list": { flags: { ...JSON_FLAG, ...ORG }, run: pgList },
  "mpg create": {
    flags: {
      name: { short: "n", value: true },
      ...ORG,
      ...REGION,
      plan: { value: true },
      "volume-size": { value: true },
      "pg-major-version": { value: true },
      "enable-postgis-support": {},
      v2: {},
    },
    run: mpgCreate,
    mutation: true,
  },
  "mpg list": { flags: { ...JSON_FLAG, ...ORG, deleted: {} }, run: mpgList },
  "mpg databases list": { flags: { ...JSON_FLAG }, run: mpgDatabasesList },
  "mpg databases create": {
    flags: { name: { value: true } },
    run: mpgDatabasesCreate,
    mutation: true,
  },
  "mpg proxy": {
    flags: { "bind-addr": { short: "b", value: true }, "local-port": { value: true } },
    run: mpgProxy,
  },
  "mpg destroy": { flags: { ...YES }, run: mpgDestroy, mutation: true },
  "mpg status": { flags: { ...JSON_FLAG }, run: mpgStatus },
  "volumes create": {
    flags: {
      ...APP,
      ...REGION,
      size: { short: "s", value: true },
      "snapshot-retention": { value: true },
      "scheduled-snapshots": {},
      "no-encryption": {},
      "require-unique-zone": {},
      "unique-zone-app-wide": {},
      "snapshot-id": { value: true },
      count: { short: "n", value: true },
      ...VM,
      ...YES,
      ...JSON_FLAG,
    },
    run: volumesCreate,
    mutation: true,
  },
  "volumes list": { flags: { ...APP, all: {}, ...JSON_FLAG }, run: volumesList },
  "volumes extend": {
    flags: { ...APP, size: { short: "s", value: true }, ...YES, ...JSON_FLAG },
    run: volumesExtend,
    mutation: true,
  },
  "volumes destroy": { flags: { ...APP, ...YES }, run: volumesDestroy, mutation: true },
  "volumes snapshots create": {
    flags: { ...APP, ...JSON_FLAG },
    run: snapshotsCreate,
    mutation: true,
  },
  "volumes snapshots list": { flags: { ...APP, ...JSON_FLAG }, run: snapshotsList },
  "redis create": {
    flags: {
      ...ORG,
      ...REGION,
      "replica-regions": { value: true },
      name: { short: "n", value: true },
      plan: { value: true },
      "no-replicas": {},
      "enable-eviction": {},
      "disable-eviction": {},
      "enable-auto-upgrade": {},
      "enable-prodpack": {},
    },
    run: redisCreate,
    mutation: true,
  },
  "redis list": { flags: { ...ORG }, run: redisList },
  "redis status": { flags: {}, run: redisStatus },
  "redis destroy": { flags: { ...YES }, run: redisDestroy, mutation: true },
  "secrets import": {
    flags: { ...APP, stage: {}, detach: {}, "dns-checks": {} },
    run: secretsImport,
    mutation: true,
  },
  "secrets list": { flags: { ...APP, ...JSON_FLAG }, run: secretsList },
  "secrets unset": {
    flags: { ...APP, stage: {}, detach: {}, "dns-checks": {} },
    run: secretsUnset,
    mutation: true,
  },
  "machine list": { flags: { ...APP, ...JSON_FLAG, quiet: { short: "q" } }, run: machineList },
  "machine restart": {
    flags: {
      ...APP,
      select: {},
      signal: { short: "s", value: true },
      time: { value: true },
      force: {},
      "skip-health-checks": {},
    },
    run: machineRestart,
    mutation: true,
  },
  "machine update": {
    flags: {
      ...APP,
      ...VM,
      ...YES,
      "skip-health-checks": {},
      "wait-timeout": { value: true },
      "skip-start": {},
      detach: {},
    },
    run: machineUpdate,
    mutation: true,
  },
  proxy: {
    flags: {
      ...APP,
      "bind-addr": { short: "b", value: true },
      select: { short: "s" },
      quiet: { short: "q" },
      ...ORG,
      "watch-stdin": {},
    },
    run: proxy,
  },
};
const ALIASES = {
  pg: "postgres",
  volume: "volumes",
  vol: "volumes",
  machines: "machine",
  m: "machine",
  app: "apps",
  snapshot: "snapshots",
  snaps: "snapshots",
  secret: "secrets",
};
const LEAF_ALIASES = { delete: "destroy", remove: "destroy", rm: "destroy", ls: "list" };

// ---------------------------------------------------------------------------------------------
// Argument parsing, cobra-style: command words first, then flags and positionals in any order.
function resolveCommand(argv) {
  const words = [];
  let i = 0;
  while (i < argv.length && !argv[i].startsWith("-")) {
    const raw = argv[i];
    const w =
      words.length === 0 ? (ALIASES[raw] ?? raw) : (ALIASES[raw] ?? LEAF_ALIASES[raw] ?? raw);
    const candidate = [...words, w].join(" ");
    if (!Object.keys(COMMANDS).some((k) => k === candidate || k.startsWith(`${candidate} `))) break;
    words.push(w);
    i++;
  }
  const key = words.join(" ");
  if (!COMMANDS[key]) {
    const shown = argv[0] ?? "";
    throw new FlyError(`unknown command "${shown}" for "flyctl${key ? ` ${key}` : ""}"`);
  }
  return { key, rest: argv.slice(i) };
}

function parseFlags(spec, rest) {
  const all = { ...GLOBAL, ...spec };
  const byShort = {};
  for (const [name, s] of Object.entries(all)) if (s.short) byShort[s.short] = name;
  const flags = {};
  const args = [];
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i];
    if (tok === "--") {
      args.push(...rest.slice(i + 1));
      break;
    }
    if (tok.startsWith("--")) {
      const [name, inline] = splitOnce(tok.slice(2), "=");
      const s = all[name];
      if (!s) throw new FlyError(`unknown flag: --${name}`);
      if (s.value) {
        const v = inline ?? rest[++i];
        if (v === undefined) throw new FlyError(`flag needs an argument: --${name}`);
        flags[name] = v;
      } else {
        flags[name] = parseBool(name, inline);
      }
    } else if (tok.startsWith("-") && tok.length > 1) {
      const [short, inline] = splitOnce(tok.slice(1), "=");
      const name = byShort[short[0]];
      if (!name || short.length > 1) {
        const bad = name ? short[1] : short[0];
        throw new FlyError(`unknown shorthand flag: '${bad}' in ${tok}`);
      }
      if (all[name].value) {
        const v = inline ?? rest[++i];
        if (v === undefined) throw new FlyError(`flag needs an argument: '${short}' in -${short}`);
        flags[name] = v;
      } else {
        flags[name] = parseBool(name, inline);
      }
    } else {
      args.push(tok);
    }
  }
  return { flags, args };
}

function splitOnce(s, sep) {
  const at = s.indexOf(sep);
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}

function parseBool(name, inline) {
  if (inline === undefined || inline === "true") return true;
  if (inline === "false") return false;
  throw new FlyError(
    `invalid argument "${inline}" for "--${name}" flag: strconv.ParseBool: parsing "${inline}": invalid syntax`,
  );
}

// ---------------------------------------------------------------------------------------------
// State.
function emptyState() {
  return {
    seq: 0,
    orgs: ["aeonia-dev"],
    // Names held by other customers: app names are global across Fly.io.
    foreignApps: [],
    apps: {},
    volumes: [],
    redis: {},
    mpg: [],
    faults: [],
  };
}

function withLock(fn) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_FILE);
      break;
    } catch (e) {
      if (e.code !== "EEXIST" || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmdirSync(LOCK_FILE);
  }
}

function loadState() {
  if (!fs.existsSync(STATE_FILE)) return emptyState();
  return JSON.parse(fs.readFileSync(STATE_FILE, "utf8"));
}

function saveState(state) {
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, STATE_FILE);
}

function nextId(state, prefix, length = 14) {
  state.seq += 1;
  const hash = crypto.createHash("sha256").update(`${prefix}:${state.seq}`).digest("hex");
  return `${prefix}${hash.slice(0, length)}`;
}

function now() {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

function requestId(state) {
  return nextId(state, "01J", 23).toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Output helpers.
const out = [];
const err = [];
const print = (line = "") => out.push(`${line}\n`);
const eprint = (line = "") => err.push(`${line}\n`);
const printJson = (value) => print(JSON.stringify(value, null, 2));

function requireApp(flags) {
  const app = flags.app ?? process.env.FLY_APP;
  if (!app)
    throw new FlyError(
      "the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag",
    );
  return app;
}

function getApp(state, name, prefix = "failed to get app: ") {
  const app = state.apps[name];
  if (!app) throw new FlyError(`${prefix}Could not find App "${name}"`);
  return app;
}

function requireOrg(state, flags) {
  const slug = flags.org ?? process.env.FLY_ORG ?? process.env.FLY_ORGANIZATION;
  if (!slug) throw new FlyError(NEED_ORG);
  if (!state.orgs.includes(slug)) throw new FlyError(`organization ${slug} not found`);
  return slug;
}

// internal/prompt/prompt.go:419-472 (prompt.Region): the flag, else a prompt.
function requireRegion(flags) {
  const region = flags.region ?? process.env.FLY_REGION;
  if (!region) throw new FlyError(NEED_REGION);
  if (!FLY_REGIONS.includes(region)) throw new FlyError(`region ${region} not found`);
  return region;
}

function gqlApp(app) {
  return {
    ID: app.name,
    Name: app.name,
    State: "",
    Status: app.machines.some((m) => m.state === "started") ? "deployed" : "pending",
    Deployed: app.machines.length > 0,
    Hostname: `${app.name}.fly.dev`,
    AppURL: `https://${app.name}.fly.dev`,
    Version: 0,
    NetworkID: 0,
    Network: "default",
    Organization: {
      ID: `org_${app.org}`,
      InternalNumericID: "1",
      Slug: app.org,
      RawSlug: app.org,
      Name: app.org,
      Type: "SHARED",
      PaidPlan: true,
    },
    PlatformVersion: app.machines.length > 0 ? "machines" : "",
    CurrentRelease: null,
    CreatedAt: app.createdAt,
  };
}

function machineJson(m) {
  return {
    id: m.id,
    name: m.name,
    state: m.state,
    region: m.region,
    image_ref: {
      registry: "registry-1.docker.io",
      repository: "flyio/postgres-flex",
      tag: "16",
      digest: "",
      labels: null,
    },
    instance_id: m.instanceId,
    version: "",
    private_ip: m.privateIp,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    config: {
      guest: { ...m.guest },
      mounts: m.volume ? [{ volume: m.volume, path: "/data" }] : [],
      env: {},
      metadata: m.metadata ?? {},
    },
    events: [],
    checks: [],
    host_status: "ok",
    cordoned: false,
  };
}

function volumeJson(v) {
  return {
    id: v.id,
    name: v.name,
    state: v.state,
    size_gb: v.size_gb,
    region: v.region,
    zone: v.zone,
    encrypted: v.encrypted,
    attached_machine_id: v.attached_machine_id,
    attached_alloc_id: null,
    created_at: v.created_at,
    host_dedication_id: "",
    snapshot_retention: v.snapshot_retention,
    auto_backup_enabled: true,
    host_status: "ok",
  };
}

// ---------------------------------------------------------------------------------------------
// Commands.
function version(state, { flags }) {
  const info = {
    Name: "flyctl",
    Version: state.flyctlVersion ?? "0.4.87",
    Commit: "3eb236fab",
    BranchName: "",
    BuildDate: "2026-08-20T18:56:30Z",
    OS: "linux",
    Architecture: "amd64",
    Environment: "production",
  };
  // json.Encoder: compact, one line.
  if (flags.json) return print(JSON.stringify(info));
  print(
    `${info.Name} v${info.Version} ${info.OS}/${info.Architecture} Commit: ${info.Commit} BuildDate: ${info.BuildDate}`,
  );
}

function status(state, { flags }) {
  const name = requireApp(flags);
  if (flags.watch && flags.json) throw new FlyError("--watch and --json are mutually exclusive");
  const app = getApp(state, name);
  if (flags.json) {
    printJson({ ...gqlApp(app), Machines: app.machines.map(machineJson) });
    return;
  }
  print(`App`);
  print(`  Name     = ${app.name}`);
  print(`  Owner    = ${app.org}`);
  print(`  Hostname = ${app.name}.fly.dev`);
  print();
  print(app.machines.length === 0 ? "No machines are available on this app." : "Machines");
  for (const m of app.machines) print(`${m.id}\t${m.state}\t${m.region}`);
}

function createApp(state, name, org, role) {
  if (!/^[a-z0-9][a-z0-9-]{0,61}$/.test(name))
    throw new FlyError(
      "Validation failed: Name under 63 chars using numbers, lowercase letters and dashes",
    );
  if (state.apps[name] || state.foreignApps.includes(name)) {
    throw new FlyError(
      `Validation failed: Name has already been taken (Request ID: ${requestId(state)})`,
      1,
      [
        "App names are unique across all of Fly.io, not just your organization, so this name may be held by an app you cannot see. Try a different name.",
      ],
    );
  }
  const app = { name, org, role, createdAt: now(), machines: [], secrets: {}, ips: [] };
  state.apps[name] = app;
  return app;
}

function appsCreate(state, { flags, args, fault }) {
  const name = args[0] ?? flags.name;
  if (flags["generate-name"]) throw new FlyError("generated names are not supported by this fake");
  if (!name) throw new FlyError(NEED_NAME);
  const org = requireOrg(state, flags);
  const app = createApp(state, name, org, "app");
  fault.afterCreate();
  if (flags.json) printJson(gqlApp(app));
  else print(`New app created: ${name}`);
}

function appsList(state, { flags }) {
  const apps = Object.values(state.apps).filter((a) => !flags.org || a.org === flags.org);
  if (flags.json) return printJson(apps.map((a) => gqlApp(a)));
  if (flags.quiet) {
    for (const a of apps) print(a.name);
    return;
  }
  print("NAME\tOWNER\tSTATUS\tLATEST DEPLOY");
  for (const a of apps) print(`${a.name}\t${a.org}\t${gqlApp(a).Status}\t`);
}

function appsDestroy(state, { flags, args }) {
  if (args.length === 0) throw new FlyError("no app names provided");
  for (const name of args) {
    if (!flags.yes) {
      eprint(`Destroying an app is not reversible.`);
      throw new FlyError(NEED_YES);
    }
    getApp(state, name, "");
    delete state.apps[name];
    state.volumes = state.volumes.filter((v) => v.app !== name);
    print(`Destroyed app ${name}`);
  }
}

function parseIntFlag(flags, name) {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v))
    throw new FlyError(
      `invalid argument "${v}" for "--${name}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`,
    );
  return Number(v);
}

function newVolume(state, app, name, region, sizeGb, opts = {}) {
  const zones = Array.from(
    { length: state.zonesPerRegion ?? 3 },
    (_, i) => `${region.slice(0, 2)}${(0x1a + i).toString(16)}`,
  );
  let zone = zones[state.seq % zones.length];
  if (opts.uniqueAgainst) {
    const taken = new Set(opts.uniqueAgainst.filter((v) => v.region === region).map((v) => v.zone));
    zone = zones.find((z) => !taken.has(z));
    if (zone === undefined) return null;
  }
  const vol = {
    id: nextId(state, "vol_", 16),
    app,
    name,
    state: "created",
    size_gb: sizeGb,
    region,
    zone,
    encrypted: opts.encrypted ?? true,
    attached_machine_id: null,
    created_at: now(),
    snapshot_retention: opts.snapshotRetention ?? 5,
    snapshots: [],
  };
  state.volumes.push(vol);
  return vol;
}

function newMachine(state, app, region, guest, volumeId, metadata) {
  const m = {
    id: nextId(state, "", 14),
    name: `${app.name}-${state.seq}`,
    state: "started",
    region,
    instanceId: nextId(state, "01H", 23).toUpperCase(),
    privateIp: `fdaa:0:1:a7b:${state.seq.toString(16)}::2`,
    createdAt: now(),
    updatedAt: now(),
    guest: { ...guest },
    volume: volumeId,
    metadata,
  };
  app.machines.push(m);
  return m;
}

// fly-go MachineGuest.SetSize (machine_types.go:477-508), errors included.
function setSize(guest, size) {
  const preset = MACHINE_PRESETS[size];
  if (!preset) {
    const kind = size.startsWith("shared")
      ? "shared"
      : size.startsWith("performance")
        ? "performance"
        : null;
    if (!kind)
      throw new FlyError(
        `invalid machine preset requested, '${size}', expected to start with 'shared' or 'performance'`,
      );
    const valid = Object.keys(MACHINE_PRESETS)
      .filter((n) => n.startsWith(kind))
      .sort();
    throw new FlyError(`'${size}' is an invalid machine size, choose one of: [${valid.join(" ")}]`);
  }
  return { ...guest, cpu_kind: preset.cpu_kind, cpus: preset.cpus, memory_mb: preset.memory_mb };
}

// helpers/units.go ParseSize with docker/go-units RAMInBytes, in MiB: a bare number is MB.
function parseMemoryMb(raw) {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(raw);
  if (!m) throw new FlyError(`invalid size: invalid size: '${raw}'`);
  const power = { k: 1, m: 2, g: 3, t: 4, p: 5 }[(m[2] ?? "").toLowerCase()] ?? 0;
  return Math.floor((Number(m[1]) * 1024 ** power) / 1024 ** 2);
}

// internal/flag/machines.go:14-75 GetMachineGuest: the base guest (the default size when none),
// then --vm-size through fly-go's presets, then --vm-cpus, --vm-memory and --vm-cpu-kind on top.
function getMachineGuest(flags, base) {
  let guest = base ? { ...base } : setSize({}, DEFAULT_VM_SIZE);
  if (flags["vm-size"] !== undefined) guest = setSize(guest, flags["vm-size"]);
  if (flags["vm-cpus"] !== undefined) {
    const cpus = parseIntFlag(flags, "vm-cpus");
    if (cpus <= 0) throw new FlyError(`--vm-cpus must be greater than zero, got: ${cpus}`);
    guest.cpus = cpus;
  }
  if (flags["vm-memory"] !== undefined) {
    const mb = parseMemoryMb(flags["vm-memory"]);
    if (mb === 0) throw new FlyError("--vm-memory cannot be zero");
    guest.memory_mb = mb;
  }
  if (flags["vm-cpu-kind"] !== undefined) {
    guest.cpu_kind = flags["vm-cpu-kind"];
    if (guest.cpu_kind !== "shared" && guest.cpu_kind !== "performance")
      throw new FlyError("--vm-cpu-kind must be set to 'shared' or 'performance'");
  }
  if (flags["vm-gpu-kind"] !== undefined || flags["vm-gpus"] !== undefined)
    throw new FlyError(
      "GPU machines are no longer supported: --vm-gpu-kind and --vm-gpus are no longer accepted",
    );
  return guest;
}

function pgCreate(state, { flags, fault }) {
  eprint(PG_NOTICE);
  if (flags["generate-name"] && flags.name)
    throw new FlyError("--name and --generate-name are mutually exclusive");
  const name = flags.name;
  if (!name) throw new FlyError(NEED_NAME);
  const org = requireOrg(state, flags);
  const region = requireRegion(flags);
  // postgres/create.go:289-407: any sizing flag means "custom config", and each missing part of
  // it is then prompted for (so fails here); with none, the preset menu prompts.
  const isCustomMachine = CUSTOM_MACHINE_FLAGS.some((f) => flags[f] !== undefined);
  const nodes = parseIntFlag(flags, "initial-cluster-size") ?? 0;
  const volumeSize = parseIntFlag(flags, "volume-size") ?? 0;
  const vmSize = flags["vm-size"] ?? "";
  if (!isCustomMachine && volumeSize === 0 && vmSize === "" && nodes === 0)
    throw new FlyError(NON_INTERACTIVE);
  if (nodes === 0) throw new FlyError(NON_INTERACTIVE);
  let guest;
  if (isCustomMachine) guest = getMachineGuest(flags, null);
  else {
    if (vmSize === "") throw new FlyError(NON_INTERACTIVE);
    const size = PG_CREATE_VM_SIZES.find(([n]) => n === vmSize);
    if (!size)
      throw new FlyError(
        `VM size "${vmSize}" is not valid. For a full list of supported sizes use the command 'flyctl platform vm-sizes'`,
      );
    guest = { cpu_kind: size[1], cpus: size[2], memory_mb: size[3] };
  }
  if (volumeSize === 0) throw new FlyError(NON_INTERACTIVE);
  // flypg/launcher.go:85-87.
  if (flags["enable-backups"] && guest.memory_mb < 512)
    throw new FlyError(
      "Backups require at least 512MB of memory. Please use a larger VM size or disable backups.",
    );
  const password = flags.password ?? crypto.randomBytes(12).toString("hex");
  const app = createApp(state, name, org, "postgres_cluster");
  app.ips.push({ Address: `fdaa:0:1:a7b:${state.seq.toString(16)}::3`, Type: "private_v6" });
  for (const secret of [
    "SU_PASSWORD",
    "REPL_PASSWORD",
    "OPERATOR_PASSWORD",
    "SSH_KEY",
    "SSH_CERT",
    "FLY_CONSUL_URL",
  ]) {
    const value = secret === "OPERATOR_PASSWORD" ? password : crypto.randomBytes(8).toString("hex");
    app.secrets[secret] = { value, digest: digest(value), status: "Deployed" };
  }
  fault.afterCreate(
    "failed to launch VM: aborted: could not reserve resource for machine: insufficient memory available to fulfill request",
  );
  for (let i = 0; i < nodes; i++) {
    const vol = newVolume(state, name, "pg_data", region, volumeSize);
    const m = newMachine(state, app, region, guest, vol.id, {
      "fly-managed-postgres": "true",
      role: i === 0 ? "primary" : "replica",
    });
    vol.attached_machine_id = m.id;
  }
  print(`Postgres cluster ${name} created`);
  print(`  Username:    postgres`);
  print(`  Password:    ${password}`);
  print(`  Hostname:    ${name}.internal`);
  print(`  Flycast:     ${app.ips[0].Address}`);
  print(`  Proxy port:  5432`);
  print(`  Postgres port:  5433`);
  print(`  Connection string: postgres://postgres:${password}@${name}.flycast:5432`);
  print();
  print("Save your credentials in a secure place -- you won't be able to see them again!");
}

function pgList(state, { flags }) {
  eprint(PG_NOTICE);
  const apps = Object.values(state.apps).filter(
    (a) => a.role === "postgres_cluster" && (!flags.org || a.org === flags.org),
  );
  // flyctl checks for zero clusters before looking at --json.
  if (apps.length === 0) return print("No postgres clusters found");
  if (flags.json) return printJson(apps.map((a) => gqlApp(a)));
  print("NAME\tOWNER\tSTATUS\tLATEST DEPLOY");
  for (const a of apps) print(`${a.name}\t${a.org}\t${gqlApp(a).Status}\t`);
}

function requireMacaroon() {
  const token = process.env.FLY_ACCESS_TOKEN ?? process.env.FLY_API_TOKEN ?? "";
  if (!token.startsWith("FlyV1 "))
    throw new FlyError(
      "MPG commands require updated tokens but found older-style tokens. Please run 'fly auth logout' and 'fly auth login' to get updated tokens.",
    );
}

function mpgJson(c) {
  return {
    id: c.id,
    mpgd_cluster_id: c.id,
    version: 2,
    name: c.name,
    region: c.region,
    status: c.status,
    plan: c.plan,
    disk: c.disk,
    replicas: c.replicas,
    organization: { slug: c.org, name: c.org },
    ip_assignments: { direct: c.ip },
    attached_apps: [],
  };
}

// mpg/create.go:81-181 and mpg/v2/run_create.go:33-147. The API's own words for a plan (what
// `mpg list` / `mpg status` report as `plan`) are not in the source: tests set
// state.mpgApiPlanNames, e.g. {basic: "Basic"}. The statuses a new cluster goes through are
// state.mpgStatuses (default ["ready"]); each GetClusterById (one per `mpg status`, one per poll
// of `mpg create`) moves one step along, the last one sticks.
function mpgCreate(state, { flags, fault }) {
  requireMacaroon();
  const name = flags.name;
  if (!name) throw new FlyError(NEED_NAME);
  const org = requireOrg(state, flags);
  const major = parseIntFlag(flags, "pg-major-version") ?? 16;
  if (major !== 16 && major !== 17)
    throw new FlyError(
      `invalid Postgres major version: ${major}. Supported versions are 16 and 17`,
    );
  // plans.go keys the table "Performance": the lower-cased lookup never finds it, and any plan
  // not found silently becomes basic when not interactive (create.go:114-147).
  const plan = MPG_PLANS[(flags.plan ?? "").trim().toLowerCase()] ?? "basic";
  const region = flags.region;
  if (!region) throw new FlyError(NON_INTERACTIVE);
  if (!MPG_REGIONS.includes(region))
    throw new FlyError(
      `region ${region} is not available for Managed Postgres. Available regions: [${MPG_REGIONS.join(" ")}]`,
    );
  const disk = parseIntFlag(flags, "volume-size") ?? 10;
  const id = nextId(state, "", 16);
  const password = crypto.randomBytes(12).toString("hex");
  const statuses = [...(state.mpgStatuses ?? ["ready"])];
  const cluster = {
    id,
    name,
    org,
    region,
    plan: state.mpgApiPlanNames?.[plan] ?? plan,
    disk,
    replicas: 0,
    status: statuses[0],
    statuses,
    major: String(major),
    password,
    ip: `fdaa:0:1::${state.seq}`,
  };
  state.mpg.push(cluster);
  fault.afterCreate();
  const details = MPG_PLAN_DETAILS[plan];
  print(`Selected Plan: ${details.name}`);
  print(`  CPU: ${details.cpu}`);
  print(`  Memory: ${details.memory}`);
  print(`  Price: $${details.price} per month`);
  print();
  print(`Waiting for cluster ${name} (${id}) to be ready...`);
  print(
    `You can view the cluster in the UI at: https://fly.io/dashboard/${org}/managed_postgres/${id}`,
  );
  print(
    "You can cancel this wait with Ctrl+C - the cluster will continue provisioning in the background.",
  );
  print(`Once ready, you can connect to the database with: fly mpg connect ${id}`);
  print();
  // run_create.go:110-134: poll every 5 s until "ready" (success) or "error" (failure); any other
  // status, "failed" included, polls on for ever. Outside the state lock, as flyctl's loop is.
  return {
    continueOutsideLock: async () => {
      const pollMs = Number(process.env.FAKE_FLY_MPG_POLL_MS ?? 20);
      for (;;) {
        const c = withLock(() => {
          const st = loadState();
          const found = st.mpg.find((x) => x.id === id);
          if (found) advanceStatus(found);
          saveState(st);
          return found;
        });
        if (!c) throw new FlyError(`failed checking cluster status: cluster ${id} not found`);
        if (c.status === "ready") break;
        if (c.status === "error") throw new FlyError("cluster creation failed");
        await new Promise((r) => setTimeout(r, pollMs));
      }
      print();
      print("Managed Postgres cluster created successfully!");
      print(`  ID: ${id}`);
      print(`  Name: ${name}`);
      print(`  Organization: ${org}`);
      print(`  Region: ${region}`);
      print(`  Plan: ${plan}`);
      print(`  Disk: ${disk}GB`);
      print(`  PostGIS: ${Boolean(flags["enable-postgis-support"])}`);
      print(`  Connection string: ${mpgUri(cluster)}`);
    },
  };
}

function advanceStatus(c) {
  c.reads = (c.reads ?? 0) + 1;
  if (c.statuses && c.statuses.length > 1) c.statuses.shift();
  if (c.statuses) c.status = c.statuses[0];
}

function mpgUri(c) {
  return `postgresql://fly-user:${c.password}@pgbouncer.${c.id}.flympg.net/fly-db`;
}

function mpgList(state, { flags }) {
  requireMacaroon();
  const org = requireOrg(state, flags);
  const clusters = state.mpg.filter((c) => c.org === org);
  if (clusters.length === 0)
    return print(`No managed postgres clusters found in organization ${org}`);
  if (flags.json) return printJson(clusters.map(mpgJson));
  print("ID\tNAME\tORG\tREGION\tSTATUS\tPLAN\tATTACHED APPS");
  for (const c of clusters)
    print(`${c.id}\t${c.name}\t${c.org}\t${c.region}\t${c.status}\t${c.plan}\t<no attached apps>`);
}

// internal/command/mpg/mpg.go:54-100 ClusterFromArgOrSelect, which every `mpg <cmd> <id>` runs
// first: a GetById on the v2 API, then on the v1 API, and when both fail FOR ANY REASON (404, 429,
// 5xx, timeout, auth) this one text. It proves nothing about the cluster's existence.
function clusterLookupFailed(id) {
  return new FlyError(`managed postgres cluster "${id}" not found`);
}
const MPG_LOOKUP_COMMANDS = [
  "mpg status",
  "mpg destroy",
  "mpg databases list",
  "mpg databases create",
  "mpg proxy",
];

function findCluster(state, id) {
  if (!id)
    throw new FlyError("cluster ID argument must be specified when not running interactively");
  const c = state.mpg.find((x) => x.id === id);
  if (!c) throw clusterLookupFailed(id);
  return c;
}

function mpgDatabasesList(state, { flags, args }) {
  requireMacaroon();
  const c = findCluster(state, args[0]);
  const dbs = c.databases ?? ["fly-db"];
  if (dbs.length === 0) return print(`No databases found for cluster ${c.id}`);
  if (flags.json) return printJson(dbs.map((name) => ({ name })));
  renderTable(
    ["Name"],
    dbs.map((n) => [n]),
  );
}

function mpgDatabasesCreate(state, { flags, args }) {
  requireMacaroon();
  const c = findCluster(state, args[0]);
  if (!flags.name)
    throw new FlyError(
      "database name must be specified with --name flag when not running interactively",
    );
  c.databases = c.databases ?? ["fly-db"];
  if (c.databases.includes(flags.name))
    throw new FlyError(`failed to create database: database ${flags.name} already exists`);
  print(`Creating database ${flags.name} in cluster ${c.id}...`);
  c.databases.push(flags.name);
  print("Database created successfully!");
  print(`  Name: ${flags.name}`);
}

function mpgDestroy(state, { flags, args }) {
  requireMacaroon();
  if (args.length !== 1) throw new FlyError(`accepts 1 arg(s), received ${args.length}`);
  const c = findCluster(state, args[0]);
  if (!flags.yes) throw new FlyError(NEED_YES);
  state.mpg = state.mpg.filter((x) => x !== c);
  // mpg/v2/run_destroy.go:48.
  print(
    `Managed Postgres cluster ${c.name} (${c.id}) scheduled to be destroyed (may take some time)`,
  );
}

function mpgStatus(state, { flags, args }) {
  requireMacaroon();
  const c = findCluster(state, args[0]);
  advanceStatus(c);
  saveState(state);
  // GetClusterResponse: the cluster under "data" and the default credentials beside it.
  if (flags.json)
    return printJson({
      data: {
        id: c.id,
        name: c.name,
        status: c.status,
        engine: "postgres",
        plan: c.plan,
        region: c.region,
        organization: { slug: c.org, name: c.org },
        mpgd_cluster_id: c.id,
        disk: c.disk,
        replicas: c.replicas,
        ip_assignments: { direct: c.ip },
        attached_apps: [],
      },
      credentials: {
        status: "ready",
        user: "fly-user",
        password: c.password,
        dbname: "fly-db",
        pgbouncer_uri: mpgUri(c),
      },
    });
  print(`ID: ${c.id}\nName: ${c.name}\nPlan: ${c.plan}\nStatus: ${c.status}`);
}

function liveVolumes(state, app, all) {
  const hidden = [
    "scheduling_destroy",
    "fork_cleanup",
    "waiting_for_detach",
    "pending_destroy",
    "destroying",
  ];
  return state.volumes.filter((v) => v.app === app && (all || !hidden.includes(v.state)));
}

function volumesCreate(state, { flags, args, fault }) {
  const name = args[0];
  if (!name) throw new FlyError("accepts 1 arg(s), received 0");
  const appName = requireApp(flags);
  const app = getApp(state, appName);
  const region = requireRegion(flags);
  const size = parseIntFlag(flags, "size") ?? 1;
  const count = parseIntFlag(flags, "count") ?? 1;
  // volumes/create.go:189-223: no warning with --yes, with --count > 1 or when a volume of that
  // name exists; the warning goes to stderr.
  const exists = liveVolumes(state, appName).some((v) => v.name === name);
  if (!exists && !flags.yes && count <= 1) {
    eprint(
      "Warning! Every volume is pinned to a specific physical host. You should create two or more volumes per application to avoid downtime. Learn more at https://fly.io/docs/volumes/overview/",
    );
    throw new FlyError(NEED_YES);
  }
  // create.go:60-69, 157-158: require_unique_zone (default true) asks for a hardware zone without
  // a volume of the same name (of the app with --unique-zone-app-wide). The zones of a region
  // (state.zonesPerRegion, default 3) and the API's words when none is free
  // (state.uniqueZoneError) are not in the source.
  const unique = flags["require-unique-zone"] ?? true;
  const created = [];
  for (let i = 0; i < count; i++) {
    const peers = liveVolumes(state, appName).filter(
      (v) => flags["unique-zone-app-wide"] || v.name === name,
    );
    const vol = newVolume(state, app.name, name, region, size, {
      encrypted: !flags["no-encryption"],
      uniqueAgainst: unique ? peers : undefined,
    });
    if (!vol) {
      saveState(state);
      for (const v of created) flags.json ? printJson(volumeJson(v)) : printVolume(v, app.name);
      throw new FlyError(
        state.uniqueZoneError ??
          `failed to create volume: no zone in ${region} without a volume named ${name}`,
      );
    }
    created.push(vol);
  }
  fault.afterCreate();
  for (const v of created) {
    if (flags.json) printJson(volumeJson(v));
    else printVolume(v, app.name);
  }
}

function volumesList(state, { flags }) {
  const appName = requireApp(flags);
  getApp(state, appName);
  const vols = liveVolumes(state, appName, flags.all);
  if (flags.json) return printJson(vols.map(volumeJson));
  print("ID\tSTATE\tNAME\tSIZE\tREGION\tZONE\tENCRYPTED\tATTACHED VM\tCREATED AT");
  for (const v of vols)
    print(
      `${v.id}\t${v.state}\t${v.name}\t${v.size_gb}GB\t${v.region}\t${v.zone}\t${v.encrypted}\t${v.attached_machine_id ?? ""}\t`,
    );
}

function findVolume(state, id, appName) {
  const v = state.volumes.find((x) => x.id === id && (!appName || x.app === appName));
  if (!v) throw new FlyError(`failed to get volume: volume not found`);
  return v;
}

// volumes/volumes.go:52-69.
function printVolume(v, appName) {
  const row = (k, val) => print(`${k.padStart(20)}: ${val}`);
  const d = new Date(v.created_at);
  const rfc822 = `${String(d.getUTCDate()).padStart(2, "0")} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()]} ${String(d.getUTCFullYear()).slice(2)} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")} UTC`;
  row("ID", v.id);
  row("Name", v.name);
  row("App", appName);
  row("Region", v.region);
  row("Zone", v.zone);
  row("Size GB", v.size_gb);
  row("Encrypted", v.encrypted);
  row("Created at", rfc822);
  row("Snapshot retention", v.snapshot_retention);
  row("Scheduled snapshots", true);
}

// volumes/extend.go:52-117. Whether the machine must restart for its file system to grow is
// the API's answer (fly-go flaps_volumes.go:120-140 ExtendVolumeResponse.needs_restart), which
// `--json` drops; "most Machines don't" (extend.go:24), so it is false unless a test sets
// state.extendNeedsRestart. The file system size is modelled as fs_gb: it follows size_gb at
// once, or at the machine's next restart.
function volumesExtend(state, { flags, args }) {
  const id = args[0];
  if (!id) throw new FlyError(NON_INTERACTIVE);
  const v = findVolume(state, id, flags.app);
  const raw = flags.size;
  if (!raw) throw new FlyError("Volume size must be specified");
  const target = raw.startsWith("+") ? v.size_gb + Number(raw.slice(1)) : Number(raw);
  if (!Number.isInteger(target)) throw new FlyError(`invalid size ${raw}`);
  if (target <= v.size_gb)
    throw new FlyError(
      `failed to extend volume: size_gb must be greater than the current size (${v.size_gb})`,
    );
  v.fs_gb = v.fs_gb ?? v.size_gb;
  v.size_gb = target;
  const needsRestart = v.attached_machine_id !== null && Boolean(state.extendNeedsRestart);
  if (!needsRestart) v.fs_gb = target;
  if (flags.json) return printJson(volumeJson(v));
  printVolume(v, v.app);
  print(
    needsRestart
      ? "You will need to stop and start your Machine to increase the size of the file system"
      : "Your Machine got its volume size extended without needing a restart",
  );
}

function volumesDestroy(state, { flags, args }) {
  if (args.length === 0) throw new FlyError(NON_INTERACTIVE);
  for (const id of args) {
    const v = findVolume(state, id, flags.app);
    if (!flags.yes) throw new FlyError(NEED_YES);
    v.state = "pending_destroy";
    state.volumes = state.volumes.filter((x) => x !== v);
    print(`Destroyed volume ID: ${id} name: ${v.name}`);
  }
}

// internal/command/volumes/snapshots/create.go: the API only schedules the snapshot and prints no
// id. A scheduled snapshot is listed with an empty id until it exists (snapshots/list.go shows
// such an entry as "(pending)"); state.pendingSnapshots makes new snapshots stay that way until a
// test completes them (its status text is not in flyctl's source: tests must not rely on it).
function snapshotsCreate(state, { flags, args, fault }) {
  if (args.length !== 1) throw new FlyError(`accepts 1 arg(s), received ${args.length}`);
  const v = findVolume(state, args[0], flags.app);
  const pending = Boolean(state.pendingSnapshots);
  v.snapshots.push({
    id: pending ? "" : nextId(state, "vs_", 16),
    size: pending ? 0 : 1024 * 1024 * 20,
    digest: "",
    created_at: now(),
    status: pending ? (state.pendingSnapshotStatus ?? "pending") : "created",
    retention_days: v.snapshot_retention,
    volume_size: v.size_gb * 1024 ** 3,
  });
  fault.afterCreate();
  print(`Scheduled to snapshot volume ${v.id}`);
}

function snapshotsList(state, { flags, args }) {
  if (args.length !== 1) throw new FlyError(`accepts 1 arg(s), received ${args.length}`);
  const v = findVolume(state, args[0], flags.app);
  if (flags.json) return printJson(v.snapshots);
  if (v.snapshots.length === 0) return eprint(`No snapshots available for volume ${v.id}`);
  print("ID\tSTATUS\tSIZE\tCREATED AT");
  for (const s of v.snapshots) print(`${s.id}\t${s.status}\t${s.size}\t${s.created_at}`);
}

// The Upstash plans the API lists (gql ListAddOnPlans). Only the two ids are in flyctl's source
// (redis/create.go:23-26); display names and the fixed plans' ids are not, so tests may replace
// state.redisPlans with other wordings.
const DEFAULT_REDIS_PLANS = [
  { id: "ekQ85Yjkw155ohQ5ALYq0M", displayName: "Pay-as-you-go" },
  { id: "x7M0gyB764ggwt6YZLRK", displayName: "Free" },
  { id: "fake_fixed_250", displayName: "Fixed 250MB" },
  { id: "fake_fixed_1g", displayName: "flyio_fixed_1gb" },
  { id: "fake_pro_2k", displayName: "Pro 2k" },
];
const REDIS_PAYG = "ekQ85Yjkw155ohQ5ALYq0M";

// redis/create.go:38-49.
const isLegacyRedisPlan = (p) =>
  ["pro_2k", "pro_10k", "starter", "standard"].includes(p.replaceAll(" ", "_").toLowerCase());
const isFixedRedisPlan = (p) =>
  p.toLowerCase().startsWith("flyio_fixed_") || p.toLowerCase().startsWith("fixed ");

// redis/create.go:99-254, in its order: legacy plan, org, name, region, eviction, plan,
// auto-upgrade (fixed plans only), prodpack, then the replica regions (prompt.MultiRegion:
// prompt.go:372-417 keeps only the listed codes of known regions, minus the excluded ones, the
// primary among them).
function redisCreate(state, { flags, fault }) {
  const planName = flags.plan ?? "";
  if (planName !== "" && isLegacyRedisPlan(planName))
    throw new FlyError(
      `plan "${planName}" is no longer available for new databases. Please choose a current plan`,
    );
  const org = requireOrg(state, flags);
  const name = flags.name;
  if (!name) throw new FlyError(NON_INTERACTIVE); // "Choose a Redis database name"
  const excluded = state.redisExcludedRegions ?? [];
  const region = requireRegion(flags);
  if (excluded.includes(region)) throw new FlyError(`region ${region} not found`);
  if (!flags["enable-eviction"] && !flags["disable-eviction"]) throw new FlyError(NON_INTERACTIVE);
  const eviction = Boolean(flags["enable-eviction"]);
  const plans = state.redisPlans ?? DEFAULT_REDIS_PLANS;
  const plan =
    planName === ""
      ? plans.find((p) => p.id === REDIS_PAYG)
      : plans.find((p) => p.displayName === planName || p.id === planName);
  if (!plan) {
    if (planName === "") throw new FlyError("default plan not found");
    throw new FlyError(`plan "${planName}" not found`);
  }
  let autoUpgrade = false;
  if (isFixedRedisPlan(plan.displayName)) {
    if (flags["enable-auto-upgrade"] === undefined) {
      print();
      print("Auto-upgrade automatically switches to a higher plan when you hit resource limits.");
      print("This setting can be changed later.");
      print();
      throw new FlyError(NON_INTERACTIVE);
    }
    autoUpgrade = flags["enable-auto-upgrade"];
  } else if (flags["enable-auto-upgrade"] === true) {
    print();
    print("Note: Auto-upgrade is only available for fixed plans, not pay-as-you-go.");
  }
  if (flags["enable-prodpack"] === undefined) throw new FlyError(NON_INTERACTIVE);
  let replicas = [];
  if (!flags["no-replicas"]) {
    const list = flags["replica-regions"] ?? "";
    if (list === "")
      throw new FlyError(
        "regions codes must be specified in a comma-separated when not running interactively",
      );
    const codes = list.split(",");
    replicas = FLY_REGIONS.filter(
      (r) => !excluded.includes(r) && r !== region && codes.includes(r),
    );
  }
  if (Object.values(state.redis).some((r) => r.name === name))
    throw new FlyError(`Validation failed: Name has already been taken`);
  const password = crypto.randomBytes(16).toString("hex");
  state.redis[name] = {
    id: nextId(state, "", 12),
    name,
    org,
    plan: plan.displayName,
    region,
    readRegions: replicas,
    eviction,
    autoUpgrade,
    prodPack: Boolean(flags["enable-prodpack"]),
    password,
  };
  fault.afterCreate();
  print();
  print(
    `Your database ${name} is ready. Apps in the ${org} org can connect to Redis at ${redisUrl(state.redis[name])}`,
  );
  print();
  print(`If you have redis-cli installed, use fly redis connect to get a Redis console.`);
  print();
  print(
    "Your database is billed at $0.20 per 100K commands. If you're using Sidekiq or BullMQ, which poll Redis frequently, consider switching to a fixed-price plan. See https://fly.io/docs/reference/redis/#pricing",
  );
}

function redisUrl(r) {
  return `redis://default:${r.password}@fly-${r.name}.upstash.io:6379`;
}

// tablewriter without borders, as internal/render does: upper-cased headers, │ separators.
function renderTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    ` ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" │ ")} `.trimEnd();
  print(line(headers.map((h) => h.toUpperCase())));
  for (const r of rows) print(line(r));
  print();
}

// redis/list.go:36-86: with --org, the org is looked up first, then its add-ons in a table.
function redisList(state, { flags }) {
  if (flags.org !== undefined) requireOrg(state, flags);
  const dbs = Object.values(state.redis).filter((r) => !flags.org || r.org === flags.org);
  renderTable(
    ["Name", "Org", "Plan", "Eviction", "Primary Region", "Read Regions"],
    dbs.map((r) => [
      r.name,
      r.org,
      r.plan,
      r.eviction ? "Enabled" : "Disabled",
      r.region,
      r.readRegions.join(","),
    ]),
  );
}

// redis/status.go:42-45 returns gql.GetAddOn's error as it is: the API's words for a missing
// add-on are not in flyctl's source. Tests vary them with state.redisNotFoundError ({name}).
function redisNotFound(state, name) {
  return new FlyError(
    (state.redisNotFoundError ?? 'Could not find add-on "{name}"').replaceAll("{name}", name),
  );
}

function redisStatus(state, { args }) {
  if (args.length !== 1) throw new FlyError(`accepts 1 arg(s), received ${args.length}`);
  const r = state.redis[args[0]];
  if (!r) throw redisNotFound(state, args[0]);
  print("Redis");
  const rows = [
    ["ID", r.id],
    ["Name", r.name],
    ["Plan", r.plan],
    ["Primary Region", r.region],
    ["Read Regions", r.readRegions.length ? r.readRegions.join(",") : "None"],
    ["Eviction", r.eviction ? "Enabled" : "Disabled"],
    ["Auto-Upgrade", r.autoUpgrade ? "Enabled" : "Disabled"],
    ["ProdPack", r.prodPack ? "Enabled" : "Disabled"],
    ["Private URL", redisUrl(r)],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  for (const [k, v] of rows) print(`  ${k.padEnd(w)} │ ${v}  `.trimEnd());
  print();
}

function redisDestroy(state, { flags, args }) {
  if (args.length !== 1) throw new FlyError(`accepts 1 arg(s), received ${args.length}`);
  if (!flags.yes) throw new FlyError(NEED_YES);
  if (!state.redis[args[0]]) throw redisNotFound(state, args[0]);
  delete state.redis[args[0]];
  print(`Your Redis database ${args[0]} was destroyed`);
}

function digest(value) {
  return crypto.createHash("sha256").update(value).digest("hex").slice(0, 16);
}

// internal/command/secrets/parser.go, including its `#` comment quirk.
function parseSecretLines(text) {
  const secrets = {};
  let key = "";
  let multi = null;
  for (const line of text.split(/\r?\n/)) {
    if (multi !== null) {
      if (line.endsWith('"""')) {
        secrets[key] = multi + line.slice(0, -3);
        multi = null;
      } else multi += `${line}\n`;
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const at = line.indexOf("=");
    if (at < 0)
      throw new FlyError(
        `Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs (${line} is invalid)`,
      );
    key = line.slice(0, at).trim();
    let value = line.slice(at + 1).replace(/^ +/, "");
    const hash = value.indexOf("#");
    if (hash >= 0 && (value.slice(0, hash).split('"').length - 1) % 2 === 0)
      value = value.slice(0, hash).replace(/ +$/, "");
    if (value.startsWith('"""') && value.endsWith('"""') && value.length >= 6)
      secrets[key] = value.slice(3, -3);
    else if (value.startsWith('"""')) multi = `${value.slice(3)}\n`;
    else if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      secrets[key] = value.slice(1, -1);
    else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'"))
      secrets[key] = value.slice(1, -1);
    else secrets[key] = value;
  }
  return secrets;
}

function secretsImport(state, { flags, stdin }) {
  const app = getApp(state, requireApp(flags), "");
  const secrets = parseSecretLines(stdin);
  if (Object.keys(secrets).length < 1)
    throw new FlyError("requires at least one SECRET=VALUE pair");
  for (const [k, v] of Object.entries(secrets)) {
    app.secrets[k] = {
      value: v,
      digest: digest(v),
      status: flags.stage || app.machines.length === 0 ? "Staged" : "Deployed",
    };
  }
  if (flags.stage)
    print(
      "Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.",
    );
  else if (app.machines.length === 0) print("Secrets are staged for the first deployment");
  else {
    for (const m of app.machines) m.restarts = (m.restarts ?? 0) + 1;
    print(`Updating existing machines in '${app.name}' with rolling strategy`);
  }
}

function secretsList(state, { flags }) {
  const app = getApp(state, requireApp(flags), "");
  const rows = Object.entries(app.secrets).map(([name, s]) => ({
    name,
    digest: s.digest,
    status: s.status,
  }));
  if (flags.json) return printJson(rows);
  print("NAME\tDIGEST\tSTATUS");
  for (const r of rows) print(`${r.name}\t${r.digest}\t${r.status}`);
}

function secretsUnset(state, { flags, args }) {
  const app = getApp(state, requireApp(flags), "");
  if (args.length === 0) throw new FlyError("requires at least 1 arg(s), only received 0");
  for (const name of args) delete app.secrets[name];
  if (flags.stage)
    print(
      "Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.",
    );
}

function machineList(state, { flags }) {
  const app = getApp(state, requireApp(flags), "");
  if (flags.json) return printJson(app.machines.map(machineJson));
  if (flags.quiet) {
    for (const m of app.machines) print(m.id);
    return;
  }
  for (const m of app.machines) print(`${m.id}\t${m.name}\t${m.state}\t${m.region}`);
}

function machineUpdate(state, { flags, args }) {
  const app = getApp(state, requireApp(flags), "");
  const id = args[0];
  if (!id) throw new FlyError(NON_INTERACTIVE);
  const m = app.machines.find((x) => x.id === id);
  if (!m)
    throw new FlyError(`could not get machine ${id}: failed to get VM ${id}: machine not found`);
  // machine/run.go:705: the flags are applied over the machine's current guest, before the
  // confirmation (machine/update.go:116-145).
  const guest = getMachineGuest(flags, m.guest);
  if (!flags.yes) throw new FlyError(NEED_YES);
  m.guest = guest;
  m.restarts = (m.restarts ?? 0) + 1;
  m.updatedAt = now();
  print(`Machine ${m.id} updated successfully!`);
}

// machine/restart.go:61-98 and internal/machine/restart.go:14-39: a stop and a start, after which
// a volume's file system has its full size.
function machineRestart(state, { flags, args }) {
  const app = getApp(state, requireApp(flags), "");
  if (args.length === 0) throw new FlyError(NON_INTERACTIVE);
  for (const id of args) {
    const m = app.machines.find((x) => x.id === id);
    if (!m)
      throw new FlyError(`could not get machine ${id}: failed to get VM ${id}: machine not found`);
    print(`Restarting machine ${m.id}`);
    m.restarts = (m.restarts ?? 0) + 1;
    for (const v of state.volumes.filter((x) => x.attached_machine_id === m.id))
      v.fs_gb = v.size_gb;
    print(`Machine ${m.id} restarted successfully!`);
  }
}

function mpgProxy(state, { flags, args }) {
  requireMacaroon();
  if (!args[0])
    throw new FlyError("cluster ID argument must be specified when not running interactively");
  const c = findCluster(state, args[0]);
  // Defaults of internal/command/mpg/proxy.go; no --watch-stdin on this command.
  return forward(flags["local-port"] ?? "16380", `[${c.ip}]:5432`, flags["bind-addr"], false);
}

function proxy(state, { flags, args }) {
  const appName = requireApp(flags);
  getApp(state, appName);
  if (args.length < 1) throw new FlyError("requires at least 1 arg(s), only received 0");
  const [localRaw, remoteRaw] = args[0].split(":");
  const remotePort = Number(remoteRaw ?? localRaw);
  const host = args[1] ?? `${appName}.internal`;
  return forward(localRaw, `[${host}]:${remotePort}`, flags["bind-addr"], flags["watch-stdin"]);
}

/** Listens like proxy/connect.go and forwards every connection to $FAKE_FLY_PROXY_TARGET. */
function forward(localRaw, remoteAddr, bindAddr, watchStdin) {
  const target = process.env.FAKE_FLY_PROXY_TARGET;
  if (!target)
    throw new FlyError(
      `failed to resolve ${remoteAddr}: no such host (FAKE_FLY_PROXY_TARGET is not set)`,
    );
  const [targetHost, targetPort] = target.split(":");
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), targetHost);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
  server.on("error", (e) => {
    process.stderr.write(
      `Error: listen tcp ${bindAddr ?? "127.0.0.1"}:${localRaw}: ${e.message}\n`,
    );
    process.exit(1);
  });
  server.listen(Number(localRaw), bindAddr ?? "127.0.0.1", () => {
    const port = server.address().port;
    process.stdout.write(`Proxying localhost:${port} to remote ${remoteAddr}\n`);
  });
  if (watchStdin) {
    process.stdin.on("end", () => process.exit(0));
    process.stdin.on("error", () => process.exit(0));
    process.stdin.resume();
  }
  return "blocking";
}

// ---------------------------------------------------------------------------------------------
// Fault injection: consumed per matching call, under the state lock.
function takeFault(state, key) {
  const i = state.faults.findIndex((f) => f.match === key && (f.times ?? 1) > 0);
  if (i < 0) return null;
  const f = state.faults[i];
  f.times = (f.times ?? 1) - 1;
  if (f.times <= 0) state.faults.splice(i, 1);
  return f;
}

/** Thrown through the state lock (which is released) to hang after it. */
const HANG = Symbol("hang");

/** Never returns: like a flyctl stuck on the network, with a helper (the agent, ssh) beside it. */
function hangForever(entry) {
  const { spawn } = require("node:child_process");
  const helper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], {
    stdio: "inherit",
  });
  fs.appendFileSync(
    path.join(STATE_DIR, "hangs.jsonl"),
    `${JSON.stringify({ ...entry, helper: helper.pid })}\n`,
  );
  setInterval(() => {}, 1 << 30);
}

// mpg/list.go:67-70 around uiex/mpg/v1 ListManagedClusters (managed_postgres.go:42-53): the
// status code and the body (whose wording the source does not show) in flyctl's own words.
function raiseMpgListFault(state, kind, org) {
  const code = { 429: 429, 503: 503 }[kind];
  if (code === undefined) raiseFault(state, kind);
  throw new FlyError(
    `failed to list postgres clusters for organization ${org}: failed to list clusters (status ${code}): {"error":"fake ${code}"}`,
  );
}

function raiseFault(state, kind, message) {
  switch (kind) {
    case "429":
      throw new FlyError(
        `request returned non-2xx status: 429: rate limit exceeded (Request ID: ${requestId(state)})`,
      );
    case "503":
      throw new FlyError(
        `request returned non-2xx status: 503: service unavailable (Request ID: ${requestId(state)})`,
      );
    case "timeout":
      throw new FlyError("context deadline exceeded", 126);
    case "fail-after-create":
      throw new FlyError(message ?? "context deadline exceeded", message ? 1 : 126);
    case "error":
      // An API error in words a test chooses (the source does not show them).
      throw new FlyError(message ?? "fake fly: an error fault needs a message");
    default:
      throw new FlyError(`fake fly: unknown fault kind ${kind}`);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  let exitCode = 0;
  let mutation = false;
  let key = argv.join(" ");
  let blocking = false;
  let hung = false;
  let stdin = "";
  let continuation = null;
  const logCall = () => {
    if (!STATE_DIR) return;
    const entry = {
      argv,
      command: key,
      mutation,
      exitCode: hung ? null : exitCode,
      pid: process.pid,
      ppid: process.ppid,
      env: Object.keys(process.env)
        .filter((k) => !k.startsWith("FAKE_FLY_"))
        .sort(),
    };
    fs.appendFileSync(path.join(STATE_DIR, "calls.jsonl"), `${JSON.stringify(entry)}\n`);
  };
  const fail = (e) => {
    if (!(e instanceof FlyError)) throw e;
    exitCode = e.exitCode;
    eprint(`Error: ${e.message}`);
    for (const line of e.extraLines) eprint(line);
  };
  const flush = () => {
    process.stdout.write(out.splice(0).join(""));
    process.stderr.write(err.splice(0).join(""));
  };
  try {
    if (!STATE_DIR) throw new FlyError("fake fly: FAKE_FLY_STATE is not set");
    const resolved = resolveCommand(argv);
    key = resolved.key;
    const spec = COMMANDS[key];
    mutation = Boolean(spec.mutation);
    const { flags, args } = parseFlags(spec.flags, resolved.rest);
    if (key === "secrets import") stdin = fs.readFileSync(0, "utf8");
    const token = spec.noSession
      ? "not needed"
      : (flags["access-token"] ?? process.env.FLY_ACCESS_TOKEN ?? process.env.FLY_API_TOKEN);
    if (!token)
      throw new FlyError("no access token available. Please login with 'flyctl auth login'");
    if (token.includes("invalid")) throw new FlyError("You must be authenticated to view this.");
    withLock(() => {
      const state = loadState();
      const f = takeFault(state, key);
      let pending = null;
      const fault = {
        afterCreate(message) {
          if (f && f.kind === "hang") {
            saveState(state);
            throw HANG;
          }
          if (f && f.kind === "fail-after-create")
            pending = () => raiseFault(state, f.kind, message);
          if (pending) {
            saveState(state);
            pending();
          }
        },
      };
      if (f && f.kind !== "fail-after-create" && f.kind !== "hang") {
        saveState(state);
        if (MPG_LOOKUP_COMMANDS.includes(key)) throw clusterLookupFailed(args[0] ?? "");
        if (key === "mpg list") raiseMpgListFault(state, f.kind, flags.org);
        raiseFault(state, f.kind, f.message);
      }
      if (f && f.kind === "hang") saveState(state);
      const result = spec.run(state, { flags, args, fault, stdin });
      if (result === "blocking") blocking = true;
      else if (result?.continueOutsideLock) continuation = result.continueOutsideLock;
      if (spec.mutation) saveState(state);
      if (f && f.kind === "hang") throw HANG;
    });
  } catch (e) {
    if (e === HANG) hung = true;
    else fail(e);
  }
  if (hung) {
    logCall();
    return hangForever({ pid: process.pid, ppid: process.ppid, command: key });
  }
  if (continuation) {
    // A long wait (mpg create): Ctrl+C cancels flyctl's context, so its next API call fails.
    // Installed before the output that may prompt a caller to interrupt it is written.
    for (const signal of ["SIGINT", "SIGTERM"]) {
      process.on(signal, () => {
        fail(new FlyError("failed checking cluster status: context canceled"));
        flush();
        logCall();
        process.exit(exitCode);
      });
    }
  }
  flush();
  if (continuation) {
    try {
      await continuation();
    } catch (e) {
      fail(e);
    }
    flush();
  }
  logCall();
  if (!blocking) process.exitCode = exitCode;
}

main();
