/**
 * The core files after 0001, each applied to a database that already holds rows (built with the
 * files before it), the way they will meet the live databases.
 */
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { emailEnvironmentTag } from "../../../src/operations/emailTags";
import { EMAIL_ENVIRONMENT_CASES } from "../../support/emailEnvironmentCases";
import { dropAll, withClient } from "../../support/postgres";
import {
  applyFile,
  applyModules,
  boundDatabase,
  constraintDefs,
  type Environment,
  fileByVersion,
  indexDefs,
  pgError,
  readMigration,
  rows,
  setIsolation,
} from "./helpers";

afterAll(dropAll);

/** A bound database with core applied up to (excluding) `version`, then `prepare`, then `version`. */
async function beforeAndAfter(
  version: string,
  prepare: (client: pg.Client) => Promise<void>,
  check: (client: pg.Client) => Promise<void>,
  environment: Environment | null = "production",
): Promise<void> {
  const url = await boundDatabase(environment);
  await withClient(url, async (client) => {
    const target = fileByVersion("core", version);
    const previous = fileByVersion("core", String(Number(version) - 1).padStart(4, "0"));
    await applyModules(client, ["core"], previous);
    await prepare(client);
    await applyFile(client, target);
    await check(client);
  });
}

async function insertUser(client: pg.Client, email: string): Promise<string> {
  const result = await client.query<{ id: string }>(
    "INSERT INTO users (email, name) VALUES ($1, 'n') RETURNING id",
    [email],
  );
  return result.rows[0]!.id;
}

describe("core/0002 users.auth_user_id and users.environment", () => {
  it("backfills environment from the plus-tag, else the bound environment, then constrains it", async () => {
    await beforeAndAfter(
      "0002",
      async (c) => {
        for (const email of [
          "jason@example.com",
          "jason+local@example.com",
          "jason+dev@example.com",
          "Jason+STAGING@Example.com",
          "jason+test@example.com",
          "a+dev+staging@example.com",
        ]) {
          await insertUser(c, email);
        }
      },
      async (c) => {
        expect(await rows(c, "SELECT email, environment FROM users ORDER BY email")).toEqual([
          { email: "Jason+STAGING@Example.com", environment: "staging" },
          { email: "a+dev+staging@example.com", environment: "staging" },
          { email: "jason+dev@example.com", environment: "dev" },
          { email: "jason+local@example.com", environment: "local" },
          { email: "jason+test@example.com", environment: "production" },
          { email: "jason@example.com", environment: "production" },
        ]);
        const cols = await rows(
          c,
          `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
            WHERE table_name = 'users' AND column_name IN ('auth_user_id', 'environment')
            ORDER BY ordinal_position`,
        );
        expect(cols).toEqual([
          {
            column_name: "auth_user_id",
            data_type: "uuid",
            is_nullable: "YES",
            column_default: null,
          },
          {
            column_name: "environment",
            data_type: "text",
            is_nullable: "NO",
            column_default: "gaia_migrations.bound_environment()",
          },
        ]);
        expect((await constraintDefs(c, "users")).users_environment_check).toBe(
          "CHECK ((environment = ANY (ARRAY['local'::text, 'dev'::text, 'staging'::text, 'production'::text])))",
        );
        expect((await indexDefs(c, "users")).users_auth_user_id_key).toBe(
          "CREATE UNIQUE INDEX users_auth_user_id_key ON public.users USING btree (auth_user_id) WHERE (auth_user_id IS NOT NULL)",
        );

        // New rows default to the bound environment; other values are refused.
        await insertUser(c, "new@example.com");
        expect(
          await rows(c, "SELECT environment FROM users WHERE email = 'new@example.com'"),
        ).toEqual([{ environment: "production" }]);
        const bad = await pgError(() =>
          c.query("INSERT INTO users (email, environment) VALUES ('x@example.com', 'prod')"),
        );
        expect(bad.code).toBe("23514");
        expect(bad.constraint).toBe("users_environment_check");

        // auth_user_id: unique when set, any number of NULLs.
        const authId = "6f1c2a52-8d7e-4f39-9a43-0c2b7a1d5e11";
        await c.query("UPDATE users SET auth_user_id = $1 WHERE email = 'jason@example.com'", [
          authId,
        ]);
        const dup = await pgError(() =>
          c.query("UPDATE users SET auth_user_id = $1 WHERE email = 'new@example.com'", [authId]),
        );
        expect(dup.code).toBe("23505");
        expect(dup.constraint).toBe("users_auth_user_id_key");
        expect(
          await rows(c, "SELECT count(*)::int AS n FROM users WHERE auth_user_id IS NULL"),
        ).toEqual([{ n: 6 }]);
      },
    );
  });

  it("refuses to backfill an unbound database holding untagged users, with a clear message", async () => {
    const url = await boundDatabase(null);
    await withClient(url, async (c) => {
      await applyModules(c, ["core"], fileByVersion("core", "0001"));
      await insertUser(c, "jason@example.com");
      const error = await pgError(() => applyFile(c, fileByVersion("core", "0002")));
      expect(error.message).toBe(
        "core/0002: cannot backfill users.environment: this database is not bound to an environment (gaia_migrations.binding is empty)",
      );
      expect(error.hint).toBe(
        "Bind the database first (gaia-db bind <environment> ...), then run the migrations again.",
      );
      // Rolled back: no column was left behind.
      expect(
        await rows(
          c,
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'environment'",
        ),
      ).toEqual([]);
    });
  });
});

