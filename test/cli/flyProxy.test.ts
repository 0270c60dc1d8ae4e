/**
 * `gaia-db … --fly-app`: the binary reaches the database through the fake `fly proxy`, which
 * forwards to the real test PostgreSQL; the URL's host (a Fly-internal name) is replaced.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { urlThroughProxy } from "../../src/migrations/postgresUrl";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, createTestDatabase, dropAll, withClient } from "../support/postgres";

let fake: FakeFly;

beforeAll(() => {
  const target = new URL(adminUrl());
  fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
  const created = spawnSync("fly", ["apps", "create", "gaia-db-dev", "--org", "aeonia-dev"], {
    env: fake.env(),
    encoding: "utf8",
  });
  expect(created.status).toBe(0);
});
afterAll(async () => {
  fake.remove();
  removeTrees();
  await dropAll();
});

describe("--fly-app", () => {
  it("urlThroughProxy keeps credentials, database and parameters, and swaps the host", () => {
    expect(
      urlThroughProxy(
        "postgres://postgres:pw@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable",
        41234,
      ),
    ).toBe("postgres://postgres:pw@127.0.0.1:41234/llm_platform?sslmode=disable");
  });

  it("migrates through fly proxy to a database named by its Fly-internal URL", async () => {
    const url = new URL(await createTestDatabase("gaia_fly"));
    const flycast = `postgres://postgres:${url.password}@gaia-db-dev.flycast:5432${url.pathname}`;
    const dir = makeTree({ "core/0001_t.sql": "CREATE TABLE t (id int);\n" });
    const r = await runCliProcess(
      [
        "migrate",
        "dev",
        "--stdin-config",
        "--fly-app",
        "gaia-db-dev",
        "--migrations-dir",
        dir,
        "--json",
      ],
      { env: fake.env(), stdin: JSON.stringify({ databaseUrl: flycast }) },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0001_t.sql",
    ]);
    expect(
      await withClient(
        url.toString(),
        async (c) => (await c.query("SELECT version FROM gaia_migrations.applied")).rows,
      ),
    ).toEqual([{ version: "0001" }]);
    expect(fake.calls().map((c) => c.command)).toContain("proxy");
  });

  it("reports a proxy that cannot start as a runtime error (exit 1)", async () => {
    const r = await runCliProcess(
      ["status", "dev", "--fly-app", "gaia-db-nope", "--database-url", "postgres://u:pw-x@h/db"],
      {
        env: fake.env(),
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^gaia-db: fly proxy for app gaia-db-nope exited \(code \d+\) before it was ready/,
    );
    expect(r.stderr).not.toContain("pw-x");
  });

  it("refuses both --fly-app and --fly-managed-cluster (exit 2)", async () => {
    const r = await runCliProcess(
      [
        "status",
        "dev",
        "--fly-app",
        "a",
        "--fly-managed-cluster",
        "b",
        "--database-url",
        "postgres://u@h/db",
      ],
      { env: fake.env() },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "gaia-db: --fly-app and --fly-managed-cluster both name the database: give one\n",
    );
  });
});
