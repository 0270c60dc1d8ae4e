/**
 * `Migrations`: runs `gaia-db migrate` after the database exists, as one `local.Command`.
 *
 * - The command string is a relative path and non-secret flags only: `exec node bin/gaia-db.js
 *   migrate <env> --stdin-config --modules … --json` (never `npx`, no absolute path, no `dir`).
 *   `exec`: the provider kills only its shell at the customTimeout, and dash forks a lone command.
 *   With --stdin-config gaia-db keeps only its explicit environment (src/process/environment.ts).
 * - One timeout, the customTimeout and GAIA_TIMEOUT_SECONDS: gaia-db stops itself and `fly proxy`
 *   before the provider's kill (src/process/deadline.ts).
 * - The database URL and Supabase project ref go on stdin as one secret JSON document; nothing
 *   secret is in the command string or `environment` (a secret there would also turn the whole
 *   map into `[secret]` and hide the file list from previews).
 * - `environment` names what will be applied, one `module/file:sha256` line per file, so a
 *   pull-request preview shows exactly which SQL files changed, and the command re-runs only when
 *   those inputs change. No `triggers` (a trigger change replaces the resource) and no timestamps.
 * - `update` is the same as `create` (migrate is idempotent); there is no `delete`, so destroying
 *   the stack never drops a schema.
 * - logging: "stdoutAndStderr". The CLI never prints a URL or password (masked even in connection
 *   errors, tested), its --json document lists the files applied, which operators need to see in
 *   `pulumi up`, and on failure the provider puts all output into the error text regardless of
 *   `logging`, so hiding the stream would hide nothing more. For the same reason `report` is not
 *   secret: a secret stdin does not make stdout secret, and nothing in it is.
 */
import { createHash } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";
import { type GaiaComponentOptions, optionsFor } from "../shared/components";
import { type Environment, MIGRATION_KIND, type Module, parseModules } from "../shared/vocabulary";
import { loadMigrationSet } from "./files";
import { MIGRATIONS_TIMEOUT_SECONDS } from "./timeouts";

export const GAIA_DB = "exec node bin/gaia-db.js";

export interface MigrationsArgs {
  environment: Environment;
  /** `gaia:migrations.modules`; core is always included. */
  modules: readonly Module[];
  /** Relative to the Pulumi program directory; default "migrations" (gaia-db's --migrations-dir). */
  migrationsDir?: string;
  /** Secret. Reaches the CLI on stdin only. */
  databaseUrl: pulumi.Input<string>;
  supabaseProjectRef?: pulumi.Input<string>;
  /** `gaia:migrations.baseline`, e.g. "0001": adopt an unmanaged database at this version. */
  baseline?: string;
  /**
   * Production also needs this to be "production" before a declared baseline may run there
   * (passed as --confirm); ignored without `baseline`.
   */
  baselineConfirm?: Environment;
  /** `gaia:isolation.enforce`; omitted = leave the database's setting alone. */
  isolationEnforced?: boolean;
  /**
   * `gaia:migrations.heldBack`: `module/file.sql:sha256` entries migrate must not apply while
   * pending unchanged (src/migrations/heldBack.ts); on the command line, so previews show them.
   */
  heldBack?: readonly string[];
  /** Extra non-secret CLI flags (e.g. timeouts); each must be a plain token. */
  extraArgs?: readonly string[];
  /**
   * Fly Postgres is reached through `fly proxy` (the CLI's --fly-app / --fly-managed-cluster):
   * the unmanaged Postgres app, or the managed cluster id (known only once the cluster exists).
   */
  fly?: { app: string } | { managedCluster: pulumi.Input<string> };
}

/** What `migrateCommand` needs: everything but the secrets, with a resolved Fly target. */
export type MigrateCommandArgs = Omit<
  MigrationsArgs,
  "databaseUrl" | "supabaseProjectRef" | "fly"
> & {
  fly?: { app: string } | { managedCluster: string };
};

