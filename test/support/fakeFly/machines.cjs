"use strict";
/** `machine list|update|restart`. */
const { T, sprintf } = require("./texts.cjs");
const { need } = require("./prompts.cjs");
const { apiText, now } = require("./state.cjs");
const { print, printJson } = require("./output.cjs");
const c = require("./common.cjs");
const { getMachineGuest } = require("./guest.cjs");

Object.assign(T, {
  needMachineId: {
    text: "a machine ID must be specified when not running interactively",
    at: "internal/command/machine/select.go:257",
  },
  machineNotFound: {
    text: "machine %s was not found in app '%s'",
    at: "internal/command/machine/select.go:240",
  },
  getMachineFailed: {
    text: "could not get machine %s: %w",
    at: "internal/command/machine/select.go:58",
  },
  flapsGetFailed: { text: "failed to get VM %s: %w", at: "fly-go:flaps/flaps_machines.go:128" },
  noConfigChanges: { text: "no config changes found", at: "internal/machine/config.go:20" },
  updatingMachine: { text: "Updating machine %s", at: "internal/machine/update.go:88" },
  machineUpdated: {
    text: "Machine %s updated successfully!",
    at: "internal/machine/update.go:116",
  },
  restartingMachine: { text: "Restarting machine %s", at: "internal/machine/restart.go:21" },
  machineRestarted: {
    text: "Machine %s restarted successfully!",
    at: "internal/machine/restart.go:36",
  },
});

/**
 * machine/select.go:27-100: a machine by id; flaps' words for a missing one are the API's, and
 * flyctl rewrites them when they contain "machine not found" (select.go:236-244).
 */
function getMachine(ctx, app, id) {
  const m = app?.machines.find((x) => x.id === id);
  if (m) return m;
  const words = apiText(ctx.state, "machineNotFound", "machine not found", { id });
  if (words.includes("machine not found")) throw c.fail("machineNotFound", id, ctx.appName);
  throw c.fail("getMachineFailed", id, sprintf(T.flapsGetFailed.text, id, words));
}

function machineList(ctx) {
  const app = c.getApp(ctx, ctx.appName);
  if (ctx.flags.json) return printJson(app.machines.map(c.machineJson));
  if (ctx.flags.quiet) {
    for (const m of app.machines) print(m.id);
    return;
  }
  for (const m of app.machines) print(`${m.id}\t${m.name}\t${m.state}\t${m.region}`);
}

const sameGuest = (a, b) =>
  a.cpu_kind === b.cpu_kind && a.cpus === b.cpus && a.memory_mb === b.memory_mb;

// machine/update.go:79-178: the flags go over the machine's current config (run.go:705), then
// the confirmation, which without a change is "no config changes found" (config.go:23-37).
function machineUpdate(ctx) {
  need(ctx, "machine");
  const app = ctx.state.apps[ctx.appName];
  const m = getMachine(ctx, app, ctx.args[0]);
  const guest = getMachineGuest(ctx.flags, m.guest);
  if (!ctx.flags.yes) {
    if (sameGuest(guest, m.guest)) throw c.fail("noConfigChanges");
    print(`Configuration changes to be applied to machine: ${m.id} (${m.name})`);
    need(ctx, "yes");
  }
  m.guest = guest;
  m.restarts = (m.restarts ?? 0) + 1;
  m.updatedAt = now();
  print(sprintf(T.updatingMachine.text, m.id));
  print(sprintf(T.machineUpdated.text, m.id));
  print(`\nMonitor machine status here:\nhttps://fly.io/apps/${ctx.appName}/machines/${m.id}`);
}

// machine/restart.go:61-98 and internal/machine/restart.go:14-39: a stop and a start, after which
// a volume's file system has its full size.
function machineRestart(ctx) {
  need(ctx, "machine");
  const app = ctx.state.apps[ctx.appName];
  const machines = ctx.args.map((id) => getMachine(ctx, app, id));
  for (const m of machines) {
    print(sprintf(T.restartingMachine.text, m.id));
    m.restarts = (m.restarts ?? 0) + 1;
    for (const v of ctx.state.volumes.filter((x) => x.attached_machine_id === m.id))
      v.fs_gb = v.size_gb;
    print(sprintf(T.machineRestarted.text, m.id));
  }
}

module.exports = {
  commands: {
    "machine list": { run: machineList },
    "machine update": { run: machineUpdate, mutation: true },
    "machine restart": { run: machineRestart, mutation: true },
  },
};
