/**
 * How every component takes its options (src/shared/components.ts): `opts.childOptions` is asked
 * for the kind of each child, and `dependsOn` is passed on as a list of resources. The Fly
 * components' kinds are in test/fly/components.test.ts and serviceSecrets.test.ts; what the
 * engine receives for every resource of every stack is in test/program/identity.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { DevCertificates } from "../../src/certs/devCertificates";
import { LocalDataTier } from "../../src/local/dataTier";
import { Migrations } from "../../src/migrations/resource";
import { dependsOnList, type GaiaComponentOptions, optionsFor } from "../../src/shared/components";
import type { ResourceKind } from "../../src/shared/vocabulary";
import { outputsFor } from "../program/mocks";

const asked: [string, ResourceKind][] = [];
const childOptions = (component: string) => (kind: ResourceKind) => {
  asked.push([component, kind]);
  return {};
};

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: { ...args.inputs, ...outputsFor(args.type, args.name, args.inputs) },
      }),
      call: () => {
        throw new Error("no invokes");
      },
    },
    "gaia",
    "local",
  );
  new LocalDataTier(
    "tier",
    {
      postgres: { name: "gaia-postgres", database: "llm_platform" },
      redis: { name: "gaia-redis" },
      local: {
        postgresPort: 5432,
        redisPort: 6379,
        postgresImage: "pgvector/pgvector:pg15",
        redisImage: "redis:7",
      },
      services: ["gateway"],
    },
    { childOptions: childOptions("tier") },
  );
  new DevCertificates(
    "certs",
    { environment: "dev", services: ["gateway"] },
    { childOptions: childOptions("certs") },
  );
  new Migrations(
    "migrations",
    { environment: "dev", modules: ["core"], databaseUrl: pulumi.secret("postgres://x") },
    { childOptions: childOptions("migrations") },
  );
  await new Promise((r) => setTimeout(r, 200));
});

describe("childOptions", () => {
  it("is asked for the kind of each child that has one", () => {
    expect(asked).toEqual([
      ["tier", "network"],
      ["tier", "volume"],
      ["tier", "volume"],
      ["tier", "volume"],
      ["tier", "image"],
      ["tier", "image"],
      ["tier", "container"],
      ["tier", "container"],
      // The tier's certificates: DevCertificates asks once for all its children.
      ["tier", "certificate"],
      ["certs", "certificate"],
      ["migrations", "migration"],
    ]);
  });

  it("optionsFor: what childOptions gives for the kind, or nothing without it", () => {
    const opts = { childOptions: (kind: ResourceKind) => ({ protect: kind === "database" }) };
    expect([
      optionsFor(opts, "database"),
      optionsFor(opts, "app"),
      optionsFor({}, "database"),
      optionsFor(undefined, "database"),
    ]).toEqual([{ protect: true }, { protect: false }, {}, {}]);
  });
});

describe("dependsOnList", () => {
  const resource = new pulumi.ComponentResource("test:x:Y", "dep");
  const other = new pulumi.ComponentResource("test:x:Y", "other");

  it.each<[string, GaiaComponentOptions, pulumi.Resource[]]>([
    ["nothing", {}, []],
    ["one resource", { dependsOn: resource }, [resource]],
    ["a list", { dependsOn: [resource, other] }, [resource, other]],
  ])("%s", (_name, opts, expected) => {
    expect(dependsOnList(opts)).toEqual(expected);
  });

  it("refuses an Output: the children could not wait for what it holds", () => {
    expect(() => dependsOnList({ dependsOn: [pulumi.output(resource)] })).toThrow(
      "a gaia component's dependsOn must list resources, not Outputs: its children wait for them",
    );
  });
});
