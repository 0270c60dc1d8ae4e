-- rbac 0001: the 13 planned RBAC tables and their functions.
--
-- Shape: variant R2 (live-schema.md §5.1; Gaia's 004_create_rbac_tables + 005_create_rbac_functions),
-- which the app's RBAC code targets (display_name, text context_id, user_roles.expires_at, text[]
-- permissions, permission_audit_log), plus resource_shares, the 13th planned name, which only R1
-- had; it is built here in R2's style (text ids, text[] permissions).
--
-- Changes from R2, all compatible with the app's queries:
-- * Constraints R2 lacked: unique permissions (so seeds are idempotent), CHECKs on the enumerated
--   columns the app uses (role_type, context_type, team_role, principal_type, share types,
--   workspace status), non-empty permission arrays, non-negative counters, NOT NULL on timestamps
--   and flags that have defaults.
-- * Deliberate ON DELETE actions (R2 used NO ACTION for every "by" column, so deleting any user who
--   ever granted, assigned, invited or created something failed):
--     - rows that only exist for a user, role, permission, team or workspace (memberships, role and
--       permission assignments, shares made by the user) go with it: CASCADE;
--     - "who did it" columns (granted_by, assigned_by, invited_by, created_by, actor_id,
--       target_user_id) become NULL: the grant, team or audit entry stays valid without its author;
--     - teams.parent_team_id is RESTRICT: deleting a parent team must be a decision about its child
--       teams, not a silent re-rooting.
-- * Indexes on every foreign key and lookup column, without R2's duplicates
--   (idx_team_members_user, idx_workspace_members_user, idx_resource_permissions_lookup,
--   idx_user_roles_user_id all repeated an existing index or a primary key's leading column).
-- * Timestamps stay `timestamp` (without time zone) with CURRENT_TIMESTAMP, like R2 and the core
--   tables, because the app passes naive datetimes.
--
-- Seeds (11 roles, 22 permissions, 67 role grants) are in rbac/0002.

-- ---------------------------------------------------------------------------------------------
-- Roles and permissions
-- ---------------------------------------------------------------------------------------------

CREATE TABLE roles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    display_name varchar(255) NOT NULL,
    description text,
    role_type varchar(50) NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT roles_name_key UNIQUE (name),
    CONSTRAINT roles_role_type_check CHECK (role_type IN ('system', 'custom', 'team', 'workspace'))
);

-- resource_path NULL means "any path" (check_user_permission); NULLS NOT DISTINCT makes two NULL-path
-- permissions for the same type and action duplicates, so every seed can use ON CONFLICT.
CREATE TABLE permissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_type varchar(100) NOT NULL,
    resource_path varchar(500),
    action varchar(50) NOT NULL,
    description text,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT permissions_resource_action_key
        UNIQUE NULLS NOT DISTINCT (resource_type, resource_path, action),
    CONSTRAINT permissions_resource_path_not_empty CHECK (resource_path <> '')
);

-- The unique key leads with resource_type but has resource_path in the middle: lookups by
-- (resource_type, action) need their own index.
CREATE INDEX idx_permissions_lookup ON permissions (resource_type, action);

CREATE TABLE role_permissions (
    role_id uuid NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    granted_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    granted_by uuid REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (role_id, permission_id)
);

CREATE INDEX idx_role_permissions_permission_id ON role_permissions (permission_id);
CREATE INDEX idx_role_permissions_granted_by ON role_permissions (granted_by);

-- context_type and context_id are part of the key, so both are required; global roles use
-- context_id 'global' (the app's convention).
CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id uuid NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    context_type varchar(50) NOT NULL,
    context_id varchar(500) NOT NULL,
    assigned_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    assigned_by uuid REFERENCES users(id) ON DELETE SET NULL,
    expires_at timestamp,
    PRIMARY KEY (user_id, role_id, context_type, context_id),
    CONSTRAINT user_roles_context_type_check
        CHECK (context_type IN ('global', 'team', 'workspace', 'resource'))
);

CREATE INDEX idx_user_roles_role_id ON user_roles (role_id);
CREATE INDEX idx_user_roles_context ON user_roles (context_type, context_id);
CREATE INDEX idx_user_roles_user_expires ON user_roles (user_id, expires_at);
CREATE INDEX idx_user_roles_assigned_by ON user_roles (assigned_by);
CREATE INDEX idx_user_roles_expires ON user_roles (expires_at) WHERE expires_at IS NOT NULL;

