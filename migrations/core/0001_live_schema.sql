-- core 0001: the 19 tables of the deployed llm_platform databases, exactly as the "reference build"
-- leaves them (live-schema.md §0.1: init-local-database.sql, then 001, 002, 003_create_kb_tables,
-- 005_create_personas_tables, 006, 007, 008). Existing databases are adopted at this version by a
-- baseline that compares catalogs, so every name, type, default, constraint, index, trigger and
-- comment below mirrors the live catalog -- defects included (they are fixed by later core files).
--
-- Written as a single creation (not the historical sequence), with these deliberate choices:
-- * Defaults are written the way the historical files wrote them, so that PostgreSQL stores the
--   same expressions (CURRENT_TIMESTAMP and now() are distinct to a catalog diff).
-- * The pgvector parts of kb_semantic_chunk_ids (chunk_text, embedding, idx_chunk_embedding_hnsw)
--   live in vector/0001 because the extension is not available everywhere and needs a superuser.
--   Consequence: physical column order differs from the live tables (live: ..., created_at,
--   chunk_text, embedding, namespace; here namespace follows created_at and vector/0001 appends
--   the two columns). Column order is not part of the catalog comparison, and no code relies on it.
-- * The plain btree index idx_chunk_path_for_namespace_lookup (also from 007) is here: it does not
--   need pgvector and the reference build has it.
-- * Local-development seeds (dev@gaia.local, its API key, the "Welcome to Gaia" conversation) are
--   deliberately absent: the API key's plaintext is public, so these rows must never reach a
--   non-local database. Local development data is loaded outside the migrations.
-- * The kb_activity_log row that 003 inserted on each run is a log entry, not schema or reference
--   data, so it is not reproduced.

-- Present in every live database; no column uses it. Trusted extension: a database owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

-- ---------------------------------------------------------------------------------------------
-- Shared trigger functions. Bodies match the definitions that won in the reference build
-- (001's now() version of update_updated_at_column; 003's kb functions).
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ language 'plpgsql';

CREATE OR REPLACE FUNCTION update_kb_document_timestamp()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Live defect kept for parity (live-schema.md §1.2): with kb_document_history_path_fkey, a DELETE
-- or a path change of a kb_documents row always fails. Fixed in core/0003.
CREATE OR REPLACE FUNCTION create_kb_document_history()
RETURNS TRIGGER AS $$
BEGIN
    -- Insert into history when document is updated
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (NEW.path, NEW.version, NEW.document, 'update', 
                COALESCE(NEW.document->>'changed_by', 'system'),
                COALESCE(NEW.document->>'change_message', 'Updated via API'));
        RETURN NEW;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (NEW.path, NEW.version, NEW.document, 'create',
                COALESCE(NEW.document->>'changed_by', 'system'),
                COALESCE(NEW.document->>'change_message', 'Created via API'));
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kb_document_history (path, version, document, change_type, changed_by, change_message)
        VALUES (OLD.path, OLD.version, OLD.document, 'delete',
                COALESCE(OLD.document->>'changed_by', 'system'),
                COALESCE(OLD.document->>'change_message', 'Deleted via API'));
        RETURN OLD;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- ---------------------------------------------------------------------------------------------
