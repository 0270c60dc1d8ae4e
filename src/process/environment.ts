/**
 * The explicit environment of every process gaia starts from a `pulumi up`. The command provider
 * hands each command the whole environment of `pulumi` (the state backend's write keys,
 * PULUMI_CONFIG_PASSPHRASE, PULUMI_ACCESS_TOKEN, a DATABASE_URL an operator exported, ...);
 * flyctl, `fly proxy` and gaia-db get only the variables below.
 */

export type Child = "flyctl" | "gaia-db";

/** What any program needs to run: executables, home, temporary files, locale, time zone. */
const BASE = new Set(["PATH", "HOME", "USER", "TMPDIR", "TZ", "LANG", "LANGUAGE"]);

/**
 * Outbound HTTPS as Go does it: net/http ProxyFromEnvironment (both spellings) and crypto/x509's
 * system roots on Linux.
 */
const NETWORK = new Set([
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
]);

/**
 * flyctl v0.4.87 reads its token and settings from FLY_* (internal/config/config.go:22-47,
 * helpers/config.go FLY_CONFIG_DIR, ...) and FLYCTL_* (FLYCTL_INSTALL, FLYCTL_WG_REGION), and its
 * log level from LOG_LEVEL (internal/logger/logger.go).
 */
const FLYCTL_PREFIXES = ["FLY_", "FLYCTL_"];
const FLYCTL_NAMES = new Set(["LOG_LEVEL", "NO_COLOR"]);

/** Whether `name` reaches `child`. Pure: the table in test/process/environment.test.ts. */
export function passes(child: Child, name: string): boolean {
  if (BASE.has(name) || name.startsWith("LC_") || NETWORK.has(name)) return true;
  const flyctl = FLYCTL_NAMES.has(name) || FLYCTL_PREFIXES.some((p) => name.startsWith(p));
  // gaia-db starts `fly proxy`, so it carries flyctl's variables, plus its own settings: GAIA_*
  // and SUPABASE_PROJECT_REF (src/cli/main.ts), never DATABASE_URL (stdin carries the URL).
  if (child === "flyctl") return flyctl;
  return flyctl || name.startsWith("GAIA_") || name === "SUPABASE_PROJECT_REF";
}

/** The environment `child` is started with. */
export function childEnvironment(child: Child, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && passes(child, name)) out[name] = value;
  }
  return out;
}

/**
 * Reduces this process's own environment to `child`'s, in place, so no module loaded afterwards
 * (node-postgres reads PG* defaults, for one) and no process started from here sees the rest.
 */
export function restrictEnvironment(child: Child, env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(env)) {
    if (!passes(child, name)) delete env[name];
  }
}
