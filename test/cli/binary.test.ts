/**
 * Every gaia-db command through the binary, as users run it (node bin/gaia-db.js, tsx's CommonJS
 * hook only): each one reaches its handler and the code it loads on demand. And what a command
 * loads: `gaia-db migrate` must not pay for Pulumi, yaml or the config schema.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_SPECS } from "../../src/cli/commands";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { fakePulumiEnv, prepareEnvironmentDatabase } from "../operations/support";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

const PROBE = resolve(__dirname, "..", "support", "loadedModules.cjs");
const TREE = { "core/0001_t.sql": "CREATE TABLE t (id int);\n" };
const dir = mkdtempSync(join(tmpdir(), "gaia-binary-"));
const stacksFile = join(dir, "stacks.json");
let migrated: string;
let adopted: string;
let environment: string;
let tree: string;

beforeAll(async () => {
  tree = makeTree(TREE);
  migrated = await createTestDatabase("gaia_bin");
  const m = await runCliProcess(["migrate", "dev", "--migrations-dir", tree], {
    env: { DATABASE_URL: migrated },
  });
  expect(m.code).toBe(0);
  adopted = await createTestDatabase("gaia_bin");
  await withClient(adopted, (c) => c.query("CREATE TABLE t (id int)"));
  environment = (await prepareEnvironmentDatabase("dev")).url;
  writeFileSync(
    stacksFile,
    JSON.stringify({ local: { outputs: { databaseUrl: environment, redisUrl: "redis://x" } } }),
  );
});
afterAll(async () => {
  removeTrees();
  await dropAll();
});

/** [argv, env, stdin, exit code, what stdout or stderr must contain]. */
type Case = [string[], () => NodeJS.ProcessEnv, string | undefined, number, RegExp];
const db = (url: () => string) => () => ({ DATABASE_URL: url() });
const CASES: Record<string, Case> = {
  migrate: [
    ["migrate", "dev", "--migrations-dir", "<tree>"],
    db(() => migrated),
    undefined,
    0,
    /up to date, 1 files applied before/,
  ],
  plan: [
    ["plan", "dev", "--migrations-dir", "<tree>"],
    db(() => migrated),
    undefined,
    0,
    /nothing to apply/,
  ],
  status: [
    ["status", "dev", "--migrations-dir", "<tree>"],
    db(() => migrated),
    undefined,
    0,
    /core\/0001_t\.sql +applied/,
  ],
  verify: [
    ["verify", "dev", "--migrations-dir", "<tree>"],
    db(() => migrated),
    undefined,
    5,
    /## Verification Status/,
  ],
  baseline: [
    ["baseline", "dev", "--to", "0001", "--confirm", "dev", "--migrations-dir", "<tree>"],
    db(() => adopted),
    undefined,
    0,
    /recorded 1 file as baseline/,
  ],
  repair: [
    ["repair", "dev", "--file", "core/0001_t.sql", "--migrations-dir", "<tree>"],
    db(() => migrated),
    undefined,
    0,
    /the ledger already holds this checksum/,
  ],
  bind: [
    ["bind", "dev", "--confirm", "dev", "--migrations-dir", "<tree>"],
    db(() => migrated),
    undefined,
    0,
    /bound to dev/,
  ],
  view: [
    ["view", "dev", "SELECT 41 + 1 AS answer"],
    db(() => environment),
    undefined,
    0,
    /answer\n------\n {4}42\n\(1 row\)/,
  ],
  "cleanup-test-users": [
    ["cleanup-test-users", "dev"],
    db(() => environment),
    undefined,
    0,
    /dev: no test users of other environments/,
  ],
  env: [
    ["env", "local"],
    () => fakePulumiEnv(stacksFile),
    undefined,
    0,
    /^REDIS_URL='redis:\/\/x'$/m,
  ],
  doctor: [["doctor", "dev"], () => ({ PATH: dir }), undefined, 1, /flyctl not found/],
  "verify-all": [
    ["verify", "all", "--timeout", "5s"],
    () => fakePulumiEnv(stacksFile),
    undefined,
    5,
    /## Verification Status: local\n/,
  ],
  review: [
    ["review", "--applied", "dev", "--skip-squawk"],
    () => ({}),
    undefined,
    2,
    /^gaia-db: --applied dev: expected <stack>=<file>/,
  ],
  schema: [
    ["schema", "--modules", "core", "--server-url", "postgresql://u@127.0.0.1:1/postgres"],
    () => ({}),
    undefined,
    1,
    /^gaia-db: cannot connect to the review server/,
  ],
  "app-login": [
    ["app-login", "dev", "--stdin-config"],
    () => ({}),
    JSON.stringify({ databaseUrl: "postgresql://postgres@127.0.0.1:1/x", appPassword: "pw" }),
    1,
    /^error: cannot connect to 127\.0\.0\.1:1\/x as postgres/,
  ],
};

describe("every command through the binary", () => {
  it("covers every declared command", () => {
    expect(Object.keys(CASES).sort()).toEqual(COMMAND_SPECS.map((s) => s.topic).sort());
  });

  it.each(Object.entries(CASES))("%s", async (_topic, [argv, env, stdin, code, shows]) => {
    const r = await runCliProcess(
      argv.map((a) => (a === "<tree>" ? tree : a)),
      { env: env(), ...(stdin !== undefined ? { stdin } : {}) },
    );
    expect({ code: r.code, shows: shows.test(r.stdout + r.stderr) }).toEqual({ code, shows: true });
  });
});

describe("what a command loads", () => {
  async function loaded(argv: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
    const file = join(dir, `loaded-${argv[0]}.txt`);
    await runCliProcess(argv, {
      env: { ...env, NODE_OPTIONS: `--require ${PROBE}`, LOADED_MODULES_FILE: file },
    });
    return readFileSync(file, "utf8").trim().split("\n");
  }
  const HEAVY = /node_modules\/(@pulumi|yaml|zod)\/|\/src\/(config|operations)\//;

  it("migrate loads the runner and pg, not Pulumi, yaml, zod, the config or the operations", async () => {
    const files = await loaded(["migrate", "dev", "--migrations-dir", tree], {
      DATABASE_URL: migrated,
    });
    expect(files.some((f) => f.endsWith("/src/migrations/commands/migrate.ts"))).toBe(true);
    expect(files.filter((f) => HEAVY.test(f))).toEqual([]);
  });

  it("doctor loads the config schema it needs (the probe sees lazily loaded code)", async () => {
    const files = await loaded(["doctor", "dev"], { PATH: dir });
    expect(files.some((f) => f.endsWith("/src/config/schema.ts"))).toBe(true);
  });
});
