import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { baseline, parseBaselineSpec } from "../../../src/migrations/commands/baseline";
import { migrate } from "../../../src/migrations/commands/migrate";
import { status } from "../../../src/migrations/commands/status";
import { loadMigrationSet, sha256 } from "../../../src/migrations/files";
import { buildLiveDatabase } from "../../fixtures/live/build";
import { createTestDatabase, dropAll, withAdmin, withClient } from "../../support/postgres";
import {
  failure,
  makeTree,
  q,
  REPO,
  removeTrees,
  runCliProcess,
  setupRun,
  spawnCli,
} from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const TREE = {
  "core/0001_base.sql":
    "CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL UNIQUE);\nCREATE INDEX accounts_email_lower ON accounts (lower(email));\n",
  "core/0002_more.sql": "ALTER TABLE accounts ADD COLUMN name text;\n",
};
/** The live database, built by hand the way an old environment was. */
const LIVE =
  "CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL UNIQUE); CREATE INDEX accounts_email_lower ON accounts (lower(email)); INSERT INTO accounts (email) VALUES ('x@example.com');";

const setup = (liveSql: string, files: Record<string, string> = TREE) =>
  setupRun("gaia_base", files, "staging", liveSql);

const scratchDatabases = () =>
  withAdmin(
    async (c) =>
      (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'gaia_baseline_%'")).rows,
  );

describe("parseBaselineSpec", () => {
  it.each([
    ["0001", [["core", "0001"]]],
    [
      "0001,vector:0001",
      [
        ["core", "0001"],
        ["vector", "0001"],
      ],
    ],
    [
      " 0003 , rbac:0002 ",
      [
        ["core", "0003"],
        ["rbac", "0002"],
      ],
    ],
  ])("%j", (spec, expected) => {
    expect([...parseBaselineSpec(spec)]).toEqual(expected);
  });
  it.each([
    ["", "--to is empty: give the last version to adopt, e.g. --to 0001 or --to 0001,vector:0001"],
    ["1", '--to 1: "1" is not a four-digit version; write e.g. 0001 (core) or vector:0001'],
    [
      "vectors:0001",
      '--to vectors:0001: unknown module "vectors"; allowed modules are core, vector, rbac, experience (e.g. --to 0001,vector:0001)',
    ],
  ])("refuses %j", (spec, message) => {
    expect(() => parseBaselineSpec(spec)).toThrow(message);
  });
});

describe("baseline", () => {
  it("adopts a matching database (kind baseline), then migrate applies the rest", async () => {
    const { url, opts } = await setup(LIVE);
    const r = await baseline({ ...opts(), to: "0001", confirm: "staging", acceptDrift: false });
    expect(r.baselined).toEqual(["core/0001_base.sql"]);
    expect(r.drift).toEqual([]);
    expect(
      await q(
        url,
        "SELECT module, version, kind, drift, checksum, statements_applied FROM gaia_migrations.applied",
      ),
    ).toEqual([
      {
        module: "core",
        version: "0001",
        kind: "baseline",
        drift: null,
        checksum: sha256(TREE["core/0001_base.sql"]),
        statements_applied: 2,
      },
    ]);
    expect(
      await q(
        url,
        "SELECT event, version, detail FROM gaia_migrations.history WHERE event = 'baseline'",
      ),
    ).toEqual([{ event: "baseline", version: "0001", detail: "no drift" }]);
    const m = await migrate(opts());
    expect(m.applied.map((a) => a.file)).toEqual(["core/0002_more.sql"]);
    expect((await status(opts())).files.map((f) => f.state)).toEqual(["baseline", "applied"]);
    expect(await q(url, "SELECT email, name FROM accounts")).toEqual([
      { email: "x@example.com", name: null },
    ]);
    expect(await scratchDatabases()).toEqual([]);
  });

  it("refuses drift with the diff, and --accept-drift records it", async () => {
    const { url, opts } = await setup(`${LIVE} ALTER TABLE accounts ADD COLUMN legacy int;`);
    const e = await failure(
      baseline({ ...opts(), to: "0001", confirm: "staging", acceptDrift: false }),
    );
    const db = new URL(url).pathname.slice(1);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `the schema of database ${db} differs from what core/0001_base.sql produce (1 difference, listed below): make the database match the files, or adopt it anyway and record the differences in the ledger with --accept-drift`,
    );
    expect(e.details).toEqual([
      "table public.accounts: column legacy: unexpected (integer, nullable)",
    ]);
    expect(await q(url, "SELECT to_regnamespace('gaia_migrations') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
    const r = await baseline({ ...opts(), to: "0001", confirm: "staging", acceptDrift: true });
    expect(r.drift).toEqual(e.details);
    expect(await q(url, "SELECT kind, drift FROM gaia_migrations.applied")).toEqual([
      {
        kind: "baseline",
        drift: "table public.accounts: column legacy: unexpected (integer, nullable)",
      },
    ]);
    expect(await scratchDatabases()).toEqual([]);
  });

  it("needs --confirm <env>, refuses a managed database and an unknown target file", async () => {
    const { opts } = await setup(LIVE);
    const e1 = await failure(baseline({ ...opts(), to: "0001", acceptDrift: false }));
    expect(e1.exitCode).toBe(2);
    expect(e1.message).toBe(
      "baseline marks files as applied in the staging database without running them: confirm with --confirm staging",
    );
    const e2 = await failure(
      baseline({ ...opts(), to: "0007", confirm: "staging", acceptDrift: false }),
    );
    expect(e2.exitCode).toBe(2);
    expect(e2.message).toBe(
      `--to 0007: there is no file core/0007_*.sql in ${opts().migrationsDir}; available: core/0001_base.sql, core/0002_more.sql`,
    );
    await baseline({ ...opts(), to: "0001", confirm: "staging", acceptDrift: false });
    const e3 = await failure(
      baseline({ ...opts(), to: "0001", confirm: "staging", acceptDrift: false }),
    );
    expect(e3.exitCode).toBe(3);
    expect(e3.message).toMatch(
      /is already managed \(1 file in gaia_migrations\.applied\): baseline only adopts an unmanaged database; run gaia-db migrate staging instead$/,
    );
  });

  it("explains a missing CREATEDB privilege", async () => {
    const role = `gaia_nocreatedb_${Math.random().toString(16).slice(2, 8)}`;
    const url = await createTestDatabase("gaia_base");
    const dbName = new URL(url).pathname.slice(1);
    await withAdmin(async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-nocreatedb'`);
      await c.query(`ALTER DATABASE ${dbName} OWNER TO ${role}`);
    });
    try {
      const u = new URL(url);
      u.username = role;
      u.password = "pw-nocreatedb";
      // PG 15: the database owner owns schema public, so the role can build the live tables.
      await withClient(u.toString(), (c) => c.query(LIVE));
      const dir = makeTree(TREE);
      const e = await failure(
        baseline({
          databaseUrl: u.toString(),
          environment: "dev",
          migrationsDir: dir,
          to: "0001",
          confirm: "dev",
          acceptDrift: false,
        }),
      );
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        `baseline builds the expected schema in a scratch database, but role ${role} may not create databases: run ALTER ROLE ${role} CREATEDB (or run baseline as a role that has CREATEDB)`,
      );
    } finally {
      await dropAll();
      await withAdmin((c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it("migrate with a declared baseline adopts an unmanaged database (production needs --confirm)", async () => {
    const { url, opts } = await setup(LIVE);
    const e = await failure(migrate(opts({ environment: "production", baseline: "0001" })));
    const db = new URL(url).pathname.slice(1);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `baselining the production database ${db} needs an explicit confirmation: pass --confirm production together with --baseline 0001`,
    );
    const r = await migrate(
      opts({ environment: "production", baseline: "0001", confirm: "production" }),
    );
    expect(r.baselined).toEqual(["core/0001_base.sql"]);
    expect(r.applied.map((a) => a.file)).toEqual(["core/0002_more.sql"]);
    // declared baseline is ignored once the database is managed
    expect((await migrate(opts({ environment: "production", baseline: "0001" }))).applied).toEqual(
      [],
    );
  });
});

describe("migrate --baseline through the binary", () => {
  it("loads baseline only to adopt, then applies the rest", async () => {
    const { url, dir } = await setup(LIVE);
    const r = await runCliProcess(
      ["migrate", "staging", "--baseline", "0001", "--migrations-dir", dir, "--json"],
      { env: { DATABASE_URL: url } },
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      baselined: ["core/0001_base.sql"],
      applied: [{ file: "core/0002_more.sql" }],
    });
  });
});

describe("the real migrations/ tree", () => {
  const root = join(REPO, "migrations");

  it("applies every module the server supports on a fresh database; vector is refused without pgvector", async () => {
    const url = await createTestDatabase("gaia_real");
    const vector = (
      await q<{ ok: boolean }>(
        url,
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS ok",
      )
    )[0]?.ok;
    const base = { databaseUrl: url, environment: "dev" as const, migrationsDir: root };
    const modules = vector
      ? (["core", "vector", "rbac", "experience"] as const)
      : (["core", "rbac", "experience"] as const);
    if (!vector) {
      const e = await failure(
        migrate({ ...base, modules: ["core", "vector", "rbac", "experience"] }),
      );
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        `module "vector" needs the PostgreSQL extension "vector" (pgvector), which the server 127.0.0.1:${new URL(url).port} (database ${new URL(url).pathname.slice(1)}) does not offer (pg_available_extensions has no "vector"): install pgvector on that server (e.g. the pgvector/pgvector:pg15 image or the postgresql-15-pgvector package), or drop "vector" from gaia:migrations.modules`,
      );
    }
    const r = await migrate({
      ...base,
      modules: [...modules],
      supabaseProjectRef: "lbaohvnusingoztdzlmj",
    });
    const expected = loadMigrationSet(root, [...modules]).map((f) => f.relativePath);
    expect(r.applied.map((a) => a.file)).toEqual(expected);
    const counter = { count: 0 };
    const again = await migrate({ ...base, queryCounter: counter });
    expect(again.applied).toEqual([]);
    expect(counter.count).toBe(3);
    const s = await status(base);
    expect(s.pending).toEqual([]);
    expect(s.refusals).toEqual([]);
  });

  it("baselines the live reference build at core 0001 without drift, then applies the later core files", async () => {
    const url = await createTestDatabase("gaia_live");
    await buildLiveDatabase(url);
    const base = { databaseUrl: url, environment: "staging" as const, migrationsDir: root };
    const e = await failure(migrate(base));
    expect(e.message).toMatch(/gaia-db baseline staging --to 0001 --confirm staging$/);
    const b = await baseline({ ...base, to: "0001", confirm: "staging", acceptDrift: false });
    expect(b.drift).toEqual([]);
    const m = await migrate(base);
    expect(m.applied.map((a) => a.file)).toEqual(
      loadMigrationSet(root, ["core"])
        .slice(1)
        .map((f) => f.relativePath),
    );
  });
});

describe("scratch databases and the roles their runs create", () => {
  const hex = randomBytes(3).toString("hex");
  const OLD = `gaia_old_${hex}`;
  const NEW = `gaia_new_${hex}`;
  /** Creates both roles when missing, as core/0007 does, and grants on a table to the new one. */
  const ROLES_FILE = `DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['${OLD}', '${NEW}'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$$;
CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
GRANT SELECT ON accounts TO ${NEW};
`;
  const MATCHING = "CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL UNIQUE);";
  const roles = async () =>
    (
      await withAdmin((c) =>
        c.query<{ rolname: string }>(
          "SELECT rolname FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1",
          [[OLD, NEW]],
        ),
      )
    ).rows.map((r) => r.rolname);
  const baselineArgs = (dir: string, to: string) => [
    "baseline",
    "staging",
    "--to",
    to,
    "--confirm",
    "staging",
    "--migrations-dir",
    dir,
  ];

  beforeEach(async () => {
    await withAdmin((c) => c.query(`CREATE ROLE ${OLD} NOLOGIN`));
  });
  afterEach(async () => {
    await dropAll();
    await withAdmin(async (c) => {
      await c.query(`DROP ROLE IF EXISTS ${NEW}`);
      await c.query(`DROP ROLE IF EXISTS ${OLD}`);
    });
  });

  it("a refused baseline drops the roles its scratch run created, never one that existed before", async () => {
    const { url, dir } = await setup(`${MATCHING} ALTER TABLE accounts ADD COLUMN legacy int;`, {
      "core/0001_roles.sql": ROLES_FILE,
    });
    const r = await runCliProcess(baselineArgs(dir, "0001"), { env: { DATABASE_URL: url } });
    expect(r.code).toBe(3);
    expect(await roles()).toEqual([OLD]);
    expect(await scratchDatabases()).toEqual([]);
  });

  it("an adopted baseline keeps them: the files it records as applied created them", async () => {
    const { url, dir } = await setup(MATCHING, { "core/0001_roles.sql": ROLES_FILE });
    const r = await runCliProcess(baselineArgs(dir, "0001"), { env: { DATABASE_URL: url } });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await roles()).toEqual([NEW, OLD]);
    expect(await scratchDatabases()).toEqual([]);
  });

  it("a killed baseline's scratch database and the roles it created are removed by the next run", async () => {
    const { url, dir } = await setup(MATCHING, {
      "core/0001_roles.sql": ROLES_FILE,
      "core/0002_wait.sql": "SELECT pg_sleep(60);\n",
    });
    const running = spawnCli(baselineArgs(dir, "0002"), { env: { DATABASE_URL: url } });
    // Wait until the scratch run sleeps in core/0002, after core/0001 created the role.
    let scratch: string | undefined;
    for (let i = 0; i < 600 && scratch === undefined; i++) {
      const rows = await withAdmin(
        async (c) =>
          (
            await c.query<{ datname: string }>(
              "SELECT datname FROM pg_stat_activity WHERE datname LIKE 'gaia_baseline_%' AND query = 'SELECT pg_sleep(60)' AND state = 'active'",
            )
          ).rows,
      );
      scratch = rows[0]?.datname;
      if (scratch === undefined) await new Promise((res) => setTimeout(res, 100));
    }
    expect(scratch).toBeDefined();
    running.child.kill("SIGKILL");
    await running.done;
    // The server notices the dead client and ends the session holding the lock.
    const target = new URL(url).pathname.slice(1);
    for (let i = 0; i < 600; i++) {
      const rows = await withAdmin(
        async (c) =>
          (
            await c.query(
              "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'gaia-db baseline staging'",
              [target],
            )
          ).rows,
      );
      if (rows.length === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const left = async () =>
      (await scratchDatabases()).filter((d: { datname: string }) => d.datname === scratch);
    expect(await left()).toEqual([{ datname: scratch }]);
    expect(await roles()).toEqual([NEW, OLD]);

    // The next baseline (of files that create no role) sweeps them.
    const next = makeTree({ "core/0001_base.sql": `${MATCHING}\n` });
    const r = await runCliProcess(baselineArgs(next, "0001"), { env: { DATABASE_URL: url } });
    expect([r.code, r.stderr]).toEqual([
      0,
      `gaia-db: warning: removed the scratch database ${scratch} that an interrupted baseline left behind, and the role it created: ${NEW}\n`,
    ]);
    expect(await left()).toEqual([]);
    expect(await roles()).toEqual([OLD]);
  });
});
