import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropAll, withClient } from "../../support/postgres";
import {
  applyFile,
  applyModules,
  boundDatabase,
  constraintDefs,
  fileByVersion,
  pgError,
  rows,
} from "./helpers";

const RBAC_TABLES = [
  "permission_audit_log",
  "permissions",
  "resource_permissions",
  "resource_shares",
  "role_permissions",
  "roles",
  "shared_resources",
  "team_members",
  "teams",
  "user_permissions",
  "user_roles",
  "workspace_members",
  "workspaces",
];

let url: string;

beforeAll(async () => {
  url = await boundDatabase("dev");
  await withClient(url, (c) => applyModules(c, ["core", "rbac"]));
});

afterAll(dropAll);

function db<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(url, fn);
}

async function seedCounts(c: pg.Client) {
  return (
    await rows(
      c,
      `SELECT (SELECT count(*)::int FROM roles) AS roles,
              (SELECT count(*)::int FROM permissions) AS permissions,
              (SELECT count(*)::int FROM role_permissions) AS role_permissions`,
    )
  )[0];
}

async function newUser(c: pg.Client, email: string): Promise<string> {
  return (
    await c.query<{ id: string }>("INSERT INTO users (email) VALUES ($1) RETURNING id", [email])
  ).rows[0]!.id;
}

async function grantRole(
  c: pg.Client,
  userId: string,
  role: string,
  expires: string | null = null,
) {
  await c.query(
    `INSERT INTO user_roles (user_id, role_id, context_type, context_id, expires_at)
     SELECT $1, id, 'global', 'global', $3::timestamp FROM roles WHERE name = $2`,
    [userId, role, expires],
  );
}

