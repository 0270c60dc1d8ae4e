import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropAll, withClient } from "../../support/postgres";
import {
  applyFile,
  applySql,
  boundDatabase,
  columns,
  constraintDefs,
  indexDefs,
  readMigration,
  rows,
} from "./helpers";

const CORE_0001 = "core/0001_live_schema.sql";

const LIVE_TABLES = [
  "api_keys",
  "asset_generations",
  "asset_modifications",
  "asset_sources",
  "asset_usage",
  "assets",
  "chat_messages",
  "conversations",
  "kb_activity_log",
  "kb_context_cache",
  "kb_document_history",
  "kb_documents",
  "kb_permissions",
  "kb_search_index",
  "kb_semantic_chunk_ids",
  "kb_semantic_index_metadata",
  "personas",
  "user_persona_preferences",
  "users",
];

/** The seed section of 0001 (everything after the `-- gaia:seeds` marker line). */
function seedSection(): string {
  const text = readMigration(CORE_0001);
  const marker = text.indexOf("-- gaia:seeds\n");
  if (marker < 0) throw new Error("core/0001 has no -- gaia:seeds marker");
  return text.slice(marker);
}

let url: string;

beforeAll(async () => {
  url = await boundDatabase("production");
  await withClient(url, (c) => applyFile(c, CORE_0001));
});

afterAll(dropAll);

function db<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(url, fn);
}

