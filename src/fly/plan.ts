/**
 * Pure decisions the Fly commands take against the live state they just read. Refusals are
 * decided here, all at once, before the command performs any mutation: a preview runs no command,
 * so `up` is the first place a refusal can happen, and it must leave nothing half-changed.
 */
import type { AppStatus, Volume } from "./parsers";
import {
  describeGuest,
  type Guest,
  isNamedGuest,
  isPgVmSize,
  PG_CREATE_GUESTS,
  PG_VM_SIZES,
  pgVmSizeOf,
  sameGuest,
} from "./vmSizes";

/** What a command's final stdout line records; a `delete` reads it from $PULUMI_COMMAND_STDOUT. */
export type Origin = "created" | "adopted";

/**
 * Whether the previous result says the stack created this very resource: origin "created" and
 * every identity field (the app or database name, the managed cluster id) the same. A result about
 * another name (config renamed the resource) proves nothing about this one.
 */
export function createdByStack(
  previous: Readonly<Record<string, unknown>> | undefined,
  identity: Readonly<Record<string, string>>,
): boolean {
  if (previous?.origin !== "created") return false;
  return Object.entries(identity).every(([k, v]) => previous[k] === v);
}

/**
 * The origin to record after a create or update: "created" when this run created it, or when the
 * previous result says the stack created this same resource; anything found existing is adopted.
 * What a delete may destroy follows from it, so "created" never carries over to another name.
 */
export function originAfter(
  previous: Readonly<Record<string, unknown>> | undefined,
  identity: Readonly<Record<string, string>>,
  found: Origin,
): Origin {
  return found === "created" || createdByStack(previous, identity) ? "created" : "adopted";
}

export interface PostgresDesired {
  stack: string;
  name: string;
  region: string;
  vmSize: string;
  volumeSizeGb: number;
  clusterSize: number;
  allowRestart: boolean;
}

export type PostgresAction =
  | { kind: "update-vm"; machineId: string; vmSize: string; guest: Guest }
  | { kind: "extend-volume"; volumeId: string; fromGb: number; toGb: number };

export interface Plan<A> {
  refusals: string[];
  actions: A[];
  /** Differences that are reported and not applied (create-only settings). */
  notes: string[];
}

/** The cluster's data volumes: flyctl names them `pg_data`. */
export const PG_VOLUME_NAME = "pg_data";

export function planPostgres(
  d: PostgresDesired,
  live: AppStatus,
  volumes: Volume[],
): Plan<PostgresAction> {
  const refusals: string[] = [];
  const actions: PostgresAction[] = [];
  const notes: string[] = [];
  const where = `stack ${d.stack}, gaia:postgres, Postgres app ${d.name}`;
  const regions = [...new Set(live.machines.map((m) => m.region))];
  if (regions.length > 0 && !regions.includes(d.region)) {
    refusals.push(
      `${where}: region is ${d.region} in config but the cluster runs in ${regions.join(", ")}. A Fly Postgres cluster cannot move region; set gaia:fly.region back to ${regions[0]} (a move is a new cluster plus a data migration).`,
    );
  }
  const data = volumes.filter((v) => v.name === PG_VOLUME_NAME);
  for (const v of data) {
    if (v.sizeGb > d.volumeSizeGb) {
      refusals.push(
        `${where}: volumeSizeGb is ${d.volumeSizeGb} but volume ${v.id} already has ${v.sizeGb} GB. Fly volumes cannot shrink; set gaia:postgres.volumeSizeGb to ${v.sizeGb} or more.`,
      );
    } else if (v.sizeGb < d.volumeSizeGb) {
      actions.push({
        kind: "extend-volume",
        volumeId: v.id,
        fromGb: v.sizeGb,
        toGb: d.volumeSizeGb,
      });
    }
  }
  if (!isPgVmSize(d.vmSize)) {
    refusals.push(
      `${where}: vmSize ${d.vmSize} is not a size \`fly postgres create\` knows; set gaia:postgres.vmSize to one of ${PG_VM_SIZES.join(", ")}.`,
    );
  } else {
    const want = PG_CREATE_GUESTS[d.vmSize];
    const differ = live.machines.filter((m) => !sameGuest(m.guest, want));
    // A guest no flyctl table names was set by hand (e.g. `fly scale memory`): never resized on a
    // guess of what it was meant to be.
    for (const m of differ.filter((m) => !isNamedGuest(m.guest))) {
      notes.push(
        `machine ${m.id} runs ${describeGuest(m.guest)}, which is no flyctl VM size; it is left as it is, not resized to vmSize ${describeGuest(want)}. Resize it by hand (fly machine update ${m.id} -a ${d.name} --vm-cpu-kind ${want.cpuKind} --vm-cpus ${want.cpus} --vm-memory ${want.memoryMb}) or set gaia:postgres.vmSize to match it.`,
      );
    }
    const resized = differ.filter((m) => isNamedGuest(m.guest));
    if (resized.length > 0) {
      const from = [...new Set(resized.map((m) => describeGuest(m.guest)))].join(", ");
      const names = [...new Set(resized.map((m) => pgVmSizeOf(m.guest)))];
      const back =
        names.length === 1 && names[0] !== undefined
          ? `, or set vmSize back to ${names[0]}`
          : " (no vmSize names their current size)";
      if (d.stack === "production" && !d.allowRestart) {
        refusals.push(
          `${where}: vmSize is ${describeGuest(want)} but the machines run ${from}; changing it restarts Postgres. Set gaia:postgres.allowRestart to true for this update${back}.`,
        );
      } else {
        for (const m of resized)
          actions.push({ kind: "update-vm", machineId: m.id, vmSize: d.vmSize, guest: want });
      }
    }
  }
  if (live.machines.length !== d.clusterSize) {
    notes.push(
      `clusterSize is ${d.clusterSize} but the cluster has ${live.machines.length} node(s); clusterSize applies at creation only (add or remove nodes with fly machine clone / destroy).`,
    );
  }
  return { refusals, actions, notes };
}

