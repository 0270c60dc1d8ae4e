import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { type ForeignKeyEdge, planDependents, renderCleanup } from "../../src/operations/cleanup";
import { dropAll, withClient } from "../support/postgres";
import { captureIo, prepareEnvironmentDatabase } from "./support";

afterAll(dropAll);

const edge = (
  child: string,
  childColumns: string[],
  parent: string,
  parentColumns: string[],
  onDelete: ForeignKeyEdge["onDelete"] = "no action",
): ForeignKeyEdge => ({
  constraint: `${child}_fk`,
  child,
  childColumns,
  parent,
  parentColumns,
  onDelete,
});

const U = "id::text = ANY($1::text[])";

describe("planDependents", () => {
  it.each<[string, ForeignKeyEdge[], { table: string; effect: string; where: string }[]]>([
    ["no dependents", [], []],
    [
      "live core keys: chat_messages reached directly and through conversations, deleted first",
      [
        edge("public.api_keys", ["user_id"], "public.users", ["id"], "cascade"),
        edge(
          "public.chat_messages",
          ["conversation_id"],
          "public.conversations",
          ["id"],
          "cascade",
        ),
        edge("public.chat_messages", ["user_id"], "public.users", ["id"]),
        edge("public.conversations", ["user_id"], "public.users", ["id"], "cascade"),
      ],
      [
        {
          table: "public.api_keys",
          effect: "delete",
          where: `(("user_id") IN (SELECT "id" FROM public.users WHERE ${U}))`,
        },
        {
          table: "public.chat_messages",
          effect: "delete",
          where: `(("user_id") IN (SELECT "id" FROM public.users WHERE ${U})) OR (("conversation_id") IN (SELECT "id" FROM public.conversations WHERE (("user_id") IN (SELECT "id" FROM public.users WHERE ${U}))))`,
        },
        {
          table: "public.conversations",
          effect: "delete",
          where: `(("user_id") IN (SELECT "id" FROM public.users WHERE ${U}))`,
        },
      ],
    ],
    [
      "set null detaches without following; a cycle is not followed; unrelated keys ignored",
      [
        edge("public.audit", ["actor"], "public.users", ["id"], "set null"),
        edge("public.audit_notes", ["audit_id"], "public.audit", ["id"]),
        edge("public.teams", ["owner"], "public.users", ["id"]),
        edge("public.teams", ["parent_team"], "public.teams", ["id"]),
        edge("public.personas_x", ["persona"], "public.personas", ["id"]),
      ],
      [
        {
          table: "public.teams",
          effect: "delete",
          where: `(("owner") IN (SELECT "id" FROM public.users WHERE ${U}))`,
        },
        {
          table: "public.audit",
          effect: "set null",
          where: `(("actor") IN (SELECT "id" FROM public.users WHERE ${U}))`,
        },
      ],
    ],
    [
      "a table reached late through a second parent still gets every path before its children",
      [
        edge("public.a", ["user_id"], "public.users", ["id"]),
        edge("public.b", ["user_id"], "public.users", ["id"]),
        edge("public.a", ["b_id"], "public.b", ["id"]),
        edge("public.c", ["a_id"], "public.a", ["id"]),
      ],
      [
        {
          table: "public.c",
          effect: "delete",
          where: `(("a_id") IN (SELECT "id" FROM public.a WHERE (("user_id") IN (SELECT "id" FROM public.users WHERE ${U})) OR (("b_id") IN (SELECT "id" FROM public.b WHERE (("user_id") IN (SELECT "id" FROM public.users WHERE ${U}))))))`,
        },
        {
          table: "public.a",
          effect: "delete",
          where: `(("user_id") IN (SELECT "id" FROM public.users WHERE ${U})) OR (("b_id") IN (SELECT "id" FROM public.b WHERE (("user_id") IN (SELECT "id" FROM public.users WHERE ${U}))))`,
        },
        {
          table: "public.b",
          effect: "delete",
          where: `(("user_id") IN (SELECT "id" FROM public.users WHERE ${U}))`,
        },
      ],
    ],
  ])("%s", (_name, edges, expected) => {
    expect(planDependents(edges)).toEqual(expected);
  });
});

// Fixed ids make the expected output exact.
const ANN = "00000000-0000-4000-8000-00000000000a";
const BOB = "00000000-0000-4000-8000-00000000000b";
const CARL = "00000000-0000-4000-8000-00000000000c";
const DANA = "00000000-0000-4000-8000-00000000000d";
const ERIN = "00000000-0000-4000-8000-00000000000e";
const AUTH_ANN = "11111111-1111-4111-8111-11111111111a";

