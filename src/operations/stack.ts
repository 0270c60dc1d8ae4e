import { spawn } from "node:child_process";
import { maskSecrets } from "../migrations/postgresUrl";
import { runtimeError } from "../shared/errors";
import { PROJECT_ROOT } from "../shared/vocabulary";

export interface StackOutputOptions {
  /** The environment of the child process (PATH, PULUMI_ACCESS_TOKEN, …). */
  env: NodeJS.ProcessEnv;
  pulumiBinary?: string;
  cwd?: string;
  timeoutMs?: number;
  /** What the operator can do instead, appended to "not found" messages. */
  alternative?: string;
}

interface Completed {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (never a shell) and collects its output. */
export function runProgram(
  binary: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; stdin?: string },
): Promise<Completed> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          runtimeError(
            `${binary} ${args.slice(0, 2).join(" ")} timed out after ${opts.timeoutMs} ms`,
          ),
        );
      } else {
        resolvePromise({ code, stdout, stderr });
      }
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.stdin ?? "");
  });
}

/** The last non-empty line of a tool's stderr, masked: its own summary of what went wrong. */
export function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return maskSecrets(lines.at(-1) ?? "no error output");
}

/** Where the local stack's state lives unless GAIA_LOCAL_BACKEND_URL says otherwise (local:up's). */
export const LOCAL_BACKEND_URL = "file://./.pulumi-state";

/**
 * The environment of the `pulumi` process that reads `stack`. Each stack has its own passphrase
 * (its own encryptionsalt), and the local stack its own backend, so one shell cannot serve
 * `view all` with PULUMI_CONFIG_PASSPHRASE and PULUMI_BACKEND_URL alone:
 * - GAIA_<STACK>_PASSPHRASE_FILE (e.g. GAIA_PRODUCTION_PASSPHRASE_FILE), when set, is that stack's
 *   PULUMI_CONFIG_PASSPHRASE_FILE; PULUMI_CONFIG_PASSPHRASE is dropped, since pulumi prefers it to
 *   the file;
 * - the local stack reads local:up's file backend (GAIA_LOCAL_BACKEND_URL overrides it) with the
 *   empty passphrase local:up uses, unless GAIA_LOCAL_PASSPHRASE_FILE names one;
 * - a Fly stack without its own file keeps PULUMI_BACKEND_URL and the passphrase variables given.
 */
export function pulumiEnvironmentFor(stack: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const file = env[`GAIA_${stack.toUpperCase()}_PASSPHRASE_FILE`];
  if (stack === "local") out.PULUMI_BACKEND_URL = env.GAIA_LOCAL_BACKEND_URL || LOCAL_BACKEND_URL;
  if (file) {
    delete out.PULUMI_CONFIG_PASSPHRASE;
    out.PULUMI_CONFIG_PASSPHRASE_FILE = file;
  } else if (stack === "local") {
    delete out.PULUMI_CONFIG_PASSPHRASE_FILE;
    out.PULUMI_CONFIG_PASSPHRASE = "";
  }
  return out;
}

/**
 * The outputs of stack `stack`, secrets shown (`pulumi stack output --show-secrets --json -s …`).
 * The result holds secrets: callers must never print it.
 */
export async function readStackOutputs(
  stack: string,
  opts: StackOutputOptions,
): Promise<Record<string, unknown>> {
  const binary = opts.pulumiBinary ?? "pulumi";
  const alternative = opts.alternative ?? "or set DATABASE_URL for the command";
  const args = ["stack", "output", "--show-secrets", "--json", "-s", stack];
  let done: Completed;
  try {
    done = await runProgram(binary, args, {
      env: pulumiEnvironmentFor(stack, opts.env),
      cwd: opts.cwd ?? PROJECT_ROOT,
      timeoutMs: opts.timeoutMs,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw runtimeError(
        `pulumi CLI not found ("${binary}" is not on PATH): install it (https://www.pulumi.com/docs/install/) ${alternative}`,
      );
    }
    throw error;
  }
  if (done.code !== 0) {
    throw runtimeError(
      `pulumi stack output -s ${stack} failed (exit ${done.code}): ${lastLine(done.stderr)}: check \`pulumi whoami\` and \`pulumi stack ls\`, ${alternative}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(done.stdout);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw runtimeError(
      `pulumi stack output -s ${stack} did not print a JSON object: upgrade the Pulumi CLI, ${alternative}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** A string output, or null when the stack does not export it (or exports an empty value). */
export function stringOutput(outputs: Record<string, unknown>, name: string): string | null {
  const value = outputs[name];
  return typeof value === "string" && value !== "" ? value : null;
}
