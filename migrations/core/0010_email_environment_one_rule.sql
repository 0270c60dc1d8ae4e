-- core 0010: one rule for the environment an email names, the same as gaia-db's cleanup.
--
-- 0002's gaia_email_environment took the local part before the FIRST '@' and accepted text without
-- any '@', while gaia-db takes it before the LAST '@' (the domain cannot contain one) and needs a
-- whole address: 'x+staging@evil+dev@example.com' was staging here and dev there, 'noat+dev' was
-- dev here and nothing there. The rule, on both sides:
--   - the address is <local part>@<domain>, split at the last '@'; both parts non-empty;
--   - the tag is the text after the last '+' of the local part, with A-Z lowered (ASCII only:
--     lower() would map e.g. U+0130 to 'i' under some locales, and 'stagİng' is no tag);
--   - the environment is the tag when it is local, dev or staging; otherwise there is none.
-- Only new rows see the difference: users.environment was backfilled once, by 0002.

CREATE OR REPLACE FUNCTION gaia_email_environment(email text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE translate(
            substring(substring(email FROM '^(.+)@[^@]+$') FROM '[+]([^+]*)$'),
            'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
        WHEN 'local' THEN 'local'
        WHEN 'dev' THEN 'dev'
        WHEN 'staging' THEN 'staging'
    END
$$;

COMMENT ON FUNCTION gaia_email_environment(text) IS
    'Environment named by an email plus-tag (+local, +dev, +staging; the tag after the last + of the part before the last @), or NULL when there is none';
