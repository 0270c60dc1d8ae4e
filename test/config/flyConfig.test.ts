/**
 * Config rules that follow from flyctl's behaviour: the VM sizes `fly postgres create` accepts, and
 * what `fly redis create` needs to run without a prompt.
 */
import { describe, expect, it } from "vitest";
import { type ConfigProblem, parseConfig } from "../../src/config/parseConfig";
import { FLY_SECRETS, rawConfig } from "./stackFiles";

const SECRET_NAMES = /^gaia:(postgresPassword|supabaseAnonKey|supabaseJwtSecret)$/;
const json = (value: unknown) => JSON.stringify(value);
const stack = (name: string, extra: Record<string, string>) => {
  const raw = { ...rawConfig(name, FLY_SECRETS), ...extra };
  return parseConfig(
    raw,
    name,
    Object.keys(raw).filter((k) => SECRET_NAMES.test(k)),
  );
};
const problems = (name: string, extra: Record<string, string>): ConfigProblem[] => {
  const r = stack(name, extra);
  return r.ok ? [] : r.errors;
};

const PG_SIZES =
  "a size `fly postgres create` accepts: shared-cpu-1x | shared-cpu-2x | shared-cpu-4x | shared-cpu-8x | performance-1x | performance-2x | performance-4x | performance-8x | performance-16x";

describe("gaia:postgres.vmSize", () => {
  it.each(["shared-cpu-6x", "performance-10x", "performance-14x", "shared-cpu-2X"])(
    "%s, which fly postgres create rejects, is refused",
    (size) => {
      expect(problems("staging", { "gaia:postgres": json({ vmSize: size }) })).toEqual([
        {
          key: "gaia:postgres.vmSize",
          received: JSON.stringify(size),
          allowed: PG_SIZES,
          fix: "pulumi config set --path 'gaia:postgres.vmSize' shared-cpu-1x -s staging",
        },
      ]);
    },
  );

  it.each(["shared-cpu-2x", "shared-cpu-8x", "performance-16x"])("%s is accepted", (size) => {
    const r = stack("production", { "gaia:postgres": json({ vmSize: size }) });
    expect(r.ok && r.config.postgres.vmSize).toBe(size);
  });
});

describe("gaia:redis: what fly redis create needs to run without a prompt", () => {
  it.each([
    [
      "a plan without the auto-upgrade choice",
      { plan: "Fixed 250MB" },
      [
        {
          key: "gaia:redis.autoUpgrade",
          received: "nothing",
          allowed:
            'true | false: gaia:redis.plan is "Fixed 250MB", and flyctl asks whether to auto-upgrade a fixed-price plan (a prompt fails under Pulumi)',
          fix: "pulumi config set --path 'gaia:redis.autoUpgrade' false -s dev",
        },
      ],
    ],
    [
      "an auto-upgrade choice that is not a boolean is reported once",
      { plan: "Fixed 250MB", autoUpgrade: "yes" },
      [
        {
          key: "gaia:redis.autoUpgrade",
          received: '"yes"',
          allowed: "true | false, required when `plan` is set",
          fix: "pulumi config set --path 'gaia:redis.autoUpgrade' false -s dev",
        },
      ],
    ],
    [
      "auto-upgrade on pay-as-you-go",
      { autoUpgrade: true },
      [
        {
          key: "gaia:redis.autoUpgrade",
          received: "true",
          allowed:
            "false or nothing while gaia:redis.plan is unset (pay-as-you-go has no auto-upgrade)",
          fix: "pulumi config rm --path 'gaia:redis.autoUpgrade' -s dev",
        },
      ],
    ],
    ...["pro_2k", "PRO 10K", "Standard"].map((plan) => [
      `the legacy plan ${plan}`,
      { plan },
      [
        {
          key: "gaia:redis.plan",
          received: JSON.stringify(plan),
          allowed:
            "a current Upstash plan (flyctl rejects the legacy plans Pro 2k, Pro 10k, Starter, Standard, in any case, with _ for spaces too)",
          fix: "pulumi config rm --path 'gaia:redis.plan' -s dev",
        },
      ],
    ]),
    [
      "the primary region among the replicas",
      { replicaRegions: ["sjc", "lax"] },
      [
        {
          key: "gaia:redis.replicaRegions",
          received: '["sjc","lax"]',
          allowed:
            "regions other than gaia:fly.region (lax): flyctl silently drops the primary region from the replicas",
          fix: "pulumi config rm --path 'gaia:redis.replicaRegions' -s dev && pulumi config set --path 'gaia:redis.replicaRegions[0]' sjc -s dev",
        },
      ],
    ],
  ] as [string, Record<string, unknown>, ConfigProblem[]][])("%s", (_n, redis, expected) => {
    expect(problems("dev", { "gaia:redis": json(redis) })).toEqual(expected);
  });

  it.each([
    [{ plan: "Fixed 250MB", autoUpgrade: false }],
    [{ plan: "fake_fixed_250", autoUpgrade: "true" }],
    [{ autoUpgrade: false }],
  ])("%j is accepted", (redis) => {
    const r = stack("dev", { "gaia:redis": json(redis) });
    expect(r.ok && r.config.redis).toEqual({
      name: "gaia-redis-dev",
      eviction: true,
      replicaRegions: [],
      ...redis,
      ...(redis.autoUpgrade !== undefined
        ? { autoUpgrade: String(redis.autoUpgrade) === "true" }
        : {}),
    });
  });
});