-- Direct per-user grants or revocations (granted = false) of a permission in a context.
CREATE TABLE user_permissions (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    granted boolean NOT NULL DEFAULT true,
    context_type varchar(50) NOT NULL,
    context_id varchar(500) NOT NULL,
    granted_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    granted_by uuid REFERENCES users(id) ON DELETE SET NULL,
    expires_at timestamp,
    PRIMARY KEY (user_id, permission_id, context_type, context_id),
    CONSTRAINT user_permissions_context_type_check
        CHECK (context_type IN ('global', 'team', 'workspace', 'resource'))
);

CREATE INDEX idx_user_permissions_permission_id ON user_permissions (permission_id);
CREATE INDEX idx_user_permissions_granted_by ON user_permissions (granted_by);

-- ---------------------------------------------------------------------------------------------
-- Teams and workspaces
-- ---------------------------------------------------------------------------------------------

CREATE TABLE teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    display_name varchar(255) NOT NULL,
    description text,
    parent_team_id uuid REFERENCES teams(id) ON DELETE RESTRICT,
    metadata jsonb NOT NULL DEFAULT '{}',
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT teams_name_key UNIQUE (name),
    CONSTRAINT teams_parent_not_self CHECK (parent_team_id <> id)
);

CREATE INDEX idx_teams_parent_team_id ON teams (parent_team_id);
CREATE INDEX idx_teams_created_by ON teams (created_by);

CREATE TABLE team_members (
    team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    team_role varchar(50) NOT NULL DEFAULT 'member',
    joined_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (team_id, user_id),
    CONSTRAINT team_members_team_role_check
        CHECK (team_role IN ('owner', 'admin', 'member', 'viewer'))
);

CREATE INDEX idx_team_members_user_id ON team_members (user_id);
CREATE INDEX idx_team_members_invited_by ON team_members (invited_by);

CREATE TABLE workspaces (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    display_name varchar(255) NOT NULL,
    description text,
    workspace_type varchar(50) NOT NULL DEFAULT 'project',
    status varchar(50) NOT NULL DEFAULT 'active',
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by uuid REFERENCES users(id) ON DELETE SET NULL,
    archived_at timestamp,
    expires_at timestamp,
    CONSTRAINT workspaces_name_key UNIQUE (name),
    -- 'expired' is set by cleanup_expired_permissions().
    CONSTRAINT workspaces_status_check
        CHECK (status IN ('active', 'archived', 'completed', 'expired'))
);

