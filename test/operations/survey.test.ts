import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { countPending, listMigrationFiles, renderSurvey } from "../../src/operations/survey";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";
import { captureIo, fakePulumiEnv, prepareEnvironmentDatabase } from "./support";

afterAll(dropAll);

describe("countPending", () => {
  const files = [
    { module: "core", version: "0001" },
    { module: "core", version: "0002" },
    { module: "rbac", version: "0001" },
  ];
  it.each([
    ["nothing applied: core files only", [], 2],
    ["core 0001 applied", [{ module: "core", version: "0001" }], 1],
    ["versions compared as numbers", [{ module: "core", version: "1" }], 1],
    [
      "a module with a row joins the set",
      [
        { module: "core", version: "0001" },
        { module: "core", version: "0002" },
        { module: "rbac", version: "0002" },
      ],
      1,
    ],
  ])("%s", (_name, applied, expected) => {
    expect(countPending(files, applied)).toBe(expected);
  });

  it("uses the modules recorded in the binding when there are some", () => {
    expect(countPending(files, [], ["core", "rbac"])).toBe(3);
    expect(countPending(files, [{ module: "rbac", version: "0001" }], ["core"])).toBe(2);
  });
});

describe("renderSurvey", () => {
  it("flags a database bound to another environment than the stack that points at it", () => {
    const note = "BOUND TO production, not dev: check the stack output (stack output databaseUrl)";
    expect(
      renderSurvey([
        {
          environment: "dev",
          reachable: true,
          route: "stack output databaseUrl",
          users: 1,
          applied: 8,
          pending: 0,
          boundEnvironment: "production",
          supabaseProjectRef: "lbaohvnusingoztdzlmj",
        },
      ]),
    ).toBe(
      [
        "environment | status    | users | applied | pending | bound to   | supabase project     | note",
        `------------+-----------+-------+---------+---------+------------+----------------------+-${"-".repeat(note.length)}`,
        `dev         | reachable |     1 |       8 |       0 | production | lbaohvnusingoztdzlmj | ${note}`,
      ].join("\n"),
    );
  });
});

