/**
 * Managed Postgres (`fly mpg`), the managed half of the Postgres cluster command. What flyctl
 * says is weighed by what it proves:
 * - "managed postgres cluster … not found" is printed for any failed lookup: only a successful
 *   `mpg list` without the id says a cluster is gone;
 * - `mpg create` waits until "ready" or "error" and polls for ever on anything else ("failed"
 *   included): it is interrupted once the cluster exists and the wait is ours, bounded;
 * - the API words plans its own way: a plan that reads differently is reported, never a reason to
 *   fail once a billed cluster exists.
 */
import { mpgCreateArgs, mpgDestroyArgs, mpgListArgs, mpgStatusArgs, statusArgs } from "../flags";
import {
  type ManagedCluster,
  type ManagedStatus,
  parseManagedCreateProgress,
  parseManagedList,
  parseManagedStatus,
} from "../parsers";
import { createdByStack, managedPlanNote, type Origin, originAfter } from "../plan";
import {
  type CommandContext,
  intParam,
  param,
  positiveInt,
  type ResultLine,
  refuse,
} from "./context";
import { CommandError } from "./flyctl";

/** Statuses in which a cluster's creation has ended in failure: no wait makes it ready. */
export const MANAGED_FAILED_STATUSES = ["failed", "error"];

/**
 * Whether a successful `mpg list` of the org lacks the cluster: the one proof that it is gone
 * (flyctl's "managed postgres cluster … not found" is printed for any failed lookup).
 */
export function managedClusterAbsent(ctx: CommandContext, org: string, id: string) {
  return async () => {
    const out = await ctx.fly.read(mpgListArgs(org));
    if (out === null) throw new CommandError(`fly mpg list --org ${org}: the org was not found`);
    return !parseManagedList(out).some((c) => c.id === id);
  };
}

async function managedStatus(ctx: CommandContext, org: string, id: string) {
  const out = await ctx.fly.read(mpgStatusArgs(id), {
    absent: managedClusterAbsent(ctx, org, id),
  });
  if (out === null)
    throw new CommandError(
      `managed Postgres cluster ${id} is no longer listed in org ${org}: it was destroyed while reading it`,
    );
  return parseManagedStatus(out);
}

async function managedClusterNamed(ctx: CommandContext, org: string, name: string) {
  const list = parseManagedList((await ctx.fly.read(mpgListArgs(org))) ?? "");
  return list.find((c) => c.name === name);
}

/**
 * Polls `mpg status` until the cluster is ready, as flyctl's own wait does, but bounded
 * ($GAIA_MPG_READY_TIMEOUT_S, default 20 minutes: under the command's 30-minute timeout) and
 * ending on every failure status.
 */
