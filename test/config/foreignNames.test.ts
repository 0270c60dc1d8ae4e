/**
 * A Fly stack adopts what its config names: a name of another environment's pattern
 * (gaia-*-<env>) is refused unless listed in gaia:fly.foreignNames.
 */
import { describe, expect, it } from "vitest";
import { foreignEnvironment } from "../../src/config/foreignNames";
import { formatProblems, parseConfig } from "../../src/config/parseConfig";
import { FLY_SECRETS, rawConfig } from "./stackFiles";

const SECRET_NAMES = /^gaia:(postgresPassword|supabaseAnonKey|supabaseJwtSecret)$/;
const json = (value: unknown) => JSON.stringify(value);
const parse = (name: string, extra: Record<string, string>) => {
  const raw = { ...rawConfig(name, FLY_SECRETS), ...extra };
  return parseConfig(
    raw,
    name,
    Object.keys(raw).filter((k) => SECRET_NAMES.test(k)),
  );
};

describe("foreignEnvironment", () => {
  it.each([
    ["gaia-db-production", "dev", "production"],
    ["gaia-db-production-r1", "dev", "production"],
    ["gaia-web-service-staging", "production", "staging"],
    ["gaia-redis-local", "dev", "local"],
    ["gaia-db-dev", "dev", undefined],
    ["gaia-db-production", "production", undefined],
    ["gaia-dev-tools", "staging", undefined],
    ["my-db-production", "dev", undefined],
    ["gaia-production", "dev", undefined],
  ] as const)("%s on %s → %s", (name, env, expected) => {
    expect(foreignEnvironment(name, env)).toBe(expected);
  });
});

describe("a name of another environment in a Fly stack's config", () => {
  it("is refused with one problem naming the stack, the key, the value and the pattern", () => {
    const r = parse("dev", { "gaia:postgres": json({ name: "gaia-db-production" }) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatProblems(r.errors, "dev")).toBe(
      [
        'Stack "dev" (Pulumi.dev.yaml) has 1 configuration problem; nothing was deployed.',
        `- gaia:postgres.name: received "gaia-db-production"; allowed: a name that follows no other environment's pattern gaia-*-<env> (gaia-db-production is production's: stack dev would adopt, change and own production's resource); to use it all the same, list it exactly in gaia:fly.foreignNames.`,
        "  Fix: pulumi config set --path 'gaia:postgres.name' gaia-db-dev -s dev",
      ].join("\n"),
    );
  });

  it("is refused for Redis and service apps too, each once", () => {
    const r = parse("staging", {
      "gaia:redis": json({ name: "gaia-redis-production" }),
      "gaia:services": json({ gateway: "gaia-gateway-dev" }),
    });
    expect(r.ok ? [] : r.errors.map((p) => [p.key, p.received])).toEqual([
      ["gaia:redis.name", '"gaia-redis-production"'],
      ["gaia:services.gateway", '"gaia-gateway-dev"'],
    ]);
  });

  it("is accepted when listed exactly in gaia:fly.foreignNames", () => {
    const r = parse("dev", {
      "gaia:fly": json({ org: "aeonia-dev", region: "lax", foreignNames: ["gaia-db-production"] }),
      "gaia:postgres": json({ name: "gaia-db-production" }),
    });
    expect(r.ok && r.config.postgres.name).toBe("gaia-db-production");
    expect(r.ok && "fly" in r.config && r.config.fly.foreignNames).toEqual(["gaia-db-production"]);
  });

  it("a listed name covers only itself", () => {
    const r = parse("dev", {
      "gaia:fly": json({ org: "aeonia-dev", region: "lax", foreignNames: ["gaia-db-production"] }),
      "gaia:postgres": json({ name: "gaia-db-production-r1" }),
    });
    expect(r.ok ? [] : r.errors.map((p) => p.key)).toEqual(["gaia:postgres.name"]);
  });
});
