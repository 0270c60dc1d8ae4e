"use strict";
/** `postgres create|list` and the machine guests (VM sizes) they and `machine update` build. */
const crypto = require("node:crypto");
const TABLE = require("./flyctl.json");
const { T, sprintf } = require("./texts.cjs");
const { need } = require("./prompts.cjs");
const { apiText, saveState } = require("./state.cjs");
const { print, printJson, renderTable } = require("./output.cjs");
const c = require("./common.cjs");
const { createApp } = require("./apps.cjs");
const { newVolume, findSnapshot } = require("./volumes.cjs");
const { copyDatabases, restoreDatabases } = require("./pgdata.cjs");
const { getMachineGuest } = require("./guest.cjs");

Object.assign(T, {
  pgNotice: {
    text: "Unmanaged Fly Postgres is not supported by Fly.io Support and users are responsible for operations, management, and disaster recovery. If you'd like a managed, supported solution, try 'fly mpg' (Managed Postgres).\nPlease visit https://fly.io/docs/mpg/overview/ for more information about Managed Postgres.\n",
    at: "internal/command/postgres/postgres.go:22",
  },
  vmSizeInvalid: {
    text: "VM size %q is not valid. For a full list of supported sizes use the command 'flyctl platform vm-sizes'",
    at: "internal/command/postgres/create.go:433",
  },
  pgCreating: {
    text: "Creating postgres cluster in organization %s",
    at: "internal/command/postgres/create.go:417",
  },
  backupsMemory: {
    text: "Backups require at least 512MB of memory. Please use a larger VM size or disable backups.",
    at: "flypg/launcher.go:86",
  },
  pgCreated: { text: "Postgres cluster %s created", at: "flypg/launcher.go:292" },
  pgMachines: { text: "%s %d of %d machines with image %s", at: "flypg/launcher.go:209" },
  pgVolumeFailed: { text: "failed to %s volume: %w", at: "flypg/launcher.go:238" },
  pgConnection: { text: "  Connection string: %s", at: "flypg/launcher.go:301" },
  noPgClusters: { text: "No postgres clusters found", at: "internal/command/postgres/list.go:46" },
});

// `fly postgres create --vm-size` looks the name up in flyctl's own MachineVMSizes()
// (postgres/create.go:424-437; the table, read from source, in flyctl.json values; the first
// entry of a name wins, so shared-cpu-1x is 256 MB) and the launcher copies it into the guest
// (flypg/launcher.go:330-337).
const PG_CREATE_VM_SIZES = TABLE.values.pgCreateVmSizes;
// The flags of flag.VMSizeFlags other than --vm-size: any makes `pg create` build the guest
// with GetMachineGuest (postgres/create.go:289-305, 363-369).
const CUSTOM_MACHINE_FLAGS = [
  "vm-cpus",
  "vm-cpu-kind",
  "vm-memory",
  "vm-max-memory",
  "vm-gpus",
  "vm-gpu-kind",
  "host-dedication-id",
];

