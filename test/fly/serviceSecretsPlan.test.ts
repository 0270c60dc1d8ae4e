import { describe, expect, it } from "vitest";
import {
  type AppSecretsPlan,
  adoptSecretsParam,
  importTookEffect,
  type PlanServiceSecretsInput,
  parseAdoptSecrets,
  planServiceSecrets,
  secretFingerprint,
} from "../../src/fly/serviceSecretsPlan";
import { secretNamesFor } from "../../src/shared/vocabulary";

const values = {
  DATABASE_URL: "postgres://gaia_app_dev:pw@gaia-db-dev.flycast:5432/llm_platform",
  REDIS_URL: "redis://default:r@fly-gaia-redis-dev.upstash.io:6379",
  SUPABASE_URL: "https://lbaohvnusingoztdzlmj.supabase.co",
  SUPABASE_ANON_KEY: "anon",
  SUPABASE_JWT_SECRET: "jwt",
};
const fp = (name: keyof typeof values, value = values[name]) => secretFingerprint(name, value);

describe("secretNamesFor", () => {
  it.each([
    ["gateway", undefined, ["DATABASE_URL", "REDIS_URL"]],
    [
      "auth-service",
      undefined,
      ["DATABASE_URL", "REDIS_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET"],
    ],
    ["web-service", undefined, ["DATABASE_URL", "REDIS_URL"]],
    [
      "gateway",
      ["auth-service", "gateway"],
      ["DATABASE_URL", "REDIS_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_JWT_SECRET"],
    ],
  ])("%s (jwt services %j)", (service, jwt, names) => {
    expect(secretNamesFor(service, jwt)).toEqual(names);
  });
});

