/**
 * The hardening of gaia-db (issue 10), through the binary as users run it, against the real
 * PostgreSQL: durations out of bounds never reach PostgreSQL as its 0, view survives large
 * results, every command prints a JSON error document with --json, the read-only view path
 * refuses a login holding more than gaia_readonly, and bad Supabase refs and module lists are
 * usage errors.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { prepareEnvironmentDatabase } from "../operations/support";
import { createTestDatabase, dropAll, withAdmin, withClient } from "../support/postgres";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const TREE = { "core/0001_t.sql": "CREATE TABLE t (id int);\n" };
const NOT_A_DURATION =
  "not a duration; write e.g. 500ms, 10s, 15m or 1h (a bare number is seconds)";

/** Whether gaia-db created its ledger in the database (it must not, after a usage error). */
const hasLedger = (url: string) =>
  withClient(url, async (c) => {
    const { rows } = await c.query("SELECT to_regnamespace('gaia_migrations') IS NOT NULL AS l");
    return rows[0].l as boolean;
  });

describe("a duration outside its bounds is a usage error (exit 2) and changes nothing", () => {
  it.each([
    [
      "--lock-wait-timeout",
      "0",
      "--lock-wait-timeout 0: too short; the shortest is 100ms (0 would mean no limit at all)",
    ],
    [
      "--statement-timeout",
      "0",
      "--statement-timeout 0: too short; the shortest is 1s (0 would mean no limit at all)",
    ],
    [
      "--statement-timeout",
      "0.0001",
      "--statement-timeout 0.0001: too short; the shortest is 1s (0 would mean no limit at all)",
    ],
    ["--lock-wait-timeout", "50ms", "--lock-wait-timeout 50ms: too short; the shortest is 100ms"],
    [
      "--statement-timeout",
      "56m",
      "--statement-timeout 56m: too long; the longest is 55m (the Migrations resource stops gaia-db migrate after 1h)",
    ],
    [
      "--lock-timeout",
      "1h",
      "--lock-timeout 1h: too long; the longest is 55m (the Migrations resource stops gaia-db migrate after 1h)",
    ],
    ["--lock-timeout", "0x10", `--lock-timeout 0x10: ${NOT_A_DURATION}`],
    ["--lock-wait-timeout", "1e3", `--lock-wait-timeout 1e3: ${NOT_A_DURATION}`],
    ["--statement-timeout", "10 s", `--statement-timeout 10 s: ${NOT_A_DURATION}`],
    ["--statement-timeout", " 10s", `--statement-timeout  10s: ${NOT_A_DURATION}`],
  ])("migrate %s %j", async (flag, value, message) => {
    const url = await createTestDatabase("gaia_hard");
    const r = await runCliProcess(
      ["migrate", "dev", "--migrations-dir", makeTree(TREE), flag, value],
      { env: { DATABASE_URL: url } },
    );
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: `gaia-db: ${message}\n`,
    });
    expect(await hasLedger(url)).toBe(false);
  });

  it.each([
    ["0x10", `--timeout 0x10: ${NOT_A_DURATION}`],
    ["0.0001", "--timeout 0.0001: too short; the shortest is 1s (0 would mean no limit at all)"],
    ["0", "--timeout 0: too short; the shortest is 1s (0 would mean no limit at all)"],
    ["2h", "--timeout 2h: too long; the longest is 1h"],
  ])("view --timeout %j", async (value, message) => {
    const url = await createTestDatabase("gaia_hard");
    const r = await runCliProcess([
      "view",
      "dev",
      "SELECT 1",
      "--database-url",
      url,
      "--timeout",
      value,
    ]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: `gaia-db: view: ${message}\n`,
    });
  });
});

