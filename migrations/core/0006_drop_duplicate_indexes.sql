-- core 0006: drop indexes that exactly duplicate another index on the same table.
--
-- Each one below has the same columns, order and method as an index that stays (a unique
-- constraint's index or an identical plain index), so the planner can use the remaining one for
-- every query that used the duplicate; dropping them only saves write cost and space. Indexes that
-- are merely a prefix of a wider index are left alone (see the project notes): they are smaller and
-- dropping them could change plans.
--   idx_api_keys_key_hash               = api_keys_key_hash_key (UNIQUE key_hash)
--   idx_personas_name                   = personas_name_key (UNIQUE name)
--   idx_semantic_chunk_id               = kb_semantic_chunk_ids_chunk_id_key (UNIQUE chunk_id)
--   idx_chunk_path_for_namespace_lookup = idx_semantic_chunk_path (relative_path)
-- IF EXISTS: databases that never got a duplicate (e.g. 007 not applied) simply skip it. The
-- tables are small, so a plain DROP INDEX (brief exclusive lock) inside the transaction is fine.
DROP INDEX IF EXISTS idx_api_keys_key_hash;
DROP INDEX IF EXISTS idx_personas_name;
DROP INDEX IF EXISTS idx_semantic_chunk_id;
DROP INDEX IF EXISTS idx_chunk_path_for_namespace_lookup;
