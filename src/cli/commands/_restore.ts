/** What `restore` and `restore-drill` share: a Fly environment, and how their steps are wired. */
import type { Environment, FlyEnvironment } from "../../shared/vocabulary";
import type { RunContext } from "../spec";

export function flyEnvironmentArgument(ctx: RunContext, environment: Environment): FlyEnvironment {
  if (environment === "local")
    throw ctx.usage(
      "local has no Fly volumes to restore from: allowed are dev, staging, production",
    );
  return environment;
}

/** The options of the steps (see makeRestoreDeps): progress goes to stderr, masked. */
export function restoreSetup(ctx: RunContext, environment: FlyEnvironment, projectDir: string) {
  return { environment, projectDir, env: ctx.io.env, log: (line: string) => ctx.out.err(line) };
}
