/**
 * A command's own deadline, inside its customTimeout. At the customTimeout the command provider
 * SIGKILLs the process it started and nothing else (pulumi-command local/commandOutputs.go: no
 * process group), so whatever this process started would live on. The program declares the
 * timeout once, as the customTimeout and as GAIA_TIMEOUT_SECONDS in the command's environment;
 * the command stops itself, and everything it started, a margin before.
 */
import { endAllGroupsNow, liveGroups } from "./groups";

export const TIMEOUT_VARIABLE = "GAIA_TIMEOUT_SECONDS";

/**
 * Time from this process's start to its deadline: the timeout less a margin for what happens
 * before this process counts (the shell, node's start: seconds on a busy machine) and for ending
 * it all: 10 % of the timeout, at least 10 s and at most 60 s.
 */
export function deadlineMs(timeoutSeconds: number): number {
  const margin = Math.min(60, Math.max(10, timeoutSeconds / 10));
  return Math.max(0, Math.round((timeoutSeconds - margin) * 1000));
}

/**
 * The customTimeouts GAIA_TIMEOUT_SECONDS may carry. At least 11 s: the margin is at least 10 s,
 * so anything less leaves no time before the deadline. At most a day: the program declares an
 * hour at most, and past 2147483 s node's timer would fire at once instead of never.
 */
export const TIMEOUT_SECONDS_MIN = 11;
export const TIMEOUT_SECONDS_MAX = 24 * 60 * 60;

/** GAIA_TIMEOUT_SECONDS: unset means no deadline; anything but a whole number in range is an error. */
export function readTimeoutSeconds(env: NodeJS.ProcessEnv): number | undefined {
  const v = env[TIMEOUT_VARIABLE];
  if (v === undefined || v === "") return undefined;
  const n = /^[1-9]\d{0,5}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= TIMEOUT_SECONDS_MIN && n <= TIMEOUT_SECONDS_MAX))
    throw new Error(
      `${TIMEOUT_VARIABLE} must be a whole number of seconds from ${TIMEOUT_SECONDS_MIN} to ${TIMEOUT_SECONDS_MAX} (the command's customTimeout; the process stops itself 10 to 60 s before it), got "${v}": set it to the customTimeout of the resource that runs the command`,
    );
  return n;
}

/**
 * Arms the deadline of this process: when it passes, `report(message)` writes the failure, every
 * process group it started gets SIGKILL (what the provider would send, now to all of them) and the
 * process exits with 1 before anything else can run or print. Returns a disarm function.
 */
export function armDeadline(
  env: NodeJS.ProcessEnv,
  what: string,
  report: (message: string) => void,
): () => void {
  const timeout = readTimeoutSeconds(env);
  if (timeout === undefined) return () => {};
  const ms = deadlineMs(timeout);
  const timer = setTimeout(() => {
    report(
      `${what} stopped at its deadline, ${Math.round(ms / 1000)} s after it started (customTimeout ${timeout} s, at which the command provider would kill it and leave what it started running); ${liveGroups()} process group(s) it started were ended. Nothing after the interrupted step ran: run \`pulumi up\` again, it continues from what exists.`,
    );
    endAllGroupsNow();
    process.exit(1);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
