/**
 * The committed stack files and Pulumi.yaml, turned into the raw config map Pulumi hands the
 * program: project defaults first, the stack file's values over them, objects as JSON text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { pulumiYamlDefaults } from "../../src/config/reference";

const root = join(__dirname, "..", "..");

export function projectDefaults(): Record<string, string> {
  return pulumiYamlDefaults(parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")));
}

export function stackFile(stack: string): Record<string, string> {
  const file = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config ?? {})) {
    raw[key] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return raw;
}

/** What `pulumi up -s <stack>` passes the program, plus the given secrets. */
export function rawConfig(stack: string, secrets: Record<string, string> = {}) {
  return { ...projectDefaults(), ...stackFile(stack), ...secrets };
}

export const FLY_SECRETS = {
  "gaia:postgresPassword": "pg-secret-value",
  "gaia:supabaseAnonKey": "anon-secret-value",
  "gaia:supabaseJwtSecret": "jwt-secret-value",
};
