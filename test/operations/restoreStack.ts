/**
 * A Fly stack for the restore tests: the fake flyctl (its proxy reaching the test PostgreSQL,
 * snapshots holding copies of what the app served), the stand-in pulumi on a project directory
 * with a real stack file, and gaia-db run as the real binary.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { createFakePulumi, type FakePulumi } from "../support/fakePulumi";
import { adminUrl, withAdmin } from "../support/postgres";
import { lockRole, unlockRole } from "../support/roleLock";

export const ROOT = resolve(__dirname, "../..");

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (or until `onStderr` kills it), collecting its output. */
export function run(
  binary: string,
  args: string[],
  opts: {
    env: Record<string, string>;
    cwd: string;
    onStderr?: (text: string, pid: number) => void;
    onSpawn?: (pid: number) => void;
  },
): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(binary, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    opts.onSpawn?.(child.pid!);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr, child.pid!);
    });
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

export class RestoreStacks {
  private readonly made: { fake: FakeFly; pulumi: FakePulumi; database: string }[] = [];

  /** After each test: the fakes, the databases, and the production login's lock. */
  async cleanup(): Promise<void> {
    unlockRole("gaia_app_production");
    for (const m of this.made.splice(0)) {
      m.fake.remove();
      m.pulumi.remove();
      await m.fake.dropCopies();
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${m.database}" WITH (FORCE)`));
    }
  }

  /**
   * A production stack's up runs app-login for gaia_app_production, a cluster-wide role
   * test/operations/appLoginCommand.test.ts logs in as too: they take turns (roleLock.ts).
   * Staging's login gets the same generated password from every stack, so it needs no turn.
   */
  async setup(stack: "staging" | "production", modules: string[] = ["core"]) {
    if (stack === "production") await lockRole("gaia_app_production");
    const target = new URL(adminUrl());
    const fake = createFakeFly({
      proxyTarget: `${target.hostname}:${target.port}`,
      adminUrl: adminUrl(),
    });
    const database = `llm_platform_${randomBytes(4).toString("hex")}`;
    const pulumi = createFakePulumi(
      stack,
      {
        "gaia:environment": stack,
        "gaia:fly": { org: "aeonia-dev", region: "lax" },
        "gaia:postgres": {
          kind: "unmanaged",
          vmSize: "shared-cpu-1x",
          volumeSizeGb: 10,
          clusterSize: 1,
          majorVersion: 15,
          database,
        },
        "gaia:redis": { eviction: true, replicaRegions: [] },
        // The test server has no pgvector.
        "gaia:migrations": { modules },
      },
      {
        // The fake proxy reaches the test server: the stack's password is that server's.
        "gaia:postgresPassword": decodeURIComponent(target.password),
        "gaia:supabaseAnonKey": "anon-key-value",
        "gaia:supabaseJwtSecret": "jwt-secret-value",
      },
    );
    this.made.push({ fake, pulumi, database });
    const env = (extra: Record<string, string> = {}) =>
      pulumi.env(
        fake.env({
          GAIA_FLY_RETRY_BASE_MS: "10",
          GAIA_SNAPSHOT_POLL_MS: "20",
          GAIA_RESTORE_POLL_MS: "50",
          PULUMI_CONFIG_PASSPHRASE: "passphrase-not-read-by-the-stand-in",
          ...extra,
        }),
      );
    const up = () =>
      run("pulumi", ["up", "--yes", "--non-interactive", "-s", stack], {
        env: env(),
        cwd: pulumi.projectDir,
      });
    const gaiaDb = (
      args: string[],
      opts: {
        extra?: Record<string, string>;
        onStderr?: (t: string, pid: number) => void;
        onSpawn?: (pid: number) => void;
      } = {},
    ) =>
      run(
        process.execPath,
        [resolve(ROOT, "bin/gaia-db.js"), ...args, "--project-dir", pulumi.projectDir],
        {
          env: env(opts.extra),
          cwd: ROOT,
          ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
          ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
        },
      );
    const dbUrl = (name: string) => {
      const u = new URL(adminUrl());
      u.pathname = `/${name}`;
      return u.toString();
    };
    return { fake, pulumi, database, env, up, gaiaDb, dbUrl };
  }
}
