/**
 * The Postgres cluster command (GAIA_RESOURCE_KIND=postgres), unmanaged (`fly postgres`) or
 * managed (`fly mpg`). Read first, adopt what exists, create what does not, then bring the live
 * cluster to the config within what Fly allows (volumes grow; VM size restarts; the rest is
 * create-only), refusing before any mutation what it must not do.
 */
import {
  appsDestroyArgs,
  machineRestartArgs,
  machineUpdateGuestArgs,
  postgresCreateArgs,
  statusArgs,
  volumeExtendArgs,
  volumesListArgs,
} from "../flags";
import { type AppStatus, parseAppStatus, parseVolumeExtend, parseVolumes } from "../parsers";
import { clusterComplete, ownCreateLeftover, unfinishedAppRefusals } from "../pgCreate";
import {
  createdByStack,
  type Origin,
  originAfter,
  planPendingRestarts,
  planPostgres,
  restartsOwedSinceRecorded,
} from "../plan";
import { isPgVmSize, PG_CREATE_GUESTS, sameGuest } from "../vmSizes";
import {
  type CommandContext,
  intParam,
  param,
  previousResult,
  type ResultLine,
  refuse,
  secret,
} from "./context";
import { CommandError } from "./flyctl";
import { managedCommand } from "./managed";

export async function postgresCommand(ctx: CommandContext): Promise<ResultLine> {
  const kind = param(ctx.env, "POSTGRES_KIND");
  const previous = previousResult(ctx.env);
  if (previous?.kind !== undefined && previous.kind !== kind) {
    refuse([
      `stack ${param(ctx.env, "GAIA_STACK")}, gaia:postgres.kind: the stack's Postgres is ${String(previous.kind)} and config now says ${kind}. Changing kind is a new cluster plus a data migration; it is never done in place. Set gaia:postgres.kind back to ${String(previous.kind)}.`,
    ]);
  }
  if (kind === "unmanaged") return unmanaged(ctx, previous);
  if (kind === "managed") return managedCommand(ctx, previous);
  throw new CommandError(`POSTGRES_KIND must be unmanaged or managed, got "${kind}"`);
}

export async function readStatus(ctx: CommandContext, name: string): Promise<AppStatus | null> {
  const out = await ctx.fly.read(statusArgs(name));
  return out === null ? null : parseAppStatus(out);
}

async function unmanaged(ctx: CommandContext, last: ResultLine | undefined) {
  const { env, fly } = ctx;
  const stack = param(env, "GAIA_STACK");
  const name = param(env, "APP_NAME");
  if (ctx.op === "delete") return deleteApp(ctx, name, last);
  // gaia:postgres.name switched (to a restored cluster: Fly apps cannot be renamed). The cluster
  // the stack pointed at is retained and reported, never destroyed: a delete never runs on an
  // update, and nothing of the old cluster's result (created, restarts owed) carries over.
  const { previous, retained } = switchedFrom(last, name);
  if (retained.length > (Array.isArray(last?.retained) ? last.retained.length : 0))
    ctx.log(
      `gaia:postgres.name is now ${name}; ${String(last?.app)} is retained (never destroyed by the stack): remove it by hand once it is no longer needed`,
    );
  const desired = {
    stack,
    name,
    org: param(env, "ORG"),
    region: param(env, "REGION"),
    vmSize: param(env, "VM_SIZE"),
    volumeSizeGb: intParam(env, "VOLUME_SIZE_GB"),
    clusterSize: intParam(env, "CLUSTER_SIZE"),
    allowRestart: env.ALLOW_RESTART === "true",
  };
  if (!isPgVmSize(desired.vmSize))
    throw new CommandError(
      `VM_SIZE must be a size fly postgres create knows, got "${desired.vmSize}"`,
    );

  let live = await readStatus(ctx, name);
  let found: Origin = "adopted";
  if (live && live.orgSlug !== desired.org) {
    refuse([
      `stack ${stack}, gaia:fly.org: app ${name} exists in org ${live.orgSlug}, not ${desired.org}. Set gaia:fly.org to ${live.orgSlug} or choose another gaia:postgres.name.`,
    ]);
  }
  if (!live) {
    live = await createCluster(ctx, desired, secret(ctx, "password"));
    found = "created";
  }
  const volumes = parseVolumes((await fly.read(volumesListArgs(name))) ?? "[]");
  // Found at the start of this run: never destroyed here, whatever it holds.
  if (found === "adopted")
    refuse(unfinishedAppRefusals(desired, live, volumes, typeof previous?.origin === "string"));
  const plan = planPostgres(desired, live, volumes);
  refuse(plan.refusals);
  const notes = [...plan.notes];
  const pending = [
    ...(Array.isArray(previous?.restartPending) ? (previous.restartPending as string[]) : []),
    ...restartsOwedSinceRecorded(previous, volumes),
  ];
  const updated: string[] = [];
  for (const a of plan.actions) {
    if (a.kind === "extend-volume") {
      const r = await fly.mutate(volumeExtendArgs(name, a.volumeId, a.toGb), {
        verify: async () =>
          parseVolumes((await fly.read(volumesListArgs(name))) ?? "[]").some(
            (v) => v.id === a.volumeId && v.sizeGb >= a.toGb,
          ),
      });
      const machine = volumes.find((v) => v.id === a.volumeId)?.attachedMachineId;
      const { needsRestart } = r.code === 0 ? parseVolumeExtend(r.stdout) : { needsRestart: null };
      if (machine && needsRestart) pending.push(machine);
      else if (machine && needsRestart === null)
        notes.push(
          `fly volumes extend ${a.volumeId} did not say whether machine ${machine} must restart for the file system to grow; check with fly ssh console -a ${name} -C "df -h /data".`,
        );
    } else {
      await fly.mutate(machineUpdateGuestArgs(name, a.machineId, a.guest), {
        verify: async () =>
          (await readStatus(ctx, name))?.machines.some(
            (m) => m.id === a.machineId && sameGuest(m.guest, a.guest),
          ) ?? false,
      });
      updated.push(a.machineId);
    }
  }
  const restarts = planPendingRestarts(
    desired,
    pending,
    live.machines.map((m) => m.id),
    updated,
  );
  for (const id of restarts.restart) {
    ctx.log(`machine ${id}: restarting so that the grown volume's file system has its new size`);
    await fly.mutate(machineRestartArgs(name, id));
  }
  notes.push(...restarts.notes);
  for (const n of notes) ctx.log(`note: ${n}`);
  const finalVolumes = parseVolumes((await fly.read(volumesListArgs(name))) ?? "[]");
  return {
    kind: "unmanaged",
    origin: originAfter(previous, { app: name }, found),
    app: name,
    machines: live.machines.map((m) => m.id),
    volumes: finalVolumes.filter((v) => v.name === "pg_data").map((v) => v.id),
    volumeSizesGb: finalVolumes.filter((v) => v.name === "pg_data").map((v) => v.sizeGb),
    // Machines still to be stopped and started for a grown volume (see planPendingRestarts).
    restartPending: restarts.keep,
    // Clusters the stack pointed at before gaia:postgres.name changed (stack output).
    retained,
    notes,
  };
}

