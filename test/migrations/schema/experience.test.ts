import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropAll, withClient } from "../../support/postgres";
import { applyModules, boundDatabase, indexDefs, pgError, rows } from "./helpers";

let url: string;

beforeAll(async () => {
  url = await boundDatabase("staging");
  await withClient(url, (c) => applyModules(c, ["core", "experience"]));
});

afterAll(dropAll);

function db<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(url, fn);
}

/** A user with a profile, one experience in progress and one event; returns their ids. */
async function player(c: pg.Client, email: string) {
  const user = (
    await c.query<{ id: string }>("INSERT INTO users (email) VALUES ($1) RETURNING id", [email])
  ).rows[0]!.id;
  const profile = (
    await c.query<{ id: string }>(
      "INSERT INTO player_profiles (user_id) VALUES ($1) RETURNING id",
      [user],
    )
  ).rows[0]!.id;
  const progress = (
    await c.query<{ id: string }>(
      `INSERT INTO experience_progress (player_id, experience_id, state)
       VALUES ($1, 'wylding-woods', '{"visited_waypoints": ["a", "b"], "inventory": ["lantern"]}')
       RETURNING id`,
      [profile],
    )
  ).rows[0]!.id;
  await c.query(
    `INSERT INTO player_progress_events (experience_progress_id, event_type, content_id, data, location_lat, location_lng)
     VALUES ($1, 'waypoint_visited', 'a', '{"xp": 10}', 37.77, -122.42)`,
    [progress],
  );
  return { user, profile, progress };
}