/**
 * Machines whose file system waits for a restart after their volume grew (`volumes extend` said
 * so), carried from run to run until done: restarted where a Postgres restart is allowed (not
 * production, or allowRestart), reported otherwise. A machine updated in this run was restarted
 * by the update; one that is gone needs nothing.
 */
export function planPendingRestarts(
  d: Pick<PostgresDesired, "stack" | "name" | "allowRestart">,
  pending: readonly string[],
  liveMachines: readonly string[],
  updated: readonly string[],
): { restart: string[]; keep: string[]; notes: string[] } {
  const waiting = [...new Set(pending)].filter(
    (id) => liveMachines.includes(id) && !updated.includes(id),
  );
  if (d.stack !== "production" || d.allowRestart) return { restart: waiting, keep: [], notes: [] };
  return {
    restart: [],
    keep: waiting,
    notes: waiting.map(
      (id) =>
        `machine ${id} must be stopped and started before its grown volume's file system has the new size; that restarts Postgres, so it was not done. Set gaia:postgres.allowRestart to true and run pulumi up (the restart is remembered until done), or run fly machine restart ${id} -a ${d.name}.`,
    ),
  };
}

/**
 * Machines whose data volume is larger than the last recorded result of this cluster says, though
 * this run did not grow it: a run grew it and then failed (a restart that failed, say) before it
 * could record the restart it owed. The restart is owed still; a volume grown by hand gets it too.
 */
export function restartsOwedSinceRecorded(
  previous: Readonly<Record<string, unknown>> | undefined,
  volumes: readonly Volume[],
): string[] {
  const ids = Array.isArray(previous?.volumes) ? (previous.volumes as unknown[]) : [];
  const sizes = Array.isArray(previous?.volumeSizesGb) ? (previous.volumeSizesGb as unknown[]) : [];
  const owed: string[] = [];
  for (const v of volumes) {
    if (v.name !== PG_VOLUME_NAME || v.attachedMachineId === null) continue;
    const recorded = sizes[ids.indexOf(v.id)];
    if (typeof recorded === "number" && recorded < v.sizeGb) owed.push(v.attachedMachineId);
  }
  return owed;
}

export interface VolumeSetDesired {
  stack: string;
  app: string;
  name: string;
  region: string;
  sizeGb: number;
  count: number;
}

export type VolumeAction =
  | { kind: "create"; sizeGb: number }
  | { kind: "extend"; volumeId: string; fromGb: number; toGb: number };

/**
 * A set of same-named volumes in one app. Names are not unique on Fly, so identity is "the
 * volumes of this name": create the missing ones, grow the small ones, never a duplicate.
 */
