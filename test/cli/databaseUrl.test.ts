/**
 * Database URLs as users give them to gaia-db (--database-url, DATABASE_URL, --stdin-config, the
 * app-login stdin): a URL whose password changes how it parses is refused with exit 2 before any
 * DNS lookup or connection, and no part of it is printed, in text or --json; masking works from
 * the URL's structure, so a password that is also a common word leaves the report alone.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { runInProcess } from "../support/inProcess";
import { adminUrl, createTestDatabase, dropAll, withAdmin, withClient } from "../support/postgres";

const PROBE = resolve(__dirname, "..", "support", "networkProbe.cjs");
const probed = { NODE_OPTIONS: `--require ${PROBE}` };
const SECRET = "S3cr3t";
const EXPECTED =
  "expected postgresql://host:port/database with user:password@ before the host, and special characters in the user, password and database percent-encoded (e.g. with encodeURIComponent: / as %2F, @ as %40, # as %23, ? as %3F, % as %25, a space as %20)";
const invalid = (origin: string, reason: string) =>
  `${origin} is not a valid PostgreSQL URL: ${reason}; ${EXPECTED}`;

const AT_AFTER_HOST =
  "it has an @ after the host part: an unencoded / or ? in the password (or user) ended the host part early";

/** [what, URL, reason]: every URL holds the password S3cr3t, which must never be printed. */
const MALFORMED: [string, string, string][] = [
  [
    "leading / in the password (the issue's example)",
    `postgres://postgres:/${SECRET}@host/db`,
    AT_AFTER_HOST,
  ],
  ["/ inside the password", `postgres://postgres:${SECRET}/x@host/db`, AT_AFTER_HOST],
  ["? in the password", `postgresql://postgres:${SECRET}?x@host:5432/db`, AT_AFTER_HOST],
  [
    "# in the password",
    `postgres://postgres:${SECRET}#x@host/db`,
    "it contains a # (PostgreSQL URLs have no fragment; a # in the password is %23)",
  ],
  [
    "@ in the password",
    `postgres://postgres:${SECRET}@x@host/db`,
    "its user and password contain an unencoded @",
  ],
  [
    "a space in the password",
    `postgres://postgres:${SECRET} x@host/db`,
    "it contains a space, a control character or a non-ASCII character, which must be percent-encoded",
  ],
  [
    "a bare % in the password",
    `postgres://postgres:${SECRET}%zz@host/db`,
    "a % is not followed by two hexadecimal digits (a literal % is %25)",
  ],
  [
    "a password character that must be encoded",
    `postgres://postgres:${SECRET}"x@host/db`,
    "the password contains a character that must be percent-encoded",
  ],
  [
    "an empty port",
    `postgres://postgres:${SECRET}@host:/db`,
    "the : after the host has no port number (is there an unencoded / in the password?)",
  ],
  [
    "a port out of range",
    `postgres://postgres:${SECRET}@host:65536/db`,
    "the port is not a number from 1 to 65535",
  ],
  ["no host", `postgres://postgres:${SECRET}@/db`, "it has no host"],
  [
    "several hosts",
    `postgres://postgres:${SECRET}@h1,h2/db`,
    "the host may hold only letters, digits, ., -, _ and ~ (one host; Unix sockets are not supported)",
  ],
  [
    "a second path segment",
    `postgres://postgres:${SECRET}@host/db/x`,
    "the database name contains a / (a / in the name is %2F)",
  ],
  [
    "another scheme",
    `mysql://postgres:${SECRET}@host/db`,
    'it has scheme "mysql", not postgres or postgresql',
  ],
  [
    "no scheme",
    `postgres:${SECRET}@host/db`,
    "it does not start with postgres:// or postgresql://",
  ],
  [
    "a password parameter",
    `postgres://postgres@host/db?password=${SECRET}`,
    'it has "password"; the parameters allowed are sslmode, options, application_name (host, port, user, password and database belong in the URL itself)',
  ],
  [
    "a host parameter",
    `postgres://postgres:${SECRET}@host/db?host=elsewhere`,
    'it has "host"; the parameters allowed are sslmode, options, application_name (host, port, user, password and database belong in the URL itself)',
  ],
  [
    "a parameter twice",
    `postgres://postgres:${SECRET}@host/db?sslmode=disable&sslmode=require`,
    "it gives sslmode twice",
  ],
  [
    "an unknown sslmode",
    `postgres://postgres:${SECRET}@host/db?sslmode=maybe`,
    'sslmode "maybe" is not one of disable, prefer, require, verify-ca, verify-full, no-verify',
  ],
  [
    "a + in a parameter value",
    `postgres://postgres:${SECRET}@host/db?options=-c+work_mem%3D1MB`,
    "the value of options contains a character that must be percent-encoded (a space is %20, a + is %2B)",
  ],
];