describe("experience module on top of core", () => {
  it("creates the 3 tables with their defaults", async () => {
    await db(async (c) => {
      const { profile, progress } = await player(c, "p1@example.com");
      expect(
        await rows(
          c,
          `SELECT total_experiences_played, total_playtime_seconds, total_distance_meters, account_level, stats
             FROM player_profiles WHERE id = $1`,
          [profile],
        ),
      ).toEqual([
        {
          total_experiences_played: 0,
          total_playtime_seconds: 0,
          total_distance_meters: 0,
          account_level: 1,
          stats: {},
        },
      ]);
      expect(
        await rows(
          c,
          "SELECT playtime_seconds, completion_percentage FROM experience_progress WHERE id = $1",
          [progress],
        ),
      ).toEqual([{ playtime_seconds: 0, completion_percentage: 0 }]);
      const tables = await rows<{ name: string }>(
        c,
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      );
      expect(tables).toHaveLength(22);
    });
  });

  it("cascades deletes from users down to events", async () => {
    await db(async (c) => {
      const a = await player(c, "cascade-a@example.com");
      const b = await player(c, "cascade-b@example.com");
      await c.query("DELETE FROM users WHERE id = $1", [a.user]);
      const remaining = await rows(
        c,
        `SELECT (SELECT count(*)::int FROM player_profiles WHERE id IN ($1, $2)) AS profiles,
                (SELECT count(*)::int FROM experience_progress WHERE id IN ($3, $4)) AS progress,
                (SELECT count(*)::int FROM player_progress_events WHERE experience_progress_id IN ($3, $4)) AS events`,
        [a.profile, b.profile, a.progress, b.progress],
      );
      expect(remaining).toEqual([{ profiles: 1, progress: 1, events: 1 }]);
      await c.query("DELETE FROM experience_progress WHERE id = $1", [b.progress]);
      expect(
        await rows(
          c,
          "SELECT count(*)::int AS n FROM player_progress_events WHERE experience_progress_id = $1",
          [b.progress],
        ),
      ).toEqual([{ n: 0 }]);
    });
  });

  it("rejects out-of-range values, empty names and duplicates", async () => {
    await db(async (c) => {
      const { profile, progress } = await player(c, "checks@example.com");
      const cases: [string, string, unknown[]][] = [
        [
          "experience_progress_completion_range",
          "UPDATE experience_progress SET completion_percentage = 100.5 WHERE id = $1",
          [progress],
        ],
        [
          "experience_progress_completion_range",
          "UPDATE experience_progress SET completion_percentage = -1 WHERE id = $1",
          [progress],
        ],
        [
          "experience_progress_playtime_non_negative",
          "UPDATE experience_progress SET playtime_seconds = -5 WHERE id = $1",
          [progress],
        ],
        [
          "experience_progress_completed_after_start",
          "UPDATE experience_progress SET started_at = '2025-01-02', completed_at = '2025-01-01' WHERE id = $1",
          [progress],
        ],
        [
          "experience_progress_experience_id_not_empty",
          "INSERT INTO experience_progress (player_id, experience_id) VALUES ($1, '  ')",
          [profile],
        ],
        [
          "experience_progress_player_experience_key",
          "INSERT INTO experience_progress (player_id, experience_id) VALUES ($1, 'wylding-woods')",
          [profile],
        ],
        [
          "player_profiles_counters_non_negative",
          "UPDATE player_profiles SET total_playtime_seconds = -1 WHERE id = $1",
          [profile],
        ],
        [
          "player_profiles_account_level_positive",
          "UPDATE player_profiles SET account_level = 0 WHERE id = $1",
          [profile],
        ],
        [
          "player_profiles_user_id_key",
          "INSERT INTO player_profiles (user_id) SELECT user_id FROM player_profiles WHERE id = $1",
          [profile],
        ],
        [
          "player_progress_events_event_type_not_empty",
          "INSERT INTO player_progress_events (experience_progress_id, event_type) VALUES ($1, '')",
          [progress],
        ],
        [
          "player_progress_events_location_range",
          "INSERT INTO player_progress_events (experience_progress_id, event_type, location_lat) VALUES ($1, 'quest_started', 91)",
          [progress],
        ],
      ];
      for (const [constraint, sql, values] of cases) {
        const error = await pgError(() => c.query(sql, values));
        expect({ sql, constraint: error.constraint }).toEqual({ sql, constraint });
      }
      await c.query(
        "UPDATE experience_progress SET completion_percentage = 100, started_at = '2025-01-01', completed_at = '2025-01-01' WHERE id = $1",
        [progress],
      );
    });
  });

  it("refreshes updated_at on update", async () => {
    await db(async (c) => {
      const { profile, progress } = await player(c, "touch@example.com");
      await c.query(
        "UPDATE player_profiles SET updated_at = '2000-01-01', created_at = '2000-01-01' WHERE id = $1",
        [profile],
      );
      await c.query("UPDATE experience_progress SET updated_at = '2000-01-01' WHERE id = $1", [
        progress,
      ]);
      const stale = await rows(
        c,
        `SELECT (SELECT updated_at > '2001-01-01' FROM player_profiles WHERE id = $1) AS profile,
                (SELECT updated_at > '2001-01-01' FROM experience_progress WHERE id = $2) AS progress`,
        [profile, progress],
      );
      // The trigger overrides any value written by the UPDATE itself.
      expect(stale).toEqual([{ profile: true, progress: true }]);
    });
  });

  it("indexes jsonb state as jsonb (no GIN over text) and has no redundant indexes", async () => {
    await db(async (c) => {
      const progressIdx = await indexDefs(c, "experience_progress");
      expect(progressIdx.idx_experience_progress_visited).toBe(
        "CREATE INDEX idx_experience_progress_visited ON public.experience_progress USING gin (((state -> 'visited_waypoints'::text)))",
      );
      expect(Object.keys(progressIdx)).toEqual([
        "experience_progress_pkey",
        "experience_progress_player_experience_key",
        "idx_experience_progress_completion",
        "idx_experience_progress_experience_id",
        "idx_experience_progress_inventory",
        "idx_experience_progress_last_played",
        "idx_experience_progress_visited",
      ]);
    });
  });
});
