/**
 * The CLI core: builds the commander program from the command specs (src/cli/commands/), runs
 * one invocation, and sends every failure to the one renderer (render.ts). Parse errors become
 * usage errors (exit 2, one line, no stack); help is generated from the specs, 100 columns wide.
 */
import { Command, CommanderError, Help, Option } from "commander";
import { maskSecrets } from "../migrations/postgresUrl";
import { ExitCode, GaiaDbError, usageError } from "../shared/errors";
import { ENVIRONMENTS } from "../shared/vocabulary";
import { COMMAND_SPECS } from "./commands";
import { type CliIo, jsonChunks, type Printer } from "./io";
import { renderError, STDERR_PREFIX } from "./render";
import {
  type CommandSpec,
  MIGRATION_GROUP,
  OPERATIONS_GROUP,
  REVIEW_GROUP,
  type RunContext,
} from "./spec";

const HELP_WIDTH = 100;

/** What every exit code means, for the global help. */
export const EXIT_CODE_MEANINGS: readonly [number, string][] = [
  [ExitCode.ok, "ok"],
  [
    ExitCode.runtime,
    "runtime error (connection lost, a statement failed, flyctl or Pulumi failing)",
  ],
  [ExitCode.usage, "usage or configuration error"],
  [
    ExitCode.refused,
    "refused (changed or missing applied file, out of order, binding mismatch, unmanaged database, schema drift, removed module, unavailable extension, not the owner; a change to production without --confirm production; review: the head does not apply)",
  ],
  [ExitCode.lockTimeout, "timed out waiting for the migration lock"],
  [
    ExitCode.gap,
    "verification gap, pending migrations (status/plan --exit-code) or drift (doctor)",
  ],
];

interface RunState {
  json: boolean;
  debug: boolean;
  secrets: string[];
  spec?: CommandSpec;
  exitCode: number;
}

/** The spec each commander command was built from (for the help and for parse errors). */
const specOf = new WeakMap<Command, CommandSpec>();

/** A commander parse error, with the command it came from. */
class ParseFailure extends Error {
  constructor(
    readonly error: CommanderError,
    readonly spec: CommandSpec | undefined,
  ) {
    super(error.message);
  }
}

function longName(flags: string): string {
  const match = /--([a-z0-9-]+)/.exec(flags);
  if (!match) throw new Error(`option "${flags}" has no long name`);
  return match[1]!;
}

function formatSection(helper: Help, title: string, items: [string, string][]): string[] {
  const width = Math.max(...items.map(([term]) => term.length));
  return [title, ...items.map(([term, text]) => helper.formatItem(term, width, text, helper)), ""];
}

/** The global help: every command by family, the environments, the exit codes. */
function globalHelp(helper: Help): string {
  const lines = [
    "gaia-db: schema migrations and operations for the Gaia Platform databases",
    "",
    "Usage: gaia-db <command> <environment> [options]",
    "",
  ];
  const names = COMMAND_SPECS.map((s) => s.path.join(" "));
  const width = Math.max(...names.map((n) => n.length));
  for (const group of [MIGRATION_GROUP, OPERATIONS_GROUP, REVIEW_GROUP]) {
    const specs = COMMAND_SPECS.filter((s) => s.group === group);
    lines.push(
      group.heading,
      ...specs.map((s) => helper.formatItem(s.path.join(" "), width, s.summary, helper)),
      "",
    );
  }
  lines.push(
    `Environments: ${ENVIRONMENTS.join(", ")} (no default).`,
    "Run gaia-db <command> --help for the options of one command.",
    "",
    ...formatSection(
      helper,
      "Exit codes:",
      EXIT_CODE_MEANINGS.map(([code, text]) => [String(code), text]),
    ),
  );
  return lines.join("\n");
}

/** A command's help: commander's (usage, description, options), then the spec's sections. */
function commandHelp(cmd: Command, helper: Help, spec: CommandSpec): string {
  const out = [Help.prototype.formatHelp.call(helper, cmd, helper).replace(/\n+$/, "\n")];
  for (const section of spec.sections ?? []) out.push(`${section.title}\n${section.body}\n`);
  if (spec.exitCodes) {
    out.push(
      formatSection(
        helper,
        "Exit codes:",
        spec.exitCodes.map(([code, text]) => [String(code), text]),
      ).join("\n"),
    );
  }
  return out.join("\n");
}

