/**
 * Every process a gaia command starts (flyctl, `fly proxy`) runs in a process group of its own, so
 * the command can end it together with whatever it started in turn (flyctl's helpers). The
 * command provider kills only the process it started (SIGKILL, at the customTimeout or on a
 * cancel), so this process ends its groups itself: when it exits, when it is interrupted, and at
 * its own deadline (deadline.ts).
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

const live = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

const onExit = () => endAllGroupsNow();
const onSignal = (signal: NodeJS.Signals) => {
  endAllGroupsNow();
  uninstall();
  process.kill(process.pid, signal);
};
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener("exit", onExit);
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
}

/** `spawn`, in a new process group that this process ends when it exits or is interrupted. */
export function spawnGroup(
  binary: string,
  argv: readonly string[],
  options: Omit<SpawnOptions, "detached">,
): ChildProcess {
  const child = spawn(binary, argv, { ...options, detached: true });
  if (child.pid === undefined) return child;
  live.add(child);
  install();
  const forget = () => {
    live.delete(child);
    if (live.size === 0) uninstall();
  };
  child.on("exit", forget);
  child.on("error", forget);
  return child;
}

/** Sends `signal` to one group started by spawnGroup. */
export function signalChildGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  signalGroup(child, signal);
}

/** SIGKILL to every group still running (synchronous: usable in an `exit` handler). */
export function endAllGroupsNow(): void {
  for (const child of live) signalGroup(child, "SIGKILL");
}

/** How many groups started here are still running. */
export function liveGroups(): number {
  return live.size;
}
