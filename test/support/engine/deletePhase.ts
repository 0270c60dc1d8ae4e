/**
 * The delete phase (deployment_executor.go performPostSteps): antichains one after the other,
 * each in parallel; a protected delete fails alone and keeps its dependencies (DeleteStep.Apply
 * returns deleteProtectedError, the one error step_executor.go continues past); any other
 * failure stops every later delete. `retainOnDelete` drops a resource without its delete.
 */
import { scheduleDeletes, transitiveDependenciesOf } from "./deletes";
import { effectiveTimeoutSeconds, runCommand } from "./provider";
import { COMMAND, type OperationRecord, runInputs, type StateEntry } from "./state";

export interface DeleteHost {
  state: Map<string, StateEntry>;
  pendingDeletes: StateEntry[];
  cwd: string;
  env(): Record<string, string>;
  stream(name: string, lines: string[], logged: { name: string; line: string }[]): void;
  forget(s: StateEntry): void;
}

export async function deletePhase(
  host: DeleteHost,
  condemned: StateEntry[],
  preview: boolean,
  ops: OperationRecord[],
  logged: { name: string; line: string }[],
  errors: Error[],
): Promise<void> {
  const all = [...host.state.values(), ...host.pendingDeletes];
  const kept = new Set<StateEntry>();
  for (const chain of scheduleDeletes(condemned, all)) {
    const results = await Promise.all(
      chain
        .filter((s) => !kept.has(s))
        .map(async (s): Promise<"ok" | "protected" | "failed"> => {
          // DeleteStep.Apply: protect is checked first, in previews too; not when replacing.
          if (s.protect && !s.pendingDelete) {
            errors.push(
              new Error(
                `resource "${s.urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\`, or use the command:\n\`pulumi state unprotect '${s.urn}'\``,
              ),
            );
            for (const d of transitiveDependenciesOf(s, all)) kept.add(d);
            if (s.type === COMMAND) ops.push({ name: s.name, op: "delete", ok: false });
            return "protected";
          }
          if (preview) {
            if (s.type === COMMAND) ops.push({ name: s.name, op: "delete", ok: true });
            return "ok";
          }
          const command = s.inputs.delete;
          if (s.type === COMMAND && !s.retainOnDelete && typeof command === "string") {
            const r = await runCommand(
              command,
              runInputs(s.inputs),
              host.env(),
              { stdout: s.stdout, stderr: s.stderr },
              {
                cwd: host.cwd,
                timeoutSeconds: effectiveTimeoutSeconds(s.customTimeouts.delete),
              },
            );
            host.stream(s.name, r.logged, logged);
            ops.push({
              name: s.name,
              op: "delete",
              ok: r.ok,
              output: r.error || undefined,
              pid: r.pid,
              timedOut: r.timedOut,
            });
            if (!r.ok) {
              errors.push(new Error(r.error));
              return "failed";
            }
          } else if (s.type === COMMAND) {
            ops.push({
              name: s.name,
              op: "delete",
              ok: true,
              ...(s.retainOnDelete ? { retained: true } : {}),
            });
          }
          host.forget(s);
          return "ok";
        }),
    );
    if (results.includes("failed")) return;
  }
}
