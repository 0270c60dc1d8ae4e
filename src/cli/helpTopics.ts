/**
 * The one accessor for what `gaia-db … --help` prints, per command: docs/cli.md is generated from
 * it (scripts/docs.ts) and a test holds it equal to what the CLI really prints. The texts are
 * generated from the command specs (src/cli/commands/) by the CLI core.
 */
import { COMMAND_SPECS } from "./commands";
import { helpOf } from "./program";

/** `gaia-db` is the global help; `verify-all` is `gaia-db verify all`. */
export const HELP_TOPICS: readonly string[] = ["gaia-db", ...COMMAND_SPECS.map((s) => s.topic)];
export type HelpTopic = string;

function pathOf(topic: HelpTopic): readonly string[] {
  if (topic === "gaia-db") return [];
  const spec = COMMAND_SPECS.find((s) => s.topic === topic);
  if (!spec) throw new Error(`no help topic ${topic}: topics are ${HELP_TOPICS.join(", ")}`);
  return spec.path;
}

/** The words after `gaia-db` that ask for a topic's help. */
export function helpArgv(topic: HelpTopic): string[] {
  return [...pathOf(topic), "--help"];
}

/** The help text of one topic, as printed (without the final newline). */
export function helpText(topic: HelpTopic): string {
  return helpOf(pathOf(topic));
}
