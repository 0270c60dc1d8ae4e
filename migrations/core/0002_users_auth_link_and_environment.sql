-- core 0002: link users to their Supabase auth user, and record the environment each user belongs to.
--
-- All environments share one Supabase project, so a user row must say which environment it was
-- meant for (database-architecture.md, "Migration Strategies", option 3). The convention is an
-- email plus-tag: jason+local@, jason+dev@, jason+staging@; production addresses carry none.
--
-- Safe on a table holding rows: add the columns (no default, so no rewrite), backfill, then add
-- the default, NOT NULL and the CHECK. The ALTER TABLE lock is held for the whole transaction, so
-- no row can be inserted between the backfill and the constraints.

-- The environment an email's plus-tag names ('local', 'dev', 'staging'), or NULL when the address
-- has no such tag. The tag is the text after the last '+' of the local part, compared
-- case-insensitively; any other tag (e.g. +test) names no environment. ('[+]' rather than '\+' so
-- the pattern means the same whatever standard_conforming_strings is.)
CREATE FUNCTION gaia_email_environment(email text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE lower(substring(split_part(email, '@', 1) FROM '[+]([^+]*)$'))
        WHEN 'local' THEN 'local'
        WHEN 'dev' THEN 'dev'
        WHEN 'staging' THEN 'staging'
    END
$$;

COMMENT ON FUNCTION gaia_email_environment(text) IS
    'Environment named by an email plus-tag (+local, +dev, +staging), or NULL when there is none';

-- Supabase auth.users(id) of this user. Nullable: rows created before the link (or by API key
-- only) have none. No FK: auth.users lives in another database (the Supabase project).
ALTER TABLE users ADD COLUMN auth_user_id uuid;

CREATE UNIQUE INDEX users_auth_user_id_key ON users (auth_user_id) WHERE auth_user_id IS NOT NULL;

COMMENT ON COLUMN users.auth_user_id IS
    'Supabase auth.users id of this user (shared project; no FK across databases)';

ALTER TABLE users ADD COLUMN environment text;

-- Untagged rows belong to the environment this database serves; refuse clearly when the database
-- is not bound yet instead of failing on NOT NULL with a bare column name.
DO $$
BEGIN
    IF gaia_migrations.bound_environment() IS NULL
       AND EXISTS (SELECT 1 FROM users WHERE gaia_email_environment(email) IS NULL) THEN
        RAISE EXCEPTION 'core/0002: cannot backfill users.environment: this database is not bound to an environment (gaia_migrations.binding is empty)'
            USING HINT = 'Bind the database first (gaia-db bind <environment> ...), then run the migrations again.';
    END IF;
END
$$;

UPDATE users
   SET environment = COALESCE(gaia_email_environment(email), gaia_migrations.bound_environment());

ALTER TABLE users
    ALTER COLUMN environment SET DEFAULT gaia_migrations.bound_environment(),
    ALTER COLUMN environment SET NOT NULL,
    ADD CONSTRAINT users_environment_check
        CHECK (environment IN ('local', 'dev', 'staging', 'production'));

COMMENT ON COLUMN users.environment IS
    'Environment this user belongs to (local, dev, staging, production); defaults to the environment the database is bound to';
