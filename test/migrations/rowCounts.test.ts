/** Row counts of a database, and what a restored one must hold against a snapshot's window. */
import { afterAll, describe, expect, it } from "vitest";
import { type CountWindow, compareCounts, countRows } from "../../src/migrations/rowCounts";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

afterAll(() => dropAll());

describe("countRows (PostgreSQL 15)", () => {
  it("counts every table outside the system schemas exactly, partitions through their parent", async () => {
    const url = await createTestDatabase("gaia_rowcounts");
    await withClient(url, async (c) => {
      await c.query(`
        CREATE SCHEMA "odd ""schema""";
        CREATE TABLE "odd ""schema""".t (id int);
        INSERT INTO "odd ""schema""".t SELECT generate_series(1, 3);
        CREATE TABLE public.users (id int);
        INSERT INTO public.users SELECT generate_series(1, 1200);
        CREATE TABLE public.events (at date) PARTITION BY RANGE (at);
        CREATE TABLE public.events_2026 PARTITION OF public.events
          FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO public.events VALUES ('2026-02-01'), ('2026-03-01');
        CREATE VIEW public.v AS SELECT 1;
        CREATE TEMP TABLE scratch (id int);
      `);
      expect(await countRows(c)).toEqual({
        'odd "schema".t': 3,
        "public.events": 2,
        "public.users": 1200,
      });
    });
  });
});

describe("compareCounts", () => {
  const window: CountWindow = {
    before: { "public.users": 10, "public.chat_messages": 100, "public.kb": 5 },
    after: { "public.users": 10, "public.chat_messages": 104, "public.kb": 5 },
  };
  it.each<[string, Record<string, number>, string[]]>([
    [
      "exactly what it held, and within the window where it was written to",
      { "public.users": 10, "public.chat_messages": 102, "public.kb": 5 },
      [],
    ],
    [
      "a table untouched in the window with other rows",
      { "public.users": 9, "public.chat_messages": 100, "public.kb": 5 },
      ["public.users: 9 rows, but it had 10 before and after the snapshot"],
    ],
    [
      "a written table outside its window, a missing table, an unknown one",
      { "public.users": 10, "public.chat_messages": 99, "public.extra": 1 },
      [
        "public.chat_messages: 99 rows, outside the 100–104 it had while the snapshot was taken (rows were written then; inserts and deletes together can also do this)",
        "public.kb: missing from the restored database (it had 5 rows)",
        "public.extra: 1 rows, but no such table was counted for the snapshot",
      ],
    ],
  ])("%s", (_name, restored, problems) => {
    expect(compareCounts(window, restored)).toEqual(problems);
  });

  it("a table created or dropped in the window is reported either way", () => {
    expect(
      compareCounts(
        { before: { "public.a": 1 }, after: { "public.b": 2 } },
        { "public.a": 1, "public.b": 2 },
      ),
    ).toEqual([
      "public.a: 1 rows; the table was dropped while the snapshot was taken (1 rows before)",
      "public.b: 2 rows; the table was created while the snapshot was taken (2 rows after)",
    ]);
  });
});
