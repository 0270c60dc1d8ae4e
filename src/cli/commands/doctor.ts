/** `gaia-db doctor <env>`: live Fly resources against the stack's config. */
import { ExitCode } from "../../shared/errors";
import { PROJECT_ROOT } from "../../shared/vocabulary";
import { loadDoctor, loadFlyctlVersion, loadStackConfig } from "../lazy";
import { OPTIONS, timeoutOption } from "../options";
import { stringOption } from "../spec";
import { environmentArgument, operationsCommand } from "./_operations";

export const doctor = operationsCommand({
  path: ["doctor"],
  summary: "live Fly resources against the stack's config",
  usage: "<environment> [options]",
  positionals: ["environment"],
  description:
    "Compares the live Fly.io resources of a Fly environment (dev, staging, production) with the stack's config (Pulumi.yaml defaults + Pulumi.<environment>.yaml) and reports every difference: a missing Postgres cluster, Redis or service app; machine count, VM size or region; Postgres volume sizes; certificate volumes missing, extra or duplicate, or of another size; Redis eviction, region, replicas or plan; service secrets (DATABASE_URL, REDIS_URL, and the Supabase settings of the auth service) not staged. Pulumi's command resources have no refresh: this is how drift made by hand shows up. Reads only (fly status/volumes list/redis status/secrets list).",
  options: [
    {
      flags: "--project-dir <dir>",
      description: "where Pulumi.yaml lives (default: this project)",
      group: OPTIONS,
    },
    timeoutOption("per flyctl call", 60_000),
  ],
  exitCodes: [
    [0, "no drift"],
    [1, "runtime error (flyctl missing or failing)"],
    [2, "usage or config"],
    [5, "drift"],
  ],
  async run(ctx) {
    const environment = environmentArgument(ctx);
    if (environment === "local") {
      throw ctx.usage("local has no Fly resources: allowed are dev, staging, production");
    }
    const [{ diagnose, flyRunner, observe, renderDrifts }, { expectedFromStackFiles }, version] =
      await Promise.all([loadDoctor(), loadStackConfig(), loadFlyctlVersion()]);
    const expected = expectedFromStackFiles(
      stringOption(ctx, "project-dir") ?? PROJECT_ROOT,
      environment,
    );
    const fly = flyRunner("fly", ctx.io.env, ctx.opts.timeout as number);
    const found = await fly(version.flyctlVersionArgs());
    const drifts = diagnose(expected, await observe(fly, expected));
    const notes = [
      version.flyctlVersionWarning(
        found.code === 0 ? version.parseFlyctlVersion(found.stdout) : null,
      ),
      expected.postgres.kind === "managed"
        ? `managed Postgres ${expected.postgres.name} is not compared (fly mpg status)`
        : null,
    ].filter((note): note is string => note !== null);
    if (ctx.json) ctx.out.json({ environment, drifts, notes });
    else ctx.out.line(renderDrifts(environment, drifts, notes));
    return drifts.length === 0 ? ExitCode.ok : ExitCode.gap;
  },
});