describe("core/0003 kb history keeps deleted and moved documents", () => {
  it("lets a document be created, updated, moved and deleted, recording each change", async () => {
    await beforeAndAfter(
      "0003",
      async (c) => {
        // The live defect, reproduced first: delete and move fail before the fix.
        await c.query(
          `INSERT INTO kb_documents (path, document) VALUES ('/kb/old.md', '{"content": "a"}')`,
        );
        const del = await pgError(() =>
          c.query("DELETE FROM kb_documents WHERE path = '/kb/old.md'"),
        );
        expect(del.constraint).toBe("kb_document_history_path_fkey");
        const move = await pgError(() =>
          c.query("UPDATE kb_documents SET path = '/kb/moved.md' WHERE path = '/kb/old.md'"),
        );
        expect(move.constraint).toBe("kb_document_history_path_fkey");
      },
      async (c) => {
        await c.query(
          `INSERT INTO kb_documents (path, document, version)
           VALUES ('/kb/a.md', '{"content": "one", "changed_by": "alice"}', 1)`,
        );
        await c.query(
          `INSERT INTO kb_search_index (path, line_number, content_excerpt) VALUES ('/kb/a.md', 1, 'one')`,
        );
        await c.query(
          `UPDATE kb_documents SET document = '{"content": "two", "changed_by": "bob"}', version = 2
            WHERE path = '/kb/a.md'`,
        );
        await c.query("UPDATE kb_documents SET path = '/kb/b.md' WHERE path = '/kb/a.md'");
        expect(await rows(c, "SELECT path, line_number FROM kb_search_index")).toEqual([
          { path: "/kb/b.md", line_number: 1 },
        ]);
        await c.query("DELETE FROM kb_documents WHERE path = '/kb/b.md'");
        expect(await rows(c, "SELECT count(*)::int AS n FROM kb_search_index")).toEqual([{ n: 0 }]);

        const history = await rows(
          c,
          `SELECT path, version, change_type, changed_by, change_message, document->>'content' AS content
             FROM kb_document_history WHERE path IN ('/kb/a.md', '/kb/b.md') ORDER BY id`,
        );
        expect(history).toEqual([
          {
            path: "/kb/a.md",
            version: 1,
            change_type: "create",
            changed_by: "alice",
            change_message: "Created via API",
            content: "one",
          },
          {
            path: "/kb/a.md",
            version: 2,
            change_type: "update",
            changed_by: "bob",
            change_message: "Updated via API",
            content: "two",
          },
          {
            path: "/kb/b.md",
            version: 2,
            change_type: "move",
            changed_by: "bob",
            change_message: "Moved from /kb/a.md",
            content: "two",
          },
          {
            path: "/kb/b.md",
            version: 2,
            change_type: "delete",
            changed_by: "bob",
            change_message: "Deleted via API",
            content: "two",
          },
        ]);
        // The document that existed before the fix can now be deleted too; its trail survives.
        await c.query("DELETE FROM kb_documents WHERE path = '/kb/old.md'");
        expect(
          await rows(
            c,
            "SELECT change_type FROM kb_document_history WHERE path = '/kb/old.md' ORDER BY id",
          ),
        ).toEqual([{ change_type: "create" }, { change_type: "delete" }]);
        expect(await constraintDefs(c, "kb_document_history")).toEqual({
          change_type_valid:
            "CHECK ((change_type = ANY (ARRAY['create'::text, 'update'::text, 'delete'::text, 'move'::text])))",
          kb_document_history_pkey: "PRIMARY KEY (id)",
          version_positive_history: "CHECK ((version > 0))",
        });
        expect((await constraintDefs(c, "kb_search_index")).kb_search_index_path_fkey).toBe(
          "FOREIGN KEY (path) REFERENCES kb_documents(path) ON UPDATE CASCADE ON DELETE CASCADE",
        );
      },
    );
  });
});

