/**
 * Runs a Pulumi program under mocks in which every `command:local:Command` is executed the way
 * the command provider (pulumi-command 1.x, provider/pkg/provider/local) executes it:
 * - interpreter (default `/bin/sh -c`) + the command string, in the engine's working directory
 *   (`dir` when given), with the "pulumi process" environment plus `environment`, and `stdin`;
 * - create on first sight; update when any input changed (the `update` string, else `create`),
 *   with the previous stdout/stderr in PULUMI_COMMAND_STDOUT/STDERR (`addPreviousOutputInEnv`);
 *   nothing when the inputs are unchanged; a `triggers` change is a replacement: the new
 *   resource's create, then the old one's delete;
 * - resources no longer in the program are deleted from their saved state (delete string,
 *   environment and stdout as last saved), newest first;
 * - stdout/stderr with the trailing newline trimmed; a non-zero exit fails the resource with
 *   `running "<command>"` plus the output, like the provider;
 * - a preview runs nothing: outputs stay unknown.
 * Options (retainOnDelete, protect) are invisible to mocks, so destroy here runs every delete.
 */
import { spawn } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface SavedCommand {
  name: string;
  type: string;
  inputs: Record<string, unknown>;
  /** Top-level input keys that arrived as secrets. */
  secretInputs: string[];
  stdout: string;
  stderr: string;
  order: number;
}

export type Operation = "create" | "update" | "replace" | "delete" | "none";

export interface OperationRecord {
  name: string;
  op: Operation;
  ok: boolean;
  output?: string;
}

export interface RunResult {
  ops: OperationRecord[];
  /** The first failure, as the provider would report it. */
  error?: Error;
  /** Resolved outputs the program returned (undefined in previews and on failure). */
  outputs?: Record<string, unknown>;
}

function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
  );
}

