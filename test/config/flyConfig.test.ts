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
