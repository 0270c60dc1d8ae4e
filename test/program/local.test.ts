/**
 * index.ts for the local stack under Pulumi mocks: every registered resource and its exact inputs.
 */
import { homedir, tmpdir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { migrationFileList } from "../../src/migrations/resource";
import {
  installMocks,
  type Registration,
  resolved,
  SHARED_CONFIG,
  secretEnvelope,
  settle,
} from "./mocks";

const secret = secretEnvelope;
const LABELS = [{ label: "com.aeonia.gaia.stack", value: "local" }];
const SERVICES = ["gateway", "auth-service", "asset-service", "chat-service", "web-service"];
const PG_PW = "generated-gaia-local-postgres-password";
const REDIS_PW = "generated-gaia-local-redis-password";

let registered: Registration[];
let program: typeof import("../../index");

beforeAll(async () => {
  registered = await installMocks("local", SHARED_CONFIG);
  program = await import("../../index.ts");
  await settle(registered);
});

function one(type: string, name: string): Record<string, unknown> {
  const found = registered.filter((r) => r.type === type && r.name === name);
  expect(found).toHaveLength(1);
  return found[0]!.inputs;
}

describe("the local stack registers", () => {
  it("exactly these resources", () => {
    const tls = [
      "tls:index/privateKey:PrivateKey gaia-local-certs-ca-key",
      "tls:index/selfSignedCert:SelfSignedCert gaia-local-certs-ca",
      ...SERVICES.flatMap((s) => [
        `tls:index/privateKey:PrivateKey gaia-local-certs-${s}-key`,
        `tls:index/certRequest:CertRequest gaia-local-certs-${s}-csr`,
        `tls:index/locallySignedCert:LocallySignedCert gaia-local-certs-${s}-cert`,
      ]),
      "tls:index/privateKey:PrivateKey gaia-local-certs-jwt-key",
    ];
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        "gaia:local:DataTier gaia-local",
        "gaia:migrations:Migrations gaia-local-migrations",
        "command:local:Command gaia-local-migrations-migrate",
        "gaia:certs:DevCertificates gaia-local-certs",
        "docker:index/network:Network gaia-local-network",
        "docker:index/volume:Volume gaia-local-postgres-data",
        "docker:index/volume:Volume gaia-local-redis-data",
        "docker:index/volume:Volume gaia-local-certs",
        "docker:index/remoteImage:RemoteImage gaia-local-postgres-image",
        "docker:index/remoteImage:RemoteImage gaia-local-redis-image",
        "random:index/randomPassword:RandomPassword gaia-local-postgres-password",
        "random:index/randomPassword:RandomPassword gaia-local-redis-password",
        "docker:index/container:Container gaia-local-postgres",
        "docker:index/container:Container gaia-local-redis",
        "command:local:Command gaia-local-postgres-password-apply",
        "command:local:Command gaia-local-certs-write",
        ...tls,
      ].sort(),
    );
  });

  it("the gaia_net network and three labelled volumes", () => {
    expect(one("docker:index/network:Network", "gaia-local-network")).toEqual({
      name: "gaia_net",
      labels: LABELS,
    });
    for (const [name, volume] of [
      ["gaia-local-postgres-data", "gaia_postgres_data"],
      ["gaia-local-redis-data", "gaia_redis_data"],
      ["gaia-local-certs", "gaia_certs"],
    ]) {
      expect(one("docker:index/volume:Volume", name!)).toEqual({ name: volume, labels: LABELS });
    }
  });

  it("the two images, kept on destroy, and two generated alphanumeric passwords", () => {
    expect(one("docker:index/remoteImage:RemoteImage", "gaia-local-postgres-image")).toEqual({
      name: "pgvector/pgvector:pg15",
      keepLocally: true,
    });
    expect(one("docker:index/remoteImage:RemoteImage", "gaia-local-redis-image")).toEqual({
      name: "redis:7-alpine",
      keepLocally: true,
    });
    for (const name of ["gaia-local-postgres-password", "gaia-local-redis-password"]) {
      expect(one("random:index/randomPassword:RandomPassword", name)).toEqual({
        length: 32,
        special: false,
      });
    }
  });

  it("Postgres as `db` on gaia_net, healthy over TCP before creation completes", () => {
    expect(one("docker:index/container:Container", "gaia-local-postgres")).toEqual({
      name: "gaia-db-local",
      image: "sha256:pgvector/pgvector:pg15",
      envs: secret([
        "POSTGRES_DB=llm_platform",
        "POSTGRES_USER=postgres",
        `POSTGRES_PASSWORD=${PG_PW}`,
      ]),
      ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1" }],
      volumes: [{ volumeName: "gaia_postgres_data", containerPath: "/var/lib/postgresql/data" }],
      networksAdvanced: [{ name: "gaia_net", aliases: ["db"] }],
      healthcheck: {
        tests: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5432 -U postgres -d llm_platform"],
        interval: "2s",
        timeout: "5s",
        retries: 30,
        startPeriod: "10s",
      },
      wait: true,
      waitTimeout: 180,
      restart: "unless-stopped",
      labels: LABELS,
    });
  });

  it("Redis 7 as `redis`, append-only, its password only in the (secret) environment", () => {
    const redis = one("docker:index/container:Container", "gaia-local-redis");
    expect(redis).toEqual({
      name: "gaia-redis-local",
      image: "sha256:redis:7-alpine",
      command: [
        "sh",
        "-c",
        'exec docker-entrypoint.sh redis-server --appendonly yes --requirepass "$REDIS_PASSWORD"',
      ],
      envs: secret([`REDIS_PASSWORD=${REDIS_PW}`, `REDISCLI_AUTH=${REDIS_PW}`]),
      ports: [{ internal: 6379, external: 6379, ip: "127.0.0.1" }],
      volumes: [{ volumeName: "gaia_redis_data", containerPath: "/data" }],
      networksAdvanced: [{ name: "gaia_net", aliases: ["redis"] }],
      healthcheck: {
        tests: ["CMD-SHELL", "redis-cli -h 127.0.0.1 ping | grep -q PONG"],
        interval: "2s",
        timeout: "5s",
        retries: 15,
      },
      wait: true,
      waitTimeout: 60,
      restart: "unless-stopped",
      labels: LABELS,
    });
    expect(JSON.stringify(redis.command)).not.toContain(REDIS_PW);
  });

  it("a command that applies the Postgres password from secret stdin, re-run per container", () => {
    expect(one("command:local:Command", "gaia-local-postgres-password-apply")).toEqual({
      create:
        'docker exec -i "$GAIA_POSTGRES_CONTAINER" psql -U postgres -v ON_ERROR_STOP=1 -q -d postgres',
      environment: { GAIA_POSTGRES_CONTAINER: "gaia-db-local" },
      stdin: secret(`ALTER USER "postgres" PASSWORD '${PG_PW}';\n`),
      logging: "none",
      triggers: ["gaia-local-postgres-id"],
    });
  });

  it("the certificates, written into gaia_certs in the services' layout from secret stdin", () => {
    const write = one("command:local:Command", "gaia-local-certs-write");
    const { stdin, ...rest } = write;
    expect(rest).toEqual({
      create: expect.stringMatching(
        /^docker run --rm -i --network none --entrypoint sh -v "\$GAIA_CERTS_VOLUME:\/certs" "\$GAIA_HELPER_IMAGE" -c '/,
      ),
      environment: { GAIA_CERTS_VOLUME: "gaia_certs", GAIA_HELPER_IMAGE: "sha256:redis:7-alpine" },
      logging: "none",
    });
    const envelope = stdin as { value: string };
    expect(envelope).toEqual(secret(expect.any(String)));
    const files = Object.fromEntries(
      envelope.value
        .trimEnd()
        .split("\n")
        .map((line) => {
          const [path, data] = line.split(" ");
          return [path, Buffer.from(data!, "base64").toString("utf8")];
        }),
    );
    expect(files).toEqual({
      "ca.pem": "CERT gaia-local-certs-ca",
      "jwt-signing.key": "KEY gaia-local-certs-jwt-key",
      "jwt-signing.pub": "PUB gaia-local-certs-jwt-key",
      ...Object.fromEntries(
        SERVICES.flatMap((s) => [
          [`${s}/cert.pem`, `CERT gaia-local-certs-${s}-cert`],
          [`${s}/key.pem`, `KEY gaia-local-certs-${s}-key`],
        ]),
      ),
    });
  });

  it("migrations after the password is applied: files visible, URL only on secret stdin", () => {
    const files = migrationFileList("migrations", ["core", "vector"]);
    expect(files.split("\n")[0]).toMatch(/^core\/0001_live_schema\.sql:[0-9a-f]{64}$/);
    expect(one("command:local:Command", "gaia-local-migrations-migrate")).toEqual({
      create:
        "exec node bin/gaia-db.js migrate local --stdin-config --modules core,vector --json --isolation off",
      update:
        "exec node bin/gaia-db.js migrate local --stdin-config --modules core,vector --json --isolation off",
      stdin: secret(
        JSON.stringify({
          databaseUrl: `postgresql://postgres:${PG_PW}@localhost:5432/llm_platform`,
          supabaseProjectRef: "lbaohvnusingoztdzlmj",
        }),
      ),
      environment: {
        GAIA_RESOURCE_KIND: "migration",
        GAIA_STACK: "local",
        GAIA_MIGRATION_MODULES: "core,vector",
        GAIA_MIGRATION_FILES: files,
        GAIA_TIMEOUT_SECONDS: "3600",
      },
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: false,
    });
    expect(program.migrationFiles).toBe(files);
  });

  it("every child is named after its component", () => {
    for (const r of registered) expect(r.name.startsWith("gaia-local")).toBe(true);
  });
});

