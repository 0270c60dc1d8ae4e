/**
 * The binding guard of view --write, cleanup-test-users --apply and app-login fails closed: a
 * database that cannot say which environment it serves is refused (exit 3), and the command the
 * message names makes it answer. Real PostgreSQL, and the gaia-db binary as users run it.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { LEDGER_DDL } from "../../src/migrations/ledger";
import { type BindingState, bindingRefusal, readBinding } from "../../src/operations/binding";
import { runCliProcess } from "../migrations/runner/fixtures";
import { createTestDatabase, dropAll, withAdmin, withClient } from "../support/postgres";
import { prepareEnvironmentDatabase } from "./support";

const readers: string[] = [];
afterAll(async () => {
  await dropAll();
  await withAdmin(async (c) => {
    for (const role of readers) await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

const BIND = "gaia-db bind dev --confirm dev";
const REFUSING = "so nothing records which environment it serves: refusing.";

describe("bindingRefusal", () => {
  it.each<[string, BindingState, string | null]>([
    ["bound to the environment", { state: "bound", environment: "dev" }, null],
    [
      "bound to another",
      { state: "bound", environment: "production" },
      'view dev --write: the database is bound to "production", not "dev": pass the right environment (and --confirm production for production)',
    ],
    [
      "bound to another, not production",
      { state: "bound", environment: "staging" },
      'view dev --write: the database is bound to "staging", not "dev": pass the right environment',
    ],
    [
      "no ledger",
      { state: "no-ledger" },
      `view dev --write: the database has no gaia_migrations ledger, ${REFUSING} If it is the dev database, bind it: ${BIND} (a database with tables that was never adopted: gaia-db baseline dev --to <versions> --confirm dev; a new, empty one: gaia-db migrate dev)`,
    ],
    [
      "incomplete ledger",
      { state: "incomplete", detail: "function gaia_migrations.bound_environment() is missing" },
      `view dev --write: the gaia_migrations ledger is incomplete (function gaia_migrations.bound_environment() is missing), so it cannot tell which environment the database serves: refusing. If it is the dev database, restore the ledger and its binding: ${BIND}`,
    ],
    [
      "no binding row",
      { state: "unbound" },
      `view dev --write: the gaia_migrations ledger has no binding, so nothing records which environment the database serves: refusing. If it is the dev database, bind it: ${BIND}`,
    ],
    [
      "unreadable",
      { state: "unreadable", login: "svc", detail: "permission denied for schema gaia_migrations" },
      `view dev --write: login "svc" may not read the binding (permission denied for schema gaia_migrations), so it cannot tell which environment the database serves: refusing. Connect as the database owner, or let the owner restore the ledger's grants: ${BIND} (or GRANT USAGE ON SCHEMA gaia_migrations and EXECUTE ON FUNCTION gaia_migrations.bound_environment() TO "svc")`,
    ],
  ])("%s", (_name, state, expected) => {
    expect(bindingRefusal(state, "view dev --write", "dev")).toBe(expected);
  });
});

/** A login that owns nothing and may connect to `url`'s database; its URL. */
async function readerOf(url: string): Promise<string> {
  const role = `gaia_guard_reader_${randomBytes(4).toString("hex")}`;
  readers.push(role);
  await withAdmin((c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'reader-pass'`));
  const target = new URL(url);
  target.username = role;
  target.password = "reader-pass";
  return target.toString();
}

const stateOf = (url: string) => withClient(url, (c: pg.Client) => readBinding(c));

describe("readBinding on the real server", () => {
  it("tells every state apart", async () => {
    const url = await createTestDatabase("gaia_guard");
    expect(await stateOf(url)).toEqual({ state: "no-ledger" });
    await withClient(url, (c) => c.query(LEDGER_DDL));
    expect(await stateOf(url)).toEqual({ state: "unbound" });
    await withClient(url, (c) =>
      c.query("INSERT INTO gaia_migrations.binding (environment) VALUES ('dev')"),
    );
    expect(await stateOf(url)).toEqual({ state: "bound", environment: "dev" });

    const reader = await readerOf(url);
    await withClient(url, (c) => c.query("REVOKE USAGE ON SCHEMA gaia_migrations FROM PUBLIC"));
    expect(await stateOf(reader)).toEqual({
      state: "unreadable",
      login: new URL(reader).username,
      detail: "permission denied for schema gaia_migrations",
    });
    await withClient(url, (c) =>
      c.query(`GRANT USAGE ON SCHEMA gaia_migrations TO PUBLIC;
        REVOKE EXECUTE ON FUNCTION gaia_migrations.bound_environment() FROM PUBLIC`),
    );
    expect(await stateOf(reader)).toEqual({
      state: "unreadable",
      login: new URL(reader).username,
      detail: "permission denied for function bound_environment",
    });

    await withClient(url, (c) => c.query("DROP TABLE gaia_migrations.binding"));
    expect(await stateOf(url)).toEqual({
      state: "incomplete",
      detail: 'relation "gaia_migrations.binding" does not exist',
    });
    await withClient(url, (c) => c.query("DROP FUNCTION gaia_migrations.bound_environment()"));
    expect(await stateOf(url)).toEqual({
      state: "incomplete",
      detail: "function gaia_migrations.bound_environment() is missing",
    });
  });
});

const gaiaDb = (args: string[], stdin?: string) =>
  runCliProcess(args, stdin === undefined ? {} : { stdin });

describe("through the binary: refused with exit 3, and the named command fixes it", () => {
  it("view --write on a live database that was never adopted (tables, no ledger)", async () => {
    const url = await createTestDatabase("gaia_guard");
    await withClient(url, (c) =>
      c.query("CREATE TABLE users (id int); INSERT INTO users VALUES (1), (2)"),
    );
    const refused = await gaiaDb([
      "view",
      "dev",
      "DELETE FROM users",
      "--write",
      "--database-url",
      url,
    ]);
    expect(refused).toMatchObject({
      code: 3,
      stdout: "",
      stderr: `gaia-db: view dev --write: the database has no gaia_migrations ledger, ${REFUSING} If it is the dev database, bind it: ${BIND} (a database with tables that was never adopted: gaia-db baseline dev --to <versions> --confirm dev; a new, empty one: gaia-db migrate dev)\n`,
    });
    expect(
      await withClient(url, async (c) => (await c.query("SELECT id FROM users")).rowCount),
    ).toBe(2);
    const bound = await gaiaDb(["bind", "dev", "--confirm", "dev", "--database-url", url]);
    expect(bound.stderr).toBe("");
    expect(bound.code).toBe(0);
    const done = await gaiaDb([
      "view",
      "dev",
      "DELETE FROM users",
      "--write",
      "--database-url",
      url,
    ]);
    expect(done).toMatchObject({ code: 0, stdout: "DELETE 2\n", stderr: "" });
  });

  it("cleanup-test-users --apply on a ledger whose binding row is gone deletes nothing", async () => {
    const db = await prepareEnvironmentDatabase("dev");
    await withClient(db.url, (c) =>
      c.query(`INSERT INTO users (email) VALUES ('tess+staging@example.com'), ('dan@example.com');
        DELETE FROM gaia_migrations.binding`),
    );
    const emails = () =>
      withClient(db.url, async (c) =>
        (await c.query("SELECT email FROM users ORDER BY email")).rows.map((r) => r.email),
      );
    const refused = await gaiaDb([
      "cleanup-test-users",
      "dev",
      "--apply",
      "--json",
      "--database-url",
      db.url,
    ]);
    const refusal = `cleanup-test-users dev --apply: the gaia_migrations ledger has no binding, so nothing records which environment the database serves: refusing. If it is the dev database, bind it: ${BIND}`;
    expect(refused).toMatchObject({ code: 3, stderr: `gaia-db: ${refusal}\n` });
    expect(JSON.parse(refused.stdout)).toEqual({ ok: false, exitCode: 3, error: refusal });
    expect(await emails()).toEqual(["dan@example.com", "tess+staging@example.com"]);
    // The dry run reads only: it still lists.
    const dry = await gaiaDb(["cleanup-test-users", "dev", "--json", "--database-url", db.url]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).users.map((u: { email: string }) => u.email)).toEqual([
      "tess+staging@example.com",
    ]);
    expect((await gaiaDb(["bind", "dev", "--confirm", "dev", "--database-url", db.url])).code).toBe(
      0,
    );
    const done = await gaiaDb([
      "cleanup-test-users",
      "dev",
      "--apply",
      "--json",
      "--database-url",
      db.url,
    ]);
    expect(done.stderr).toBe("");
    expect(JSON.parse(done.stdout).deleted).toEqual({ users: 1 });
    expect(await emails()).toEqual(["dan@example.com"]);
  });

  it("app-login on a ledger without its function creates no login", async () => {
    const db = await prepareEnvironmentDatabase("local");
    await withClient(db.url, (c) =>
      c.query("DROP FUNCTION gaia_migrations.bound_environment() CASCADE"),
    );
    const input = JSON.stringify({ databaseUrl: db.url, appPassword: "guard-pass-1" });
    const refused = await gaiaDb(["app-login", "local", "--stdin-config"], input);
    expect(refused).toMatchObject({
      code: 3,
      stdout: "",
      stderr:
        "gaia-db: app-login local: the gaia_migrations ledger is incomplete (function gaia_migrations.bound_environment() is missing), so it cannot tell which environment the database serves: refusing. If it is the local database, restore the ledger and its binding: gaia-db bind local --confirm local\n",
    });
    const logins = () =>
      withAdmin(
        async (c) =>
          (await c.query("SELECT 1 FROM pg_roles WHERE rolname = 'gaia_app_local'")).rowCount,
      );
    expect(await logins()).toBe(0);
    const bound = await gaiaDb(["bind", "local", "--confirm", "local", "--database-url", db.url]);
    expect(bound.stderr).toBe("");
    const done = await gaiaDb(["app-login", "local", "--stdin-config", "--json"], input);
    expect(done.stderr).toBe("");
    expect(JSON.parse(done.stdout)).toEqual({
      ok: true,
      environment: "local",
      role: "gaia_app_local",
      created: true,
    });
  });

  it("app-login on a database bound to another environment", async () => {
    const db = await prepareEnvironmentDatabase("staging");
    const input = JSON.stringify({ databaseUrl: db.url, appPassword: "guard-pass-2" });
    const refused = await gaiaDb(["app-login", "local", "--stdin-config"], input);
    expect(refused).toMatchObject({
      code: 3,
      stdout: "",
      stderr:
        'gaia-db: app-login local: the database is bound to "staging", not "local": pass the right environment\n',
    });
  });

  it("view --write by a login that may not read the binding; bind by the owner restores the grants", async () => {
    const db = await prepareEnvironmentDatabase("dev");
    const reader = await readerOf(db.url);
    const login = new URL(reader).username;
    await withClient(db.url, (c) => c.query("REVOKE USAGE ON SCHEMA gaia_migrations FROM PUBLIC"));
    const refused = await gaiaDb([
      "view",
      "dev",
      "SELECT 1 AS one",
      "--write",
      "--database-url",
      reader,
    ]);
    expect(refused).toMatchObject({
      code: 3,
      stdout: "",
      stderr: `gaia-db: view dev --write: login "${login}" may not read the binding (permission denied for schema gaia_migrations), so it cannot tell which environment the database serves: refusing. Connect as the database owner, or let the owner restore the ledger's grants: ${BIND} (or GRANT USAGE ON SCHEMA gaia_migrations and EXECUTE ON FUNCTION gaia_migrations.bound_environment() TO "${login}")\n`,
    });
    const bound = await gaiaDb(["bind", "dev", "--confirm", "dev", "--database-url", db.url]);
    expect(bound.stderr).toBe("");
    const done = await gaiaDb([
      "view",
      "dev",
      "SELECT 1 AS one",
      "--write",
      "--database-url",
      reader,
    ]);
    expect(done).toMatchObject({ code: 0, stdout: "one\n---\n  1\n(1 row)\n", stderr: "" });
  });
});
