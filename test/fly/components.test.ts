/**
 * The components' exact command inputs and child names, under plain mocks (nothing runs here; the
 * end-to-end test executes them). Mocks do not see resource options, so protection is asserted
 * through the options function each child asks.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { type ProtectionOptions, resourceOptions } from "../../src/config/options";
import { scriptHash } from "../../src/fly/command";
import {
  CERTIFICATE_SECRETS,
  certificateSecrets,
  FlyPostgres,
  FlyRedis,
  FlyServiceApps,
  managedDatabaseUrl,
} from "../../src/fly/components";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const asked: [string, string][] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, stdout: '{"origin":"created"}' } };
      },
      call: () => {
        throw new Error("no invokes");
      },
    },
    "gaia",
    "production",
  );
  const options = (component: string) => (kind: string) => {
    asked.push([component, kind]);
    return {};
  };
  new FlyPostgres(
    "postgres",
    {
      environment: "production",
      kind: "unmanaged",
      name: "gaia-db-production",
      org: "aeonia-dev",
      region: "lax",
      vmSize: "shared-cpu-1x",
      volumeSizeGb: 10,
      clusterSize: 1,
      plan: "basic",
      majorVersion: 16,
      allowRestart: false,
      postgresPassword: pulumi.secret("pw"),
      database: "llm_platform",
      migrationsChecksum: "abc",
    },
    { childOptions: options("postgres") },
  );
  new FlyRedis(
    "redis",
    {
      environment: "production",
      name: "gaia-redis-production",
      org: "aeonia-dev",
      region: "lax",
      eviction: true,
      replicaRegions: ["sjc"],
    },
    { childOptions: options("redis") },
  );
  new FlyServiceApps(
    "services",
    {
      environment: "production",
      org: "aeonia-dev",
      region: "lax",
      apps: { gateway: "gaia-gateway-production" },
      volumeName: "gaia_certs",
      volumeSizeGb: 1,
      volumesPerApp: 2,
      certificateFiles: pulumi.secret({
        "ca.pem": "CA",
        "gateway/cert.pem": "C",
        "gateway/key.pem": "K",
        "jwt-signing.key": "JK",
        "jwt-signing.pub": "JP",
      }),
    },
    { childOptions: options("services") },
  );
  // Let every registration reach the mock.
  await new Promise((r) => setTimeout(r, 500));
});

const commands = () => registered.filter((r) => r.type === "command:local:Command");
const byName = (name: string) => registered.find((r) => r.name === name)!;
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

describe("gaia:fly components", () => {
  it("register their types and children named after the component", () => {
    expect(
      registered.filter((r) => r.type.startsWith("gaia:fly:")).map((r) => [r.type, r.name]),
    ).toEqual([
      ["gaia:fly:Postgres", "postgres"],
      ["gaia:fly:Redis", "redis"],
      ["gaia:fly:ServiceApps", "services"],
    ]);
    expect(
      commands()
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      "postgres-cluster",
      "postgres-database",
      "postgres-pre-migration-snapshot",
      "redis-redis",
      "services-gateway-app",
      "services-gateway-secrets",
      "services-gateway-volumes",
    ]);
  });

  it("declare the Postgres cluster command exactly", () => {
    const c = byName("postgres-cluster").inputs;
    expect(c).toEqual({
      create: "exec node --import tsx src/fly/scripts/command.ts create",
      update: "exec node --import tsx src/fly/scripts/command.ts update",
      delete: "exec node --import tsx src/fly/scripts/command.ts delete",
      environment: {
        GAIA_RESOURCE_KIND: "postgres",
        GAIA_STACK: "production",
        GAIA_SCRIPT_SHA256: scriptHash(),
        GAIA_TIMEOUT_SECONDS: "1800",
        POSTGRES_KIND: "unmanaged",
        APP_NAME: "gaia-db-production",
        ORG: "aeonia-dev",
        REGION: "lax",
        VM_SIZE: "shared-cpu-1x",
        CLUSTER_SIZE: "1",
        ALLOW_RESTART: "false",
        VOLUME_SIZE_GB: "10",
      },
      stdin: { ...SECRET, value: '{"password":"pw"}' },
      logging: "none",
    });
  });

  it("keep every environment map free of secrets and carry the policy-pack keys", () => {
    for (const c of commands()) {
      const env = c.inputs.environment as Record<string, unknown>;
      expect(Object.values(env).every((v) => typeof v === "string")).toBe(true);
      expect(env.GAIA_STACK).toBe("production");
      expect(typeof env.GAIA_RESOURCE_KIND).toBe("string");
      expect(c.inputs.triggers).toBeUndefined();
    }
  });

  it("declare Redis, volumes, secrets, app and snapshot parameters", () => {
    const env = (n: string) => byName(n).inputs.environment as Record<string, string>;
    expect(env("redis-redis")).toMatchObject({
      GAIA_RESOURCE_KIND: "redis",
      REDIS_NAME: "gaia-redis-production",
      EVICTION: "true",
      REPLICA_REGIONS: "sjc",
    });
    expect(byName("redis-redis").inputs.logging).toBe("none");
    expect(env("services-gateway-volumes")).toMatchObject({
      GAIA_RESOURCE_KIND: "certificate-volume",
      APP_NAME: "gaia-gateway-production",
      VOLUME_NAME: "gaia_certs",
      VOLUME_SIZE_GB: "1",
      VOLUME_COUNT: "2",
      REGION: "lax",
    });
    expect(env("services-gateway-secrets").SECRET_NAMES).toBe(
      "GAIA_TLS_CA_PEM_B64,GAIA_TLS_CERT_PEM_B64,GAIA_TLS_KEY_PEM_B64,GAIA_JWT_SIGNING_KEY_B64,GAIA_JWT_SIGNING_PUB_B64",
    );
    expect(byName("services-gateway-secrets").inputs.stdin).toEqual({
      ...SECRET,
      value: JSON.stringify({
        secrets: certificateSecrets(
          {
            "ca.pem": "CA",
            "gateway/cert.pem": "C",
            "gateway/key.pem": "K",
            "jwt-signing.key": "JK",
            "jwt-signing.pub": "JP",
          },
          "gateway",
        ),
      }),
    });
    // App shells, databases and snapshots have no delete: nothing of theirs is ever destroyed.
    for (const n of [
      "services-gateway-app",
      "postgres-database",
      "postgres-pre-migration-snapshot",
    ])
      expect(byName(n).inputs.delete).toBeUndefined();
    expect(env("postgres-pre-migration-snapshot")).toMatchObject({
      GAIA_RESOURCE_KIND: "snapshot",
      MIGRATIONS_CHECKSUM: "abc",
    });
  });

  it("ask the options function for each child's protection kind", () => {
    expect(asked).toEqual([
      ["postgres", "database"],
      ["postgres", "database"],
      ["redis", "redis"],
      ["services", "app"],
      ["services", "volume"],
      ["services", "certificate"],
    ]);
  });
});

describe("production protection, with the lead's resourceOptions", () => {
  it("protects and retains every data-holding child; app shells are retained, never protected", () => {
    // Each child's options come from the kind it asks for (asserted above); mocks cannot see them.
    const byChild: Record<string, ProtectionOptions> = {};
    const children = [
      ["postgres-cluster", "database"],
      ["postgres-database", "database"],
      ["redis-redis", "redis"],
      ["services-gateway-app", "app"],
      ["services-gateway-volumes", "volume"],
      ["services-gateway-secrets", "certificate"],
    ] as const;
    for (const [child, kind] of children) byChild[child] = resourceOptions("production", kind);
    expect(byChild).toEqual({
      "postgres-cluster": { protect: true, retainOnDelete: true },
      "postgres-database": { protect: true, retainOnDelete: true },
      "redis-redis": { protect: true, retainOnDelete: true },
      "services-gateway-app": { protect: false, retainOnDelete: true },
      "services-gateway-volumes": { protect: true, retainOnDelete: true },
      "services-gateway-secrets": { protect: false, retainOnDelete: false },
    });
    expect(resourceOptions("dev", "database")).toEqual({ protect: false, retainOnDelete: false });
  });
});

// Every character that changes how a URL parses when left unencoded.
const AWKWARD = "a/b@c:d%e#f?g h&i=j+k'l";
const AWKWARD_ENCODED = "a%2Fb%40c%3Ad%25e%23f%3Fg%20h%26i%3Dj%2Bk'l";

describe("managedDatabaseUrl", () => {
  it.each([
    [
      "postgresql://fly-user:pw@pgbouncer.abc.flympg.net/fly-db",
      "postgresql://fly-user:pw@pgbouncer.abc.flympg.net/llm_platform",
    ],
    [
      `postgresql://fly-user:${AWKWARD_ENCODED}@pgbouncer.abc.flympg.net:5432/fly-db?sslmode=require`,
      `postgresql://fly-user:${AWKWARD_ENCODED}@pgbouncer.abc.flympg.net:5432/llm_platform?sslmode=require`,
    ],
    [null, ""],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(managedDatabaseUrl(input, "llm_platform")).toBe(expected);
  });
  it("refuses a connection string that is not a PostgreSQL URL without quoting it", () => {
    expect(() =>
      managedDatabaseUrl("postgresql://fly-user:/S3cr3t@pgbouncer.abc.flympg.net/fly-db", "x"),
    ).toThrow(
      "the connection string of fly mpg create is not a valid PostgreSQL URL: it has an @ after the host part: an unencoded / or ? in the password (or user) ended the host part early;",
    );
  });
});

describe("FlyPostgres.databaseUrl", () => {
  it("percent-encodes the password and stays a secret", async () => {
    const pg = new FlyPostgres("encoded", {
      environment: "dev",
      kind: "unmanaged",
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      vmSize: "shared-cpu-1x",
      volumeSizeGb: 10,
      clusterSize: 1,
      plan: "basic",
      majorVersion: 16,
      allowRestart: false,
      postgresPassword: pulumi.secret(AWKWARD),
      database: "llm_platform",
    });
    expect(await new Promise((resolve) => pg.databaseUrl.apply(resolve))).toBe(
      `postgres://postgres:${AWKWARD_ENCODED}@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable`,
    );
    expect(await pulumi.isSecret(pg.databaseUrl)).toBe(true);
  });
});

describe("certificateSecrets", () => {
  it("base64-encodes the service's files under the documented names", () => {
    const s = certificateSecrets(
      {
        "ca.pem": "A#1\n",
        "web-service/cert.pem": "c",
        "web-service/key.pem": "k",
        "jwt-signing.key": "p",
        "jwt-signing.pub": "q",
      },
      "web-service",
    );
    expect(s).toEqual({
      [CERTIFICATE_SECRETS.ca]: Buffer.from("A#1\n").toString("base64"),
      [CERTIFICATE_SECRETS.cert]: "Yw==",
      [CERTIFICATE_SECRETS.key]: "aw==",
      [CERTIFICATE_SECRETS.jwtPrivate]: "cA==",
      [CERTIFICATE_SECRETS.jwtPublic]: "cQ==",
    });
  });
  it("names the missing file and the services that have certificates", () => {
    expect(() => certificateSecrets({ "ca.pem": "x", "gateway/cert.pem": "c" }, "kb")).toThrow(
      "certificate files have no kb/cert.pem (services with certificates: gateway)",
    );
  });
});