async function seededDatabase(environment: string) {
  const db = await prepareEnvironmentDatabase(environment);
  await withClient(db.url, async (client) => {
    await client.query(`
      CREATE TABLE message_reactions (
        id serial PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES chat_messages(id));
      CREATE TABLE audit_log (
        id serial PRIMARY KEY,
        user_id uuid REFERENCES users(id) ON DELETE SET NULL);
      INSERT INTO users (id, email, auth_user_id) VALUES
        ('${ANN}', 'ann+local@example.com', '${AUTH_ANN}'),
        ('${BOB}', 'bob+dev@example.com', NULL),
        ('${CARL}', 'carl+staging@example.com', NULL),
        ('${DANA}', 'dana@example.com', NULL),
        ('${ERIN}', 'erin+news@example.com', NULL);
      INSERT INTO api_keys (user_id, key_hash) VALUES ('${ANN}', 'k1'), ('${BOB}', 'k2');
      INSERT INTO conversations (id, user_id) VALUES
        ('20000000-0000-4000-8000-00000000000a', '${ANN}'),
        ('20000000-0000-4000-8000-00000000000b', '${BOB}');
      INSERT INTO chat_messages (id, user_id, conversation_id, role, content) VALUES
        ('30000000-0000-4000-8000-000000000001', '${ANN}', '20000000-0000-4000-8000-00000000000a', 'user', 'hi'),
        ('30000000-0000-4000-8000-000000000002', '${ANN}', '20000000-0000-4000-8000-00000000000a', 'assistant', 'hello'),
        ('30000000-0000-4000-8000-000000000003', '${ANN}', '20000000-0000-4000-8000-00000000000b', 'user', 'in bob''s'),
        ('30000000-0000-4000-8000-000000000004', '${BOB}', '20000000-0000-4000-8000-00000000000b', 'user', 'bob');
      INSERT INTO message_reactions (message_id) VALUES ('30000000-0000-4000-8000-000000000001');
      INSERT INTO audit_log (user_id) VALUES ('${ANN}'), ('${BOB}');
    `);
  });
  return db;
}

async function cleanup(args: string[]) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const { io, stdout, stderr } = captureIo(env);
  const code = await runCli(["cleanup-test-users", ...args], io);
  return { code, out: stdout.text, err: stderr.text };
}

const snapshot = (url: string) =>
  withClient(url, async (client) => {
    const q = async (sql: string) => (await client.query(sql)).rows;
    return {
      users: (await q("SELECT email FROM users ORDER BY email")).map((r) => r.email),
      api_keys: (await q("SELECT key_hash FROM api_keys ORDER BY 1")).map((r) => r.key_hash),
      conversations: (await q("SELECT user_id::text FROM conversations ORDER BY 1")).map(
        (r) => r.user_id,
      ),
      chat_messages: (await q("SELECT content FROM chat_messages ORDER BY 1")).map(
        (r) => r.content,
      ),
      message_reactions: Number((await q("SELECT count(*) FROM message_reactions"))[0].count),
      audit_log: (await q("SELECT user_id::text FROM audit_log ORDER BY id")).map((r) => r.user_id),
    };
  });