// postgres/create.go:105-422, in its order: name, org, region, then the configuration, each
// missing part of which is a prompt.
function pgCreate(ctx) {
  const { state, flags } = ctx;
  need(ctx, "name");
  const name = flags.name || `upg-fake-${state.seq + 1}`;
  const org = c.selectOrg(ctx);
  const region = c.selectRegion(ctx, org);
  need(ctx, "configuration");
  need(ctx, "initial-cluster-size");
  const isCustomMachine = CUSTOM_MACHINE_FLAGS.some((f) => flags[f] !== undefined);
  let guest;
  if (isCustomMachine) guest = getMachineGuest(flags, null);
  else {
    need(ctx, "vm-size");
    const size = PG_CREATE_VM_SIZES.find((x) => x.name === flags["vm-size"]);
    if (!size) throw c.fail("vmSizeInvalid", flags["vm-size"]);
    guest = { cpu_kind: size.cpuKind, cpus: size.cpus, memory_mb: size.memoryMb };
  }
  need(ctx, "volume-size");
  print(sprintf(T.pgCreating.text, org.slug));
  if (flags["enable-backups"] && guest.memory_mb < 512) throw c.fail("backupsMemory");
  // flypg/launcher.go:427-448 generates the passwords; --password replaces OPERATOR_PASSWORD, the
  // `postgres` user's (launcher.go:492-493), which postgres-flex sets at start, and again when
  // it restores a snapshot (internal/flypg/restore.go: createRequiredUsers).
  const password = flags.password || crypto.randomBytes(12).toString("hex");
  const snapshotId = flags["snapshot-id"];
  const app = createApp(ctx, name, org, "postgres_cluster");
  app.ips.push({ Address: `fdaa:0:1:a7b:${state.seq.toString(16)}::3`, Type: "private_v6" });
  const secrets = [
    "SU_PASSWORD",
    "REPL_PASSWORD",
    "OPERATOR_PASSWORD",
    "SSH_KEY",
    "SSH_CERT",
    // launcher.go:478-479: a restore is told where it comes from.
    ...(snapshotId ? ["FLY_RESTORED_FROM"] : []),
    "FLY_CONSUL_URL",
  ];
  for (const secret of secrets) {
    const value =
      secret === "OPERATOR_PASSWORD"
        ? password
        : secret === "FLY_RESTORED_FROM"
          ? snapshotId
          : crypto.randomBytes(8).toString("hex");
    app.secrets[secret] = { value, digest: digest(value), status: "Deployed" };
  }
  // launcher.go:199-238: only the first node's volume is made from the snapshot (the others
  // replicate it); a snapshot the API cannot find fails that volume, after the app and its
  // secrets exist. The API's words for it are its own (state.apiTexts.snapshotNotFound).
  let restored = null;
  if (snapshotId) {
    restored = findSnapshot(state, snapshotId);
    if (!restored) {
      saveState(state);
      throw c.fail(
        "pgVolumeFailed",
        "create",
        apiText(state, "snapshotNotFound", "snapshot {id} not found", { id: snapshotId }),
      );
    }
  }
  const copies = restored
    ? restoreDatabases(state, restored.snapshot)
    : { databases: {}, pairs: [] };
  if (restored) app.databases = copies.databases;
  const size = flags["initial-cluster-size"];
  for (let i = 0; i < size; i++) {
    print(
      sprintf(T.pgMachines.text, restored ? "Restoring" : "Provisioning", i + 1, size, PG_IMAGE),
    );
    const vol = newVolume(state, name, "pg_data", region, flags["volume-size"]);
    // postgres/create.go:419-421 hands over to flypg/launcher.go, whose 236-258 create each
    // node's volume, then launch its machine (and 268 wait for it to start); a launch
    // that fails (the fault's `node`, 0 by default) leaves this node's volume with no machine
    // and the earlier nodes complete. What the Machines API says when a machine cannot be
    // placed is its own (state.apiTexts).
    if (i === ctx.fault.node)
      ctx.fault.afterCreate(
        apiText(
          state,
          "launchFailed",
          "failed to launch VM: aborted: could not reserve resource for machine: insufficient memory available to fulfill request",
        ),
      );
    const m = c.newMachine(state, app, region, guest, vol.id, {
      "fly-managed-postgres": "true",
      role: i === 0 ? "primary" : "replica",
    });
    vol.attached_machine_id = m.id;
  }
  print(sprintf(T.pgCreated.text, name));
  print("  Username:    postgres");
  print(`  Password:    ${password}`);
  print(`  Hostname:    ${name}.internal`);
  print(`  Flycast:     ${app.ips[0].Address}`);
  print("  Proxy port:  5432");
  print("  Postgres port:  5433");
  print(sprintf(T.pgConnection.text, `postgres://postgres:${password}@${name}.flycast:5432`));
  print("Save your credentials in a secure place -- you won't be able to see them again!");
  return { continueOutsideLock: () => copyDatabases(copies.pairs) };
}

// The image the launcher resolves for a flex cluster (launcher.go:101-112: the API's latest tag
// of flyio/postgres-flex, which only the API knows).
const PG_IMAGE = "flyio/postgres-flex:16";

// postgres/list.go:33-74: zero clusters is a text line, even with --json.
function pgList(ctx) {
  const apps = Object.values(ctx.state.apps).filter(c.isPostgres);
  if (apps.length === 0) return print(T.noPgClusters.text);
  if (ctx.flags.json) return printJson(apps.map(c.appJson));
  renderTable(
    ["Name", "Owner", "Status", "Latest Deploy"],
    apps.map((a) => [a.name, a.org, c.appStatus(a), ""]),
  );
}

function digest(value) {
  return crypto.createHash("sha256").update(value).digest("hex").slice(0, 16);
}

module.exports = {
  digest,
  commands: {
    "postgres create": { run: pgCreate, mutation: true, notice: "pgNotice" },
    "postgres list": { run: pgList, notice: "pgNotice" },
  },
};
