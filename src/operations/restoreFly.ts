/**
 * flyctl for `gaia-db restore` and `restore-drill`: each call in a process group of its own (ended
 * with this process, or on an interrupt: src/process/groups.ts) with flyctl's explicit
 * environment; reads retried on transient failures; the one secret flyctl takes in argv
 * (`postgres create --password`) never logged. A cleanup destroy runs detached from every group,
 * so the interrupt that asked for it cannot end it too.
 */
import { spawn } from "node:child_process";
import {
  appsDestroyArgs,
  appsListArgs,
  snapshotListArgs,
  statusArgs,
  volumesListArgs,
} from "../fly/flags";
import {
  type AppStatus,
  classifyFailure,
  parseAppStatus,
  parseSnapshots,
  parseVolumes,
  type Snapshot,
  type Volume,
} from "../fly/parsers";
import { PG_VOLUME_NAME } from "../fly/plan";
import { childEnvironment } from "../process/environment";
import { spawnGroup } from "../process/groups";
import { runtimeError } from "../shared/errors";
import { lastLine } from "./stack";

export interface FlyDone {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Argv as logged: the value after --password is never shown. */
export function redacted(argv: readonly string[]): string {
  return argv
    .map((a, i) => (argv[i - 1] === "--password" || argv[i - 1] === "-p" ? "[redacted]" : a))
    .join(" ");
}

export interface RestoreFlyOptions {
  binary?: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Base of the read retries' backoff (GAIA_FLY_RETRY_BASE_MS, default 2 s). */
  retryBaseMs?: number;
}

export class RestoreFly {
  readonly binary: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly log: (line: string) => void;
  private readonly retryBaseMs: number;

  constructor(o: RestoreFlyOptions) {
    if (!o.env.FLY_API_TOKEN && !o.env.FLY_ACCESS_TOKEN)
      throw runtimeError(
        "neither FLY_API_TOKEN nor FLY_ACCESS_TOKEN is set: create an org token with `fly tokens create org -o <org>` and export FLY_API_TOKEN",
      );
    this.binary = o.binary ?? "fly";
    this.env = o.env;
    this.log = o.log;
    const base = o.env.GAIA_FLY_RETRY_BASE_MS;
    this.retryBaseMs = o.retryBaseMs ?? (base && /^\d+$/.test(base) ? Number(base) : 2000);
  }

  /** One flyctl process in its own group; never throws for a non-zero exit. */
  exec(argv: readonly string[]): Promise<FlyDone> {
    return new Promise((resolve, reject) => {
      const child = spawnGroup(this.binary, argv, {
        env: childEnvironment("flyctl", this.env),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", (e) =>
        reject(
          runtimeError(
            `flyctl not found ("${this.binary}": ${e.message}): install it (https://fly.io/docs/flyctl/install/)`,
          ),
        ),
      );
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** A read: retried on transient failures; null when flyctl says it does not exist. */
  async read(argv: readonly string[]): Promise<string | null> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.exec(argv);
      if (r.code === 0) return r.stdout;
      const kind = classifyFailure(r.code, r.stderr);
      if (kind === "not-found") return null;
      if (kind !== "retryable" || attempt >= 5)
        throw runtimeError(`fly ${redacted(argv)} failed (exit ${r.code}): ${lastLine(r.stderr)}`);
      await new Promise((res) => setTimeout(res, this.retryBaseMs * 2 ** (attempt - 1)));
    }
  }

  /** A mutation, once: logged (redacted), its failure an error with flyctl's last line. */
  async mutate(argv: readonly string[]): Promise<FlyDone> {
    this.log(`fly ${redacted(argv)}`);
    const r = await this.exec(argv);
    if (r.code !== 0)
      throw runtimeError(`fly ${redacted(argv)} failed (exit ${r.code}): ${lastLine(r.stderr)}`);
    return r;
  }

  async status(app: string): Promise<AppStatus | null> {
    const out = await this.read(statusArgs(app));
    return out === null ? null : parseAppStatus(out);
  }

  async dataVolumes(app: string): Promise<Volume[]> {
    const out = await this.read(volumesListArgs(app));
    return parseVolumes(out ?? "[]").filter((v) => v.name === PG_VOLUME_NAME);
  }

  async snapshots(app: string, volume: string): Promise<Snapshot[]> {
    const out = await this.read(snapshotListArgs(app, volume));
    return parseSnapshots(out ?? "[]");
  }

  /** The org's app names (`fly apps list --org <org> --json`). */
  async appNames(org: string): Promise<string[]> {
    const out = await this.read(appsListArgs(org));
    const parsed = JSON.parse(out ?? "[]") as { Name?: unknown }[];
    return parsed.map((a) => a.Name).filter((n): n is string => typeof n === "string");
  }

  /**
   * `fly apps destroy <app> --yes`, outside every process group (an interrupt must not end it),
   * gone once `fly status` says so: true when destroyed or already gone.
   */
  async destroy(app: string): Promise<void> {
    const argv = appsDestroyArgs(app);
    for (let attempt = 1; ; attempt++) {
      this.log(`fly ${argv.join(" ")}`);
      const r = await detached(this.binary, argv, childEnvironment("flyctl", this.env));
      const gone = r.code === 0 || (await this.status(app)) === null;
      if (gone) return;
      if (attempt >= 3)
        throw runtimeError(
          `fly apps destroy ${app} failed (exit ${r.code}): ${lastLine(r.stderr)}; it is still there: destroy it by hand with fly apps destroy ${app} --yes`,
        );
      await new Promise((res) => setTimeout(res, this.retryBaseMs * 2 ** (attempt - 1)));
    }
  }
}

function detached(binary: string, argv: string[], env: Record<string, string>): Promise<FlyDone> {
  return new Promise((resolve) => {
    const child = spawn(binary, argv, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (e) => resolve({ code: null, stdout, stderr: e.message }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
