/**
 * The pre-migration snapshot (GAIA_RESOURCE_KIND=snapshot): production's Postgres data volumes
 * are snapshotted before a new migration set runs, and the command returns only once every
 * snapshot it requested is complete (src/fly/snapshots.ts says when that is), so the migrations,
 * which depend on it, never run before their snapshot exists. On timeout it fails and they do not
 * run. Around the snapshots it counts the target database's rows, through `fly proxy`: before the
 * request and once complete, so a restore can check what it got (src/migrations/rowCounts.ts).
 */
import pg from "pg";
import { type CountWindow, countRows, type RowCounts } from "../../migrations/rowCounts";
import { snapshotCreateArgs, snapshotListArgs, volumesListArgs } from "../flags";
import { parseSnapshots, parseVolumes, type Snapshot } from "../parsers";
import { PG_VOLUME_NAME } from "../plan";
import { withFlyProxy } from "../proxy";
import {
  carryForward,
  PRE_MIGRATION_SNAPSHOT_WAIT_SECONDS,
  resolveRecorded,
  SNAPSHOT_POLL_MS,
  type SnapshotRecord,
  type SnapshotResult,
  snapshotProgress,
} from "../snapshots";
import {
  type CommandContext,
  param,
  positiveInt,
  previousResult,
  type ResultLine,
  secret,
} from "./context";
import { CommandError } from "./flyctl";

function waitBudget(env: NodeJS.ProcessEnv): { waitMs: number; pollMs: number } {
  const wait = Math.min(
    positiveInt(env.GAIA_SNAPSHOT_WAIT_S) ?? PRE_MIGRATION_SNAPSHOT_WAIT_SECONDS,
    PRE_MIGRATION_SNAPSHOT_WAIT_SECONDS,
  );
  return {
    waitMs: wait * 1000,
    pollMs: positiveInt(env.GAIA_SNAPSHOT_POLL_MS) ?? SNAPSHOT_POLL_MS,
  };
}

/** Connects as `postgres` through `fly proxy` to the target database and runs `fn`. */
async function onDatabase<T>(
  ctx: CommandContext,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const { env } = ctx;
  return withFlyProxy(
    { app: param(env, "APP_NAME"), flyBinary: ctx.fly.binary, env: ctx.fly.env },
    async (port) => {
      const client = new pg.Client({
        host: "127.0.0.1",
        port,
        user: "postgres",
        password: secret(ctx, "password"),
        database: param(env, "DATABASE_NAME"),
      });
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    },
  );
}

export async function snapshotCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env } = ctx;
  const app = param(env, "APP_NAME");
  if (ctx.op === "delete") {
    // Snapshots expire with the volume's retention; nothing to undo.
    return { app, deleted: false };
  }
  const checksum = param(env, "MIGRATIONS_CHECKSUM");
  // Any input change (the Fly code's hash) runs this update; only a new migration set, or a new
  // cluster (gaia:postgres.name switched to a restored one), needs a new snapshot. The previous
  // result says which set and cluster the last snapshot preceded.
  const previous = previousResult(env) as SnapshotResult | undefined;
  if (
    ctx.op === "update" &&
    previous?.migrationsChecksum === checksum &&
    (previous.app ?? app) === app
  ) {
    if (previous.snapshots?.some((s) => s.snapshot === null)) return resolvePending(ctx, previous);
    ctx.log(`the pre-migration snapshot for this migration set was taken already: none taken`);
    return { ...previous };
  }
  const volumes = parseVolumes((await ctx.fly.read(volumesListArgs(app))) ?? "[]").filter(
    (v) => v.name === PG_VOLUME_NAME,
  );
  if (volumes.length === 0)
    throw new CommandError(`no ${PG_VOLUME_NAME} volume in ${app}: nothing to snapshot`);

  const database = param(env, "DATABASE_NAME");
  const before = await onDatabase(ctx, countRows);
  const requestedAt = new Date().toISOString();
  const requested: { volume: string; before: Snapshot[] }[] = [];
  for (const v of volumes) {
    const list = async () =>
      parseSnapshots((await ctx.fly.read(snapshotListArgs(app, v.id))) ?? "[]");
    const listedBefore = await list();
    // A pending snapshot is listed with an empty id, so ids cannot tell a new pending snapshot
    // from an old one: a longer list can.
    await ctx.fly.mutate(snapshotCreateArgs(app, v.id), {
      verify: async () => (await list()).length > listedBefore.length,
    });
    requested.push({ volume: v.id, before: listedBefore });
  }
  const snapshots = await waitForSnapshots(ctx, app, requested, requestedAt);
  const after = await onDatabase(ctx, countRows);
  logWindow(ctx, before, after);
  return carryForward(
    {
      app,
      migrationsChecksum: checksum,
      requestedAt,
      snapshots,
      rowCounts: { database, before, after },
    },
    previous,
  ) as unknown as ResultLine;
}

