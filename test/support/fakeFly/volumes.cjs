"use strict";
/** `volumes create|list|extend|destroy` and `volumes snapshots create|list`. */
const { T, sprintf, FlyError } = require("./texts.cjs");
const { need } = require("./prompts.cjs");
const { apiText, nextId, now, saveState } = require("./state.cjs");
const { print, eprint, printJson, renderTable } = require("./output.cjs");
const { fromStruct } = require("./shapes.cjs");
const c = require("./common.cjs");
const { getMachineGuest, parseSize } = require("./guest.cjs");
const { copyDatabases, snapshotDatabases } = require("./pgdata.cjs");

Object.assign(T, {
  volumeWarning: {
    text: "Warning! Every volume is pinned to a specific physical host. You should create two or more volumes per application to avoid downtime. Learn more at https://fly.io/docs/volumes/overview/",
    at: "internal/command/volumes/create.go:212",
  },
  fsType: {
    text: 'filesystem %q must be either "ext4" or "raw"',
    at: "internal/command/volumes/create.go:142",
  },
  createVolumeFailed: {
    text: "failed to create volume: %w",
    at: "fly-go:flaps/flaps_volumes.go:54",
  },
  listVolumesFailed: {
    text: "failed retrieving volumes: %w",
    at: "internal/command/volumes/list.go:67",
  },
  volumeSizeMissing: {
    text: "Volume size must be specified",
    at: "internal/command/volumes/extend.go:76",
  },
  extendFailed: {
    text: "failed to extend volume: %w",
    at: "internal/command/volumes/extend.go:97",
  },
  flapsExtendFailed: {
    text: "failed to extend volume %s: %w",
    at: "fly-go:flaps/flaps_volumes.go:137",
  },
  flapsGetVolumeFailed: {
    text: "failed to get volume %s: %w",
    at: "fly-go:flaps/flaps_volumes.go:82",
  },
  needsRestart: {
    text: "You will need to stop and start your Machine to increase the size of the file system",
    at: "internal/command/volumes/extend.go:111",
  },
  noRestart: {
    text: "Your Machine got its volume size extended without needing a restart",
    at: "internal/command/volumes/extend.go:113",
  },
  needVolumeId: {
    text: "volume ID must be specified when not running interactively",
    at: "internal/command/volumes/volumes.go:134",
  },
  needVolumeOrApp: {
    text: "volume ID or app required",
    at: "internal/command/volumes/destroy.go:50",
  },
  destroyVolumeFailed: {
    text: "failed destroying volume: %w",
    at: "internal/command/volumes/destroy.go:84",
  },
  flapsDestroyVolumeFailed: {
    text: "failed to destroy volume %s: %w",
    at: "fly-go:flaps/flaps_volumes.go:151",
  },
  volumeDestroyed: {
    text: "Destroyed volume ID: %s name: %s",
    at: "internal/command/volumes/destroy.go:87",
  },
  snapshotScheduled: {
    text: "Scheduled to snapshot volume %s",
    at: "internal/command/volumes/snapshots/create.go:54",
  },
  snapshotFailed: { text: "failed to snapshot %s: %w", at: "fly-go:flaps/flaps_volumes.go:110" },
  listSnapshotsFailed: {
    text: "failed retrieving snapshots: %w",
    at: "internal/command/volumes/snapshots/list.go:76",
  },
  flapsListSnapshotsFailed: {
    text: "failed to get volume %s snapshots: %w",
    at: "fly-go:flaps/flaps_volumes.go:96",
  },
  noSnapshots: {
    text: "No snapshots available for volume %s",
    at: "internal/command/volumes/snapshots/list.go:89",
  },
});

// flaps ListVolumes hides volumes in these states unless --all (fly-go flaps_volumes.go).
const HIDDEN = [
  "scheduling_destroy",
  "fork_cleanup",
  "waiting_for_detach",
  "pending_destroy",
  "destroying",
];
const liveVolumes = (state, app, all) =>
  state.volumes.filter((v) => v.app === app && (all || !HIDDEN.includes(v.state)));

