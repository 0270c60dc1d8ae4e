/**
 * The steps `gaia-db restore` and `gaia-db restore-drill` share: read the stack (its config files
 * and outputs), list the restorable snapshots, make a cluster from one with the stack's password,
 * wait for it, and verify it (`verify`, the ledger, the row counts recorded for the snapshot).
 * The decisions are restorePlan.ts; the restore's switch is restoreSwitch.ts, the drill is
 * restoreDrill.ts.
 */
import pg from "pg";
import type { FlyStackConfig } from "../config/parseConfig";
import { formatProblems, parseConfig } from "../config/parseConfig";
import { withFlyProxy } from "../fly/proxy";
import type { RecordedSnapshot } from "../fly/snapshots";
import { isPgVmSize } from "../fly/vmSizes";
import { status } from "../migrations/commands/status";
import { verify } from "../migrations/commands/verify";
import { loadMigrationSet } from "../migrations/files";
import { buildPostgresUrl, parsePostgresUrl } from "../migrations/postgresUrl";
import { compareCounts, countRows } from "../migrations/rowCounts";
import { runtimeError, usageError } from "../shared/errors";
import { type FlyEnvironment, MIGRATIONS_DIR } from "../shared/vocabulary";
import { RestoreFly } from "./restoreFly";
import {
  type AppliedFile,
  countWindowOf,
  type RestorableSnapshot,
  restorable,
  restoreCreateArgs,
  restoreVolumeSizeGb,
  type Verification,
} from "./restorePlan";
import { readStackOutputs } from "./stack";
import { readStackConfig } from "./stackConfig";

export interface RestoreDeps {
  environment: FlyEnvironment;
  /** Where Pulumi.yaml and Pulumi.<env>.yaml are. */
  projectDir: string;
  env: NodeJS.ProcessEnv;
  fly: RestoreFly;
  log: (line: string) => void;
  now: () => Date;
  pulumiBinary?: string;
}