describe("planServiceSecrets", () => {
  const base: PlanServiceSecretsInput = {
    services: { "auth-service": "gaia-auth-dev", gateway: "gaia-gateway-dev" },
    values,
    existing: {},
    adoptSecrets: false,
  };
  const empty = (service: string, app: string): AppSecretsPlan => ({
    service,
    app,
    stage: [],
    skipped: [],
    unchanged: [],
    missing: [],
    fingerprints: {},
  });

  it("stages everything on fresh apps, Supabase only for the auth service", () => {
    expect(planServiceSecrets(base)).toEqual([
      {
        ...empty("auth-service", "gaia-auth-dev"),
        stage: [
          { name: "DATABASE_URL", reason: "new" },
          { name: "REDIS_URL", reason: "new" },
          { name: "SUPABASE_URL", reason: "new" },
          { name: "SUPABASE_ANON_KEY", reason: "new" },
          { name: "SUPABASE_JWT_SECRET", reason: "new" },
        ],
        fingerprints: {
          DATABASE_URL: fp("DATABASE_URL"),
          REDIS_URL: fp("REDIS_URL"),
          SUPABASE_URL: fp("SUPABASE_URL"),
          SUPABASE_ANON_KEY: fp("SUPABASE_ANON_KEY"),
          SUPABASE_JWT_SECRET: fp("SUPABASE_JWT_SECRET"),
        },
      },
      {
        ...empty("gateway", "gaia-gateway-dev"),
        stage: [
          { name: "DATABASE_URL", reason: "new" },
          { name: "REDIS_URL", reason: "new" },
        ],
        fingerprints: { DATABASE_URL: fp("DATABASE_URL"), REDIS_URL: fp("REDIS_URL") },
      },
    ]);
  });

  const gatewayOnly = { ...base, services: { gateway: "gaia-gateway-dev" } };
  const cases: [string, Partial<PlanServiceSecretsInput>, Partial<AppSecretsPlan>][] = [
    [
      "ours and unchanged: nothing staged",
      {
        existing: {
          "gaia-gateway-dev": [
            { name: "DATABASE_URL", digest: "d1" },
            { name: "REDIS_URL", digest: "r1" },
          ],
        },
        recorded: {
          "gaia-gateway-dev": {
            DATABASE_URL: { fingerprint: fp("DATABASE_URL"), flyDigest: "d1" },
            REDIS_URL: { fingerprint: fp("REDIS_URL"), flyDigest: "r1" },
          },
        },
      },
      { unchanged: ["DATABASE_URL", "REDIS_URL"] },
    ],
    [
      "ours and our value changed: restaged",
      {
        existing: {
          "gaia-gateway-dev": [
            { name: "DATABASE_URL", digest: "d1" },
            { name: "REDIS_URL", digest: "r1" },
          ],
        },
        recorded: {
          "gaia-gateway-dev": {
            DATABASE_URL: { fingerprint: fp("DATABASE_URL", "old"), flyDigest: "d1" },
            REDIS_URL: { fingerprint: fp("REDIS_URL"), flyDigest: "r1" },
          },
        },
      },
      {
        stage: [{ name: "DATABASE_URL", reason: "changed" }],
        unchanged: ["REDIS_URL"],
      },
    ],
    [
      "staged by a run that could not read the digests back: ours, restaged only if our value changed",
      {
        existing: {
          "gaia-gateway-dev": [
            { name: "DATABASE_URL", digest: "d2" },
            { name: "REDIS_URL", digest: "r2" },
          ],
        },
        recorded: {
          "gaia-gateway-dev": {
            DATABASE_URL: { fingerprint: fp("DATABASE_URL", "old"), flyDigest: null },
            REDIS_URL: { fingerprint: fp("REDIS_URL"), flyDigest: null },
          },
        },
      },
      {
        stage: [{ name: "DATABASE_URL", reason: "changed" }],
        unchanged: ["REDIS_URL"],
      },
    ],
    [
      "set by someone else (the live apps): kept and reported",
      { existing: { "gaia-gateway-dev": [{ name: "DATABASE_URL", digest: "live" }] } },
      {
        stage: [{ name: "REDIS_URL", reason: "new" }],
        skipped: [
          {
            name: "DATABASE_URL",
            reason: "already set on gaia-gateway-dev by someone else (digest live)",
          },
        ],
      },
    ],
    [
      "changed by hand after we staged it: kept and reported",
      {
        existing: {
          "gaia-gateway-dev": [
            { name: "DATABASE_URL", digest: "d2" },
            { name: "REDIS_URL", digest: "r1" },
          ],
        },
        recorded: {
          "gaia-gateway-dev": {
            DATABASE_URL: { fingerprint: fp("DATABASE_URL"), flyDigest: "d1" },
            REDIS_URL: { fingerprint: fp("REDIS_URL"), flyDigest: "r1" },
          },
        },
      },
      {
        skipped: [
          {
            name: "DATABASE_URL",
            reason: "changed on gaia-gateway-dev since this stack staged it (digest d1 → d2)",
          },
        ],
        unchanged: ["REDIS_URL"],
      },
    ],
    [
      "adoptSecrets overwrites a foreign secret",
      {
        existing: { "gaia-gateway-dev": [{ name: "DATABASE_URL", digest: "live" }] },
        adoptSecrets: true,
      },
      {
        stage: [
          { name: "DATABASE_URL", reason: "adopted" },
          { name: "REDIS_URL", reason: "new" },
        ],
      },
    ],
    [
      "adoptSecrets naming DATABASE_URL adopts that one and keeps the others someone else set",
      {
        existing: {
          "gaia-gateway-dev": [
            { name: "DATABASE_URL", digest: "live" },
            { name: "REDIS_URL", digest: "live" },
          ],
        },
        adoptSecrets: ["DATABASE_URL"],
      },
      {
        stage: [{ name: "DATABASE_URL", reason: "adopted" }],
        skipped: [
          {
            name: "REDIS_URL",
            reason: "already set on gaia-gateway-dev by someone else (digest live)",
          },
        ],
      },
    ],
    [
      "a value missing is reported, not staged empty",
      { values: { DATABASE_URL: values.DATABASE_URL, REDIS_URL: "" } },
      {
        stage: [{ name: "DATABASE_URL", reason: "new" }],
        missing: ["REDIS_URL"],
      },
    ],
  ];
  it.each(cases)("%s", (_name, change, expected) => {
    const [plan] = planServiceSecrets({ ...gatewayOnly, ...change });
    const { fingerprints: _f, ...rest } = plan!;
    const { fingerprints: _e, ...want } = { ...empty("gateway", "gaia-gateway-dev"), ...expected };
    expect(rest).toEqual(want);
  });

  it("refuses a value with a line break (import reads one NAME=VALUE per line)", () => {
    expect(() =>
      planServiceSecrets({ ...gatewayOnly, values: { ...values, REDIS_URL: "a\nb" } }),
    ).toThrow(
      "REDIS_URL for gaia-gateway-dev contains a line break: fly secrets import cannot take it",
    );
  });
});

describe("ADOPT_SECRETS, as the component writes it and the command reads it", () => {
  it.each<[boolean | string[], string]>([
    [true, "true"],
    [false, "false"],
    [["DATABASE_URL"], "DATABASE_URL"],
    [["DATABASE_URL", "REDIS_URL"], "DATABASE_URL,REDIS_URL"],
  ])("%j ⇄ %j", (value, text) => {
    expect(adoptSecretsParam(value)).toBe(text);
    expect(parseAdoptSecrets(text)).toEqual(value);
  });
});

describe("importTookEffect", () => {
  const before = new Map([["DATABASE_URL", "d1"]]);
  it.each([
    [
      "every name listed with a new digest",
      [
        ["DATABASE_URL", "d2"],
        ["REDIS_URL", "r1"],
      ],
      true,
    ],
    [
      "a name still at its old digest",
      [
        ["DATABASE_URL", "d1"],
        ["REDIS_URL", "r1"],
      ],
      false,
    ],
    ["a new name not listed", [["DATABASE_URL", "d2"]], false],
  ] as const)("%s: %s", (_why, now, expected) => {
    const listed = now.map(([name, digest]) => ({ name, digest }));
    expect(importTookEffect(["DATABASE_URL", "REDIS_URL"], before, listed)).toBe(expected);
  });
});