/**
 * A volume in one of the region's hardware zones (their number, state.zonesPerRegion, default
 * 3, is the API's); with `uniqueAgainst`, a zone none of those volumes is in, or null.
 */
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
    auto_backup_enabled: opts.autoBackup ?? true,
    snapshots: [],
  };
  state.volumes.push(vol);
  return vol;
}

/** The Machines API's words for a volume it does not have (flyctl's own preflight test looks for "volume not found"). */
const volumeNotFound = (state, id) =>
  new FlyError(apiText(state, "volumeNotFound", "volume not found", { id }));

function findVolume(ctx, id, wrap) {
  const v = ctx.state.volumes.find((x) => x.id === id && (!ctx.appName || x.app === ctx.appName));
  if (!v) throw wrap(volumeNotFound(ctx.state, id));
  return v;
}

// volumes/volumes.go:52-69 printVolume.
function printVolume(v, appName) {
  const row = (k, val) => print(`${k.padStart(20)}: ${val}`);
  const d = new Date(v.created_at);
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    d.getUTCMonth()
  ];
  const pad = (n) => String(n).padStart(2, "0");
  row("ID", v.id);
  row("Name", v.name);
  row("App", appName);
  row("Region", v.region);
  row("Zone", v.zone);
  row("Size GB", v.size_gb);
  row("Encrypted", v.encrypted);
  row(
    "Created at",
    `${pad(d.getUTCDate())} ${mon} ${String(d.getUTCFullYear()).slice(2)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`,
  );
  row("Snapshot retention", v.snapshot_retention);
  row("Scheduled snapshots", v.auto_backup_enabled ?? true);
}

// volumes/create.go:95-223: the confirmation first (no warning with --yes, with --count > 1 or
// when a volume of that name exists), then the app, the region, the guest, and one CreateVolume
// per --count. require_unique_zone (default true) asks for a hardware zone without a volume of
// the same name (of the app with --unique-zone-app-wide); the API's words when none is free are
// its own (state.apiTexts.uniqueZone).
function volumesCreate(ctx) {
  const { state, flags } = ctx;
  const name = ctx.args[0];
  const count = flags.count ?? 1;
  const exists = liveVolumes(state, ctx.appName).some((v) => v.name === name);
  if (!flags.yes && count <= 1 && !exists) {
    eprint(T.volumeWarning.text);
    need(ctx, "yes");
  }
  const app = c.getApp(ctx, ctx.appName);
  const region = c.selectRegion(ctx, { paidPlan: true });
  if (flags["fs-type"] !== undefined && !["ext4", "raw"].includes(flags["fs-type"]))
    throw c.fail("fsType", flags["fs-type"]);
  getMachineGuest(flags, null);
  const unique = flags["require-unique-zone"] ?? true;
  for (let i = 0; i < count; i++) {
    const peers = liveVolumes(state, app.name).filter(
      (v) => flags["unique-zone-app-wide"] || v.name === name,
    );
    const vol = newVolume(state, app.name, name, region, flags.size ?? 1, {
      encrypted: !flags["no-encryption"],
      snapshotRetention: flags["snapshot-retention"],
      autoBackup: flags["scheduled-snapshots"],
      uniqueAgainst: unique ? peers : undefined,
    });
    if (!vol) {
      saveState(state);
      const why = apiText(
        state,
        "uniqueZone",
        "no zone in {region} without a volume named {name}",
        { region, name },
      );
      throw new FlyError(sprintf(T.createVolumeFailed.text, why));
    }
    if (i === count - 1) ctx.fault.afterCreate();
    if (flags.json) printJson(c.volumeJson(vol));
    else printVolume(vol, app.name);
  }
}

