/**
 * `gaia:fly:ServiceSecrets`: the secrets each service app of a Fly environment reads.
 *
 * - `<name>-app-login`: `gaia-db app-login <env> --stdin-config --fly-app <pg-app> --json` creates
 *   or rotates the least-privilege login `gaia_app_<env>` (src/fly/serviceDatabase.ts); the admin
 *   URL and the password travel on stdin. The password is a `random.RandomPassword` child unless
 *   `appPassword` is given; `appPasswordRotation` is its keeper (change it to rotate).
 * - `<name>-<service>-secrets`, one per app, after the login: a `service-secrets` Fly command
 *   (src/fly/runtime/serviceSecretsCommand.ts) stages DATABASE_URL, REDIS_URL and, for the services that
 *   validate JWTs, SUPABASE_URL / SUPABASE_ANON_KEY / SUPABASE_JWT_SECRET with
 *   `fly secrets import --stage` through stdin, only the ones whose value changed, and keeps (and
 *   reports in `kept`) a secret someone else set unless `adoptSecrets`.
 * The environment of every command holds names only; values and the fingerprints derived from
 * them live in the secret stdin and the secret stdout.
 */
import * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TIMEOUT_VARIABLE } from "../process/deadline";
import { dependsOnList, type GaiaComponentOptions, optionsFor } from "../shared/components";
import { DEFAULT_JWT_SERVICES, type FlyEnvironment, secretNamesFor } from "../shared/vocabulary";
import { flyCommand, resultOf } from "./command";
import {
  APP_LOGIN_TIMEOUT_SECONDS,
  appLoginCommandLine,
  serviceDatabaseUrl,
} from "./serviceDatabase";
import { adoptSecretsParam } from "./serviceSecretsPlan";

export interface FlyServiceSecretsArgs {
  readonly environment: FlyEnvironment;
  /** Service → Fly app (gaia:services without adoptSecrets). */
  readonly apps: Record<string, string>;
  /** Unmanaged Postgres app, e.g. `gaia-db-dev`: reached through `fly proxy`, and over flycast. */
  readonly postgresApp: string;
  /** The services' database, e.g. `llm_platform`. */
  readonly database: string;
  /** `FlyPostgres.databaseUrl`, an administrator's URL and a secret: creates the login. */
  readonly databaseUrl: pulumi.Input<string>;
  /** `FlyRedis.redisUrl`, a secret. */
  readonly redisUrl: pulumi.Input<string>;
  readonly supabaseUrl: pulumi.Input<string>;
  readonly supabaseAnonKey: pulumi.Input<string>;
  readonly supabaseJwtSecret: pulumi.Input<string>;
  /** gaia:services.adoptSecrets: overwrite a secret someone else set on an app (all, or those named). */
  readonly adoptSecrets: boolean | readonly string[];
  /** Services that get the Supabase settings (default: the auth service). */
  readonly jwtServices?: readonly string[];
  /** The login's password; default a generated one (RandomPassword child). */
  readonly appPassword?: pulumi.Input<string>;
  /** Keeper of the generated password: change it (e.g. a date) to rotate. */
  readonly appPasswordRotation?: string;
}

export class FlyServiceSecrets extends pulumi.ComponentResource {
  readonly appLogin: local.Command;
  readonly password?: random.RandomPassword;
  readonly secretCommands: Record<string, local.Command> = {};
  /** The services' DATABASE_URL, as the login `gaia_app_<env>`: a secret. */
  readonly serviceDatabaseUrl: pulumi.Output<string>;
  /** App → secret names left alone because someone else set them (names only, not secret). */
  readonly kept: pulumi.Output<Record<string, string[]>>;
  /** App → secret names staged by the last run that changed something (not secret). */
  readonly staged: pulumi.Output<Record<string, string[]>>;

