/**
 * Handler of `gaia-db app-login <env> --stdin-config [--fly-app <pg-app>]`: creates or rotates
 * the services' login `gaia_app_<env>` (appLogin.ts). Both the admin URL and the new password
 * arrive on stdin only (the Pulumi component pipes them); neither is ever printed. With
 * --fly-app the admin URL's host is replaced by the local end of `fly proxy -a <pg-app>`, and the
 * new login is checked by connecting with it through the same proxy.
 */
import { withFlyProxy } from "../fly/proxy";
import { parsePostgresUrl, withParts } from "../migrations/postgresUrl";
import { ensureAppLogin } from "./appLogin";
import { checkBoundEnvironment } from "./binding";
import { parseEnvironment } from "./environments";
import { ExitCode, usageError } from "./errors";
import { writeJson, writeLine } from "./format";
import { guarded, type OperationsIo, parseFlags, parseTimeout } from "./io";
import { rewriteToLocalPort, withConnection } from "./reach";

export const appLoginHelp = `Usage: gaia-db app-login <environment> --stdin-config [--fly-app <postgres-app>] [options]

Creates the services' database login gaia_app_<environment> (LOGIN, member of gaia_app only:
rows, sequences and functions, no DDL, no superuser), or sets a new password on it (rotation),
then connects with it to prove the password works. The password reaches the server only as a
SCRAM verifier. The migrations must have run first (core/0007 creates gaia_app), and the
database must be bound to the environment (gaia_migrations.bound_environment()).

Stdin (required, how the Pulumi stack passes secrets: never in argv):
  {"databaseUrl": "postgres://postgres:...@host:5432/db", "appPassword": "..."}
  databaseUrl is an administrator's URL (a role that may create roles).

Options:
  --stdin-config          read the JSON above from stdin (required)
  --fly-app <app>         reach the database through \`fly proxy\` to this Fly Postgres app
  --timeout <seconds>     connection and statement timeout (default 30)
  --json                  one JSON document on stdout
  -h, --help              this text

Exit codes: 0 ok, 1 runtime error, 2 usage, 3 refused (a database not bound to this environment,
no gaia_app role: migrate first).`;

const options = {
  "stdin-config": { type: "boolean" },
  "fly-app": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export interface AppLoginInput {
  databaseUrl: string;
  appPassword: string;
}

const STDIN_SHAPE = '{"databaseUrl": "postgres://...", "appPassword": "..."}';

/** Validates the stdin JSON without ever echoing a value. */
export function parseAppLoginInput(text: string): AppLoginInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`gaia-db app-login: stdin is not valid JSON; expected ${STDIN_SHAPE}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usageError(`gaia-db app-login: stdin must hold a JSON object ${STDIN_SHAPE}`);
  }
  const obj = value as Record<string, unknown>;
  const unknownKeys = Object.keys(obj).filter((k) => k !== "databaseUrl" && k !== "appPassword");
  if (unknownKeys.length > 0) {
    throw usageError(
      `gaia-db app-login: unknown stdin key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.join(", ")}; allowed keys are databaseUrl and appPassword`,
    );
  }
  for (const key of ["databaseUrl", "appPassword"] as const) {
    if (typeof obj[key] !== "string" || obj[key] === "") {
      throw usageError(`gaia-db app-login: stdin "${key}" must be a non-empty string`);
    }
  }
  const databaseUrl = obj.databaseUrl as string;
  // Strictly, before anything connects: a malformed URL is exit 2 with no DNS lookup.
  parsePostgresUrl(databaseUrl, 'gaia-db app-login: stdin "databaseUrl"');
  return { databaseUrl, appPassword: obj.appPassword as string };
}

/** The admin URL with the login's name and password instead (same host, port, database). */
export function loginUrl(adminUrl: string, role: string, password: string): string {
  return withParts(adminUrl, "the database URL", { user: role, password });
}

export interface AppLoginResult {
  environment: string;
  role: string;
  /** false: the role existed and got the new password (a rotation, or the same one again). */
  created: boolean;
}

export async function runAppLogin(
  args: string[],
  io: OperationsIo & {
    readStdin?: () => Promise<string>;
    /** Whether stdin is a terminal (default: process.stdin.isTTY). */
    stdinIsTTY?: boolean;
  },
): Promise<number> {
  return guarded(io, async () => {
    const { values, positionals } = parseFlags("app-login", args, options);
    if (values.help) {
      writeLine(io.stdout, appLoginHelp);
      return ExitCode.ok;
    }
    if (positionals.length > 1) {
      throw usageError(
        `gaia-db app-login: expected one environment, got ${positionals.length} arguments`,
      );
    }
    const environment = parseEnvironment(positionals[0], "app-login");
    const timeoutMs = parseTimeout("app-login", values.timeout);
    if (!values["stdin-config"] || io.readStdin === undefined) {
      throw usageError(
        `gaia-db app-login: the admin URL and the new password are read from stdin only: pass --stdin-config and pipe ${STDIN_SHAPE}`,
      );
    }
    // Reading a terminal would wait for input nobody is going to type.
    if (io.stdinIsTTY ?? process.stdin.isTTY === true) {
      throw usageError(
        `gaia-db app-login: --stdin-config reads stdin, which is a terminal: pipe ${STDIN_SHAPE}`,
      );
    }
    const input = parseAppLoginInput(await io.readStdin());
    const work = async (adminUrl: string): Promise<AppLoginResult> => {
      const { role, created } = await withConnection(adminUrl, timeoutMs, async (client) => {
        // The services of this environment get the login: it must be this environment's database.
        await checkBoundEnvironment(client, `app-login ${environment}`, environment);
        const before = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [
          `gaia_app_${environment}`,
        ]);
        const name = await ensureAppLogin(client, environment, input.appPassword);
        return { role: name, created: before.rowCount === 0 };
      });
      // The services will log in this way: prove it works before they are given the URL.
      await withConnection(loginUrl(adminUrl, role, input.appPassword), timeoutMs, async () => {});
      return { environment, role, created };
    };
    const app = values["fly-app"];
    const result =
      app === undefined
        ? await work(input.databaseUrl)
        : await (io.openProxy ?? withFlyProxy)(
            { app, flyBinary: "fly", env: io.env, timeoutMs },
            (port) => work(rewriteToLocalPort(input.databaseUrl, port)),
          );
    if (values.json) writeJson(io.stdout, { ok: true, ...result });
    else
      writeLine(
        io.stdout,
        `${result.role}: ${result.created ? "created" : "password set (rotated)"}, member of gaia_app only; logging in with it works.`,
      );
    return ExitCode.ok;
  });
}
