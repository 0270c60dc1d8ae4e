/**
 * A stack's config read from its files, for `gaia-db doctor` (which compares the live Fly
 * resources with it). This module loads the config code (zod, @pulumi/pulumi, yaml): the CLI
 * loads it only when doctor runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type FlyStackConfig, formatProblems, parseConfig } from "../config/parseConfig";
import { requiredSecrets } from "../config/schema";
import { usageError } from "../shared/errors";
import type { FlyEnvironment } from "../shared/vocabulary";
import { type DoctorExpected, expectedFromConfig } from "./doctor";

/**
 * The stack's `gaia:` config as Pulumi would hand it to the program: Pulumi.yaml's declared
 * defaults, then Pulumi.<stack>.yaml (objects as JSON text, as Pulumi stores them). Secrets are
 * encrypted in the file (or not set here at all); doctor compares resources, not secrets, so
 * every secret the stack needs stands in as a placeholder marked secret.
 */
export function readStackConfig(projectDir: string, stack: string) {
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

/** What doctor expects on Fly for `environment`, from its stack files; a bad config is exit 2. */
export function expectedFromStackFiles(
  projectDir: string,
  environment: FlyEnvironment,
): DoctorExpected {
  const { raw, secretKeys } = readStackConfig(projectDir, environment);
  const parsed = parseConfig(raw, environment, secretKeys);
  if (!parsed.ok) throw usageError(formatProblems(parsed.errors, environment));
  return expectedFromConfig(parsed.config as FlyStackConfig);
}