describe("the local stack's outputs", () => {
  it("host-side and in-network endpoints, URLs as secrets", async () => {
    expect(program.environment).toBe("local");
    expect([program.supabaseProjectRef, program.supabaseUrl]).toEqual([
      "lbaohvnusingoztdzlmj",
      "https://lbaohvnusingoztdzlmj.supabase.co",
    ]);
    // Optional locally: `gaia-db env local` prints them empty with the config to set.
    expect([program.supabaseAnonKey, program.supabaseJwtSecret]).toEqual([undefined, undefined]);
    expect([program.postgresHost, program.postgresPort]).toEqual(["localhost", 5432]);
    expect([program.redisHost, program.redisPort]).toEqual(["localhost", 6379]);
    expect(await resolved(program.certificatesVolume!)).toBe("gaia_certs");
    const urls = {
      databaseUrl: `postgresql://postgres:${PG_PW}@localhost:5432/llm_platform`,
      internalDatabaseUrl: `postgresql://postgres:${PG_PW}@db:5432/llm_platform`,
      redisUrl: `redis://:${REDIS_PW}@localhost:6379`,
      internalRedisUrl: `redis://:${REDIS_PW}@redis:6379`,
    } as const;
    for (const [name, url] of Object.entries(urls)) {
      const output = program[name as keyof typeof urls]!;
      expect(await resolved(output)).toBe(url);
      expect(await pulumi.isSecret(output)).toBe(true);
    }
  });
});

describe("no resource input", () => {
  function strings(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) for (const v of value) strings(v, out);
    else if (value && typeof value === "object")
      for (const v of Object.values(value)) strings(v, out);
    return out;
  }
  const all = () => registered.flatMap((r) => strings(r.inputs));

  it("contains this checkout's path, the home or temp directory", () => {
    const forbidden = [process.cwd(), homedir(), tmpdir(), "/work/", "/home/", "/Users/"];
    for (const s of all()) for (const f of forbidden) expect(s).not.toContain(f);
  });

  it("is an absolute path other than the two container data directories", () => {
    expect(new Set(all().filter((s) => s.startsWith("/")))).toEqual(
      new Set(["/var/lib/postgresql/data", "/data"]),
    );
  });
});
