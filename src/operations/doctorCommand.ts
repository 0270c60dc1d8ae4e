/** Handler of `gaia-db doctor <env>` (the core is doctor.ts). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FlyStackConfig } from "../config/parseConfig";
import { flyctlVersionArgs, flyctlVersionWarning, parseFlyctlVersion } from "../fly/flyctlVersion";
import { type Drift, diagnose, expectedFromConfig, flyRunner, observe } from "./doctor";
import { parseEnvironment } from "./environments";
import { ExitCode, usageError } from "./errors";
import { renderTable, writeJson, writeLine } from "./format";
import { guarded, type OperationsIo, parseFlags, parseTimeout } from "./io";
import { PROJECT_ROOT } from "./stack";

/**
 * The stack's `gaia:` config as Pulumi would hand it to the program: Pulumi.yaml's declared
 * defaults, then Pulumi.<stack>.yaml (objects as JSON text, as Pulumi stores them). Secrets are
 * encrypted in the file (or not set here at all); doctor compares resources, not secrets, so
 * every secret the stack needs stands in as a placeholder marked secret.
 */
export async function readStackConfig(projectDir: string, stack: string) {
  // Loaded here, not at the top: the config code pulls in @pulumi/pulumi (seconds to load), which
  // the other gaia-db commands must not pay for.
  const { parse: parseYaml } = await import("yaml");
  const { requiredSecrets } = await import("../config/schema.ts");
  const file = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    throw usageError(
      `no stack file ${file}: create the stack (pulumi stack init ${stack}) or run doctor from the project`,
    );
  }
  const raw: Record<string, string> = {};
  const project = parseYaml(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, { default?: unknown }>;
  };
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (key.startsWith("gaia:") && decl?.default !== undefined) raw[key] = String(decl.default);
  }
  const stackFile = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(stackFile.config ?? {})) {
    if (!key.startsWith("gaia:")) continue;
    if (value !== null && typeof value === "object" && "secure" in value) {
      raw[key] = "[secret]";
      secretKeys.push(key);
    } else {
      raw[key] = typeof value === "object" ? JSON.stringify(value) : String(value);
    }
  }
  const environment = raw["gaia:environment"];
  if (environment === "dev" || environment === "staging" || environment === "production") {
    for (const key of requiredSecrets(environment)) {
      const full = `gaia:${key}`;
      if (raw[full] === undefined) {
        raw[full] = "[secret]";
        secretKeys.push(full);
      }
    }
  }
  return { raw, secretKeys };
}

export function renderDrifts(
  environment: string,
  drifts: readonly Drift[],
  notes: readonly string[],
) {
  const lines = notes.map((note) => `note: ${note}`);
  if (drifts.length === 0) {
    lines.push(`${environment}: no drift: Fly matches the stack's config.`);
  } else {
    lines.push(
      `${environment}: ${drifts.length} difference${drifts.length === 1 ? "" : "s"} between Fly and the stack's config:`,
      renderTable(
        ["resource", "difference"],
        drifts.map((d) => [d.resource, d.message]),
      ),
    );
  }
  return lines.join("\n");
}

export const doctorHelp = `Usage: gaia-db doctor <environment> [options]

Compares the live Fly.io resources of a Fly environment (dev, staging, production) with the
stack's config (Pulumi.yaml defaults + Pulumi.<environment>.yaml) and reports every difference:
a missing Postgres cluster, Redis or service app; machine count, VM size or region; Postgres
volume sizes; certificate volumes missing, extra or duplicate, or of another size; Redis
eviction, region, replicas or plan; service secrets (DATABASE_URL, REDIS_URL, and the Supabase
settings of the auth service) not staged. Pulumi's command resources have no refresh: this is
how drift made by hand shows up. Reads only (fly status/volumes list/redis status/secrets list).

Options:
  --project-dir <dir>     where Pulumi.yaml lives (default: this project)
  --timeout <seconds>     per flyctl call (default 60)
  --json                  one JSON document on stdout
  -h, --help              this text

Exit codes: 0 no drift, 5 drift, 1 runtime error (flyctl missing or failing), 2 usage or config.`;

const options = {
  "project-dir": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function runDoctor(args: string[], io: OperationsIo): Promise<number> {
  return guarded(io, async () => {
    const { values, positionals } = parseFlags("doctor", args, options);
    if (values.help) {
      writeLine(io.stdout, doctorHelp);
      return ExitCode.ok;
    }
    if (positionals.length > 1) {
      throw usageError(
        `gaia-db doctor: expected one environment, got ${positionals.length} arguments`,
      );
    }
    const environment = parseEnvironment(positionals[0], "doctor");
    if (environment === "local") {
      throw usageError(
        "gaia-db doctor: local has no Fly resources: allowed are dev, staging, production",
      );
    }
    const { raw, secretKeys } = await readStackConfig(
      values["project-dir"] ?? PROJECT_ROOT,
      environment,
    );
    const { formatProblems, parseConfig } = await import("../config/parseConfig.ts");
    const parsed = parseConfig(raw, environment, secretKeys);
    if (!parsed.ok) throw usageError(formatProblems(parsed.errors, environment));
    const expected = expectedFromConfig(parsed.config as FlyStackConfig);
    const fly = flyRunner("fly", io.env, parseTimeout("doctor", values.timeout, 60));
    const version = await fly(flyctlVersionArgs());
    const drifts = diagnose(expected, await observe(fly, expected));
    const notes = [
      flyctlVersionWarning(version.code === 0 ? parseFlyctlVersion(version.stdout) : null),
      expected.postgres.kind === "managed"
        ? `managed Postgres ${expected.postgres.name} is not compared (fly mpg status)`
        : null,
    ].filter((note): note is string => note !== null);
    if (values.json) writeJson(io.stdout, { environment, drifts, notes });
    else writeLine(io.stdout, renderDrifts(environment, drifts, notes));
    return drifts.length === 0 ? ExitCode.ok : ExitCode.gap;
  });
}