describe("core/0004 asset_sources unique source_name", () => {
  it("dedupes the 16-row live state, repointing assets to the kept ids first", async () => {
    await beforeAndAfter(
      "0004",
      async (c) => {
        // The reference build's state: 001 re-inserted the first 7 sources as ids 10-16.
        await c.query(
          `INSERT INTO asset_sources (source_type, source_name, api_endpoint, is_active, rate_limit_per_minute, requires_attribution)
           SELECT source_type, source_name, api_endpoint, is_active, rate_limit_per_minute, requires_attribution
             FROM asset_sources WHERE id <= 7 ORDER BY id`,
        );
        expect(
          await rows(c, "SELECT count(*)::int AS n, max(id) AS max FROM asset_sources"),
        ).toEqual([{ n: 16, max: 16 }]);
        for (const [title, sourceId] of [
          ["from duplicate freesound", 11],
          ["from duplicate mubert", 16],
          ["from original poly_haven", 1],
          ["from openai", 8],
          ["no source", null],
        ] as const) {
          await c.query(
            `INSERT INTO assets (source_id, category, title, file_url, storage_type)
             VALUES ($1, 'audio', $2, 'https://example.com/f', 'external')`,
            [sourceId, title],
          );
        }
      },
      async (c) => {
        expect(await rows(c, "SELECT id, source_name FROM asset_sources ORDER BY id")).toEqual(
          [
            "poly_haven",
            "freesound",
            "opengameart",
            "community_uploads",
            "meshy_ai",
            "midjourney",
            "mubert",
            "openai",
            "stability",
          ].map((name, i) => ({ id: i + 1, source_name: name })),
        );
        expect(await rows(c, "SELECT title, source_id FROM assets ORDER BY title")).toEqual([
          { title: "from duplicate freesound", source_id: 2 },
          { title: "from duplicate mubert", source_id: 7 },
          { title: "from openai", source_id: 8 },
          { title: "from original poly_haven", source_id: 1 },
          { title: "no source", source_id: null },
        ]);
        expect((await constraintDefs(c, "asset_sources")).asset_sources_source_name_key).toBe(
          "UNIQUE (source_name)",
        );
        // Seeds are now idempotent through the constraint as well as through 0001's NOT EXISTS.
        const inserted = await c.query(
          `INSERT INTO asset_sources (source_type, source_name) VALUES ('generated', 'openai')
           ON CONFLICT (source_name) DO NOTHING`,
        );
        expect(inserted.rowCount).toBe(0);
        const dup = await pgError(() =>
          c.query("INSERT INTO asset_sources (source_type, source_name) VALUES ('x', 'mubert')"),
        );
        expect(dup.constraint).toBe("asset_sources_source_name_key");
        expect(await rows(c, "SELECT to_regclass('asset_source_duplicates') AS t")).toEqual([
          { t: null },
        ]);
      },
    );
  });

  it("leaves a database without duplicates unchanged apart from the constraint", async () => {
    await beforeAndAfter(
      "0004",
      async () => {},
      async (c) => {
        expect(await rows(c, "SELECT count(*)::int AS n FROM asset_sources")).toEqual([{ n: 9 }]);
      },
    );
  });
});

