-- rbac 0002: R2's default roles, permissions and role grants (live-schema.md §5.1): 11 roles,
-- 22 permissions, 67 role_permissions rows.
--
-- Idempotent: every statement skips rows that already exist (by roles.name, by the permissions
-- unique key, by the role_permissions primary key) and never changes an existing row, so a
-- database where someone already ran R2's seed, or edited a description, keeps its data.
--
-- The role grants are listed per permission instead of R2's cross-join predicates, so they are
-- exact and reviewable, and never extend to permissions an administrator adds later. They are the
-- same 67 rows R2's predicates give: super_admin all 22; admin all but admin/system (21); developer
-- every api/kb/chat/asset permission with action access, read, write or create (13); user the two
-- own-namespace kb permissions, shared-kb read, the four api "access" permissions, chat and asset
-- create and read (11).

INSERT INTO roles (name, display_name, description, role_type) VALUES
    ('super_admin', 'Super Administrator', 'Full system access', 'system'),
    ('admin', 'Administrator', 'Administrative access', 'system'),
    ('developer', 'Developer', 'Developer access to APIs and services', 'system'),
    ('analyst', 'Analyst', 'Read access to data and analytics', 'system'),
    ('user', 'User', 'Standard user access', 'system'),
    ('viewer', 'Viewer', 'Read-only access', 'system'),
    ('guest', 'Guest', 'Limited guest access', 'system'),
    ('kb_admin', 'KB Administrator', 'Full KB management access', 'system'),
    ('kb_editor', 'KB Editor', 'Can create and edit KB content', 'system'),
    ('kb_contributor', 'KB Contributor', 'Can contribute to assigned KB areas', 'system'),
    ('kb_viewer', 'KB Viewer', 'Read-only KB access', 'system')
ON CONFLICT (name) DO NOTHING;

INSERT INTO permissions (resource_type, resource_path, action, description) VALUES
    ('kb', '/kb/*', 'read', 'Read any KB content'),
    ('kb', '/kb/*', 'write', 'Write any KB content'),
    ('kb', '/kb/*', 'delete', 'Delete any KB content'),
    ('kb', '/kb/*', 'share', 'Share KB content'),
    ('kb', '/kb/*', 'admin', 'Administer KB system'),
    ('kb', '/kb/users/{user_id}/*', 'read', 'Read own KB content'),
    ('kb', '/kb/users/{user_id}/*', 'write', 'Write own KB content'),
    ('kb', '/kb/shared/*', 'read', 'Read shared KB content'),
    ('api', '/api/v1/chat/*', 'access', 'Access chat API'),
    ('api', '/api/v1/assets/*', 'access', 'Access assets API'),
    ('api', '/api/v1/auth/*', 'access', 'Access auth API'),
    ('api', '/api/v1/admin/*', 'access', 'Access admin API'),
    ('chat', '*', 'create', 'Create chat conversations'),
    ('chat', '*', 'read', 'Read chat conversations'),
    ('chat', '*', 'delete', 'Delete chat conversations'),
    ('asset', '*', 'create', 'Create assets'),
    ('asset', '*', 'read', 'View assets'),
    ('asset', '*', 'delete', 'Delete assets'),
    ('admin', '*', 'users', 'Manage users'),
    ('admin', '*', 'roles', 'Manage roles'),
    ('admin', '*', 'permissions', 'Manage permissions'),
    ('admin', '*', 'system', 'System administration')
ON CONFLICT ON CONSTRAINT permissions_resource_action_key DO NOTHING;

INSERT INTO role_permissions (role_id, permission_id)
SELECT r.id, p.id
FROM (VALUES
    ('kb', '/kb/*', 'read', ARRAY['super_admin', 'admin', 'developer']),
    ('kb', '/kb/*', 'write', ARRAY['super_admin', 'admin', 'developer']),
    ('kb', '/kb/*', 'delete', ARRAY['super_admin', 'admin']),
    ('kb', '/kb/*', 'share', ARRAY['super_admin', 'admin']),
    ('kb', '/kb/*', 'admin', ARRAY['super_admin', 'admin']),
    ('kb', '/kb/users/{user_id}/*', 'read', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('kb', '/kb/users/{user_id}/*', 'write', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('kb', '/kb/shared/*', 'read', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('api', '/api/v1/chat/*', 'access', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('api', '/api/v1/assets/*', 'access', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('api', '/api/v1/auth/*', 'access', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('api', '/api/v1/admin/*', 'access', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('chat', '*', 'create', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('chat', '*', 'read', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('chat', '*', 'delete', ARRAY['super_admin', 'admin']),
    ('asset', '*', 'create', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('asset', '*', 'read', ARRAY['super_admin', 'admin', 'developer', 'user']),
    ('asset', '*', 'delete', ARRAY['super_admin', 'admin']),
    ('admin', '*', 'users', ARRAY['super_admin', 'admin']),
    ('admin', '*', 'roles', ARRAY['super_admin', 'admin']),
    ('admin', '*', 'permissions', ARRAY['super_admin', 'admin']),
    ('admin', '*', 'system', ARRAY['super_admin'])
) AS grants(resource_type, resource_path, action, role_names)
CROSS JOIN LATERAL unnest(grants.role_names) AS granted(role_name)
JOIN roles r ON r.name = granted.role_name
JOIN permissions p
  ON p.resource_type = grants.resource_type
 AND p.resource_path = grants.resource_path
 AND p.action = grants.action
ON CONFLICT (role_id, permission_id) DO NOTHING;
