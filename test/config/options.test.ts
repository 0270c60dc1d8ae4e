import { describe, expect, it } from "vitest";
import { resourceOptions } from "../../src/config/options";
import {
  ENVIRONMENTS,
  type Environment,
  RESOURCE_KINDS,
  type ResourceKind,
} from "../../src/shared/vocabulary";

const KEEP = { protect: false, retainOnDelete: true };
const LOCK = { protect: true, retainOnDelete: true };
const NONE = { protect: false, retainOnDelete: false };

/** Every environment × kind, spelled out: a change to the rule must change this table. */
const EXPECTED: Record<Environment, Record<ResourceKind, typeof NONE>> = {
  local: {
    database: NONE,
    volume: KEEP,
    redis: NONE,
    app: KEEP,
    certificate: NONE,
    network: NONE,
    image: NONE,
    migration: NONE,
    container: NONE,
  },
  dev: {
    database: NONE,
    volume: NONE,
    redis: NONE,
    app: KEEP,
    certificate: NONE,
    network: NONE,
    image: NONE,
    migration: NONE,
    container: NONE,
  },
  staging: {
    database: NONE,
    volume: NONE,
    redis: NONE,
    app: KEEP,
    certificate: NONE,
    network: NONE,
    image: NONE,
    migration: NONE,
    container: NONE,
  },
  production: {
    database: LOCK,
    volume: LOCK,
    redis: LOCK,
    app: KEEP,
    certificate: NONE,
    network: NONE,
    image: NONE,
    migration: NONE,
    container: NONE,
  },
};

describe("resourceOptions", () => {
  const rows = ENVIRONMENTS.flatMap((env) =>
    RESOURCE_KINDS.map((kind) => [env, kind, EXPECTED[env][kind]] as const),
  );

  it("the table covers every environment and kind", () => {
    expect(rows).toHaveLength(4 * 9);
  });

  it.each(rows)("%s %s → %j", (env, kind, expected) => {
    expect(resourceOptions(env, kind)).toEqual(expected);
  });
});
