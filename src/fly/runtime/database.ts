/**
 * The target database (GAIA_RESOURCE_KIND=database): a fresh cluster only has `postgres` (managed:
 * `fly-db`), so `llm_platform` is created when missing: through `fly proxy` on unmanaged
 * Postgres, with `fly mpg databases create` on managed. The pre-migration snapshot is in
 * snapshot.ts.
 */
import pg from "pg";
import { mpgDatabasesCreateArgs, mpgDatabasesListArgs, mpgListArgs } from "../flags";
import { parseManagedDatabases, parseManagedList } from "../parsers";
import { withFlyProxy } from "../proxy";
import { type CommandContext, param, previousResult, type ResultLine, secret } from "./context";
import { CommandError } from "./flyctl";
import { managedClusterAbsent } from "./managed";

export async function databaseCommand(ctx: CommandContext): Promise<ResultLine> {
  const { env } = ctx;
  const app = param(env, "APP_NAME");
  const database = param(env, "DATABASE_NAME");
  const previous = previousResult(env);
  if (ctx.op === "delete") {
    // A database holds data: dropping it is never automatic (the cluster's own delete decides).
    return { origin: previous?.origin ?? "adopted", database, dropped: false };
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database))
    throw new CommandError(`DATABASE_NAME must be a lowercase identifier, got "${database}"`);
  if (env.POSTGRES_KIND === "managed") return managedDatabase(ctx, app, database, previous);
  const password = secret(ctx, "password");
  const user = env.DATABASE_USER || "postgres";
  const created = await withFlyProxy(
    { app, flyBinary: ctx.fly.binary, env: ctx.fly.env },
    async (port) => {
      const client = new pg.Client({
        host: "127.0.0.1",
        port,
        user,
        password,
        database: "postgres",
      });
      await client.connect().catch((e: unknown) => {
        throw passwordRefusal(e, env, app, user) ?? e;
      });
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [
          database,
        ]);
        if (exists.rowCount) return false;
        ctx.log(`CREATE DATABASE ${database}`);
        await client.query(`CREATE DATABASE "${database}"`);
        return true;
      } finally {
        await client.end();
      }
    },
  );
  const origin = previous?.origin === "created" || created ? "created" : "adopted";
  return { origin, database };
}

/** Managed Postgres: `fly mpg databases list|create` on the cluster found by name. */
async function managedDatabase(
  ctx: CommandContext,
  name: string,
  database: string,
  previous: ResultLine | undefined,
): Promise<ResultLine> {
  const { fly, env } = ctx;
  const cluster = parseManagedList((await fly.read(mpgListArgs(param(env, "ORG")))) ?? "").find(
    (c) => c.name === name,
  );
  if (!cluster) throw new CommandError(`managed Postgres ${name} is not listed in the org`);
  const org = param(env, "ORG");
  const list = async () => {
    const out = await fly.read(mpgDatabasesListArgs(cluster.id), {
      absent: managedClusterAbsent(ctx, org, cluster.id),
    });
    if (out === null)
      throw new CommandError(
        `managed Postgres ${name} (${cluster.id}) is no longer listed in ${org}`,
      );
    return parseManagedDatabases(out);
  };
  let created = false;
  if (!(await list()).includes(database)) {
    await fly.mutate(mpgDatabasesCreateArgs(cluster.id, database), {
      verify: async () => (await list()).includes(database),
    });
    created = true;
  }
  const origin = previous?.origin === "created" || created ? "created" : "adopted";
  return { origin, database, cluster: cluster.id };
}

/**
 * The refusal for a password the cluster does not take (SQLSTATE 28P01). The stack never changes
 * a running cluster's password, so a changed gaia:postgresPassword would leave state saying one
 * password and the cluster holding another: it is refused, with the way to rotate.
 */
export function passwordRefusal(
  e: unknown,
  env: NodeJS.ProcessEnv,
  app: string,
  user: string,
): CommandError | undefined {
  if ((e as { code?: unknown } | null)?.code !== "28P01") return undefined;
  const stack = param(env, "GAIA_STACK");
  return new CommandError(
    `refused, nothing was changed:\n  - stack ${stack}, gaia:postgresPassword: the password in config does not log in to ${app} as ${user}. The stack never changes a running cluster's password, so a changed value is not applied. Set gaia:postgresPassword back to the cluster's current password (pulumi config set --secret gaia:postgresPassword -s ${stack}), or rotate the cluster's password first (docs/operations.md#rotate-the-postgres-password), then run pulumi up again.`,
  );
}