CREATE INDEX idx_workspaces_created_by ON workspaces (created_by);
CREATE INDEX idx_workspaces_expires ON workspaces (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE workspace_members (
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE INDEX idx_workspace_members_user_id ON workspace_members (user_id);
CREATE INDEX idx_workspace_members_invited_by ON workspace_members (invited_by);

-- ---------------------------------------------------------------------------------------------
-- Resource access
-- ---------------------------------------------------------------------------------------------

-- A share created by a user (a link, a direct share, a public share) of any resource.
CREATE TABLE shared_resources (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_type varchar(100) NOT NULL,
    resource_id varchar(500) NOT NULL,
    shared_by uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    share_name varchar(255),
    share_message text,
    share_type varchar(50) NOT NULL DEFAULT 'direct',
    permissions text[] NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at timestamp,
    access_count integer NOT NULL DEFAULT 0,
    metadata jsonb NOT NULL DEFAULT '{}',
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT shared_resources_share_type_check CHECK (share_type IN ('direct', 'link', 'public')),
    CONSTRAINT shared_resources_permissions_not_empty CHECK (cardinality(permissions) > 0),
    CONSTRAINT shared_resources_access_count_check CHECK (access_count >= 0)
);

CREATE INDEX idx_shared_resources_resource ON shared_resources (resource_type, resource_id);
CREATE INDEX idx_shared_resources_shared_by ON shared_resources (shared_by);

-- Grants on one resource to a principal. principal_id is text (a user, team or workspace uuid, or a
-- role name), so it has no FK: check_user_permission joins it by text.
CREATE TABLE resource_permissions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_type varchar(100) NOT NULL,
    resource_id varchar(500) NOT NULL,
    principal_type varchar(50) NOT NULL,
    principal_id varchar(500) NOT NULL,
    permissions text[] NOT NULL,
    granted_by uuid REFERENCES users(id) ON DELETE SET NULL,
    granted_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at timestamp,
    metadata jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT resource_permissions_resource_principal_key
        UNIQUE (resource_type, resource_id, principal_type, principal_id),
    CONSTRAINT resource_permissions_principal_type_check
        CHECK (principal_type IN ('user', 'team', 'workspace', 'role')),
    CONSTRAINT resource_permissions_permissions_not_empty CHECK (cardinality(permissions) > 0)
);

CREATE INDEX idx_resource_permissions_principal ON resource_permissions (principal_type, principal_id);
CREATE INDEX idx_resource_permissions_granted_by ON resource_permissions (granted_by);
CREATE INDEX idx_resource_permissions_expires ON resource_permissions (expires_at) WHERE expires_at IS NOT NULL;

-- The 13th planned table (R1 only), in R2's style: who a resource is shared with. shared_with_id is
-- a user, team or workspace id as text, and NULL exactly for public shares; NULLS NOT DISTINCT keeps
-- one public share per resource.
CREATE TABLE resource_shares (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resource_type varchar(100) NOT NULL,
    resource_id varchar(500) NOT NULL,
    shared_by uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shared_with_type varchar(50) NOT NULL,
    shared_with_id varchar(500),
    permissions text[] NOT NULL DEFAULT ARRAY['read'],
    expires_at timestamp,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT resource_shares_resource_recipient_key
        UNIQUE NULLS NOT DISTINCT (resource_type, resource_id, shared_with_type, shared_with_id),
    CONSTRAINT resource_shares_shared_with_type_check
        CHECK (shared_with_type IN ('user', 'team', 'workspace', 'public')),
    CONSTRAINT resource_shares_public_has_no_recipient
        CHECK ((shared_with_type = 'public') = (shared_with_id IS NULL)),
    CONSTRAINT resource_shares_permissions_not_empty CHECK (cardinality(permissions) > 0)
);

CREATE INDEX idx_resource_shares_shared_with ON resource_shares (shared_with_type, shared_with_id);
CREATE INDEX idx_resource_shares_shared_by ON resource_shares (shared_by);

-- ---------------------------------------------------------------------------------------------
-- Audit
-- ---------------------------------------------------------------------------------------------

-- Append-only by intent. Actor and target become NULL when those users are deleted; the event and
-- its details stay.
CREATE TABLE permission_audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type varchar(100) NOT NULL,
    actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
    target_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
    target_type varchar(50),
    target_id varchar(500),
    permission_details jsonb NOT NULL,
    event_timestamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    ip_address inet,
    user_agent text,
    CONSTRAINT permission_audit_log_event_type_not_empty CHECK (event_type <> '')
);

CREATE INDEX idx_permission_audit_log_actor ON permission_audit_log (actor_id, event_timestamp DESC);
CREATE INDEX idx_permission_audit_log_target ON permission_audit_log (target_user_id, event_timestamp DESC);
CREATE INDEX idx_permission_audit_log_timestamp ON permission_audit_log (event_timestamp DESC);

CREATE TRIGGER update_roles_updated_at BEFORE UPDATE ON roles
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TRIGGER update_teams_updated_at BEFORE UPDATE ON teams
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

