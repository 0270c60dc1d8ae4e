/**
 * The local stack with configured passwords and ports: nothing is generated, the configured
 * values reach the containers as secrets, and the URLs encode them.
 */
import { beforeAll, expect, it } from "vitest";
import {
  installMocks,
  type Registration,
  resolved,
  SHARED_CONFIG,
  secretEnvelope,
  settle,
} from "./mocks";

let registered: Registration[];
let program: typeof import("../../index");

beforeAll(async () => {
  registered = await installMocks(
    "local",
    {
      ...SHARED_CONFIG,
      "gaia:environment": "local",
      "gaia:postgresPassword": "p@ss w'rd/1:%#?",
      "gaia:redisPassword": "r:pw",
      "gaia:local": JSON.stringify({ postgresPort: "15432", redisPort: 16379 }),
      "gaia:postgres": JSON.stringify({ name: "my-db" }),
    },
    ["gaia:postgresPassword", "gaia:redisPassword"],
  );
  program = await import("../../index.ts");
  await settle(registered);
});

it("generates no password", () => {
  expect(registered.filter((r) => r.type.startsWith("random:"))).toEqual([]);
});

it("passes the configured passwords as secrets", () => {
  const pg = registered.find((r) => r.name === "gaia-local-postgres")!.inputs;
  expect(pg.envs).toEqual(
    secretEnvelope([
      "POSTGRES_DB=llm_platform",
      "POSTGRES_USER=postgres",
      "POSTGRES_PASSWORD=p@ss w'rd/1:%#?",
    ]),
  );
  expect(pg.name).toBe("my-db");
  expect(pg.ports).toEqual([{ internal: 5432, external: 15432, ip: "127.0.0.1" }]);
  const apply = registered.find((r) => r.name === "gaia-local-postgres-password-apply")!.inputs;
  expect(apply.stdin).toEqual(
    secretEnvelope(`ALTER USER "postgres" PASSWORD 'p@ss w''rd/1:%#?';\n`),
  );
  expect(apply.environment).toEqual({ GAIA_POSTGRES_CONTAINER: "my-db" });
});

it("URL-encodes them in the connection URLs, on the configured ports", async () => {
  expect(await resolved(program.databaseUrl!)).toBe(
    "postgresql://postgres:p%40ss%20w'rd%2F1%3A%25%23%3F@localhost:15432/llm_platform",
  );
  expect(await resolved(program.internalDatabaseUrl!)).toBe(
    "postgresql://postgres:p%40ss%20w'rd%2F1%3A%25%23%3F@db:5432/llm_platform",
  );
  expect(await resolved(program.redisUrl!)).toBe("redis://:r%3Apw@localhost:16379");
  expect(program.postgresPort).toBe(15432);
});
