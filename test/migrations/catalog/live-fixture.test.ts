import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Catalog, diffCatalogs, snapshotCatalog } from "../../../src/migrations/catalog";
import { CORE_TABLES } from "../../../src/migrations/verify";
import { availableDrifts, buildLiveDatabase, referenceBuildSql } from "../../fixtures/live/build";
import { createTestDatabase, dropAll, withClient } from "../../support/postgres";

afterAll(dropAll);

const CORE_0001 = join(__dirname, "../../../migrations/core/0001_live_schema.sql");

async function snapshotOfBuild(drift: string[] = []): Promise<Catalog> {
  const url = await createTestDatabase();
  await buildLiveDatabase(url, { drift });
  return withClient(url, (client) => snapshotCatalog(client));
}

const DRIFT_LINES: Record<string, string[]> = {
  "conversations-desc": [
    'table public.conversations: index idx_conversations_created_at: expected "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at)" but found "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at DESC)"',
  ],
  "no-conversations-trigger": [
    "table public.conversations: trigger update_conversations_updated_at: missing (CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column())",
  ],
  "single-chat-fk": [
    "table public.chat_messages: constraint chat_messages_conversation_id_fkey: missing (FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE)",
  ],
  "pre-008": [
    "table public.kb_semantic_chunk_ids: column namespace: missing (text, not null)",
    'table public.kb_semantic_chunk_ids: constraint fk_semantic_chunk_path: expected "FOREIGN KEY (namespace, relative_path) REFERENCES kb_semantic_index_metadata(namespace, relative_path) ON DELETE CASCADE" but found "FOREIGN KEY (relative_path) REFERENCES kb_semantic_index_metadata(relative_path) ON DELETE CASCADE"',
    "table public.kb_semantic_chunk_ids: index idx_semantic_chunk_namespace: missing (CREATE INDEX idx_semantic_chunk_namespace ON public.kb_semantic_chunk_ids USING btree (namespace))",
    "table public.kb_semantic_chunk_ids: index idx_semantic_chunk_namespace_path: missing (CREATE INDEX idx_semantic_chunk_namespace_path ON public.kb_semantic_chunk_ids USING btree (namespace, relative_path))",
    'table public.kb_semantic_index_metadata: constraint kb_semantic_index_metadata_pkey: comment: expected "Composite primary key ensures unique file paths per namespace (fixed in migration 008)" but found none',
    'table public.kb_semantic_index_metadata: constraint kb_semantic_index_metadata_pkey: expected "PRIMARY KEY (namespace, relative_path)" but found "PRIMARY KEY (relative_path)"',
  ],
  "legacy-schema-migrations": ["table public.schema_migrations: unexpected table"],
  "assets-001-variant": [
    "table public.assets: constraint valid_category: expected \"CHECK (((category)::text = ANY ((ARRAY['environment'::character varying, 'character'::character varying, 'prop'::character varying, 'audio'::character varying, 'texture'::character varying, 'animation'::character varying, 'image'::character varying])::text[])))\" but found \"CHECK (((category)::text = ANY ((ARRAY['environment'::character varying, 'character'::character varying, 'prop'::character varying, 'audio'::character varying, 'texture'::character varying, 'animation'::character varying])::text[])))\"",
  ],
};

/** One reference database per test file, shared by the describe blocks below. */
let referenceCache: Promise<{ url: string; catalog: Catalog }> | undefined;
function referenceBuild(): Promise<{ url: string; catalog: Catalog }> {
  referenceCache ??= (async () => {
    const url = await createTestDatabase();
    await buildLiveDatabase(url);
    return { url, catalog: await withClient(url, (client) => snapshotCatalog(client)) };
  })();
  return referenceCache;
}

