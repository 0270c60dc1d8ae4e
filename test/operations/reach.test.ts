import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { urlThroughProxy } from "../../src/migrations/postgresUrl";
import { privateFlyApp } from "../../src/operations/reach";
import { pulumiEnvironmentFor, runProgram } from "../../src/operations/stack";
import { createFakeFly } from "../support/fakeFly";
import { dropAll, withClient } from "../support/postgres";
import { captureIo, FAKES_DIR, prepareEnvironmentDatabase } from "./support";

afterAll(dropAll);

describe("privateFlyApp", () => {
  it.each([
    ["postgres://u:p@gaia-db-dev.flycast:5432/llm_platform", "gaia-db-dev"],
    ["postgres://u:p@gaia-db-dev.internal:5432/llm_platform", "gaia-db-dev"],
    [
      "postgres://u:p@top2.nearest.of.gaia-db-staging.internal:5432/x?sslmode=disable",
      "gaia-db-staging",
    ],
    ["postgresql://postgres:p@localhost:5432/llm_platform", null],
    ["postgresql://postgres:p@db:5432/llm_platform", null],
    ["postgres://u:p@internal:5432/x", null],
    ["not a url", null],
    // A password that cuts the host short never names an app.
    ["postgres://postgres:/pw@gaia-db-dev.flycast:5432/x", null],
  ])("%s → %s", (url, app) => {
    expect(privateFlyApp(url)).toBe(app);
  });
});

describe("pulumiEnvironmentFor", () => {
  const shell = {
    PATH: "/bin",
    PULUMI_BACKEND_URL: "s3://gaia-state",
    PULUMI_CONFIG_PASSPHRASE: "dev pass",
    GAIA_PRODUCTION_PASSPHRASE_FILE: "/run/prod.passphrase",
  };
  it.each([
    [
      "a Fly stack without its own file keeps the shell's backend and passphrase",
      "dev",
      shell,
      { PATH: "/bin", PULUMI_BACKEND_URL: "s3://gaia-state", PULUMI_CONFIG_PASSPHRASE: "dev pass" },
    ],
    [
      "a Fly stack with its own file gets it, and loses the variable pulumi would prefer",
      "production",
      shell,
      {
        PATH: "/bin",
        PULUMI_BACKEND_URL: "s3://gaia-state",
        PULUMI_CONFIG_PASSPHRASE_FILE: "/run/prod.passphrase",
      },
    ],
    [
      "local reads local:up's file backend with the empty passphrase",
      "local",
      { ...shell, PULUMI_CONFIG_PASSPHRASE_FILE: "/run/other" },
      { PATH: "/bin", PULUMI_BACKEND_URL: "file://./.pulumi-state", PULUMI_CONFIG_PASSPHRASE: "" },
    ],
    [
      "local's backend and passphrase file can be named",
      "local",
      {
        ...shell,
        GAIA_LOCAL_BACKEND_URL: "file:///srv/state",
        GAIA_LOCAL_PASSPHRASE_FILE: "/run/local.passphrase",
      },
      {
        PATH: "/bin",
        PULUMI_BACKEND_URL: "file:///srv/state",
        PULUMI_CONFIG_PASSPHRASE_FILE: "/run/local.passphrase",
      },
    ],
  ])("%s", (_title, stack, env, expected) => {
    const result = pulumiEnvironmentFor(stack, env as NodeJS.ProcessEnv);
    const picked = Object.fromEntries(
      Object.entries(result).filter(([k]) => k === "PATH" || k.startsWith("PULUMI_")),
    );
    expect(picked).toEqual(expected);
  });
});

describe("urlThroughProxy", () => {
  it("keeps user, password, database and parameters", () => {
    expect(
      urlThroughProxy(
        "postgres://gaia_app_dev:p%40ss@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable",
        40123,
      ),
    ).toBe("postgres://gaia_app_dev:p%40ss@127.0.0.1:40123/llm_platform?sslmode=disable");
  });
});

describe("a malformed stack output databaseUrl", () => {
  it("is exit 2 naming the stack output, with nothing of the URL printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-ops-reach-"));
    const stacksFile = join(dir, "stacks.json");
    writeFileSync(
      stacksFile,
      JSON.stringify({
        dev: { outputs: { databaseUrl: "postgres://postgres:/S3cr3t@gaia-db-dev.flycast/db" } },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, FAKE_PULUMI_STACKS: stacksFile };
    delete env.DATABASE_URL;
    env.PATH = `${FAKES_DIR}${delimiter}${env.PATH}`;
    const { io, stdout, stderr } = captureIo(env);
    const code = await runCli(["view", "dev"], io);
    expect({ code, out: stdout.text, err: stderr.text }).toEqual({
      code: 2,
      out: "",
      err: 'gaia-db: stack "dev" output databaseUrl is not a valid PostgreSQL URL: it has an @ after the host part: an unencoded / or ? in the password (or user) ended the host part early; expected postgresql://host:port/database with user:password@ before the host, and special characters in the user, password and database percent-encoded (e.g. with encodeURIComponent: / as %2F, @ as %40, # as %23, ? as %3F, % as %25, a space as %20)\n',
    });
  });
});

describe("a Fly environment through the real fly proxy helper and the fake flyctl", () => {
  it("gaia-db view dev reads the stack output and proxies to the database", async () => {
    const db = await prepareEnvironmentDatabase("dev");
    await withClient(db.url, (c) =>
      c.query("INSERT INTO users (email) VALUES ('a+dev@x.io'), ('b@x.io')"),
    );
    const real = new URL(db.url);
    const fake = createFakeFly({ proxyTarget: `127.0.0.1:${real.port}` });
    try {
      const created = await runProgram(
        "fly",
        ["apps", "create", "gaia-db-dev", "--org", "aeonia-dev"],
        {
          env: fake.env(),
        },
      );
      expect(created.code).toBe(0);
      fake.clearCalls();
      const flyUrl = new URL(db.url);
      flyUrl.hostname = "gaia-db-dev.flycast";
      flyUrl.port = "5432";
      const dir = mkdtempSync(join(tmpdir(), "gaia-ops-reach-"));
      const stacksFile = join(dir, "stacks.json");
      writeFileSync(
        stacksFile,
        JSON.stringify({ dev: { outputs: { databaseUrl: flyUrl.toString() } } }),
      );
      const env = fake.env({ FAKE_PULUMI_STACKS: stacksFile, DATABASE_URL: undefined });
      env.PATH = `${FAKES_DIR}${delimiter}${env.PATH}`;
      const { io, stdout, stderr } = captureIo(env);
      const code = await runCli(["view", "dev"], io);
      expect(stderr.text).toBe("");
      expect(code).toBe(0);
      expect(stdout.text).toBe("users\n-----\n    2\n(1 row)\n");
      expect(fake.calls().map((c) => c.argv)).toEqual([
        ["proxy", "0:5432", "-a", "gaia-db-dev", "--watch-stdin"],
      ]);
    } finally {
      fake.remove();
    }
  });
});
