/**
 * snapshotCatalog(…, { access: true }): views, privileges, default privileges and the roles they
 * name, exactly; and without the option, the snapshot baseline compares is what it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotCatalog } from "../../../src/migrations/catalog";
import { createTestDatabase, dropAll, withAdmin, withClient } from "../../support/postgres";

// Roles are cluster-wide: names of their own, created only when missing, dropped at the end.
const READER = "gaia_catalog_test_reader";
const WRITER = "gaia_catalog_test_writer";

afterAll(async () => {
  await dropAll();
  await withAdmin(async (client) => {
    for (const role of [WRITER, READER]) await client.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

const SCHEMA_SQL = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READER}') THEN
    CREATE ROLE ${READER} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${WRITER}') THEN
    CREATE ROLE ${WRITER} NOLOGIN NOINHERIT IN ROLE ${READER};
  END IF;
END $$;
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
CREATE VIEW item_names AS SELECT name FROM items WHERE id > 0;
COMMENT ON VIEW item_names IS 'Names only';
CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM items $$;
CREATE FUNCTION secret_count() RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
REVOKE ALL ON FUNCTION secret_count() FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ${READER};
GRANT SELECT ON items, item_names TO ${READER};
GRANT SELECT, INSERT, UPDATE ON items TO ${WRITER} WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE items_id_seq TO ${WRITER};
GRANT EXECUTE ON FUNCTION item_count() TO ${READER};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${READER};
`;

describe("snapshotCatalog with { access: true }", () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase();
    await withClient(url, (client) => client.query(SCHEMA_SQL));
  });

  it("captures views, grants (not the owner's), default privileges and the roles they name", async () => {
    const catalog = await withClient(url, (client) =>
      snapshotCatalog(client, "public", { access: true }),
    );
    const owner = await withClient(url, async (client) => {
      const { rows } = await client.query("SELECT current_user AS u");
      return String(rows[0].u);
    });
    expect(catalog.access).toEqual({
      views: [
        {
          name: "item_names",
          kind: "view",
          definition: "SELECT items.name\n   FROM items\n  WHERE items.id > 0;",
          comment: "Names only",
        },
      ],
      grants: [
        { kind: "function", object: "item_count()", grantee: "PUBLIC", privileges: ["EXECUTE"] },
        { kind: "function", object: "item_count()", grantee: READER, privileges: ["EXECUTE"] },
        // public is owned by pg_database_owner on PostgreSQL 15: its own privileges are left out.
        { kind: "schema", object: "public", grantee: "PUBLIC", privileges: ["USAGE"] },
        { kind: "schema", object: "public", grantee: READER, privileges: ["USAGE"] },
        {
          kind: "sequence",
          object: "items_id_seq",
          grantee: WRITER,
          privileges: ["USAGE"],
        },
        { kind: "table", object: "items", grantee: READER, privileges: ["SELECT"] },
        {
          kind: "table",
          object: "items",
          grantee: WRITER,
          privileges: [
            "SELECT WITH GRANT OPTION",
            "INSERT WITH GRANT OPTION",
            "UPDATE WITH GRANT OPTION",
          ],
        },
        { kind: "view", object: "item_names", grantee: READER, privileges: ["SELECT"] },
      ],
      defaultPrivileges: [
        { forRole: owner, objects: "tables", grantee: READER, privileges: ["SELECT"] },
      ],
      roles: [
        {
          name: READER,
          login: false,
          superuser: false,
          inherit: true,
          createRole: false,
          createDb: false,
          bypassRls: false,
          replication: false,
          memberOf: [],
        },
        {
          name: WRITER,
          login: false,
          superuser: false,
          inherit: false,
          createRole: false,
          createDb: false,
          bypassRls: false,
          replication: false,
          memberOf: [READER],
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog);
  });

  it("leaves them out by default, and takes one round trip either way", async () => {
    await withClient(url, async (client) => {
      let queries = 0;
      const counting = Object.create(client) as typeof client;
      counting.query = ((...args: Parameters<typeof client.query>) => {
        queries += 1;
        return (client.query as (...a: unknown[]) => unknown)(...args);
      }) as typeof client.query;
      const plain = await snapshotCatalog(counting);
      const withAccess = await snapshotCatalog(counting, "public", { access: true });
      expect(["access" in plain, queries]).toEqual([false, 2]);
      const { access: _access, ...rest } = withAccess;
      expect(rest).toEqual(plain);
    });
  });
});
