/**
 * Runs a Pulumi program under mocks the way `pulumi up --skip-preview` (what the Automation API
 * and pulumi/actions run), `pulumi preview` and `pulumi destroy` run it with pulumi v3.248 and
 * the command provider pulumi-command v1.2.1 (pulumi-go-provider v1.3.0). Every
 * `command:local:Command` is executed by test/support/engine/provider.ts; other resources get
 * their outputs from `stateFor`. The engine side, from pkg/resource/deploy:
 * - the resource options come from the RegisterResourceRequest (engine/registrations.ts);
 * - the program runs in the project directory (the language host sets it: pkg/engine/project.go);
 * - a change of any input is an update (`update`, else `create`, with the previous
 *   stdout/stderr); only `triggers` (the provider's replaceOnChanges, and the SDK's
 *   `replaceOnChanges: ["triggers[*]"]`) replaces: create the new one now, delete the old one in
 *   the delete phase (step_generator.go: "the delete step is generated later on"); a protected
 *   resource is never replaced;
 * - no new step starts after the first failure (step_executor.go cancelDueToError: no
 *   --continue-on-error); steps already running finish and are recorded; no delete phase follows;
 * - the delete phase deletes what left the program and the old side of replacements in reverse
 *   dependency order (engine/deletes.ts); `protect` fails that delete without deleting anything
 *   it depends on (deleteProtectedError, the one error the executor continues past);
 *   `retainOnDelete` drops it from state without running the delete command;
 * - a preview runs nothing: unchanged resources keep their stored outputs, created and changed
 *   commands have unknown stdout/stderr (infer/resource.go markComputed; commandController.go
 *   returns before running on DryRun);
 * - outputs are secret when listed in `additionalSecretOutputs` or when the input of the same
 *   name is secret (step_executor.go executeStep); a secret stdin does not make stdout secret
 *   (infer/resource.go ensureDefaultSecrets: same-name fields only);
 * - `destroy` previews first (pkg/backend/apply.go PreviewThenPromptThenExecute): a protected
 *   resource fails the preview and nothing is deleted.
 */
import * as pulumi from "@pulumi/pulumi";
import { type DeleteHost, deletePhase } from "./engine/deletePhase";
import { effectiveTimeoutSeconds, runCommand } from "./engine/provider";
import { captureRegistrations, type Registration } from "./engine/registrations";
import {
  COMMAND,
  markSecrets,
  type Operation,
  type OperationRecord,
  type RunResult,
  runInputs,
  type StateEntry,
} from "./engine/state";
import {
  containsSecret,
  containsUnknown,
  isSecretEnvelope,
  redactSecrets,
  stable,
} from "./engine/wire";

export type {
  Operation,
  OperationRecord,
  RunResult,
  SavedCommand,
  StateEntry,
} from "./engine/state";
export { UNKNOWN_VALUE, unwrapSecrets } from "./engine/wire";

/** An output the program returned that is unknown (preview). */
export const UNKNOWN: unique symbol = Symbol("unknown");

type Program = () =>
  | Record<string, pulumi.Input<unknown>>
  | undefined
  | Promise<Record<string, pulumi.Input<unknown>> | undefined>;

interface OutputInternals {
  isKnown: Promise<boolean>;
  promise(withUnknowns?: boolean): Promise<unknown>;
}

const hang = () => new Promise<never>(() => {});

function uniqueHex(prefix: string): string {
  // resource.NewUniqueHex(name, 8, 0) (commandController.go:42).
  return `${prefix}${Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, "0")}`;
}

export class CommandEngine {
  /** Every resource, keyed by URN, in the order first created. */
  readonly state = new Map<string, StateEntry>();
  /** Old sides of replacements awaiting their delete. */
  readonly pendingDeletes: StateEntry[] = [];
  /** Every line streamed to the engine's log, across runs. */
  readonly log: { name: string; line: string }[] = [];

  constructor(
    private readonly options: {
      /** The project directory: the program's and the provider's working directory. */
      cwd: string;
      /** Environment of the `pulumi` process the provider inherits. */
      env: () => Record<string, string>;
      /** Provider outputs of resources that are not commands (e.g. tls keys), as mocks give. */
      stateFor?: (type: string, name: string, inputs: Record<string, unknown>) => object;
    },
  ) {}

  private get host(): DeleteHost {
    return {
      state: this.state,
      pendingDeletes: this.pendingDeletes,
      cwd: this.options.cwd,
      env: () => this.options.env(),
      stream: (name, lines, logged) => this.stream(name, lines, logged),
      forget: (s) => this.forget(s),
    };
  }

  /** The commands in state, by resource name. */
  get saved(): Map<string, StateEntry> {
    const out = new Map<string, StateEntry>();
    for (const s of this.state.values()) {
      if (s.type !== COMMAND) continue;
      if (out.has(s.name)) throw new Error(`engine: two commands named ${s.name}`);
      out.set(s.name, s);
    }
    return out;
  }