  /**
   * Children: the login and each app's secrets (kind `app`), which wait for `opts.dependsOn`
   * (the migrations, which create `gaia_app`, and the app shells); the generated password.
   */
  constructor(name: string, args: FlyServiceSecretsArgs, opts?: GaiaComponentOptions) {
    super("gaia:fly:ServiceSecrets", name, {}, opts);
    const after = dependsOnList(opts);
    let password: pulumi.Output<string>;
    if (args.appPassword !== undefined) password = pulumi.secret(args.appPassword);
    else {
      this.password = new random.RandomPassword(
        `${name}-app-password`,
        {
          length: 32,
          // URL-safe: the password goes into DATABASE_URL and a NAME=VALUE import line.
          special: false,
          ...(args.appPasswordRotation !== undefined
            ? { keepers: { rotation: args.appPasswordRotation } }
            : {}),
        },
        { parent: this },
      );
      password = pulumi.secret(this.password.result);
    }

    this.appLogin = new local.Command(
      `${name}-app-login`,
      {
        create: appLoginCommandLine(args.environment, args.postgresApp),
        // No delete: the services may still log in with it; dropping a role is a migration.
        environment: {
          GAIA_STACK: args.environment,
          [TIMEOUT_VARIABLE]: String(APP_LOGIN_TIMEOUT_SECONDS),
        },
        stdin: pulumi.secret(
          pulumi
            .all([args.databaseUrl, password])
            .apply(([databaseUrl, appPassword]) => JSON.stringify({ databaseUrl, appPassword })),
        ),
        logging: "stdoutAndStderr",
      },
      {
        parent: this,
        dependsOn: after,
        ...optionsFor(opts, "app"),
        customTimeouts: {
          create: `${APP_LOGIN_TIMEOUT_SECONDS}s`,
          update: `${APP_LOGIN_TIMEOUT_SECONDS}s`,
        },
      },
    );

    this.serviceDatabaseUrl = pulumi.secret(
      password.apply((pw) =>
        serviceDatabaseUrl(args.postgresApp, args.database, args.environment, pw),
      ),
    );
    const jwtServices = args.jwtServices ?? DEFAULT_JWT_SERVICES;
    const all = {
      DATABASE_URL: this.serviceDatabaseUrl,
      REDIS_URL: args.redisUrl,
      SUPABASE_URL: args.supabaseUrl,
      SUPABASE_ANON_KEY: args.supabaseAnonKey,
      SUPABASE_JWT_SECRET: args.supabaseJwtSecret,
    };
    const kept: Record<string, pulumi.Output<string[]>> = {};
    const staged: Record<string, pulumi.Output<string[]>> = {};
    for (const [service, app] of Object.entries(args.apps)) {
      const names = secretNamesFor(service, jwtServices);
      const values = pulumi.output(Object.fromEntries(names.map((n) => [n, all[n]])));
      const cmd = flyCommand(
        `${name}-${service}-secrets`,
        {
          kind: "service-secrets",
          stack: args.environment,
          environment: {
            APP_NAME: app,
            SERVICE: service,
            SECRET_NAMES: names.join(","),
            ADOPT_SECRETS: adoptSecretsParam(args.adoptSecrets),
          },
          secrets: pulumi.output({ values }),
          // The result carries fingerprints of the values: secret, never logged.
          secretOutput: true,
          noDelete: true,
        },
        {
          parent: this,
          dependsOn: [this.appLogin, ...after],
          ...optionsFor(opts, "app"),
        },
      );
      this.secretCommands[service] = cmd;
      // Names only: safe to show, though read from the secret stdout.
      kept[app] = pulumi.unsecret(
        cmd.stdout.apply((s) =>
          ((resultOf(s).kept as { name: string }[] | undefined) ?? []).map((k) => k.name),
        ),
      );
      staged[app] = pulumi.unsecret(
        cmd.stdout.apply((s) => (resultOf(s).staged as string[] | undefined) ?? []),
      );
    }
    this.kept = pulumi.output(kept);
    this.staged = pulumi.output(staged);
    this.registerOutputs({
      serviceDatabaseUrl: this.serviceDatabaseUrl,
      kept: this.kept,
      staged: this.staged,
    });
  }
}