describe("core/0005 chat_messages single conversation FK", () => {
  it("keeps fk_chat_messages_conversation_id and its cascade", async () => {
    await beforeAndAfter(
      "0005",
      async () => {},
      async (c) => {
        expect(await constraintDefs(c, "chat_messages")).toEqual({
          chat_messages_pkey: "PRIMARY KEY (id)",
          chat_messages_user_id_fkey: "FOREIGN KEY (user_id) REFERENCES users(id)",
          fk_chat_messages_conversation_id:
            "FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE",
        });
        const userId = await insertUser(c, "chat@example.com");
        const conv = await c.query<{ id: string }>(
          "INSERT INTO conversations (user_id) VALUES ($1) RETURNING id",
          [userId],
        );
        const conversationId = conv.rows[0]!.id;
        await c.query(
          "INSERT INTO chat_messages (user_id, conversation_id, role, content) VALUES ($1, $2, 'user', 'hi')",
          [userId, conversationId],
        );
        const orphan = await pgError(() =>
          c.query(
            "INSERT INTO chat_messages (user_id, conversation_id, role, content) VALUES ($1, gen_random_uuid(), 'user', 'x')",
            [userId],
          ),
        );
        expect(orphan.constraint).toBe("fk_chat_messages_conversation_id");
        await c.query("DELETE FROM conversations WHERE id = $1", [conversationId]);
        expect(await rows(c, "SELECT count(*)::int AS n FROM chat_messages")).toEqual([{ n: 0 }]);
      },
    );
  });

  it("never drops the only FK of a database that has just init's constraint", async () => {
    await beforeAndAfter(
      "0005",
      async (c) => {
        await c.query("ALTER TABLE chat_messages DROP CONSTRAINT fk_chat_messages_conversation_id");
      },
      async (c) => {
        expect(Object.keys(await constraintDefs(c, "chat_messages"))).toContain(
          "chat_messages_conversation_id_fkey",
        );
      },
    );
  });
});

