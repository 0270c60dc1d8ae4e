import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { bind } from "../../src/migrations/commands/bind";
import { MIGRATIONS_DIR } from "../../src/shared/vocabulary";
import { dropAll, withAdmin, withClient } from "../support/postgres";
import {
  captureIo,
  fakePulumiEnv,
  type PreparedDatabase,
  prepareEnvironmentDatabase,
} from "./support";

let dev: PreparedDatabase;
const baseEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  return env;
};

async function view(args: string[], env: NodeJS.ProcessEnv = baseEnv()) {
  const { io, stdout, stderr } = captureIo(env);
  const code = await runCli(["view", ...args], io);
  return { code, out: stdout.text, err: stderr.text };
}

beforeAll(async () => {
  dev = await prepareEnvironmentDatabase("dev");
  await withClient(dev.url, (client) =>
    client.query(
      "INSERT INTO users (email, name) VALUES ('ann+dev@example.com', 'Ann'), ('bob@example.com', 'Bob')",
    ),
  );
});
afterAll(dropAll);

describe("gaia-db view <env>", () => {
  it("prints the user count by default as an aligned table", async () => {
    const result = await view(["dev", "--database-url", dev.url]);
    expect(result).toEqual({ code: 0, out: "users\n-----\n    2\n(1 row)\n", err: "" });
  });

  it("prints any single query, nulls empty, numbers right-aligned", async () => {
    const result = await view([
      "dev",
      "SELECT email, name, length(email) AS len, NULL::text AS note FROM users ORDER BY email",
      "--database-url",
      dev.url,
    ]);
    expect(result.out).toBe(
      [
        "email               | name | len | note",
        "--------------------+------+-----+-----",
        "ann+dev@example.com | Ann  |  19 |",
        "bob@example.com     | Bob  |  15 |",
        "(2 rows)",
        "",
      ].join("\n"),
    );
    expect(result.code).toBe(0);
  });

  it("prints JSON with every value in PostgreSQL's text form", async () => {
    const result = await view(["dev", "SELECT count(*) AS n, true AS t, NULL AS z", "--json"], {
      ...baseEnv(),
      DATABASE_URL: dev.url,
    });
    expect(JSON.parse(result.out)).toEqual({
      environment: "dev",
      command: "SELECT",
      rowCount: 1,
      columns: ["n", "t", "z"],
      rows: [["1", "t", null]],
    });
  });

  // Each attack must fail with the server's own reason, and leave the database untouched.
  const attacks: [string, string, RegExp][] = [
    [
      "two statements",
      "SELECT 1; DELETE FROM users",
      /cannot insert multiple commands into a prepared statement/,
    ],
    [
      "commit then delete",
      "COMMIT; DELETE FROM users",
      /cannot insert multiple commands into a prepared statement/,
    ],
    ["delete", "DELETE FROM users", /cannot execute DELETE in a read-only transaction/],
    [
      "create table",
      "CREATE TABLE pwned (id int)",
      /cannot execute CREATE TABLE in a read-only transaction/,
    ],
    [
      "copy to program",
      "COPY (SELECT 1) TO PROGRAM 'touch /tmp/gaia-pwned'",
      /must be superuser or have privileges of the pg_execute_server_program role/,
    ],
    [
      "climb back to postgres with set_config",
      "SELECT set_config('role', 'postgres', false)",
      /permission denied to set role "postgres"/,
    ],
    [
      "climb back and read a file in one statement",
      "SELECT set_config('role', 'postgres', true), pg_read_file('/etc/hostname')",
      /permission denied for function pg_read_file/,
    ],
    [
      "session authorization",
      "SELECT set_config('session_authorization', 'postgres', false)",
      /permission denied to set session authorization/,
    ],
    [
      "read-write again",
      "SELECT set_config('transaction_read_only', 'off', false)",
      /transaction read-write mode must be set before any query/,
    ],
    [
      "server file read",
      "SELECT pg_read_file('/etc/hostname')",
      /permission denied for function pg_read_file/,
    ],
    [
      "DO block writing",
      "DO $$ BEGIN DELETE FROM users; END $$",
      /cannot execute DELETE in a read-only transaction/,
    ],
    [
      "data-modifying WITH",
      "WITH d AS (DELETE FROM users RETURNING 1) SELECT count(*) FROM d",
      /cannot execute SELECT in a read-only transaction/,
    ],
  ];

  it.each(attacks)("refuses %s", async (_name, sql, reason) => {
    const result = await view(["dev", sql, "--database-url", dev.url]);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toMatch(reason);
    expect(result.err.split("\n")).toHaveLength(2);
    const after = await withClient(dev.url, async (client) => ({
      users: (await client.query("SELECT count(*)::int AS n FROM users")).rows[0].n,
      pwned: (await client.query("SELECT to_regclass('pwned') AS t")).rows[0].t,
    }));
    expect(after).toEqual({ users: 2, pwned: null });
  });

  it("RESET ROLE alone runs and changes nothing", async () => {
    const result = await view(["dev", "RESET ROLE", "--database-url", dev.url]);
    expect(result).toEqual({ code: 0, out: "RESET\n", err: "" });
  });

  it("runs as a temporary login that is a member of gaia_readonly only, then drops it", async () => {
    const result = await view([
      "dev",
      "SELECT current_user = 'gaia_readonly' AS as_readonly, session_user LIKE 'gaia_view_%' AS temporary, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS super",
      "--json",
      "--database-url",
      dev.url,
    ]);
    expect(JSON.parse(result.out).rows).toEqual([["t", "t", "f"]]);
    const left = await withAdmin(
      async (client) =>
        (
          await client.query(
            "SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'gaia_view_%' AND rolvaliduntil > now()",
          )
        ).rows[0].n,
    );
    expect(left).toBe(0);
  });

  it("sweeps expired gaia_view_ logins left behind, and no role that only matches with _ as a wildcard", async () => {
    const suffix = randomBytes(4).toString("hex");
    const stale = `gaia_view_stale${suffix}`;
    const lookalike = `gaiaXviewXold${suffix}`;
    const expired = new Date(Date.now() - 2 * 3600_000).toISOString();
    await withAdmin(async (client) => {
      await client.query(`CREATE ROLE ${stale} LOGIN VALID UNTIL '${expired}'`);
      await client.query(`CREATE ROLE "${lookalike}" LOGIN VALID UNTIL '${expired}'`);
    });
    const result = await view(["dev", "SELECT 1 AS one", "--database-url", dev.url]);
    expect(result.code).toBe(0);
    const left = await withAdmin(async (client) =>
      (
        await client.query("SELECT rolname FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1", [
          [stale, lookalike],
        ])
      ).rows.map((r) => r.rolname),
    );
    expect(left).toEqual([lookalike]);
    await withAdmin((client) => client.query(`DROP ROLE "${lookalike}"`));
  });

  it("a non-superuser login member of gaia_readonly runs the query under SET ROLE", async () => {
    const login = `ops_reader_${randomBytes(4).toString("hex")}`;
    await withAdmin((client) =>
      client.query(`CREATE ROLE ${login} LOGIN PASSWORD 'reader-pass' IN ROLE gaia_readonly`),
    );
    const url = new URL(dev.url);
    url.username = login;
    url.password = "reader-pass";
    const ok = await view([
      "dev",
      "SELECT current_user, session_user",
      "--json",
      "--database-url",
      url.toString(),
    ]);
    expect(JSON.parse(ok.out).rows).toEqual([["gaia_readonly", login]]);
    const write = await view(["dev", "DELETE FROM users", "--database-url", url.toString()]);
    expect(write.err).toMatch(/cannot execute DELETE in a read-only transaction/);
  });

  it("a login outside gaia_readonly is refused with what to grant", async () => {
    const login = `ops_other_${randomBytes(4).toString("hex")}`;
    await withAdmin((client) => client.query(`CREATE ROLE ${login} LOGIN PASSWORD 'other-pass'`));
    const url = new URL(dev.url);
    url.username = login;
    url.password = "other-pass";
    const result = await view(["dev", "--database-url", url.toString()]);
    expect(result).toEqual({
      code: 3,
      out: "",
      err: `gaia-db: login "${login}" is not a member of gaia_readonly and may not create a temporary login: connect as a superuser or a login with CREATEROLE (a temporary login that is a member of gaia_readonly only is then used), or as a login that is a member of gaia_readonly and nothing else\n`,
    });
  });

  it("--write runs one statement read-write", async () => {
    const result = await view([
      "dev",
      "UPDATE users SET name = 'Bobby' WHERE email = 'bob@example.com'",
      "--write",
      "--database-url",
      dev.url,
    ]);
    expect(result).toEqual({ code: 0, out: "UPDATE 1\n", err: "" });
    const twice = await view([
      "dev",
      "UPDATE users SET name = 'x'; DELETE FROM users",
      "--write",
      "--database-url",
      dev.url,
    ]);
    expect(twice.err).toMatch(/cannot insert multiple commands into a prepared statement/);
    const names = await withClient(dev.url, async (client) =>
      (await client.query("SELECT name FROM users ORDER BY email")).rows.map((r) => r.name),
    );
    expect(names).toEqual(["Ann", "Bobby"]);
  });

  it("--write with --max-rows commits the whole statement; the limit only cuts what is shown", async () => {
    // A SELECT that writes row by row: cutting its portal at --max-rows would commit only the
    // rows read so far.
    await withClient(dev.url, (client) =>
      client.query(`CREATE TABLE marks (n int);
        CREATE FUNCTION mark(n int) RETURNS int LANGUAGE sql AS 'INSERT INTO marks VALUES (n) RETURNING n'`),
    );
    const marks = () =>
      withClient(dev.url, async (client) =>
        (await client.query("SELECT n FROM marks ORDER BY n")).rows.map((r) => r.n),
      );
    try {
      const sql = "SELECT mark(i) AS n FROM generate_series(1, 5) i";
      const shown = await view([
        "dev",
        sql,
        "--write",
        "--max-rows",
        "2",
        "--database-url",
        dev.url,
      ]);
      expect(await marks()).toEqual([1, 2, 3, 4, 5]);
      expect(shown).toEqual({
        code: 0,
        out: "n\n-\n1\n2\n(2 of 5 rows shown)\n",
        err: "gaia-db: warning: only the first 2 rows are shown (the statement ran in full and was committed): add a LIMIT to the query, or raise --max-rows (at most 1000000)\n",
      });
      const json = await view([
        "dev",
        "UPDATE marks SET n = n + 10 RETURNING n",
        "--write",
        "--max-rows",
        "1",
        "--json",
        "--database-url",
        dev.url,
      ]);
      expect(JSON.parse(json.out)).toMatchObject({
        command: "UPDATE",
        rowCount: 5,
        rows: [["11"]],
        truncated: true,
        maxRows: 1,
      });
      expect(await marks()).toEqual([11, 12, 13, 14, 15]);
    } finally {
      await withClient(dev.url, (client) =>
        client.query("DROP FUNCTION mark(int); DROP TABLE marks"),
      );
    }
  });

  it("--write on production needs --confirm production", async () => {
    const prod = await prepareEnvironmentDatabase("production");
    const refused = await view([
      "production",
      "DELETE FROM users",
      "--write",
      "--database-url",
      prod.url,
    ]);
    expect(refused).toEqual({
      code: 3,
      out: "",
      err: "gaia-db: view production --write: writing to production needs --confirm production\n",
    });
    const wrong = await view([
      "production",
      "DELETE FROM users",
      "--write",
      "--confirm",
      "dev",
      "--database-url",
      prod.url,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toBe(
      'gaia-db: view: --confirm "dev" does not match the environment "production"\n',
    );
    const done = await view([
      "production",
      "DELETE FROM users",
      "--write",
      "--confirm",
      "production",
      "--database-url",
      prod.url,
    ]);
    expect(done).toEqual({ code: 0, out: "DELETE 0\n", err: "" });
  });

  it("--write refuses a database bound to another environment (a leftover DATABASE_URL)", async () => {
    const prod = await prepareEnvironmentDatabase("production");
    await withClient(prod.url, (client) =>
      client.query("INSERT INTO users (email, name) VALUES ('pat@example.com', 'Pat')"),
    );
    const refused = await view(["dev", "DELETE FROM users", "--write"], {
      ...baseEnv(),
      DATABASE_URL: prod.url,
    });
    expect(refused).toEqual({
      code: 3,
      out: "",
      err: 'gaia-db: view dev --write: the database is bound to "production", not "dev": pass the right environment (and --confirm production for production)\n',
    });
    const users = await withClient(
      prod.url,
      async (client) => (await client.query("SELECT count(*)::int AS n FROM users")).rows[0].n,
    );
    expect(users).toBe(1);
    // Reading is harmless: the read-only view does not check the binding.
    const read = await view(["dev", "--database-url", prod.url]);
    expect(read).toEqual({ code: 0, out: "users\n-----\n    1\n(1 row)\n", err: "" });
  });

  it("--write on a database without a ledger refuses until it is bound, then runs", async () => {
    const empty = await prepareEnvironmentDatabase("dev", { empty: true });
    const write = ["dev", "CREATE TABLE t (id int)", "--write", "--database-url", empty.url];
    const refused = await view(write);
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(
      /^gaia-db: view dev --write: the database has no gaia_migrations ledger, .* If it is the dev database, bind it: gaia-db bind dev --confirm dev /,
    );
    await bind({
      databaseUrl: empty.url,
      environment: "dev",
      confirm: "dev",
      migrationsDir: MIGRATIONS_DIR,
    });
    expect(await view(write)).toEqual({ code: 0, out: "CREATE\n", err: "" });
  });

  it.each([
    [
      [],
      "gaia-db: view: missing environment: give it as the first argument (gaia-db view dev); allowed: local, dev, staging, production\n",
    ],
    [
      ["prod"],
      'gaia-db: view: unknown environment "prod": allowed environments are local, dev, staging, production\n',
    ],
    [
      ["dev", "select 1", "extra"],
      "gaia-db: view: unexpected arguments extra: usage is gaia-db view <environment|all> [query] [options]; quote the query as one argument\n",
    ],
    [
      ["dev", "--frobnicate"],
      "gaia-db: view: Unknown option '--frobnicate'; run gaia-db view --help\n",
    ],
    [
      ["all", "select 1"],
      "gaia-db: view all: takes no query, --write or --database-url (it surveys every environment through its stack outputs)\n",
    ],
    [
      ["dev", "--timeout", "zero"],
      "gaia-db: view: --timeout zero: not a duration; write e.g. 500ms, 10s, 15m or 1h (a bare number is seconds)\n",
    ],
  ])("usage error for %j", async (args, message) => {
    expect(await view(args)).toEqual({ code: 2, out: "", err: message });
  });

  it("--help prints the help text", async () => {
    const result = await view(["--help"]);
    expect(result.code).toBe(0);
    expect(result.out.startsWith("Usage: gaia-db view <environment|all> [query] [options]\n")).toBe(
      true,
    );
  });

  it("an unreachable database names host, port and user, never the password", async () => {
    const result = await view([
      "dev",
      "--database-url",
      "postgresql://postgres:s3cret-pw@127.0.0.1:1/llm_platform",
      "--timeout",
      "5",
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^gaia-db: cannot connect to 127\.0\.0\.1:1\/llm_platform as postgres: .*ECONNREFUSED/,
    );
    expect(result.err).not.toContain("s3cret-pw");
  });
});

describe("resetting the role inside the statement gains nothing", () => {
  // A schema the owner login owns, with a table gaia_readonly may not read.
  let owner: string;
  const loginUrl = (login: string) => {
    const url = new URL(dev.url);
    url.username = login;
    url.password = "login-pass";
    return url.toString();
  };
  const createLogin = async (prefix: string, attributes: string) => {
    const login = `${prefix}_${randomBytes(4).toString("hex")}`;
    await withAdmin((client) =>
      client.query(`CREATE ROLE ${login} LOGIN PASSWORD 'login-pass' ${attributes}`),
    );
    return login;
  };
  // The reviewer's attack: back to the session user, read beyond gaia_readonly, kill a session.
  const attack = (victimApp: string) =>
    `SELECT set_config('role', 'none', true), current_user,
            query_to_xml('SELECT v FROM vault.secrets', false, false, ''),
            pg_terminate_backend(pid)
       FROM pg_stat_activity WHERE application_name = '${victimApp}'`;
  const terminateOnly = (victimApp: string) =>
    `SELECT set_config('role', 'none', true), pg_terminate_backend(pid)
       FROM pg_stat_activity WHERE application_name = '${victimApp}'`;

  /** Runs `fn` while the owner holds another session (the victim), then checks it survived. */
  async function withVictim(fn: (victimApp: string) => Promise<void>) {
    const victimApp = `victim_${randomBytes(4).toString("hex")}`;
    const victim = new pg.Client({
      connectionString: loginUrl(owner),
      application_name: victimApp,
    });
    await victim.connect();
    try {
      await fn(victimApp);
      expect((await victim.query("SELECT 1 AS alive")).rows).toEqual([{ alive: 1 }]);
    } finally {
      await victim.end().catch(() => {});
    }
  }

  beforeAll(async () => {
    owner = await createLogin("ops_owner", "CREATEROLE IN ROLE gaia_readonly");
    await withAdmin(async (client) => {
      await client.query(
        `GRANT CONNECT ON DATABASE ${new URL(dev.url).pathname.slice(1)} TO PUBLIC`,
      );
    });
    await withClient(dev.url, (client) =>
      client.query(`CREATE SCHEMA vault AUTHORIZATION ${owner}`),
    );
    await withClient(loginUrl(owner), (client) =>
      client.query(
        "CREATE TABLE vault.secrets (v text); INSERT INTO vault.secrets VALUES ('top-secret')",
      ),
    );
  });

  it("an owner login with CREATEROLE runs the statement as a temporary login", async () => {
    const result = await view([
      "dev",
      "SELECT session_user LIKE 'gaia_view_%' AS temporary, current_user",
      "--json",
      "--database-url",
      loginUrl(owner),
    ]);
    expect(JSON.parse(result.out).rows).toEqual([["t", "gaia_readonly"]]);
  });

  it("an owner login with CREATEROLE: neither reads its table nor kills its session", async () => {
    await withVictim(async (victimApp) => {
      const both = await view(["dev", attack(victimApp), "--database-url", loginUrl(owner)]);
      expect(both.code).toBe(1);
      expect(both.out).toBe("");
      expect(both.err).toMatch(/permission denied for schema vault/);
      const kill = await view(["dev", terminateOnly(victimApp), "--database-url", loginUrl(owner)]);
      expect(kill.code).toBe(1);
      expect(kill.err).toMatch(/must be a member of the role whose process is being terminated/);
    });
  });

  it("a plain login, member of gaia_readonly only: neither reads nor kills", async () => {
    const plain = await createLogin("ops_plain", "IN ROLE gaia_readonly");
    await withVictim(async (victimApp) => {
      const both = await view(["dev", attack(victimApp), "--database-url", loginUrl(plain)]);
      expect(both.code).toBe(1);
      expect(both.err).toMatch(/permission denied for schema vault/);
      const kill = await view(["dev", terminateOnly(victimApp), "--database-url", loginUrl(plain)]);
      expect(kill.code).toBe(1);
      expect(kill.err).toMatch(/must be a member of the role whose process is being terminated/);
    });
  });

  it.each([
    [
      "owns relations",
      "vault owner",
      async (login: string) => [`ALTER TABLE vault.secrets OWNER TO ${login}`],
    ],
    [
      "holds table grants",
      "direct grant",
      async (login: string) => [
        `GRANT USAGE ON SCHEMA vault TO ${login}`,
        `GRANT SELECT ON vault.secrets TO ${login}`,
      ],
    ],
    [
      "is a member of another role",
      "other role",
      async (login: string) => [`GRANT ${owner} TO ${login}`],
    ],
  ])(
    "a login in gaia_readonly that %s is refused, and the attack never runs (%s)",
    async (_what, _name, grants) => {
      const login = await createLogin("ops_more", "IN ROLE gaia_readonly");
      for (const sql of await grants(login)) {
        await withClient(dev.url, (client) => client.query(sql));
      }
      await withVictim(async (victimApp) => {
        const result = await view(["dev", attack(victimApp), "--database-url", loginUrl(login)]);
        expect(result.code).toBe(3);
        expect(result.out).toBe("");
        expect(result.err).toMatch(
          new RegExp(
            `^gaia-db: login "${login}" .*: a statement could reset its role to it, so it cannot run a read-only view: connect as a superuser or a login with CREATEROLE`,
          ),
        );
      });
      if (_what === "owns relations") {
        await withClient(dev.url, (client) =>
          client.query(`ALTER TABLE vault.secrets OWNER TO ${owner}`),
        );
      }
    },
  );
});

describe("reaching an environment through the stack outputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "gaia-ops-pulumi-"));
  const stacksFile = join(dir, "stacks.json");
  const logFile = join(dir, "calls.jsonl");

  it("reads databaseUrl from pulumi stack output, with the exact arguments", async () => {
    writeFileSync(stacksFile, JSON.stringify({ dev: { outputs: { databaseUrl: dev.url } } }));
    const result = await view(["dev"], fakePulumiEnv(stacksFile, { FAKE_PULUMI_LOG: logFile }));
    expect(result).toEqual({ code: 0, out: "users\n-----\n    2\n(1 row)\n", err: "" });
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(logFile, "utf8")).toBe(
      `${JSON.stringify(["stack", "output", "--show-secrets", "--json", "-s", "dev"])}\n`,
    );
  });

  it("reaches a Fly private URL through the proxy helper on a local port", async () => {
    const real = new URL(dev.url);
    const flyUrl = new URL(dev.url);
    flyUrl.hostname = "gaia-db-dev.flycast";
    flyUrl.port = "5432";
    writeFileSync(
      stacksFile,
      JSON.stringify({ dev: { outputs: { databaseUrl: flyUrl.toString() } } }),
    );
    const opened: unknown[] = [];
    const { io, stdout } = captureIo(fakePulumiEnv(stacksFile), {
      openProxy: async (opts, fn) => {
        opened.push({ app: opts.app, flyBinary: opts.flyBinary, timeoutMs: opts.timeoutMs });
        return fn(Number(real.port));
      },
    });
    expect(await runCli(["view", "dev"], io)).toBe(0);
    expect(stdout.text).toBe("users\n-----\n    2\n(1 row)\n");
    expect(opened).toEqual([{ app: "gaia-db-dev", flyBinary: "fly", timeoutMs: 30000 }]);
  });

  it("says which output is missing and what to run", async () => {
    writeFileSync(stacksFile, JSON.stringify({ dev: { outputs: { redisUrl: "redis://x" } } }));
    expect(await view(["dev"], fakePulumiEnv(stacksFile))).toEqual({
      code: 1,
      out: "",
      err: 'gaia-db: stack "dev" has no output databaseUrl: run pulumi up -s dev, or set DATABASE_URL for the command\n',
    });
  });

  it("passes on pulumi's own error with what to check", async () => {
    writeFileSync(stacksFile, JSON.stringify({}));
    expect(await view(["staging"], fakePulumiEnv(stacksFile))).toEqual({
      code: 1,
      out: "",
      err: "gaia-db: pulumi stack output -s staging failed (exit 255): error: no stack named 'staging' found: check `pulumi whoami` and `pulumi stack ls`, or set DATABASE_URL for the command\n",
    });
  });

  it("says when the pulumi CLI is missing", async () => {
    const env = { ...baseEnv(), PATH: dir };
    expect(await view(["dev"], env)).toEqual({
      code: 1,
      out: "",
      err: 'gaia-db: pulumi CLI not found ("pulumi" is not on PATH): install it (https://www.pulumi.com/docs/install/) or set DATABASE_URL for the command\n',
    });
  });
});