function volumesList(ctx) {
  c.getApp(ctx, ctx.appName);
  const vols = liveVolumes(ctx.state, ctx.appName, ctx.flags.all);
  if (ctx.flags.json) return printJson(vols.map(c.volumeJson));
  renderTable(
    ["ID", "State", "Name", "Size", "Region", "Zone", "Encrypted", "Attached VM", "Created At"],
    vols.map((v) => [
      v.id,
      v.state,
      v.name,
      `${v.size_gb}GB`,
      v.region,
      v.zone,
      v.encrypted,
      v.attached_machine_id ?? "",
      "",
    ]),
  );
}

// volumes/extend.go:52-117. Whether the machine must restart for its file system to grow is the
// API's answer (fly-go flaps_volumes.go:120-140 needs_restart), which `--json` drops; "most
// Machines don't" (extend.go:24), so it is false unless state.extendNeedsRestart. The file
// system size is fs_gb: it follows size_gb at once, or at the machine's next restart. The API's
// words for a size that does not grow are its own (state.apiTexts.extendShrink).
function volumesExtend(ctx) {
  const { state, flags } = ctx;
  c.getApp(ctx, ctx.appName);
  const raw = flags.size ?? "";
  let size = parseSize(raw, false, 1000 ** 3);
  if (size === 0) throw c.fail("volumeSizeMissing");
  const wrapGet = (e) => new FlyError(sprintf(T.flapsGetVolumeFailed.text, ctx.args[0], e));
  if (raw[0] === "+") size += findVolume(ctx, ctx.args[0], wrapGet).size_gb;
  need(ctx, "volume");
  const id = ctx.args[0];
  const wrap = (e) =>
    new FlyError(sprintf(T.extendFailed.text, sprintf(T.flapsExtendFailed.text, id, e)));
  const v = findVolume(ctx, id, wrap);
  if (size <= v.size_gb)
    throw wrap(
      apiText(state, "extendShrink", "size_gb must be greater than the current size ({size})", {
        size: v.size_gb,
      }),
    );
  v.fs_gb = v.fs_gb ?? v.size_gb;
  v.size_gb = size;
  const needsRestart = v.attached_machine_id !== null && Boolean(state.extendNeedsRestart);
  if (!needsRestart) v.fs_gb = size;
  if (flags.json) return printJson(c.volumeJson(v));
  printVolume(v, v.app);
  print(needsRestart ? T.needsRestart.text : T.noRestart.text);
}

// volumes/destroy.go:41-132: without --yes, the volume is looked up before the prompt.
function volumesDestroy(ctx) {
  if (ctx.args.length === 0 && !ctx.appName) throw c.fail("needVolumeOrApp");
  if (ctx.args.length === 0) {
    c.getApp(ctx, ctx.appName);
    need(ctx, "volume");
  }
  for (const id of ctx.args) {
    const wrap = (e) =>
      new FlyError(
        sprintf(T.destroyVolumeFailed.text, sprintf(T.flapsDestroyVolumeFailed.text, id, e)),
      );
    if (!ctx.flags.yes) {
      findVolume(ctx, id, (e) => new FlyError(sprintf(T.flapsGetVolumeFailed.text, id, e)));
      need(ctx, "yes");
    }
    const v = findVolume(ctx, id, wrap);
    v.state = "pending_destroy";
    ctx.state.volumes = ctx.state.volumes.filter((x) => x !== v);
    print(sprintf(T.volumeDestroyed.text, id, v.name));
  }
}