describe("core/0006 duplicate indexes", () => {
  it("drops the four exact duplicates and keeps their twins", async () => {
    const countIndexes = async (c: pg.Client) =>
      (
        await rows<{ n: number }>(
          c,
          "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'",
        )
      )[0]!.n;
    let before = 0;
    await beforeAndAfter(
      "0006",
      async (c) => {
        before = await countIndexes(c);
      },
      async (c) => {
        const names = await rows<{ name: string }>(
          c,
          "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        );
        const all = names.map((n) => n.name);
        for (const dropped of [
          "idx_api_keys_key_hash",
          "idx_personas_name",
          "idx_semantic_chunk_id",
          "idx_chunk_path_for_namespace_lookup",
        ]) {
          expect(all).not.toContain(dropped);
        }
        for (const kept of [
          "api_keys_key_hash_key",
          "personas_name_key",
          "kb_semantic_chunk_ids_chunk_id_key",
          "idx_semantic_chunk_path",
        ]) {
          expect(all).toContain(kept);
        }
        expect(all).toHaveLength(before - 4);
      },
    );
  });
});

describe("core/0007 least-privilege roles", () => {
  it("gives gaia_readonly SELECT only and gaia_app row access without DDL", async () => {
    const url = await boundDatabase("dev");
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      await c.query("INSERT INTO users (email) VALUES ('seen@example.com')");

      expect(
        await rows(
          c,
          "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname IN ('gaia_app', 'gaia_readonly') ORDER BY 1",
        ),
      ).toEqual([
        {
          rolname: "gaia_app",
          rolcanlogin: false,
          rolsuper: false,
          rolcreaterole: false,
          rolcreatedb: false,
        },
        {
          rolname: "gaia_readonly",
          rolcanlogin: false,
          rolsuper: false,
          rolcreaterole: false,
          rolcreatedb: false,
        },
      ]);

      await c.query("SET ROLE gaia_readonly");
      expect(await rows(c, "SELECT email FROM users")).toEqual([{ email: "seen@example.com" }]);
      expect(await rows(c, "SELECT count(*)::int AS n FROM kb_semantic_index_metadata")).toEqual([
        { n: 0 },
      ]);
      const readonlyInsert = await pgError(() =>
        c.query("INSERT INTO users (email) VALUES ('ro@example.com')"),
      );
      expect(readonlyInsert.message).toBe("permission denied for table users");
      const readonlyUpdate = await pgError(() => c.query("UPDATE users SET name = 'x'"));
      expect(readonlyUpdate.message).toBe("permission denied for table users");
      await c.query("RESET ROLE");

      await c.query("SET ROLE gaia_app");
      await c.query("INSERT INTO users (email) VALUES ('app@example.com')");
      expect(
        await rows(c, "SELECT environment FROM users WHERE email = 'app@example.com'"),
      ).toEqual([{ environment: "dev" }]);
      await c.query(
        "INSERT INTO kb_permissions (resource_path, principal_id) VALUES ('/kb/x', 'u1')",
      );
      await c.query("DELETE FROM kb_permissions");
      const create = await pgError(() => c.query("CREATE TABLE gaia_app_table (id int)"));
      expect(create.message).toBe("permission denied for schema public");
      const alter = await pgError(() => c.query("ALTER TABLE users ADD COLUMN x int"));
      expect(alter.message).toBe("must be owner of table users");
      const truncate = await pgError(() => c.query("TRUNCATE users CASCADE"));
      expect(truncate.message).toBe("permission denied for table users");
      await c.query("RESET ROLE");

      // Tables created after 0007 (later modules) get the same grants by default.
      await c.query("CREATE TABLE later_table (id serial PRIMARY KEY, v text)");
      await c.query("SET ROLE gaia_app");
      await c.query("INSERT INTO later_table (v) VALUES ('a')");
      await c.query("SET ROLE gaia_readonly");
      expect(await rows(c, "SELECT v FROM later_table")).toEqual([{ v: "a" }]);
      await c.query("RESET ROLE");
    });
  });

  it("is harmless to re-run and when the roles already exist (another database on the server)", async () => {
    const url = await boundDatabase("staging");
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      await applyFile(c, fileByVersion("core", "0007"));
      expect(
        await rows(
          c,
          "SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN ('gaia_app', 'gaia_readonly')",
        ),
      ).toEqual([{ n: 2 }]);
    });
  });
});