-- ---------------------------------------------------------------------------------------------
-- Functions (R2's 005 set). Same results as 005 where 005 works; the fixes are noted per function.
-- Path matching is exactly 005's and the app's (app/shared/rbac_fixed.py): a role permission
-- applies when its resource_path is NULL or is a LIKE-prefix of the requested path ('*' is a
-- literal character there), so SQL and the app's own checks agree.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION check_user_permission(
    p_user_id uuid,
    p_resource_type varchar,
    p_resource_path varchar,
    p_action varchar
) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    -- A non-expired super_admin role grants everything.
    IF EXISTS (
        SELECT 1 FROM user_roles ur
        JOIN roles r ON ur.role_id = r.id
        WHERE ur.user_id = p_user_id
          AND r.name = 'super_admin'
          AND (ur.expires_at IS NULL OR ur.expires_at > now())
    ) THEN
        RETURN true;
    END IF;

    -- Role-based permissions.
    IF EXISTS (
        SELECT 1 FROM user_roles ur
        JOIN role_permissions rp ON ur.role_id = rp.role_id
        JOIN permissions p ON rp.permission_id = p.id
        WHERE ur.user_id = p_user_id
          AND p.resource_type = p_resource_type
          AND p.action = p_action
          AND (p.resource_path IS NULL OR p_resource_path LIKE p.resource_path || '%')
          AND (ur.expires_at IS NULL OR ur.expires_at > now())
    ) THEN
        RETURN true;
    END IF;

    -- Direct grants on the resource to the user, or to a team or workspace the user belongs to.
    IF EXISTS (
        SELECT 1 FROM resource_permissions rp
        WHERE rp.resource_type = p_resource_type
          AND rp.resource_id = p_resource_path
          AND p_action = ANY (rp.permissions)
          AND (rp.expires_at IS NULL OR rp.expires_at > now())
          AND (
                (rp.principal_type = 'user' AND rp.principal_id = p_user_id::text)
             OR (rp.principal_type = 'team' AND EXISTS (
                    SELECT 1 FROM team_members tm
                    WHERE tm.user_id = p_user_id AND tm.team_id::text = rp.principal_id))
             OR (rp.principal_type = 'workspace' AND EXISTS (
                    SELECT 1 FROM workspace_members wm
                    WHERE wm.user_id = p_user_id AND wm.workspace_id::text = rp.principal_id))
          )
    ) THEN
        RETURN true;
    END IF;

    -- Users always have full access to their own KB namespace.
    IF p_resource_type = 'kb' AND p_resource_path LIKE '/kb/users/' || p_user_id || '/%' THEN
        RETURN true;
    END IF;

    RETURN false;
END;
$$;

-- Fix: 005's version returned text where its result columns are varchar, which fails at call time
-- ("structure of query does not match function result type"); results are cast here.
CREATE FUNCTION get_user_permissions(p_user_id uuid)
RETURNS TABLE (resource_type varchar, resource_path varchar, action varchar, source varchar)
LANGUAGE sql STABLE
AS $$
    SELECT DISTINCT p.resource_type, COALESCE(p.resource_path, '/*')::varchar, p.action, 'role'::varchar
    FROM user_roles ur
    JOIN role_permissions rp ON ur.role_id = rp.role_id
    JOIN permissions p ON rp.permission_id = p.id
    WHERE ur.user_id = p_user_id
      AND (ur.expires_at IS NULL OR ur.expires_at > now())
    UNION
    SELECT rp.resource_type, rp.resource_id, a.action::varchar, 'direct'::varchar
    FROM resource_permissions rp, unnest(rp.permissions) AS a(action)
    WHERE rp.principal_type = 'user'
      AND rp.principal_id = p_user_id::text
      AND (rp.expires_at IS NULL OR rp.expires_at > now())
    UNION
    SELECT rp.resource_type, rp.resource_id, a.action::varchar, 'team'::varchar
    FROM resource_permissions rp
    JOIN team_members tm ON rp.principal_id = tm.team_id::text
    CROSS JOIN unnest(rp.permissions) AS a(action)
    WHERE rp.principal_type = 'team'
      AND tm.user_id = p_user_id
      AND (rp.expires_at IS NULL OR rp.expires_at > now())
    UNION
    SELECT rp.resource_type, rp.resource_id, a.action::varchar, 'workspace'::varchar
    FROM resource_permissions rp
    JOIN workspace_members wm ON rp.principal_id = wm.workspace_id::text
    CROSS JOIN unnest(rp.permissions) AS a(action)
    WHERE rp.principal_type = 'workspace'
      AND wm.user_id = p_user_id
      AND (rp.expires_at IS NULL OR rp.expires_at > now())
    UNION
    SELECT 'kb'::varchar, ('/kb/users/' || p_user_id || '/*')::varchar, a.action::varchar, 'owner'::varchar
    FROM unnest(ARRAY['read', 'write', 'delete', 'share', 'admin']) AS a(action)
$$;

