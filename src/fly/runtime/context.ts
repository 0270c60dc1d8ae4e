/**
 * What every Fly command handler receives, and the contract of its stdout: progress goes to
 * stderr, and the last stdout line is one JSON object describing the result (`origin`, ids).
 * Updates and deletes get the previous stdout in $PULUMI_COMMAND_STDOUT (the command provider's
 * `addPreviousOutputInEnv`), which is how a delete knows whether the stack created what it would
 * destroy.
 */
import { maskSecrets } from "../../migrations/postgresUrl";
import { CommandError, type Flyctl } from "./flyctl";

export type Operation = "create" | "update" | "delete";

export interface CommandContext {
  op: Operation;
  env: NodeJS.ProcessEnv;
  /** Parsed stdin: a JSON object of secrets (empty when the command takes none). */
  secrets: Record<string, unknown>;
  fly: Flyctl;
  log: (line: string) => void;
}

export interface ResultLine {
  origin?: string;
  [key: string]: unknown;
}

/** The result object of the previous run, from the last JSON line of $PULUMI_COMMAND_STDOUT. */
export function previousResult(env: NodeJS.ProcessEnv): ResultLine | undefined {
  const stdout = env.PULUMI_COMMAND_STDOUT;
  if (!stdout) return undefined;
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    const v = JSON.parse(last) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as ResultLine) : undefined;
  } catch {
    return undefined;
  }
}

/** A required, non-secret parameter from the command's `environment`. */
export function param(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === "")
    throw new CommandError(
      `${name} is missing from the command's environment (set by the gaia:fly component)`,
    );
  return v;
}

export function intParam(env: NodeJS.ProcessEnv, name: string): number {
  const v = param(env, name);
  if (!/^\d+$/.test(v)) throw new CommandError(`${name} must be a whole number, got "${v}"`);
  return Number(v);
}

/** An optional setting from the environment: a whole number above 0, else undefined. */
export function positiveInt(v: string | undefined): number | undefined {
  return v !== undefined && /^[1-9]\d*$/.test(v) ? Number(v) : undefined;
}

export function listParam(env: NodeJS.ProcessEnv, name: string): string[] {
  const v = env[name] ?? "";
  return v === "" ? [] : v.split(",");
}

export function secret(ctx: CommandContext, name: string): string {
  const v = ctx.secrets[name];
  if (typeof v !== "string" || v === "")
    throw new CommandError(`the secret ${name} is missing from the command's stdin`);
  return v;
}

/** Refusals are all reported together, before any mutation. */
export function refuse(refusals: string[]): void {
  if (refusals.length === 0) return;
  throw new CommandError(
    `refused, nothing was changed:\n${refusals.map((r) => `  - ${r}`).join("\n")}`,
  );
}

/**
 * What the command writes, masked: the password of every URL (maskSecrets), then each stdin value
 * wherever it appears (longest first; values under 4 characters would mask unrelated text).
 */
export function maskOutput(text: string, secrets: readonly string[]): string {
  let out = maskSecrets(text);
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}

/** Every string inside the stdin document: what the command masks in everything it writes. */
export function secretStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(secretStrings);
  if (typeof v === "object" && v !== null) return Object.values(v).flatMap(secretStrings);
  return [];
}
