/**
 * `gaia-db app-login <env> --stdin-config [--fly-app <pg-app>]`: creates or rotates the services'
 * login `gaia_app_<env>`. Both the admin URL and the new password arrive on stdin only (the
 * Pulumi component pipes them); neither is ever printed.
 */
import { APP_LOGIN_TIMEOUT_SECONDS } from "../../fly/serviceDatabase";
import { ExitCode, usageError } from "../../shared/errors";
import { APP_LOGIN_STDIN_SHAPE } from "../../shared/vocabulary";
import { formatDuration } from "../duration";
import { loadAppLogin } from "../lazy";
import { OPTIONS, timeoutOption } from "../options";
import { stringOption } from "../spec";
import { environmentArgument, operationsCommand } from "./_operations";

const STDIN_SHAPE = APP_LOGIN_STDIN_SHAPE;

/**
 * The proxy, the admin's connection and the login's own connection may each wait this long:
 * three of them fit in the customTimeout of the command the stack runs this in.
 */
const MAX_MS = Math.floor(APP_LOGIN_TIMEOUT_SECONDS / 3 / 60) * 60_000;

export const appLogin = operationsCommand({
  path: ["app-login"],
  summary: "create or rotate the services' database login (secrets on stdin only)",
  usage: "<environment> --stdin-config [--fly-app <postgres-app>] [options]",
  positionals: ["environment"],
  description:
    "Creates the services' database login gaia_app_<environment> (LOGIN, member of gaia_app only: rows, sequences and functions, no DDL, no superuser), or sets a new password on it (rotation); any other membership it holds (granted by hand, or left by an earlier version) and an ADMIN OPTION on gaia_app are revoked, in the same transaction. Then it connects with it to prove the password works. The password reaches the server only as a SCRAM verifier. The migrations must have run first (core/0007 creates gaia_app), and the database must be bound to the environment (gaia_migrations.bound_environment()).",
  options: [
    {
      flags: "--stdin-config",
      description: "read the JSON below from stdin (required)",
      group: OPTIONS,
    },
    {
      flags: "--fly-app <app>",
      description: "reach the database through `fly proxy` to this Fly Postgres app",
      group: OPTIONS,
    },
    timeoutOption("connection and statement timeout", 30_000, {
      minMs: 1000,
      maxMs: MAX_MS,
      maxReason: `the stack's app-login command stops after ${formatDuration(APP_LOGIN_TIMEOUT_SECONDS * 1000)}`,
    }),
  ],
  sections: [
    {
      title: "Stdin (required, how the Pulumi stack passes secrets: never in argv):",
      body: '  {"databaseUrl": "postgres://postgres:...@host:5432/db", "appPassword": "..."}\n  databaseUrl is an administrator\'s URL (a role that may create roles).',
    },
  ],
  exitCodes: [
    [0, "ok"],
    [1, "runtime error"],
    [2, "usage"],
    [3, "refused (a database not bound to this environment, no gaia_app role: migrate first)"],
  ],
  async run(ctx) {
    const environment = environmentArgument(ctx);
    const { io } = ctx;
    if (ctx.opts["stdin-config"] !== true || io.readStdin === undefined) {
      throw usageError(
        `app-login: the admin URL and the new password are read from stdin only: pass --stdin-config and pipe ${STDIN_SHAPE}`,
      );
    }
    // Reading a terminal would wait for input nobody is going to type.
    if (io.stdinIsTty) {
      throw usageError(
        `app-login: --stdin-config reads stdin, which is a terminal: pipe ${STDIN_SHAPE}`,
      );
    }
    const { createAppLogin, parseAppLoginInput } = await loadAppLogin();
    const input = parseAppLoginInput(await io.readStdin());
    const flyApp = stringOption(ctx, "fly-app");
    const result = await createAppLogin({
      environment,
      input,
      timeoutMs: ctx.opts.timeout as number,
      env: io.env,
      ...(flyApp !== undefined ? { flyApp } : {}),
      ...(io.openProxy ? { openProxy: io.openProxy } : {}),
    });
    if (ctx.json) ctx.out.json({ ok: true, ...result });
    else {
      ctx.out.line(
        `${result.role}: ${result.created ? "created" : "password set (rotated)"}, member of gaia_app only; logging in with it works.`,
      );
    }
    return ExitCode.ok;
  },
});
