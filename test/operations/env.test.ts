import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { buildEnvReport, quoteDotenvValue } from "../../src/operations/dotenv";
import { captureIo, fakePulumiEnv } from "./support";

describe("quoteDotenvValue", () => {
  it.each([
    [
      "postgresql://postgres:p%40ss@localhost:5432/llm_platform",
      "'postgresql://postgres:p%40ss@localhost:5432/llm_platform'",
    ],
    ['a$b"c#d e', "'a$b\"c#d e'"],
    ["", "''"],
    ["it's", '"it\'s"'],
    ['it\'s "quoted" \\ back', '"it\'s \\"quoted\\" \\\\ back"'],
    ["line1\nline2", '"line1\\nline2"'],
    ["cr\r\n", '"cr\\r\\n"'],
  ])("%j → %s", (value, quoted) => {
    expect(quoteDotenvValue(value)).toBe(quoted);
  });
});

const localOutputs = {
  databaseUrl: "postgresql://postgres:pw-1@localhost:5432/llm_platform",
  redisUrl: "redis://:redis-pw@localhost:6379",
  internalDatabaseUrl: "postgresql://postgres:pw-1@db:5432/llm_platform",
  supabaseUrl: "https://lbaohvnusingoztdzlmj.supabase.co",
  supabaseAnonKey: "anon.key.value",
  supabaseJwtSecret: "jwt'secret",
};

describe("gaia-db env", () => {
  const dir = mkdtempSync(join(tmpdir(), "gaia-ops-env-"));
  const stacksFile = join(dir, "stacks.json");
  writeFileSync(
    stacksFile,
    JSON.stringify({
      local: { outputs: localOutputs },
      dev: {
        outputs: {
          databaseUrl: "postgres://gaia_app_dev:pw@gaia-db-dev.flycast:5432/llm_platform",
          redisUrl: "redis://default:r@fly-gaia-redis-dev.upstash.io:6379",
        },
      },
      staging: { stdout: "not json" },
    }),
  );

  async function env(args: string[]) {
    const { io, stdout, stderr } = captureIo(fakePulumiEnv(stacksFile));
    const code = await runCli(["env", ...args], io);
    return { code, out: stdout.text, err: stderr.text };
  }

  it("prints every setting of the local stack in dotenv format", async () => {
    expect(await env(["local"])).toEqual({
      code: 0,
      out: [
        "# gaia-db env local: settings for services (holds secrets: never commit it)",
        "DATABASE_URL='postgresql://postgres:pw-1@localhost:5432/llm_platform'",
        "REDIS_URL='redis://:redis-pw@localhost:6379'",
        "SUPABASE_URL='https://lbaohvnusingoztdzlmj.supabase.co'",
        "SUPABASE_ANON_KEY='anon.key.value'",
        'SUPABASE_JWT_SECRET="jwt\'secret"',
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("prints a missing value empty with the config to set, and warns on stderr", async () => {
    expect(await env(["dev"])).toEqual({
      code: 0,
      out: [
        "# gaia-db env dev: settings for services (holds secrets: never commit it)",
        "# DATABASE_URL is on Fly's private network: reachable from here only through fly proxy -a gaia-db-dev",
        "DATABASE_URL='postgres://gaia_app_dev:pw@gaia-db-dev.flycast:5432/llm_platform'",
        "REDIS_URL='redis://default:r@fly-gaia-redis-dev.upstash.io:6379'",
        '# SUPABASE_URL: stack "dev" has no output supabaseUrl: set gaia:supabaseUrl (pulumi config set gaia:supabaseUrl <value> -s dev) and export it from the program as the output supabaseUrl',
        "SUPABASE_URL=",
        '# SUPABASE_ANON_KEY: stack "dev" has no output supabaseAnonKey: set gaia:supabaseAnonKey (pulumi config set --secret gaia:supabaseAnonKey -s dev) and export it from the program as the output supabaseAnonKey',
        "SUPABASE_ANON_KEY=",
        '# SUPABASE_JWT_SECRET: stack "dev" has no output supabaseJwtSecret: set gaia:supabaseJwtSecret (pulumi config set --secret gaia:supabaseJwtSecret -s dev) and export it from the program as the output supabaseJwtSecret',
        "SUPABASE_JWT_SECRET=",
        "",
      ].join("\n"),
      err: "gaia-db: warning: empty in the output: SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET (see the comments)\n",
    });
  });

  it("--json gives values and what is missing", async () => {
    const result = await env(["local", "--json"]);
    expect(JSON.parse(result.out)).toEqual(buildEnvReport("local", localOutputs));
    expect(JSON.parse(result.out).values.REDIS_URL).toBe("redis://:redis-pw@localhost:6379");
  });

  it("a stack that does not exist or prints no JSON is a runtime error with what to do", async () => {
    expect(await env(["production"])).toEqual({
      code: 1,
      out: "",
      err: "gaia-db: pulumi stack output -s production failed (exit 255): error: no stack named 'production' found: check `pulumi whoami` and `pulumi stack ls`, and run it again\n",
    });
    expect(await env(["staging"])).toEqual({
      code: 1,
      out: "",
      err: "gaia-db: pulumi stack output -s staging did not print a JSON object: upgrade the Pulumi CLI, and run it again\n",
    });
  });

  it("usage errors", async () => {
    expect(await env([])).toEqual({
      code: 2,
      out: "",
      err: "gaia-db: env: missing environment: give it as the first argument (gaia-db env dev); allowed: local, dev, staging, production\n",
    });
    expect((await env(["local", "dev"])).err).toBe(
      "gaia-db: env: unexpected arguments dev: usage is gaia-db env <environment> [options]\n",
    );
  });
});

describe("the files gaia-db env is redirected into", () => {
  // The help suggests `gaia-db env local > .env.local`: it holds secrets and must never be committed.
  it.each([".env", ".env.local", ".env.dev"])("%s is ignored by git", (file) => {
    const root = join(__dirname, "..", "..");
    expect(spawnSync("git", ["check-ignore", "-q", file], { cwd: root }).status).toBe(0);
  });
});
