-- core 0004: remove duplicate asset_sources rows and make source_name unique.
--
-- Live databases hold duplicates (live-schema.md §3.1: 16 rows after the reference build, ids 10-16
-- repeating ids 1-7, and more after every rerun of the old seeds) because source_name had no unique
-- key, so "ON CONFLICT DO NOTHING" never fired. The app looks sources up by name with LIMIT 1.
--
-- For each source_name the row with the lowest id is kept (the first one seeded, which is what the
-- app's unordered "LIMIT 1" most likely returned). assets.source_id references to a duplicate are
-- first repointed to the kept id, then the duplicates are deleted, then the unique constraint makes
-- any future seed "ON CONFLICT (source_name) DO NOTHING"-idempotent.

-- Block concurrent writers for the rest of the transaction (reads continue): no new duplicate and
-- no new reference to a duplicate can appear between the steps.
LOCK TABLE asset_sources, assets IN SHARE ROW EXCLUSIVE MODE;

CREATE TEMPORARY TABLE asset_source_duplicates ON COMMIT DROP AS
SELECT id AS duplicate_id, kept_id
FROM (
    SELECT id, min(id) OVER (PARTITION BY source_name) AS kept_id
    FROM asset_sources
) ranked
WHERE id <> kept_id;

UPDATE assets a
   SET source_id = d.kept_id
  FROM asset_source_duplicates d
 WHERE a.source_id = d.duplicate_id;

DELETE FROM asset_sources s
 USING asset_source_duplicates d
 WHERE s.id = d.duplicate_id;

ALTER TABLE asset_sources ADD CONSTRAINT asset_sources_source_name_key UNIQUE (source_name);
