/**
 * The statement observer of migrate (what the schema review measures with): called around every
 * statement, inside the statement's transaction, with the error of a failing one; migrate's work
 * and ledger are the same with or without it.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { StatementEvent, StatementObserver } from "../../../src/migrations/apply";
import { migrate } from "../../../src/migrations/commands/migrate";
import { dropAll } from "../../support/postgres";
import { failure, q, removeTrees, setupRun } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

/** Records each call, and what the migrating session holds on table t at that moment. */
function recorder() {
  const calls: unknown[] = [];
  const locksOnT = async (e: StatementEvent) => {
    if (!e.inTransaction) return "(bare)";
    const { rows } = await e.db.query<{ modes: string | null }>(
      `SELECT string_agg(mode, ',' ORDER BY mode) AS modes FROM pg_locks
        WHERE pid = pg_backend_pid() AND relation = to_regclass('public.t')`,
    );
    return rows[0]?.modes ?? null;
  };
  const observer: StatementObserver = {
    async beforeStatement(e) {
      calls.push([
        "before",
        e.file.relativePath,
        e.index,
        e.statement.line,
        e.inTransaction,
        await locksOnT(e),
      ]);
    },
    async afterStatement(e) {
      const error = e.error === undefined ? null : (e.error as Error).message;
      calls.push([
        "after",
        e.file.relativePath,
        e.index,
        e.inTransaction,
        error === null ? await locksOnT(e) : error,
      ]);
    },
  };
  return { calls, observer };
}

const FILES = {
  "core/0001_t.sql": "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (1);\n",
  "core/0002_alter.sql": "ALTER TABLE t ADD COLUMN u text;\nCREATE INDEX t_id ON t (id);\n",
  "core/0003_concurrently.sql":
    "-- gaia:no-transaction\nALTER TABLE t ALTER COLUMN u SET DEFAULT 'x';\nCREATE INDEX CONCURRENTLY t_u ON t (u);\n",
};

describe("migrate's statement observer", () => {
  it("sees every statement inside its transaction, and bare statements as bare", async () => {
    const { opts } = await setupRun("gaia_obs", FILES);
    const { calls, observer } = recorder();
    await migrate(opts({ observe: observer }));
    expect(calls).toEqual([
      ["before", "core/0001_t.sql", 0, 1, true, null],
      ["after", "core/0001_t.sql", 0, true, "AccessExclusiveLock"],
      ["before", "core/0001_t.sql", 1, 2, true, "AccessExclusiveLock"],
      ["after", "core/0001_t.sql", 1, true, "AccessExclusiveLock,RowExclusiveLock"],
      ["before", "core/0002_alter.sql", 0, 1, true, null],
      ["after", "core/0002_alter.sql", 0, true, "AccessExclusiveLock"],
      ["before", "core/0002_alter.sql", 1, 2, true, "AccessExclusiveLock"],
      ["after", "core/0002_alter.sql", 1, true, "AccessExclusiveLock,ShareLock"],
      // A no-transaction file: each statement that may run in a transaction runs in its own.
      ["before", "core/0003_concurrently.sql", 0, 2, true, null],
      ["after", "core/0003_concurrently.sql", 0, true, "AccessExclusiveLock"],
      ["before", "core/0003_concurrently.sql", 1, 3, false, "(bare)"],
      ["after", "core/0003_concurrently.sql", 1, false, "(bare)"],
    ]);
  });

  it("passes a failing statement's error, and migrate fails as it does without an observer", async () => {
    const files = {
      ...FILES,
      "core/0004_unique.sql": "SELECT count(*) FROM t;\nCREATE UNIQUE INDEX t_unique ON t (id);\n",
    };
    const { calls, observer } = recorder();
    const watched = await setupRun("gaia_obs", files);
    const plain = await setupRun("gaia_obs", files);
    const withObserver = await failure(migrate(watched.opts({ observe: observer })));
    const without = await failure(migrate(plain.opts()));
    expect(withObserver.message).toBe(without.message);
    expect(calls.slice(-2)).toEqual([
      ["before", "core/0004_unique.sql", 1, 2, true, "AccessShareLock"],
      ["after", "core/0004_unique.sql", 1, true, 'could not create unique index "t_unique"'],
    ]);
    const ledger =
      "SELECT module, version, statements_applied, finished_at IS NOT NULL AS done FROM gaia_migrations.applied ORDER BY 1, 2";
    expect(await q(watched.url, ledger)).toEqual(await q(plain.url, ledger));
  });
});
