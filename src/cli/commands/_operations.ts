/**
 * What the operations commands (view, verify all, cleanup-test-users, env, doctor, app-login)
 * share: `--json` and `--debug`, their family's voice, and the environment argument.
 */
import { GaiaDbError } from "../../shared/errors";
import { type Environment, parseEnvironment } from "../../shared/vocabulary";
import { OPTIONS, outputOptions } from "../options";
import { type CommandSpec, OPERATIONS_GROUP, type RunContext } from "../spec";

export type OperationsCommand = Omit<CommandSpec, "topic" | "group">;

/** An operations command's full spec: its options, then `--json`, `--debug` and `--help`. */
export function operationsCommand(command: OperationsCommand): CommandSpec {
  return {
    ...command,
    topic: command.path.join("-"),
    group: OPERATIONS_GROUP,
    options: [...command.options, ...outputOptions(OPTIONS)],
  };
}

/** The environment named by the first argument, in the command's voice when it is wrong. */
export function environmentArgument(ctx: RunContext, value = ctx.args[0]): Environment {
  try {
    return parseEnvironment(value, `the first argument (gaia-db ${ctx.spec.path[0]} dev)`);
  } catch (e) {
    throw e instanceof GaiaDbError ? ctx.usage(e.message) : e;
  }
}
