/**
 * The migration files as the runner sees them: names and versions, statement splitting, and the
 * same result whether a file is sent whole or statement by statement (the runner splits files).
 */
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { diffCatalogs, snapshotCatalog } from "../../../src/migrations/catalog";
import { loadMigrationSet, prepareStatements } from "../../../src/migrations/files";
import { dropAll, withClient } from "../../support/postgres";
import {
  applyFile,
  applyModules,
  boundDatabase,
  fileByVersion,
  MIGRATIONS_ROOT,
  MODULES,
  pgError,
  readMigration,
  rows,
} from "./helpers";

afterAll(dropAll);

/** Groups of indexes that are exact duplicates (same table, keys, opclasses, order, expressions, predicate). */
async function duplicateIndexes(c: pg.Client): Promise<string[][]> {
  const result = await rows<{ names: string[] }>(
    c,
    `SELECT array_agg(i.indexrelid::regclass::text ORDER BY i.indexrelid::regclass::text) AS names
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relnamespace = 'public'::regnamespace
      GROUP BY i.indrelid, i.indkey::text, i.indclass::text, i.indoption::text,
               coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
               coalesce(pg_get_expr(i.indpred, i.indrelid), '')
     HAVING count(*) > 1
      ORDER BY 1`,
  );
  return result.map((r) => r.names);
}

/**
 * FKs whose columns are not the leading columns of an index, outside the 19 live tables (whose
 * indexing is live parity, see core/0001).
 */
async function unindexedForeignKeys(c: pg.Client) {
  return rows(
    c,
    `SELECT con.conrelid::regclass::text AS "table", con.conname AS fk
       FROM pg_constraint con
      WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
        AND con.conrelid::regclass::text NOT IN (
          'api_keys','asset_generations','asset_modifications','asset_sources','asset_usage',
          'assets','chat_messages','conversations','kb_activity_log','kb_context_cache',
          'kb_document_history','kb_documents','kb_permissions','kb_search_index',
          'kb_semantic_chunk_ids','kb_semantic_index_metadata','personas',
          'user_persona_preferences','users')
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
           WHERE i.indrelid = con.conrelid
             AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] = con.conkey)
      ORDER BY 1, 2`,
  );
}

const EXPECTED_FILES = [
  "core/0001_live_schema.sql",
  "core/0002_users_auth_link_and_environment.sql",
  "core/0003_kb_history_keeps_deleted_and_moved_documents.sql",
  "core/0004_asset_sources_unique_name.sql",
  "core/0005_chat_messages_single_conversation_fk.sql",
  "core/0006_drop_duplicate_indexes.sql",
  "core/0007_least_privilege_roles.sql",
  "core/0008_users_environment_isolation.sql",
  "core/0009_assets_category_allows_image.sql",
  "core/0010_email_environment_one_rule.sql",
  "vector/0001_kb_semantic_embeddings.sql",
  "rbac/0001_rbac_tables.sql",
  "rbac/0002_rbac_seed.sql",
  "experience/0001_player_progress.sql",
];