function makeHelp(this: Help, cmd: Command, helper: Help): string {
  const spec = specOf.get(cmd);
  return spec ? commandHelp(cmd, helper, spec) : globalHelp(helper);
}

function printer(io: CliIo, state: RunState, masked: boolean): Printer {
  const mask = (text: string) => (masked ? maskSecrets(text, state.secrets) : text);
  return {
    // stderr carries messages, never data: masked for every command.
    write: (text) => io.stdout.write(mask(text)),
    line: (text = "") => io.stdout.write(`${mask(text)}\n`),
    lines: (lines) => {
      for (const line of lines) io.stdout.write(`${mask(line)}\n`);
    },
    json: (value) => {
      for (const chunk of jsonChunks(value)) io.stdout.write(mask(chunk));
      io.stdout.write("\n");
    },
    err: (text) => io.stderr.write(`${maskSecrets(text, state.secrets)}\n`),
    warn: (text) =>
      io.stderr.write(`${maskSecrets(`${STDERR_PREFIX}warning: ${text}`, state.secrets)}\n`),
  };
}

function addCommand(parent: Command, spec: CommandSpec, io: CliIo, state: RunState): Command {
  const name = spec.path.at(-1)!;
  const cmd = parent
    .command(name, { hidden: spec.path.length > 1 })
    .usage(spec.usage)
    .description(spec.description)
    .allowExcessArguments(true)
    .helpCommand(false)
    .exitOverride((error) => {
      throw new ParseFailure(error, spec);
    });
  specOf.set(cmd, spec);
  for (const positional of spec.positionals) cmd.argument(`[${positional}]`);
  for (const o of spec.options) {
    const option = new Option(o.flags, o.description).helpGroup(o.group);
    const parse = o.parse ?? ((value: string) => value);
    if (o.parse || o.repeatable) {
      option.argParser((value: string, previous: unknown) => {
        try {
          const parsed = parse(value);
          return o.repeatable ? [...((previous as unknown[] | undefined) ?? []), parsed] : parsed;
        } catch (e) {
          state.spec = spec;
          if (e instanceof GaiaDbError) throw usageError(spec.group.voice(spec, e.message));
          throw e;
        }
      });
    }
    cmd.addOption(option);
  }
  const json = spec.options.find((o) => o.flags === "--json");
  cmd.addHelpOption(
    new Option("-h, --help", "show this help").helpGroup(json?.group ?? "Options:"),
  );
  cmd.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    state.spec = spec;
    const opts: Record<string, unknown> = {};
    for (const o of spec.options) {
      const name = longName(o.flags);
      const value = self.getOptionValue(
        name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      );
      if (value !== undefined) opts[name] = value;
      else if (o.default !== undefined) opts[name] = o.default;
    }
    state.json = opts.json === true;
    state.debug = opts.debug === true;
    const usage = (message: string) => usageError(spec.group.voice(spec, message));
    const args = [...self.args];
    if (args.length > spec.positionals.length) {
      const extra = args.slice(spec.positionals.length);
      throw usage(
        `unexpected arguments ${extra.join(" ")}: usage is gaia-db ${spec.path.join(" ")} ${spec.usage}${spec.excessHint ? `; ${spec.excessHint}` : ""}`,
      );
    }
    const ctx: RunContext = {
      spec,
      io,
      out: printer(io, state, spec.group.maskOutput),
      args,
      opts,
      json: state.json,
      secret: (value) => {
        if (value) state.secrets.push(value);
      },
      usage,
    };
    state.exitCode = await spec.run(ctx);
  });
  return cmd;
}

/** The commander program for one invocation (commander keeps parse state: never reuse it). */
function buildProgram(io: CliIo, state: RunState): Command {
  const program = new Command("gaia-db")
    .configureHelp({ helpWidth: HELP_WIDTH, formatHelp: makeHelp })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Errors are printed once, by the renderer.
      outputError: () => {},
    })
    .showSuggestionAfterError(false)
    // `verify all --json`: after a subcommand's name, the options are the subcommand's.
    .enablePositionalOptions()
    .helpOption("-h, --help", "show this help")
    .exitOverride((error) => {
      throw new ParseFailure(error, undefined);
    });
  const built = new Map<string, Command>();
  for (const spec of COMMAND_SPECS) {
    const parent = spec.path.length > 1 ? built.get(spec.path[0]!) : program;
    if (!parent) throw new Error(`command ${spec.path.join(" ")} is declared before its parent`);
    built.set(spec.path.join(" "), addCommand(parent, spec, io, state));
  }
  return program;
}

