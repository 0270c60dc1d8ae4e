/**
 * How the Fly commands call flyctl: one place for the token check, retries with backoff and
 * progress logging. Runs inside a `local.Command` (see src/fly/scripts/command.ts).
 *
 * Retries: 429, 5xx and timeouts (exit 126) are retried with exponential backoff. A mutation is
 * not blindly repeated: after a transient failure its `verify` read runs first, because a timed-out
 * `volumes create` may well have created the volume (names are not unique, a blind retry would
 * make a duplicate).
 */
import { childEnvironment } from "../../process/environment";
import { signalChildGroup, spawnGroup } from "../../process/groups";
import type { Argv } from "../flags";
import { classifyFailure, type FailureClass } from "../parsers";

export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}

export interface FlyResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Interrupted by us once `stopWhen` saw what it waited for (see `exec`). */
  stopped?: boolean;
}

export interface FlyctlOptions {
  env?: NodeJS.ProcessEnv;
  /** flyctl executable: $GAIA_FLYCTL from the pulumi process, else `fly`. */
  binary?: string;
  attempts?: number;
  baseDelayMs?: number;
  log?: (line: string) => void;
}

/**
 * The token may only come from the pulumi process's environment (never config or state): fail
 * before any flyctl call when neither variable flyctl reads is set.
 */
export function requireToken(env: NodeJS.ProcessEnv): void {
  if (!env.FLY_API_TOKEN && !env.FLY_ACCESS_TOKEN) {
    throw new CommandError(
      "neither FLY_API_TOKEN nor FLY_ACCESS_TOKEN is set in the environment of `pulumi`. Fly commands read the token only from there (never from config or state). Create an org token with `fly tokens create org -o <org>` and export FLY_API_TOKEN before `pulumi up`.",
    );
  }
}

/** Argv as logged: the value after --password is the one secret flyctl takes only in argv. */
export function redactArgv(argv: Argv): string {
  return argv
    .map((a, i) => (argv[i - 1] === "--password" || argv[i - 1] === "-p" ? "[redacted]" : a))
    .join(" ");
}

export class Flyctl {
  readonly env: NodeJS.ProcessEnv;
  readonly binary: string;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly log: (line: string) => void;