/** Polls each volume's list until its snapshot is complete, for at most the wait budget. */
async function waitForSnapshots(
  ctx: CommandContext,
  app: string,
  requested: readonly { volume: string; before: Snapshot[] }[],
  requestedAt: string,
): Promise<SnapshotRecord[]> {
  const { waitMs, pollMs } = waitBudget(ctx.env);
  const deadline = Date.now() + waitMs;
  const done = new Map<string, Snapshot>();
  const last = new Map<string, { pending: number; newest?: Snapshot }>();
  for (;;) {
    for (const r of requested) {
      if (done.has(r.volume)) continue;
      const listed = parseSnapshots((await ctx.fly.read(snapshotListArgs(app, r.volume))) ?? "[]");
      const p = snapshotProgress(r.before, listed);
      if (p.done) {
        done.set(r.volume, p.snapshot);
        ctx.log(
          `snapshot of ${r.volume}: ${p.snapshot.id} (listed as "${p.snapshot.status}", created ${p.snapshot.createdAt})`,
        );
      } else last.set(r.volume, p);
    }
    if (done.size === requested.length) break;
    if (Date.now() + pollMs > deadline) {
      const waiting = requested
        .filter((r) => !done.has(r.volume))
        .map((r) => {
          const p = last.get(r.volume);
          return `${r.volume} (${p?.pending ?? 0} pending, listed without an id)`;
        });
      throw new CommandError(
        `the pre-migration snapshot of ${waiting.join(", ")} in ${app}, requested at ${requestedAt}, was not complete after ${Math.round(waitMs / 1000)} s: the migrations did not run. Check it with \`fly volumes snapshots list <volume id> -a ${app}\`, then run \`pulumi up\` again: it takes the snapshot again and waits for it.`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return requested.map((r) => {
    const s = done.get(r.volume) as Snapshot;
    return {
      volume: r.volume,
      snapshot: s.id,
      createdAt: s.createdAt,
      status: s.status,
      volumeSizeBytes: s.volumeSizeBytes,
    };
  });
}

function logWindow(ctx: CommandContext, before: RowCounts, after: RowCounts): void {
  const window: CountWindow = { before, after };
  const moved = Object.keys(window.after).filter((t) => window.before[t] !== window.after[t]);
  ctx.log(
    `row counts of ${Object.keys(after).length} tables recorded${moved.length > 0 ? `; written to while the snapshot was taken: ${moved.join(", ")}` : ", none written to while the snapshot was taken"}`,
  );
}

/**
 * A result of an earlier release may hold `null` for a snapshot that was still pending when it
 * looked: find it now, rather than leave it out of `preMigrationSnapshotIds`. The anchor is the
 * ledger's latest migration start (the set's migrations ran right after the request).
 */
async function resolvePending(ctx: CommandContext, previous: SnapshotResult): Promise<ResultLine> {
  const anchor = await onDatabase(ctx, async (client) => {
    const r = await client
      .query<{ at: Date | null }>("SELECT max(started_at) AS at FROM gaia_migrations.applied")
      .catch(() => null);
    return r?.rows[0]?.at ? r.rows[0].at.toISOString() : null;
  });
  const snapshots: SnapshotRecord[] = [];
  for (const s of previous.snapshots) {
    if (s.snapshot !== null) {
      snapshots.push(s);
      continue;
    }
    const listed = parseSnapshots(
      (await ctx.fly.read(snapshotListArgs(previous.app, s.volume))) ?? "[]",
    );
    const found = resolveRecorded(listed, anchor);
    if (found === null) {
      ctx.log(
        `note: the snapshot of ${s.volume} recorded as pending by an earlier run is not listed complete${anchor ? ` before ${anchor}` : ""} (expired, or never completed): it stays unrecorded`,
      );
      snapshots.push(s);
    } else {
      ctx.log(`snapshot of ${s.volume} recorded as pending by an earlier run: ${found.id}`);
      snapshots.push({
        volume: s.volume,
        snapshot: found.id,
        createdAt: found.createdAt,
        status: found.status,
        volumeSizeBytes: found.volumeSizeBytes,
        resolvedLater: true,
      });
    }
  }
  return { ...previous, snapshots };
}
