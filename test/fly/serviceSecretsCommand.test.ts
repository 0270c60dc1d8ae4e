/**
 * The service-secrets command handler against the fake flyctl, for what the end-to-end run does
 * not reach: values flyctl's import parser would alter, a secret changed by hand after this stack
 * staged it, inconsistent inputs, delete.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandContext, Operation } from "../../src/fly/runtime/context";
import { Flyctl } from "../../src/fly/runtime/flyctl";
import { serviceSecretsCommand } from "../../src/fly/runtime/serviceSecretsCommand";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

let fake: FakeFly;
let logs: string[];
beforeEach(() => {
  fake = createFakeFly();
  logs = [];
  const fly = new Flyctl({ env: fake.env(), baseDelayMs: 1, log: () => {} });
  return fly
    .mutate(["apps", "create", "gaia-gateway-dev", "--org", "aeonia-dev", "--json"])
    .then(() => fake.clearCalls());
});
afterEach(() => fake.remove());

function ctx(
  op: Operation,
  values: Record<string, string> | undefined,
  env: Record<string, string> = {},
): CommandContext {
  const log = (line: string) => logs.push(line);
  return {
    op,
    env: {
      APP_NAME: "gaia-gateway-dev",
      SERVICE: "gateway",
      SECRET_NAMES: "DATABASE_URL,REDIS_URL",
      ADOPT_SECRETS: "false",
      ...env,
    },
    secrets: values === undefined ? {} : { values },
    fly: new Flyctl({ env: fake.env(), baseDelayMs: 1, log }),
    log,
  };
}

const VALUES = {
  DATABASE_URL: "postgres://gaia_app_dev:pw@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable",
  // flyctl's parser would cut this at "#" and strip the quotes of the next one if sent raw.
  REDIS_URL: "redis://default:a#b@fly-gaia-redis-dev.upstash.io:6379",
};

describe("serviceSecretsCommand", () => {
  it("stages values flyctl's parser would alter exactly as given", async () => {
    const quoted = { ...VALUES, DATABASE_URL: "'single-quoted'" };
    const result = await serviceSecretsCommand(ctx("create", quoted));
    expect(result.staged).toEqual(["DATABASE_URL", "REDIS_URL"]);
    const live = fake.state().apps["gaia-gateway-dev"].secrets;
    expect(live.DATABASE_URL.value).toBe("'single-quoted'");
    expect(live.REDIS_URL.value).toBe(VALUES.REDIS_URL);
  });

  it("keeps and reports a secret changed by hand after this stack staged it", async () => {
    const first = await serviceSecretsCommand(ctx("create", VALUES));
    const fly = new Flyctl({ env: fake.env(), baseDelayMs: 1, log: () => {} });
    await fly.mutate(["secrets", "import", "-a", "gaia-gateway-dev"], {
      stdin: "REDIS_URL=redis://by-hand\n",
    });
    const digest = (name: string) => fake.state().apps["gaia-gateway-dev"].secrets[name].digest;
    const recorded = (first.records as Record<string, { flyDigest: string }>).REDIS_URL!.flyDigest;
    fake.clearCalls();
    const next = await serviceSecretsCommand(
      ctx(
        "update",
        { ...VALUES, REDIS_URL: "redis://new" },
        {
          PULUMI_COMMAND_STDOUT: `${JSON.stringify(first)}\n`,
        },
      ),
    );
    expect(next.staged).toEqual([]);
    expect(next.unchanged).toEqual(["DATABASE_URL"]);
    expect(next.kept).toEqual([
      {
        name: "REDIS_URL",
        reason: `changed on gaia-gateway-dev since this stack staged it (digest ${recorded} → ${digest("REDIS_URL")})`,
      },
    ]);
    expect(logs).toContain(
      `kept REDIS_URL: changed on gaia-gateway-dev since this stack staged it (digest ${recorded} → ${digest("REDIS_URL")}) (set gaia:services.adoptSecrets to overwrite)`,
    );
    expect(fake.mutations()).toEqual([]);
    expect(fake.state().apps["gaia-gateway-dev"].secrets.REDIS_URL.value).toBe("redis://by-hand");
  });

  it("owns what an import that failed after Fly applied it staged, on this run and the next", async () => {
    const first = await serviceSecretsCommand(ctx("create", VALUES));
    fake.injectFault({ match: "secrets import", kind: "fail-after-create", message: "boom" });
    const digest = (name: string) => fake.state().apps["gaia-gateway-dev"].secrets[name].digest;
    const failed = await serviceSecretsCommand(
      ctx(
        "update",
        { ...VALUES, REDIS_URL: "redis://second" },
        { PULUMI_COMMAND_STDOUT: `${JSON.stringify(first)}\n` },
      ),
    );
    expect(failed.staged).toEqual(["REDIS_URL"]);
    expect((failed.records as Record<string, { flyDigest: string }>).REDIS_URL!.flyDigest).toBe(
      digest("REDIS_URL"),
    );
    expect(logs).toContain(
      "fly secrets import -a gaia-gateway-dev --stage failed, but every secret it staged is listed with a new digest: it took effect",
    );
    const next = await serviceSecretsCommand(
      ctx(
        "update",
        { ...VALUES, REDIS_URL: "redis://third" },
        { PULUMI_COMMAND_STDOUT: `${JSON.stringify(failed)}\n` },
      ),
    );
    expect(next.staged).toEqual(["REDIS_URL"]);
    expect(next.kept).toEqual([]);
    expect(fake.state().apps["gaia-gateway-dev"].secrets.REDIS_URL.value).toBe("redis://third");
  });

  it("fails, and changes no record, when the import did not take effect", async () => {
    const first = await serviceSecretsCommand(ctx("create", VALUES));
    fake.injectFault({ match: "secrets import", kind: "error", message: "boom" });
    await expect(
      serviceSecretsCommand(
        ctx(
          "update",
          { ...VALUES, REDIS_URL: "redis://second" },
          { PULUMI_COMMAND_STDOUT: `${JSON.stringify(first)}\n` },
        ),
      ),
    ).rejects.toThrow(
      "fly secrets import -a gaia-gateway-dev --stage failed (exit 1): Error: boom",
    );
    expect(fake.state().apps["gaia-gateway-dev"].secrets.REDIS_URL.value).toBe(VALUES.REDIS_URL);
  });

  it("owns what it staged when reading the digests back fails, and confirms them on the next run", async () => {
    // The first list (before the import) answers; the read-back fails.
    fake.injectFault({ match: "secrets list", kind: "error", message: "boom", skip: 1 });
    const first = await serviceSecretsCommand(ctx("create", VALUES));
    expect(first.staged).toEqual(["DATABASE_URL", "REDIS_URL"]);
    expect(first.records).toMatchObject({
      DATABASE_URL: { flyDigest: null },
      REDIS_URL: { flyDigest: null },
    });
    expect(logs).toContain(
      "note: gaia-gateway-dev: DATABASE_URL, REDIS_URL were staged but their digests could not be read back (fly secrets list -a gaia-gateway-dev --json failed (exit 1): Error: boom); the next run records them",
    );
    fake.clearCalls();
    const next = await serviceSecretsCommand(
      ctx("update", VALUES, { PULUMI_COMMAND_STDOUT: `${JSON.stringify(first)}\n` }),
    );
    const digest = (name: string) => fake.state().apps["gaia-gateway-dev"].secrets[name].digest;
    expect(next.staged).toEqual([]);
    expect(next.unchanged).toEqual(["DATABASE_URL", "REDIS_URL"]);
    expect(next.records).toMatchObject({
      DATABASE_URL: { flyDigest: digest("DATABASE_URL") },
      REDIS_URL: { flyDigest: digest("REDIS_URL") },
    });
    expect(fake.mutations()).toEqual([]);
    const changed = await serviceSecretsCommand(
      ctx(
        "update",
        { ...VALUES, REDIS_URL: "redis://new" },
        { PULUMI_COMMAND_STDOUT: `${JSON.stringify(first)}\n` },
      ),
    );
    expect(changed.staged).toEqual(["REDIS_URL"]);
    expect(changed.kept).toEqual([]);
  });

  it.each([
    [
      "a value missing from stdin",
      { DATABASE_URL: "x" },
      {},
      "stdin holds values for DATABASE_URL but SECRET_NAMES lists DATABASE_URL, REDIS_URL",
    ],
    [
      "a name the services do not read",
      VALUES,
      { SECRET_NAMES: "DATABASE_URL,FOO" },
      "SECRET_NAMES has FOO; allowed are DATABASE_URL, REDIS_URL, SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET",
    ],
    ["no values at all", undefined, {}, "the values map is missing from the command's stdin"],
  ])("refuses %s before touching Fly", async (_why, values, env, message) => {
    await expect(serviceSecretsCommand(ctx("create", values, env))).rejects.toThrow(message);
    expect(fake.calls()).toEqual([]);
  });

  it("delete leaves the secrets on the retained app", async () => {
    await serviceSecretsCommand(ctx("create", VALUES));
    fake.clearCalls();
    expect(await serviceSecretsCommand(ctx("delete", undefined))).toEqual({
      app: "gaia-gateway-dev",
      service: "gateway",
      names: ["DATABASE_URL", "REDIS_URL"],
      deleted: false,
    });
    expect(fake.calls()).toEqual([]);
    expect(Object.keys(fake.state().apps["gaia-gateway-dev"].secrets)).toEqual([
      "DATABASE_URL",
      "REDIS_URL",
    ]);
  });
});