const commandList = () =>
  COMMAND_SPECS.map((s) => s.path.join(" "))
    .join(", ")
    .trim();

/** A commander parse error as our usage error, worded as each command family words its own. */
function usageOf(failure: ParseFailure): GaiaDbError {
  const { error, spec } = failure;
  const where = spec ? `gaia-db ${spec.path.join(" ")}` : "gaia-db";
  const voice = (message: string) => usageError(spec ? spec.group.voice(spec, message) : message);
  // Commander quotes the argument as given: from the first quote to the last (it may hold one).
  const quoted = /'(.*)'/s.exec(error.message)?.[1] ?? "";
  switch (error.code) {
    case "commander.unknownOption":
      // `--databse-url=postgres://...`: the name only, never the value.
      return voice(`Unknown option '${quoted.split("=")[0]}'; run ${where} --help`);
    case "commander.unknownCommand":
      return voice(
        `unknown command "${quoted}": commands are ${commandList()}; run gaia-db --help`,
      );
    case "commander.optionMissingArgument":
      return voice(`${quoted.split(" ")[0]} needs a value; run ${where} --help`);
    default:
      return voice(`${error.message.replace(/^error: /, "")}; run ${where} --help`);
  }
}

/**
 * Every argument that holds a URL (`--database-url <url>`, `--database-url=<url>`, a URL given
 * where an environment or a command was expected): masked whole wherever a message echoes it,
 * even when it is too malformed for the masker to find its password by structure.
 */
export function urlArguments(argv: readonly string[]): string[] {
  return argv.flatMap((arg) => {
    if (!arg.includes("://")) return [];
    const eq = arg.startsWith("-") ? arg.indexOf("=") : -1;
    return eq === -1 ? [arg] : [arg, arg.slice(eq + 1)];
  });
}

/**
 * `gaia-db help [command words]`: the command's own help (`help verify all` is verify all's, not
 * verify's), the global help with no words, a usage error for words that name no command.
 */
function helpCommand(program: Command, words: readonly string[], io: CliIo): number {
  if (words.length === 0) {
    io.stdout.write(program.helpInformation());
    return ExitCode.ok;
  }
  const spec = COMMAND_SPECS.find((s) => s.path.join(" ") === words.join(" "));
  if (!spec) {
    throw usageError(
      `help: no command "${words.join(" ")}": commands are ${commandList()}; run gaia-db --help`,
    );
  }
  io.stdout.write(`${helpOf(spec.path, program)}\n`);
  return ExitCode.ok;
}

/** Runs one invocation and returns the exit code; all output goes through `io`. */
export async function runProgram(argv: readonly string[], io: CliIo): Promise<number> {
  const state: RunState = {
    json: argv.includes("--json"),
    debug: argv.includes("--debug"),
    secrets: urlArguments(argv),
    exitCode: ExitCode.ok,
  };
  const program = buildProgram(io, state);
  if (argv.length === 0) {
    io.stdout.write(program.helpInformation());
    return ExitCode.usage;
  }
  try {
    if (argv[0] === "help") return helpCommand(program, argv.slice(1), io);
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (e) {
    let error = e;
    if (e instanceof ParseFailure) {
      if (e.error.code === "commander.helpDisplayed" || e.error.code === "commander.help") {
        return ExitCode.ok;
      }
      error = usageOf(e);
    } else if (e instanceof CommanderError) {
      error = usageError(e.message.replace(/^error: /, ""));
    }
    return renderError(error, {
      stdout: io.stdout,
      stderr: io.stderr,
      json: state.json,
      debug: state.debug,
      secrets: state.secrets,
    });
  }
}

/** The help text of one command (path) or of gaia-db itself (empty path), as printed. */
export function helpOf(path: readonly string[], program?: Command): string {
  const io: CliIo = {
    stdout: { write: () => true } as unknown as NodeJS.WritableStream,
    stderr: { write: () => true } as unknown as NodeJS.WritableStream,
    env: {},
  };
  let cmd = program ?? buildProgram(io, { json: false, debug: false, secrets: [], exitCode: 0 });
  for (const word of path) {
    const next = cmd.commands.find((c) => c.name() === word);
    if (!next) throw new Error(`no command ${path.join(" ")}`);
    cmd = next;
  }
  return cmd.helpInformation().replace(/\n$/, "");
}
