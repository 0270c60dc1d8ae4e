/**
 * Pure decisions around `fly postgres create`, which is not atomic: it hands over to the flypg
 * launcher (flyctl v0.4.87 internal/command/postgres/create.go:419-421), which creates the app,
 * its secrets, then for each node a volume and then its machine, waiting for it to start
 * (flypg/launcher.go:94, 138, 236, 256 and 268), so a failure midway leaves an app with volumes
 * and fewer machines than asked. Only what this run's own create left may be destroyed; an app found
 * at the start of a run is never destroyed, whatever it holds.
 */
import type { AppStatus, Volume } from "./parsers";
import { PG_VOLUME_NAME } from "./plan";

/** A cluster is ready once it has every node it was created with, each started. */
export function clusterComplete(live: AppStatus | null, clusterSize: number): boolean {
  if (live === null) return false;
  return live.machines.length >= clusterSize && live.machines.every((m) => m.state === "started");
}

/**
 * Whether what a failed create left is this run's own, so that destroying it loses nothing: the
 * app was absent when this run started its create (the caller's guarantee), it is in the stack's
 * org, and it holds only what `fly postgres create` makes: data volumes and machines, at most one
 * of each per node. Nothing else ran on it yet (the database and migrations come after).
 */
export function ownCreateLeftover(
  d: { org: string; clusterSize: number },
  live: AppStatus,
  volumes: readonly Volume[],
): boolean {
  return (
    live.orgSlug === d.org &&
    volumes.every((v) => v.name === PG_VOLUME_NAME) &&
    volumes.length <= d.clusterSize &&
    live.machines.length <= d.clusterSize
  );
}

/**
 * Refusals for an existing Postgres app that looks unfinished, decided before any mutation. An app
 * with no machine is never destroyed here: the stack did not create it in this run, so it may be
 * someone's (empty or not). An app first seen by this resource (no result of the stack's for this
 * name) with fewer machines than clusterSize and data volumes that no machine mounts looks like
 * an interrupted create, and is not taken for a ready cluster.
 */
export function unfinishedAppRefusals(
  d: { stack: string; name: string; clusterSize: number },
  live: AppStatus,
  volumes: readonly Volume[],
  knownToStack: boolean,
): string[] {
  const where = `stack ${d.stack}: Postgres app ${d.name}`;
  const byHand = `If it is what an interrupted \`fly postgres create\` left and holds nothing you need, remove it with \`fly apps destroy ${d.name} --yes\` and run pulumi up again; otherwise choose another gaia:postgres.name.`;
  if (live.machines.length === 0 && volumes.length === 0)
    return [
      `${where} exists with no machine and no volume. The stack destroys only what it created in the same run, so it is left in place. ${byHand}`,
    ];
  if (live.machines.length === 0)
    return [
      `${where} has no machine but ${volumes.length} volume(s) (${volumes.map((v) => v.id).join(", ")}). It may hold data; inspect it with \`fly volumes list -a ${d.name}\` and repair or remove it by hand.`,
    ];
  const loose = volumes.filter((v) => v.name === PG_VOLUME_NAME && v.attachedMachineId === null);
  if (!knownToStack && live.machines.length < d.clusterSize && loose.length > 0)
    return [
      `${where} has ${live.machines.length} of clusterSize ${d.clusterSize} machine(s), and data volume(s) ${loose.map((v) => v.id).join(", ")} that no machine mounts: it is not taken for a ready cluster. ${byHand}`,
    ];
  return [];
}
