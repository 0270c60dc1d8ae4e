/**
 * `gaia-db cleanup-test-users <env>`: users whose email plus-tag names ANOTHER environment, and
 * every row that depends on them, found from the catalog's foreign keys (not from a hand-kept
 * list: the RBAC and Experience tables reference users too). Live foreign keys do not all
 * cascade (chat_messages.user_id has no action), so `--apply` deletes dependents children-first
 * and then the users, in one transaction. Supabase is shared by every environment: the tool only
 * prints the auth user ids the operator may remove there.
 */
import type pg from "pg";
import { refusedError } from "../shared/errors";
import type { Environment } from "../shared/vocabulary";
import { emailEnvironmentTag, isForeignTestUser, TEST_TAGS } from "./emailTags";
import { plural, renderTable } from "./format";

export interface ForeignKeyEdge {
  constraint: string;
  /** Qualified, quoted-when-needed names, e.g. `public.api_keys`. */
  child: string;
  childColumns: string[];
  parent: string;
  parentColumns: string[];
  onDelete: "no action" | "restrict" | "cascade" | "set null" | "set default";
}

const ACTIONS: Record<string, ForeignKeyEdge["onDelete"]> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

/** Every foreign key of the database outside the system schemas. */
export async function readForeignKeys(client: pg.Client): Promise<ForeignKeyEdge[]> {
  const { rows } = await client.query<{
    constraint: string;
    child: string;
    child_columns: string[];
    parent: string;
    parent_columns: string[];
    action: string;
  }>(
    `SELECT c.conname AS "constraint",
            format('%I.%I', cn.nspname, ct.relname) AS child,
            (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS child_columns,
            format('%I.%I', pn.nspname, pt.relname) AS parent,
            (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS parent_columns,
            c.confdeltype::text AS action
       FROM pg_constraint c
       JOIN pg_class ct ON ct.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = ct.relnamespace
       JOIN pg_class pt ON pt.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pt.relnamespace
      WHERE c.contype = 'f' AND cn.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY child, c.conname`,
  );
  return rows.map((row) => ({
    constraint: row.constraint,
    child: row.child,
    childColumns: row.child_columns,
    parent: row.parent,
    parentColumns: row.parent_columns,
    onDelete: ACTIONS[row.action] ?? "no action",
  }));
}