/**
 * The previous result as it applies to `name`, and the clusters retained so far: when the app
 * name changed, the previous result was another cluster's, and that cluster joins `retained`.
 */
export function switchedFrom(
  last: ResultLine | undefined,
  name: string,
): { previous: ResultLine | undefined; retained: string[] } {
  const before = Array.isArray(last?.retained) ? (last.retained as string[]) : [];
  const oldApp = typeof last?.app === "string" ? last.app : undefined;
  if (oldApp === undefined || oldApp === name)
    return { previous: last, retained: before.filter((a) => a !== name) };
  return {
    previous: undefined,
    retained: [...new Set([...before, oldApp])].filter((a) => a !== name),
  };
}

async function deleteApp(ctx: CommandContext, name: string, previous: ResultLine | undefined) {
  // Only what this resource created under this very name.
  if (!createdByStack(previous, { app: name })) {
    ctx.log(`${name} was adopted, not created by this stack: it is left in place`);
    return { kind: "unmanaged", origin: "adopted", app: name, deleted: false };
  }
  // There is no `fly postgres destroy`: a Postgres cluster is an app.
  await ctx.fly.mutate(appsDestroyArgs(name), { notFoundIsSuccess: true });
  return { kind: "unmanaged", origin: "created", app: name, deleted: true };
}

/**
 * `fly postgres create` for an app this run found absent, ready only with every node started. A
 * create that failed or came back short leaves this run's own leftovers: they are destroyed when
 * they hold only what the create makes (src/fly/pgCreate.ts), so the next `up` starts afresh, and
 * the run fails either way.
 */
async function createCluster(
  ctx: CommandContext,
  d: {
    stack: string;
    name: string;
    org: string;
    region: string;
    vmSize: string;
    volumeSizeGb: number;
    clusterSize: number;
  },
  password: string,
) {
  const { fly } = ctx;
  const name = d.name;
  let failure: string | undefined;
  try {
    await fly.mutate(
      [
        ...postgresCreateArgs({
          name,
          org: d.org,
          region: d.region,
          guest: PG_CREATE_GUESTS[d.vmSize as keyof typeof PG_CREATE_GUESTS],
          volumeSizeGb: d.volumeSizeGb,
          initialClusterSize: d.clusterSize,
        }),
        // The one secret in argv: flyctl has no other way to take it (docs/fly.md#secrets).
        "--password",
        password,
      ],
      // Once the app exists a repeated create fails on its name: what it left is judged below.
      { verify: async () => (await readStatus(ctx, name)) !== null },
    );
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  const after = await readStatus(ctx, name);
  if (failure === undefined && clusterComplete(after, d.clusterSize)) return after!;
  const what =
    failure ??
    `fly postgres create ended, but ${name} has ${after?.machines.filter((m) => m.state === "started").length ?? 0} of ${d.clusterSize} machine(s) started`;
  if (after === null) throw new CommandError(`${what}\nNo app ${name} was left behind.`);
  const vols = parseVolumes((await fly.read(volumesListArgs(name))) ?? "[]");
  const left = `${after.machines.length} of ${d.clusterSize} machine(s), ${vols.length} volume(s)`;
  if (!ownCreateLeftover(d, after, vols))
    throw new CommandError(
      `${what}\n${name} now exists (${left}) but does not hold only what this run's create makes, so it is left in place: inspect it with \`fly status -a ${name}\` and \`fly volumes list -a ${name}\`.`,
    );
  ctx.log(`${name}: destroying what this run's failed create left (${left}; no data yet)`);
  await fly.mutate(appsDestroyArgs(name), {
    notFoundIsSuccess: true,
    absent: async () => (await readStatus(ctx, name)) === null,
  });
  throw new CommandError(
    `${what}\n${name} was created by this run and left incomplete (${left}); it held no data and was destroyed. Run pulumi up again to create it anew.`,
  );
}