describe("live reference build (test/fixtures/live)", () => {
  let url: string;
  let reference: Catalog;
  beforeAll(async () => {
    ({ url, catalog: reference } = await referenceBuild());
  });

  it("builds exactly the 19 deployed tables, with uuid-ossp and without pgvector", () => {
    expect(reference.tables.map((t) => t.name)).toEqual([...CORE_TABLES].sort());
    expect(reference.extensions.map((e) => e.name)).toEqual(["plpgsql", "uuid-ossp"]);
    expect(reference.functions.map((f) => f.signature)).toEqual([
      "create_kb_document_history()",
      "update_kb_document_timestamp()",
      "update_updated_at_column()",
    ]);
  });

  it("leaves the rows the history leaves: 16 asset sources, one activity row, Mu, the dev seeds", async () => {
    const facts = await withClient(url, async (client) => {
      const one = async (sql: string) => (await client.query(sql)).rows[0];
      return {
        assetSources: await one("SELECT count(*)::int AS n FROM asset_sources"),
        duplicated: await one(
          `SELECT count(*)::int AS n FROM asset_sources a JOIN asset_sources b
             ON a.source_name = b.source_name AND b.id = a.id + 9`,
        ),
        activity: await one(
          "SELECT count(*)::int AS n, min(actor_id) AS actor FROM kb_activity_log",
        ),
        personas: await one("SELECT string_agg(name, ',') AS names FROM personas"),
        prompt: await one("SELECT right(system_prompt, 15) AS tail FROM personas"),
        users: await one("SELECT string_agg(email, ',') AS emails FROM users"),
        keys: await one("SELECT count(*)::int AS n FROM api_keys"),
        welcome: await one("SELECT string_agg(title, ',') AS titles FROM conversations"),
        body: await one("SELECT prosrc FROM pg_proc WHERE proname = 'update_updated_at_column'"),
      };
    });
    expect(facts).toEqual({
      assetSources: { n: 16 },
      duplicated: { n: 7 },
      activity: { n: 1, actor: "migration" },
      personas: { names: "Mu" },
      prompt: { tail: "{tools_section}" },
      users: { emails: "dev@gaia.local" },
      keys: { n: 1 },
      welcome: { titles: "Welcome to Gaia" },
      body: { prosrc: "\nBEGIN\n    NEW.updated_at = now();\n    RETURN NEW;\nEND;\n" },
    });
  });

  it("keeps the kb history trigger's behaviour, defect included", async () => {
    await withClient(url, async (client) => {
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO kb_documents (path, document) VALUES ('/kb/a.md', '{"content": "x"}')`,
        );
        await client.query(
          `UPDATE kb_documents SET document = '{"changed_by": "ann", "change_message": "m"}'`,
        );
        const history = await client.query(
          "SELECT change_type, changed_by, change_message FROM kb_document_history ORDER BY id",
        );
        expect(history.rows).toEqual([
          { change_type: "create", changed_by: "system", change_message: "Created via API" },
          { change_type: "update", changed_by: "ann", change_message: "m" },
        ]);
        await expect(client.query("DELETE FROM kb_documents")).rejects.toThrow(
          'insert or update on table "kb_document_history" violates foreign key constraint "kb_document_history_path_fkey"',
        );
      } finally {
        await client.query("ROLLBACK");
      }
    });
  });

  it("produces the same catalog on every build", async () => {
    expect(diffCatalogs(reference, await snapshotOfBuild())).toEqual([]);
  });

  it("offers exactly the drift variants it implements", () => {
    expect(availableDrifts()).toEqual(Object.keys(DRIFT_LINES).sort());
  });

  it.each(Object.entries(DRIFT_LINES))(
    "drift %s shows exactly its expected lines",
    async (drift, lines) => {
      expect(diffCatalogs(reference, await snapshotOfBuild([drift]))).toEqual(lines);
    },
  );

  it("combines drifts: the lines of each, sorted together", async () => {
    const actual = await snapshotOfBuild(["single-chat-fk", "conversations-desc"]);
    expect(diffCatalogs(reference, actual)).toEqual([
      ...DRIFT_LINES["single-chat-fk"]!,
      ...DRIFT_LINES["conversations-desc"]!,
    ]);
  });

  it("hides the legacy schema_migrations tracker only when asked to", async () => {
    const actual = await snapshotOfBuild(["legacy-schema-migrations"]);
    expect(diffCatalogs(reference, actual, { ignoreTables: ["schema_migrations"] })).toEqual([]);
  });

  it("refuses an unknown drift name, naming what is allowed", async () => {
    await expect(buildLiveDatabase(url, { drift: ["conversations-asc"] })).rejects.toThrow(
      'buildLiveDatabase: unknown drift "conversations-asc"; allowed: assets-001-variant, ' +
        "conversations-desc, legacy-schema-migrations, no-conversations-trigger, pre-008, " +
        "single-chat-fk (files test/fixtures/live/drift-<name>.sql)",
    );
  });

  it("splices 007's pgvector parts in before 008 only on request", () => {
    const standard = referenceBuildSql();
    const withVector = referenceBuildSql({ vector: true });
    expect(standard).not.toContain("vector(384)");
    const vectorAt = withVector.indexOf("embedding vector(384)");
    expect(vectorAt).toBeGreaterThan(
      withVector.indexOf("CREATE TABLE IF NOT EXISTS kb_semantic_chunk_ids"),
    );
    expect(vectorAt).toBeLessThan(withVector.indexOf("TRUNCATE kb_semantic_chunk_ids"));
  });

  it("builds the pgvector parts only where the server has pgvector", async () => {
    const vectorUrl = await createTestDatabase();
    const available = await withClient(
      vectorUrl,
      async (client) =>
        (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"))
          .rowCount === 1,
    );
    if (!available) {
      await expect(buildLiveDatabase(vectorUrl, { vector: true })).rejects.toThrow(
        "buildLiveDatabase: vector parts requested but this server does not offer the `vector` " +
          "extension (pgvector); build without `vector: true` or use a server with pgvector",
      );
      return;
    }
    await buildLiveDatabase(vectorUrl, { vector: true });
    const withVector = await withClient(vectorUrl, (client) => snapshotCatalog(client));
    expect(diffCatalogs(reference, withVector, { ignore: ["comments"] })).toEqual([
      "extension vector: unexpected",
      "table public.kb_semantic_chunk_ids: column chunk_text: unexpected (text, nullable)",
      "table public.kb_semantic_chunk_ids: column embedding: unexpected (vector(384), nullable)",
      "table public.kb_semantic_chunk_ids: index idx_chunk_embedding_hnsw: unexpected (CREATE INDEX idx_chunk_embedding_hnsw ON public.kb_semantic_chunk_ids USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64'))",
    ]);
  });
});

// The independent check of core/0001 (written by another engineer from the same facts): built
// alone in a fresh database, it must give the reference build's catalog. Function bodies are
// not compared (equivalent now()/CURRENT_TIMESTAMP spellings are expected).
describe.skipIf(!existsSync(CORE_0001))("core/0001_live_schema.sql", () => {
  let core: Catalog;
  let reference: Catalog;
  beforeAll(async () => {
    reference = (await referenceBuild()).catalog;
    const coreUrl = await createTestDatabase();
    core = await withClient(coreUrl, async (client) => {
      // The runner creates its ledger schema before any file runs
      // (docs/design.md#ledger-and-binding-owned-by-the-runner-relied-on-by-the-sql); core SQL
      // may use gaia_migrations.bound_environment(). The schema is outside the snapshot.
      await client.query(`CREATE SCHEMA gaia_migrations;
        CREATE FUNCTION gaia_migrations.bound_environment() RETURNS text
          LANGUAGE sql STABLE AS $$ SELECT NULL::text $$`);
      await client.query("BEGIN");
      await client.query(readFileSync(CORE_0001, "utf8"));
      await client.query("COMMIT");
      return snapshotCatalog(client);
    });
  });

  it("reproduces the live reference build", () => {
    expect(diffCatalogs(core, reference, { ignore: ["functionBodies"] })).toEqual([]);
  });

  // Separates structure from comment text: tables, columns, keys, indexes and triggers.
  it("reproduces the live reference build's structure", () => {
    expect(diffCatalogs(core, reference, { ignore: ["functionBodies", "comments"] })).toEqual([]);
  });
});
