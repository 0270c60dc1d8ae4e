/**
 * gaia:fly:ServiceSecrets end to end: every local.Command executed as the command provider would
 * (test/support/commandEngine.ts), `gaia-db app-login` reaching the real test PostgreSQL through
 * the fake flyctl's proxy, the secrets staged on the fake's apps. The dev login name is used by no
 * other test file (roles are cluster-wide).
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { FlyServiceSecrets } from "../../src/fly/serviceSecrets";
import { prepareEnvironmentDatabase } from "../operations/support";
import { CommandEngine } from "../support/commandEngine";
import { createFakeFly, type FakeCall } from "../support/fakeFly";
import { adminUrl, dropAll, withClient } from "../support/postgres";

const ROOT = resolve(__dirname, "../..");
afterAll(dropAll);

const APPS = { "auth-service": "gaia-auth-dev", gateway: "gaia-gateway-dev" };
const HAND_SET = "postgres://postgres:hand-set-old@somewhere/llm_platform";

interface Values {
  appPassword: string;
  anonKey: string;
  adoptSecrets: boolean;
}

describe("service secrets on Fly, end to end against the fake flyctl and real PostgreSQL", () => {
  it("stages through stdin once, restages only what changed, keeps a hand-set secret unless adopted", async () => {
    const db = await prepareEnvironmentDatabase("dev");
    const server = new URL(adminUrl());
    const fake = createFakeFly({ proxyTarget: `${server.hostname}:${server.port}` });
    const env = () => fake.env({ GAIA_FLY_RETRY_BASE_MS: "10" });
    const fly = (args: string[], input?: string) => {
      const r = spawnSync("fly", args, { env: env(), input, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`fly ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    for (const app of ["gaia-db-dev", ...Object.values(APPS)])
      fly(["apps", "create", app, "--org", "aeonia-dev", "--json"]);
    // The live auth app already has a DATABASE_URL, set by hand.
    fly(["secrets", "import", "-a", "gaia-auth-dev"], `DATABASE_URL=${HAND_SET}\n`);
    const allCalls: FakeCall[] = [];
    const takeCalls = () => {
      const calls = fake.calls();
      allCalls.push(...calls);
      fake.clearCalls();
      return calls;
    };
    takeCalls();

    const admin = new URL(db.url);
    admin.host = "gaia-db-dev.flycast:5432";
    admin.search = "sslmode=disable";
    const secrets = {
      admin: admin.toString(),
      redis: "redis://default:redis-pw-e2e@fly-gaia-redis-dev.upstash.io:6379",
      jwt: "jwt-secret-e2e-value",
    };
    const program = (v: Values) => () => {
      const wiring = new FlyServiceSecrets("wiring", {
        environment: "dev",
        apps: APPS,
        postgresApp: "gaia-db-dev",
        database: db.name,
        databaseUrl: pulumi.secret(secrets.admin),
        redisUrl: pulumi.secret(secrets.redis),
        supabaseUrl: "https://lbaohvnusingoztdzlmj.supabase.co",
        supabaseAnonKey: pulumi.secret(v.anonKey),
        supabaseJwtSecret: pulumi.secret(secrets.jwt),
        adoptSecrets: v.adoptSecrets,
        appPassword: pulumi.secret(v.appPassword),
      });
      return { kept: wiring.kept, staged: wiring.staged, databaseUrl: wiring.serviceDatabaseUrl };
    };
    const first: Values = {
      appPassword: "AppPass1first",
      anonKey: "anon-1-e2e",
      adoptSecrets: false,
    };
    const serviceUrl = (pw: string) =>
      `postgres://gaia_app_dev:${pw}@gaia-db-dev.flycast:5432/${db.name}?sslmode=disable`;
    const live = (app: string) =>
      Object.fromEntries(
        Object.entries(fake.state().apps[app].secrets as Record<string, { value: string }>).map(
          ([k, s]) => [k, s.value],
        ),
      );
    /** Logs in the way a service will, the flycast host swapped for the real server. */
    const loginWith = (url: string) => {
      const u = new URL(url);
      u.host = `${server.hostname}:${server.port}`;
      u.search = "";
      return withClient(
        u.toString(),
        async (c) => (await c.query("SELECT current_user AS u")).rows[0].u,
      );
    };

    const engine = new CommandEngine({ cwd: ROOT, env });
    const preview = await engine.run("dev", program(first), { preview: true });
    expect(preview.error).toBeUndefined();
    expect(takeCalls()).toEqual([]);

    // First up: the login, then every secret through stdin with --stage; the hand-set one kept.
    const up = await engine.run("dev", program(first));
    expect(up.error).toBeUndefined();
    expect(up.ops.map((o) => [o.name, o.op]).sort()).toEqual([
      ["wiring-app-login", "create"],
      ["wiring-auth-service-secrets", "create"],
      ["wiring-gateway-secrets", "create"],
    ]);
    // Both apps' commands run concurrently: compare in a stable order.
    expect(
      takeCalls()
        .filter((c) => c.mutation)
        .map((c) => c.argv.join(" "))
        .sort(),
    ).toEqual([
      "secrets import -a gaia-auth-dev --stage",
      "secrets import -a gaia-gateway-dev --stage",
    ]);
    expect(live("gaia-auth-dev")).toEqual({
      DATABASE_URL: HAND_SET,
      REDIS_URL: secrets.redis,
      SUPABASE_URL: "https://lbaohvnusingoztdzlmj.supabase.co",
      SUPABASE_ANON_KEY: "anon-1-e2e",
      SUPABASE_JWT_SECRET: secrets.jwt,
    });
    expect(live("gaia-gateway-dev")).toEqual({
      DATABASE_URL: serviceUrl("AppPass1first"),
      REDIS_URL: secrets.redis,
    });
    expect(fake.state().apps["gaia-gateway-dev"].secrets.DATABASE_URL.status).toBe("Staged");
    expect(up.outputs).toEqual({
      kept: { "gaia-auth-dev": ["DATABASE_URL"], "gaia-gateway-dev": [] },
      staged: {
        "gaia-auth-dev": ["REDIS_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET"],
        "gaia-gateway-dev": ["DATABASE_URL", "REDIS_URL"],
      },
      databaseUrl: serviceUrl("AppPass1first"),
    });
    expect(await loginWith(live("gaia-gateway-dev").DATABASE_URL!)).toBe("gaia_app_dev");
    // Values only on stdin: environments hold names, stdout (fingerprints) is secret.
    for (const s of engine.saved.values()) {
      expect(s.secretInputs).toEqual(["stdin"]);
      const plain = JSON.stringify({ ...s.inputs, stdin: undefined });
      for (const v of [...Object.values(secrets), "AppPass1first", "anon-1-e2e"])
        expect(plain).not.toContain(v);
    }

    // Second up: nothing changed, nothing runs.
    const again = await engine.run("dev", program(first));
    expect(again.error).toBeUndefined();
    expect(again.ops.every((o) => o.op === "none")).toBe(true);
    expect(takeCalls()).toEqual([]);

    // New command code: every command updates, and the secrets commands only read.
    for (const s of engine.saved.values()) {
      const e = s.inputs.environment as Record<string, string>;
      if (e.GAIA_SCRIPT_SHA256) e.GAIA_SCRIPT_SHA256 = "older";
    }
    const code = await engine.run("dev", program(first));
    expect(code.error).toBeUndefined();
    expect(
      code.ops
        .filter((o) => o.op === "update")
        .map((o) => o.name)
        .sort(),
    ).toEqual(["wiring-auth-service-secrets", "wiring-gateway-secrets"]);
    expect(takeCalls().filter((c) => c.mutation)).toEqual([]);
    expect(code.outputs!.staged).toEqual({ "gaia-auth-dev": [], "gaia-gateway-dev": [] });

    // A rotated Supabase anon key restages that one secret on the auth app only.
    const rotatedKey = { ...first, anonKey: "anon-2-e2e" };
    const rotate = await engine.run("dev", program(rotatedKey));
    expect(rotate.error).toBeUndefined();
    expect(rotate.ops.filter((o) => o.op !== "none").map((o) => [o.name, o.op])).toEqual([
      ["wiring-auth-service-secrets", "update"],
    ]);
    expect(
      takeCalls()
        .filter((c) => c.mutation)
        .map((c) => c.argv),
    ).toEqual([["secrets", "import", "-a", "gaia-auth-dev", "--stage"]]);
    expect(rotate.outputs!.staged).toEqual({
      "gaia-auth-dev": ["SUPABASE_ANON_KEY"],
      "gaia-gateway-dev": [],
    });
    expect(live("gaia-auth-dev").SUPABASE_ANON_KEY).toBe("anon-2-e2e");

    // A new login password: the login is rotated, DATABASE_URL restaged where it is ours.
    const rotatedPw = { ...rotatedKey, appPassword: "AppPass2second" };
    const pw = await engine.run("dev", program(rotatedPw));
    expect(pw.error).toBeUndefined();
    expect(
      pw.ops
        .filter((o) => o.op !== "none")
        .map((o) => o.name)
        .sort(),
    ).toEqual(["wiring-app-login", "wiring-auth-service-secrets", "wiring-gateway-secrets"]);
    expect(pw.outputs!.staged).toEqual({
      "gaia-auth-dev": [],
      "gaia-gateway-dev": ["DATABASE_URL"],
    });
    expect(pw.outputs!.kept).toEqual({ "gaia-auth-dev": ["DATABASE_URL"], "gaia-gateway-dev": [] });
    expect(live("gaia-gateway-dev").DATABASE_URL).toBe(serviceUrl("AppPass2second"));
    await expect(loginWith(serviceUrl("AppPass1first"))).rejects.toThrow(
      'password authentication failed for user "gaia_app_dev"',
    );
    expect(await loginWith(serviceUrl("AppPass2second"))).toBe("gaia_app_dev");
    expect(live("gaia-auth-dev").DATABASE_URL).toBe(HAND_SET);
    takeCalls();

    // adoptSecrets: the hand-set DATABASE_URL is overwritten, and is ours from then on.
    const adopt = await engine.run("dev", program({ ...rotatedPw, adoptSecrets: true }));
    expect(adopt.error).toBeUndefined();
    expect(adopt.outputs!.staged).toEqual({
      "gaia-auth-dev": ["DATABASE_URL"],
      "gaia-gateway-dev": [],
    });
    expect(adopt.outputs!.kept).toEqual({ "gaia-auth-dev": [], "gaia-gateway-dev": [] });
    expect(live("gaia-auth-dev").DATABASE_URL).toBe(serviceUrl("AppPass2second"));
    expect(
      takeCalls()
        .filter((c) => c.mutation)
        .map((c) => c.argv),
    ).toEqual([["secrets", "import", "-a", "gaia-auth-dev", "--stage"]]);
    const back = await engine.run("dev", program({ ...rotatedPw, adoptSecrets: false }));
    expect(back.error).toBeUndefined();
    expect(back.outputs!.kept).toEqual({ "gaia-auth-dev": [], "gaia-gateway-dev": [] });
    expect(takeCalls().filter((c) => c.mutation)).toEqual([]);

    // Nothing secret ever reached a flyctl argv (the proxy included).
    const argv = allCalls.flatMap((c) => c.argv).join(" ");
    expect(allCalls.some((c) => c.command === "proxy")).toBe(true);
    for (const v of [
      ...Object.values(secrets),
      decodeURIComponent(server.password),
      "AppPass1first",
      "AppPass2second",
      "anon-1-e2e",
      "anon-2-e2e",
    ])
      expect(argv).not.toContain(v);
    fake.remove();
  }, 600_000);
});