-- Fix: same text/varchar cast as get_user_permissions.
CREATE FUNCTION get_user_kb_paths(p_user_id uuid)
RETURNS TABLE (kb_path varchar, access_type varchar)
LANGUAGE sql STABLE
AS $$
    SELECT ('/kb/users/' || p_user_id)::varchar, 'owner'::varchar
    UNION ALL
    SELECT '/kb/shared'::varchar, 'shared'::varchar
    UNION ALL
    SELECT '/kb/public'::varchar, 'public'::varchar
    UNION ALL
    SELECT DISTINCT ('/kb/teams/' || tm.team_id)::varchar, 'team'::varchar
    FROM team_members tm WHERE tm.user_id = p_user_id
    UNION ALL
    SELECT DISTINCT ('/kb/workspaces/' || wm.workspace_id)::varchar, 'workspace'::varchar
    FROM workspace_members wm WHERE wm.user_id = p_user_id
    UNION ALL
    SELECT DISTINCT rp.resource_id, 'shared'::varchar
    FROM resource_permissions rp
    WHERE rp.resource_type = 'kb'
      AND rp.principal_type = 'user'
      AND rp.principal_id = p_user_id::text
      AND (rp.expires_at IS NULL OR rp.expires_at > now())
$$;

-- Fix: 005 read team_members.role, an R1-only column; R2's column is team_role. NULL when the user
-- is not a member.
CREATE FUNCTION get_user_team_role(p_user_id uuid, p_team_id uuid)
RETURNS varchar
LANGUAGE sql STABLE
AS $$
    SELECT tm.team_role FROM team_members tm
    WHERE tm.user_id = p_user_id AND tm.team_id = p_team_id
$$;

-- The team and its ancestors, level 0 being the team itself. Fix: CYCLE stops at a loop in
-- parent_team_id (teams_parent_not_self only rules out a team being its own parent).
CREATE FUNCTION get_team_hierarchy(p_team_id uuid)
RETURNS TABLE (team_id uuid, level integer)
LANGUAGE sql STABLE
AS $$
    WITH RECURSIVE team_tree(team_id, level) AS (
        SELECT t.id, 0 FROM teams t WHERE t.id = p_team_id
        UNION ALL
        SELECT t.parent_team_id, tt.level + 1
        FROM teams t JOIN team_tree tt ON t.id = tt.team_id
        WHERE t.parent_team_id IS NOT NULL
    ) CYCLE team_id SET is_cycle USING visited
    SELECT team_tree.team_id, team_tree.level FROM team_tree WHERE NOT is_cycle
$$;

-- Deletes expired role assignments and resource grants (returns how many), and marks expired active
-- workspaces 'expired'.
CREATE FUNCTION cleanup_expired_permissions()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    deleted_count integer := 0;
    temp_count integer;
BEGIN
    DELETE FROM user_roles WHERE expires_at IS NOT NULL AND expires_at < now();
    GET DIAGNOSTICS temp_count = ROW_COUNT;
    deleted_count := deleted_count + temp_count;

    DELETE FROM resource_permissions WHERE expires_at IS NOT NULL AND expires_at < now();
    GET DIAGNOSTICS temp_count = ROW_COUNT;
    deleted_count := deleted_count + temp_count;

    UPDATE workspaces SET status = 'expired'
    WHERE expires_at IS NOT NULL AND expires_at < now() AND status = 'active';

    RETURN deleted_count;
END;
$$;

-- core/0007's default privileges cover tables created by the role that ran it; grant explicitly too,
-- so the module is right even when it is applied by another role (e.g. a superuser).
GRANT SELECT ON roles, permissions, role_permissions, user_roles, user_permissions, teams,
    team_members, workspaces, workspace_members, shared_resources, resource_permissions,
    resource_shares, permission_audit_log TO gaia_readonly;
GRANT SELECT, INSERT, UPDATE, DELETE ON roles, permissions, role_permissions, user_roles,
    user_permissions, teams, team_members, workspaces, workspace_members, shared_resources,
    resource_permissions, resource_shares, permission_audit_log TO gaia_app;
GRANT EXECUTE ON FUNCTION check_user_permission(uuid, varchar, varchar, varchar),
    get_user_permissions(uuid), get_user_kb_paths(uuid), get_user_team_role(uuid, uuid),
    get_team_hierarchy(uuid), cleanup_expired_permissions() TO gaia_app;
