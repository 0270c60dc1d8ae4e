/**
 * The production default holds everywhere: a binding created by migrate, baseline or bind takes
 * gaia:isolation.enforce's per-environment default (src/config/schema.ts) when no --isolation is
 * given; an omitted flag leaves an existing binding as it is. Through the binary.
 */
import { afterAll, describe, expect, it } from "vitest";
import { defaultsFor } from "../../../src/config/schema";
import { bindingUpdate } from "../../../src/migrations/analysis";
import { migrate } from "../../../src/migrations/commands/migrate";
import type { Binding } from "../../../src/migrations/ledger";
import { ENVIRONMENTS } from "../../../src/shared/vocabulary";
import { dropAll } from "../../support/postgres";
import { q, removeTrees, runCliProcess, setupRun } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const TREE = { "core/0001_t.sql": "CREATE TABLE t (x int);\n" };
const isolation = (url: string) =>
  q(url, "SELECT environment, isolation_enforced FROM gaia_migrations.binding");
const history = (url: string) =>
  q(url, "SELECT event, detail FROM gaia_migrations.history ORDER BY id");

describe("a new binding takes the environment's default", () => {
  it("gaia-db migrate production on a fresh database enforces isolation without --isolation", async () => {
    const { url, dir } = await setupRun("gaia_iso", TREE, "production");
    const env = { DATABASE_URL: url };
    const r = await runCliProcess(["migrate", "production", "--migrations-dir", dir], { env });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await isolation(url)).toEqual([{ environment: "production", isolation_enforced: true }]);
    expect(await history(url)).toEqual([
      { event: "bind", detail: "bound to environment production" },
    ]);
    // An omitted flag leaves it as it is; --isolation off turns it off, and again it stays.
    const args = ["migrate", "production", "--migrations-dir", dir];
    expect((await runCliProcess(args, { env })).code).toBe(0);
    expect(await isolation(url)).toEqual([{ environment: "production", isolation_enforced: true }]);
    expect((await runCliProcess([...args, "--isolation", "off"], { env })).code).toBe(0);
    expect((await runCliProcess(args, { env })).code).toBe(0);
    expect(await isolation(url)).toEqual([
      { environment: "production", isolation_enforced: false },
    ]);
  });

  it("--isolation off on a fresh production database is honoured", async () => {
    const { url, dir } = await setupRun("gaia_iso", TREE, "production");
    const r = await runCliProcess(
      ["migrate", "production", "--migrations-dir", dir, "--isolation", "off"],
      { env: { DATABASE_URL: url } },
    );
    expect(r.code).toBe(0);
    expect(await isolation(url)).toEqual([
      { environment: "production", isolation_enforced: false },
    ]);
  });

  it("gaia-db bind production on an unbound database enforces isolation", async () => {
    const { url, dir } = await setupRun("gaia_iso", TREE, "production");
    const r = await runCliProcess(
      ["bind", "production", "--confirm", "production", "--migrations-dir", dir, "--json"],
      { env: { DATABASE_URL: url } },
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, isolationEnforced: true });
    expect(await isolation(url)).toEqual([{ environment: "production", isolation_enforced: true }]);
  });

  it("gaia-db baseline production binds with isolation enforced", async () => {
    const { url, dir } = await setupRun("gaia_iso", TREE, "production", TREE["core/0001_t.sql"]);
    const r = await runCliProcess(
      [
        "baseline",
        "production",
        "--to",
        "0001",
        "--confirm",
        "production",
        "--migrations-dir",
        dir,
      ],
      { env: { DATABASE_URL: url } },
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await isolation(url)).toEqual([{ environment: "production", isolation_enforced: true }]);
  });

  it("every environment's new binding agrees with the config's default", async () => {
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const environment of ENVIRONMENTS) {
      const { url, opts } = await setupRun("gaia_iso", TREE, environment);
      await migrate(opts());
      got[environment] = (await isolation(url))[0]?.isolation_enforced;
      want[environment] = defaultsFor("isolation", environment).enforce;
    }
    expect(got).toEqual(want);
    expect(want).toEqual({ local: false, dev: false, staging: false, production: true });
  });
});

describe("bindingUpdate without --isolation", () => {
  const existing = (isolation_enforced: boolean): Binding => ({
    environment: "production",
    supabase_project_ref: null,
    isolation_enforced,
    modules: ["core"],
    bound_at: "2026-01-01T00:00:00Z",
    bound_by: "postgres",
  });
  it.each(ENVIRONMENTS.map((e) => [e, e === "production"] as const))(
    "a new %s binding: isolation %s",
    (environment, enforced) => {
      expect(bindingUpdate(null, { environment }, ["core"])?.isolation).toBe(enforced);
    },
  );
  it.each([true, false])("an existing binding with isolation %s keeps it", (enforced) => {
    expect(bindingUpdate(existing(enforced), { environment: "production" }, ["core"])).toBeNull();
  });
});
