/**
 * gaia-db as the Pulumi program runs it (`--stdin-config`, GAIA_TIMEOUT_SECONDS): it keeps only
 * its explicit environment, and stops itself and `fly proxy` at its own deadline.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

const scratch = mkdtempSync(join(tmpdir(), "gaia-cli-env-"));
afterAll(async () => {
  removeTrees();
  rmSync(scratch, { recursive: true, force: true });
  await dropAll();
});

const TREE = { "core/0001_t.sql": "CREATE TABLE t (id int);\n" };

/** What `pulumi` may carry that gaia-db must not act on or pass on. */
const PULUMI_ENV = {
  PULUMI_CONFIG_PASSPHRASE: "passphrase",
  PULUMI_ACCESS_TOKEN: "pul-token",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  // node-postgres would use SSL for a URL without sslmode (the test server has none).
  PGSSLMODE: "require",
};

describe("gaia-db --stdin-config", () => {
  it("drops the pulumi environment before connecting: PGSSLMODE is not applied", async () => {
    const url = await createTestDatabase("gaia_env");
    expect(await withClient(url, async (c) => (await c.query("SHOW ssl")).rows[0].ssl)).toBe("off");
    const dir = makeTree(TREE);
    // Without --stdin-config, gaia-db is an operator's tool: the variable applies.
    const operator = await runCliProcess(["status", "dev", "--migrations-dir", dir], {
      env: { ...PULUMI_ENV, DATABASE_URL: url },
    });
    expect(operator.code).toBe(1);
    expect(operator.stderr).toContain("The server does not support SSL connections");

    const r = await runCliProcess(
      ["migrate", "dev", "--stdin-config", "--migrations-dir", dir, "--json"],
      { env: PULUMI_ENV, stdin: JSON.stringify({ databaseUrl: url }) },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0001_t.sql",
    ]);
  });
});

describe("gaia-db's deadline (GAIA_TIMEOUT_SECONDS)", () => {
  it("ends fly proxy's process group and exits 1, naming the deadline", async () => {
    const bin = join(scratch, "bin");
    const pids = join(scratch, "pids");
    mkdirSync(bin);
    // A `fly proxy` that never becomes ready, with a helper in its process group.
    writeFileSync(join(bin, "fly"), `#!/bin/sh\nsleep 300 &\necho "$$ $!" > ${pids}\nwait\n`);
    chmodSync(join(bin, "fly"), 0o755);
    const dir = makeTree(TREE);
    const r = await runCliProcess(
      [
        "migrate",
        "dev",
        "--stdin-config",
        "--migrations-dir",
        dir,
        "--fly-app",
        "gaia-db-dev",
        "--json",
      ],
      {
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          FLY_API_TOKEN: "FlyV1 t",
          GAIA_TIMEOUT_SECONDS: "11",
        },
        stdin: JSON.stringify({ databaseUrl: "postgres://u:p@gaia-db-dev.flycast:5432/db" }),
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "gaia-db: migrate stopped at its deadline, 1 s after it started (customTimeout 11 s, at which the command provider would kill it and leave what it started running); 1 process group(s) it started were ended. Nothing after the interrupted step ran: run `pulumi up` again, it continues from what exists.\n",
    );
    const [proxy, helper] = readFileSync(pids, "utf8").trim().split(" ").map(Number);
    for (const pid of [proxy!, helper!]) {
      let alive = true;
      for (let i = 0; i < 50 && alive; i++) {
        try {
          alive = !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
        } catch {
          alive = false;
        }
        if (alive) await new Promise((res) => setTimeout(res, 100));
      }
      expect(alive).toBe(false);
    }
  });

  it.each([
    "30m",
    "0",
    // Past 2147483 s node's timer fires at once: the run stopped "at its deadline" immediately.
    "99999999999",
  ])("refuses GAIA_TIMEOUT_SECONDS=%s (exit 2), naming the allowed range", async (value) => {
    const r = await runCliProcess(["status", "dev"], { env: { GAIA_TIMEOUT_SECONDS: value } });
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      "",
      `gaia-db: GAIA_TIMEOUT_SECONDS must be a whole number of seconds from 11 to 86400 (the command's customTimeout; the process stops itself 10 to 60 s before it), got "${value}": set it to the customTimeout of the resource that runs the command\n`,
    ]);
  });
});