describe("view with a large result", () => {
  let url: string;
  beforeAll(async () => {
    url = (await prepareEnvironmentDatabase("dev")).url;
  });
  const BIG = "SELECT g FROM generate_series(1, 150000) g";

  it("shows the first --max-rows rows (default 10000) and says the rest was left out", async () => {
    const r = await runCliProcess(["view", "dev", BIG, "--database-url", url]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual(["g", "-----", "    1"]);
    expect(lines.slice(-3)).toEqual([
      "10000",
      "(10000 rows shown; the statement returned more)",
      "",
    ]);
    expect(r.stderr).toBe(
      "gaia-db: warning: only the first 10000 rows are shown: add a LIMIT to the query, or raise --max-rows (at most 1000000)\n",
    );
  });

  it("prints every row when --max-rows allows it, without crashing", async () => {
    const r = await runCliProcess([
      "view",
      "dev",
      BIG,
      "--database-url",
      url,
      "--max-rows",
      "150000",
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const lines = r.stdout.split("\n");
    expect(lines.length).toBe(150000 + 4);
    expect(lines.slice(-3)).toEqual(["150000", "(150000 rows)", ""]);
  });

  it("--json carries the rows it shows and says it is truncated", async () => {
    const r = await runCliProcess([
      "view",
      "dev",
      BIG,
      "--database-url",
      url,
      "--json",
      "--max-rows",
      "3",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      environment: "dev",
      command: null,
      rowCount: null,
      columns: ["g"],
      rows: [["1"], ["2"], ["3"]],
      truncated: true,
      maxRows: 3,
    });
  });

  it.each([
    ["0", "--max-rows 0: not a number of rows from 1 to 1000000"],
    ["1000001", "--max-rows 1000001: not a number of rows from 1 to 1000000"],
    ["1e3", "--max-rows 1e3: not a number of rows from 1 to 1000000"],
  ])("--max-rows %j is a usage error", async (value, message) => {
    const r = await runCliProcess(["view", "dev", BIG, "--database-url", url, "--max-rows", value]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: `gaia-db: view: ${message}\n`,
    });
  });
});

describe("--json: every command prints one JSON error document on failure", () => {
  const UNKNOWN =
    'unknown environment "prod": allowed environments are local, dev, staging, production';
  it.each([
    [["view", "prod", "--json"], 2, `view: ${UNKNOWN}`],
    [["cleanup-test-users", "prod", "--json"], 2, `cleanup-test-users: ${UNKNOWN}`],
    [["env", "prod", "--json"], 2, `env: ${UNKNOWN}`],
    [
      ["doctor", "local", "--json"],
      2,
      "doctor: local has no Fly resources: allowed are dev, staging, production",
    ],
    [
      ["verify", "all", "dev", "--json"],
      2,
      "verify all: unexpected arguments dev: usage is gaia-db verify all [options]",
    ],
    [
      ["app-login", "dev", "--json"],
      2,
      'app-login: the admin URL and the new password are read from stdin only: pass --stdin-config and pipe {"databaseUrl": "postgres://...", "appPassword": "..."}',
    ],
    [
      ["view", "dev", "--json", "--database-url", "postgresql://u:pw@127.0.0.1:1/db"],
      1,
      "cannot connect to 127.0.0.1:1/db as u: connect ECONNREFUSED 127.0.0.1:1",
    ],
  ])("%j", async (argv, exitCode, error) => {
    const r = await runCliProcess(argv);
    expect(r.code).toBe(exitCode);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, exitCode, error });
    expect(r.stderr).toBe(`gaia-db: ${error}\n`);
  });
});

describe("view's read-only path for a login that is only a gaia_readonly member", () => {
  let url: string;
  let database: string;
  const loginUrl = (login: string) => {
    const u = new URL(url);
    u.username = login;
    u.password = "login-pass";
    return u.toString();
  };
  beforeAll(async () => {
    ({ url, name: database } = await prepareEnvironmentDatabase("dev"));
    await withClient(url, async (c) => {
      await c.query("CREATE SCHEMA hidden");
      await c.query("CREATE SEQUENCE hidden.counter START 42");
      await c.query(
        "CREATE FUNCTION hidden.secret() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT 'top-secret' $$",
      );
      await c.query("REVOKE EXECUTE ON FUNCTION hidden.secret() FROM PUBLIC");
    });
  });

  it.each([
    [
      "a column-level grant on the migration ledger",
      [
        "GRANT USAGE ON SCHEMA gaia_migrations TO %s",
        "GRANT SELECT (checksum) ON gaia_migrations.applied TO %s",
      ],
      "SELECT set_config('role', 'none', true), (SELECT count(checksum) FROM gaia_migrations.applied)",
      "holds privileges of its own on schema gaia_migrations, column gaia_migrations.applied.checksum",
    ],
    [
      "a sequence grant",
      ["GRANT USAGE ON SCHEMA hidden TO %s", "GRANT SELECT ON SEQUENCE hidden.counter TO %s"],
      "SELECT set_config('role', 'none', true), (SELECT last_value FROM hidden.counter)",
      "holds privileges of its own on schema hidden, sequence hidden.counter",
    ],
    [
      "a function grant",
      ["GRANT USAGE ON SCHEMA hidden TO %s", "GRANT EXECUTE ON FUNCTION hidden.secret() TO %s"],
      "SELECT set_config('role', 'none', true), hidden.secret()",
      "holds privileges of its own on schema hidden, function hidden.secret()",
    ],
    [
      "a function it owns",
      ["GRANT USAGE ON SCHEMA hidden TO %s", "ALTER FUNCTION hidden.secret() OWNER TO %s"],
      "SELECT set_config('role', 'none', true), hidden.secret()",
      "owns function hidden.secret(), holds privileges of its own on schema hidden",
    ],
  ])(
    "refuses a login with %s (exit 3), and the statement never runs",
    async (_what, grants, attack, held) => {
      const login = `ops_ro_${randomBytes(4).toString("hex")}`;
      await withAdmin((c) =>
        c.query(`CREATE ROLE ${login} LOGIN PASSWORD 'login-pass' IN ROLE gaia_readonly`),
      );
      await withClient(url, async (c) => {
        await c.query(`GRANT CONNECT ON DATABASE "${database}" TO ${login}`);
        for (const grant of grants) await c.query(grant.replaceAll("%s", login));
      });
      const r = await runCliProcess(["view", "dev", attack, "--database-url", loginUrl(login)]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 3,
        stdout: "",
        stderr: `gaia-db: login "${login}" ${held}: a statement could reset its role to it, so it cannot run a read-only view: connect as a superuser or a login with CREATEROLE (a temporary login that is a member of gaia_readonly only is then used), or as a login that is a member of gaia_readonly and nothing else\n`,
      });
      await withClient(url, (c) => c.query("ALTER FUNCTION hidden.secret() OWNER TO CURRENT_USER"));
    },
  );

  it("still serves a login that is gaia_readonly and nothing else (CONNECT on the database is no privilege to read)", async () => {
    const login = `ops_ro_${randomBytes(4).toString("hex")}`;
    await withAdmin((c) =>
      c.query(`CREATE ROLE ${login} LOGIN PASSWORD 'login-pass' IN ROLE gaia_readonly`),
    );
    await withClient(url, (c) => c.query(`GRANT CONNECT ON DATABASE "${database}" TO ${login}`));
    const r = await runCliProcess([
      "view",
      "dev",
      "SELECT current_user",
      "--database-url",
      loginUrl(login),
    ]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: "current_user\n-------------\ngaia_readonly\n(1 row)\n",
      stderr: "",
    });
  });
});

