/**
 * The table filler on the real PostgreSQL 15 of the test run: types (arrays, jsonb, uuid,
 * timestamps, an enum, numeric), NOT NULL, CHECKs it can read and one it cannot, unique keys
 * (one of them made of a foreign key and a fixed list only), a self-reference, a cycle through
 * nullable references and one through NOT NULL ones, and a trigger that refuses NULLs.
 */
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { fillTables } from "../../src/review/fill";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

afterAll(dropAll);

const SCHEMA = `
CREATE TYPE mood AS ENUM ('calm', 'busy', 'gone');
CREATE TABLE teams (
    id uuid PRIMARY KEY,
    name varchar(12) NOT NULL UNIQUE,
    parent_id uuid REFERENCES teams (id),
    tags text[] NOT NULL CHECK (cardinality(tags) > 0),
    perms text[] CHECK (perms <@ ARRAY['read', 'write']),
    settings jsonb NOT NULL DEFAULT '{}',
    mood mood,
    level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    score numeric(4,2) CHECK (score >= 0 AND score < 10),
    created_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL CHECK (kind IN ('a', 'b'))
);
CREATE TABLE members (
    team_id uuid NOT NULL REFERENCES teams (id),
    role text NOT NULL CHECK (role IN ('owner', 'member')),
    joined date,
    PRIMARY KEY (team_id, role)
);
CREATE TABLE a (id serial PRIMARY KEY, b_id int);
CREATE TABLE b (id serial PRIMARY KEY, a_id int REFERENCES a (id));
ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id);
CREATE TABLE x (id int PRIMARY KEY, y_id int NOT NULL);
CREATE TABLE y (id int PRIMARY KEY, x_id int NOT NULL REFERENCES x (id));
ALTER TABLE x ADD FOREIGN KEY (y_id) REFERENCES y (id);
CREATE TABLE codes (code text NOT NULL CHECK (code ~ '^[A-Z]{3}$'));
CREATE TABLE code_uses (code_id int NOT NULL, note text);
CREATE TABLE notes (id int PRIMARY KEY, body text DEFAULT 'x', seen boolean);
CREATE FUNCTION notes_body() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body IS NULL THEN RAISE EXCEPTION 'notes need a body'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER notes_body BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION notes_body();
`;

async function filled(seed: number, rows = 200) {
  const url = await createTestDatabase("gaia_fill");
  await withClient(url, (c) => c.query(SCHEMA));
  const report = await withClient(url, (c) => fillTables(c, { rows, seed }));
  return { url, report };
}

/** Every table's rows, as text in a fixed order: equal for equal data. */
async function contents(url: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await withClient(url, async (c: pg.Client) => {
    for (const t of ["teams", "members", "a", "b", "notes"]) {
      const { rows } = await c.query(
        `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C")) AS h FROM ${t} t`,
      );
      out[t] = rows[0].h;
    }
  });
  return out;
}

const one = async (url: string, sql: string) =>
  withClient(url, async (c) => (await c.query(sql)).rows[0]);

describe("fillTables", () => {
  it("fills what it can, in order, and says why it skipped the rest", async () => {
    const { url, report } = await filled(1);
    expect(
      report.tables.map((t) => [
        t.table,
        t.rows,
        t.generated,
        t.failedCheck,
        t.duplicateKey,
        t.note,
      ]),
    ).toEqual([
      ["a", 200, 200, 0, 0, null],
      ["b", 200, 200, 0, 0, null],
      ["code_uses", 200, 200, 0, 0, null],
      ["teams", 200, 200, 0, 0, null],
      ["members", 200, 200, 0, 0, null],
      [
        "notes",
        200,
        200,
        0,
        0,
        "generated without NULLs in columns that have a default, as rows with them were refused: notes need a body",
      ],
    ]);
    expect(report.skipped).toEqual([
      {
        table: "codes",
        reason: "no generated row satisfies CHECK `codes_code_check` ((code ~ '^[A-Z]{3}$'::text))",
      },
      {
        table: "x",
        reason:
          "its foreign keys form a cycle through NOT NULL columns (tables `x`, `y`), which no order of inserts satisfies",
      },
      {
        table: "y",
        reason:
          "its foreign keys form a cycle through NOT NULL columns (tables `x`, `y`), which no order of inserts satisfies",
      },
    ]);
    // NULLs and repeated values wherever the schema allows them; distinct values where it does not.
    expect(
      await one(
        url,
        `SELECT count(*) FILTER (WHERE mood IS NULL)::int AS null_moods,
                count(DISTINCT mood)::int AS moods,
                count(*) FILTER (WHERE perms IS NULL)::int AS null_perms,
                count(DISTINCT tags)::int AS tag_sets,
                count(DISTINCT name)::int AS names,
                count(DISTINCT level)::int AS levels,
                min(level)::int AS min_level, max(level)::int AS max_level,
                count(DISTINCT settings)::int AS settings,
                count(*) FILTER (WHERE parent_id IS NULL)::int AS roots,
                count(*) FILTER (WHERE parent_id = id)::int AS own_parent
           FROM teams`,
      ),
    ).toEqual({
      null_moods: 18,
      moods: 3,
      null_perms: 21,
      tag_sets: 49,
      names: 200,
      levels: 5,
      min_level: 1,
      max_level: 5,
      settings: 47,
      roots: 22,
      own_parent: 0,
    });
    // Each team once per role: the key walks through every (team, role) pair.
    expect(
      await one(
        url,
        "SELECT count(DISTINCT team_id)::int AS teams, count(DISTINCT role)::int AS roles FROM members",
      ),
    ).toEqual({ teams: 100, roles: 2 });
    // The cycle a → b → a: both filled, the closing reference set afterwards.
    expect(await one(url, "SELECT count(b_id)::int AS set, count(*)::int AS rows FROM a")).toEqual({
      set: 179,
      rows: 200,
    });
    expect(await one(url, "SELECT count(*)::int AS n FROM notes WHERE body IS NULL")).toEqual({
      n: 0,
    });
  });

  it("gives the same rows for the same seed, other rows for another", async () => {
    const first = await filled(7);
    const again = await filled(7);
    const other = await filled(8);
    expect(await contents(again.url)).toEqual(await contents(first.url));
    const differ = await contents(other.url);
    const same = await contents(first.url);
    expect(Object.keys(differ).filter((t) => differ[t] === same[t])).toEqual([]);
  });
});
