/**
 * How the command provider runs one command: pulumi-command v1.2.1
 * provider/pkg/provider/local/commandOutputs.go `run`, under pulumi-go-provider v1.3.0's
 * middleware/cancel (the customTimeout). Every rule below names the line it comes from.
 */
import { spawn } from "node:child_process";

export interface RunInputs {
  interpreter?: string[];
  dir?: string;
  environment?: Record<string, string>;
  stdin?: string;
  logging?: string;
  addPreviousOutputInEnv?: boolean;
}

export interface RunResult {
  ok: boolean;
  /** commandOutputs.go:142-143: one trailing newline trimmed. Empty on failure. */
  stdout: string;
  stderr: string;
  /** commandOutputs.go:113, the provider's error text; "" on success. */
  error: string;
  /** Lines the provider streams to the engine's log (logging.go, util.go LogOutput). */
  logged: string[];
  /** The pid of the interpreter the provider started (`/bin/sh`). */
  pid?: number;
  /** The customTimeout fired and the interpreter was killed. */
  timedOut: boolean;
}

/**
 * bufio.Scanner's default limit (bufio.MaxScanTokenSize = 64 KiB, newline included): util.go
 * LogOutput stops at a longer line, after which nothing reads the logging io.Pipe, the provider's
 * copy of stdout blocks and the command never completes.
 */
export const MAX_LOGGED_LINE = 64 * 1024 - 1;

const UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Go's time.ParseDuration, in seconds (source_eval.go generateTimeoutInSeconds). */
export function parseDuration(s: string): number {
  if (s === "0") return 0;
  const m = /^([-+]?)((?:\d*(?:\.\d*)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(s);
  if (!m) throw new Error(`unable to parse customTimeout Value ${s}`);
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d*(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)) {
    if (part[1] === "" || part[1] === ".")
      throw new Error(`unable to parse customTimeout Value ${s}`);
    total += Number(part[1]) * UNITS[part[2]!]!;
  }
  return m[1] === "-" ? -total : total;
}

/**
 * middleware/cancel/cancel.go:46-50: `time.Second*time.Duration(timeout)` truncates the engine's
 * float seconds, and 0 means no timeout (so "500ms" never fires).
 */
export function effectiveTimeoutSeconds(customTimeout: string | undefined): number {
  if (customTimeout === undefined || customTimeout === "") return 0;
  return Math.trunc(parseDuration(customTimeout));
}

/** Go's %q (strconv.Quote) for the command in the error text. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGABRT: "aborted",
  SIGSEGV: "segmentation fault",
  SIGPIPE: "broken pipe",
  SIGQUIT: "quit",
};

/** os/exec ExitError text (ProcessState.String): "exit status N" or "signal: killed". */
function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${SIGNAL_TEXT[signal] ?? signal}`;
  return `exit status ${code}`;
}

/**
 * Runs `command` as commandOutputs.go `run` does:
 * - `/bin/sh -c <command>` unless `interpreter` (:41-51);
 * - in `dir`, else the provider's working directory, the project directory (:73-80);
 * - environment: the provider's (the `pulumi` process's) plus `environment`, plus
 *   PULUMI_COMMAND_STDOUT/STDERR only when non-empty and `addPreviousOutputInEnv` is not false
 *   (:81-95); on duplicate keys os/exec keeps the last;
 * - stdin only when non-empty, else the null device (:97-99);
 * - the customTimeout cancels the context and exec.CommandContext kills the interpreter process
 *   alone with SIGKILL: no process group, no WaitDelay in either repository, so Wait (and the
 *   operation) returns only once every process holding the stdout/stderr pipes has closed them
 *   (os/exec Cmd.Wait: "If any of c.Stdin, c.Stdout or c.Stderr are not an *os.File, Wait also
 *   waits for the respective I/O loop copying ... to complete");
 * - on failure the error is `<exit>: running "<command>":\n<stdout and stderr as they arrived>`
 *   (:113) whatever `logging` says, and no output is kept (:142-143 are not reached).
 */
export function runCommand(
  command: string,
  inputs: RunInputs,
  processEnv: Record<string, string>,
  previous: { stdout: string; stderr: string } | undefined,
  options: { cwd: string; timeoutSeconds: number },
): Promise<RunResult> {
  const interpreter =
    inputs.interpreter && inputs.interpreter.length > 0 ? inputs.interpreter : ["/bin/sh", "-c"];
  const env: Record<string, string> = { ...processEnv, ...(inputs.environment ?? {}) };
  if (previous && inputs.addPreviousOutputInEnv !== false) {
    if (previous.stdout !== "") env.PULUMI_COMMAND_STDOUT = previous.stdout;
    if (previous.stderr !== "") env.PULUMI_COMMAND_STDERR = previous.stderr;
  }
  const logging = inputs.logging;
  // logging.go ShouldLogStdout / ShouldLogStderr: unset logs both.
  const logStdout = logging === undefined || logging === "stdout" || logging === "stdoutAndStderr";
  const logStderr = logging === undefined || logging === "stderr" || logging === "stdoutAndStderr";
  const hasStdin = typeof inputs.stdin === "string" && inputs.stdin.length > 0;
  return new Promise((resolve, reject) => {
    const [bin, ...rest] = interpreter;
    const child = spawn(bin!, [...rest, command], {
      cwd: inputs.dir ?? options.cwd,
      env,
      stdio: [hasStdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let combined = "";
    let logStream = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      combined += d.toString();
      if (logStdout) logStream += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      combined += d.toString();
      if (logStderr) logStream += d.toString();
    });
    if (hasStdin) {
      child.stdin!.on("error", () => {});
      child.stdin!.end(inputs.stdin);
    }
    const timer =
      options.timeoutSeconds > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutSeconds * 1000)
        : undefined;
    let done = false;
    const finish = (ok: boolean, errorText: string) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      const logged = logStream === "" ? [] : logStream.replace(/\n$/, "").split("\n");
      const tooLong = logged.find((l) => Buffer.byteLength(l) > MAX_LOGGED_LINE);
      if (tooLong !== undefined) {
        reject(
          new Error(
            `the command provider would hang: ${goQuote(command)} streamed a ${Buffer.byteLength(tooLong)}-byte line with logging on, longer than bufio.Scanner's limit (pulumi-command util.go LogOutput)`,
          ),
        );
        return;
      }
      resolve({
        ok,
        stdout: ok ? stdout.replace(/\n$/, "") : "",
        stderr: ok ? stderr.replace(/\n$/, "") : "",
        error: ok ? "" : `${errorText}: running ${goQuote(command)}:\n${combined}`,
        logged,
        pid: child.pid,
        timedOut,
      });
    };
    child.on("error", (e) => finish(false, e.message));
    // "close": the interpreter exited and every holder of its stdout/stderr pipes closed them.
    child.on("close", (code, signal) => finish(code === 0, exitText(code, signal)));
  });
}
