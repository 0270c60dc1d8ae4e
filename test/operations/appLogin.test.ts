import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appDatabaseUrl } from "../../src/fly/serviceDatabase";
import { ensureAppLogin } from "../../src/operations/appLogin";
import { scramVerifier } from "../../src/operations/scram";
import { dropAll, withAdmin, withClient } from "../support/postgres";
import { type PreparedDatabase, prepareEnvironmentDatabase } from "./support";

let db: PreparedDatabase;
beforeAll(async () => {
  db = await prepareEnvironmentDatabase("staging");
});
afterAll(dropAll);

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
});