/** The steps' dependencies: flyctl from PATH with the given environment, the clock. */
export function makeRestoreDeps(o: {
  environment: FlyEnvironment;
  projectDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): RestoreDeps {
  return { ...o, fly: new RestoreFly({ env: o.env, log: o.log }), now: () => new Date() };
}

/** The stack as a restore needs it. Holds the password: never print it. */
export interface StackView {
  config: FlyStackConfig;
  /** What the stack file itself sets (not the defaults), by full key. */
  raw: Record<string, string>;
  password: string;
  recorded: RecordedSnapshot[];
}

/** The stack's config (its files, as `pulumi up` reads them) and outputs. */
export async function readStack(deps: RestoreDeps): Promise<StackView> {
  const { environment: env } = deps;
  const { raw, secretKeys } = readStackConfig(deps.projectDir, env);
  const parsed = parseConfig(raw, env, secretKeys);
  if (!parsed.ok) throw usageError(formatProblems(parsed.errors, env));
  const config = parsed.config as FlyStackConfig;
  if (config.postgres.kind !== "unmanaged")
    throw usageError(
      `stack ${env}: gaia:postgres.kind is ${config.postgres.kind}; gaia-db restore restores unmanaged Postgres (Fly volume snapshots). Managed Postgres has its own backups: fly mpg backup list`,
    );
  if (!isPgVmSize(config.postgres.vmSize))
    throw usageError(
      `stack ${env}: gaia:postgres.vmSize ${config.postgres.vmSize} is not a size fly postgres create knows`,
    );
  const outputs = await readStackOutputs(env, {
    env: deps.env,
    pulumiBinary: deps.pulumiBinary,
    cwd: deps.projectDir,
    alternative: "and run it from a machine that can read the stack",
  });
  const url = outputs.databaseUrl;
  if (typeof url !== "string" || url === "")
    throw runtimeError(`stack "${env}" has no output databaseUrl: run pulumi up -s ${env} first`);
  const parts = parsePostgresUrl(url, `stack "${env}" output databaseUrl`);
  if (parts.user !== "postgres" || parts.password === null)
    throw runtimeError(
      `stack "${env}" output databaseUrl is not the unmanaged cluster's postgres URL: a restore sets that password on the restored cluster`,
    );
  const recorded = Array.isArray(outputs.preMigrationSnapshots)
    ? (outputs.preMigrationSnapshots as RecordedSnapshot[])
    : [];
  const fileRaw: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (!secretKeys.includes(k)) fileRaw[k] = v;
  return { config, raw: fileRaw, password: parts.password, recorded };
}

/** Every complete snapshot of the cluster's data volumes, newest first. */
export async function listRestorable(
  deps: RestoreDeps,
  stack: StackView,
): Promise<RestorableSnapshot[]> {
  const app = stack.config.postgres.name;
  const volumes = await deps.fly.dataVolumes(app);
  if (volumes.length === 0)
    throw runtimeError(
      `no pg_data volume in ${app} (fly volumes list -a ${app}): nothing to restore from`,
    );
  const byVolume = [];
  for (const v of volumes)
    byVolume.push({ volume: v.id, snapshots: await deps.fly.snapshots(app, v.id) });
  return restorable(byVolume, stack.recorded);
}

/** Runs `fn` with a URL of `database` on `app` as postgres, through `fly proxy`. */
export function onCluster<T>(
  deps: RestoreDeps,
  stack: StackView,
  app: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  return withFlyProxy({ app, flyBinary: deps.fly.binary, env: deps.env }, (port) =>
    fn(
      buildPostgresUrl({
        user: "postgres",
        password: stack.password,
        host: "127.0.0.1",
        port,
        database: stack.config.postgres.database,
        params: { sslmode: "disable" },
      }),
    ),
  );
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const p = parsePostgresUrl(url, "the restored cluster's URL");
  const client = new pg.Client({
    host: p.host,
    port: p.port ?? 5432,
    user: p.user,
    password: p.password ?? undefined,
    database: p.database ?? undefined,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The live ledger's applied files with their start, or why it could not be read. */
export async function liveApplied(
  deps: RestoreDeps,
  stack: StackView,
): Promise<AppliedFile[] | { unreadable: string }> {
  try {
    return await onCluster(deps, stack, stack.config.postgres.name, (url) =>
      withClient(url, async (c) => {
        const r = await c.query<{ file: string; started: Date }>(
          "SELECT module || '/' || version || '_' || name || '.sql' AS file, started_at AS started FROM gaia_migrations.applied",
        );
        return r.rows.map((x) => ({ file: x.file, startedAt: x.started.toISOString() }));
      }),
    );
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}

const positive = (v: string | undefined) => (v && /^[1-9]\d*$/.test(v) ? Number(v) : undefined);

/**
 * `fly postgres create --snapshot-id … --password <the stack's>`; then waits (bounded) until the
 * cluster's machines are started and its Postgres takes the stack's password.
 */
export async function createFromSnapshot(
  deps: RestoreDeps,
  stack: StackView,
  name: string,
  snapshot: RestorableSnapshot,
): Promise<void> {
  const pgc = stack.config.postgres;
  const argv = restoreCreateArgs({
    name,
    org: stack.config.fly.org,
    region: stack.config.fly.region,
    vmSize: pgc.vmSize as Parameters<typeof restoreCreateArgs>[0]["vmSize"],
    volumeSizeGb: restoreVolumeSizeGb(pgc.volumeSizeGb, snapshot.volumeSizeBytes),
    clusterSize: pgc.clusterSize,
    snapshotId: snapshot.id,
  });
  // The one secret flyctl takes only in argv (logged as [redacted]).
  await deps.fly.mutate([...argv, "--password", stack.password]);
  const timeoutMs = (positive(deps.env.GAIA_RESTORE_READY_TIMEOUT_S) ?? 600) * 1000;
  const pollMs = positive(deps.env.GAIA_RESTORE_POLL_MS) ?? 5000;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const s = await deps.fly.status(name);
    const machines = s?.machines ?? [];
    if (machines.length > 0 && machines.every((m) => m.state === "started")) {
      try {
        await onCluster(deps, stack, name, (url) => withClient(url, (c) => c.query("SELECT 1")));
        return;
      } catch (e) {
        last = (e as Error).message;
      }
    } else last = `machines: ${machines.map((m) => `${m.id} ${m.state}`).join(", ") || "none"}`;
    if (Date.now() + pollMs > deadline)
      throw runtimeError(
        `${name} was not ready after ${Math.round(timeoutMs / 1000)} s (${last}): check it with fly status -a ${name}`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * What the restored database holds: `verify` (for the modules its own binding records), the
 * ledger (migrate's refusals, and the files of the config's modules it lacks), and its row
 * counts against those recorded for the snapshot.
 */
export async function verifyRestored(
  deps: RestoreDeps,
  stack: StackView,
  app: string,
  snapshot: RestorableSnapshot,
): Promise<Verification> {
  const { config } = stack;
  const common = {
    environment: deps.environment,
    migrationsDir: MIGRATIONS_DIR,
    supabaseProjectRef: config.supabaseProjectRef,
  };
  return onCluster(deps, stack, app, async (url) => {
    // The database is the one named in the URL, on the cluster just made: verify's check of the
    // database's name (meant for URLs that may point anywhere) holds it to the name it answers to.
    const current = await withClient(url, async (c) =>
      String((await c.query("SELECT current_database() AS d")).rows[0].d),
    );
    const v = await verify({ ...common, databaseUrl: url, expectedDatabase: current });
    const s = await status({ ...common, databaseUrl: url, modules: config.migrations.modules });
    const counts = await withClient(url, countRows);
    const checksums = new Map(
      loadMigrationSet(MIGRATIONS_DIR, config.migrations.modules).map((f) => [
        f.relativePath,
        f.checksum,
      ]),
    );
    const window = countWindowOf(snapshot);
    const sameDatabase = snapshot.recorded?.rowCounts?.database === config.postgres.database;
    return {
      verifyGaps: v.report.gaps,
      verifyTable: v.table,
      ledgerProblems: [
        ...(s.binding?.environment === deps.environment
          ? []
          : [`the restored database is bound to ${s.binding?.environment ?? "no environment"}`]),
        ...s.refusals,
      ],
      lacking: s.pending.map((file) => `${file}:${checksums.get(file) ?? ""}`),
      applied: s.files.filter((f) => f.state === "applied" || f.state === "baseline").length,
      tables: Object.keys(counts).length,
      countProblems: window && sameDatabase ? compareCounts(window, counts) : null,
    };
  });
}
