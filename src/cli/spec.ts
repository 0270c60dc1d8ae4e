/**
 * How a `gaia-db` command is declared: every command, migration and operations alike, is one
 * `CommandSpec` in its own file under src/cli/commands/, holding its options, its help and its
 * handler. src/cli/program.ts turns the specs into the commander program and its help texts.
 */
import type { GaiaDbError } from "../shared/errors";
import type { CliIo, Printer } from "./io";

/** One option: commander's flags syntax (`--lock-timeout <duration>`, `--json`), help, parser. */
export interface OptionSpec {
  flags: string;
  /** One paragraph; the help wraps it. */
  description: string;
  /** The help section it is listed in. */
  group: string;
  /** Turns the text into the value the handler gets; throws a usage error (unprefixed). */
  parse?: (value: string) => unknown;
  /** The value the handler gets when the option is not given (the help says it). */
  default?: unknown;
  /** May be given more than once: the handler gets every value, in order. */
  repeatable?: boolean;
}

/** The families of commands: where they stand in the global help, and what their output masks. */
export interface CommandGroup {
  /** Heading of the family in the global help. */
  heading: string;
  /** A usage error the CLI detects (unknown option, bad environment, ...), in the family's voice. */
  voice(spec: CommandSpec, message: string): string;
  /**
   * Whether stdout is masked too (URL passwords, registered secrets), as errors always are. Not
   * for the operations commands: `env` prints secrets by design, `view` the rows as they are.
   */
  maskOutput: boolean;
}

export const MIGRATION_GROUP: CommandGroup = {
  heading: "Commands:",
  voice: (_spec, message) => message,
  maskOutput: true,
};

export const REVIEW_GROUP: CommandGroup = {
  heading: "Reviewing schema changes (each has its own --help):",
  voice: (_spec, message) => message,
  maskOutput: false,
};

export const OPERATIONS_GROUP: CommandGroup = {
  heading: "Operating the environments (each has its own --help):",
  voice: (spec, message) => `${spec.path.join(" ")}: ${message}`,
  maskOutput: false,
};

/** What a handler gets: parsed options and positionals, the io, and where to print. */
export interface RunContext {
  spec: CommandSpec;
  io: CliIo;
  out: Printer;
  /** Positional arguments as given (the command checks their count against `positionals`). */
  args: string[];
  /** Parsed option values by long name, e.g. `opts["lock-timeout"]`. */
  opts: Readonly<Record<string, unknown>>;
  json: boolean;
  /** Masks this database URL wherever it is printed from now on (errors always; stdout if masked). */
  secret(value: string): void;
  /** A usage error in the command's voice. */
  usage(message: string): GaiaDbError;
}

export interface CommandSpec {
  /** The words after `gaia-db`: ["migrate"], ["verify", "all"]. */
  path: readonly string[];
  /** Its help topic: the path joined with "-" (docs/cli.md's `cli-help <topic>` blocks). */
  topic: string;
  group: CommandGroup;
  /** One line in the global help. */
  summary: string;
  /** The usage line after `gaia-db <path> `. */
  usage: string;
  /** Names of the positional arguments, in order; more is a usage error. */
  positionals: readonly string[];
  /** Added to the "unexpected arguments" error. */
  excessHint?: string;
  /** Paragraphs, one per line (the help wraps them); indented lines are kept as they are. */
  description: string;
  /** In the order the help lists them; sections follow the order of first appearance. */
  options: readonly OptionSpec[];
  /** Sections after the options, e.g. what stdin must hold. */
  sections?: readonly { title: string; body: string }[];
  /** The exit codes this command returns and what each means for it. */
  exitCodes?: readonly [number, string][];
  run(ctx: RunContext): Promise<number>;
}

/** A typed view of an option value. */
export function stringOption(ctx: RunContext, name: string): string | undefined {
  return ctx.opts[name] as string | undefined;
}

export function flagOption(ctx: RunContext, name: string): boolean {
  return ctx.opts[name] === true;
}