// snapshots/create.go: the API only schedules the snapshot; flyctl prints no id. A scheduled
// snapshot is listed with an empty id until it exists (snapshots/list.go:97-99 shows it as
// "(pending)"). How long that takes is the API's: state.pendingSnapshots is true (pending until a
// test completes it), a number (pending through that many `snapshots list` calls of the volume)
// or unset (complete at once). Its status words, pending (state.pendingSnapshotStatus) and
// complete (state.snapshotStatus), are the API's too, and tests vary them. The snapshot holds
// the databases the app's volume held at the request (pgdata.cjs).
function snapshotsCreate(ctx) {
  const id = ctx.args[0];
  const v = findVolume(ctx, id, (e) => new FlyError(sprintf(T.snapshotFailed.text, id, e)));
  const setting = ctx.state.pendingSnapshots;
  const pending = setting === true || (typeof setting === "number" && setting > 0);
  const { databases, pairs } = snapshotDatabases(ctx.state, ctx.state.apps[v.app]);
  const snapshot = {
    id: "",
    key: nextId(ctx.state, "vs_", 16),
    size: 0,
    digest: "",
    created_at: now(),
    status: ctx.state.pendingSnapshotStatus ?? "pending",
    retention_days: v.snapshot_retention,
    volume_size: v.size_gb * 1024 ** 3,
    listsLeft: setting === true ? null : typeof setting === "number" ? setting : 0,
    databases,
  };
  if (!pending) completeSnapshot(ctx.state, snapshot);
  v.snapshots.push(snapshot);
  ctx.fault.afterCreate();
  print(sprintf(T.snapshotScheduled.text, v.id));
  return { continueOutsideLock: () => copyDatabases(pairs) };
}

/** The snapshot exists: it gets its id (the one it was made under) and the API's word for done. */
function completeSnapshot(state, s) {
  s.id = s.key;
  s.size = 1024 * 1024 * 20;
  s.status = state.snapshotStatus ?? "created";
  s.listsLeft = 0;
}

function snapshotsList(ctx) {
  const id = ctx.args[0];
  const wrap = (e) =>
    new FlyError(
      sprintf(T.listSnapshotsFailed.text, sprintf(T.flapsListSnapshotsFailed.text, id, e)),
    );
  const v = findVolume(ctx, id, wrap);
  for (const s of v.snapshots) {
    if (s.id !== "" || s.listsLeft === null) continue;
    s.listsLeft -= 1;
    if (s.listsLeft <= 0) completeSnapshot(ctx.state, s);
  }
  const snaps = [...v.snapshots].sort((a, b) => a.created_at.localeCompare(b.created_at));
  if (ctx.flags.json) return printJson(snaps.map(snapshotJson));
  if (snaps.length === 0) return eprint(sprintf(T.noSnapshots.text, v.id));
  renderTable(
    ["ID", "Status", "Size", "Volume Size", "Created At", "Retention Days"],
    snaps.map((s) => [
      s.id || "(pending)",
      s.status,
      s.size,
      s.volume_size,
      s.created_at,
      s.retention_days ?? "",
    ]),
  );
}

/** fly.VolumeSnapshot (fly-go volume_types.go): the API's fields, not the fake's own. */
const snapshotJson = (s) =>
  fromStruct("fly.VolumeSnapshot", {
    id: s.id,
    size: s.size,
    digest: s.digest,
    created_at: s.created_at,
    status: s.status,
    retention_days: s.retention_days,
    volume_size: s.volume_size,
  });

/** A complete snapshot by id, of any volume the token can see (what `--snapshot-id` names). */
function findSnapshot(state, id) {
  for (const v of state.volumes) {
    const s = v.snapshots.find((x) => x.id !== "" && x.id === id);
    if (s) return { volume: v, snapshot: s };
  }
  return null;
}

module.exports = {
  newVolume,
  liveVolumes,
  findSnapshot,
  commands: {
    "volumes create": { run: volumesCreate, mutation: true },
    "volumes list": { run: volumesList },
    "volumes extend": { run: volumesExtend, mutation: true },
    "volumes destroy": { run: volumesDestroy, mutation: true },
    "volumes snapshots create": { run: snapshotsCreate, mutation: true },
    // A pending snapshot completes as it is listed (state.pendingSnapshots).
    "volumes snapshots list": { run: snapshotsList, saves: true },
  },
};
