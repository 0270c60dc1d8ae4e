/**
 * The parts of a schema's catalog that `baseline` does not compare and a schema review shows:
 * views, the privileges granted on the schema and its objects, the schema's default privileges,
 * and the roles those privileges name. `snapshotCatalog(client, schema, { access: true })` adds
 * them to the same round trip; without the option a snapshot is what it always was.
 *
 * Decisions:
 * - Privileges are read through `coalesce(acl, acldefault(…))`, so an object whose ACL was never
 *   touched (NULL: the built-in defaults, e.g. EXECUTE for PUBLIC on functions) reads the same as
 *   one whose ACL spells those defaults out after a GRANT; only real differences show.
 * - The owner's own privileges are left out: they are implicit, and the owner is whoever ran the
 *   migrations on that server.
 * - Roles are cluster-wide and a server holds roles of other databases: only the roles a privilege
 *   of the schema names are listed, with their attributes and memberships.
 * - Everything is sorted by code-unit order and holds only strings, booleans and nulls.
 */
export interface CatalogView {
  name: string;
  kind: "view" | "materialized view";
  /** pg_get_viewdef(oid, true), with search_path pinned to the schema. */
  definition: string;
  comment: string | null;
}

export type GrantObjectKind =
  | "schema"
  | "table"
  | "view"
  | "materialized view"
  | "sequence"
  | "function";

export interface CatalogGrant {
  kind: GrantObjectKind;
  /** Table, view or sequence name, `name(identity arguments)` for functions, the schema's name. */
  object: string;
  /** Role name, or `PUBLIC`. */
  grantee: string;
  /** In a fixed order (SELECT, INSERT, UPDATE, DELETE, …); `WITH GRANT OPTION` appended. */
  privileges: string[];
}

export interface CatalogDefaultPrivilege {
  /** The role whose future objects get the privileges (`ALTER DEFAULT PRIVILEGES FOR ROLE …`). */
  forRole: string;
  objects: "tables" | "sequences" | "functions" | "types" | "schemas";
  grantee: string;
  privileges: string[];
}

export interface CatalogRole {
  name: string;
  login: boolean;
  superuser: boolean;
  inherit: boolean;
  createRole: boolean;
  createDb: boolean;
  bypassRls: boolean;
  replication: boolean;
  /** Roles it is a member of, sorted. */
  memberOf: string[];
}

export interface CatalogAccess {
  views: CatalogView[];
  grants: CatalogGrant[];
  defaultPrivileges: CatalogDefaultPrivilege[];
  roles: CatalogRole[];
}

/** The order privileges are written in, as GRANT statements usually list them. */
const PRIVILEGE_ORDER =
  "ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER','USAGE','EXECUTE','CREATE','CONNECT','TEMPORARY']";

const grantee = (oid: string) =>
  `CASE WHEN ${oid} = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(${oid}) END`;

const privilegeList = `array_agg(a.privilege_type || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
         ORDER BY array_position(${PRIVILEGE_ORDER}, a.privilege_type), a.privilege_type)`;

/**
 * One row per privilege on the schema and its tables, views, sequences and functions (objects of
 * extensions excluded), owner's own privileges left out.
 */
function exploded(schemaLiteral: string, notExtensionMember: NotExtensionMember): string {
  return `
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
           WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
         c.relname::text AS object, c.relowner AS owner,
         coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)) AS acl
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ${schemaLiteral} AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
     AND ${notExtensionMember("pg_class", "c.oid")}
  UNION ALL
  SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.proowner,
         coalesce(p.proacl, acldefault('f', p.proowner))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = ${schemaLiteral} AND ${notExtensionMember("pg_proc", "p.oid")}
  UNION ALL
  SELECT 'schema', n.nspname::text, n.nspowner, coalesce(n.nspacl, acldefault('n', n.nspowner))
    FROM pg_namespace n WHERE n.nspname = ${schemaLiteral}`;
}

function defaultAcls(schemaLiteral: string): string {
  return `
  SELECT d.defaclrole, d.defaclobjtype, d.defaclacl FROM pg_default_acl d
   WHERE d.defaclnamespace = (SELECT oid FROM pg_namespace WHERE nspname = ${schemaLiteral})`;
}

export type NotExtensionMember = (catalog: "pg_class" | "pg_proc", oid: string) => string;

