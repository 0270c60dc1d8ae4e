/**
 * The runner's own session settings (client_connection_check_interval, statement_timeout,
 * lock_timeout, application_name) win over a URL's `?options=` and `?application_name=`; the
 * URL's other settings still apply. Observed from inside a migration on the real server.
 */
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../../src/migrations/commands/migrate";
import { dropAll } from "../../support/postgres";
import { q, removeTrees, runCliProcess, setupRun } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const RECORD_SETTINGS = {
  "core/0001_settings.sql": `CREATE TABLE settings AS SELECT
  current_setting('client_connection_check_interval') AS check_interval,
  current_setting('statement_timeout') AS statement_timeout,
  current_setting('lock_timeout') AS lock_timeout,
  current_setting('application_name') AS application_name,
  current_setting('work_mem') AS work_mem;
`,
};

/** The URL with options that try to switch the runner's settings off, and one of their own. */
const withOptions = (url: string) =>
  `${url}?options=${encodeURIComponent(
    "-c client_connection_check_interval=0 -c statement_timeout=0 -c lock_timeout=0 -c application_name=from-options -c work_mem=12345kB",
  )}&application_name=from-url`;

describe("a URL's options", () => {
  it("cannot change the runner's settings; other settings in them apply (in process)", async () => {
    const { url, opts } = await setupRun("gaia_opts", RECORD_SETTINGS);
    await migrate({ ...opts({ statementTimeoutMs: 20_000 }), databaseUrl: withOptions(url) });
    expect(await q(url, "SELECT * FROM settings")).toEqual([
      {
        check_interval: "1s",
        statement_timeout: "20s",
        lock_timeout: "10s",
        application_name: "gaia-db migrate dev",
        work_mem: "12345kB",
      },
    ]);
  });

  it("cannot change the runner's settings through the binary either", async () => {
    const { url, dir } = await setupRun("gaia_opts", RECORD_SETTINGS, "staging");
    const r = await runCliProcess(
      ["migrate", "staging", "--migrations-dir", dir, "--lock-wait-timeout", "3s", "--json"],
      { env: { DATABASE_URL: withOptions(url) } },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await q(url, "SELECT * FROM settings")).toEqual([
      {
        check_interval: "1s",
        statement_timeout: "15min",
        lock_timeout: "3s",
        application_name: "gaia-db migrate staging",
        work_mem: "12345kB",
      },
    ]);
  });
});