describe("Supabase project refs and module lists", () => {
  const SHAPE =
    "not a Supabase project ref: a ref is 20 lowercase letters (the subdomain of https://<ref>.supabase.co), e.g. lbaohvnusingoztdzlmj";

  it.each([
    [["--supabase-project-ref", "NOT-A-REF"], {}, "", `--supabase-project-ref NOT-A-REF: ${SHAPE}`],
    [
      [],
      { SUPABASE_PROJECT_REF: "lbaohvnusingoztdzlm" },
      "",
      `SUPABASE_PROJECT_REF lbaohvnusingoztdzlm: ${SHAPE}`,
    ],
    [["--stdin-config"], {}, "Bad-Ref", `--stdin-config "supabaseProjectRef" is ${SHAPE}`],
    [
      ["--modules", ""],
      {},
      "",
      '--modules "": names no module; give at least one, e.g. --modules core (allowed: core, vector, rbac, experience)',
    ],
    [
      ["--modules", ","],
      {},
      "",
      "--modules ,: names no module; give at least one, e.g. --modules core (allowed: core, vector, rbac, experience)",
    ],
  ])(
    "migrate %j %j is a usage error and changes nothing",
    async (flags, env, stdinRef, message) => {
      const url = await createTestDatabase("gaia_hard");
      const stdin =
        stdinRef === ""
          ? undefined
          : JSON.stringify({ databaseUrl: url, supabaseProjectRef: stdinRef });
      const r = await runCliProcess(
        ["migrate", "dev", "--migrations-dir", makeTree(TREE), ...flags],
        {
          env: { ...(stdin ? {} : { DATABASE_URL: url }), ...env },
          ...(stdin ? { stdin } : {}),
        },
      );
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 2,
        stdout: "",
        stderr: `gaia-db: ${message}\n`,
      });
      expect(r.stderr).not.toContain(stdinRef || "\0");
      expect(await hasLedger(url)).toBe(false);
    },
  );

  it("verify --expected-supabase-project-ref is checked the same way", async () => {
    const r = await runCliProcess([
      "verify",
      "dev",
      "--expected-supabase-project-ref",
      "x",
      "--database-url",
      "postgresql://u@127.0.0.1:1/db",
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: `gaia-db: --expected-supabase-project-ref x: ${SHAPE}\n`,
    });
  });

  it("the refusal for removed modules names every module to keep", async () => {
    const url = await createTestDatabase("gaia_hard");
    const dir = makeTree({
      ...TREE,
      "rbac/0001_r.sql": "CREATE TABLE r (id int);\n",
      "experience/0001_e.sql": "CREATE TABLE e (id int);\n",
    });
    const env = { DATABASE_URL: url };
    const m = await runCliProcess(
      ["migrate", "dev", "--migrations-dir", dir, "--modules", "core,rbac,experience"],
      { env },
    );
    expect(m.code).toBe(0);
    const p = await runCliProcess(
      ["plan", "dev", "--migrations-dir", dir, "--modules", "core", "--json"],
      { env },
    );
    expect(JSON.parse(p.stdout).refusals).toEqual([
      'module "experience" was applied to this database (1 file in the ledger) but is not in the module list (core): modules are never removed; keep it by adding it to gaia:migrations.modules or passing --modules core,rbac,experience',
      'module "rbac" was applied to this database (1 file in the ledger) but is not in the module list (core): modules are never removed; keep it by adding it to gaia:migrations.modules or passing --modules core,rbac,experience',
    ]);
  });
});
