/**
 * `gaia-db env <env>`: the settings a service reads, in dotenv format, from the stack outputs —
 * for running services on this machine against the local stack (redirect it into a .env file).
 */
import { parseEnvironment } from "./environments";
import { ExitCode, usageError } from "./errors";
import { writeJson, writeLine } from "./format";
import { guarded, type OperationsIo, parseFlags, parseTimeout } from "./io";
import { privateFlyApp } from "./reach";
import { readStackOutputs, stringOutput } from "./stack";

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
] as const;

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
      ? `set ${setting.config.name} (pulumi config set${setting.config.secret ? " --secret" : ""} ${setting.config.name} <value> -s ${environment}) and export it from the program as the output ${setting.output}`
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

export const envHelp = `Usage: gaia-db env <environment> [options]

Prints, in dotenv format, the settings a service reads: DATABASE_URL, REDIS_URL, SUPABASE_URL,
SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET, from the stack outputs (pulumi stack output
--show-secrets), for running services against the local stack:

  gaia-db env local > .env.local

The output holds secrets. A value the stack does not export is printed empty, with a comment
naming the config to set; a warning on stderr lists them.

Options:
  --timeout <seconds>     how long to wait for the Pulumi CLI (default 60)
  --json                  one JSON document on stdout
  -h, --help              this text

Exit codes: 0 ok (also with empty values), 1 runtime error (Pulumi CLI missing, no stack), 2 usage.`;

const options = {
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function runEnv(args: string[], io: OperationsIo): Promise<number> {
  return guarded(io, async () => {
    const { values, positionals } = parseFlags("env", args, options);
    if (values.help) {
      writeLine(io.stdout, envHelp);
      return ExitCode.ok;
    }
    if (positionals.length > 1) {
      throw usageError(
        `gaia-db env: expected one environment, got ${positionals.length} arguments`,
      );
    }
    const environment = parseEnvironment(positionals[0], "env");
    const outputs = await readStackOutputs(environment, {
      env: io.env,
      timeoutMs: parseTimeout("env", values.timeout, 60),
      alternative: "and run it again",
    });
    const report = buildEnvReport(environment, outputs);
    if (values.json) writeJson(io.stdout, report);
    else writeLine(io.stdout, renderDotenv(report));
    if (report.missing.length > 0) {
      writeLine(
        io.stderr,
        `warning: empty in the output: ${report.missing.map((m) => m.key).join(", ")} (see the comments)`,
      );
    }
    return ExitCode.ok;
  });
}
