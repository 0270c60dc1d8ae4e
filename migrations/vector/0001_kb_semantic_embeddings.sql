-- vector 0001: pgvector embeddings for semantic search, exactly as live (live-schema.md §4.8, the
-- parts 007 added to kb_semantic_chunk_ids).
--
-- Needs the pgvector extension on the server (>= 0.5.0 for HNSW). It is not a trusted extension:
-- creating it needs a superuser unless it is already installed in this database. On a server
-- without pgvector the first statement fails and the whole file rolls back.
--
-- The columns are appended after namespace, whereas live tables (007 ran before 008) have
-- chunk_text and embedding before namespace; physical column order is not compared when adopting a
-- database and nothing selects by position. IF NOT EXISTS keeps the file harmless on a database
-- whose columns and index already exist.
CREATE EXTENSION IF NOT EXISTS vector;

ALTER TABLE kb_semantic_chunk_ids
    ADD COLUMN IF NOT EXISTS chunk_text TEXT,
    ADD COLUMN IF NOT EXISTS embedding vector(384);

-- m = 16 and ef_construction = 64, as live (pgvector's defaults, written out).
CREATE INDEX IF NOT EXISTS idx_chunk_embedding_hnsw
    ON kb_semantic_chunk_ids
    USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);

COMMENT ON COLUMN kb_semantic_chunk_ids.chunk_text IS
    'Original text content of the chunk (for retrieval and display)';

COMMENT ON COLUMN kb_semantic_chunk_ids.embedding IS
    'Vector embedding for this chunk (384-dim from all-MiniLM-L6-v2 model)';

COMMENT ON INDEX idx_chunk_embedding_hnsw IS
    'HNSW index for fast approximate nearest neighbor search using cosine similarity';