export interface DependentTable {
  table: string;
  /** `delete`: the rows go with the user; `set null`/`set default`: the database detaches them. */
  effect: "delete" | "set null" | "set default";
  /** SQL condition selecting the dependent rows; `$1` is the text[] of user ids. */
  where: string;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const columnList = (columns: string[]) => columns.map(quoteIdent).join(", ");

/**
 * The dependents of `root` in deletion order (children first). A table reached through a
 * SET NULL / SET DEFAULT key is detached, not deleted, and its own dependents are not followed.
 * A key closing a cycle (a self-reference included) is not followed: its rows would need a
 * fixpoint, and the transaction then fails on that key rather than deleting too much.
 * Conditions are built in topological order, so each table's condition is complete (every path
 * from the users) before its own dependents use it.
 */
export function planDependents(
  edges: readonly ForeignKeyEdge[],
  root = "public.users",
): DependentTable[] {
  const deleting = edges.filter((e) => e.onDelete !== "set null" && e.onDelete !== "set default");
  // Depth-first from the root: reachable tables, and the edges that do not close a cycle.
  const state = new Map<string, "open" | "done">();
  const kept: ForeignKeyEdge[] = [];
  const finished: string[] = [];
  const visit = (table: string) => {
    state.set(table, "open");
    for (const edge of deleting.filter((e) => e.parent === table)) {
      const seen = state.get(edge.child);
      if (seen === "open") continue; // closes a cycle
      kept.push(edge);
      if (seen === undefined) visit(edge.child);
    }
    state.set(table, "done");
    finished.push(table);
  };
  visit(root);
  // Reverse post-order is a topological order: parents before children.
  const topological = [...finished].reverse();
  const conditions = new Map<string, string>([[root, "id::text = ANY($1::text[])"]]);
  const through = (edge: ForeignKeyEdge) =>
    `(${columnList(edge.childColumns)}) IN (SELECT ${columnList(edge.parentColumns)} FROM ${edge.parent} WHERE ${conditions.get(edge.parent)})`;
  for (const table of topological.slice(1)) {
    const incoming = kept.filter((e) => e.child === table && conditions.has(e.parent));
    conditions.set(table, incoming.map((e) => `(${through(e)})`).join(" OR "));
  }
  const deletions = finished
    .filter((table) => table !== root)
    .map((table) => ({ table, effect: "delete" as const, where: conditions.get(table)! }));
  const detached = new Map<string, DependentTable>();
  for (const edge of edges) {
    if (edge.onDelete !== "set null" && edge.onDelete !== "set default") continue;
    if (!conditions.has(edge.parent) || conditions.has(edge.child)) continue;
    const previous = detached.get(edge.child);
    const where = `(${through(edge)})`;
    detached.set(edge.child, {
      table: edge.child,
      effect: edge.onDelete,
      where: previous ? `${previous.where} OR ${where}` : where,
    });
  }
  return [...deletions, ...detached.values()];
}

export interface TestUser {
  id: string;
  email: string;
  tag: Environment;
  authUserId: string | null;
  /** Dependent rows per table (only tables with rows). */
  dependents: Record<string, number>;
}

export interface CleanupReport {
  environment: Environment;
  applied: boolean;
  users: TestUser[];
  /** Rows removed per table, users included (only with --apply). */
  deleted: Record<string, number>;
  /** Supabase auth ids of the users concerned, for the operator to remove by hand. */
  supabaseAuthUserIds: string[];
  usersWithoutAuthId: number;
}

/** Short table name for reports: `api_keys` for public tables, `schema.table` otherwise. */
export function displayTable(qualified: string): string {
  return qualified.startsWith("public.") ? qualified.slice("public.".length) : qualified;
}

async function findTestUsers(
  client: pg.Client,
  environment: Environment,
  lock: boolean,
): Promise<Omit<TestUser, "dependents">[]> {
  const hasAuth = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'public.users'::regclass
       AND attname = 'auth_user_id' AND NOT attisdropped) AS present`,
  );
  const auth = hasAuth.rows[0]!.present ? "auth_user_id::text" : "NULL::text";
  const { rows } = await client.query<{ id: string; email: string; auth: string | null }>(
    `SELECT id::text AS id, email, ${auth} AS auth FROM public.users
      WHERE position('+' IN email) > 0 ORDER BY email${lock ? " FOR UPDATE" : ""}`,
  );
  return rows
    .filter((row) => isForeignTestUser(row.email, environment))
    .map((row) => ({
      id: row.id,
      email: row.email,
      tag: emailEnvironmentTag(row.email)!,
      authUserId: row.auth,
    }));
}

async function countFor(client: pg.Client, plan: DependentTable[], ids: string[]) {
  const counts: Record<string, number> = {};
  for (const dependent of plan) {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${dependent.table} WHERE ${dependent.where}`,
      [ids],
    );
    const n = Number(rows[0]!.n);
    const label = dependent.effect === "delete" ? "" : ` (${dependent.effect})`;
    if (n > 0) counts[`${displayTable(dependent.table)}${label}`] = n;
  }
  return counts;
}

function authIds(users: readonly Omit<TestUser, "dependents">[]) {
  const ids = users.flatMap((user) => (user.authUserId ? [user.authUserId] : []));
  return { supabaseAuthUserIds: ids, usersWithoutAuthId: users.length - ids.length };
}

/** Dry run: the users and their dependents, nothing changed. */
export async function planCleanup(
  client: pg.Client,
  environment: Environment,
): Promise<CleanupReport> {
  await client.query("BEGIN READ ONLY");
  try {
    const plan = planDependents(await readForeignKeys(client));
    const found = await findTestUsers(client, environment, false);
    const users: TestUser[] = [];
    for (const user of found) {
      users.push({ ...user, dependents: await countFor(client, plan, [user.id]) });
    }
    return { environment, applied: false, users, deleted: {}, ...authIds(found) };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
  }
}

