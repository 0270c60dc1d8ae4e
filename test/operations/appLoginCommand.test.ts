/**
 * `gaia-db app-login`: against the real test PostgreSQL (directly, through the fake flyctl's
 * proxy, and through the CLI binary). Uses the production login name so it never races the other
 * files' gaia_app_<env> roles (roles are cluster-wide).
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { loginUrl, parseAppLoginInput } from "../../src/operations/appLogin";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, dropAll, withAdmin, withClient } from "../support/postgres";
import { lockRole, unlockRole } from "../support/roleLock";
import { captureIo, type PreparedDatabase, prepareEnvironmentDatabase } from "./support";

const ROOT = resolve(__dirname, "../..");
let db: PreparedDatabase;
let fake: FakeFly;
beforeAll(async () => {
  // The restore tests' production stacks run app-login for this role too: take turns, and start
  // from no role (its creation is what the first test checks).
  await lockRole("gaia_app_production");
  await withAdmin((c) => c.query("DROP ROLE IF EXISTS gaia_app_production"));
  db = await prepareEnvironmentDatabase("production");
  const target = new URL(adminUrl());
  fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
  fake.update((s) => {
    s.apps["gaia-db-production"] = {
      name: "gaia-db-production",
      org: "aeonia-dev",
      role: "postgres_cluster",
      machines: [],
      secrets: {},
      ips: [],
    };
  });
});
afterAll(async () => {
  fake.remove();
  await dropAll();
  unlockRole("gaia_app_production");
});

async function run(
  args: string[],
  stdin: string,
  env: NodeJS.ProcessEnv = process.env,
  stdinIsTty = false,
) {
  const { io, stdout, stderr } = captureIo(env);
  const code = await runCli(["app-login", ...args], {
    ...io,
    readStdin: async () => stdin,
    stdinIsTty,
  });
  return { code, out: stdout.text, err: stderr.text };
}

const input = (appPassword: string, databaseUrl = db.url) =>
  JSON.stringify({ databaseUrl, appPassword });

const canLogin = (password: string) =>
  withClient(loginUrl(db.url, "gaia_app_production", password), async (c) => {
    return (await c.query("SELECT current_user AS u")).rows[0].u as string;
  });

describe("parseAppLoginInput", () => {
  const cases: [string, string][] = [
    [
      "not json",
      'app-login: stdin is not valid JSON; expected {"databaseUrl": "postgres://...", "appPassword": "..."}',
    ],
    [
      "[1]",
      'app-login: stdin must hold a JSON object {"databaseUrl": "postgres://...", "appPassword": "..."}',
    ],
    [
      '{"databaseUrl":"postgres://a:b@h/d","appPassword":"p","password":"x","extra":1}',
      "app-login: unknown stdin keys password, extra; allowed keys are databaseUrl and appPassword",
    ],
    ['{"appPassword":"p"}', 'app-login: stdin "databaseUrl" must be a non-empty string'],
    [
      '{"databaseUrl":"postgres://a:b@h/d","appPassword":""}',
      'app-login: stdin "appPassword" must be a non-empty string',
    ],
    [
      '{"databaseUrl":"h:5432/d","appPassword":"p"}',
      'app-login: stdin "databaseUrl" is not a valid PostgreSQL URL: it does not start with postgres:// or postgresql://;',
    ],
    [
      '{"databaseUrl":"https://h/d","appPassword":"p"}',
      'app-login: stdin "databaseUrl" is not a valid PostgreSQL URL: it has scheme "https", not postgres or postgresql;',
    ],
    [
      '{"databaseUrl":"no url","appPassword":"p"}',
      'app-login: stdin "databaseUrl" is not a valid PostgreSQL URL: it contains a space, a control character or a non-ASCII character, which must be percent-encoded;',
    ],
  ];
  it.each(cases)("%s", (text, message) => {
    expect(() => parseAppLoginInput(text)).toThrow(message);
  });
  it("accepts the two keys", () => {
    expect(parseAppLoginInput(input("pw-123", "postgresql://u:p@h:5/d"))).toEqual({
      databaseUrl: "postgresql://u:p@h:5/d",
      appPassword: "pw-123",
    });
  });
});

describe("gaia-db app-login", () => {
  it("refuses without --stdin-config, naming where the secrets go", async () => {
    const r = await run(["production"], input("x"));
    expect(r).toEqual({
      code: 2,
      out: "",
      err: 'gaia-db: app-login: the admin URL and the new password are read from stdin only: pass --stdin-config and pipe {"databaseUrl": "postgres://...", "appPassword": "..."}\n',
    });
    expect((await run(["prod", "--stdin-config"], input("x"))).err).toBe(
      'gaia-db: app-login: unknown environment "prod": allowed environments are local, dev, staging, production\n',
    );
  });

  it("--stdin-config on a terminal is a usage error instead of waiting for input", async () => {
    let read = false;
    const { io, stdout, stderr } = captureIo(process.env);
    const code = await runCli(["app-login", "dev", "--stdin-config"], {
      ...io,
      stdinIsTty: true,
      readStdin: () => {
        read = true;
        return new Promise<string>(() => {}); // a terminal nobody types into
      },
    });
    expect({ code, out: stdout.text, err: stderr.text, read }).toEqual({
      code: 2,
      out: "",
      err: 'gaia-db: app-login: --stdin-config reads stdin, which is a terminal: pipe {"databaseUrl": "postgres://...", "appPassword": "..."}\n',
      read: false,
    });
  });

  it("creates the login (member of gaia_app only), then rotation replaces the password", async () => {
    const first = await run(["production", "--stdin-config", "--json"], input("svc-pass-first-1"));
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toEqual({
      ok: true,
      environment: "production",
      role: "gaia_app_production",
      created: true,
    });
    expect(await canLogin("svc-pass-first-1")).toBe("gaia_app_production");
    const memberships = await withAdmin(
      async (c) =>
        (
          await c.query(
            `SELECT g.rolname AS g FROM pg_auth_members m
               JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
              WHERE r.rolname = 'gaia_app_production'`,
          )
        ).rows,
    );
    expect(memberships).toEqual([{ g: "gaia_app" }]);
    const attrs = await withAdmin(
      async (c) =>
        (
          await c.query(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = 'gaia_app_production'",
          )
        ).rows[0],
    );
    expect(attrs).toEqual({
      rolcanlogin: true,
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolbypassrls: false,
    });

    const second = await run(["production", "--stdin-config"], input("svc-pass-second-2"));
    expect(second).toEqual({
      code: 0,
      out: "gaia_app_production: password set (rotated), member of gaia_app only; logging in with it works.\n",
      err: "",
    });
    await expect(canLogin("svc-pass-first-1")).rejects.toThrow(
      'password authentication failed for user "gaia_app_production"',
    );
    expect(await canLogin("svc-pass-second-2")).toBe("gaia_app_production");
  });

  it("reaches Fly Postgres through fly proxy -a <app> (the fake forwards to the real server)", async () => {
    const flycast = new URL(db.url);
    flycast.host = "gaia-db-production.flycast:5432";
    flycast.search = "sslmode=disable";
    fake.clearCalls();
    const r = await run(
      ["production", "--stdin-config", "--fly-app", "gaia-db-production", "--json"],
      input("svc-pass-proxy-3", flycast.toString()),
      fake.env(),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).created).toBe(false);
    expect(fake.calls().map((c) => c.argv)).toEqual([
      ["proxy", "0:5432", "-a", "gaia-db-production", "--watch-stdin"],
    ]);
    expect(await canLogin("svc-pass-proxy-3")).toBe("gaia_app_production");
  });

  it("through the CLI binary: stdin only, no secret printed, exit codes kept", async () => {
    const cli = (args: string[], stdin: string) =>
      spawnSync("node", ["bin/gaia-db.js", ...args], { cwd: ROOT, input: stdin, encoding: "utf8" });
    const ok = cli(
      ["app-login", "production", "--stdin-config", "--json"],
      input("svc-pass-cli-5"),
    );
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      ok: true,
      environment: "production",
      role: "gaia_app_production",
      created: false,
    });
    expect(ok.stdout).not.toContain("svc-pass-cli-5");
    const bad = cli(
      ["app-login", "production", "--stdin-config"],
      input("x", "postgres://postgres:wrong-pass@127.0.0.1:1/x"),
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^gaia-db: cannot connect to 127\.0\.0\.1:1\/x as postgres: /);
    expect(bad.stderr).not.toContain("wrong-pass");
    // Every character that changes how a URL parses, and a %41 that must stay literal.
    const awkward = "svc%41/@:#? w&=+'";
    const special = cli(["app-login", "production", "--stdin-config"], input(awkward));
    expect(special.stderr).toBe("");
    expect(special.status).toBe(0);
    expect(special.stdout).not.toContain(awkward);
    expect(await canLogin(awkward)).toBe("gaia_app_production");
    const help = cli(["app-login", "--help"], "");
    expect(help.status).toBe(0);
    expect(help.stdout.split("\n")[0]).toBe(
      "Usage: gaia-db app-login <environment> --stdin-config [--fly-app <postgres-app>] [options]",
    );
  });
});