export function planVolumeSet(d: VolumeSetDesired, live: Volume[]): Plan<VolumeAction> {
  const refusals: string[] = [];
  const actions: VolumeAction[] = [];
  const notes: string[] = [];
  const mine = live.filter((v) => v.name === d.name);
  for (const v of mine) {
    if (v.sizeGb > d.sizeGb) {
      refusals.push(
        `stack ${d.stack}, gaia:certificates.volumeSizeGb: ${d.sizeGb} is smaller than volume ${v.id} (${d.name} in ${d.app}, ${v.sizeGb} GB). Fly volumes cannot shrink; set it to ${v.sizeGb} or more.`,
      );
    } else if (v.sizeGb < d.sizeGb) {
      actions.push({ kind: "extend", volumeId: v.id, fromGb: v.sizeGb, toGb: d.sizeGb });
    }
  }
  for (let i = mine.length; i < d.count; i++) actions.push({ kind: "create", sizeGb: d.sizeGb });
  if (mine.length > d.count) {
    notes.push(
      `${d.app} has ${mine.length} volumes named ${d.name}, more than volumesPerApp (${d.count}); none is destroyed.`,
    );
  }
  const elsewhere = mine.filter((v) => v.region !== d.region);
  if (elsewhere.length > 0) {
    notes.push(
      `${elsewhere.map((v) => v.id).join(", ")} in ${d.app} are in ${[...new Set(elsewhere.map((v) => v.region))].join(", ")}, not ${d.region}; they are kept.`,
    );
  }
  return { refusals, actions, notes };
}

/**
 * Why creating one more volume of a name can fail: `volumes create` puts each volume of a name in
 * its own hardware zone of the region (--require-unique-zone, kept on so that the machines that
 * mount them run on different hosts), and a region may have no free zone left.
 */
export function uniqueZoneHint(d: VolumeSetDesired, inRegion: number): string {
  return `Each volume named ${d.name} goes to a hardware zone of ${d.region} that holds no other (fly volumes create --require-unique-zone, kept on so that the machines mounting them run on different hosts), and ${d.app} already has ${inRegion} there: the region may have no free zone left. Set gaia:certificates.volumesPerApp to ${inRegion}, or create the volume yourself with \`fly volumes create ${d.name} -a ${d.app} --region ${d.region} --size ${d.sizeGb} --require-unique-zone=false --yes\` and run pulumi up again (it is adopted, and never destroyed by this stack).`;
}

export interface RedisDesired {
  region: string;
  eviction: boolean;
  replicaRegions: string[];
  plan?: string;
  autoUpgrade?: boolean;
}

/** Redis settings other than the name are create-time only: differences are reported. */
export function redisDifferences(d: RedisDesired, live: Record<string, string>): string[] {
  const notes: string[] = [];
  const liveReplicas =
    !live["Read Regions"] || live["Read Regions"] === "None"
      ? []
      : live["Read Regions"].split(",").map((r) => r.trim());
  if (live["Primary Region"] !== undefined && live["Primary Region"] !== d.region)
    notes.push(`region is ${d.region} in config but ${live["Primary Region"]} on Fly`);
  const liveEviction = live.Eviction === "Enabled";
  if (live.Eviction !== undefined && liveEviction !== d.eviction)
    notes.push(`eviction is ${d.eviction} in config but ${liveEviction} on Fly`);
  if ([...liveReplicas].sort().join(",") !== [...d.replicaRegions].sort().join(","))
    notes.push(
      `replicaRegions is [${d.replicaRegions.join(",")}] in config but [${liveReplicas.join(",")}] on Fly`,
    );
  if (
    d.plan !== undefined &&
    live.Plan !== undefined &&
    live.Plan.toLowerCase() !== d.plan.toLowerCase()
  )
    notes.push(`plan is ${d.plan} in config but ${live.Plan} on Fly`);
  const liveUpgrade = live["Auto-Upgrade"];
  if (d.autoUpgrade !== undefined && liveUpgrade !== undefined)
    if ((liveUpgrade === "Enabled") !== d.autoUpgrade)
      notes.push(
        `autoUpgrade is ${d.autoUpgrade} in config but ${liveUpgrade === "Enabled"} on Fly`,
      );
  return notes.map((n) => `${n}; Redis settings apply at creation only, nothing was changed.`);
}

/**
 * Managed Postgres: the plan in config against what flyctl selected (`Selected Plan: Basic`; it
 * turns a plan it does not know into basic) and what the API reports, whose wording flyctl's
 * source does not show. Differences are reported; nothing fails or changes over them.
 */
export function managedPlanNote(
  configPlan: string,
  selected: string | undefined,
  reported: string,
  clusterId: string,
): string | undefined {
  const norm = (p: string) => p.trim().toLowerCase();
  const seen = [selected, reported].filter((p): p is string => p !== undefined && p !== "");
  if (seen.every((p) => norm(p) === norm(configPlan))) return undefined;
  const flyctl = selected !== undefined ? `flyctl selected ${selected} and ` : "";
  return `plan is ${configPlan} in config, but ${flyctl}the API reports "${reported}" for cluster ${clusterId}; nothing was changed (flyctl creates basic for a plan it does not know, and the API may word plans its own way). Compare in the Fly dashboard and change the plan there if they differ.`;
}