/**
 * Deletes the test users and their dependents in one transaction. The users are found again
 * inside it (locked), so an address changed since the dry run is not deleted on stale grounds.
 */
export async function applyCleanup(
  client: pg.Client,
  environment: Environment,
  statementTimeoutMs = 60_000,
): Promise<CleanupReport> {
  await client.query("BEGIN");
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.round(statementTimeoutMs)}`);
    const plan = planDependents(await readForeignKeys(client));
    const found = await findTestUsers(client, environment, true);
    const same = found.filter((user) => user.tag === environment);
    if (same.length > 0) {
      // Unreachable through findTestUsers; kept so a future change cannot silently widen it.
      throw refusedError(
        `refusing to delete ${environment} users: ${same.map((u) => u.email).join(", ")}`,
      );
    }
    const users: TestUser[] = [];
    for (const user of found) {
      users.push({ ...user, dependents: await countFor(client, plan, [user.id]) });
    }
    const ids = found.map((user) => user.id);
    const deleted: Record<string, number> = {};
    if (ids.length > 0) {
      for (const dependent of plan.filter((d) => d.effect === "delete")) {
        const result = await client.query(
          `DELETE FROM ${dependent.table} WHERE ${dependent.where}`,
          [ids],
        );
        if ((result.rowCount ?? 0) > 0)
          deleted[displayTable(dependent.table)] = result.rowCount ?? 0;
      }
      const result = await client.query(
        "DELETE FROM public.users WHERE id::text = ANY($1::text[])",
        [ids],
      );
      deleted.users = result.rowCount ?? 0;
    }
    await client.query("COMMIT");
    return { environment, applied: true, users, deleted, ...authIds(found) };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

const listCounts = (counts: Record<string, number>) =>
  Object.keys(counts).length === 0
    ? "none"
    : Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([table, n]) => `${table} ${n}`)
        .join(", ");

export function renderCleanup(report: CleanupReport): string {
  const others = TEST_TAGS.filter((e) => e !== report.environment)
    .map((e) => `+${e}`)
    .join(", ");
  const lines: string[] = [];
  if (report.users.length === 0) {
    lines.push(`${report.environment}: no test users of other environments (${others}).`);
    return lines.join("\n");
  }
  lines.push(
    `${report.environment}: ${plural(report.users.length, "test user")} of other environments (${others}):`,
  );
  lines.push(
    renderTable(
      ["email", "tag", "user id", "supabase auth id", "dependent rows"],
      report.users.map((user) => [
        user.email,
        user.tag,
        user.id,
        user.authUserId ?? "-",
        listCounts(user.dependents),
      ]),
    ),
  );
  if (!report.applied) {
    lines.push(
      `Dry run: nothing deleted. Run gaia-db cleanup-test-users ${report.environment} --apply${report.environment === "production" ? " --confirm production" : ""} to delete these users and their dependent rows in one transaction.`,
    );
    return lines.join("\n");
  }
  const { users = 0, ...dependents } = report.deleted;
  const rows = Object.values(dependents).reduce((sum, n) => sum + n, 0);
  lines.push(
    `Deleted ${plural(users, "user")} and ${plural(rows, "dependent row")} (${listCounts(dependents)}) in one transaction.`,
  );
  if (report.supabaseAuthUserIds.length > 0) {
    lines.push(
      "Supabase auth users you may now remove (the project is shared by every environment; this tool never changes it):",
      ...report.supabaseAuthUserIds.map((id) => `  ${id}`),
    );
  }
  if (report.usersWithoutAuthId > 0) {
    lines.push(
      `${plural(report.usersWithoutAuthId, "deleted user")} had no auth_user_id: find them in Supabase by email.`,
    );
  }
  return lines.join("\n");
}
