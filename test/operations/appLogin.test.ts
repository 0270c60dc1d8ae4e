import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appDatabaseUrl } from "../../src/fly/serviceDatabase";
import { ensureAppLogin } from "../../src/operations/appLogin";
import { scramVerifier } from "../../src/operations/scram";
import { dropAll, withAdmin, withClient } from "../support/postgres";
import { lockRole, unlockRole } from "../support/roleLock";
import { type PreparedDatabase, prepareEnvironmentDatabase } from "./support";

let db: PreparedDatabase;
beforeAll(async () => {
  await lockRole("gaia_app_staging");
  db = await prepareEnvironmentDatabase("staging");
});
afterAll(async () => {
  await dropAll();
  unlockRole("gaia_app_staging");
});

const loginUrl = (password: string) => {
  const url = new URL(db.url);
  return appDatabaseUrl({
    host: url.hostname,
    port: Number(url.port),
    database: db.name,
    environment: "staging",
    password,
  });
};

describe("scramVerifier", () => {
  it("matches RFC 7677's SCRAM-SHA-256 keys for a known salt", () => {
    // RFC 7677 §3: password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ== , 4096 iterations.
    expect(scramVerifier("pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"))).toBe(
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
    );
  });
});

describe("ensureAppLogin", () => {
  it("creates gaia_app_<env>: a login with gaia_app's rights and nothing more", async () => {
    const role = await withClient(db.url, (client) =>
      ensureAppLogin(client, "staging", "first-pass-123"),
    );
    expect(role).toBe("gaia_app_staging");
    expect(loginUrl("first-pass-123")).toMatch(
      /^postgres:\/\/gaia_app_staging:first-pass-123@127\.0\.0\.1:\d+\/gaia_ops_staging_[0-9a-f]+$/,
    );
    await withClient(loginUrl("first-pass-123"), async (client) => {
      await client.query("INSERT INTO users (email) VALUES ('svc+staging@example.com')");
      const { rows } = await client.query(
        "SELECT current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS s, environment FROM users",
      );
      expect(rows).toEqual([{ u: "gaia_app_staging", s: false, environment: "staging" }]);
      await expect(client.query("CREATE TABLE t (id int)")).rejects.toThrow(
        "permission denied for schema public",
      );
      await expect(client.query("DROP TABLE users")).rejects.toThrow(
        "must be owner of table users",
      );
      await expect(client.query("SET ROLE postgres")).rejects.toThrow(
        'permission denied to set role "postgres"',
      );
    });
  });

  it("running it again rotates the password; the old one stops working", async () => {
    await withClient(db.url, (client) => ensureAppLogin(client, "staging", "first-pass-123"));
    await withClient(db.url, (client) => ensureAppLogin(client, "staging", "second-pass-456"));
    await expect(withClient(loginUrl("first-pass-123"), async () => {})).rejects.toThrow(
      'password authentication failed for user "gaia_app_staging"',
    );
    expect(
      await withClient(
        loginUrl("second-pass-456"),
        async (c) => (await c.query("SELECT 1 AS one")).rows,
      ),
    ).toEqual([{ one: 1 }]);
  });

  it("the server only ever sees a SCRAM verifier", async () => {
    const stored = await withAdmin(
      async (client) =>
        (await client.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'gaia_app_staging'"))
          .rows[0].rolpassword,
    );
    expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it("converges to exactly gaia_app: memberships granted by hand or left by an earlier run are revoked", async () => {
    const extra = `gaia_test_extra_${Date.now()}`;
    const memberships = () =>
      withAdmin(
        async (client) =>
          (
            await client.query(
              `SELECT r.rolname AS role, m.admin_option
                 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                WHERE m.member = 'gaia_app_staging'::regrole ORDER BY 1`,
            )
          ).rows,
      );
    await withClient(db.url, (client) => ensureAppLogin(client, "staging", "first-pass-123"));
    await withAdmin(async (client) => {
      await client.query(`CREATE ROLE ${extra} NOLOGIN`);
      await client.query(`GRANT ${extra} TO gaia_app_staging`);
      await client.query("GRANT gaia_readonly TO gaia_app_staging");
      await client.query("GRANT gaia_app TO gaia_app_staging WITH ADMIN OPTION");
    });
    try {
      expect(await memberships()).toEqual([
        { role: "gaia_app", admin_option: true },
        { role: "gaia_readonly", admin_option: false },
        { role: extra, admin_option: false },
      ]);
      await withClient(db.url, (client) => ensureAppLogin(client, "staging", "first-pass-123"));
      expect(await memberships()).toEqual([{ role: "gaia_app", admin_option: false }]);
      // A second run changes nothing.
      await withClient(db.url, (client) => ensureAppLogin(client, "staging", "first-pass-123"));
      expect(await memberships()).toEqual([{ role: "gaia_app", admin_option: false }]);
    } finally {
      await withAdmin((client) => client.query(`DROP ROLE IF EXISTS ${extra}`));
    }
  });
});
