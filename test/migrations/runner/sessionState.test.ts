/** What a file left on the session, and what puts it back: pure, table-driven. */
import { describe, expect, it } from "vitest";
import {
  lockLostError,
  resetSettingsSql,
  restoreStatements,
  type SessionState,
  sessionChanges,
  sessionWarning,
  unlockStatement,
} from "../../../src/migrations/sessionState";

const state = (over: Partial<SessionState> = {}): SessionState => ({
  currentUser: "postgres",
  sessionUser: "postgres",
  settings: { lock_timeout: "10000", statement_timeout: "900000" },
  temporary: [],
  prepared: [],
  cursors: [],
  channels: [],
  advisory: ["advisory lock 7245031820261125"],
  migrationLock: true,
  ...over,
});

describe("sessionChanges and restoreStatements", () => {
  it.each<[string, Partial<SessionState>, string[], string[]]>([
    ["nothing", {}, [], []],
    [
      "a setting set",
      { settings: { lock_timeout: "10000", search_path: "adv", statement_timeout: "900000" } },
      ['search_path set to "adv"'],
      [],
    ],
    [
      "one of the runner's own changed",
      { settings: { lock_timeout: "0", statement_timeout: "900000" } },
      ['lock_timeout "10000" -> "0"'],
      [],
    ],
    [
      "one of the runner's own reset",
      { settings: { lock_timeout: "10000" } },
      ['statement_timeout reset (was "900000")'],
      [],
    ],
    ["SET ROLE", { currentUser: "gaia_app" }, ["role postgres -> gaia_app"], ["RESET ROLE"]],
    [
      "SET SESSION AUTHORIZATION",
      { currentUser: "alice", sessionUser: "alice" },
      ["session authorization postgres -> alice", "role postgres -> alice"],
      ["RESET SESSION AUTHORIZATION", "RESET ROLE"],
    ],
    [
      "temporary objects",
      { temporary: ["function f", "table t"] },
      ["temporary function f, table t left behind"],
      ["DISCARD TEMP"],
    ],
    ["PREPARE", { prepared: ["p"] }, ["prepared statement p left behind"], ["DEALLOCATE ALL"]],
    ["DECLARE … WITH HOLD", { cursors: ["c"] }, ["cursor c held open"], ["CLOSE ALL"]],
    ["LISTEN", { channels: ["jobs"] }, ["LISTEN jobs"], ["UNLISTEN *"]],
    [
      "temporary types, domains and operators",
      { temporary: ["operator ===(integer,integer)", "type mood", "type pos"] },
      ["temporary operator ===(integer,integer), type mood, type pos left behind"],
      ["DISCARD TEMP"],
    ],
    [
      "session advisory locks (the migration lock was there before)",
      {
        advisory: [
          "advisory lock (1, 2)",
          "advisory lock 42",
          "advisory lock 7245031820261125",
          "shared advisory lock -5",
        ],
      },
      ["session advisory lock (1, 2), advisory lock 42, shared advisory lock -5 left held"],
      [
        "DO $$BEGIN WHILE pg_catalog.pg_advisory_unlock(1::int4, 2::int4) LOOP END LOOP; END$$",
        "DO $$BEGIN WHILE pg_catalog.pg_advisory_unlock(42::int8) LOOP END LOOP; END$$",
        "DO $$BEGIN WHILE pg_catalog.pg_advisory_unlock_shared(-5::int8) LOOP END LOOP; END$$",
      ],
    ],
  ])("%s", (_name, after, changes, restore) => {
    expect(sessionChanges(state(), state(after))).toEqual(changes);
    expect(restoreStatements(state(), state(after))).toEqual(restore);
  });
});

const reset = (tag: string, json: string) =>
  `RESET ALL; SELECT pg_catalog.set_config(key, value, false) FROM pg_catalog.json_each_text(${tag}${json}${tag})`;

describe("resetSettingsSql", () => {
  it.each([
    [{}, "RESET ALL"],
    [{ statement_timeout: "900000" }, reset("$gaia0$", '{"statement_timeout":"900000"}')],
    [{ search_path: "$gaia0$" }, reset("$gaia1$", '{"search_path":"$gaia0$"}')],
  ])("%j", (settings, sql) => {
    expect(resetSettingsSql(state({ settings }))).toBe(sql);
  });
});

it("sessionWarning names the file and what changed", () => {
  expect(sessionWarning("core/0001_a.sql", ['search_path set to "adv"', "role a -> b"])).toBe(
    'core/0001_a.sql changed the session: search_path set to "adv"; role a -> b; the runner put it back before the next file, which runs as it would in a separate run (settings that must end with the file: SET LOCAL or set_config(…, true) in a transactional file, or a routine\'s own SET clause)',
  );
});

describe("the migration lock after a file", () => {
  it.each<[string, boolean, boolean, boolean]>([
    ["held before and after", true, true, false],
    ["released by the file", true, false, true],
    ["never held (the baseline's scratch database)", false, false, false],
  ])("%s", (_name, before, after, stops) => {
    const error = lockLostError(
      "core/0002_x.sql",
      state({ migrationLock: before }),
      state({ migrationLock: after }),
    );
    expect(error === null ? null : [error.exitCode, error.message.split(",")[0]]).toEqual(
      stops ? [1, "core/0002_x.sql is applied"] : null,
    );
  });

  it("unlockStatement refuses what is not an advisory lock's name", () => {
    expect(() => unlockStatement("advisory lock 1; DROP TABLE t")).toThrow(
      "not an advisory lock: advisory lock 1; DROP TABLE t",
    );
  });
});