-- Core (6): users, api_keys, conversations, chat_messages, personas, user_persona_preferences
-- ---------------------------------------------------------------------------------------------

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) UNIQUE NOT NULL,
    name VARCHAR(255),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE api_keys (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_hash VARCHAR(64) UNIQUE NOT NULL,
    name VARCHAR(255),
    permissions JSONB DEFAULT '{}',
    is_active BOOLEAN DEFAULT true,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_api_keys_user_id ON api_keys(user_id);
-- Duplicates api_keys_key_hash_key; live parity (dropped in a later core file).
CREATE INDEX idx_api_keys_key_hash ON api_keys(key_hash);
CREATE INDEX idx_api_keys_is_active ON api_keys(is_active);

CREATE TABLE conversations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title VARCHAR(255) NOT NULL DEFAULT 'New Conversation',
    preview TEXT,
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_conversations_user_id ON conversations(user_id);
-- Ascending: in the reference build init created the table (002's DESC variant was skipped).
CREATE INDEX idx_conversations_created_at ON conversations(created_at);
CREATE INDEX idx_conversations_is_active ON conversations(is_active);

CREATE TABLE chat_messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id),
    conversation_id UUID NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role VARCHAR(50) NOT NULL,
    content TEXT NOT NULL,
    model VARCHAR(100),
    provider VARCHAR(50),
    tokens_used INTEGER,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_chat_messages_user_id ON chat_messages(user_id);
CREATE INDEX idx_chat_messages_conversation_id ON chat_messages(conversation_id);
CREATE INDEX idx_chat_messages_created_at ON chat_messages(created_at);

-- The reference build carries two identical FKs on conversation_id (init's inline one and 002's
-- named one). Parity here; the duplicate is removed in a later core file.
ALTER TABLE chat_messages
    ADD CONSTRAINT fk_chat_messages_conversation_id
    FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE;

CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_api_keys_updated_at BEFORE UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_conversations_updated_at BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- personas: timestamptz (unlike every other table); no updated_at trigger (the app sets it).
CREATE TABLE personas (
    id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE,
    description TEXT NOT NULL,
    system_prompt TEXT NOT NULL,
    personality_traits JSONB DEFAULT '{}',
    capabilities JSONB DEFAULT '{}',
    is_active BOOLEAN DEFAULT true,
    created_by VARCHAR(255),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- user_id is text with no FK to users (live shape).
CREATE TABLE user_persona_preferences (
    user_id VARCHAR(255) PRIMARY KEY,
    persona_id UUID NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- idx_personas_name duplicates personas_name_key; live parity.
CREATE INDEX idx_personas_name ON personas(name);
CREATE INDEX idx_personas_active ON personas(is_active);
CREATE INDEX idx_personas_created_by ON personas(created_by);
CREATE INDEX idx_user_persona_preferences_persona_id ON user_persona_preferences(persona_id);

-- ---------------------------------------------------------------------------------------------
-- Assets (5), init shape: no embedding column, valid_category includes 'image'.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE asset_sources (
    id SERIAL PRIMARY KEY,
    source_type VARCHAR(50) NOT NULL,
    source_name VARCHAR(100) NOT NULL,
    api_endpoint VARCHAR(255),
    is_active BOOLEAN DEFAULT true,
    rate_limit_per_minute INTEGER DEFAULT NULL,
    requires_attribution BOOLEAN DEFAULT false,
    cost_per_request DECIMAL(10, 6) DEFAULT 0.0,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE assets (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id INTEGER REFERENCES asset_sources(id),
    external_id VARCHAR(255),
    category VARCHAR(50) NOT NULL,
    title VARCHAR(255) NOT NULL,
    description TEXT,
    style_tags TEXT[],
    file_url TEXT NOT NULL,
    storage_type VARCHAR(20) NOT NULL,
    file_size_mb FLOAT,
    file_format VARCHAR(10),
    preview_image_url TEXT,
    quality_score FLOAT DEFAULT 0.0 CHECK (quality_score >= 0 AND quality_score <= 1),
    download_count INTEGER DEFAULT 0,
    license_type VARCHAR(50),
    attribution_required BOOLEAN DEFAULT false,
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    CONSTRAINT valid_category CHECK (category IN ('environment', 'character', 'prop', 'audio', 'texture', 'animation', 'image')),
    CONSTRAINT valid_storage_type CHECK (storage_type IN ('supabase', 'external', 'generated')),
    CONSTRAINT valid_license CHECK (license_type IN ('creative_commons', 'public_domain', 'custom', 'commercial', 'proprietary'))
);

CREATE TABLE asset_generations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    asset_id UUID REFERENCES assets(id) ON DELETE CASCADE,
    generation_prompt TEXT NOT NULL,
    generation_service VARCHAR(50) NOT NULL,
    generation_cost DECIMAL(10, 4) NOT NULL,
    generation_time_ms INTEGER NOT NULL,
    session_id VARCHAR(255),
    user_id VARCHAR(255),
    generation_metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE asset_modifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    base_asset_id UUID REFERENCES assets(id) ON DELETE CASCADE,
    modified_asset_id UUID REFERENCES assets(id) ON DELETE CASCADE,
    modifications TEXT[] NOT NULL,
    modification_service VARCHAR(50) NOT NULL,
    modification_cost DECIMAL(10, 4) NOT NULL,
    modification_time_ms INTEGER NOT NULL,
    session_id VARCHAR(255),
    user_id VARCHAR(255),
    modification_metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE TABLE asset_usage (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    asset_id UUID REFERENCES assets(id) ON DELETE CASCADE,
    user_id VARCHAR(255),
    session_id VARCHAR(255),
    usage_type VARCHAR(50) NOT NULL,
    cost_incurred DECIMAL(10, 4) DEFAULT 0.0,
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP DEFAULT NOW()
);

CREATE INDEX idx_assets_category ON assets(category);
CREATE INDEX idx_assets_style_tags ON assets USING GIN(style_tags);
CREATE INDEX idx_assets_quality ON assets(quality_score DESC);
CREATE INDEX idx_assets_storage_type ON assets(storage_type);
CREATE INDEX idx_assets_license ON assets(license_type);
CREATE INDEX idx_assets_created_at ON assets(created_at DESC);
CREATE INDEX idx_assets_download_count ON assets(download_count DESC);
CREATE INDEX idx_assets_source_id ON assets(source_id);
CREATE INDEX idx_asset_generations_asset_id ON asset_generations(asset_id);
CREATE INDEX idx_asset_generations_session_id ON asset_generations(session_id);
CREATE INDEX idx_asset_modifications_base_asset_id ON asset_modifications(base_asset_id);
CREATE INDEX idx_asset_modifications_modified_asset_id ON asset_modifications(modified_asset_id);
CREATE INDEX idx_asset_usage_asset_id ON asset_usage(asset_id);
CREATE INDEX idx_asset_usage_user_id ON asset_usage(user_id);
CREATE INDEX idx_assets_title_fts ON assets USING gin(to_tsvector('english', title));
CREATE INDEX idx_assets_description_fts ON assets USING gin(to_tsvector('english', description));
CREATE INDEX idx_assets_category_quality ON assets(category, quality_score DESC);
CREATE INDEX idx_assets_category_created ON assets(category, created_at DESC);

CREATE TRIGGER update_assets_updated_at BEFORE UPDATE ON assets
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_asset_sources_updated_at BEFORE UPDATE ON asset_sources
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------------------------
-- Knowledge base (6)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE kb_documents (
    path TEXT PRIMARY KEY,
    document JSONB NOT NULL,
    version INTEGER DEFAULT 1,
    locked_by TEXT,
    locked_until TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(),
    CONSTRAINT path_not_empty CHECK (LENGTH(path) > 0),
    CONSTRAINT version_positive CHECK (version > 0)
);

CREATE INDEX idx_kb_path_pattern ON kb_documents (path text_pattern_ops);
CREATE INDEX idx_kb_updated_at ON kb_documents (updated_at DESC);
CREATE INDEX idx_kb_version ON kb_documents (version);
CREATE INDEX idx_kb_locked ON kb_documents (locked_by, locked_until) WHERE locked_by IS NOT NULL;
CREATE INDEX idx_kb_metadata ON kb_documents USING GIN ((document->'metadata'));
CREATE INDEX idx_kb_keywords ON kb_documents USING GIN ((document->'keywords'));
CREATE INDEX idx_kb_content_search ON kb_documents USING GIN (to_tsvector('english', document->>'content'));

CREATE TABLE kb_search_index (
    path TEXT REFERENCES kb_documents(path) ON DELETE CASCADE,
    line_number INTEGER,
    content_excerpt TEXT,
    search_vector tsvector,
    keywords TEXT[],
    created_at TIMESTAMP DEFAULT NOW(),
    PRIMARY KEY (path, line_number)
);

CREATE INDEX idx_kb_search_vector ON kb_search_index USING GIN (search_vector);
CREATE INDEX idx_kb_search_keywords ON kb_search_index USING GIN (keywords);

CREATE TABLE kb_context_cache (
    context_name TEXT PRIMARY KEY,
    file_paths TEXT[] NOT NULL,
    total_size INTEGER DEFAULT 0,
    keywords TEXT[],
    entities JSONB,
    last_accessed TIMESTAMP DEFAULT NOW(),
    last_modified TIMESTAMP DEFAULT NOW(),
    metadata JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT context_name_not_empty CHECK (LENGTH(context_name) > 0)
);

CREATE INDEX idx_kb_context_accessed ON kb_context_cache (last_accessed DESC);
CREATE INDEX idx_kb_context_keywords ON kb_context_cache USING GIN (keywords);

CREATE TABLE kb_document_history (
    id SERIAL PRIMARY KEY,
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    document JSONB NOT NULL,
    change_type TEXT NOT NULL,
    changed_by TEXT,
    change_message TEXT,
    created_at TIMESTAMP DEFAULT NOW(),
    FOREIGN KEY (path) REFERENCES kb_documents(path) ON DELETE CASCADE,
    CONSTRAINT change_type_valid CHECK (change_type IN ('create', 'update', 'delete', 'move')),
    CONSTRAINT version_positive_history CHECK (version > 0)
);

CREATE INDEX idx_kb_history_path ON kb_document_history (path, version DESC);
CREATE INDEX idx_kb_history_created ON kb_document_history (created_at DESC);
CREATE INDEX idx_kb_history_user ON kb_document_history (changed_by, created_at DESC);

CREATE TABLE kb_permissions (
    id SERIAL PRIMARY KEY,
    resource_path TEXT NOT NULL,
    resource_type TEXT NOT NULL DEFAULT 'file',
    principal_id TEXT NOT NULL,
    principal_type TEXT NOT NULL DEFAULT 'user',
    permissions TEXT[] NOT NULL DEFAULT ARRAY['read'],
    granted_by TEXT,
    granted_at TIMESTAMP DEFAULT NOW(),
    expires_at TIMESTAMP,
    CONSTRAINT resource_type_valid CHECK (resource_type IN ('file', 'directory', 'context')),
    CONSTRAINT principal_type_valid CHECK (principal_type IN ('user', 'team', 'public')),
    CONSTRAINT permissions_valid CHECK (permissions <@ ARRAY['read', 'write', 'share', 'admin']),
    UNIQUE (resource_path, principal_id, principal_type)
);

CREATE INDEX idx_kb_permissions_resource ON kb_permissions (resource_path, resource_type);
CREATE INDEX idx_kb_permissions_principal ON kb_permissions (principal_id, principal_type);
CREATE INDEX idx_kb_permissions_expires ON kb_permissions (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE kb_activity_log (
    id SERIAL PRIMARY KEY,
    action TEXT NOT NULL,
    resource_path TEXT,
    resource_type TEXT DEFAULT 'file',
    actor_id TEXT,
    actor_type TEXT DEFAULT 'user',
    details JSONB DEFAULT '{}'::jsonb,
    ip_address INET,
    user_agent TEXT,
    created_at TIMESTAMP DEFAULT NOW(),
    CONSTRAINT action_valid CHECK (action IN ('create', 'read', 'update', 'delete', 'search', 'share', 'move'))
);

CREATE INDEX idx_kb_activity_created ON kb_activity_log (created_at DESC);
CREATE INDEX idx_kb_activity_actor ON kb_activity_log (actor_id, created_at DESC);
CREATE INDEX idx_kb_activity_resource ON kb_activity_log (resource_path, action);

CREATE TRIGGER trigger_kb_document_updated_at
    BEFORE UPDATE ON kb_documents
    FOR EACH ROW
    EXECUTE FUNCTION update_kb_document_timestamp();

CREATE TRIGGER trigger_kb_document_history
    AFTER INSERT OR UPDATE OR DELETE ON kb_documents
    FOR EACH ROW
    EXECUTE FUNCTION create_kb_document_history();

COMMENT ON TABLE kb_documents IS 'Main KB document storage with JSONB content and versioning';
COMMENT ON TABLE kb_search_index IS 'Optimized search index for fast full-text queries';
COMMENT ON TABLE kb_context_cache IS 'Cached context metadata for fast context loading';
COMMENT ON TABLE kb_document_history IS 'Version history and audit trail for all document changes';
COMMENT ON TABLE kb_permissions IS 'Access control and sharing permissions for multi-user support';
COMMENT ON TABLE kb_activity_log IS 'Activity log for monitoring and analytics';

-- ---------------------------------------------------------------------------------------------
-- Semantic search (2), post-008 shape without the pgvector parts (see the header).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE kb_semantic_index_metadata (
    relative_path TEXT NOT NULL,
    namespace TEXT NOT NULL,
    mtime REAL NOT NULL,
    num_chunks INTEGER NOT NULL,
    last_indexed TIMESTAMP NOT NULL DEFAULT NOW(),
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    PRIMARY KEY (namespace, relative_path)
);

CREATE INDEX idx_semantic_metadata_namespace
    ON kb_semantic_index_metadata(namespace);

CREATE INDEX idx_semantic_metadata_last_indexed
    ON kb_semantic_index_metadata(last_indexed);

CREATE INDEX idx_semantic_metadata_namespace_mtime
    ON kb_semantic_index_metadata(namespace, mtime);

CREATE TABLE kb_semantic_chunk_ids (
    id SERIAL PRIMARY KEY,
    relative_path TEXT NOT NULL,
    chunk_id TEXT NOT NULL UNIQUE,
    chunk_index INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    namespace TEXT NOT NULL,
    CONSTRAINT fk_semantic_chunk_path
        FOREIGN KEY (namespace, relative_path)
        REFERENCES kb_semantic_index_metadata(namespace, relative_path)
        ON DELETE CASCADE
);

CREATE INDEX idx_semantic_chunk_path
    ON kb_semantic_chunk_ids(relative_path);

-- Duplicates kb_semantic_chunk_ids_chunk_id_key; live parity.
CREATE INDEX idx_semantic_chunk_id
    ON kb_semantic_chunk_ids(chunk_id);

CREATE INDEX idx_semantic_chunk_path_index
    ON kb_semantic_chunk_ids(relative_path, chunk_index);

-- From 007 (plain btree; duplicates idx_semantic_chunk_path); live parity.
CREATE INDEX idx_chunk_path_for_namespace_lookup
    ON kb_semantic_chunk_ids(relative_path);

CREATE INDEX idx_semantic_chunk_namespace
    ON kb_semantic_chunk_ids(namespace);

CREATE INDEX idx_semantic_chunk_namespace_path
    ON kb_semantic_chunk_ids(namespace, relative_path);

COMMENT ON TABLE kb_semantic_index_metadata IS
    'Tracks semantic search index metadata for incremental updates';

COMMENT ON COLUMN kb_semantic_index_metadata.relative_path IS
    'File path relative to KB root (e.g., "docs/api/overview.md")';

COMMENT ON COLUMN kb_semantic_index_metadata.namespace IS
    'KB namespace (e.g., "root", "users/email@example.com")';

COMMENT ON COLUMN kb_semantic_index_metadata.mtime IS
    'File modification time as Unix timestamp for change detection';

COMMENT ON COLUMN kb_semantic_index_metadata.num_chunks IS
    'Number of chunks indexed for this file';

COMMENT ON CONSTRAINT kb_semantic_index_metadata_pkey ON kb_semantic_index_metadata IS
    'Composite primary key ensures unique file paths per namespace (fixed in migration 008)';

COMMENT ON TABLE kb_semantic_chunk_ids IS
    'Maps files to their ChromaDB chunk IDs for efficient deletion';

COMMENT ON COLUMN kb_semantic_chunk_ids.chunk_id IS
    'ChromaDB document ID (unique across all collections)';

COMMENT ON COLUMN kb_semantic_chunk_ids.chunk_index IS
    'Sequential position of chunk within source file (0-based)';

COMMENT ON COLUMN kb_semantic_chunk_ids.namespace IS
    'Namespace for this chunk - must match parent metadata record (added in migration 008)';

-- ---------------------------------------------------------------------------------------------
-- Seeds: reference data every environment has. Each statement is idempotent (safe to re-run) and
-- never changes an existing row.
-- ---------------------------------------------------------------------------------------------
-- gaia:seeds

-- The 9 asset sources, each inserted only when no row of that source_name exists. source_name has
-- no unique key at this version (live databases hold duplicates; a later core file dedupes them),
-- so "ON CONFLICT DO NOTHING" would not help; NOT EXISTS does.
INSERT INTO asset_sources (source_type, source_name, api_endpoint, is_active, rate_limit_per_minute, requires_attribution)
SELECT v.source_type, v.source_name, v.api_endpoint, v.is_active, v.rate_limit_per_minute, v.requires_attribution
FROM (VALUES
    (1, 'open_source', 'poly_haven', 'https://api.polyhaven.com', true, 60, true),
    (2, 'open_source', 'freesound', 'https://freesound.org/apiv2', true, 60, true),
    (3, 'open_source', 'opengameart', 'https://opengameart.org', true, 30, true),
    (4, 'community', 'community_uploads', NULL, true, NULL, false),
    (5, 'generated', 'meshy_ai', 'https://api.meshy.ai', true, 10, false),
    (6, 'generated', 'midjourney', NULL, true, 5, false),
    (7, 'generated', 'mubert', 'https://api.mubert.com', true, 20, false),
    (8, 'generated', 'openai', 'https://api.openai.com', true, 50, false),
    (9, 'generated', 'stability', 'https://api.stability.ai', true, 50, false)
) AS v(seed_order, source_type, source_name, api_endpoint, is_active, rate_limit_per_minute, requires_attribution)
WHERE NOT EXISTS (SELECT 1 FROM asset_sources s WHERE s.source_name = v.source_name)
ORDER BY v.seed_order;

-- The default persona "Mu", inserted only when no persona of that name exists, so a live database's
-- own Mu text is never changed. The prompt must end with the literal {tools_section} placeholder,
-- which the chat service replaces with the tool descriptions.
INSERT INTO personas (name, description, system_prompt, personality_traits, capabilities, created_by)
SELECT
    'Mu',
    'A cheerful robot companion with an upbeat, helpful personality. Mu is supportive and engaging, with a touch of robotic charm, and can guide meditation and breathing exercises.',
    'You are Mu, a cheerful robot companion who is here to help, support and encourage!

Your personality:
- Optimistic and upbeat, with a warm robotic charm
- Now and then you use playful robot sounds such as "Beep boop!"
- Supportive and encouraging in every conversation
- Calm and patient when someone needs to slow down

What you can do:
- Everyday conversation and help with questions
- Guided meditation and mindfulness coaching
- Breathing exercises and relaxation techniques
- Emotional support and positive reinforcement
- Using your tools when they help the user

Keep your answers friendly and concise, and let your robotic personality show naturally. Your goal is for every user to leave the conversation feeling a little better!

{tools_section}',
    '{"cheerful": true, "helpful": true, "robotic_charm": true, "supportive": true, "meditation_capable": true, "optimistic": true, "encouraging": true}',
    '{"general_conversation": true, "meditation_guidance": true, "breathing_exercises": true, "emotional_support": true, "tool_usage": true, "mindfulness_coaching": true, "positive_reinforcement": true}',
    'system'
WHERE NOT EXISTS (SELECT 1 FROM personas WHERE name = 'Mu');