const inProcess = runInProcess;

const roles: string[] = [];
afterAll(async () => {
  removeTrees();
  await dropAll();
  await withAdmin(async (c) => {
    for (const role of roles) await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

describe("a malformed database URL is exit 2, names the problem and prints nothing of the URL", () => {
  it.each(MALFORMED)("%s (in process, text and --json)", async (_what, url, reason) => {
    const text = await inProcess(["status", "dev", "--database-url", url]);
    expect(text).toEqual({
      code: 2,
      stdout: "",
      stderr: `gaia-db: ${invalid("--database-url", reason)}\n`,
    });
    const json = await inProcess(["status", "dev", "--json"], { DATABASE_URL: url });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      exitCode: 2,
      error: invalid("DATABASE_URL", reason),
    });
    expect(json.stdout + json.stderr).not.toContain(SECRET);
  });

  it("through the binary: no DNS lookup, no connection, the password nowhere (text and --json)", async () => {
    // The probe sees a connection attempt when there is one.
    const reachable = await runCliProcess(
      ["status", "dev", "--database-url", `postgres://postgres:${SECRET}@127.0.0.1:1/db`],
      { env: probed },
    );
    expect(reachable.code).toBe(1);
    expect(reachable.stderr).toContain("[probe: tcp connect 127.0.0.1:1]");
    const url = MALFORMED[0]![1];
    const text = await runCliProcess(["migrate", "dev", "--database-url", url], { env: probed });
    expect(text).toMatchObject({
      code: 2,
      stdout: "",
      stderr: `gaia-db: ${invalid("--database-url", AT_AFTER_HOST)}\n`,
    });
    const json = await runCliProcess(["status", "dev", "--json", "--stdin-config"], {
      env: probed,
      stdin: JSON.stringify({ databaseUrl: url }),
    });
    expect(json.code).toBe(2);
    expect(json.stderr).toBe(
      `gaia-db: ${invalid('--stdin-config "databaseUrl"', AT_AFTER_HOST)}\n`,
    );
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      exitCode: 2,
      error: invalid('--stdin-config "databaseUrl"', AT_AFTER_HOST),
    });
    const env = await runCliProcess(["plan", "dev"], {
      env: { ...probed, DATABASE_URL: MALFORMED[2]![1] },
    });
    expect(env).toMatchObject({
      code: 2,
      stdout: "",
      stderr: `gaia-db: ${invalid("DATABASE_URL", AT_AFTER_HOST)}\n`,
    });
  });

  it("the operations commands refuse it the same way through the binary", async () => {
    const url = MALFORMED[0]![1];
    const view = await runCliProcess(["view", "dev", "--database-url", url], { env: probed });
    expect(view).toMatchObject({
      code: 2,
      stdout: "",
      stderr: `gaia-db: ${invalid("--database-url", AT_AFTER_HOST)}\n`,
    });
    const cleanup = await runCliProcess(["cleanup-test-users", "dev", "--json"], {
      env: { ...probed, DATABASE_URL: url },
    });
    expect(cleanup).toMatchObject({
      code: 2,
      stderr: `gaia-db: ${invalid("DATABASE_URL", AT_AFTER_HOST)}\n`,
    });
    // --json: the operations commands print the JSON error document too (nothing of the URL).
    expect(JSON.parse(cleanup.stdout)).toEqual({
      ok: false,
      exitCode: 2,
      error: invalid("DATABASE_URL", AT_AFTER_HOST),
    });
    const login = await runCliProcess(["app-login", "dev", "--stdin-config"], {
      env: probed,
      stdin: JSON.stringify({ databaseUrl: url, appPassword: "app-pass-123" }),
    });
    expect(login).toMatchObject({
      code: 2,
      stdout: "",
      stderr: `gaia-db: app-login: ${invalid('stdin "databaseUrl"', AT_AFTER_HOST)}\n`,
    });
  });
});