async function waitReady(
  ctx: CommandContext,
  org: string,
  name: string,
  id: string,
): Promise<ManagedStatus> {
  const timeoutS = positiveInt(ctx.env.GAIA_MPG_READY_TIMEOUT_S) ?? 20 * 60;
  const pollMs = positiveInt(ctx.env.GAIA_MPG_POLL_MS) ?? 5_000;
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = await managedStatus(ctx, org, id);
    if (s.status === "ready") return s;
    if (MANAGED_FAILED_STATUSES.includes(s.status))
      throw new CommandError(
        `managed Postgres ${name} (${id}) reports status "${s.status}": Fly could not create it. It exists and may bill: destroy it with \`fly mpg destroy ${id} --yes\`, then run \`pulumi up\` again.`,
      );
    if (Date.now() >= deadline)
      throw new CommandError(
        `managed Postgres ${name} (${id}) is not ready after ${timeoutS} s (status "${s.status}"). It goes on provisioning: run \`pulumi up\` again once \`fly mpg status ${id}\` says ready (that run adopts it, so \`pulumi destroy\` will leave it), or destroy it with \`fly mpg destroy ${id} --yes\`.`,
      );
    ctx.log(`  ${name} (${id}) is ${s.status || "not ready"}; waiting`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * The previous run's connection string, only when it was read from this very cluster: a new
 * cluster (another name, or one replaced under the same name) has credentials of its own.
 */
export function carriedConnectionString(
  previous: ResultLine | undefined,
  clusterId: string,
): string | undefined {
  return previous?.cluster === clusterId && typeof previous.connectionString === "string"
    ? previous.connectionString
    : undefined;
}

/**
 * Polls the org's list until the cluster is no longer in it, for at most
 * $GAIA_MPG_DESTROY_TIMEOUT_S (default 20 minutes, under the command's 30-minute timeout): a
 * cluster whose deletion is scheduled is still listed, and a later `up` would adopt it by name.
 */
async function waitGone(
  ctx: CommandContext,
  org: string,
  name: string,
  id: string,
  absent: () => Promise<boolean>,
): Promise<void> {
  const timeoutS = positiveInt(ctx.env.GAIA_MPG_DESTROY_TIMEOUT_S) ?? 20 * 60;
  const pollMs = positiveInt(ctx.env.GAIA_MPG_POLL_MS) ?? 5_000;
  const deadline = Date.now() + timeoutS * 1000;
  while (!(await absent())) {
    if (Date.now() >= deadline)
      throw new CommandError(
        `managed Postgres ${name} (${id}) is scheduled to be destroyed but still listed in org ${org} after ${timeoutS} s. Run \`pulumi destroy\` again once \`fly mpg list --org ${org}\` no longer shows it.`,
      );
    ctx.log(`  ${name} (${id}) is still listed; waiting for its deletion`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function managedCommand(
  ctx: CommandContext,
  previous: ResultLine | undefined,
): Promise<ResultLine> {
  const { env, fly } = ctx;
  const stack = param(env, "GAIA_STACK");
  const name = param(env, "APP_NAME");
  const org = param(env, "ORG");
  if (ctx.op === "delete") {
    // Only the cluster this resource created under this very name (older results name none).
    const cluster = typeof previous?.cluster === "string" ? previous.cluster : "";
    const sameName = previous?.name === undefined || previous.name === name;
    if (!sameName || cluster === "" || !createdByStack(previous, { cluster })) {
      ctx.log(`${name} was adopted, not created by this stack: it is left in place`);
      return { kind: "managed", origin: "adopted", cluster: previous?.cluster };
    }
    const id = cluster;
    // "Gone" only when the org's list no longer has it: flyctl's not-found text is no proof, and
    // a destroy that succeeds only schedules the deletion.
    const absent = managedClusterAbsent(ctx, org, id);
    const r = await fly.mutate(mpgDestroyArgs(id), { notFoundIsSuccess: true, absent });
    // A failed destroy returns only once the list no longer has the cluster.
    if (r.code === 0) await waitGone(ctx, org, name, id, absent);
    return { kind: "managed", origin: "created", cluster: id, deleted: true };
  }
  const desired = {
    region: param(env, "REGION"),
    plan: param(env, "PLAN"),
    volumeSizeGb: intParam(env, "VOLUME_SIZE_GB"),
    majorVersion: intParam(env, "MAJOR_VERSION"),
  };
  // An unmanaged app of that name means config switched kind under an existing cluster.
  if ((await fly.read(statusArgs(name))) !== null) {
    refuse([
      `stack ${stack}, gaia:postgres.kind: config says managed but ${name} is an unmanaged Fly Postgres app. Changing kind is a new cluster plus a data migration; set gaia:postgres.kind to unmanaged.`,
    ]);
  }
  let cluster: ManagedCluster | undefined = await managedClusterNamed(ctx, org, name);
  let found: Origin = "adopted";
  let selectedPlan: string | undefined;
  if (!cluster) {
    const r = await fly.mutate(mpgCreateArgs({ name, org, ...desired }), {
      verify: async () => (await managedClusterNamed(ctx, org, name)) !== undefined,
      // Once the cluster exists flyctl only waits ("You can cancel this wait with Ctrl+C"), and
      // for ever on a failed cluster: the wait is ours from there.
      stopWhen: (out) => parseManagedCreateProgress(out).id !== undefined,
    });
    found = "created";
    selectedPlan = parseManagedCreateProgress(r.stdout).selectedPlan;
    cluster = await managedClusterNamed(ctx, org, name);
    if (!cluster) throw new CommandError(`fly mpg create succeeded but ${name} is not listed`);
  } else if (MANAGED_FAILED_STATUSES.includes(cluster.status)) {
    refuse([
      `stack ${stack}, gaia:postgres: managed Postgres ${name} (${cluster.id}) is in status "${cluster.status}": Fly could not create it. Destroy it with \`fly mpg destroy ${cluster.id} --yes\`, then run \`pulumi up\` again.`,
    ]);
  }
  let connectionString = carriedConnectionString(previous, cluster.id);
  let planReported = cluster.plan;
  if (found === "created" || cluster.status !== "ready") {
    const ready = await waitReady(ctx, org, name, cluster.id);
    planReported = ready.plan;
    connectionString ??= ready.connectionString ?? undefined;
  }
  if (connectionString === undefined) {
    // Adopted, or not the cluster recorded: `mpg status --json` carries its default credentials.
    connectionString = (await managedStatus(ctx, org, cluster.id)).connectionString ?? undefined;
  }
  const refusals: string[] = [];
  if (cluster.region !== desired.region)
    refusals.push(
      `stack ${stack}, gaia:fly.region: managed Postgres ${name} is in ${cluster.region}, config says ${desired.region}; a cluster cannot move region.`,
    );
  if (cluster.diskGb > desired.volumeSizeGb)
    refusals.push(
      `stack ${stack}, gaia:postgres.volumeSizeGb: ${desired.volumeSizeGb} is smaller than the cluster's ${cluster.diskGb} GB; storage cannot shrink.`,
    );
  refuse(refusals);
  const notes: string[] = [];
  if (cluster.diskGb < desired.volumeSizeGb)
    notes.push(
      `volumeSizeGb is ${desired.volumeSizeGb} but the managed cluster has ${cluster.diskGb} GB; flyctl cannot resize managed storage, grow it in the Fly dashboard.`,
    );
  const planNote = managedPlanNote(desired.plan, selectedPlan, planReported, cluster.id);
  if (planNote) notes.push(planNote);
  for (const n of notes) ctx.log(`note: ${n}`);
  return {
    kind: "managed",
    // Per cluster id: a name changed onto an existing cluster adopts it.
    origin: originAfter(previous, { cluster: cluster.id }, found),
    name,
    cluster: cluster.id,
    // Read once the cluster was ready (or when adopted), carried forward while it is this cluster.
    connectionString: connectionString ?? null,
    // The plan as the API words it, which flyctl's plan names need not match.
    planReported,
    notes,
  };
}
