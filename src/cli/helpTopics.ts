/**
 * The one accessor for what `gaia-db … --help` prints, per command: docs/cli.md is generated from
 * it (scripts/docs.ts) and a test holds it equal to what the CLI really prints. If the CLI moves
 * onto a CLI library, only this function changes. The CLI itself never imports this module: it
 * would load the operations commands, which `gaia-db migrate` must not wait for.
 */
import { operationsCommands } from "../operations/commands";
import { reviewHelp, schemaHelp } from "../review/command";
import {
  COMMAND_HELP,
  COMMANDS,
  type Command,
  GLOBAL_HELP,
  OPERATIONS_COMMANDS,
  REVIEW_COMMANDS,
  type ReviewCommand,
} from "./help";

/** `gaia-db` is the global help; `verify-all` is `gaia-db verify all`. */
export const HELP_TOPICS = [
  "gaia-db",
  ...COMMANDS,
  ...OPERATIONS_COMMANDS,
  ...REVIEW_COMMANDS,
] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];

/** The words after `gaia-db` that ask for a topic's help. */
export function helpArgv(topic: HelpTopic): string[] {
  if (topic === "gaia-db") return ["--help"];
  if (topic === "verify-all") return ["verify", "all", "--help"];
  return [topic, "--help"];
}

/** The help text of one topic, as printed (without the final newline). */
export function helpText(topic: HelpTopic): string {
  if (topic === "gaia-db") return GLOBAL_HELP;
  if ((COMMANDS as readonly string[]).includes(topic)) return COMMAND_HELP[topic as Command];
  if ((REVIEW_COMMANDS as readonly string[]).includes(topic)) {
    return { review: reviewHelp, schema: schemaHelp }[topic as ReviewCommand];
  }
  return operationsCommands[topic as Exclude<HelpTopic, "gaia-db" | Command | ReviewCommand>].help;
}