describe("gaia-db cleanup-test-users", () => {
  it("dry run in dev lists +local and +staging users with their dependents per table, and changes nothing", async () => {
    const db = await seededDatabase("dev");
    const before = await snapshot(db.url);
    const result = await cleanup(["dev", "--database-url", db.url]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        "dev: 2 test users of other environments (+local, +staging):",
        "email                    | tag     | user id                              | supabase auth id                     | dependent rows",
        "-------------------------+---------+--------------------------------------+--------------------------------------+------------------------------------------------------------------------------------------",
        `ann+local@example.com    | local   | ${ANN} | ${AUTH_ANN} | api_keys 1, audit_log (set null) 1, chat_messages 3, conversations 1, message_reactions 1`,
        `carl+staging@example.com | staging | ${CARL} | -                                    | none`,
        "Dry run: nothing deleted. Run gaia-db cleanup-test-users dev --apply to delete these users and their dependent rows in one transaction.",
        "",
      ].join("\n"),
    );
    expect(await snapshot(db.url)).toEqual(before);
  });

  it("a plain DELETE of the users fails on the non-cascading chat_messages key (why dependents go first)", async () => {
    const db = await seededDatabase("dev");
    await expect(
      withClient(db.url, (client) => client.query(`DELETE FROM users WHERE id = '${ANN}'`)),
    ).rejects.toThrow(/violates foreign key constraint "chat_messages_user_id_fkey"/);
  });

  it("--apply deletes dependents children-first and the users in one transaction, sparing dev users", async () => {
    const db = await seededDatabase("dev");
    const result = await cleanup(["dev", "--apply", "--database-url", db.url]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out.split("\n").slice(-5)).toEqual([
      "Deleted 2 users and 6 dependent rows (api_keys 1, chat_messages 3, conversations 1, message_reactions 1) in one transaction.",
      "Supabase auth users you may now remove (the project is shared by every environment; this tool never changes it):",
      `  ${AUTH_ANN}`,
      "1 deleted user had no auth_user_id: find them in Supabase by email.",
      "",
    ]);
    expect(await snapshot(db.url)).toEqual({
      users: ["bob+dev@example.com", "dana@example.com", "erin+news@example.com"],
      api_keys: ["k2"],
      conversations: [BOB],
      chat_messages: ["bob"],
      message_reactions: 0,
      audit_log: [null, BOB],
    });
    // A second run finds nothing.
    expect((await cleanup(["dev", "--database-url", db.url])).out).toBe(
      "dev: no test users of other environments (+local, +staging).\n",
    );
  });

  it("in production every tagged user is a test user; --apply needs --confirm production", async () => {
    const db = await seededDatabase("production");
    const refused = await cleanup(["production", "--apply", "--database-url", db.url]);
    expect(refused).toEqual({
      code: 3,
      out: "",
      err: "gaia-db: cleanup-test-users production --apply: deleting in production needs --confirm production\n",
    });
    const json = await cleanup(["production", "--json", "--database-url", db.url]);
    const report = JSON.parse(json.out);
    expect(report.users.map((u: { email: string }) => u.email)).toEqual([
      "ann+local@example.com",
      "bob+dev@example.com",
      "carl+staging@example.com",
    ]);
    expect(report.users[1]).toEqual({
      id: BOB,
      email: "bob+dev@example.com",
      tag: "dev",
      authUserId: null,
      // Ann's message in Bob's conversation goes with the conversation.
      dependents: { api_keys: 1, "audit_log (set null)": 1, chat_messages: 2, conversations: 1 },
    });
    const done = await cleanup([
      "production",
      "--apply",
      "--confirm",
      "production",
      "--json",
      "--database-url",
      db.url,
    ]);
    expect(JSON.parse(done.out).deleted).toEqual({
      api_keys: 2,
      chat_messages: 4,
      conversations: 2,
      message_reactions: 1,
      users: 3,
    });
    expect((await snapshot(db.url)).users).toEqual(["dana@example.com", "erin+news@example.com"]);
  });

  it("--apply refuses a database bound to another environment; the dry run still lists", async () => {
    const db = await seededDatabase("production");
    const before = await snapshot(db.url);
    const refused = await cleanup(["dev", "--apply", "--database-url", db.url]);
    expect(refused).toEqual({
      code: 3,
      out: "",
      err: 'gaia-db: cleanup-test-users dev --apply: the database is bound to "production", not "dev": pass the right environment (and --confirm production for production)\n',
    });
    expect(await snapshot(db.url)).toEqual(before);
    const dry = await cleanup(["dev", "--database-url", db.url]);
    expect(dry.code).toBe(0);
    expect(await snapshot(db.url)).toEqual(before);
  });

  it("with isolation enforced, rows from before it are still cleaned up while new ones are refused", async () => {
    const db = await seededDatabase("production");
    await withClient(db.url, (client) =>
      client.query("UPDATE gaia_migrations.binding SET isolation_enforced = true"),
    );
    await expect(
      withClient(db.url, (client) =>
        client.query("INSERT INTO users (email) VALUES ('new+dev@example.com')"),
      ),
    ).rejects.toThrow(
      'user new+dev@example.com belongs to environment "dev" but this database serves "production"',
    );
    const done = await cleanup([
      "production",
      "--apply",
      "--confirm",
      "production",
      "--json",
      "--database-url",
      db.url,
    ]);
    expect(JSON.parse(done.out).deleted.users).toBe(3);
    expect((await snapshot(db.url)).users).toEqual(["dana@example.com", "erin+news@example.com"]);
  });

  it("a failure inside --apply rolls everything back", async () => {
    const db = await seededDatabase("dev");
    // A trigger that refuses to delete one chat message stands in for any failure mid-way.
    await withClient(db.url, (client) =>
      client.query(`
        CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'kept by policy'; END $$;
        CREATE TRIGGER keep BEFORE DELETE ON conversations FOR EACH ROW EXECUTE FUNCTION refuse();`),
    );
    const before = await snapshot(db.url);
    const result = await cleanup(["dev", "--apply", "--database-url", db.url]);
    expect(result).toEqual({ code: 1, out: "", err: "gaia-db: kept by policy\n" });
    expect(await snapshot(db.url)).toEqual(before);
  });

  it("renders the report of an applied run without auth ids", () => {
    expect(
      renderCleanup({
        environment: "staging",
        applied: true,
        users: [{ id: CARL, email: "carl+dev@x.io", tag: "dev", authUserId: null, dependents: {} }],
        deleted: { users: 1 },
        supabaseAuthUserIds: [],
        usersWithoutAuthId: 1,
      }),
    ).toBe(
      [
        "staging: 1 test user of other environments (+local, +dev):",
        "email         | tag | user id                              | supabase auth id | dependent rows",
        "--------------+-----+--------------------------------------+------------------+---------------",
        `carl+dev@x.io | dev | ${CARL} | -                | none`,
        "Deleted 1 user and 0 dependent rows (none) in one transaction.",
        "1 deleted user had no auth_user_id: find them in Supabase by email.",
      ].join("\n"),
    );
  });
});
