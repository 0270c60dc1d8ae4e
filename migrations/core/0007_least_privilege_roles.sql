-- core 0007: two group roles for least privilege, used by operations tooling and service logins.
--
-- gaia_readonly: read every table in public (views and ad-hoc queries run under SET ROLE).
-- gaia_app:      read and write rows, use sequences and call functions; no DDL, no TRUNCATE.
-- Both are NOLOGIN: login roles are granted membership (IN ROLE gaia_app) by whoever creates them.
--
-- Roles are cluster-wide while grants are per database, and several databases (environments, test
-- databases) may share one server: create each role only when missing (tolerating a concurrent
-- creation), and make every grant idempotent (GRANT of an existing privilege is a no-op).
-- Creating a role needs CREATEROLE (or superuser); the error says so instead of a bare 42501.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['gaia_readonly', 'gaia_app'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL; -- created by a concurrent migration of another database on this server
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'core/0007: role % does not exist and % may not create roles', role_name, current_user
                        USING HINT = format('Run the migrations as a role with CREATEROLE, or create it once: CREATE ROLE %I NOLOGIN;', role_name);
            END;
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO gaia_readonly, gaia_app;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO gaia_readonly;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO gaia_readonly;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gaia_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO gaia_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO gaia_app;

-- Tables, sequences and functions created later by the role running the migrations (later core
-- files and the vector, rbac and experience modules) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO gaia_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO gaia_readonly;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO gaia_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO gaia_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO gaia_app;

-- users.environment defaults to gaia_migrations.bound_environment(), which reads
-- gaia_migrations.binding with the caller's rights: inserting a user as gaia_app (and reading the
-- binding in views) needs these. The binding holds no secret (environment name, project ref).
GRANT USAGE ON SCHEMA gaia_migrations TO gaia_readonly, gaia_app;
GRANT SELECT ON gaia_migrations.binding TO gaia_readonly, gaia_app;
GRANT EXECUTE ON FUNCTION gaia_migrations.bound_environment() TO gaia_readonly, gaia_app;