describe("gaia-db view all", () => {
  const dir = mkdtempSync(join(tmpdir(), "gaia-ops-all-"));
  const stacksFile = join(dir, "stacks.json");
  let devPort = 0;
  const corePending = listMigrationFiles().filter((file) => file.module === "core").length;

  beforeAll(async () => {
    const local = await prepareEnvironmentDatabase("local", { applied: [["core", "0001"]] });
    const dev = await prepareEnvironmentDatabase("dev");
    const staging = await createTestDatabase("gaia_ops_staging");
    await withClient(local.url, (c) =>
      c.query("INSERT INTO users (email) VALUES ('a+local@x.io'), ('b+local@x.io'), ('c@x.io')"),
    );
    await withClient(dev.url, (c) => c.query("INSERT INTO users (email) VALUES ('d+dev@x.io')"));
    const devFly = new URL(dev.url);
    devPort = Number(devFly.port);
    devFly.hostname = "gaia-db-dev.internal";
    devFly.port = "5432";
    writeFileSync(
      stacksFile,
      JSON.stringify({
        local: { outputs: { databaseUrl: local.url } },
        dev: { outputs: { databaseUrl: devFly.toString() } },
        staging: { outputs: { databaseUrl: staging } },
        production: {
          exitCode: 255,
          stderr: "error: getting secrets manager: passphrase must be set\n",
        },
      }),
    );
  });

  it("prints one row per environment, unreachable ones with their reason, and exits 1", async () => {
    const { io, stdout, stderr } = captureIo(
      fakePulumiEnv(stacksFile, { DATABASE_URL: "postgresql://ignored:ignored@127.0.0.1:1/x" }),
      { openProxy: async (_opts, fn) => fn(devPort) },
    );
    const code = await runCli(["view", "all"], io);
    const reason =
      "pulumi stack output -s production failed (exit 255): error: getting secrets manager: passphrase must be set: check `pulumi whoami` and `pulumi stack ls`, or set DATABASE_URL for the command";
    const rows = [
      [
        "local",
        "reachable",
        "3",
        "1",
        String(corePending - 1),
        "local",
        "lbaohvnusingoztdzlmj",
        "stack output databaseUrl",
      ],
      [
        "dev",
        "reachable",
        "1",
        "0",
        String(corePending),
        "dev",
        "lbaohvnusingoztdzlmj",
        "stack output databaseUrl via fly proxy -a gaia-db-dev",
      ],
      ["staging", "reachable", "-", "-", String(corePending), "-", "-", "stack output databaseUrl"],
      ["production", "unreachable", "-", "-", "-", "-", "-", reason],
    ];
    expect(stdout.text).toBe(
      `${renderSurvey([
        {
          environment: "local",
          reachable: true,
          route: "stack output databaseUrl",
          users: 3,
          applied: 1,
          pending: corePending - 1,
          boundEnvironment: "local",
          supabaseProjectRef: "lbaohvnusingoztdzlmj",
        },
        {
          environment: "dev",
          reachable: true,
          route: "stack output databaseUrl via fly proxy -a gaia-db-dev",
          users: 1,
          applied: 0,
          pending: corePending,
          boundEnvironment: "dev",
          supabaseProjectRef: "lbaohvnusingoztdzlmj",
        },
        {
          environment: "staging",
          reachable: true,
          route: "stack output databaseUrl",
          users: null,
          applied: null,
          pending: corePending,
          boundEnvironment: null,
          supabaseProjectRef: null,
        },
        { environment: "production", reachable: false, reason },
      ])}\n`,
    );
    // The rendered table itself, cell by cell.
    const lines = stdout.text.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    rows.forEach((cells, i) => {
      expect(lines[i + 2]!.split("|").map((cell) => cell.trim())).toEqual(cells);
    });
    expect(lines[0]!.split("|").map((cell) => cell.trim())).toEqual([
      "environment",
      "status",
      "users",
      "applied",
      "pending",
      "bound to",
      "supabase project",
      "note",
    ]);
    expect(stderr.text).toBe("");
    expect(code).toBe(1);
  });

  it("--json gives the same rows as data", async () => {
    const { io, stdout } = captureIo(fakePulumiEnv(stacksFile), {
      openProxy: async (_opts, fn) => fn(devPort),
    });
    await runCli(["view", "all", "--json"], io);
    const rows = JSON.parse(stdout.text);
    expect(
      rows.map((row: { environment: string; reachable: boolean }) => [
        row.environment,
        row.reachable,
      ]),
    ).toEqual([
      ["local", true],
      ["dev", true],
      ["staging", true],
      ["production", false],
    ]);
    expect(rows[0]).toEqual({
      environment: "local",
      reachable: true,
      route: "stack output databaseUrl",
      users: 3,
      applied: 1,
      pending: corePending - 1,
      boundEnvironment: "local",
      supabaseProjectRef: "lbaohvnusingoztdzlmj",
    });
  });

  it("reaches every stack with its own passphrase, and the local stack on local:up's file backend", async () => {
    // The stacks as they really are: local on local:up's file backend with the empty passphrase,
    // the Fly stacks on one shared backend, each with its own passphrase.
    const stacks = JSON.parse(readFileSync(stacksFile, "utf8"));
    const encrypted = join(dir, "encrypted-stacks.json");
    writeFileSync(
      encrypted,
      JSON.stringify({
        local: { ...stacks.local, backend: "file://./.pulumi-state", passphrase: "" },
        dev: { ...stacks.dev, backend: "s3://gaia-state", passphrase: "dev pass" },
        staging: { ...stacks.staging, backend: "s3://gaia-state", passphrase: "staging pass" },
        production: {
          outputs: stacks.staging.outputs,
          backend: "s3://gaia-state",
          passphrase: "production pass",
        },
      }),
    );
    const passphraseFile = (stack: string, text: string) => {
      const file = join(dir, `${stack}.passphrase`);
      writeFileSync(file, `${text}\n`);
      return file;
    };
    // The operator's shell: the Fly backend, and the dev passphrase they last used.
    const env = fakePulumiEnv(encrypted, {
      PULUMI_BACKEND_URL: "s3://gaia-state",
      PULUMI_CONFIG_PASSPHRASE: "dev pass",
      GAIA_STAGING_PASSPHRASE_FILE: passphraseFile("staging", "staging pass"),
      GAIA_PRODUCTION_PASSPHRASE_FILE: passphraseFile("production", "production pass"),
    });
    const { io, stdout } = captureIo(env, { openProxy: async (_opts, fn) => fn(devPort) });
    expect(await runCli(["view", "all", "--json"], io)).toBe(0);
    expect(
      JSON.parse(stdout.text).map((row: { environment: string; reachable: boolean }) => [
        row.environment,
        row.reachable,
      ]),
    ).toEqual([
      ["local", true],
      ["dev", true],
      ["staging", true],
      ["production", true],
    ]);
  });

  it("a hanging environment is cut off by its deadline without holding the others", async () => {
    const { io, stdout } = captureIo(fakePulumiEnv(stacksFile), {
      openProxy: () => new Promise(() => {}),
    });
    const started = Date.now();
    expect(await runCli(["view", "all", "--timeout", "3"], io)).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const dev = stdout.text.split("\n").find((line) => line.startsWith("dev "));
    expect(dev).toMatch(/\| unreachable \|.*\| dev did not answer within 6000 ms$/);
    expect(stdout.text).toMatch(/^local +\| reachable/m);
  });
});