  /** The state as a checkpoint file holds it: secrets as ciphertext, everything else in clear. */
  stateText(): string {
    const all = [...this.state.values(), ...this.pendingDeletes];
    return JSON.stringify(
      all.map((s) => ({
        urn: s.urn,
        inputs: redactSecrets(s.inputs),
        outputs: redactSecrets(s.outputs),
      })),
    );
  }

  /** One `pulumi up --skip-preview`, or `pulumi preview` with `{ preview: true }`. */
  async run(stack: string, program: Program, mode: { preview?: boolean } = {}): Promise<RunResult> {
    const preview = mode.preview ?? false;
    const ops: OperationRecord[] = [];
    const logged: { name: string; line: string }[] = [];
    const errors: Error[] = [];
    const seen = new Set<string>();
    let inflight = 0;
    let registrations = 0;
    const fail = (e: Error) => {
      errors.push(e);
    };
    let current: () => Registration | undefined = () => undefined;

    await pulumi.runtime.setMocks(
      {
        newResource: async (args) => {
          const reg = current();
          registrations++;
          if (!reg || reg.type !== args.type || reg.name !== args.name) {
            fail(
              new Error(`engine: no RegisterResourceRequest seen for ${args.type} ${args.name}`),
            );
            return hang();
          }
          // No new step after the first failure: its registration never completes.
          if (errors.length > 0) return hang();
          inflight++;
          try {
            if (reg.unsupported.length > 0)
              throw new Error(
                `engine: ${reg.name} uses ${reg.unsupported.join(", ")}, which test/support/commandEngine.ts does not model`,
              );
            if (seen.has(reg.urn)) throw new Error(`Duplicate resource URN '${reg.urn}'`);
            seen.add(reg.urn);
            const result =
              reg.type === COMMAND
                ? await this.command(reg, preview, ops, logged)
                : this.other(reg, preview);
            return { id: result.id, state: result.outputs };
          } catch (e) {
            fail(e as Error);
            return hang();
          } finally {
            inflight--;
          }
        },
        call: (args) => {
          throw new Error(
            `unexpected invoke ${args.token}: no local.run / runOutput in this program`,
          );
        },
      },
      "gaia",
      stack,
      preview,
    );
    current = captureRegistrations();

    const quiet = () =>
      this.quiescent(
        () => inflight,
        () => registrations,
      );
    const cwd = process.cwd();
    process.chdir(this.options.cwd);
    let outputs: Record<string, unknown> | undefined;
    let secretOutputs: string[] = [];
    try {
      const returned = (await program()) ?? {};
      // A failed resource leaves its dependents' outputs pending forever: give up on them once
      // the program is quiet after a failure.
      const failed = quiet().then(() => (errors.length > 0 ? undefined : hang()));
      const resolved = await this.resolveOutputs(returned, failed);
      await quiet();
      outputs = resolved.outputs;
      secretOutputs = resolved.secretOutputs;
    } catch (e) {
      fail(e as Error);
    } finally {
      process.chdir(cwd);
    }

    if (errors.length === 0) {
      const condemned = [
        ...[...this.state.values()].filter((s) => !seen.has(s.urn)),
        ...this.pendingDeletes,
      ];
      await deletePhase(this.host, condemned, preview, ops, logged, errors);
    }
    return {
      ops,
      error: errors[0],
      errors,
      outputs: errors.length > 0 ? undefined : outputs,
      secretOutputs,
      logged,
    };
  }

  /** `pulumi destroy`: a preview, then (if it succeeded) every delete. */
  async destroy(): Promise<RunResult> {
    const ops: OperationRecord[] = [];
    const logged: { name: string; line: string }[] = [];
    const errors: Error[] = [];
    const condemned = [...this.state.values(), ...this.pendingDeletes];
    await deletePhase(this.host, condemned, true, [], [], errors);
    if (errors.length === 0) await deletePhase(this.host, condemned, false, ops, logged, errors);
    return { ops, error: errors[0], errors, secretOutputs: [], logged };
  }

  /** A resource that is not a command: no step runs, its outputs are the mocks'. */
  private other(reg: Registration, preview: boolean): { id: string | undefined; outputs: object } {
    const prev = this.state.get(reg.urn);
    const same = prev !== undefined && stable(prev.inputs) === stable(reg.object);
    const outputs = markSecrets(
      reg,
      same
        ? prev.outputs
        : { ...reg.object, ...this.options.stateFor?.(reg.type, reg.name, reg.object) },
    );
    if (!preview) this.record(reg, { id: `${reg.name}-id`, outputs, stdout: "", stderr: "" });
    return { id: reg.custom ? `${reg.name}-id` : undefined, outputs };
  }

