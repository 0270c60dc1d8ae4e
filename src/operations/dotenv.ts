/**
 * `gaia-db env <env>`'s core: the settings a service reads, in dotenv format, from the stack
 * outputs — for running services on this machine against the local stack.
 */
import type { ServiceSecretName } from "../shared/vocabulary";
import { privateFlyApp } from "./reach";
import { stringOutput } from "./stack";

/** Each setting, the stack output it comes from, and the config that feeds that output. */
export const SERVICE_SETTINGS = [
  { key: "DATABASE_URL", output: "databaseUrl", config: null },
  { key: "REDIS_URL", output: "redisUrl", config: null },
  {
    key: "SUPABASE_URL",
    output: "supabaseUrl",
    config: { name: "gaia:supabaseUrl", secret: false },
  },
  {
    key: "SUPABASE_ANON_KEY",
    output: "supabaseAnonKey",
    config: { name: "gaia:supabaseAnonKey", secret: true },
  },
  {
    key: "SUPABASE_JWT_SECRET",
    output: "supabaseJwtSecret",
    config: { name: "gaia:supabaseJwtSecret", secret: true },
  },
] as const satisfies readonly { key: ServiceSecretName; output: string; config: unknown }[];

export type SettingKey = (typeof SERVICE_SETTINGS)[number]["key"];

/**
 * A dotenv value that the common readers (dotenv, python-dotenv, docker compose) read back
 * unchanged: single quotes (literal, no `$` expansion) when the value allows, else double quotes
 * with `\\`, `"` and newlines escaped. `$` is left alone: the readers disagree on `\$`
 * (python-dotenv keeps the backslash), and URLs, keys and JWT secrets hold no quote or newline.
 */
export function quoteDotenvValue(value: string): string {
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r/g, "\\r")
    .replace(/\n/g, "\\n");
  return `"${escaped}"`;
}

export interface EnvReport {
  environment: string;
  values: Record<SettingKey, string | null>;
  /** Why each missing value is missing and what to set. */
  missing: { key: SettingKey; reason: string }[];
  notes: string[];
}

/** Pure: the report for a stack's outputs. */
export function buildEnvReport(environment: string, outputs: Record<string, unknown>): EnvReport {
  const values = {} as Record<SettingKey, string | null>;
  const missing: EnvReport["missing"] = [];
  for (const setting of SERVICE_SETTINGS) {
    const value = stringOutput(outputs, setting.output);
    values[setting.key] = value;
    if (value !== null) continue;
    const fix = setting.config
      ? // A secret's value never goes on the command line: pulumi prompts for it.
        `set ${setting.config.name} (pulumi config set${setting.config.secret ? ` --secret ${setting.config.name}` : ` ${setting.config.name} <value>`} -s ${environment}) and export it from the program as the output ${setting.output}`
      : `run pulumi up -s ${environment}`;
    missing.push({
      key: setting.key,
      reason: `stack "${environment}" has no output ${setting.output}: ${fix}`,
    });
  }
  const notes: string[] = [];
  const app = values.DATABASE_URL ? privateFlyApp(values.DATABASE_URL) : null;
  if (app !== null) {
    notes.push(
      `DATABASE_URL is on Fly's private network: reachable from here only through fly proxy -a ${app}`,
    );
  }
  return { environment, values, missing, notes };
}

export function renderDotenv(report: EnvReport): string {
  const lines = [
    `# gaia-db env ${report.environment}: settings for services (holds secrets: never commit it)`,
    ...report.notes.map((note) => `# ${note}`),
  ];
  for (const setting of SERVICE_SETTINGS) {
    const value = report.values[setting.key];
    const missing = report.missing.find((m) => m.key === setting.key);
    if (missing) lines.push(`# ${setting.key}: ${missing.reason}`);
    lines.push(`${setting.key}=${value === null ? "" : quoteDotenvValue(value)}`);
  }
  return lines.join("\n");
}
