/**
 * How the services of a Fly environment reach the database: the login `gaia_app_<environment>`
 * (a member of `gaia_app` only), their DATABASE_URL over Fly's private network, and the
 * `gaia-db app-login` command the stack runs to create or rotate that login. Light on purpose:
 * the CLI reads APP_LOGIN_TIMEOUT_SECONDS for the bounds of `app-login --timeout` without
 * loading Pulumi.
 */
import { buildPostgresUrl, type PostgresUrl } from "../migrations/postgresUrl";
import type { Environment } from "../shared/vocabulary";

/** The login the services of `environment` use (roles are cluster-wide: one per environment). */
export function appLoginRole(environment: Environment): string {
  return `gaia_app_${environment}`;
}

/** The URL a service uses: the stack's private host, the app login, the database. */
export function appDatabaseUrl(parts: {
  host: string;
  port?: number;
  database: string;
  environment: Environment;
  password: string;
  params?: PostgresUrl["params"];
}): string {
  return buildPostgresUrl({
    user: appLoginRole(parts.environment),
    password: parts.password,
    host: parts.host,
    port: parts.port ?? 5432,
    database: parts.database,
    ...(parts.params ? { params: parts.params } : {}),
  });
}

/** The services' URL: the app login over Fly's private network (flycast, the Postgres proxy). */
export function serviceDatabaseUrl(
  postgresApp: string,
  database: string,
  environment: Environment,
  password: string,
): string {
  return appDatabaseUrl({
    host: `${postgresApp}.flycast`,
    port: 5432,
    database,
    environment,
    password,
    params: { sslmode: "disable" },
  });
}

/**
 * `exec node bin/gaia-db.js app-login …`: the relative CLI, run from the program directory;
 * `exec` so the provider's kill at the customTimeout reaches node (dash forks a lone command).
 */
export function appLoginCommandLine(environment: string, postgresApp: string): string {
  return `exec node bin/gaia-db.js app-login ${environment} --stdin-config --fly-app ${postgresApp} --json`;
}

/** customTimeouts of the app-login command: it connects through `fly proxy`, which may hang. */
export const APP_LOGIN_TIMEOUT_SECONDS = 10 * 60;