  private async command(
    reg: Registration,
    preview: boolean,
    ops: OperationRecord[],
    logged: { name: string; line: string }[],
  ): Promise<{ id: string | undefined; outputs: Record<string, unknown> }> {
    const inputs = reg.object;
    for (const k of ["assetPaths", "archivePaths"])
      if (k in inputs) throw new Error(`engine: ${reg.name} sets ${k}, which is not modelled`);
    const prev = this.state.get(reg.urn);
    const name = reg.name;
    if (prev && stable(prev.inputs) === stable(inputs) && !containsUnknown(inputs)) {
      ops.push({ name, op: "none", ok: true });
      const outputs = markSecrets(reg, prev.outputs);
      if (!preview) this.record(reg, { ...prev, outputs });
      return { id: prev.id, outputs };
    }
    const replaceKeys = new Set([
      "triggers",
      ...reg.replaceOnChanges.map((p) => p.split(/[.[]/)[0]!),
    ]);
    const replace =
      prev !== undefined &&
      [...replaceKeys].some(
        (k) => stable(prev.inputs[k]) !== stable(inputs[k]) || containsUnknown(inputs[k]),
      );
    const op: Operation = !prev ? "create" : replace ? "replace" : "update";
    if (replace && prev?.protect && reg.protect)
      throw new Error(
        `unable to replace resource "${reg.urn}"\nas it is currently marked for protection. To unprotect the resource, remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\``,
      );
    if (preview) {
      // Create and Update return before running on DryRun; stdout/stderr are computed.
      ops.push({ name, op, ok: true });
      return { id: op === "update" ? prev?.id : undefined, outputs: { ...inputs } };
    }
    const plain = (k: string) => {
      const v = inputs[k];
      return typeof v === "string"
        ? v
        : isSecretEnvelope(v) && typeof v.value === "string"
          ? v.value
          : undefined;
    };
    const command = op === "update" ? (plain("update") ?? plain("create")) : plain("create");
    let stdout = op === "update" ? prev!.stdout : "";
    let stderr = op === "update" ? prev!.stderr : "";
    if (command !== undefined) {
      const r = await runCommand(
        command,
        runInputs(inputs),
        this.options.env(),
        op === "update" ? { stdout, stderr } : undefined,
        {
          cwd: this.options.cwd,
          timeoutSeconds: effectiveTimeoutSeconds(
            op === "update" ? reg.customTimeouts.update : reg.customTimeouts.create,
          ),
        },
      );
      this.stream(name, r.logged, logged);
      ops.push({
        name,
        op,
        ok: r.ok,
        output: r.error || undefined,
        pid: r.pid,
        timedOut: r.timedOut,
      });
      if (!r.ok) throw new Error(r.error);
      stdout = r.stdout;
      stderr = r.stderr;
    } else {
      ops.push({ name, op, ok: true });
    }
    const outputs = markSecrets(reg, { ...inputs, stdout, stderr });
    const id = op === "update" ? prev!.id : uniqueHex(name);
    if (op === "replace") this.pendingDeletes.push({ ...prev!, pendingDelete: true });
    this.record(reg, { id, outputs, stdout, stderr });
    return { id, outputs };
  }

  private record(
    reg: Registration,
    values: { id: string; outputs: Record<string, unknown>; stdout: string; stderr: string },
  ): void {
    this.state.set(reg.urn, {
      urn: reg.urn,
      name: reg.name,
      type: reg.type,
      custom: reg.custom,
      parent: reg.parent,
      id: values.id,
      inputs: reg.object,
      outputs: values.outputs,
      stdout: values.stdout,
      stderr: values.stderr,
      protect: reg.protect,
      retainOnDelete: reg.retainOnDelete,
      dependencies: reg.dependencies,
      propertyDependencies: reg.propertyDependencies,
      additionalSecretOutputs: reg.additionalSecretOutputs,
      customTimeouts: reg.customTimeouts,
      secretInputs: Object.keys(reg.object).filter((k) => containsSecret(reg.object[k])),
    });
  }

  private stream(name: string, lines: string[], logged: { name: string; line: string }[]) {
    for (const line of lines) {
      logged.push({ name, line });
      this.log.push({ name, line });
    }
  }

  private forget(s: StateEntry): void {
    const i = this.pendingDeletes.indexOf(s);
    if (i >= 0) this.pendingDeletes.splice(i, 1);
    else if (this.state.get(s.urn) === s) this.state.delete(s.urn);
  }

  private async resolveOutputs(
    returned: Record<string, unknown>,
    failed: Promise<void>,
  ): Promise<{ outputs?: Record<string, unknown>; secretOutputs: string[] }> {
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    const pending = Symbol("pending");
    for (const [k, v] of Object.entries(returned)) {
      const o = pulumi.output(v) as unknown as OutputInternals & pulumi.Output<unknown>;
      const known = await Promise.race([o.isKnown, failed.then(() => pending)]);
      if (known === pending) return { secretOutputs };
      outputs[k] = known ? await o.promise() : UNKNOWN;
      if (await pulumi.isSecret(o)) secretOutputs.push(k);
    }
    return { outputs, secretOutputs };
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
}