export function unwrapSecrets(v: unknown): unknown {
  if (isSecretEnvelope(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (typeof v === "object" && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "undefined";
}

export class CommandEngine {
  /** The "Pulumi state": one entry per command, keyed by resource name. */
  readonly saved = new Map<string, SavedCommand>();
  private order = 0;

  constructor(
    private readonly options: {
      cwd: string;
      /** Environment of the `pulumi` process the provider inherits. */
      env: () => Record<string, string>;
      /** Provider outputs of resources that are not commands (e.g. tls keys), as mocks give. */
      stateFor?: (type: string, name: string, inputs: Record<string, unknown>) => object;
    },
  ) {}

  /** One `pulumi up` (or `preview`) of `program` on `stack`. */
  async run(
    stack: string,
    program: () =>
      | Record<string, pulumi.Input<unknown>>
      | undefined
      | Promise<Record<string, pulumi.Input<unknown>> | undefined>,
    mode: { preview?: boolean } = {},
  ): Promise<RunResult> {
    const preview = mode.preview ?? false;
    const ops: OperationRecord[] = [];
    const seen = new Set<string>();
    let inflight = 0;
    let registrations = 0;
    let error: Error | undefined;

    await pulumi.runtime.setMocks(
      {
        newResource: async (args) => {
          registrations++;
          if (args.type !== "command:local:Command")
            return {
              id: `${args.name}-id`,
              state: {
                ...args.inputs,
                ...this.options.stateFor?.(args.type, args.name, args.inputs),
              },
            };
          inflight++;
          try {
            seen.add(args.name);
            const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
            const secretInputs = Object.keys(args.inputs).filter((k) =>
              isSecretEnvelope(args.inputs[k]),
            );
            if (preview) {
              ops.push({ name: args.name, op: "none", ok: true });
              return { id: `${args.name}-id`, state: {} };
            }
            const result = await this.apply(args.name, args.type, inputs, secretInputs, ops);
            return {
              id: `${args.name}-id`,
              state: { ...args.inputs, stdout: result.stdout, stderr: result.stderr },
            };
          } catch (e) {
            error ??= e as Error;
            // Pulumi stops at a failed resource: its dependents never register. A registration
            // that never completes models that without the unhandled rejections a thrown error
            // would cause in the SDK's component bookkeeping.
            return new Promise<never>(() => {});
          } finally {
            inflight--;
          }
        },
        call: (args) => {
          throw new Error(`unexpected invoke ${args.token}: no local.run / runOutput in Fly code`);
        },
      },
      "gaia",
      stack,
      preview,
    );

    // A program may be a module import (index.ts itself): its top level has run once it resolves.
    const returned = (await program()) ?? {};
    let outputs: Record<string, unknown> | undefined;
    if (!preview) {
      try {
        outputs = await new Promise<Record<string, unknown>>((resolve, reject) => {
          pulumi.output(returned).apply((v) => resolve(v as Record<string, unknown>));
          // A failed resource leaves its dependents' outputs pending forever: stop on quiescence.
          void this.quiescent(
            () => inflight,
            () => registrations,
          ).then(() => {
            if (error) reject(error);
          });
        });
      } catch {
        outputs = undefined;
      }
    }
    await this.quiescent(
      () => inflight,
      () => registrations,
    );

    // Deletes of what left the program, newest first; not after a failure (Pulumi stops).
    if (!preview && !error) {
      const gone = [...this.saved.values()]
        .filter((s) => !seen.has(s.name))
        .sort((a, b) => b.order - a.order);
      for (const s of gone) {
        const r = await this.runDelete(s);
        ops.push({ name: s.name, op: "delete", ok: r.ok, output: r.output });
        if (!r.ok) {
          error = new Error(r.output);
          break;
        }
        this.saved.delete(s.name);
      }
    }
    return { ops, error, outputs: error ? undefined : outputs };
  }

  /** `pulumi destroy`: every saved command's delete, newest first. */
  async destroy(): Promise<RunResult> {
    return this.run("destroy", () => undefined);
  }

  private async quiescent(inflight: () => number, registrations: () => number): Promise<void> {
    let last = -1;
    let quietRounds = 0;
    while (quietRounds < 3) {
      await new Promise((r) => setTimeout(r, 50));
      const n = registrations();
      if (inflight() === 0 && n === last) quietRounds++;
      else quietRounds = 0;
      last = n;
    }
  }

  private async apply(
    name: string,
    type: string,
    inputs: Record<string, unknown>,
    secretInputs: string[],
    ops: OperationRecord[],
  ): Promise<{ stdout: string; stderr: string }> {
    const prev = this.saved.get(name);
    const comparable = (i: Record<string, unknown>) =>
      stable({ ...i, stdout: undefined, stderr: undefined });
    if (prev && comparable(prev.inputs) === comparable(inputs)) {
      ops.push({ name, op: "none", ok: true });
      return prev;
    }
    const replace =
      prev !== undefined && stable(prev.inputs.triggers ?? []) !== stable(inputs.triggers ?? []);
    const op: Operation = !prev ? "create" : replace ? "replace" : "update";
    const command = String(
      (op === "update" ? (inputs.update ?? inputs.create) : inputs.create) ?? "",
    );
    const previousEnv: Record<string, string> =
      op === "update" && prev && inputs.addPreviousOutputInEnv !== false
        ? { PULUMI_COMMAND_STDOUT: prev.stdout, PULUMI_COMMAND_STDERR: prev.stderr }
        : {};
    const r =
      command === ""
        ? { ok: true, stdout: "", stderr: "", output: "" }
        : await this.exec(command, inputs, previousEnv);
    ops.push({ name, op, ok: r.ok, output: r.output });
    if (!r.ok) throw new Error(r.output);
    if (replace && prev) {
      const d = await this.runDelete(prev);
      ops.push({ name, op: "delete", ok: d.ok, output: d.output });
      if (!d.ok) throw new Error(d.output);
    }
    const saved: SavedCommand = {
      name,
      type,
      inputs,
      secretInputs,
      stdout: r.stdout,
      stderr: r.stderr,
      order: this.order++,
    };
    this.saved.set(name, saved);
    return saved;
  }

  private async runDelete(s: SavedCommand): Promise<{ ok: boolean; output: string }> {
    const command = s.inputs.delete;
    if (typeof command !== "string" || command === "") return { ok: true, output: "" };
    const env: Record<string, string> =
      s.inputs.addPreviousOutputInEnv !== false
        ? { PULUMI_COMMAND_STDOUT: s.stdout, PULUMI_COMMAND_STDERR: s.stderr }
        : {};
    return this.exec(command, s.inputs, env);
  }

  private exec(
    command: string,
    inputs: Record<string, unknown>,
    extraEnv: Record<string, string>,
  ): Promise<{ ok: boolean; stdout: string; stderr: string; output: string }> {
    const interpreter = (inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"];
    const env = {
      ...this.options.env(),
      ...((inputs.environment as Record<string, string> | undefined) ?? {}),
      ...extraEnv,
    };
    const cwd = typeof inputs.dir === "string" ? inputs.dir : this.options.cwd;
    return new Promise((resolve) => {
      const [bin, ...rest] = interpreter;
      const child = spawn(bin!, [...rest, command], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.stdin.on("error", () => {});
      child.stdin.end(typeof inputs.stdin === "string" ? inputs.stdin : "");
      child.on("close", (code) => {
        const out = stdout.replace(/\n$/, "");
        const err = stderr.replace(/\n$/, "");
        resolve({
          ok: code === 0,
          stdout: out,
          stderr: err,
          output:
            code === 0
              ? ""
              : `running "${command}":\nexit status ${code}\nstdout: ${out}\nstderr: ${err}`,
        });
      });
    });
  }
}
