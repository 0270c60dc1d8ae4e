/**
 * --timeout bounds every statement of the operations commands, not only the connection: a table
 * locked by another session (a migration, a long transaction) must not hold a dry run, a
 * read-only view or a survey forever. Each run below meets a users table locked in ACCESS
 * EXCLUSIVE mode and must fail within a few seconds with the reason and what to do.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { acrossEnvironments } from "../../src/operations/survey";
import { verifyEnvironment } from "../../src/operations/verifyAll";
import { dropAll } from "../support/postgres";
import { captureIo, type PreparedDatabase, prepareEnvironmentDatabase } from "./support";

let db: PreparedDatabase;
let holder: pg.Client;

beforeAll(async () => {
  db = await prepareEnvironmentDatabase("dev");
  holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query("BEGIN");
  await holder.query("LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE");
});
afterAll(async () => {
  await holder.query("ROLLBACK").catch(() => {});
  await holder.end().catch(() => {});
  await dropAll();
});

const env = () => {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.DATABASE_URL;
  return e;
};

/** Runs the CLI; a run still waiting after `limitMs` fails the test instead of hanging it. */
async function run(args: string[], limitMs = 15_000) {
  const { io, stdout, stderr } = captureIo(env());
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    runCli(args, io),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`still waiting after ${limitMs} ms`), limitMs);
    }),
  ]).finally(() => clearTimeout(timer));
  return { code, out: stdout.text, err: stderr.text, ms: Date.now() - started };
}

const TIMED_OUT =
  "cancelled by the statement timeout (1 s, --timeout): canceling statement due to statement timeout; another session may hold a lock on what it reads; nothing was changed; run it again later, or raise --timeout";

describe("--timeout against a locked table", () => {
  it("cleanup-test-users: the dry run stops at --timeout", async () => {
    const result = await run([
      "cleanup-test-users",
      "dev",
      "--database-url",
      db.url,
      "--timeout",
      "1s",
    ]);
    expect(result).toMatchObject({ code: 1, out: "", err: `gaia-db: ${TIMED_OUT}\n` });
    expect(result.ms).toBeLessThan(10_000);
  });

  it("cleanup-test-users --apply stops at --timeout", async () => {
    const result = await run([
      "cleanup-test-users",
      "dev",
      "--apply",
      "--database-url",
      db.url,
      "--timeout",
      "1s",
    ]);
    expect(result).toMatchObject({ code: 1, out: "", err: `gaia-db: ${TIMED_OUT}\n` });
  });

  it("view (read-only) stops at --timeout", async () => {
    const result = await run(["view", "dev", "--database-url", db.url, "--timeout", "1s"]);
    expect(result).toMatchObject({ code: 1, out: "", err: `gaia-db: ${TIMED_OUT}\n` });
  });

  it("view --write stops at --timeout", async () => {
    const result = await run([
      "view",
      "dev",
      "DELETE FROM users",
      "--write",
      "--database-url",
      db.url,
      "--timeout",
      "1s",
    ]);
    expect(result).toMatchObject({ code: 1, out: "", err: `gaia-db: ${TIMED_OUT}\n` });
  });

  it("verify all: the environment's statements stop at --timeout and its connection closes", async () => {
    const started = Date.now();
    const outcomes = await acrossEnvironments(
      { env: { DATABASE_URL: db.url }, timeoutMs: 1000 },
      (client, environment, route) => verifyEnvironment(client, environment, route),
      ["dev"],
    );
    expect(outcomes).toEqual([{ environment: "dev", reachable: false, reason: TIMED_OUT }]);
    expect(Date.now() - started).toBeLessThan(10_000);
    // No session of the run is left waiting on the lock.
    const waiting = await holder.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    expect(waiting.rows).toEqual([{ n: 0 }]);
  });
});
