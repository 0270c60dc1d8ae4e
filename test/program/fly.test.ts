/**
 * index.ts for a Fly stack under plain mocks: valid config registers the Fly data tier with its
 * migrations; bad config ends the program with
 * every problem at once, as a RunError (which the language host prints without a stack trace).
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { migrationSetChecksum } from "../../src/migrations/resource";
import { FLY_SECRETS, rawConfig } from "../config/stackFiles";
import { installMocks, resolved, secretEnvelope, settle } from "./mocks";

describe("index.ts on the dev stack", () => {
  it("with bad config reports every problem and registers nothing", async () => {
    const registered = await installMocks(
      "dev",
      {
        ...rawConfig("dev", FLY_SECRETS),
        "gaia:postgres": JSON.stringify({ volumeSizeGb: 0 }),
        "gaia:redisPasword": "x",
      },
      // postgresPassword was set without --secret.
      ["gaia:supabaseAnonKey", "gaia:supabaseJwtSecret"],
    );
    vi.resetModules();
    const error = await import("../../index.ts").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      [
        'Stack "dev" (Pulumi.dev.yaml) has 3 configuration problems; nothing was deployed.',
        '- gaia:redisPasword: received "x"; allowed: a known key (did you mean gaia:redisPassword?).',
        "  Fix: pulumi config rm gaia:redisPasword -s dev",
        "- gaia:postgresPassword: received a plain-text value (it was set without --secret); allowed: a secret set with --secret.",
        "  Fix: pulumi config set --secret gaia:postgresPassword -s dev",
        "- gaia:postgres.volumeSizeGb: received 0; allowed: a whole number from 1 to 500 (managed: at least 10).",
        "  Fix: pulumi config set --path 'gaia:postgres.volumeSizeGb' 10 -s dev",
      ].join("\n"),
    );
    expect((error as Error).message).not.toContain("pg-secret-value");
    expect(registered).toEqual([]);
  });

  it("with valid config registers the Fly data tier, migrations through fly proxy", async () => {
    const registered = await installMocks(
      "dev",
      rawConfig("dev", FLY_SECRETS),
      Object.keys(FLY_SECRETS),
    );
    vi.resetModules();
    const program = await import("../../index.ts");
    await settle(registered);
    const services = ["gateway", "auth-service", "asset-service", "chat-service", "web-service"];
    const commands = registered
      .filter((r) => r.type === "command:local:Command")
      .map((r) => r.name)
      .sort();
    expect(commands).toEqual(
      [
        "gaia-dev-postgres-cluster",
        "gaia-dev-postgres-database",
        "gaia-dev-redis-redis",
        "gaia-dev-migrations-migrate",
        ...services.flatMap((s) => [
          `gaia-dev-services-${s}-app`,
          `gaia-dev-services-${s}-volumes`,
          `gaia-dev-services-${s}-secrets`,
          `gaia-dev-service-secrets-${s}-secrets`,
        ]),
        "gaia-dev-service-secrets-app-login",
      ].sort(),
    );
    const byName = (name: string) => registered.find((r) => r.name === name)!.inputs;
    const cluster = byName("gaia-dev-postgres-cluster");
    expect(cluster.environment).toMatchObject({
      GAIA_RESOURCE_KIND: "postgres",
      GAIA_STACK: "dev",
      POSTGRES_KIND: "unmanaged",
      APP_NAME: "gaia-db-dev",
      ORG: "aeonia-dev",
      REGION: "lax",
      VM_SIZE: "shared-cpu-1x",
      CLUSTER_SIZE: "1",
      VOLUME_SIZE_GB: "10",
    });
    // The postgres password reaches the command only on (secret) stdin.
    expect(JSON.stringify(cluster.environment)).not.toContain(FLY_SECRETS["gaia:postgresPassword"]);
    expect(cluster.stdin).toEqual(
      secretEnvelope(JSON.stringify({ password: FLY_SECRETS["gaia:postgresPassword"] })),
    );
    const migrate = byName("gaia-dev-migrations-migrate");
    expect(migrate.create).toBe(
      "exec node bin/gaia-db.js migrate dev --stdin-config --modules core,vector --json --isolation off --fly-app gaia-db-dev",
    );
    expect(migrate.stdin).toEqual(
      secretEnvelope(
        JSON.stringify({
          databaseUrl: `postgres://postgres:${FLY_SECRETS["gaia:postgresPassword"]}@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable`,
          supabaseProjectRef: "lbaohvnusingoztdzlmj",
        }),
      ),
    );
    expect(registered.some((r) => r.name.includes("snapshot"))).toBe(false);
    expect(program.environment).toBe("dev");
    expect(program.postgresApp).toBe("gaia-db-dev");
    expect(await pulumi.isSecret(program.databaseUrl!)).toBe(true);
    expect(program.postgresHost).toBeUndefined();
  });

  it("percent-encodes the postgres password in every URL it builds, which stay secrets", async () => {
    const password = "a/b@c:d%e#f?g h&i=j+k'l";
    const encoded = "a%2Fb%40c%3Ad%25e%23f%3Fg%20h%26i%3Dj%2Bk'l";
    const registered = await installMocks(
      "dev",
      rawConfig("dev", { ...FLY_SECRETS, "gaia:postgresPassword": password }),
      Object.keys(FLY_SECRETS),
    );
    vi.resetModules();
    const program = await import("../../index.ts");
    await settle(registered);
    const url = `postgres://postgres:${encoded}@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable`;
    const byName = (name: string) => registered.find((r) => r.name === name)!.inputs;
    expect(byName("gaia-dev-migrations-migrate").stdin).toEqual(
      secretEnvelope(
        JSON.stringify({ databaseUrl: url, supabaseProjectRef: "lbaohvnusingoztdzlmj" }),
      ),
    );
    expect(byName("gaia-dev-service-secrets-app-login").stdin).toEqual(
      secretEnvelope(
        JSON.stringify({
          databaseUrl: url,
          appPassword: "generated-gaia-dev-service-secrets-app-password",
        }),
      ),
    );
    expect(await resolved(program.databaseUrl!)).toBe(url);
    expect(await pulumi.isSecret(program.databaseUrl!)).toBe(true);
  });

  it("production snapshots before migrating and enforces isolation", async () => {
    const registered = await installMocks(
      "production",
      rawConfig("production", FLY_SECRETS),
      Object.keys(FLY_SECRETS),
    );
    vi.resetModules();
    await import("../../index.ts");
    await settle(registered);
    const snapshot = registered.find(
      (r) => r.name === "gaia-production-postgres-pre-migration-snapshot",
    );
    expect(snapshot?.inputs.environment).toMatchObject({
      GAIA_RESOURCE_KIND: "snapshot",
      APP_NAME: "gaia-db-production",
      MIGRATIONS_CHECKSUM: migrationSetChecksum("migrations", ["core", "vector"]),
    });
    const migrate = registered.find((r) => r.name === "gaia-production-migrations-migrate");
    expect(migrate?.inputs.create).toBe(
      "exec node bin/gaia-db.js migrate production --stdin-config --modules core,vector --json --isolation on --fly-app gaia-db-production",
    );
  });
});
