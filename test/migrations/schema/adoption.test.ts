/**
 * The later core files and the other modules meet existing databases, not fresh ones: an adopted
 * database is baselined at core/0001 and then receives core/0002 onwards. Each variant of the live
 * databases (the independent live reference build and its drift patches, test/fixtures/live) must
 * take them, with its rows.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadMigrationSet } from "../../../src/migrations/files";
import { availableDrifts, buildLiveDatabase } from "../../fixtures/live/build";
import { createTestDatabase, dropAll, withClient } from "../../support/postgres";
import { applyFile, createRunnerStandIn, MIGRATIONS_ROOT, rows } from "./helpers";

afterAll(dropAll);

const LATER_FILES = loadMigrationSet(MIGRATIONS_ROOT, ["core", "rbac", "experience"])
  .filter((file) => !(file.module === "core" && file.version === "0001"))
  .map((file) => file.relativePath);

describe("adopting a live database at core/0001", () => {
  const variants: [string, string[]][] = [
    ["reference build", []],
    ...availableDrifts().map((drift): [string, string[]] => [`drift ${drift}`, [drift]]),
  ];

  it.each(variants)("%s takes every later file", async (_label, drift) => {
    const url = await createTestDatabase("gaia_adopt");
    await buildLiveDatabase(url, { drift });
    await withClient(url, async (c) => {
      await createRunnerStandIn(c, "local");
      for (const file of LATER_FILES) {
        await applyFile(c, file);
      }
      // The live rows survived and were brought in line: 16 sources deduplicated to 9, the local
      // dev user tagged with the bound environment, one conversation FK, 'image' allowed.
      expect(
        await rows(
          c,
          `SELECT (SELECT count(*)::int FROM asset_sources) AS sources,
                  (SELECT count(DISTINCT source_name)::int FROM asset_sources) AS names,
                  (SELECT string_agg(email || ':' || environment, ',') FROM users) AS users,
                  (SELECT count(*)::int FROM pg_constraint
                    WHERE conrelid = 'chat_messages'::regclass AND contype = 'f'
                      AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                           WHERE attrelid = 'chat_messages'::regclass
                                             AND attname = 'conversation_id')]) AS conversation_fks,
                  (SELECT pg_get_constraintdef(oid) LIKE '%''image''%' FROM pg_constraint
                    WHERE conrelid = 'assets'::regclass AND conname = 'valid_category') AS image_ok`,
        ),
      ).toEqual([
        {
          sources: 9,
          names: 9,
          users: "dev@gaia.local:local",
          conversation_fks: 1,
          image_ok: true,
        },
      ]);
      const tables = await rows(
        c,
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
      );
      expect(tables).toEqual([{ n: 35 }]);
    });
  });
});