describe("core/0001_live_schema.sql", () => {
  it("creates exactly the 19 deployed tables in public", async () => {
    const tables = await db((c) =>
      rows<{ name: string }>(
        c,
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      ),
    );
    expect(tables.map((t) => t.name)).toEqual(LIVE_TABLES);
  });

  it("installs uuid-ossp for parity and not pgvector", async () => {
    const extensions = await db((c) =>
      rows<{ extname: string }>(c, "SELECT extname FROM pg_extension ORDER BY extname"),
    );
    expect(extensions.map((e) => e.extname)).toEqual(["plpgsql", "uuid-ossp"]);
  });

  it("reproduces users and api_keys columns with their stored defaults", async () => {
    expect(await db((c) => columns(c, "users"))).toEqual([
      { name: "id", type: "uuid", nullable: false, default: "gen_random_uuid()" },
      { name: "email", type: "character varying(255)", nullable: false, default: null },
      { name: "name", type: "character varying(255)", nullable: true, default: null },
      {
        name: "created_at",
        type: "timestamp without time zone",
        nullable: true,
        default: "CURRENT_TIMESTAMP",
      },
      {
        name: "updated_at",
        type: "timestamp without time zone",
        nullable: true,
        default: "CURRENT_TIMESTAMP",
      },
    ]);
    const apiKeys = await db((c) => columns(c, "api_keys"));
    expect(apiKeys.map((col) => [col.name, col.type, col.nullable, col.default])).toEqual([
      ["id", "uuid", false, "gen_random_uuid()"],
      ["user_id", "uuid", false, null],
      ["key_hash", "character varying(64)", false, null],
      ["name", "character varying(255)", true, null],
      ["permissions", "jsonb", true, "'{}'::jsonb"],
      ["is_active", "boolean", true, "true"],
      ["expires_at", "timestamp without time zone", true, null],
      ["last_used_at", "timestamp without time zone", true, null],
      ["created_at", "timestamp without time zone", true, "CURRENT_TIMESTAMP"],
      ["updated_at", "timestamp without time zone", true, "CURRENT_TIMESTAMP"],
    ]);
  });

  it("keeps the api_keys indexes, including the one duplicating the unique key", async () => {
    expect(await db((c) => indexDefs(c, "api_keys"))).toEqual({
      api_keys_key_hash_key:
        "CREATE UNIQUE INDEX api_keys_key_hash_key ON public.api_keys USING btree (key_hash)",
      api_keys_pkey: "CREATE UNIQUE INDEX api_keys_pkey ON public.api_keys USING btree (id)",
      idx_api_keys_is_active:
        "CREATE INDEX idx_api_keys_is_active ON public.api_keys USING btree (is_active)",
      idx_api_keys_key_hash:
        "CREATE INDEX idx_api_keys_key_hash ON public.api_keys USING btree (key_hash)",
      idx_api_keys_user_id:
        "CREATE INDEX idx_api_keys_user_id ON public.api_keys USING btree (user_id)",
    });
  });

  it("indexes conversations.created_at ascending, as init created it", async () => {
    const defs = await db((c) => indexDefs(c, "conversations"));
    expect(defs.idx_conversations_created_at).toBe(
      "CREATE INDEX idx_conversations_created_at ON public.conversations USING btree (created_at)",
    );
    expect(Object.keys(defs)).toEqual([
      "conversations_pkey",
      "idx_conversations_created_at",
      "idx_conversations_is_active",
      "idx_conversations_user_id",
    ]);
  });

  it("carries both identical conversation FKs on chat_messages, as the reference build does", async () => {
    expect(await db((c) => constraintDefs(c, "chat_messages"))).toEqual({
      chat_messages_conversation_id_fkey:
        "FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE",
      chat_messages_pkey: "PRIMARY KEY (id)",
      chat_messages_user_id_fkey: "FOREIGN KEY (user_id) REFERENCES users(id)",
      fk_chat_messages_conversation_id:
        "FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE",
    });
  });

  it("makes personas timestamptz and user_persona_preferences.user_id varchar(255) without FK", async () => {
    const personas = await db((c) => columns(c, "personas"));
    expect(personas.filter((col) => col.name.endsWith("_at"))).toEqual([
      { name: "created_at", type: "timestamp with time zone", nullable: true, default: "now()" },
      { name: "updated_at", type: "timestamp with time zone", nullable: true, default: "now()" },
    ]);
    expect(await db((c) => columns(c, "user_persona_preferences"))).toEqual([
      { name: "user_id", type: "character varying(255)", nullable: false, default: null },
      { name: "persona_id", type: "uuid", nullable: false, default: null },
      { name: "updated_at", type: "timestamp with time zone", nullable: true, default: "now()" },
    ]);
    expect(await db((c) => constraintDefs(c, "user_persona_preferences"))).toEqual({
      user_persona_preferences_persona_id_fkey:
        "FOREIGN KEY (persona_id) REFERENCES personas(id) ON DELETE CASCADE",
      user_persona_preferences_pkey: "PRIMARY KEY (user_id)",
    });
  });

  it("reproduces the assets checks, with 'image' in valid_category", async () => {
    const defs = await db((c) => constraintDefs(c, "assets"));
    expect(defs).toEqual({
      assets_pkey: "PRIMARY KEY (id)",
      assets_quality_score_check:
        "CHECK (((quality_score >= (0)::double precision) AND (quality_score <= (1)::double precision)))",
      assets_source_id_fkey: "FOREIGN KEY (source_id) REFERENCES asset_sources(id)",
      valid_category:
        "CHECK (((category)::text = ANY ((ARRAY['environment'::character varying, 'character'::character varying, 'prop'::character varying, 'audio'::character varying, 'texture'::character varying, 'animation'::character varying, 'image'::character varying])::text[])))",
      valid_license:
        "CHECK (((license_type)::text = ANY ((ARRAY['creative_commons'::character varying, 'public_domain'::character varying, 'custom'::character varying, 'commercial'::character varying, 'proprietary'::character varying])::text[])))",
      valid_storage_type:
        "CHECK (((storage_type)::text = ANY ((ARRAY['supabase'::character varying, 'external'::character varying, 'generated'::character varying])::text[])))",
    });
    const idx = await db((c) => indexDefs(c, "assets"));
    expect(idx.idx_assets_title_fts).toBe(
      "CREATE INDEX idx_assets_title_fts ON public.assets USING gin (to_tsvector('english'::regconfig, (title)::text))",
    );
    expect(idx.idx_assets_category_quality).toBe(
      "CREATE INDEX idx_assets_category_quality ON public.assets USING btree (category, quality_score DESC)",
    );
    expect(Object.keys(idx)).toHaveLength(13);
  });

  it("names the kb_permissions checks and unique key as the live databases do", async () => {
    expect(await db((c) => constraintDefs(c, "kb_permissions"))).toEqual({
      kb_permissions_pkey: "PRIMARY KEY (id)",
      kb_permissions_resource_path_principal_id_principal_type_key:
        "UNIQUE (resource_path, principal_id, principal_type)",
      permissions_valid:
        "CHECK ((permissions <@ ARRAY['read'::text, 'write'::text, 'share'::text, 'admin'::text]))",
      principal_type_valid:
        "CHECK ((principal_type = ANY (ARRAY['user'::text, 'team'::text, 'public'::text])))",
      resource_type_valid:
        "CHECK ((resource_type = ANY (ARRAY['file'::text, 'directory'::text, 'context'::text])))",
    });
    const perms = await db((c) => columns(c, "kb_permissions"));
    expect(perms.find((col) => col.name === "permissions")?.default).toBe("ARRAY['read'::text]");
    expect((await db((c) => indexDefs(c, "kb_permissions"))).idx_kb_permissions_expires).toBe(
      "CREATE INDEX idx_kb_permissions_expires ON public.kb_permissions USING btree (expires_at) WHERE (expires_at IS NOT NULL)",
    );
  });

  it("reproduces the kb_documents opclass, partial and expression indexes", async () => {
    const idx = await db((c) => indexDefs(c, "kb_documents"));
    expect(idx).toEqual({
      idx_kb_content_search:
        "CREATE INDEX idx_kb_content_search ON public.kb_documents USING gin (to_tsvector('english'::regconfig, (document ->> 'content'::text)))",
      idx_kb_keywords:
        "CREATE INDEX idx_kb_keywords ON public.kb_documents USING gin (((document -> 'keywords'::text)))",
      idx_kb_locked:
        "CREATE INDEX idx_kb_locked ON public.kb_documents USING btree (locked_by, locked_until) WHERE (locked_by IS NOT NULL)",
      idx_kb_metadata:
        "CREATE INDEX idx_kb_metadata ON public.kb_documents USING gin (((document -> 'metadata'::text)))",
      idx_kb_path_pattern:
        "CREATE INDEX idx_kb_path_pattern ON public.kb_documents USING btree (path text_pattern_ops)",
      idx_kb_updated_at:
        "CREATE INDEX idx_kb_updated_at ON public.kb_documents USING btree (updated_at DESC)",
      idx_kb_version: "CREATE INDEX idx_kb_version ON public.kb_documents USING btree (version)",
      kb_documents_pkey:
        "CREATE UNIQUE INDEX kb_documents_pkey ON public.kb_documents USING btree (path)",
    });
  });

  it("keys kb_semantic_index_metadata by (namespace, relative_path) with the composite FK", async () => {
    expect(await db((c) => constraintDefs(c, "kb_semantic_index_metadata"))).toEqual({
      kb_semantic_index_metadata_pkey: "PRIMARY KEY (namespace, relative_path)",
    });
    expect(await db((c) => constraintDefs(c, "kb_semantic_chunk_ids"))).toEqual({
      fk_semantic_chunk_path:
        "FOREIGN KEY (namespace, relative_path) REFERENCES kb_semantic_index_metadata(namespace, relative_path) ON DELETE CASCADE",
      kb_semantic_chunk_ids_chunk_id_key: "UNIQUE (chunk_id)",
      kb_semantic_chunk_ids_pkey: "PRIMARY KEY (id)",
    });
    const metadata = await db((c) => columns(c, "kb_semantic_index_metadata"));
    expect(
      metadata.map((col) => `${col.name} ${col.type} ${col.nullable ? "null" : "not null"}`),
    ).toEqual([
      "relative_path text not null",
      "namespace text not null",
      "mtime real not null",
      "num_chunks integer not null",
      "last_indexed timestamp without time zone not null",
      "created_at timestamp without time zone not null",
    ]);
    const chunkIdx = await db((c) => indexDefs(c, "kb_semantic_chunk_ids"));
    expect(Object.keys(chunkIdx)).toEqual([
      "idx_chunk_path_for_namespace_lookup",
      "idx_semantic_chunk_id",
      "idx_semantic_chunk_namespace",
      "idx_semantic_chunk_namespace_path",
      "idx_semantic_chunk_path",
      "idx_semantic_chunk_path_index",
      "kb_semantic_chunk_ids_chunk_id_key",
      "kb_semantic_chunk_ids_pkey",
    ]);
    const chunkCols = await db((c) => columns(c, "kb_semantic_chunk_ids"));
    expect(chunkCols.map((col) => col.name)).not.toContain("embedding");
    expect(chunkCols.map((col) => col.name)).not.toContain("chunk_text");
  });

  it("owns each serial sequence by its column", async () => {
    const owned = await db((c) =>
      rows<{ seq: string; owner: string }>(
        c,
        `SELECT s.relname AS seq, t.relname || '.' || a.attname AS owner
           FROM pg_class s
           JOIN pg_depend d ON d.objid = s.oid AND d.deptype = 'a' AND d.classid = 'pg_class'::regclass
           JOIN pg_class t ON t.oid = d.refobjid
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
          WHERE s.relkind = 'S' ORDER BY s.relname`,
      ),
    );
    expect(owned).toEqual([
      { seq: "asset_sources_id_seq", owner: "asset_sources.id" },
      { seq: "kb_activity_log_id_seq", owner: "kb_activity_log.id" },
      { seq: "kb_document_history_id_seq", owner: "kb_document_history.id" },
      { seq: "kb_permissions_id_seq", owner: "kb_permissions.id" },
      { seq: "kb_semantic_chunk_ids_id_seq", owner: "kb_semantic_chunk_ids.id" },
    ]);
    const cols = await db((c) => columns(c, "kb_activity_log"));
    expect(cols[0]).toEqual({
      name: "id",
      type: "integer",
      nullable: false,
      default: "nextval('kb_activity_log_id_seq'::regclass)",
    });
  });

  it("stores the asset_sources defaults as live (now() rather than CURRENT_TIMESTAMP)", async () => {
    const cols = await db((c) => columns(c, "asset_sources"));
    expect(cols.map((col) => [col.name, col.default])).toEqual([
      ["id", "nextval('asset_sources_id_seq'::regclass)"],
      ["source_type", null],
      ["source_name", null],
      ["api_endpoint", null],
      ["is_active", "true"],
      ["rate_limit_per_minute", null],
      ["requires_attribution", "false"],
      ["cost_per_request", "0.0"],
      ["created_at", "now()"],
      ["updated_at", "now()"],
    ]);
  });

  it("creates the live triggers and nothing else", async () => {
    const triggers = await db((c) =>
      rows<{ name: string; def: string }>(
        c,
        `SELECT tgname AS name, pg_get_triggerdef(oid) AS def FROM pg_trigger
          WHERE NOT tgisinternal ORDER BY tgname`,
      ),
    );
    expect(triggers).toEqual([
      {
        name: "trigger_kb_document_history",
        def: "CREATE TRIGGER trigger_kb_document_history AFTER INSERT OR DELETE OR UPDATE ON public.kb_documents FOR EACH ROW EXECUTE FUNCTION create_kb_document_history()",
      },
      {
        name: "trigger_kb_document_updated_at",
        def: "CREATE TRIGGER trigger_kb_document_updated_at BEFORE UPDATE ON public.kb_documents FOR EACH ROW EXECUTE FUNCTION update_kb_document_timestamp()",
      },
      {
        name: "update_api_keys_updated_at",
        def: "CREATE TRIGGER update_api_keys_updated_at BEFORE UPDATE ON public.api_keys FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
      },
      {
        name: "update_asset_sources_updated_at",
        def: "CREATE TRIGGER update_asset_sources_updated_at BEFORE UPDATE ON public.asset_sources FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
      },
      {
        name: "update_assets_updated_at",
        def: "CREATE TRIGGER update_assets_updated_at BEFORE UPDATE ON public.assets FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
      },
      {
        name: "update_conversations_updated_at",
        def: "CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON public.conversations FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
      },
      {
        name: "update_users_updated_at",
        def: "CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()",
      },
    ]);
  });

  it("defines the three shared functions, update_updated_at_column with 001's now()", async () => {
    const fns = await db((c) =>
      rows<{ name: string; src: string }>(
        c,
        `SELECT p.proname AS name, p.prosrc AS src FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          ORDER BY p.proname`,
      ),
    );
    expect(fns.map((f) => f.name)).toEqual([
      "create_kb_document_history",
      "update_kb_document_timestamp",
      "update_updated_at_column",
    ]);
    expect(fns[2]?.src).toBe("\nBEGIN\n    NEW.updated_at = NOW();\n    RETURN NEW;\nEND;\n");
  });

  it("keeps the table and column comments", async () => {
    const comments = await db((c) =>
      rows<{ object: string; comment: string }>(
        c,
        `SELECT c.relname || coalesce('.' || a.attname, '') AS object, d.description AS comment
           FROM pg_description d
           JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
           LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
          WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1`,
      ),
    );
    expect(comments.map((row) => row.object)).toEqual([
      "kb_activity_log",
      "kb_context_cache",
      "kb_document_history",
      "kb_documents",
      "kb_permissions",
      "kb_search_index",
      "kb_semantic_chunk_ids",
      "kb_semantic_chunk_ids.chunk_id",
      "kb_semantic_chunk_ids.chunk_index",
      "kb_semantic_chunk_ids.namespace",
      "kb_semantic_index_metadata",
      "kb_semantic_index_metadata.mtime",
      "kb_semantic_index_metadata.namespace",
      "kb_semantic_index_metadata.num_chunks",
      "kb_semantic_index_metadata.relative_path",
    ]);
    expect(comments[3]?.comment).toBe("Main KB document storage with JSONB content and versioning");
    const pkComment = await db((c) =>
      rows<{ comment: string }>(
        c,
        `SELECT obj_description(oid, 'pg_constraint') AS comment FROM pg_constraint
          WHERE conname = 'kb_semantic_index_metadata_pkey'`,
      ),
    );
    expect(pkComment[0]?.comment).toBe(
      "Composite primary key ensures unique file paths per namespace (fixed in migration 008)",
    );
  });

  it("seeds the 9 asset sources in order and the Mu persona, and no local-development rows", async () => {
    const sources = await db((c) =>
      rows(
        c,
        `SELECT id, source_type, source_name, api_endpoint, is_active, rate_limit_per_minute,
                requires_attribution, cost_per_request FROM asset_sources ORDER BY id`,
      ),
    );
    expect(sources).toEqual(
      [
        [1, "open_source", "poly_haven", "https://api.polyhaven.com", true, 60, true],
        [2, "open_source", "freesound", "https://freesound.org/apiv2", true, 60, true],
        [3, "open_source", "opengameart", "https://opengameart.org", true, 30, true],
        [4, "community", "community_uploads", null, true, null, false],
        [5, "generated", "meshy_ai", "https://api.meshy.ai", true, 10, false],
        [6, "generated", "midjourney", null, true, 5, false],
        [7, "generated", "mubert", "https://api.mubert.com", true, 20, false],
        [8, "generated", "openai", "https://api.openai.com", true, 50, false],
        [9, "generated", "stability", "https://api.stability.ai", true, 50, false],
      ].map(([id, type, name, endpoint, active, rate, attribution]) => ({
        id,
        source_type: type,
        source_name: name,
        api_endpoint: endpoint,
        is_active: active,
        rate_limit_per_minute: rate,
        requires_attribution: attribution,
        cost_per_request: "0.000000",
      })),
    );

    const mu = await db((c) =>
      rows<{
        name: string;
        system_prompt: string;
        personality_traits: object;
        capabilities: object;
        created_by: string;
        is_active: boolean;
      }>(
        c,
        "SELECT name, system_prompt, personality_traits, capabilities, created_by, is_active FROM personas",
      ),
    );
    expect(mu).toHaveLength(1);
    expect(mu[0]?.name).toBe("Mu");
    expect(mu[0]?.system_prompt.endsWith("{tools_section}")).toBe(true);
    expect(mu[0]?.personality_traits).toEqual({
      cheerful: true,
      helpful: true,
      robotic_charm: true,
      supportive: true,
      meditation_capable: true,
      optimistic: true,
      encouraging: true,
    });
    expect(mu[0]?.capabilities).toEqual({
      general_conversation: true,
      meditation_guidance: true,
      breathing_exercises: true,
      emotional_support: true,
      tool_usage: true,
      mindfulness_coaching: true,
      positive_reinforcement: true,
    });
    expect(mu[0]?.created_by).toBe("system");

    const counts = await db((c) =>
      rows(
        c,
        `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM api_keys) AS api_keys,
                (SELECT count(*)::int FROM conversations) AS conversations,
                (SELECT count(*)::int FROM kb_activity_log) AS kb_activity_log`,
      ),
    );
    expect(counts).toEqual([{ users: 0, api_keys: 0, conversations: 0, kb_activity_log: 0 }]);
    expect(readMigration(CORE_0001)).not.toMatch(/dev@gaia\.local'|8065e7a7/);
  });

  it("re-running the seed section adds nothing and never rewrites an existing Mu", async () => {
    await db(async (c) => {
      await c.query(
        "UPDATE personas SET system_prompt = 'live text {tools_section}' WHERE name = 'Mu'",
      );
      await c.query("DELETE FROM asset_sources WHERE source_name = 'stability'");
      await applySql(c, seedSection());
      await applySql(c, seedSection());
      const sources = await rows<{ source_name: string }>(
        c,
        "SELECT source_name FROM asset_sources ORDER BY id",
      );
      // The missing row comes back exactly once; the others are not duplicated.
      expect(sources.map((s) => s.source_name)).toEqual([
        "poly_haven",
        "freesound",
        "opengameart",
        "community_uploads",
        "meshy_ai",
        "midjourney",
        "mubert",
        "openai",
        "stability",
      ]);
      const personas = await rows(c, "SELECT name, system_prompt FROM personas");
      expect(personas).toEqual([{ name: "Mu", system_prompt: "live text {tools_section}" }]);
    });
  });
});