describe("rbac module on top of core", () => {
  it("creates the 13 planned tables next to the 19 core tables", async () => {
    const tables = await db((c) =>
      rows<{ name: string }>(
        c,
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      ),
    );
    const names = tables.map((t) => t.name);
    expect(names).toHaveLength(32);
    expect(names.filter((n) => RBAC_TABLES.includes(n))).toEqual(RBAC_TABLES);
  });

  it("seeds exactly 11 roles, 22 permissions and 67 grants (22/21/13/11)", async () => {
    expect(await db(seedCounts)).toEqual({ roles: 11, permissions: 22, role_permissions: 67 });
    const perRole = await db((c) =>
      rows(
        c,
        `SELECT r.name, count(rp.permission_id)::int AS n FROM roles r
           LEFT JOIN role_permissions rp ON rp.role_id = r.id GROUP BY r.name ORDER BY r.name`,
      ),
    );
    expect(perRole).toEqual([
      { name: "admin", n: 21 },
      { name: "analyst", n: 0 },
      { name: "developer", n: 13 },
      { name: "guest", n: 0 },
      { name: "kb_admin", n: 0 },
      { name: "kb_contributor", n: 0 },
      { name: "kb_editor", n: 0 },
      { name: "kb_viewer", n: 0 },
      { name: "super_admin", n: 22 },
      { name: "user", n: 11 },
      { name: "viewer", n: 0 },
    ]);
    const roleRow = await db((c) =>
      rows(
        c,
        "SELECT display_name, description, role_type, is_active FROM roles WHERE name = 'kb_contributor'",
      ),
    );
    expect(roleRow).toEqual([
      {
        display_name: "KB Contributor",
        description: "Can contribute to assigned KB areas",
        role_type: "system",
        is_active: true,
      },
    ]);
  });

  it("grants the same 67 rows as R2's original predicates", async () => {
    // R2's cross-join predicates (004_create_rbac_tables), evaluated against the seeded rows.
    const mismatch = await db((c) =>
      rows(
        c,
        `WITH expected AS (
           SELECT r.id AS role_id, p.id AS permission_id FROM roles r, permissions p
            WHERE r.name = 'super_admin'
              OR (r.name = 'admin' AND NOT (p.resource_type = 'admin' AND p.action = 'system'))
              OR (r.name = 'developer' AND p.resource_type IN ('api', 'kb', 'chat', 'asset')
                  AND p.action IN ('access', 'read', 'write', 'create'))
              OR (r.name = 'user' AND (
                   (p.resource_type = 'kb' AND p.resource_path LIKE '%{user_id}%')
                OR (p.resource_type = 'kb' AND p.resource_path = '/kb/shared/*' AND p.action = 'read')
                OR (p.resource_type = 'api' AND p.action = 'access')
                OR (p.resource_type = 'chat' AND p.action IN ('create', 'read'))
                OR (p.resource_type = 'asset' AND p.action IN ('create', 'read'))))
         )
         (SELECT 'missing' AS kind, * FROM expected EXCEPT SELECT 'missing', role_id, permission_id FROM role_permissions)
         UNION ALL
         (SELECT 'extra', role_id, permission_id FROM role_permissions EXCEPT SELECT 'extra', * FROM expected)`,
      ),
    );
    expect(mismatch).toEqual([]);
  });

  it("re-applying the seed adds nothing, restores only what is missing, and keeps edits", async () => {
    await db(async (c) => {
      await c.query("UPDATE roles SET description = 'edited' WHERE name = 'viewer'");
      await c.query(
        `DELETE FROM role_permissions WHERE role_id = (SELECT id FROM roles WHERE name = 'user')
           AND permission_id = (SELECT id FROM permissions WHERE resource_type = 'chat' AND action = 'read')`,
      );
      await applyFile(c, fileByVersion("rbac", "0002"));
      await applyFile(c, fileByVersion("rbac", "0002"));
      expect(await seedCounts(c)).toEqual({ roles: 11, permissions: 22, role_permissions: 67 });
      expect(await rows(c, "SELECT description FROM roles WHERE name = 'viewer'")).toEqual([
        { description: "edited" },
      ]);
    });
  });

  it("keeps permissions unique, NULL paths included", async () => {
    await db(async (c) => {
      await c.query(
        "INSERT INTO permissions (resource_type, resource_path, action) VALUES ('kb', NULL, 'read')",
      );
      const dup = await pgError(() =>
        c.query(
          "INSERT INTO permissions (resource_type, resource_path, action) VALUES ('kb', NULL, 'read')",
        ),
      );
      expect(dup.constraint).toBe("permissions_resource_action_key");
      const again = await c.query(
        `INSERT INTO permissions (resource_type, resource_path, action) VALUES ('kb', NULL, 'read')
         ON CONFLICT ON CONSTRAINT permissions_resource_action_key DO NOTHING`,
      );
      expect(again.rowCount).toBe(0);
      await c.query("DELETE FROM permissions WHERE resource_path IS NULL");
    });
  });

  it("check_user_permission: super_admin, role, direct, team, workspace, own namespace, expiry", async () => {
    await db(async (c) => {
      const admin = await newUser(c, "root@example.com");
      const expired = await newUser(c, "expired@example.com");
      const dev = await newUser(c, "dev1@example.com");
      const nobody = await newUser(c, "nobody@example.com");
      const member = await newUser(c, "member@example.com");
      await grantRole(c, admin, "super_admin");
      await grantRole(c, expired, "super_admin", "2000-01-01");
      await grantRole(c, dev, "developer");
      // A role permission with a NULL path applies to every path.
      await c.query(
        "INSERT INTO permissions (resource_type, resource_path, action) VALUES ('report', NULL, 'read')",
      );
      await c.query(
        `INSERT INTO role_permissions (role_id, permission_id)
         SELECT r.id, p.id FROM roles r, permissions p
          WHERE r.name = 'developer' AND p.resource_type = 'report'`,
      );
      const team = (
        await c.query<{ id: string }>(
          "INSERT INTO teams (name, display_name) VALUES ('t1', 'Team 1') RETURNING id",
        )
      ).rows[0]!.id;
      const workspace = (
        await c.query<{ id: string }>(
          "INSERT INTO workspaces (name, display_name) VALUES ('w1', 'Workspace 1') RETURNING id",
        )
      ).rows[0]!.id;
      await c.query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)", [team, member]);
      await c.query("INSERT INTO workspace_members (workspace_id, user_id) VALUES ($1, $2)", [
        workspace,
        member,
      ]);
      await c.query(
        `INSERT INTO resource_permissions (resource_type, resource_id, principal_type, principal_id, permissions, expires_at) VALUES
           ('kb', '/kb/direct.md', 'user', $1, ARRAY['read', 'write'], NULL),
           ('kb', '/kb/old.md', 'user', $1, ARRAY['read'], '2000-01-01'),
           ('kb', '/kb/team.md', 'team', $2, ARRAY['read'], NULL),
           ('kb', '/kb/ws.md', 'workspace', $3, ARRAY['share'], NULL)`,
        [nobody, team, workspace],
      );

      const cases: [string, string, string, string, string, boolean][] = [
        ["super_admin, anything", admin, "admin", "*", "system", true],
        ["expired super_admin", expired, "admin", "*", "system", false],
        ["role, path prefix", dev, "api", "/api/v1/chat/*/send", "access", true],
        ["role, action not granted", dev, "kb", "/kb/*", "delete", false],
        ["role, NULL path matches any path", dev, "report", "/reports/q3", "read", true],
        ["role, other resource type", dev, "admin", "*", "users", false],
        ["direct grant", nobody, "kb", "/kb/direct.md", "write", true],
        ["direct grant, other action", nobody, "kb", "/kb/direct.md", "delete", false],
        ["direct grant, expired", nobody, "kb", "/kb/old.md", "read", false],
        ["team grant", member, "kb", "/kb/team.md", "read", true],
        ["team grant, non-member", nobody, "kb", "/kb/team.md", "read", false],
        ["workspace grant", member, "kb", "/kb/ws.md", "share", true],
        ["own namespace", nobody, "kb", `/kb/users/${nobody}/notes.md`, "delete", true],
        ["someone else's namespace", nobody, "kb", `/kb/users/${member}/notes.md`, "read", false],
        ["no grant at all", nobody, "chat", "*", "read", false],
      ];
      for (const [label, user, type, path, action, expected] of cases) {
        const result = await rows<{ ok: boolean }>(
          c,
          "SELECT check_user_permission($1, $2, $3, $4) AS ok",
          [user, type, path, action],
        );
        expect({ label, ok: result[0]?.ok }).toEqual({ label, ok: expected });
      }

      const perms = await rows(
        c,
        "SELECT resource_type, resource_path, action, source FROM get_user_permissions($1) ORDER BY source, resource_path, action",
        [member],
      );
      expect(perms).toEqual([
        ...["admin", "delete", "read", "share", "write"].map((action) => ({
          resource_type: "kb",
          resource_path: `/kb/users/${member}/*`,
          action,
          source: "owner",
        })),
        { resource_type: "kb", resource_path: "/kb/team.md", action: "read", source: "team" },
        { resource_type: "kb", resource_path: "/kb/ws.md", action: "share", source: "workspace" },
      ]);
      const devPerms = await rows<{ n: number }>(
        c,
        "SELECT count(*)::int AS n FROM get_user_permissions($1) WHERE source = 'role'",
        [dev],
      );
      expect(devPerms).toEqual([{ n: 14 }]);

      expect(
        await rows(c, "SELECT kb_path, access_type FROM get_user_kb_paths($1) ORDER BY 1", [
          member,
        ]),
      ).toEqual(
        [
          { kb_path: "/kb/public", access_type: "public" },
          { kb_path: "/kb/shared", access_type: "shared" },
          { kb_path: `/kb/teams/${team}`, access_type: "team" },
          { kb_path: `/kb/users/${member}`, access_type: "owner" },
          { kb_path: `/kb/workspaces/${workspace}`, access_type: "workspace" },
        ].sort((a, b) => (a.kb_path < b.kb_path ? -1 : 1)),
      );
      expect(await rows(c, "SELECT get_user_team_role($1, $2) AS role", [member, team])).toEqual([
        { role: "member" },
      ]);
      expect(await rows(c, "SELECT get_user_team_role($1, $2) AS role", [nobody, team])).toEqual([
        { role: null },
      ]);
    });
  });

  it("get_team_hierarchy walks up the parents and stops at a cycle", async () => {
    await db(async (c) => {
      const ids = [];
      for (const name of ["h_root", "h_mid", "h_leaf"]) {
        ids.push(
          (
            await c.query<{ id: string }>(
              "INSERT INTO teams (name, display_name) VALUES ($1, $1) RETURNING id",
              [name],
            )
          ).rows[0]!.id,
        );
      }
      const [root, mid, leaf] = ids as [string, string, string];
      await c.query("UPDATE teams SET parent_team_id = $1 WHERE id = $2", [root, mid]);
      await c.query("UPDATE teams SET parent_team_id = $1 WHERE id = $2", [mid, leaf]);
      expect(
        await rows(c, "SELECT team_id, level FROM get_team_hierarchy($1) ORDER BY level", [leaf]),
      ).toEqual([
        { team_id: leaf, level: 0 },
        { team_id: mid, level: 1 },
        { team_id: root, level: 2 },
      ]);
      await c.query("UPDATE teams SET parent_team_id = $1 WHERE id = $2", [leaf, root]);
      expect(
        await rows(c, "SELECT team_id, level FROM get_team_hierarchy($1) ORDER BY level", [leaf]),
      ).toEqual([
        { team_id: leaf, level: 0 },
        { team_id: mid, level: 1 },
        { team_id: root, level: 2 },
      ]);
      const self = await pgError(() =>
        c.query("UPDATE teams SET parent_team_id = id WHERE id = $1", [root]),
      );
      expect(self.constraint).toBe("teams_parent_not_self");
      const restricted = await pgError(() => c.query("DELETE FROM teams WHERE id = $1", [mid]));
      expect(restricted.code).toBe("23503");
      expect(restricted.constraint).toBe("teams_parent_team_id_fkey");
    });
  });

  it("cleanup_expired_permissions removes expired grants and expires workspaces", async () => {
    await db(async (c) => {
      const u = await newUser(c, "cleanup@example.com");
      await grantRole(c, u, "viewer", "2001-01-01");
      await grantRole(c, u, "guest", "2999-01-01");
      await c.query(
        `INSERT INTO resource_permissions (resource_type, resource_id, principal_type, principal_id, permissions, expires_at)
         VALUES ('kb', '/kb/c.md', 'user', $1, ARRAY['read'], '2001-01-01')`,
        [u],
      );
      await c.query(
        "INSERT INTO workspaces (name, display_name, expires_at) VALUES ('old_ws', 'Old', '2001-01-01')",
      );
      const before = await rows<{ n: number }>(
        c,
        `SELECT (SELECT count(*) FROM user_roles WHERE expires_at < now())::int
              + (SELECT count(*) FROM resource_permissions WHERE expires_at < now())::int AS n`,
      );
      const result = await rows(c, "SELECT cleanup_expired_permissions() AS n");
      expect(result).toEqual([{ n: before[0]!.n }]);
      expect(before[0]!.n).toBeGreaterThanOrEqual(2);
      expect(
        await rows(
          c,
          "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1",
          [u],
        ),
      ).toEqual([{ name: "guest" }]);
      expect(await rows(c, "SELECT status FROM workspaces WHERE name = 'old_ws'")).toEqual([
        { status: "expired" },
      ]);
    });
  });

  it("deleting a user cascades their memberships and nulls the 'by' columns", async () => {
    await db(async (c) => {
      const granter = await newUser(c, "granter@example.com");
      const grantee = await newUser(c, "grantee@example.com");
      await c.query(
        `INSERT INTO user_roles (user_id, role_id, context_type, context_id, assigned_by)
         SELECT $1, id, 'global', 'global', $2 FROM roles WHERE name = 'user'`,
        [grantee, granter],
      );
      const team = (
        await c.query<{ id: string }>(
          "INSERT INTO teams (name, display_name, created_by) VALUES ('del_t', 'T', $1) RETURNING id",
          [granter],
        )
      ).rows[0]!.id;
      await c.query(
        "INSERT INTO team_members (team_id, user_id, team_role, invited_by) VALUES ($1, $2, 'owner', $3), ($1, $3, 'admin', NULL)",
        [team, grantee, granter],
      );
      await c.query(
        "INSERT INTO permission_audit_log (event_type, actor_id, target_user_id, permission_details) VALUES ('role_assigned', $1, $2, '{}')",
        [granter, grantee],
      );
      await c.query(
        "INSERT INTO shared_resources (resource_type, resource_id, shared_by, permissions) VALUES ('kb', '/kb/s.md', $1, ARRAY['read'])",
        [granter],
      );

      await c.query("DELETE FROM users WHERE id = $1", [granter]);
      expect(
        await rows(c, "SELECT assigned_by FROM user_roles WHERE user_id = $1", [grantee]),
      ).toEqual([{ assigned_by: null }]);
      expect(await rows(c, "SELECT created_by FROM teams WHERE id = $1", [team])).toEqual([
        { created_by: null },
      ]);
      expect(
        await rows(c, "SELECT user_id, invited_by FROM team_members WHERE team_id = $1", [team]),
      ).toEqual([{ user_id: grantee, invited_by: null }]);
      expect(await rows(c, "SELECT actor_id, target_user_id FROM permission_audit_log")).toEqual([
        { actor_id: null, target_user_id: grantee },
      ]);
      expect(await rows(c, "SELECT count(*)::int AS n FROM shared_resources")).toEqual([{ n: 0 }]);

      await c.query("DELETE FROM users WHERE id = $1", [grantee]);
      expect(
        await rows(c, "SELECT count(*)::int AS n FROM user_roles WHERE user_id = $1", [grantee]),
      ).toEqual([{ n: 0 }]);
      expect(
        await rows(c, "SELECT count(*)::int AS n FROM team_members WHERE team_id = $1", [team]),
      ).toEqual([{ n: 0 }]);
      expect(await rows(c, "SELECT target_user_id FROM permission_audit_log")).toEqual([
        { target_user_id: null },
      ]);
    });
  });

  it("grants gaia_app row access and gaia_readonly reads on every RBAC table", async () => {
    const privileges = await db((c) =>
      rows(
        c,
        `SELECT t AS table,
                has_table_privilege('gaia_app', t, 'SELECT,INSERT,UPDATE,DELETE') AS app,
                has_table_privilege('gaia_app', t, 'TRUNCATE') AS app_truncate,
                has_table_privilege('gaia_readonly', t, 'SELECT') AS readonly,
                has_table_privilege('gaia_readonly', t, 'INSERT') AS readonly_insert
           FROM unnest($1::text[]) AS t ORDER BY t`,
        [RBAC_TABLES],
      ),
    );
    expect(privileges).toEqual(
      RBAC_TABLES.map((table) => ({
        table,
        app: true,
        app_truncate: false,
        readonly: true,
        readonly_insert: false,
      })),
    );
  });

  it("enforces the enumerations and shapes the app relies on", async () => {
    await db(async (c) => {
      const u = await newUser(c, "shapes@example.com");
      const cases: [string, string, unknown[]][] = [
        [
          "roles_role_type_check",
          "INSERT INTO roles (name, display_name, role_type) VALUES ('x', 'X', 'nonsense')",
          [],
        ],
        [
          "user_roles_context_type_check",
          "INSERT INTO user_roles (user_id, role_id, context_type, context_id) SELECT $1, id, 'planet', 'p' FROM roles WHERE name = 'user'",
          [u],
        ],
        [
          "resource_permissions_permissions_not_empty",
          "INSERT INTO resource_permissions (resource_type, resource_id, principal_type, principal_id, permissions) VALUES ('kb', '/x', 'user', 'u', '{}')",
          [],
        ],
        [
          "resource_permissions_principal_type_check",
          "INSERT INTO resource_permissions (resource_type, resource_id, principal_type, principal_id, permissions) VALUES ('kb', '/x', 'alien', 'u', ARRAY['read'])",
          [],
        ],
        [
          "resource_shares_public_has_no_recipient",
          "INSERT INTO resource_shares (resource_type, resource_id, shared_by, shared_with_type, shared_with_id) VALUES ('kb', '/x', $1, 'public', 'someone')",
          [u],
        ],
        [
          "resource_shares_public_has_no_recipient",
          "INSERT INTO resource_shares (resource_type, resource_id, shared_by, shared_with_type) VALUES ('kb', '/x', $1, 'user')",
          [u],
        ],
        [
          "workspaces_status_check",
          "INSERT INTO workspaces (name, display_name, status) VALUES ('ws_bad', 'W', 'deleted')",
          [],
        ],
        [
          "shared_resources_access_count_check",
          "INSERT INTO shared_resources (resource_type, resource_id, shared_by, permissions, access_count) VALUES ('kb', '/x', $1, ARRAY['read'], -1)",
          [u],
        ],
      ];
      for (const [constraint, sql, values] of cases) {
        const error = await pgError(() => c.query(sql, values));
        expect({ sql, constraint: error.constraint }).toEqual({ sql, constraint });
      }
      await c.query(
        "INSERT INTO resource_shares (resource_type, resource_id, shared_by, shared_with_type) VALUES ('kb', '/pub', $1, 'public')",
        [u],
      );
      const secondPublic = await pgError(() =>
        c.query(
          "INSERT INTO resource_shares (resource_type, resource_id, shared_by, shared_with_type) VALUES ('kb', '/pub', $1, 'public')",
          [u],
        ),
      );
      expect(secondPublic.constraint).toBe("resource_shares_resource_recipient_key");
      expect(
        (await constraintDefs(c, "resource_shares")).resource_shares_resource_recipient_key,
      ).toBe(
        "UNIQUE NULLS NOT DISTINCT (resource_type, resource_id, shared_with_type, shared_with_id)",
      );
    });
  });
});
