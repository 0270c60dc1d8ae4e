/**
 * The Redis command (GAIA_RESOURCE_KIND=redis): Upstash Redis through `fly redis`, which has no
 * --json. Existence is read from `fly redis list --org`, a table with a NAME column, because the
 * error `redis status` prints for a missing database comes from the API and its wording is not in
 * flyctl's source; matching that text is only the fallback when the list cannot be read as a
 * table. Settings other than the name are create-only: differences are reported.
 */
import { redisCreateArgs, redisDestroyArgs, redisListArgs, redisStatusArgs } from "../flags";
import { parseRedisList, parseRedisStatus } from "../parsers";
import { createdByStack, type Origin, originAfter, redisDifferences } from "../plan";
import { type CommandContext, listParam, param, previousResult, type ResultLine } from "./context";
import { CommandError } from "./flyctl";

/**
 * Whether the org's list has the database; undefined when the list is no table (then the caller
 * falls back to `redis status` and its error text).
 */
async function listed(ctx: CommandContext, org: string, name: string) {
  const out = await ctx.fly.read(redisListArgs(org));
  const rows = out === null ? null : parseRedisList(out);
  if (rows === null) {
    ctx.log(`  fly redis list --org ${org} printed no table; asking fly redis status instead`);
    return undefined;
  }
  return rows.some((r) => r.NAME === name);
}

async function exists(ctx: CommandContext, org: string, name: string): Promise<boolean> {
  return (await listed(ctx, org, name)) ?? (await ctx.fly.read(redisStatusArgs(name))) !== null;
}

export async function redisCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env, fly } = ctx;
  const name = param(env, "REDIS_NAME");
  const org = param(env, "ORG");
  const previous = previousResult(env);
  if (ctx.op === "delete") {
    // Only what this resource created under this very name.
    if (!createdByStack(previous, { name })) {
      ctx.log(`${name} was adopted, not created by this stack: it is left in place`);
      return { origin: "adopted", name, deleted: false };
    }
    // Gone when the list no longer has it, whatever the destroy printed.
    await fly.mutate(redisDestroyArgs(name), {
      notFoundIsSuccess: true,
      absent: async () => !(await exists(ctx, org, name)),
    });
    return { origin: "created", name, deleted: true };
  }
  const desired = {
    region: param(env, "REGION"),
    eviction: param(env, "EVICTION") === "true",
    replicaRegions: listParam(env, "REPLICA_REGIONS"),
    plan: env.PLAN || undefined,
    // Set with every plan: flyctl asks about it for fixed-price plans.
    autoUpgrade: env.PLAN ? param(env, "AUTO_UPGRADE") === "true" : undefined,
  };
  if (typeof previous?.name === "string" && previous.name !== name)
    ctx.log(
      `gaia:redis name is now ${name}; ${previous.name} is left in place (never destroyed by the stack): remove it by hand once it is no longer needed`,
    );
  let found: Origin = "adopted";
  if (!(await exists(ctx, org, name))) {
    await fly.mutate(
      redisCreateArgs({
        name,
        org,
        region: desired.region,
        replicaRegions: desired.replicaRegions,
        eviction: desired.eviction ? "enabled" : "disabled",
        plan: desired.plan,
        autoUpgrade: desired.autoUpgrade ?? false,
      }),
      { verify: () => exists(ctx, org, name) },
    );
    found = "created";
  }
  // `redis status` has no --json: its vertical table is parsed by row name.
  const status = await fly.read(redisStatusArgs(name));
  if (status === null)
    throw new CommandError(
      `fly redis list --org ${org} shows ${name}, but fly redis status cannot find it; try again shortly`,
    );
  const live = parseRedisStatus(status);
  // Also after a create: flyctl silently drops replica regions it does not know.
  const notes = redisDifferences(desired, live);
  for (const n of notes) ctx.log(`note: ${n}`);
  return {
    origin: originAfter(previous, { name }, found),
    name,
    id: live.ID ?? null,
    // A secret: the command's stdout is marked secret and never logged.
    privateUrl: live["Private URL"],
    notes,
  };
}
