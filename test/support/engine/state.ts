/**
 * The engine's state and what one run reports (the checkpoint's resources, the operations).
 */
import type { Registration } from "./registrations";
import { isSecretEnvelope, secretEnvelope } from "./wire";

export const COMMAND = "command:local:Command";

/** One resource in the engine's state (the checkpoint's `resources`). */
export interface StateEntry {
  urn: string;
  name: string;
  type: string;
  custom: boolean;
  parent: string;
  id: string;
  /** Inputs as on the wire: secret envelopes kept. */
  inputs: Record<string, unknown>;
  /** Outputs as stored: secret envelopes where the engine marks them secret. */
  outputs: Record<string, unknown>;
  /** Commands: plain stdout/stderr (also in `outputs`). */
  stdout: string;
  stderr: string;
  protect: boolean;
  retainOnDelete: boolean;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  additionalSecretOutputs: string[];
  customTimeouts: { create: string; update: string; delete: string };
  /** Top-level input keys holding a secret anywhere inside. */
  secretInputs: string[];
  /** The old side of a create-before-delete replacement, deleted in the delete phase. */
  pendingDelete?: boolean;
}

export type SavedCommand = StateEntry;

export type Operation = "create" | "update" | "replace" | "delete" | "none";

export interface OperationRecord {
  name: string;
  op: Operation;
  ok: boolean;
  /** The provider's error text on failure. */
  output?: string;
  /** The interpreter's pid (the process the provider kills at the customTimeout). */
  pid?: number;
  timedOut?: boolean;
  /** A delete that ran no command: retainOnDelete. */
  retained?: boolean;
}

export interface RunResult {
  ops: OperationRecord[];
  /** The first failure, as the engine reports it. */
  error?: Error;
  /** Every failure (protected deletes are all reported). */
  errors: Error[];
  /** The program's outputs: UNKNOWN where unknown in a preview; undefined on failure. */
  outputs?: Record<string, unknown>;
  /** Top-level outputs that are secret. */
  secretOutputs: string[];
  /** Lines streamed to the log during this run. */
  logged: { name: string; line: string }[];
}

/** additionalSecretOutputs, and outputs whose same-name input is secret (executeStep). */
export function markSecrets(
  reg: Registration,
  outputs: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...outputs };
  for (const k of Object.keys(out)) {
    const secret = reg.additionalSecretOutputs.includes(k) || isSecretEnvelope(reg.object[k]);
    if (secret && !isSecretEnvelope(out[k])) out[k] = secretEnvelope(out[k]);
  }
  return out;
}

/** A command's inputs as the provider decodes them: secrets unwrapped. */
export function runInputs(inputs: Record<string, unknown>) {
  const plain = JSON.parse(JSON.stringify(inputs), (_k, v) => (isSecretEnvelope(v) ? v.value : v));
  return plain as {
    interpreter?: string[];
    dir?: string;
    environment?: Record<string, string>;
    stdin?: string;
    logging?: string;
    addPreviousOutputInEnv?: boolean;
  };
}
