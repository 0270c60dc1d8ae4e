/**
 * gaia:fly:ServiceSecrets under plain mocks: the exact inputs of every child (nothing runs here;
 * serviceSecretsE2e.test.ts executes them), secrets only as envelopes on stdin, never in an
 * environment map or a command string; plus the pure helpers, table-driven.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { scriptHash } from "../../src/fly/command";
import { importLine, parseSecretsList } from "../../src/fly/runtime/serviceSecretsCommand";
import { appLoginCommandLine, serviceDatabaseUrl } from "../../src/fly/serviceDatabase";
import { FlyServiceSecrets } from "../../src/fly/serviceSecrets";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const asked: [string, string][] = [];
let component: FlyServiceSecrets;
const RESULT =
  '{"app":"gaia-auth-production","staged":["REDIS_URL"],"kept":[{"name":"DATABASE_URL","reason":"already set"}],"records":{"REDIS_URL":{"fingerprint":"f","flyDigest":"d"}}}';

const SECRETS = {
  admin:
    "postgres://postgres:admin-pw-xyz@gaia-db-production.flycast:5432/llm_platform?sslmode=disable",
  redis: "redis://default:redis-pw-xyz@fly-gaia-redis-production.upstash.io:6379",
  anon: "anon-key-xyz",
  jwt: "jwt-secret-xyz",
  generated: "GeneratedPassword0123456789abcdef",
};

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state =
          args.type === "random:index/randomPassword:RandomPassword"
            ? { ...args.inputs, result: SECRETS.generated }
            : { ...args.inputs, stdout: RESULT };
        return { id: `${args.name}-id`, state };
      },
      call: () => {
        throw new Error("no invokes");
      },
    },
    "gaia",
    "production",
  );
  component = new FlyServiceSecrets(
    "wiring",
    {
      environment: "production",
      apps: { "auth-service": "gaia-auth-production", gateway: "gaia-gateway-production" },
      postgresApp: "gaia-db-production",
      database: "llm_platform",
      databaseUrl: pulumi.secret(SECRETS.admin),
      redisUrl: pulumi.secret(SECRETS.redis),
      supabaseUrl: "https://lbaohvnusingoztdzlmj.supabase.co",
      supabaseAnonKey: pulumi.secret(SECRETS.anon),
      supabaseJwtSecret: pulumi.secret(SECRETS.jwt),
      adoptSecrets: false,
      appPasswordRotation: "2026-11",
    },
    {
      childOptions: (kind) => {
        asked.push(["wiring", kind]);
        return {};
      },
    },
  );
  new FlyServiceSecrets("given", {
    environment: "dev",
    apps: { gateway: "gaia-gateway-dev" },
    postgresApp: "gaia-db-dev",
    database: "llm_platform",
    databaseUrl: pulumi.secret("postgres://postgres:a@gaia-db-dev.flycast:5432/llm_platform"),
    redisUrl: pulumi.secret("redis://r"),
    supabaseUrl: "https://x.supabase.co",
    supabaseAnonKey: pulumi.secret("anon"),
    supabaseJwtSecret: pulumi.secret("jwt"),
    adoptSecrets: true,
    jwtServices: ["gateway"],
    appPassword: pulumi.secret("given-password-123"),
  });
  await new Promise((r) => setTimeout(r, 500));
});

const byName = (name: string) => {
  const r = registered.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}`);
  return r;
};
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const dbUrl = (pw: string) =>
  `postgres://gaia_app_production:${pw}@gaia-db-production.flycast:5432/llm_platform?sslmode=disable`;

describe("gaia:fly:ServiceSecrets", () => {
  it("registers its type and children named after the component", () => {
    expect(
      registered
        .filter((r) => r.name.startsWith("wiring"))
        .map((r) => [r.type, r.name])
        // Registration order follows output resolution, not declaration.
        .sort((a, b) => a[1]!.localeCompare(b[1]!)),
    ).toEqual([
      ["gaia:fly:ServiceSecrets", "wiring"],
      ["command:local:Command", "wiring-app-login"],
      ["random:index/randomPassword:RandomPassword", "wiring-app-password"],
      ["command:local:Command", "wiring-auth-service-secrets"],
      ["command:local:Command", "wiring-gateway-secrets"],
    ]);
    expect(
      registered
        .filter((r) => r.name.startsWith("given"))
        .map((r) => r.name)
        .sort(),
    ).toEqual(["given", "given-app-login", "given-gateway-secrets"]);
    expect(asked).toEqual([
      ["wiring", "app"],
      ["wiring", "app"],
      ["wiring", "app"],
    ]);
  });

  it("generates a 32-character URL-safe password, rotated by its keeper", () => {
    expect(byName("wiring-app-password").inputs).toEqual({
      length: 32,
      special: false,
      keepers: { rotation: "2026-11" },
    });
  });

  it("runs gaia-db app-login with the admin URL and the password on stdin only", () => {
    expect(byName("wiring-app-login").inputs).toEqual({
      create:
        "exec node bin/gaia-db.js app-login production --stdin-config --fly-app gaia-db-production --json",
      environment: { GAIA_STACK: "production", GAIA_TIMEOUT_SECONDS: "600" },
      stdin: {
        ...SECRET,
        value: JSON.stringify({ databaseUrl: SECRETS.admin, appPassword: SECRETS.generated }),
      },
      logging: "stdoutAndStderr",
    });
  });

  it("stages DATABASE_URL, REDIS_URL and the Supabase settings for the auth service", () => {
    const hash = scriptHash();
    const fly = (op: string) => `exec node --import tsx src/fly/scripts/command.ts ${op}`;
    expect(byName("wiring-auth-service-secrets").inputs).toEqual({
      create: fly("create"),
      update: fly("update"),
      environment: {
        GAIA_RESOURCE_KIND: "service-secrets",
        GAIA_STACK: "production",
        GAIA_SCRIPT_SHA256: hash,
        GAIA_TIMEOUT_SECONDS: "1800",
        APP_NAME: "gaia-auth-production",
        SERVICE: "auth-service",
        SECRET_NAMES: "DATABASE_URL,REDIS_URL,SUPABASE_URL,SUPABASE_ANON_KEY,SUPABASE_JWT_SECRET",
        ADOPT_SECRETS: "false",
      },
      stdin: {
        ...SECRET,
        value: JSON.stringify({
          values: {
            DATABASE_URL: dbUrl(SECRETS.generated),
            REDIS_URL: SECRETS.redis,
            SUPABASE_URL: "https://lbaohvnusingoztdzlmj.supabase.co",
            SUPABASE_ANON_KEY: SECRETS.anon,
            SUPABASE_JWT_SECRET: SECRETS.jwt,
          },
        }),
      },
      logging: "none",
    });
    expect(byName("wiring-gateway-secrets").inputs).toMatchObject({
      environment: {
        APP_NAME: "gaia-gateway-production",
        SERVICE: "gateway",
        SECRET_NAMES: "DATABASE_URL,REDIS_URL",
        ADOPT_SECRETS: "false",
      },
      stdin: {
        ...SECRET,
        value: JSON.stringify({
          values: { DATABASE_URL: dbUrl(SECRETS.generated), REDIS_URL: SECRETS.redis },
        }),
      },
    });
  });

  it("follows jwtServices, adoptSecrets and a given password", () => {
    expect(byName("given-gateway-secrets").inputs).toMatchObject({
      environment: {
        APP_NAME: "gaia-gateway-dev",
        SECRET_NAMES: "DATABASE_URL,REDIS_URL,SUPABASE_URL,SUPABASE_ANON_KEY,SUPABASE_JWT_SECRET",
        ADOPT_SECRETS: "true",
      },
    });
    const stdin = JSON.parse(
      (byName("given-app-login").inputs.stdin as { value: string }).value,
    ) as Record<string, string>;
    expect(stdin.appPassword).toBe("given-password-123");
  });

  it("keeps every secret out of environment maps and command strings", () => {
    const values = [...Object.values(SECRETS), "given-password-123", "redis://r"];
    for (const r of registered.filter((x) => x.type === "command:local:Command")) {
      const plain = JSON.stringify({ ...r.inputs, stdin: undefined });
      for (const v of values) expect(plain).not.toContain(v);
      expect(Object.keys(r.inputs.stdin as object)).toEqual([...Object.keys(SECRET), "value"]);
      expect(r.inputs.triggers).toBeUndefined();
      // Nothing is unset or dropped on delete: running services keep their settings and login.
      expect(r.inputs.delete).toBeUndefined();
    }
  });

  it("exposes the services' URL as a secret and kept/staged names in the clear", async () => {
    const out = <T>(o: pulumi.Output<T>) =>
      new Promise<{ value: T; secret: boolean }>((resolve) =>
        pulumi
          .all([o, (o as unknown as { isSecret: Promise<boolean> }).isSecret])
          .apply(([value, secret]) => resolve({ value: value as T, secret })),
      );
    expect(await out(component.serviceDatabaseUrl)).toEqual({
      value: dbUrl(SECRETS.generated),
      secret: true,
    });
    expect((await out(component.kept)).value).toEqual({
      "gaia-auth-production": ["DATABASE_URL"],
      "gaia-gateway-production": ["DATABASE_URL"],
    });
    expect((await out(component.staged)).value).toEqual({
      "gaia-auth-production": ["REDIS_URL"],
      "gaia-gateway-production": ["REDIS_URL"],
    });
  });
});

describe("helpers", () => {
  it("builds the command line and the flycast URL", () => {
    expect(appLoginCommandLine("staging", "gaia-db-staging")).toBe(
      "exec node bin/gaia-db.js app-login staging --stdin-config --fly-app gaia-db-staging --json",
    );
    expect(serviceDatabaseUrl("gaia-db-dev", "llm_platform", "dev", "p@ss/w:rd")).toBe(
      "postgres://gaia_app_dev:p%40ss%2Fw%3Ard@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable",
    );
    // A % is encoded too: "50%41" must not reach the service as "50A".
    expect(serviceDatabaseUrl("gaia-db-dev", "llm_platform", "dev", "50%41#? x&=+")).toBe(
      "postgres://gaia_app_dev:50%2541%23%3F%20x%26%3D%2B@gaia-db-dev.flycast:5432/llm_platform?sslmode=disable",
    );
  });

  const lines: [string, string, string][] = [
    ["plain", "redis://default:pw@h:6379", "REDIS_URL=redis://default:pw@h:6379"],
    ["a # would be a comment", "ab#cd", 'REDIS_URL="ab#cd"'],
    ["surrounding quotes would be stripped", '"q"', 'REDIS_URL=""q""'],
    ["single quotes too", "'q'", "REDIS_URL=\"'q'\""],
    ["leading spaces would be trimmed", "  v", 'REDIS_URL="  v"'],
    ["a quote inside is fine", 'a"b', 'REDIS_URL=a"b'],
  ];
  it.each(lines)("importLine: %s", (_why, value, line) => {
    expect(importLine("REDIS_URL", value)).toBe(line);
  });
  it.each([
    ["a\nb", "REDIS_URL contains a line break: fly secrets import cannot take it"],
    ['a"#b', 'REDIS_URL contains both " and #: fly secrets import would cut it; change the value'],
  ])("importLine refuses %j by name only", (value, message) => {
    expect(() => importLine("REDIS_URL", value)).toThrow(message);
  });

  it("parses fly secrets list --json with or without status", () => {
    expect(
      parseSecretsList('[{"name":"A","digest":"d1","status":"Staged"},{"name":"B","digest":"d2"}]'),
    ).toEqual([
      { name: "A", digest: "d1" },
      { name: "B", digest: "d2" },
    ]);
    expect(() => parseSecretsList("oops")).toThrow(
      "fly secrets list --json printed something that is not JSON",
    );
    expect(() => parseSecretsList('{"a":1}')).toThrow(
      "fly secrets list --json printed no list of secrets",
    );
    expect(() => parseSecretsList('[{"name":"A"}]')).toThrow(
      "fly secrets list --json printed a row without name and digest",
    );
  });
});
