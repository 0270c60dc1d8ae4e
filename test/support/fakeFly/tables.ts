/**
 * Typed access, for tests, to the fake flyctl's tables and its cobra reader: the commands read
 * from flyctl's source (flyctl.json), the texts with their provenance, the prompt conditions,
 * and `check(argv)`, which reads an argv exactly as the fake does.
 */
import { createRequire } from "node:module";

const load = createRequire(__filename);

export interface FlagFact {
  type: string;
  short?: string;
  default?: unknown;
  hidden?: true;
  aliasOf?: string;
  at: string;
  via?: string;
}

export interface CommandFact {
  use: string;
  aliases: string[];
  runnable: boolean;
  args: { kind: string; n?: number; min?: number; max?: number; at: string } | null;
  preparers: string[];
  flags: Record<string, FlagFact>;
  children: Record<string, string[]>;
  at: string;
}

export interface FieldFact {
  key: string;
  go: string;
  omitempty?: true;
  at: string;
}

export interface FlyctlTable {
  pins: Record<string, Record<string, string>>;
  persistentFlags: Record<string, FlagFact>;
  cobraFlags: Record<string, FlagFact>;
  commands: Record<string, CommandFact>;
  structs: Record<string, { at: string; fields: FieldFact[] }>;
  maps: Record<string, { at: string; keys: string[]; optional: string[] }>;
  values: {
    pgCreateVmSizes: {
      name: string;
      cpuKind: string;
      cpus: number;
      memoryMb: number;
      at: string;
    }[];
    machinePresets: {
      name: string;
      cpuKind: string;
      cpus: number;
      memoryMb: number;
      gpus?: number;
      at: string;
    }[];
    mpgPlans: { key: string; name: string; at: string }[];
  };
}

export interface Text {
  text: string;
  at: string;
}

export type Condition =
  | { arg: number }
  | { flag: string }
  | { given: string }
  | { above: [string, number] }
  | { env: string }
  | { api: string };

export interface Prompt {
  id: string;
  anyOf: Condition[];
  error: string;
  at: string;
  when?: string;
}

interface Resolved {
  path: string;
  flags?: Record<string, unknown>;
  args?: string[];
  help?: true;
  unmodelled?: true;
}

const cli = load("./cli.cjs") as { resolve(argv: string[]): Resolved };
// Loading the behaviours registers their texts in T.
const { COMMANDS } = load("./commands.cjs") as { COMMANDS: Record<string, { mutation?: boolean }> };
const prompts = load("./prompts.cjs") as {
  PROMPTS: Record<string, Prompt[]>;
  unmet(path: string, ctx: { flags: Record<string, unknown>; args: string[] }): Prompt[];
};

export const TABLE = load("./flyctl.json") as FlyctlTable;
export const TEXTS = (load("./texts.cjs") as { T: Record<string, Text> }).T;
export const PROMPTS = prompts.PROMPTS;
export const FAKE_COMMANDS = Object.keys(COMMANDS).sort();

export type Verdict = { ok: true; path: string } | { ok: false; path?: string; error: string };

/**
 * What flyctl does with an argv before any API call, without a terminal and with nothing but
 * the argv (no FLY_ORG, FLY_REGION or FLY_APP, no answer from the API): the command it names,
 * cobra's and pflag's refusals, then the first prompt it would reach.
 */
export function check(argv: string[]): Verdict {
  let r: Resolved;
  try {
    r = cli.resolve(argv);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (r.unmodelled) return { ok: false, path: r.path, error: `${r.path}: not modelled` };
  if (r.help) return { ok: false, path: r.path, error: `${r.path}: prints help and does nothing` };
  const unmet = prompts.unmet(r.path, { flags: r.flags!, args: r.args! });
  if (unmet.length > 0) {
    const p = unmet[0]!;
    return { ok: false, path: r.path, error: `${TEXTS[p.error]!.text} (${p.id}, ${p.at})` };
  }
  return { ok: true, path: r.path };
}
