/** `gaia-db verify all`: the Verification Status table of every environment. */
import { ExitCode } from "../../shared/errors";
import { ENVIRONMENTS } from "../../shared/vocabulary";
import { loadSurvey, loadVerifyAll } from "../lazy";
import { timeoutOption } from "../options";
import { operationsCommand } from "./_operations";

export const verifyAll = operationsCommand({
  path: ["verify", "all"],
  summary: "the Verification Status table of every environment",
  usage: "[options]",
  positionals: [],
  description: `Rebuilds the "Verification Status" table (the checklist once filled in by hand) for every environment (${ENVIRONMENTS.join(", ")}) from the live databases, with the time and method of each check: the llm_platform database, the 19 deployed tables, the Supabase binding, the RBAC and Experience tables, and environment isolation (users whose plus-tag or environment column names another environment). Each environment is reached through its stack outputs (fly proxy for Fly), in parallel, under its own deadline.`,
  options: [timeoutOption("connection and query timeout per environment", 30_000)],
  exitCodes: [
    [0, "no gap anywhere"],
    [2, "usage"],
    [5, "a gap or an unreachable environment"],
  ],
  async run(ctx) {
    const [{ acrossEnvironments }, { renderVerifyAll, verifyEnvironment }] = await Promise.all([
      loadSurvey(),
      loadVerifyAll(),
    ]);
    const outcomes = await acrossEnvironments(
      {
        env: ctx.io.env,
        timeoutMs: ctx.opts.timeout as number,
        openProxy: ctx.io.openProxy,
        ignoreDatabaseUrlVariable: true,
      },
      (client, environment, route) => verifyEnvironment(client, environment, route),
    );
    if (ctx.json) ctx.out.json(outcomes);
    else ctx.out.line(renderVerifyAll(outcomes));
    const clean = outcomes.every((o) => o.reachable && o.value.gaps === 0);
    return clean ? ExitCode.ok : ExitCode.gap;
  },
});
