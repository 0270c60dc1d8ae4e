/**
 * Commands for service app shells (GAIA_RESOURCE_KIND=app), certificate volumes
 * (certificate-volume) and staged certificate secrets (secrets).
 */
import { createHash } from "node:crypto";
import {
  appsCreateArgs,
  secretsImportArgs,
  secretsUnsetArgs,
  statusArgs,
  volumeCreateArgs,
  volumeDestroyArgs,
  volumeExtendArgs,
  volumesListArgs,
} from "../flags";
import { parseAppStatus, parseVolume, parseVolumeExtend, parseVolumes } from "../parsers";
import { type Origin, originAfter, planVolumeSet, uniqueZoneHint } from "../plan";
import {
  type CommandContext,
  intParam,
  listParam,
  param,
  previousResult,
  type ResultLine,
  refuse,
} from "./context";
import { CommandError } from "./flyctl";

export async function appCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env, fly } = ctx;
  const app = param(env, "APP_NAME");
  const org = param(env, "ORG");
  const previous = previousResult(env);
  if (ctx.op === "delete") {
    // App shells are never destroyed here: service deploys own them too (retainOnDelete).
    return { origin: previous?.origin ?? "adopted", app, deleted: false };
  }
  const exists = async () => (await fly.read(statusArgs(app))) !== null;
  const current = await fly.read(statusArgs(app));
  let found: Origin = "adopted";
  if (current === null) {
    await fly.mutate(appsCreateArgs(app, org), { verify: exists });
    found = "created";
  } else {
    const live = parseAppStatus(current);
    if (live.orgSlug !== org)
      refuse([
        `stack ${param(env, "GAIA_STACK")}, gaia:services: app ${app} exists in org ${live.orgSlug}, not ${org}.`,
      ]);
  }
  return { origin: originAfter(previous, { app }, found), app };
}

export async function volumesCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env, fly } = ctx;
  const app = param(env, "APP_NAME");
  const name = param(env, "VOLUME_NAME");
  const previous = previousResult(env);
  const createdBefore = Array.isArray(previous?.created) ? (previous.created as string[]) : [];
  if (ctx.op === "delete") {
    // Only the volumes this stack created; adopted ones stay. A volume is gone when the app's
    // list no longer has it: the Machines API's words for a missing volume are its own.
    const listed = async () =>
      parseVolumes((await fly.read(volumesListArgs(app))) ?? "[]").map((v) => v.id);
    for (const id of createdBefore) {
      await fly.mutate(volumeDestroyArgs(app, id), {
        notFoundIsSuccess: true,
        absent: async () => !(await listed()).includes(id),
      });
    }
    return { app, name, created: createdBefore, destroyed: createdBefore };
  }
  const desired = {
    stack: param(env, "GAIA_STACK"),
    app,
    name,
    region: param(env, "REGION"),
    sizeGb: intParam(env, "VOLUME_SIZE_GB"),
    count: intParam(env, "VOLUME_COUNT"),
  };
  const list = async () =>
    parseVolumes((await fly.read(volumesListArgs(app))) ?? "[]").filter((v) => v.name === name);
  const before = await list();
  const plan = planVolumeSet(desired, before);
  refuse(plan.refusals);
  const notes = [...plan.notes];
  const created: string[] = [];
  for (const a of plan.actions) {
    if (a.kind === "create") {
      const known = new Set([...before.map((v) => v.id), ...created]);
      let id: string | undefined;
      const r = await fly
        .mutate(volumeCreateArgs({ app, name, region: desired.region, sizeGb: a.sizeGb }), {
          // A timed-out create may have made the volume: adopt it rather than make a duplicate.
          verify: async () => {
            id = (await list()).find((v) => !known.has(v.id))?.id;
            return id !== undefined;
          },
        })
        .catch(async (e: unknown) => {
          // The API's words for "no free zone" are unknown: any failure next to volumes of the
          // name in the region gets the explanation.
          const peers = (await list()).filter((v) => v.region === desired.region).length;
          if (e instanceof CommandError && peers > 0)
            throw new CommandError(`${e.message}\n${uniqueZoneHint(desired, peers)}`);
          throw e;
        });
      created.push(r.code === 0 ? parseVolume(r.stdout).id : id!);
    } else {
      const r = await fly.mutate(volumeExtendArgs(app, a.volumeId, a.toGb), {
        verify: async () => (await list()).some((v) => v.id === a.volumeId && v.sizeGb >= a.toGb),
      });
      // The service's machines belong to its deploys: a needed restart is reported, not done.
      const machine = before.find((v) => v.id === a.volumeId)?.attachedMachineId;
      const { needsRestart } = r.code === 0 ? parseVolumeExtend(r.stdout) : { needsRestart: null };
      if (machine && needsRestart !== false)
        notes.push(
          needsRestart
            ? `machine ${machine} of ${app} must be stopped and started before volume ${a.volumeId}'s file system has ${a.toGb} GB; this stack does not restart service machines: run fly machine restart ${machine} -a ${app}.`
            : `fly volumes extend ${a.volumeId} did not say whether machine ${machine} of ${app} must restart for the file system to grow.`,
        );
    }
  }
  for (const n of notes) ctx.log(`note: ${n}`);
  const after = await list();
  const allCreated = [...new Set([...createdBefore, ...created])].filter((id) =>
    after.some((v) => v.id === id),
  );
  const adopted = after.filter((v) => !allCreated.includes(v.id)).map((v) => v.id);
  return {
    origin: adopted.length === 0 ? "created" : "adopted",
    app,
    name,
    volumes: after.map((v) => v.id),
    created: allCreated,
    adopted,
    notes,
  };
}

/**
 * Certificate material as staged secrets: `fly secrets import --stage` reads NAME=VALUE lines from
 * stdin (nothing in argv, no restart). Values are base64: flyctl's parser cuts a value at `#` and
 * PEM is multi-line.
 */
export async function secretsCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env, fly } = ctx;
  const app = param(env, "APP_NAME");
  const names = listParam(env, "SECRET_NAMES");
  const previous = previousResult(env);
  if (ctx.op === "delete") {
    // The app shell is retained; the staged certificate secrets it got from this stack go.
    await fly.mutate(secretsUnsetArgs(app, names), { notFoundIsSuccess: true });
    return { app, names, unset: true };
  }
  const values = ctx.secrets.secrets;
  if (typeof values !== "object" || values === null)
    throw new CommandError("the secrets map is missing from the command's stdin");
  const entries = Object.entries(values as Record<string, unknown>);
  const got = entries.map(([k]) => k).sort();
  if (got.join(",") !== [...names].sort().join(","))
    throw new CommandError(
      `stdin holds secrets ${got.join(", ")} but SECRET_NAMES lists ${names.join(", ")}`,
    );
  const lines = entries.map(([k, v]) => `${k}=${String(v)}\n`).join("");
  // An update for another reason (e.g. a new script hash) must not re-stage identical material
  // on the same app; an app renamed in config has none of it yet. The digest of high-entropy key
  // material reveals nothing about it.
  const digest = createHash("sha256").update(lines).digest("hex");
  if (previous?.contentSha256 === digest && previous.app === app) {
    ctx.log(`${app}: certificate secrets unchanged, nothing to stage`);
    return { ...previous, staged: false };
  }
  await fly.mutate(secretsImportArgs(app), { stdin: lines });
  return { origin: previous?.origin ?? "created", app, names, staged: true, contentSha256: digest };
}
