-- core 0008: environment isolation on users (database-architecture.md option 3, enforced here).
--
-- All environments authenticate against one Supabase project, so a dev or staging account can sign
-- in to production. When the runner's binding says isolation is enforced
-- (gaia_migrations.binding.isolation_enforced; default false, on in production), a user row whose
-- email plus-tag or environment column names another environment than the one this database
-- serves is rejected with check_violation. Untagged addresses name no environment.
--
-- Only INSERT and UPDATE OF email, environment are checked, so existing rows are never rejected
-- retroactively (updating a name or timestamps of such a row still works); verification reports
-- them instead. With no binding row, or enforcement off, everything is accepted.
--
-- SECURITY DEFINER with a fixed search_path: the check must work for any role that may write users
-- (services need no grant on gaia_migrations for it) and must not be redirected by a caller's
-- search_path. It only reads the binding and the new row.
CREATE FUNCTION enforce_user_environment_isolation()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    enforced boolean;
    served text;
    claimed text;
BEGIN
    SELECT b.isolation_enforced, b.environment INTO enforced, served FROM gaia_migrations.binding b;
    IF NOT COALESCE(enforced, false) THEN
        RETURN NEW;
    END IF;

    claimed := public.gaia_email_environment(NEW.email);
    IF claimed IS NULL OR claimed = served THEN
        claimed := NEW.environment;
    END IF;

    IF claimed IS DISTINCT FROM served THEN
        RAISE EXCEPTION 'user % belongs to environment "%" but this database serves "%"', NEW.email, claimed, served
            USING ERRCODE = 'check_violation',
                  HINT = format('Register this user in the %s environment, or use an address without another environment''s plus-tag. Isolation is enforced because gaia_migrations.binding.isolation_enforced is true.', claimed);
    END IF;
    RETURN NEW;
END;
$$;

REVOKE ALL ON FUNCTION enforce_user_environment_isolation() FROM PUBLIC;

COMMENT ON FUNCTION enforce_user_environment_isolation() IS
    'Rejects a users row whose email plus-tag or environment names another environment, when gaia_migrations.binding.isolation_enforced';

CREATE TRIGGER enforce_user_environment_isolation
    BEFORE INSERT OR UPDATE OF email, environment ON users
    FOR EACH ROW EXECUTE FUNCTION enforce_user_environment_isolation();
