-- core 0009: make sure assets.valid_category accepts 'image' everywhere.
--
-- Databases whose assets table was created by Gaia's 001 (not init) carry a valid_category list
-- without 'image' (live-schema.md §3.2, §8 #2), while the app's AssetCategory enum includes it, so
-- storing an image asset fails there. Those databases get init's list; where 'image' is already
-- allowed (the reference build) nothing is touched. Widening a CHECK cannot reject existing rows.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
         WHERE conrelid = 'public.assets'::regclass
           AND conname = 'valid_category'
           AND pg_get_constraintdef(oid) LIKE '%''image''%'
    ) THEN
        ALTER TABLE assets DROP CONSTRAINT IF EXISTS valid_category;
        ALTER TABLE assets ADD CONSTRAINT valid_category
            CHECK (category IN ('environment', 'character', 'prop', 'audio', 'texture', 'animation', 'image'));
    END IF;
END
$$;
