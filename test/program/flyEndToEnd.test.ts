/**
 * index.ts itself on the staging stack, end to end: every `local.Command` executed as the command
 * provider would (test/support/commandEngine.ts) against the fake flyctl, whose `fly proxy`
 * forwards to the real test PostgreSQL. Proves the wiring: the cluster and database exist before
 * `gaia-db migrate --fly-app` runs through the proxy, and a second `up` changes nothing; that no
 * process the stack starts sees the state backend's keys or Pulumi's secrets; and that no secret
 * is in plain state or in a streamed log.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { projectDefaults, stackFile } from "../config/stackFiles";
import { CommandEngine } from "../support/commandEngine";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, withAdmin, withClient } from "../support/postgres";
import { outputsFor } from "./mocks";

const ROOT = resolve(__dirname, "../..");
const databases: string[] = [];
const fakes: FakeFly[] = [];

afterEach(() => {
  for (const f of fakes.splice(0)) f.remove();
});
afterAll(async () => {
  await withAdmin(async (c) => {
    for (const d of databases) await c.query(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
  });
});

/** What the `pulumi` process may carry (CI: the DIY backend's write keys, the passphrase). */
const PULUMI_ENV = {
  PULUMI_CONFIG_PASSPHRASE: "passphrase-e2e",
  PULUMI_ACCESS_TOKEN: "pul-e2e",
  AWS_ACCESS_KEY_ID: "AKIAE2E",
  AWS_SECRET_ACCESS_KEY: "aws-secret-e2e",
  AZURE_STORAGE_KEY: "azure-key-e2e",
  GOOGLE_CREDENTIALS: "google-e2e",
  DATABASE_URL: "postgres://operator:operator-pw-e2e@elsewhere/db",
};

function setup() {
  const target = new URL(adminUrl());
  const fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
  fakes.push(fake);
  const database = `llm_platform_${randomBytes(4).toString("hex")}`;
  databases.push(database);
  const secrets = {
    // The fake proxy forwards to the test server, so the cluster's password is the test server's.
    "gaia:postgresPassword": decodeURIComponent(target.password),
    "gaia:supabaseAnonKey": "anon-key-value",
    "gaia:supabaseJwtSecret": "jwt-secret-value",
  };
  const config = {
    ...projectDefaults(),
    ...stackFile("staging"),
    "gaia:postgres": JSON.stringify({
      ...JSON.parse(stackFile("staging")["gaia:postgres"] ?? "{}"),
      database,
    }),
    // The test server has no pgvector.
    "gaia:migrations": JSON.stringify({ modules: ["core"] }),
    ...secrets,
  };
  const engine = new CommandEngine({
    cwd: ROOT,
    env: () => fake.env({ GAIA_FLY_RETRY_BASE_MS: "10", ...PULUMI_ENV }),
    stateFor: (type, name, inputs) => outputsFor(type, name, inputs),
  });
  const program = async () => {
    pulumi.runtime.setAllConfig(config, Object.keys(secrets));
    vi.resetModules();
    const m = await import("../../index.ts");
    return {
      databaseUrl: m.databaseUrl,
      postgresOrigin: m.postgresOrigin,
      redisOrigin: m.redisOrigin,
      serviceAppOrigins: m.serviceAppOrigins,
    };
  };
  return { fake, database, engine, program };
}

