/** `gaia-db env <env>`: the service settings in dotenv format, from the stack outputs. */
import { ExitCode } from "../../shared/errors";
import { loadDotenv, loadStack } from "../lazy";
import { timeoutOption } from "../options";
import { environmentArgument, operationsCommand } from "./_operations";

export const env = operationsCommand({
  path: ["env"],
  summary: "the service settings in dotenv format, from the stack outputs",
  usage: "<environment> [options]",
  positionals: ["environment"],
  description: [
    "Prints, in dotenv format, the settings a service reads: DATABASE_URL, REDIS_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET, from the stack outputs (pulumi stack output --show-secrets), for running services against the local stack:",
    "",
    "  gaia-db env local > .env.local",
    "",
    "The output holds secrets. A value the stack does not export is printed empty, with a comment naming the config to set; a warning on stderr lists them.",
  ].join("\n"),
  options: [timeoutOption("how long to wait for the Pulumi CLI", 60_000)],
  exitCodes: [
    [0, "ok (also with empty values)"],
    [1, "runtime error (Pulumi CLI missing, no stack)"],
    [2, "usage"],
  ],
  async run(ctx) {
    const environment = environmentArgument(ctx);
    const [{ buildEnvReport, renderDotenv }, { readStackOutputs }] = await Promise.all([
      loadDotenv(),
      loadStack(),
    ]);
    const outputs = await readStackOutputs(environment, {
      env: ctx.io.env,
      timeoutMs: ctx.opts.timeout as number,
      alternative: "and run it again",
    });
    const report = buildEnvReport(environment, outputs);
    if (ctx.json) ctx.out.json(report);
    else ctx.out.line(renderDotenv(report));
    if (report.missing.length > 0) {
      ctx.out.warn(
        `empty in the output: ${report.missing.map((m) => m.key).join(", ")} (see the comments)`,
      );
    }
    return ExitCode.ok;
  },
});