  constructor(o: FlyctlOptions = {}) {
    this.env = o.env ?? process.env;
    requireToken(this.env);
    this.binary = o.binary ?? this.env.GAIA_FLYCTL ?? "fly";
    this.attempts = o.attempts ?? wholeNumber(this.env.GAIA_FLY_RETRY_ATTEMPTS) ?? 5;
    this.baseDelayMs = o.baseDelayMs ?? wholeNumber(this.env.GAIA_FLY_RETRY_BASE_MS) ?? 2000;
    this.log = o.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * One flyctl process, no retry. Never throws for a non-zero exit. It gets flyctl's explicit
   * environment and a process group of its own (ended with this process: src/process/groups.ts).
   * `stopWhen`: interrupt it (SIGINT, flyctl's Ctrl+C) as soon as its stdout so far satisfies
   * this, for commands that go on waiting in a way we bound ourselves.
   */
  exec(argv: Argv, stdin?: string, stopWhen?: (stdout: string) => boolean): Promise<FlyResult> {
    return new Promise((resolve, reject) => {
      const child = spawnGroup(this.binary, argv, {
        env: childEnvironment("flyctl", this.env),
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let stopped = false;
      let forceKill: NodeJS.Timeout | undefined;
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (!stopped && stopWhen?.(stdout)) {
          stopped = true;
          signalChildGroup(child, "SIGINT");
          forceKill = setTimeout(() => signalChildGroup(child, "SIGKILL"), 10_000);
        }
      });
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", (e) =>
        reject(
          new CommandError(`could not run ${this.binary}: ${e.message}. Is flyctl installed?`),
        ),
      );
      child.on("close", (code) => {
        clearTimeout(forceKill);
        resolve(stopped ? { code, stdout, stderr, stopped } : { code, stdout, stderr });
      });
      child.stdin!.on("error", () => {});
      child.stdin!.end(stdin ?? "");
    });
  }

  /**
   * A read, retried on transient failures. Returns null when the thing does not exist
   * ("not found" is an answer, not an error). A `maybe-not-found` failure is an answer only when
   * `absent` (a read that lists what exists) confirms it; otherwise it is retried like a transient
   * failure and finally reported, never taken for "gone".
   */
  async read(argv: Argv, o: { absent?: () => Promise<boolean> } = {}): Promise<string | null> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.exec(argv);
      if (r.code === 0) return r.stdout;
      const kind = classifyFailure(r.code, r.stderr);
      if (kind === "not-found") return null;
      if (kind === "maybe-not-found" && o.absent && (await o.absent())) return null;
      await this.backoffOrThrow(argv, r, kind, attempt, o.absent !== undefined);
    }
  }

  /**
   * A mutation. On a transient failure `verify` (a read) decides whether it took effect anyway;
   * if not, it is retried after a backoff. `notFoundIsSuccess` is for deletes: with `absent` (a
   * read that lists what exists), any failure is "already gone" exactly when `absent` says so, and
   * a not-found text it contradicts is retried; without it, a definite not-found text is enough.
   * A run ended by `stopWhen` (see `exec`) is a success: the caller takes over from there.
   */
  async mutate(
    argv: Argv,
    o: {
      stdin?: string;
      verify?: () => Promise<boolean>;
      notFoundIsSuccess?: boolean;
      absent?: () => Promise<boolean>;
      stopWhen?: (stdout: string) => boolean;
    } = {},
  ): Promise<FlyResult> {
    for (let attempt = 1; ; attempt++) {
      this.log(`fly ${redactArgv(argv)}`);
      const r = await this.exec(argv, o.stdin, o.stopWhen);
      if (r.code === 0 || r.stopped) return r;
      let kind = classifyFailure(r.code, r.stderr);
      if (o.notFoundIsSuccess && o.absent) {
        if (await o.absent()) {
          this.log("  (already gone: no longer listed)");
          return r;
        }
        if (kind === "not-found") kind = "maybe-not-found";
      } else if (kind === "not-found" && o.notFoundIsSuccess) {
        this.log("  (already gone)");
        return r;
      }
      if (kind === "retryable" && o.verify && (await o.verify())) {
        this.log("  (failed transiently, but the change is in place)");
        return r;
      }
      await this.backoffOrThrow(argv, r, kind, attempt, o.absent !== undefined);
    }
  }

  /** `listed`: a `maybe-not-found` failure was checked against a list that still shows it. */
  private async backoffOrThrow(
    argv: Argv,
    r: FlyResult,
    kind: FailureClass,
    attempt: number,
    listed = false,
  ) {
    const what = `fly ${redactArgv(argv)}`;
    const detail = r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`;
    if (kind !== "retryable" && kind !== "maybe-not-found")
      throw new CommandError(`${what} failed (exit ${r.code}): ${detail}`);
    if (attempt >= this.attempts)
      throw new CommandError(
        kind === "maybe-not-found"
          ? `${what} failed ${attempt} times; last (exit ${r.code}): ${detail}. That reads as "not found", but ${listed ? "the org still lists it" : "flyctl prints it for any failed lookup (a 429, 5xx or timeout too)"}, so it is not taken for gone: it may still exist and bill. Retry later.`
          : `${what} failed ${attempt} times with transient errors; last (exit ${r.code}): ${detail}`,
      );
    const wait = this.baseDelayMs * 2 ** (attempt - 1);
    this.log(`  transient failure (${firstLine(detail)}); retry ${attempt} in ${wait} ms`);
    await new Promise((res) => setTimeout(res, wait));
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? "";
}

/** A setting from the environment that may be 0 (no delay between retries). */
function wholeNumber(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}
