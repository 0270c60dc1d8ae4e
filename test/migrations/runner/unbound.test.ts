/**
 * A ledger with applied files but no binding row (removed by hand) no longer gets bound to
 * whatever environment the next migrate names: migrate, repair and status refuse (exit 3) and
 * name `gaia-db bind`, which also restores a damaged ledger. Through the binary and in process.
 */
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../../src/migrations/commands/migrate";
import { repair } from "../../../src/migrations/commands/repair";
import { dropAll, withClient } from "../../support/postgres";
import { failure, q, removeTrees, runCliProcess, setupRun, writeFiles } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const refusal = (database: string, files: number) =>
  `database ${database} has ${files} file${files === 1 ? "" : "s"} in gaia_migrations.applied but no binding, so nothing records which environment it serves: refusing; if it is the staging database, bind it deliberately: gaia-db bind staging --supabase-project-ref <ref> --confirm staging`;

describe("a ledger whose binding row is gone", () => {
  it("migrate, status and repair refuse and change nothing; gaia-db bind makes migrate work again", async () => {
    const { url, dir, opts } = await setupRun(
      "gaia_unbound",
      { "core/0001_t.sql": "CREATE TABLE t (x int);\n" },
      "production",
    );
    await migrate(opts());
    await withClient(url, (c) => c.query("DELETE FROM gaia_migrations.binding"));
    writeFiles(dir, { "core/0002_u.sql": "CREATE TABLE u (x int);\n" });
    const database = new URL(url).pathname.slice(1);
    const env = { DATABASE_URL: url };

    const migrated = await runCliProcess(["migrate", "staging", "--migrations-dir", dir], { env });
    expect(migrated).toMatchObject({
      code: 3,
      stdout: "",
      stderr: `gaia-db: ${refusal(database, 1)}\n`,
    });
    const status = await runCliProcess(
      ["status", "staging", "--migrations-dir", dir, "--exit-code", "--json"],
      { env },
    );
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout).refusals).toEqual([refusal(database, 1)]);
    writeFiles(dir, { "core/0001_t.sql": "-- edited\nCREATE TABLE t (x int);\n" });
    const repaired = await failure(
      repair({ ...opts(), environment: "staging", file: "core/0001_t.sql" }),
    );
    expect({ code: repaired.exitCode, message: repaired.message }).toEqual({
      code: 3,
      message: refusal(database, 1),
    });
    const repairedCli = await runCliProcess(
      ["repair", "staging", "--file", "core/0001_t.sql", "--migrations-dir", dir],
      { env },
    );
    expect(repairedCli).toMatchObject({
      code: 3,
      stdout: "",
      stderr: `gaia-db: ${refusal(database, 1)}\n`,
    });
    writeFiles(dir, { "core/0001_t.sql": "CREATE TABLE t (x int);\n" });
    expect(await q(url, "SELECT to_regclass('public.u') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
    expect(await q(url, "SELECT count(*)::int AS n FROM gaia_migrations.binding")).toEqual([
      { n: 0 },
    ]);

    const bound = await runCliProcess(["bind", "staging", "--confirm", "staging"], { env });
    expect(bound.stderr).toBe("");
    expect(bound.code).toBe(0);
    const again = await runCliProcess(["migrate", "staging", "--migrations-dir", dir, "--json"], {
      env,
    });
    expect(again.stderr).toBe("");
    expect(JSON.parse(again.stdout).applied.map((a: { file: string }) => a.file)).toEqual([
      "core/0002_u.sql",
    ]);
  });

  it("bind restores a dropped bound_environment() function and revoked grants", async () => {
    const { url, opts } = await setupRun("gaia_unbound", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\n",
    });
    await migrate(opts());
    await withClient(url, (c) =>
      c.query(`DROP FUNCTION gaia_migrations.bound_environment();
        REVOKE USAGE ON SCHEMA gaia_migrations FROM PUBLIC`),
    );
    const bound = await runCliProcess(["bind", "dev", "--confirm", "dev"], {
      env: { DATABASE_URL: url },
    });
    expect(bound.stderr).toBe("");
    expect(
      await q(
        url,
        `SELECT gaia_migrations.bound_environment() AS env,
                has_schema_privilege('public', 'gaia_migrations', 'USAGE') AS usage`,
      ),
    ).toEqual([{ env: "dev", usage: true }]);
  });
});