describe("migration files", () => {
  it("load as the runner loads them, in order, all transactional", () => {
    const files = loadMigrationSet(MIGRATIONS_ROOT, MODULES);
    expect(files.map((f) => f.relativePath)).toEqual(EXPECTED_FILES);
    expect(files.filter((f) => f.noTransaction)).toEqual([]);
  });

  it("split into statements without transaction control", async () => {
    for (const file of loadMigrationSet(MIGRATIONS_ROOT, MODULES)) {
      const statements = await prepareStatements(file);
      expect({ file: file.relativePath, empty: statements.length === 0 }).toEqual({
        file: file.relativePath,
        empty: false,
      });
    }
  });

  it("give the same catalog applied statement by statement as applied whole", async () => {
    const modules = ["core", "rbac", "experience"] as const;
    const whole = await boundDatabase("production");
    await withClient(whole, (c) => applyModules(c, modules));

    const split = await boundDatabase("production");
    await withClient(split, async (c) => {
      for (const file of loadMigrationSet(MIGRATIONS_ROOT, modules)) {
        await c.query("BEGIN");
        for (const statement of await prepareStatements(file)) {
          await c.query(statement.text);
        }
        await c.query("COMMIT");
      }
    });
    const snap = (url: string) => withClient(url, (c: pg.Client) => snapshotCatalog(c));
    expect(diffCatalogs(await snap(whole), await snap(split))).toEqual([]);
    const tables = await withClient(split, (c) =>
      rows(c, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"),
    );
    // 19 deployed + 13 RBAC + 3 Experience: the platform's planned total of 35 tables.
    expect(tables).toEqual([{ n: 35 }]);
  });

  it("index every foreign key and never duplicate an index, once all modules are applied", async () => {
    const url = await boundDatabase("production");
    await withClient(url, async (c) => {
      await applyModules(c, ["core"], fileByVersion("core", "0005"));
      // Before core/0006 the live duplicates are there: the query sees them.
      expect(await duplicateIndexes(c)).toEqual([
        ["api_keys_key_hash_key", "idx_api_keys_key_hash"],
        ["idx_chunk_path_for_namespace_lookup", "idx_semantic_chunk_path"],
        ["idx_personas_name", "personas_name_key"],
        ["idx_semantic_chunk_id", "kb_semantic_chunk_ids_chunk_id_key"],
      ]);
      for (const file of loadMigrationSet(MIGRATIONS_ROOT, ["core", "rbac", "experience"])) {
        if (file.module === "core" && file.version <= "0005") continue;
        await applyFile(c, file.relativePath);
      }
      expect(await duplicateIndexes(c)).toEqual([]);
      expect(await unindexedForeignKeys(c)).toEqual([]);
      // The FK query reports what it should.
      await c.query("CREATE TABLE fk_probe (id int, user_id uuid REFERENCES users(id))");
      expect(await unindexedForeignKeys(c)).toEqual([
        { table: "fk_probe", fk: "fk_probe_user_id_fkey" },
      ]);
    });
  });

  it("grant gaia_app and gaia_readonly on module tables even when another role applies them", async () => {
    const url = await boundDatabase("production");
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      // A different role than the one that ran core/0007: its default privileges do not apply.
      await c.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gaia_test_other_owner') THEN
          CREATE ROLE gaia_test_other_owner SUPERUSER NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
      await c.query("SET ROLE gaia_test_other_owner");
      await applyModules(c, ["rbac", "experience"]);
      await c.query("RESET ROLE");
      const missing = await rows(
        c,
        `SELECT c.relname AS table FROM pg_class c
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
            AND pg_get_userbyid(c.relowner) = 'gaia_test_other_owner'
            AND NOT (has_table_privilege('gaia_app', c.oid, 'SELECT,INSERT,UPDATE,DELETE')
                     AND has_table_privilege('gaia_readonly', c.oid, 'SELECT'))
          ORDER BY 1`,
      );
      expect(missing).toEqual([]);
      const owned = await rows(
        c,
        `SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r'
            AND pg_get_userbyid(relowner) = 'gaia_test_other_owner'`,
      );
      expect(owned).toEqual([{ n: 16 }]);
      await c.query("REASSIGN OWNED BY gaia_test_other_owner TO CURRENT_USER");
      await c.query("DROP OWNED BY gaia_test_other_owner");
      await c.query("DROP ROLE gaia_test_other_owner");
    });
  });

  it("keep core 0002+ free of statements that destroy data on a live database", async () => {
    // Every later core file runs against databases holding rows.
    const destructive = /^(TRUNCATE|DROP\s+TABLE)\b|\bDROP\s+COLUMN\b/i;
    const offending: string[] = [];
    for (const file of loadMigrationSet(MIGRATIONS_ROOT, ["core"]).slice(1)) {
      for (const statement of await prepareStatements(file)) {
        if (destructive.test(statement.text))
          offending.push(`${file.relativePath}:${statement.line}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe("vector/0001_kb_semantic_embeddings.sql", () => {
  const VECTOR = "vector/0001_kb_semantic_embeddings.sql";

  it("is made of the statements that 007 contributed to the live schema", async () => {
    // core is always part of a set; pick the vector file out of it.
    const file = loadMigrationSet(MIGRATIONS_ROOT, ["vector"]).find(
      (f) => f.relativePath === VECTOR,
    );
    const firstLines = (await prepareStatements(file!)).map((s) => s.text.split("\n")[0]);
    expect(firstLines).toEqual([
      "CREATE EXTENSION IF NOT EXISTS vector",
      "ALTER TABLE kb_semantic_chunk_ids",
      "CREATE INDEX IF NOT EXISTS idx_chunk_embedding_hnsw",
      "COMMENT ON COLUMN kb_semantic_chunk_ids.chunk_text IS",
      "COMMENT ON COLUMN kb_semantic_chunk_ids.embedding IS",
      "COMMENT ON INDEX idx_chunk_embedding_hnsw IS",
    ]);
    expect(readMigration(VECTOR)).toContain(
      "USING hnsw (embedding vector_cosine_ops)\n    WITH (m = 16, ef_construction = 64);",
    );
  });

  it("applies on a server with pgvector, or is refused whole on one without it", async () => {
    const url = await boundDatabase("production");
    await withClient(url, async (c) => {
      await applyModules(c, ["core"]);
      const available = await rows(
        c,
        "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
      );
      if (available.length === 0) {
        const error = await pgError(() => applyFile(c, fileByVersion("vector", "0001")));
        expect(error.code).toBe("0A000");
        expect(error.message).toMatch(
          /^(could not open extension control file ".*\/vector\.control": No such file or directory|extension "vector" is not available)$/,
        );
        const cols = await rows(
          c,
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'kb_semantic_chunk_ids' AND column_name IN ('chunk_text', 'embedding')",
        );
        expect(cols).toEqual([]);
        return;
      }
      await applyFile(c, fileByVersion("vector", "0001"));
      expect(
        await rows(
          c,
          `SELECT column_name, udt_name FROM information_schema.columns
            WHERE table_name = 'kb_semantic_chunk_ids' AND column_name IN ('chunk_text', 'embedding')
            ORDER BY column_name`,
        ),
      ).toEqual([
        { column_name: "chunk_text", udt_name: "text" },
        { column_name: "embedding", udt_name: "vector" },
      ]);
      expect(
        await rows(c, "SELECT pg_get_indexdef('idx_chunk_embedding_hnsw'::regclass) AS def"),
      ).toEqual([
        {
          def: "CREATE INDEX idx_chunk_embedding_hnsw ON public.kb_semantic_chunk_ids USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64')",
        },
      ]);
      await applyFile(c, fileByVersion("vector", "0001"));
    });
  });
});
