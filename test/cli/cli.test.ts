/**
 * The gaia-db binary end to end (node bin/gaia-db.js via child_process), every exit code at least
 * once, plus in-process checks of parsing and printing through runCli.
 */

import { PassThrough } from "node:stream";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { parseStdinConfig } from "../../src/cli/commands/_migration";
import { parseDuration } from "../../src/cli/duration";
import { helpText } from "../../src/cli/helpTopics";
import { runCli } from "../../src/cli/main";
import { LOCK_KEY } from "../../src/migrations/lock";
import { GaiaDbError } from "../../src/shared/errors";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { runInProcess } from "../support/inProcess";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const TREE = {
  "core/0001_t.sql": "CREATE TABLE t (id int);\n",
  "core/0002_u.sql": "CREATE TABLE u (id int);\n",
};

const GLOBAL_HELP = helpText("gaia-db");
const COMMAND_HELP = Object.fromEntries(
  ["migrate", "plan", "status", "verify", "baseline", "repair", "bind"].map((c) => [
    c,
    helpText(c),
  ]),
);

const inProcess = runInProcess;

describe("gaia-db binary", () => {
  it("exit 0: migrate with --json, from any cwd, then status", async () => {
    const url = await createTestDatabase("gaia_cli");
    const dir = makeTree(TREE);
    const r = await runCliProcess(["migrate", "dev", "--migrations-dir", dir, "--json"], {
      env: { DATABASE_URL: url },
      cwd: "/",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.command).toBe("migrate");
    expect(doc.applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0001_t.sql",
      "core/0002_u.sql",
    ]);
    expect(doc.roundTrips).toBeGreaterThan(3);
    const again = await runCliProcess(
      ["migrate", "--environment", "dev", "--migrations-dir", dir, "--json"],
      {
        env: { DATABASE_URL: url },
      },
    );
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: true,
      applied: [],
      roundTrips: 3,
      upToDate: 2,
    });
    const text = await runCliProcess(["status", "dev", "--migrations-dir", dir, "--exit-code"], {
      env: { DATABASE_URL: url },
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^environment dev, database gaia_cli_[0-9a-f]+, modules core\nbound to dev, Supabase project \(none\), isolation off\n\nFILE {13}STATE {4}NOTES\ncore\/0001_t\.sql {2}applied {2}\d{4}-/,
    );
    expect(text.stdout).toMatch(/\n\n0 pending\n$/);
  });

  it("exit 0 with text progress; the default migrations dir is the package's migrations/", async () => {
    const url = await createTestDatabase("gaia_cli");
    const dir = makeTree(TREE);
    const r = await runCliProcess(["migrate", "local", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^applying core\/0001_t\.sql \.\.\. done: 1 statements, \d+ ms\napplying core\/0002_u\.sql \.\.\. done: 1 statements, \d+ ms\nlocal \(gaia_cli_[0-9a-f]+\): applied 2 files in \d+ ms \(0 already applied\), modules core\n$/,
    );
    const plan = await runCliProcess(["plan", "local", "--json"], {
      env: { DATABASE_URL: await createTestDatabase("gaia_cli") },
      cwd: "/",
    });
    expect(plan.code).toBe(0);
    // the real tree, found from __dirname, not the cwd; its core files are pending there
    expect(JSON.parse(plan.stdout).pending[0]).toBe("core/0001_live_schema.sql");
  });

  it("verify exits 0 when the selected modules are complete and the binding matches", async () => {
    const url = await createTestDatabase("gaia_cli");
    const db = new URL(url).pathname.slice(1);
    const env = { DATABASE_URL: url };
    const m = await runCliProcess(
      ["migrate", "dev", "--supabase-project-ref", "lbaohvnusingoztdzlmj"],
      { env },
    );
    expect(m.code).toBe(0);
    const v = await runCliProcess(["verify", "dev", "--expected-database", db], { env });
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, "<time>")).toBe(
      [
        "## Verification Status",
        "",
        "**Last Verified:** <time>",
        "**Method:** catalog query (gaia-db verify)",
        "",
        "| Check | Status | Notes |",
        "|-------|--------|-------|",
        `| PostgreSQL \`${db}\` database | ✅ Verified | Single shared database for all services |`,
        "| 19 deployed tables | ✅ Verified | 19 of 19 present |",
        "| Supabase integration | ✅ Verified | `gaia-platform-v2` project (`lbaohvnusingoztdzlmj`), bound to `dev` |",
        "| RBAC tables | ⏳ Planned | Module `rbac` not selected; 0 of 13 tables present |",
        "| Experience Platform tables | ⏳ Planned | Module `experience` not selected; 0 of 3 tables present |",
        "",
        "**Gaps:** 0",
        "",
      ].join("\n"),
    );
    const json = await runCliProcess(["verify", "dev", "--expected-database", db, "--json"], {
      env,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      command: "verify",
      gaps: 0,
      modules: ["core"],
    });
  });

  it("the binary loads the operations commands on demand (gaia-db env --help)", async () => {
    const r = await runCliProcess(["env", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${helpText("env")}\n`);
  });

  it("exit 1: wrong host and wrong password never print the URL or the password", async () => {
    const url = await createTestDatabase("gaia_cli");
    const u = new URL(url);
    u.password = "S3cret-Wrong-Pass";
    const wrongPass = await runCliProcess(["status", "dev", "--database-url", u.toString()]);
    expect(wrongPass.code).toBe(1);
    expect(wrongPass.stderr).toBe(
      `gaia-db: cannot connect to postgres@127.0.0.1:${u.port}${u.pathname}: password authentication failed for user "postgres"\n`,
    );
    expect(wrongPass.stdout + wrongPass.stderr).not.toContain("S3cret-Wrong-Pass");
    const badHost = new URL(url);
    badHost.hostname = "no-such-host.invalid";
    badHost.password = "S3cret-Host-Pass";
    const r = await runCliProcess(["migrate", "dev", "--json"], {
      env: { DATABASE_URL: badHost.toString() },
    });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain("S3cret-Host-Pass");
    expect(r.stdout + r.stderr).not.toContain(badHost.toString());
    expect(r.stderr).toBe(
      `gaia-db: cannot connect to postgres@no-such-host.invalid:${badHost.port}${badHost.pathname}: getaddrinfo ENOTFOUND no-such-host.invalid\n`,
    );
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      exitCode: 1,
      error: `cannot connect to postgres@no-such-host.invalid:${badHost.port}${badHost.pathname}: getaddrinfo ENOTFOUND no-such-host.invalid`,
    });
  });

  it("exit 2: usage errors", async () => {
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [
        ["migrate", "dev", "--bogus"],
        { DATABASE_URL: "postgresql://x@h/db" },
        "gaia-db: Unknown option '--bogus'; run gaia-db migrate --help\n",
      ],
      [
        ["migrate"],
        { DATABASE_URL: "postgresql://x@h/db" },
        "gaia-db: missing environment: give it as the first argument (gaia-db migrate dev), --environment or GAIA_ENVIRONMENT; allowed: local, dev, staging, production\n",
      ],
      [
        ["status", "prod"],
        {},
        'gaia-db: unknown environment "prod": allowed environments are local, dev, staging, production\n',
      ],
      [
        ["status", "dev"],
        {},
        "gaia-db: no database connection: pipe a JSON config to --stdin-config or set DATABASE_URL (a URL typed after --database-url stays in the shell history)\n",
      ],
      [
        ["launch", "dev"],
        {},
        'gaia-db: unknown command "launch": commands are migrate, plan, status, verify, baseline, repair, bind, view, cleanup-test-users, env, doctor, verify all, app-login, restore, restore-drill, review, schema; run gaia-db --help\n',
      ],
    ];
    for (const [args, env, stderr] of cases) {
      const r = await runCliProcess(args, { env });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr });
    }
  });

  it("exit 3: refused (unmanaged database), with --stdin-config carrying the URL", async () => {
    const url = await createTestDatabase("gaia_cli");
    await withClient(url, (c) => c.query("CREATE TABLE old (id int)"));
    const dir = makeTree(TREE);
    const r = await runCliProcess(
      ["migrate", "production", "--stdin-config", "--migrations-dir", dir],
      {
        stdin: JSON.stringify({ databaseUrl: url, supabaseProjectRef: "lbaohvnusingoztdzlmj" }),
      },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `gaia-db: database ${new URL(url).pathname.slice(1)} already has 1 table in schema public but no gaia_migrations ledger: refusing to run migrations over an unmanaged schema; adopt it after checking it matches the migration files with: gaia-db baseline production --to 0001 --confirm production\n`,
    );
    expect(r.stdout + r.stderr).not.toContain(new URL(url).password);
  });

  it("exit 4: lock timeout while another session holds the lock", async () => {
    const url = await createTestDatabase("gaia_cli");
    const holder = new pg.Client({ connectionString: url, application_name: "held by test" });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [LOCK_KEY]);
      const r = await runCliProcess(
        ["migrate", "dev", "--migrations-dir", makeTree(TREE), "--lock-timeout", "300ms"],
        {
          env: { DATABASE_URL: url },
        },
      );
      expect(r.code).toBe(4);
      expect(r.stdout).toBe("waiting for the migration lock...\n");
      expect(r.stderr).toMatch(
        /^gaia-db: timed out after 0\.3 s waiting for the migration lock, held by pid \d+ \(application_name "held by test", /,
      );
    } finally {
      await holder.end();
    }
  });

  it("exit 5: pending files with status --exit-code, and verify gaps", async () => {
    const url = await createTestDatabase("gaia_cli");
    const dir = makeTree(TREE);
    const s = await runCliProcess(
      ["status", "dev", "--migrations-dir", dir, "--exit-code", "--json"],
      {
        env: { DATABASE_URL: url },
      },
    );
    expect(s.code).toBe(5);
    expect(JSON.parse(s.stdout)).toMatchObject({
      ok: false,
      pending: ["core/0001_t.sql", "core/0002_u.sql"],
    });
    const v = await runCliProcess(["verify", "dev", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    expect(v.code).toBe(5);
    expect(v.stdout).toContain("| Check | Status | Notes |");
    expect(v.stdout).toContain("❌ Missing");
  });
});

describe("runCli in process", () => {
  it("prints the exported help texts verbatim", async () => {
    expect(await inProcess(["--help"])).toEqual({
      code: 0,
      stdout: `${GLOBAL_HELP}\n`,
      stderr: "",
    });
    expect(await inProcess([])).toEqual({ code: 2, stdout: `${GLOBAL_HELP}\n`, stderr: "" });
    for (const [command, help] of Object.entries(COMMAND_HELP)) {
      expect(await inProcess([command, "--help"])).toEqual({
        code: 0,
        stdout: `${help}\n`,
        stderr: "",
      });
    }
  });

  it.each([
    [
      ["migrate", "dev", "--isolation", "maybe"],
      "gaia-db: --isolation maybe: allowed values are on and off\n",
    ],
    [
      ["migrate", "dev", "--lock-timeout", "soon"],
      "gaia-db: --lock-timeout soon: not a duration; write e.g. 500ms, 10s, 15m or 1h (a bare number is seconds)\n",
    ],
    [
      ["migrate", "dev", "staging"],
      "gaia-db: unexpected arguments staging: usage is gaia-db migrate <environment> [options]\n",
    ],
    [
      ["migrate", "dev", "--environment", "staging"],
      'gaia-db: the environment is given twice with different values ("dev" and --environment staging): give it once\n',
    ],
    [
      ["status", "dev", "--to", "0001"],
      "gaia-db: Unknown option '--to'; run gaia-db status --help\n",
    ],
    // Options a command would ignore are not its options: baseline's modules are --to's, and
    // bind keeps the modules the database records.
    [
      ["baseline", "dev", "--to", "0001", "--confirm", "dev", "--modules", "core,rbac"],
      "gaia-db: Unknown option '--modules'; run gaia-db baseline --help\n",
    ],
    [
      ["bind", "dev", "--confirm", "dev", "--modules", "core"],
      "gaia-db: Unknown option '--modules'; run gaia-db bind --help\n",
    ],
    [
      ["migrate", "dev", "--modules", "core,graph"],
      'gaia-db: unknown migration module "graph": allowed modules are core, vector, rbac, experience (comma-separated, e.g. --modules core,vector)\n',
    ],
    [
      ["baseline", "dev", "--confirm", "dev"],
      "gaia-db: baseline needs --to: the last version to adopt, e.g. gaia-db baseline dev --to 0001 --confirm dev\n",
    ],
    [
      ["repair", "dev"],
      "gaia-db: repair needs --file, e.g. gaia-db repair dev --file core/0003_add_index.sql\n",
    ],
    [
      ["repair", "dev", "--file", "0003.sql"],
      "gaia-db: --file 0003.sql: give the file as <module>/NNNN_name.sql, e.g. --file core/0003_add_index.sql\n",
    ],
  ])("%j is a usage error", async (argv, stderr) => {
    expect(
      await inProcess(argv, { DATABASE_URL: "postgresql://u:pw-secret@127.0.0.1:1/db" }),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr,
    });
  });

  it("dispatches the operations commands (and `verify all`) to src/operations", async () => {
    const env = await inProcess(["env", "--help"]);
    expect(env.code).toBe(0);
    expect(env.stdout).toContain(helpText("env"));
    const all = await inProcess(["verify", "all", "--help"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(helpText("verify-all"));
  });

  it("reads the environment from GAIA_ENVIRONMENT and the connection from stdin", async () => {
    const r = await inProcess(
      ["status", "--stdin-config", "--json"],
      { GAIA_ENVIRONMENT: "staging" },
      JSON.stringify({ databaseUrl: "postgresql://u:pw-from-stdin@127.0.0.1:1/db" }),
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      exitCode: 1,
      error: "cannot connect to u@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1",
    });
    expect(r.stdout + r.stderr).not.toContain("pw-from-stdin");
  });

  it("--stdin-config with a terminal on stdin is a usage error instead of waiting", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d) => {
      err += d;
    });
    const code = await runCli(["status", "dev", "--stdin-config"], {
      stdout,
      stderr,
      env: {},
      // A terminal: reading would block until the user types EOF.
      readStdin: () => new Promise<string>(() => {}),
      stdinIsTty: true,
    });
    expect(code).toBe(2);
    expect(err).toContain(
      '--stdin-config reads a JSON document from stdin: pipe it in, e.g. echo \'{"databaseUrl": "postgresql://..."}\' | gaia-db status dev --stdin-config',
    );
  }, 5_000);

  it.each([
    [
      "not json",
      '--stdin-config: stdin is not valid JSON; expected {"databaseUrl": "postgresql://...", "supabaseProjectRef": "..."}',
    ],
    [
      "[1]",
      '--stdin-config: stdin must hold a JSON object {"databaseUrl": "...", "supabaseProjectRef": "..."}',
    ],
    ["{}", '--stdin-config: "databaseUrl" must be a non-empty string'],
    [
      '{"databaseUrl":"x","password":"p"}',
      "--stdin-config: unknown key password; allowed keys are databaseUrl and supabaseProjectRef",
    ],
    [
      '{"databaseUrl":"x","supabaseProjectRef":3}',
      '--stdin-config: "supabaseProjectRef" must be a string when given',
    ],
  ])("parseStdinConfig(%j) refuses", (text, message) => {
    expect(() => parseStdinConfig(text)).toThrow(message);
  });

  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["10", 10_000],
    ["1.5s", 1500],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["2147483647ms", 2_147_483_647],
  ])("parseDuration(%j) = %d", (text, ms) => {
    expect(parseDuration("lock-timeout", text, { minMs: 1, maxMs: 2_147_483_647 })).toBe(ms);
  });

  it.each(["3301s", "56m", "600h", "99999999999"])(
    "parseDuration(%j) beyond the bound is a usage error",
    (text) => {
      let e: unknown;
      try {
        parseDuration("statement-timeout", text, {
          minMs: 1000,
          maxMs: 55 * 60_000,
          maxReason: "the Migrations resource stops gaia-db migrate after 1h",
        });
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(GaiaDbError);
      expect((e as GaiaDbError).exitCode).toBe(2);
      expect((e as GaiaDbError).message).toBe(
        `--statement-timeout ${text}: too long; the longest is 55m (the Migrations resource stops gaia-db migrate after 1h)`,
      );
    },
  );

  it("an over-long --statement-timeout exits 2 before connecting", async () => {
    const r = await inProcess([
      "migrate",
      "dev",
      "--database-url",
      "postgresql://u@127.0.0.1:1/db",
      "--statement-timeout",
      "600h",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--statement-timeout 600h: too long");
  });
});
