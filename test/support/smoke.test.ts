import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, dropAll, withClient } from "./postgres";

afterAll(dropAll);

describe("test PostgreSQL", () => {
  it("is a real PostgreSQL 15 server", async () => {
    const url = await createTestDatabase();
    const version = await withClient(
      url,
      async (c) => (await c.query("SHOW server_version_num")).rows[0].server_version_num,
    );
    expect(Number(version)).toBeGreaterThanOrEqual(150000);
    expect(Number(version)).toBeLessThan(160000);
  });
});