// staging, not dev: roles are cluster-wide and test/fly/serviceSecretsE2e.test.ts uses dev's.
describe("index.ts, staging stack, against the fake flyctl and a real PostgreSQL", () => {
  it("creates the data tier, migrates through fly proxy, and a second up changes nothing", async () => {
    const { fake, database, engine, program } = setup();
    const up = await engine.run("staging", program);
    expect(up.error).toBeUndefined();
    const migrate = up.ops.find((o) => o.name === "gaia-staging-migrations-migrate");
    expect(migrate).toMatchObject({ op: "create", ok: true });
    expect(up.outputs).toMatchObject({
      postgresOrigin: "created",
      redisOrigin: "created",
      serviceAppOrigins: {
        gateway: "created",
        "auth-service": "created",
        "asset-service": "created",
        "chat-service": "created",
        "web-service": "created",
      },
    });

    // The schema is in the database the stack created, bound to dev and the shared project.
    await withClient(`${adminUrl().replace(/\/[^/]*$/, "")}/${database}`, async (c) => {
      const tables = await c.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(tables.rows[0].n).toBe(19);
      const binding = await c.query(
        "SELECT environment, supabase_project_ref FROM gaia_migrations.binding",
      );
      expect(binding.rows).toEqual([
        { environment: "staging", supabase_project_ref: "lbaohvnusingoztdzlmj" },
      ]);
      const applied = await c.query(
        "SELECT count(*)::int AS n FROM gaia_migrations.applied WHERE module = 'core'",
      );
      expect(applied.rows[0].n).toBeGreaterThanOrEqual(9);
    });
    // Every service app holds staged settings; the database URL is the least-privilege login.
    const apps = fake.state().apps;
    const auth = apps["gaia-auth-staging"].secrets;
    for (const name of ["DATABASE_URL", "REDIS_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY"]) {
      expect(auth[name]?.status).toBe("Staged");
    }
    expect(auth.SUPABASE_ANON_KEY.value).toBe("anon-key-value");
    expect(apps["gaia-gateway-staging"].secrets.SUPABASE_ANON_KEY).toBeUndefined();
    const serviceUrl = new URL(apps["gaia-gateway-staging"].secrets.DATABASE_URL.value);
    expect([serviceUrl.username, serviceUrl.host, serviceUrl.pathname]).toEqual([
      "gaia_app_staging",
      "gaia-db-staging.flycast:5432",
      `/${database}`,
    ]);
    const target = new URL(adminUrl());
    serviceUrl.host = target.host;
    serviceUrl.search = "";
    await withClient(serviceUrl.toString(), async (c) => {
      const who = await c.query("SELECT current_user, pg_has_role('gaia_app', 'member') AS app");
      expect(who.rows).toEqual([{ current_user: "gaia_app_staging", app: true }]);
      await expect(c.query("CREATE TABLE nope (id int)")).rejects.toThrow(/permission denied/);
    });

    // No secret ever reached flyctl's argv except the documented `postgres create --password`.
    const argv = fake
      .calls()
      .filter((c) => c.command !== "postgres create")
      .map((c) => c.argv.join(" "))
      .join("\n");
    for (const secret of [
      "anon-key-value",
      "jwt-secret-value",
      decodeURIComponent(new URL(adminUrl()).password),
    ]) {
      expect(argv).not.toContain(secret);
    }

    // Children get an explicit environment: flyctl from the Fly commands, and `fly proxy` from
    // the Fly database command and from gaia-db (migrate, app-login), which is the process the
    // provider started (exec).
    const calls = fake.calls();
    for (const call of calls) {
      expect(call.env.filter((name) => name in PULUMI_ENV)).toEqual([]);
    }
    const pidOf = (name: string) => up.ops.find((o) => o.name === name)!.pid;
    const proxies = calls.filter((c) => c.command === "proxy").map((c) => c.ppid);
    expect(proxies).toContain(pidOf("gaia-staging-migrations-migrate"));
    expect(proxies).toContain(pidOf("gaia-staging-service-secrets-app-login"));
    // One timeout per command: the customTimeout is GAIA_TIMEOUT_SECONDS.
    for (const s of engine.saved.values()) {
      const timeout = `${(s.inputs.environment as Record<string, string>).GAIA_TIMEOUT_SECONDS}s`;
      expect([s.name, s.customTimeouts.create, s.customTimeouts.update]).toEqual([
        s.name,
        timeout,
        timeout,
      ]);
    }
    // No secret in plain state or in the streamed log.
    const redis = Object.values(fake.state().redis as Record<string, { password: string }>);
    const plain = [engine.stateText(), JSON.stringify(engine.log)].join("\n");
    for (const secret of [
      decodeURIComponent(new URL(adminUrl()).password),
      "anon-key-value",
      "jwt-secret-value",
      "generated-gaia-staging-service-secrets-app-password",
      ...redis.map((r) => r.password),
    ]) {
      expect(plain).not.toContain(secret);
    }
    expect(engine.log.some((l) => l.name === "gaia-staging-migrations-migrate")).toBe(true);

    fake.clearCalls();
    const again = await engine.run("staging", program);
    expect(again.error).toBeUndefined();
    expect(again.ops.filter((o) => o.op !== "none")).toEqual([]);
    expect(fake.mutations()).toEqual([]);
  });
});
