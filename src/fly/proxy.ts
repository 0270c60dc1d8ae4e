/**
 * `withFlyProxy`: run a callback while `fly proxy 0:5432 -a <app> --watch-stdin` forwards a local
 * port to the app's Postgres over Fly's private network.
 *
 * - Local port 0: flyctl picks a free port and prints `Proxying localhost:<port> …`, which is the
 *   readiness signal (no race on a port chosen by us).
 * - The proxy runs in its own process group (src/process/groups.ts) and the whole group is killed
 *   when the callback settles, on failure too, and when this process exits or is interrupted:
 *   flyctl may start helpers (the agent, WireGuard), and `--watch-stdin` makes it exit when we
 *   close its stdin should we die first (`fly mpg proxy` has no --watch-stdin).
 * - It gets flyctl's explicit environment (src/process/environment.ts): never DATABASE_URL or the
 *   state backend's keys.
 */
import { childEnvironment } from "../process/environment";
import { signalChildGroup, spawnGroup } from "../process/groups";
import { mpgProxyArgs, proxyArgs } from "./flags";
import { parseProxyReady } from "./parsers";

export interface FlyProxyOptions {
  /** Unmanaged Postgres app (`fly proxy`); ignored when `managedCluster` is given. */
  app: string;
  /** Managed Postgres cluster id: proxy with `fly mpg proxy <id>` instead. */
  managedCluster?: string;
  /** flyctl executable; `fly` on PATH by default. */
  flyBinary?: string;
  /** Environment the proxy's is taken from (FLY_API_TOKEN comes from here); defaults to ours. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the `Proxying localhost:<port>` line. */
  timeoutMs?: number;
  /** Remote port on the app (5432: the Postgres proxy port, 5433 is Postgres itself). */
  remotePort?: number;
}

export class FlyProxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlyProxyError";
  }
}

export async function withFlyProxy<T>(
  options: FlyProxyOptions,
  fn: (localPort: number) => Promise<T>,
): Promise<T> {
  const { app, flyBinary = "fly", env = process.env, timeoutMs = 30_000 } = options;
  const argv = options.managedCluster
    ? mpgProxyArgs(options.managedCluster)
    : proxyArgs(app, options.remotePort ?? 5432);
  const child = spawnGroup(flyBinary, argv, {
    env: childEnvironment("flyctl", env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exited = true;
      resolve();
    });
    child.on("error", () => {
      exited = true;
      resolve();
    });
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });

  const killGroup = async () => {
    child.stdin!.end();
    if (!exited) {
      signalChildGroup(child, "SIGTERM");
      const killed = await Promise.race([exit.then(() => true), delay(5_000).then(() => false)]);
      if (!killed) {
        signalChildGroup(child, "SIGKILL");
        await exit;
      }
    }
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => {
        reject(
          new FlyProxyError(
            `fly proxy for app ${app} did not report "Proxying localhost:<port>" within ${Math.round(timeoutMs / 1000)} s${stderr ? `; its stderr:\n${stderr.trim()}` : ""}`,
          ),
        );
      }, timeoutMs);
      child.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        for (const line of stdout.split("\n")) {
          const p = parseProxyReady(line);
          if (p !== null) {
            clearTimeout(timer);
            resolve(p);
            return;
          }
        }
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(
          new FlyProxyError(`could not start ${flyBinary} proxy for app ${app}: ${e.message}`),
        );
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(
          new FlyProxyError(
            `fly proxy for app ${app} exited (${signal ?? `code ${code}`}) before it was ready${stderr ? `; its stderr:\n${stderr.trim()}` : ""}`,
          ),
        );
      });
    });
    return await fn(port);
  } finally {
    await killGroup();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