describe("core/0008 environment isolation", () => {
  const REJECT = "23514";

  async function isolated(environment: Environment, enforced: boolean) {
    const url = await boundDatabase(environment, enforced);
    return url;
  }

  it("rejects other environments' users when enforced, with the exact message", async () => {
    const url = await isolated("production", true);
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      await insertUser(c, "jason@example.com");
      await c.query(
        "INSERT INTO users (email, environment) VALUES ('ok@example.com', 'production')",
      );
      await insertUser(c, "jason+test@example.com");

      const tagged = await pgError(() => insertUser(c, "jason+dev@example.com"));
      expect(tagged.code).toBe(REJECT);
      expect(tagged.message).toBe(
        'user jason+dev@example.com belongs to environment "dev" but this database serves "production"',
      );
      expect(tagged.hint).toBe(
        "Register this user in the dev environment, or use an address without another environment's plus-tag. Isolation is enforced because gaia_migrations.binding.isolation_enforced is true.",
      );

      const column = await pgError(() =>
        c.query("INSERT INTO users (email, environment) VALUES ('amy@example.com', 'staging')"),
      );
      expect(column.code).toBe(REJECT);
      expect(column.message).toBe(
        'user amy@example.com belongs to environment "staging" but this database serves "production"',
      );

      const renamed = await pgError(() =>
        c.query(
          "UPDATE users SET email = 'jason+local@example.com' WHERE email = 'jason@example.com'",
        ),
      );
      expect(renamed.message).toBe(
        'user jason+local@example.com belongs to environment "local" but this database serves "production"',
      );
      expect(await rows(c, "SELECT email FROM users ORDER BY email")).toEqual([
        { email: "jason+test@example.com" },
        { email: "jason@example.com" },
        { email: "ok@example.com" },
      ]);
    });
  });

  it("accepts the served environment's tag and untagged addresses in dev", async () => {
    const url = await isolated("dev", true);
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      await insertUser(c, "jason+dev@example.com");
      await insertUser(c, "jason@example.com");
      const staging = await pgError(() => insertUser(c, "jason+staging@example.com"));
      expect(staging.message).toBe(
        'user jason+staging@example.com belongs to environment "staging" but this database serves "dev"',
      );
      const tagMatchesColumnNot = await pgError(() =>
        c.query(
          "INSERT INTO users (email, environment) VALUES ('kim+dev@example.com', 'production')",
        ),
      );
      expect(tagMatchesColumnNot.message).toBe(
        'user kim+dev@example.com belongs to environment "production" but this database serves "dev"',
      );
      expect(await rows(c, "SELECT email, environment FROM users ORDER BY email")).toEqual([
        { email: "jason+dev@example.com", environment: "dev" },
        { email: "jason@example.com", environment: "dev" },
      ]);
    });
  });

  it("accepts everything when enforcement is off, and never rejects existing rows retroactively", async () => {
    const url = await isolated("production", false);
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      await insertUser(c, "jason+dev@example.com");
      await c.query("INSERT INTO users (email, environment) VALUES ('s@example.com', 'staging')");
      expect(await rows(c, "SELECT email, environment FROM users ORDER BY email")).toEqual([
        { email: "jason+dev@example.com", environment: "production" },
        { email: "s@example.com", environment: "staging" },
      ]);

      await setIsolation(c, true);
      // Rows that predate enforcement stay and can still be edited (name, timestamps).
      await c.query("UPDATE users SET name = 'renamed'");
      expect(await rows(c, "SELECT count(*)::int AS n FROM users WHERE name = 'renamed'")).toEqual([
        { n: 2 },
      ]);
      const moved = await pgError(() =>
        c.query(
          "UPDATE users SET email = 'jason+dev2@example.com', environment = 'dev' WHERE email = 'jason+dev@example.com'",
        ),
      );
      expect(moved.message).toBe(
        'user jason+dev2@example.com belongs to environment "dev" but this database serves "production"',
      );
      // No binding row at all: nothing to enforce against.
      await c.query("DELETE FROM gaia_migrations.binding");
      await c.query(
        "INSERT INTO users (email, environment) VALUES ('jason+local@example.com', 'local')",
      );
      expect(await rows(c, "SELECT count(*)::int AS n FROM users")).toEqual([{ n: 3 }]);
    });
  });

  it("applies to services writing as gaia_app", async () => {
    const url = await isolated("production", true);
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      await c.query("SET ROLE gaia_app");
      await insertUser(c, "svc@example.com");
      const rejected = await pgError(() => insertUser(c, "svc+staging@example.com"));
      expect(rejected.message).toBe(
        'user svc+staging@example.com belongs to environment "staging" but this database serves "production"',
      );
      await c.query("RESET ROLE");
    });
  });

  it("is declared as a BEFORE INSERT OR UPDATE OF email, environment trigger", async () => {
    expect(readMigration(fileByVersion("core", "0008"))).toContain(
      "BEFORE INSERT OR UPDATE OF email, environment ON users",
    );
    const url = await isolated("local", false);
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      expect(
        await rows(
          c,
          "SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgname = 'enforce_user_environment_isolation'",
        ),
      ).toEqual([
        {
          def: "CREATE TRIGGER enforce_user_environment_isolation BEFORE INSERT OR UPDATE OF email, environment ON public.users FOR EACH ROW EXECUTE FUNCTION enforce_user_environment_isolation()",
        },
      ]);
    });
  });
});