/** The statements to append to the snapshot's round trip (their results come in this order). */
export function accessQueries(
  schemaLiteral: string,
  notExtensionMember: NotExtensionMember,
): string {
  const objects = exploded(schemaLiteral, notExtensionMember);
  const defaults = defaultAcls(schemaLiteral);
  return `
SELECT c.relname AS name, c.relkind AS kind, pg_get_viewdef(c.oid, true) AS definition,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ${schemaLiteral} AND c.relkind IN ('v', 'm')
   AND ${notExtensionMember("pg_class", "c.oid")};
SELECT o.kind, o.object, ${grantee("a.grantee")} AS grantee, ${privilegeList} AS privileges
  FROM (${objects}) o, LATERAL aclexplode(o.acl) a
 WHERE a.grantee <> o.owner
 GROUP BY o.kind, o.object, a.grantee;
SELECT pg_get_userbyid(d.defaclrole) AS for_role, d.defaclobjtype AS objects,
       ${grantee("a.grantee")} AS grantee, ${privilegeList} AS privileges
  FROM (${defaults}) d, LATERAL aclexplode(d.defaclacl) a
 WHERE a.grantee <> d.defaclrole
 GROUP BY d.defaclrole, d.defaclobjtype, a.grantee;
SELECT r.rolname AS name, r.rolcanlogin AS login, r.rolsuper AS superuser, r.rolinherit AS inherit,
       r.rolcreaterole AS create_role, r.rolcreatedb AS create_db, r.rolbypassrls AS bypass_rls,
       r.rolreplication AS replication,
       ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid) AS member_of
  FROM pg_roles r
 WHERE r.oid IN (SELECT a.grantee FROM (${objects}) o, LATERAL aclexplode(o.acl) a
                  WHERE a.grantee <> o.owner
                 UNION
                 SELECT a.grantee FROM (${defaults}) d, LATERAL aclexplode(d.defaclacl) a
                  WHERE a.grantee <> d.defaclrole);
`;
}

/** How many result sets `accessQueries` produces. */
export const ACCESS_RESULTS = 4;

type Row = Record<string, unknown>;

const DEFAULT_OBJECTS: Record<string, CatalogDefaultPrivilege["objects"]> = {
  r: "tables",
  S: "sequences",
  f: "functions",
  T: "types",
  n: "schemas",
};

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byKeys =
  <T>(...keys: ((item: T) => string)[]) =>
  (a: T, b: T): number => {
    for (const key of keys) {
      const order = compareText(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  };

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** Maps the four result sets of `accessQueries` to sorted, JSON-ready lists. */
export function accessFromRows([views, grants, defaults, roles]: Row[][]): CatalogAccess {
  return {
    views: (views ?? [])
      .map(
        (row): CatalogView => ({
          name: String(row.name),
          kind: row.kind === "m" ? "materialized view" : "view",
          definition: String(row.definition).trim(),
          comment: row.comment === null || row.comment === undefined ? null : String(row.comment),
        }),
      )
      .sort(byKeys((v) => v.name)),
    grants: (grants ?? [])
      .map(
        (row): CatalogGrant => ({
          kind: String(row.kind) as GrantObjectKind,
          object: String(row.object),
          grantee: String(row.grantee),
          privileges: strings(row.privileges),
        }),
      )
      .sort(
        byKeys(
          (g) => g.kind,
          (g) => g.object,
          (g) => g.grantee,
        ),
      ),
    defaultPrivileges: (defaults ?? [])
      .map(
        (row): CatalogDefaultPrivilege => ({
          forRole: String(row.for_role),
          objects: DEFAULT_OBJECTS[String(row.objects)] ?? "tables",
          grantee: String(row.grantee),
          privileges: strings(row.privileges),
        }),
      )
      .sort(
        byKeys(
          (d) => d.forRole,
          (d) => d.objects,
          (d) => d.grantee,
        ),
      ),
    roles: (roles ?? [])
      .map(
        (row): CatalogRole => ({
          name: String(row.name),
          login: row.login === true,
          superuser: row.superuser === true,
          inherit: row.inherit === true,
          createRole: row.create_role === true,
          createDb: row.create_db === true,
          bypassRls: row.bypass_rls === true,
          replication: row.replication === true,
          memberOf: strings(row.member_of).sort(compareText),
        }),
      )
      .sort(byKeys((r) => r.name)),
  };
}