describe("masking by structure", () => {
  // Roles are cluster-wide: names unique to this file.
  const role = (password: string) => `gaia_mask_${password.replace(/\W/g, "")}`;
  const urlAs = async (password: string) => {
    const name = role(password);
    roles.push(name);
    await withAdmin(async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${name}`);
      await c.query(
        `CREATE ROLE ${name} LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}'`,
      );
    });
    const db = new URL(await createTestDatabase("gaia_mask"));
    await withAdmin((c) => c.query(`ALTER DATABASE ${db.pathname.slice(1)} OWNER TO ${name}`));
    const base = new URL(adminUrl());
    return `postgresql://${name}:${encodeURIComponent(password)}@${base.host}${db.pathname}`;
  };
  const TREE = {
    "core/0001_t.sql": "CREATE TABLE t (id int);\n",
    "core/0002_u.sql": "CREATE TABLE u (id int);\n",
  };
  let dir: string;
  beforeAll(() => {
    dir = makeTree(TREE);
  });

  it('a password that is a common word ("applied") leaves every "applied" in the report alone', async () => {
    const url = await urlAs("applied");
    const json = await runCliProcess(["migrate", "dev", "--migrations-dir", dir, "--json"], {
      env: { DATABASE_URL: url },
    });
    expect(json.stderr).toBe("");
    const doc = JSON.parse(json.stdout);
    expect(doc.applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0001_t.sql",
      "core/0002_u.sql",
    ]);
    const status = await runCliProcess(["status", "dev", "--migrations-dir", dir], {
      env: { DATABASE_URL: url },
    });
    expect(status.code).toBe(0);
    expect(status.stdout.split("\n").slice(3, 6)).toEqual([
      "FILE             STATE    NOTES",
      expect.stringMatching(/^core\/0001_t\.sql {2}applied {2}\d{4}-/),
      expect.stringMatching(/^core\/0002_u\.sql {2}applied {2}\d{4}-/),
    ]);
  });

  it('a password equal to a module name ("core") leaves the file names alone (in process)', async () => {
    const url = await urlAs("core");
    const r = await inProcess(["migrate", "dev", "--migrations-dir", dir], { DATABASE_URL: url });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /^applying core\/0001_t\.sql \.\.\. done: 1 statements, \d+ ms\napplying core\/0002_u\.sql \.\.\. done: 1 statements, \d+ ms\ndev \(gaia_mask_[0-9a-f]+\): applied 2 files in \d+ ms \(0 already applied\), modules core\n$/,
    );
  });

  it("a percent-encoded password with every awkward character works through the runner's commands", async () => {
    const password = "p/@:%41#? w&=+'";
    const url = await urlAs(password);
    const env = { DATABASE_URL: url };
    const run = (args: string[]) => runCliProcess([...args, "--migrations-dir", dir], { env });
    // An existing table to adopt; baseline builds the expected schema in a scratch database
    // reached with the same login (CREATEDB).
    await withClient(url, (c) => c.query("CREATE TABLE t (id int)"));
    const baselined = await run(["baseline", "dev", "--to", "0001", "--confirm", "dev"]);
    expect(baselined.stderr).toBe("");
    expect(baselined.code).toBe(0);
    const migrated = await run(["migrate", "dev", "--json"]);
    expect(migrated.stderr).toBe("");
    expect(JSON.parse(migrated.stdout).applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0002_u.sql",
    ]);
    const bound = await run(["bind", "dev", "--confirm", "dev", "--json"]);
    expect(bound.code).toBe(0);
    const status = await run(["status", "dev", "--exit-code"]);
    expect(status.code).toBe(0);
    for (const r of [baselined, migrated, bound, status]) {
      expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(password));
    }
  });

  it("a connection error names user, host, port and database from the parsed URL, never the password", async () => {
    const password = "p/@:%#? w";
    const url = `postgres://gaia_nobody:${encodeURIComponent(password)}@127.0.0.1:1/some%2Fdb`;
    const r = await runCliProcess(["status", "dev", "--json"], { env: { DATABASE_URL: url } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatch(
      /^cannot connect to gaia_nobody@127\.0\.0\.1:1\/some\/db: connect ECONNREFUSED 127\.0\.0\.1:1$/,
    );
    expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(password));
    expect(r.stdout + r.stderr).not.toContain("p/@");
  });
});