describe("core/0010 gaia_email_environment follows gaia-db's rule", () => {
  it("gives exactly the environment gaia-db's emailEnvironmentTag gives, for every case", async () => {
    const url = await boundDatabase("dev");
    await withClient(url, async (c) => {
      await applyModules(c, ["core"], fileByVersion("core", "0010"));
      const found: [string, string | null][] = [];
      for (const [email] of EMAIL_ENVIRONMENT_CASES) {
        const result = await rows<{ env: string | null }>(
          c,
          "SELECT gaia_email_environment($1) AS env",
          [email],
        );
        found.push([email, result[0]!.env]);
      }
      expect(found).toEqual(
        EMAIL_ENVIRONMENT_CASES.map(([email]) => [email, emailEnvironmentTag(email)]),
      );
      expect(found).toEqual(EMAIL_ENVIRONMENT_CASES);
    });
  });

  it("isolation now judges a doubly-tagged address by the tag before its last '@'", async () => {
    await beforeAndAfter(
      "0010",
      async (c) => setIsolation(c, true),
      async (c) => {
        const error = await pgError(() => insertUser(c, "x+staging@evil+dev@example.com"));
        expect(error.message).toContain("dev");
        await insertUser(c, "noat+dev");
      },
      "staging",
    );
  });
});

describe("core/0009 assets.valid_category allows 'image'", () => {
  const NARROW =
    "CHECK (category IN ('environment', 'character', 'prop', 'audio', 'texture', 'animation'))";

  it("widens 001's list on a database holding assets", async () => {
    await beforeAndAfter(
      "0009",
      async (c) => {
        await c.query(
          `ALTER TABLE assets DROP CONSTRAINT valid_category, ADD CONSTRAINT valid_category ${NARROW}`,
        );
        await c.query(
          "INSERT INTO assets (category, title, file_url, storage_type) VALUES ('prop', 'chair', 'u', 'external')",
        );
        const image = await pgError(() =>
          c.query(
            "INSERT INTO assets (category, title, file_url, storage_type) VALUES ('image', 'i', 'u', 'external')",
          ),
        );
        expect(image.constraint).toBe("valid_category");
      },
      async (c) => {
        await c.query(
          "INSERT INTO assets (category, title, file_url, storage_type) VALUES ('image', 'i', 'u', 'external')",
        );
        const bad = await pgError(() =>
          c.query(
            "INSERT INTO assets (category, title, file_url, storage_type) VALUES ('video', 'v', 'u', 'external')",
          ),
        );
        expect(bad.constraint).toBe("valid_category");
        expect(await rows(c, "SELECT category FROM assets ORDER BY category")).toEqual([
          { category: "image" },
          { category: "prop" },
        ]);
      },
    );
  });

  it("leaves the reference build's constraint untouched", async () => {
    let before = "";
    const oid = (c: pg.Client) =>
      rows<{ oid: string }>(
        c,
        "SELECT oid::text FROM pg_constraint WHERE conrelid = 'assets'::regclass AND conname = 'valid_category'",
      );
    await beforeAndAfter(
      "0009",
      async (c) => {
        before = (await oid(c))[0]!.oid;
      },
      async (c) => {
        expect(await oid(c)).toEqual([{ oid: before }]);
      },
    );
  });
});
