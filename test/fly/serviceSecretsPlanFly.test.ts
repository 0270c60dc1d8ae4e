/**
 * The planner driving the fake flyctl the way the Fly component will: plan, import the staged
 * lines through stdin, record Fly's digests, plan again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importLine } from "../../src/fly/runtime/serviceSecretsCommand";
import { planServiceSecrets, type RecordedSecret } from "../../src/fly/serviceSecretsPlan";
import { runProgram } from "../../src/operations/stack";
import type { ServiceSecretName } from "../../src/shared/vocabulary";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

let fake: FakeFly;
const fly = async (args: string[], stdin?: string) => {
  const done = await runProgram("fly", args, { env: fake.env(), stdin, timeoutMs: 30_000 });
  if (done.code !== 0) throw new Error(`fly ${args.join(" ")}: ${done.stderr}`);
  return done.stdout;
};
const listSecrets = async (app: string) =>
  JSON.parse(await fly(["secrets", "list", "-a", app, "--json"])) as {
    name: string;
    digest: string;
  }[];

const services = { "auth-service": "gaia-auth-dev", gateway: "gaia-gateway-dev" };
const values = {
  DATABASE_URL: "postgres://gaia_app_dev:pw-1@gaia-db-dev.flycast:5432/llm_platform",
  REDIS_URL: "redis://default:r-1@fly-gaia-redis-dev.upstash.io:6379",
  SUPABASE_URL: "https://lbaohvnusingoztdzlmj.supabase.co",
  SUPABASE_ANON_KEY: "anon-1",
  SUPABASE_JWT_SECRET: "jwt-1",
};

/** What the component does with a plan: import through stdin, then record Fly's digests. */
async function apply(
  plans: ReturnType<typeof planServiceSecrets>,
  given: Record<string, string>,
  recorded: Record<string, Record<string, RecordedSecret>>,
) {
  for (const plan of plans) {
    if (plan.stage.length === 0) continue;
    const stdin = plan.stage.map(({ name }) => `${importLine(name, given[name]!)}\n`).join("");
    await fly(["secrets", "import", "-a", plan.app, "--stage"], stdin);
    const live = new Map((await listSecrets(plan.app)).map((s) => [s.name, s.digest]));
    for (const { name } of plan.stage) {
      recorded[plan.app] = {
        ...recorded[plan.app],
        [name]: {
          fingerprint: plan.fingerprints[name as ServiceSecretName]!,
          flyDigest: live.get(name)!,
        },
      };
    }
  }
}

beforeEach(async () => {
  fake = createFakeFly();
  for (const app of Object.values(services))
    await fly(["apps", "create", app, "--org", "aeonia-dev", "--json"]);
  // The live auth app already has a DATABASE_URL set by hand.
  await fly(
    ["secrets", "import", "-a", "gaia-auth-dev", "--stage"],
    "DATABASE_URL=postgres://postgres:old@x/llm_platform\n",
  );
  fake.clearCalls();
});
afterEach(() => fake.remove());

describe("service secrets through the fake flyctl", () => {
  it("stages through stdin only, leaves a hand-set secret alone, and does nothing on a rerun", async () => {
    const recorded: Record<string, Record<string, RecordedSecret>> = {};
    const existing = async () => ({
      "gaia-auth-dev": await listSecrets("gaia-auth-dev"),
      "gaia-gateway-dev": await listSecrets("gaia-gateway-dev"),
    });
    const first = planServiceSecrets({
      services,
      values,
      existing: await existing(),
      recorded,
      adoptSecrets: false,
    });
    expect(
      first.map((p) => [p.app, p.stage.map((s) => s.name), p.skipped.map((s) => s.name)]),
    ).toEqual([
      [
        "gaia-auth-dev",
        ["REDIS_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET"],
        ["DATABASE_URL"],
      ],
      ["gaia-gateway-dev", ["DATABASE_URL", "REDIS_URL"], []],
    ]);
    fake.clearCalls();
    await apply(first, values, recorded);
    const imports = fake.mutations();
    expect(imports.map((c) => c.argv)).toEqual([
      ["secrets", "import", "-a", "gaia-auth-dev", "--stage"],
      ["secrets", "import", "-a", "gaia-gateway-dev", "--stage"],
    ]);
    // No value in any argv.
    const argv = fake
      .calls()
      .flatMap((c) => c.argv)
      .join(" ");
    for (const value of Object.values(values)) expect(argv).not.toContain(value);
    // The hand-set secret kept its value.
    expect(fake.state().apps["gaia-auth-dev"].secrets.DATABASE_URL.value).toBe(
      "postgres://postgres:old@x/llm_platform",
    );

    fake.clearCalls();
    const second = planServiceSecrets({
      services,
      values,
      existing: await existing(),
      recorded,
      adoptSecrets: false,
    });
    expect(second.map((p) => [p.app, p.stage, p.unchanged.length])).toEqual([
      ["gaia-auth-dev", [], 4],
      ["gaia-gateway-dev", [], 2],
    ]);

    // A rotated password restages DATABASE_URL on the gateway only.
    const rotated = { ...values, DATABASE_URL: values.DATABASE_URL.replace("pw-1", "pw-2") };
    const third = planServiceSecrets({
      services,
      values: rotated,
      existing: await existing(),
      recorded,
      adoptSecrets: false,
    });
    expect(third.map((p) => [p.app, p.stage])).toEqual([
      ["gaia-auth-dev", []],
      ["gaia-gateway-dev", [{ name: "DATABASE_URL", reason: "changed" }]],
    ]);
    await apply(third, rotated, recorded);
    expect(fake.state().apps["gaia-gateway-dev"].secrets.DATABASE_URL.value).toBe(
      rotated.DATABASE_URL,
    );

    // With adoptSecrets the hand-set one is taken over.
    const adopt = planServiceSecrets({
      services,
      values: rotated,
      existing: await existing(),
      recorded,
      adoptSecrets: true,
    });
    expect(adopt[0]!.stage).toEqual([{ name: "DATABASE_URL", reason: "adopted" }]);
  });
});