const SAFE_TOKEN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The command line, built from non-secret inputs only. Pure, so tests pin it exactly. */
export function migrateCommand(args: MigrateCommandArgs): string {
  const root = args.migrationsDir ?? "migrations";
  if (isAbsolute(root)) {
    throw new Error(
      `Migrations: migrationsDir "${root}" is absolute; give it relative to the Pulumi program directory (default "migrations") so state and previews do not depend on the machine`,
    );
  }
  const parts = [
    GAIA_DB,
    "migrate",
    args.environment,
    "--stdin-config",
    "--modules",
    parseModules(args.modules).join(","),
    "--json",
  ];
  if (root !== "migrations") parts.push("--migrations-dir", root);
  if (args.isolationEnforced !== undefined) {
    parts.push("--isolation", args.isolationEnforced ? "on" : "off");
  }
  if (args.baseline !== undefined) {
    parts.push("--baseline", args.baseline);
    if (args.baselineConfirm !== undefined) parts.push("--confirm", args.baselineConfirm);
  }
  for (const entry of args.heldBack ?? []) parts.push("--hold-back", entry);
  if (args.fly !== undefined) {
    if ("app" in args.fly) parts.push("--fly-app", args.fly.app);
    else parts.push("--fly-managed-cluster", args.fly.managedCluster);
  }
  for (const extra of args.extraArgs ?? []) {
    if (!SAFE_TOKEN.test(extra)) {
      throw new Error(
        `Migrations: extra argument ${JSON.stringify(extra)} is not a plain token (letters, digits and _@%+=:,./-); secrets never go on the command line, and shell syntax is not allowed`,
      );
    }
    parts.push(extra);
  }
  for (const p of parts.slice(1)) {
    if (!SAFE_TOKEN.test(p)) {
      throw new Error(`Migrations: ${JSON.stringify(p)} cannot be passed on the command line`);
    }
  }
  return parts.join(" ");
}

/**
 * One sha256 over the file list and the files held back: changes exactly when what migrate would
 * apply changes (used to take production's pre-migration snapshot once per migration set, so
 * releasing held-back files takes a new one). Without held-back files it is the file list's alone.
 */
export function migrationSetChecksum(
  root: string,
  modules: readonly Module[],
  heldBack: readonly string[] = [],
): string {
  const hash = createHash("sha256").update(migrationFileList(root, modules));
  if (heldBack.length > 0) hash.update(`\nheld back:\n${heldBack.join("\n")}`);
  return hash.digest("hex");
}

/** `core/0001_live_schema.sql:<sha256>` per line, in application order. */
export function migrationFileList(root: string, modules: readonly Module[]): string {
  return loadMigrationSet(resolve(root), modules)
    .map((f) => `${f.relativePath}:${f.checksum}`)
    .join("\n");
}

export class Migrations extends pulumi.ComponentResource {
  /** The CLI's --json report (not secret: it names files, never a URL or password). */
  readonly report: pulumi.Output<string>;
  /** The files this resource applies, `module/file:sha256` per line (not secret). */
  readonly files: string;

  /** Child: the migrate command (kind `migration`), which waits for `opts.dependsOn`. */
  constructor(name: string, args: MigrationsArgs, opts?: GaiaComponentOptions) {
    super("gaia:migrations:Migrations", name, {}, opts);
    const root = args.migrationsDir ?? "migrations";
    const modules = parseModules(args.modules);
    const { fly, ...rest } = args;
    const command: pulumi.Input<string> =
      fly !== undefined && "managedCluster" in fly
        ? pulumi
            .output(fly.managedCluster)
            .apply((id) => migrateCommand({ ...rest, fly: { managedCluster: id } }))
        : migrateCommand({ ...rest, ...(fly ? { fly } : {}) });
    this.files = migrationFileList(root, modules);
    const stdin = pulumi.secret(
      pulumi
        .all([args.databaseUrl, args.supabaseProjectRef])
        .apply(([databaseUrl, supabaseProjectRef]) =>
          JSON.stringify({
            databaseUrl,
            ...(supabaseProjectRef ? { supabaseProjectRef } : {}),
          }),
        ),
    );
    const migrate = new local.Command(
      `${name}-migrate`,
      {
        create: command,
        update: command,
        stdin,
        environment: {
          GAIA_RESOURCE_KIND: MIGRATION_KIND,
          GAIA_STACK: pulumi.getStack(),
          GAIA_MIGRATION_MODULES: modules.join(","),
          GAIA_MIGRATION_FILES: this.files,
          // gaia-db's own deadline (src/process/deadline.ts; src/migrations imports nothing else).
          GAIA_TIMEOUT_SECONDS: String(MIGRATIONS_TIMEOUT_SECONDS),
        },
        logging: "stdoutAndStderr",
        // The previous run's output is not needed and would only grow the environment.
        addPreviousOutputInEnv: false,
      },
      {
        parent: this,
        // Children do not inherit dependsOn: the database must exist before migrate runs.
        ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}),
        ...optionsFor(opts, "migration"),
        customTimeouts: {
          create: `${MIGRATIONS_TIMEOUT_SECONDS}s`,
          update: `${MIGRATIONS_TIMEOUT_SECONDS}s`,
        },
      },
    );
    this.report = migrate.stdout;
    this.registerOutputs({ report: this.report, files: this.files });
  }
}
