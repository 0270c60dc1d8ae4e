import { rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { bind } from "../../../src/migrations/commands/bind";
import { migrate } from "../../../src/migrations/commands/migrate";
import { plan } from "../../../src/migrations/commands/plan";
import { repair } from "../../../src/migrations/commands/repair";
import { status } from "../../../src/migrations/commands/status";
import { sha256 } from "../../../src/migrations/files";
import { LEDGER_DDL } from "../../../src/migrations/ledger";
import { LOCK_KEY } from "../../../src/migrations/lock";
import { createTestDatabase, dropAll, withAdmin } from "../../support/postgres";
import { failure, q, removeTrees, setupRun, writeFiles } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const BASIC = {
  "core/0001_users.sql":
    "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL,\n  environment text DEFAULT gaia_migrations.bound_environment());\n",
  "core/0002_seed.sql": "INSERT INTO users (email) VALUES ('a@example.com');\n",
};

const setup = (files: Record<string, string> = BASIC) => setupRun("gaia_run", files);

describe("migrate", () => {
  it("applies a fresh tree, records the ledger and binds the environment", async () => {
    const { url, opts } = await setup();
    const result = await migrate(opts({ supabaseProjectRef: "devref" }));
    expect(result.applied.map((a) => [a.file, a.statements, a.resumedAt])).toEqual([
      ["core/0001_users.sql", 1, 0],
      ["core/0002_seed.sql", 1, 0],
    ]);
    expect(result.modules).toEqual(["core"]);
    const rows = await q(
      url,
      `SELECT module, version, name, checksum, statements_applied, statements_total,
              statement_checksums, kind, drift, finished_at IS NOT NULL AS finished,
              duration_ms >= 0 AS timed, applied_by LIKE current_user || ' (%' AS by
         FROM gaia_migrations.applied ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      {
        module: "core",
        version: "0001",
        name: "users",
        checksum: sha256(BASIC["core/0001_users.sql"]),
        statements_applied: 1,
        statements_total: 1,
        statement_checksums: [sha256(BASIC["core/0001_users.sql"].trim().replace(/;$/, ""))],
        kind: "applied",
        drift: null,
        finished: true,
        timed: true,
        by: true,
      },
      {
        module: "core",
        version: "0002",
        name: "seed",
        checksum: sha256(BASIC["core/0002_seed.sql"]),
        statements_applied: 1,
        statements_total: 1,
        statement_checksums: [sha256("INSERT INTO users (email) VALUES ('a@example.com')")],
        kind: "applied",
        drift: null,
        finished: true,
        timed: true,
        by: true,
      },
    ]);
    expect(
      await q(
        url,
        "SELECT environment, supabase_project_ref, isolation_enforced, modules FROM gaia_migrations.binding",
      ),
    ).toEqual([
      {
        environment: "dev",
        supabase_project_ref: "devref",
        isolation_enforced: false,
        modules: ["core"],
      },
    ]);
    // The SQL files rely on this default being the bound environment.
    expect(await q(url, "SELECT email, environment FROM users")).toEqual([
      { email: "a@example.com", environment: "dev" },
    ]);
    expect(await q(url, "SELECT event, detail FROM gaia_migrations.history")).toEqual([
      { event: "bind", detail: "bound to environment dev and Supabase project devref" },
    ]);
  });

  it("re-run is a no-op in 3 round trips after connecting", async () => {
    const { url, opts } = await setup();
    await migrate(opts());
    const counter = { count: 0 };
    const again = await migrate(opts({ queryCounter: counter }));
    expect(again.applied).toEqual([]);
    expect(again.upToDate).toBe(2);
    // preflight+try-lock, ledger read, unlock
    expect(counter.count).toBe(3);
    expect(again.roundTrips).toBe(3);
    expect(await q(url, "SELECT count(*)::int AS n FROM users")).toEqual([{ n: 1 }]);
  });

  it("refuses an edited applied file until repair records the new checksum", async () => {
    const { url, dir, opts } = await setup();
    await migrate(opts());
    const edited = "-- seed the first user\nINSERT INTO users (email) VALUES ('a@example.com');\n";
    writeFiles(dir, { "core/0002_seed.sql": edited });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `core/0002_seed.sql was changed after it was applied (ledger checksum ${sha256(BASIC["core/0002_seed.sql"]).slice(0, 12)}, file ${sha256(edited).slice(0, 12)}): restore the applied text and put the change in a new file; if the edit is equivalent (comments, formatting), record it with: gaia-db repair dev --file core/0002_seed.sql`,
    );
    const r = await repair({ ...opts(), file: "core/0002_seed.sql" });
    expect(r).toEqual({
      environment: "dev",
      file: "core/0002_seed.sql",
      repaired: true,
      oldChecksum: sha256(BASIC["core/0002_seed.sql"]),
      newChecksum: sha256(edited),
    });
    expect(
      await q(
        url,
        "SELECT event, module, version, old_checksum, new_checksum FROM gaia_migrations.history WHERE event = 'repair'",
      ),
    ).toEqual([
      {
        event: "repair",
        module: "core",
        version: "0002",
        old_checksum: sha256(BASIC["core/0002_seed.sql"]),
        new_checksum: sha256(edited),
      },
    ]);
    expect((await migrate(opts())).applied).toEqual([]);
    expect((await repair({ ...opts(), file: "core/0002_seed.sql" })).repaired).toBe(false);
  });

  it("refuses duplicate versions before touching the database", async () => {
    const { url, opts } = await setup({
      "core/0001_users.sql": BASIC["core/0001_users.sql"],
      "core/0002_kb.sql": "SELECT 1;",
      "core/0002_rbac.sql": "SELECT 2;",
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      "duplicate version core/0002: core/0002_kb.sql and core/0002_rbac.sql both use it; give one of them the next free number",
    );
    expect(await q(url, "SELECT to_regnamespace('gaia_migrations') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
  });

  it("refuses an applied file missing from disk", async () => {
    const { dir, opts } = await setup();
    await migrate(opts());
    rmSync(join(dir, "core", "0002_seed.sql"));
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `core/0002_seed.sql was applied but is missing from ${dir}: restore it from version control (migrations are roll-forward only; never delete an applied file)`,
    );
  });

  it("refuses an unapplied file older than an applied one", async () => {
    const { dir, opts } = await setup({
      "core/0001_a.sql": "SELECT 1;",
      "core/0003_c.sql": "SELECT 3;",
    });
    await migrate(opts());
    writeFiles(dir, { "core/0002_b.sql": "SELECT 2;", "core/0004_d.sql": "SELECT 4;" });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      "core/0002_b.sql is not applied but a later version (core/0003_c.sql) already is: out-of-order files are refused; renumber it after the last applied version of module core",
    );
    // nothing was applied, not even the in-order 0004
    expect((await status(opts())).pending).toEqual(["core/0002_b.sql", "core/0004_d.sql"]);
  });

  it("refuses to drop an applied module and otherwise reuses the recorded modules", async () => {
    const { opts } = await setup({
      ...BASIC,
      "rbac/0001_roles.sql": "CREATE TABLE roles (id int);",
    });
    expect((await migrate(opts({ modules: ["rbac"] }))).modules).toEqual(["core", "rbac"]);
    const e = await failure(migrate(opts({ modules: ["core"] })));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      'module "rbac" was applied to this database (1 file in the ledger) but is not in the module list (core): modules are never removed; keep it by adding it to gaia:migrations.modules or passing --modules core,rbac',
    );
    const again = await migrate(opts());
    expect(again.modules).toEqual(["core", "rbac"]);
    expect(again.upToDate).toBe(3);
  });

  it("refuses an unmanaged database that has tables, printing the baseline command", async () => {
    const { url, opts } = await setup();
    await q(url, "CREATE TABLE legacy (id int); CREATE TABLE schema_migrations (id int)");
    const db = new URL(url).pathname.slice(1);
    const e = await failure(migrate(opts({ environment: "staging" })));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `database ${db} already has 1 table in schema public but no gaia_migrations ledger: refusing to run migrations over an unmanaged schema; adopt it after checking it matches the migration files with: gaia-db baseline staging --to 0001 --confirm staging`,
    );
    // nothing was created
    expect(await q(url, "SELECT to_regnamespace('gaia_migrations') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
  });

  it("ignores a legacy public.schema_migrations on an otherwise empty database", async () => {
    const { url, opts } = await setup();
    await q(url, "CREATE TABLE schema_migrations (id serial, migration_name text)");
    expect((await migrate(opts())).applied).toHaveLength(2);
  });

  it("rolls a failed transactional file back and names the file and line", async () => {
    const { url, opts } = await setup({
      "core/0001_ok.sql": "CREATE TABLE ok (id int);",
      "core/0002_bad.sql": "CREATE TABLE half (id int);\n\nINSERT INTO nope VALUES (1);\n",
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'core/0002_bad.sql line 3 (statement 2 of 2) failed: relation "nope" does not exist (SQLSTATE 42P01); the file was rolled back, nothing from it was applied; fix the statement and run migrate again (roll forward: files already applied never change)',
    );
    expect(
      await q(
        url,
        "SELECT to_regclass('ok') IS NOT NULL AS ok, to_regclass('half') IS NULL AS gone",
      ),
    ).toEqual([{ ok: true, gone: true }]);
    expect(await q(url, "SELECT version FROM gaia_migrations.applied")).toEqual([
      { version: "0001" },
    ]);
  });

  it("a failure at COMMIT (deferred constraint) is reported for the file and rolled back", async () => {
    const { url, opts } = await setup({
      "core/0001_deferred.sql":
        "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (p int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO child VALUES (7);\n",
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'core/0001_deferred.sql failed at COMMIT: insert or update on table "child" violates foreign key constraint "child_p_fkey" (SQLSTATE 23503); the file was rolled back, nothing from it was applied; fix it and run migrate again',
    );
    expect(await q(url, "SELECT to_regclass('parent') IS NULL AS gone")).toEqual([{ gone: true }]);
    expect(await q(url, "SELECT count(*)::int AS n FROM gaia_migrations.applied")).toEqual([
      { n: 0 },
    ]);
  });

  it("resumes a no-transaction file at the failed statement and refuses edits to applied ones", async () => {
    const file = (third: string) =>
      `-- gaia:no-transaction\nCREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\n${third};\nCREATE INDEX CONCURRENTLY counter_n ON counter (n);\n`;
    const { url, dir, opts } = await setup({
      "core/0001_nt.sql": file("INSERT INTO missing VALUES (1)"),
    });
    const e = await failure(migrate(opts()));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'core/0001_nt.sql line 4 (statement 3 of 4) failed: relation "missing" does not exist (SQLSTATE 42P01); statements 1-2 of this no-transaction file are recorded as applied; the next run resumes at statement 3; fix the statement and run migrate again (roll forward: files already applied never change)',
    );
    expect(
      await q(
        url,
        "SELECT statements_applied, statements_total, finished_at IS NULL AS open, cardinality(statement_checksums) AS n FROM gaia_migrations.applied",
      ),
    ).toEqual([{ statements_applied: 2, statements_total: 4, open: true, n: 2 }]);
    const s = await status(opts());
    expect(s.files.map((f) => [f.file, f.state])).toEqual([["core/0001_nt.sql", "partial"]]);
    const p = await plan(opts());
    expect(p.steps).toEqual([
      { file: "core/0001_nt.sql", transaction: false, statements: 4, fromStatement: 3 },
    ]);
    // editing an already-applied statement is refused
    writeFiles(dir, {
      "core/0001_nt.sql": file("INSERT INTO counter VALUES (2)").replace(
        "VALUES (1)",
        "VALUES (9)",
      ),
    });
    const e2 = await failure(migrate(opts()));
    expect(e2.exitCode).toBe(3);
    expect(e2.message).toBe(
      "core/0001_nt.sql: statement 2 (line 3) was already applied and has changed (or was removed) since: restore it; in a partly applied no-transaction file only the statements after the last applied one (2 of 4) may change",
    );
    writeFiles(dir, { "core/0001_nt.sql": file("INSERT INTO counter VALUES (2)") });
    const r = await migrate(opts());
    expect(r.applied.map((a) => [a.file, a.resumedAt])).toEqual([["core/0001_nt.sql", 2]]);
    // statement 2 ran once (no duplicate 1), statement 3 ran, the concurrent index exists
    expect(await q(url, "SELECT n FROM counter ORDER BY n")).toEqual([{ n: 1 }, { n: 2 }]);
    expect(
      await q(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'counter_n'::regclass"),
    ).toEqual([{ indisvalid: true }]);
    expect(
      await q(
        url,
        "SELECT statements_applied, finished_at IS NOT NULL AS done, checksum FROM gaia_migrations.applied",
      ),
    ).toEqual([
      {
        statements_applied: 4,
        done: true,
        checksum: sha256(file("INSERT INTO counter VALUES (2)")),
      },
    ]);
    expect((await status(opts())).files[0]?.state).toBe("applied");
  });

  it("gives up on a table lock after lock_timeout, naming the file and line", async () => {
    const { url, opts } = await setup({ "core/0001_t.sql": "CREATE TABLE t (id int);" });
    await migrate(opts());
    writeFiles(opts().migrationsDir, {
      "core/0002_alter.sql": "SELECT 1;\nALTER TABLE t ADD COLUMN x int;\n",
    });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
      const e = await failure(migrate(opts({ lockWaitTimeoutMs: 200 })));
      expect(e.exitCode).toBe(1);
      expect(e.message).toBe(
        "core/0002_alter.sql line 2 (statement 2 of 2): could not get a table lock within the lock wait timeout (0.2 s): canceling statement due to lock timeout; the file was rolled back, nothing from it was applied; another session holds a conflicting lock, so re-running later is safe (or raise --lock-wait-timeout)",
      );
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    expect((await migrate(opts())).applied.map((a) => a.file)).toEqual(["core/0002_alter.sql"]);
  });

  it("cancels a statement that outlives --statement-timeout and says re-running is safe", async () => {
    const { opts } = await setup({ "core/0001_slow.sql": "SELECT 1;\nSELECT pg_sleep(5);\n" });
    const e = await failure(migrate(opts({ statementTimeoutMs: 200 })));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      "core/0001_slow.sql line 2 (statement 2 of 2): cancelled by the statement timeout (0.2 s): canceling statement due to statement timeout; the file was rolled back, nothing from it was applied; re-running later is safe, or raise --statement-timeout",
    );
  });

  it("times out on the migration lock (exit 4) naming the holder", async () => {
    const { url, opts } = await setup();
    const holder = new pg.Client({ connectionString: url, application_name: "other runner" });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [LOCK_KEY]);
      const { rows } = await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const started = Date.now();
      const e = await failure(migrate(opts({ lockTimeoutMs: 400 })));
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(e.exitCode).toBe(4);
      expect(e.message).toMatch(
        new RegExp(
          `^timed out after 0\\.4 s waiting for the migration lock, held by pid ${rows[0]?.pid} \\(application_name "other runner", user postgres, connected since \\d{4}-\\d\\d-\\d\\dT[^,]+, idle\\): another gaia-db run is migrating this database; wait for it to finish and run again, or raise --lock-timeout$`,
        ),
      );
    } finally {
      await holder.end();
    }
    expect(await q(url, "SELECT to_regnamespace('gaia_migrations') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
  });

  it("a run that waited for the lock re-reads the database and finds the work done", async () => {
    const { url, opts } = await setup();
    const other = await createTestDatabase("gaia_run");
    // The same files applied elsewhere give us the exact ledger rows a finished runner leaves.
    await migrate({ ...opts(), databaseUrl: other });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [LOCK_KEY]);
      const events: string[] = [];
      const waiting = migrate(
        opts({ lockTimeoutMs: 20_000, onProgress: (e) => events.push(e.type) }),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toEqual(["lock-wait"]);
      // While it waits, "another runner" creates the ledger, binding, tables and rows.
      await holder.query(LEDGER_DDL);
      await holder.query("INSERT INTO gaia_migrations.binding (environment) VALUES ('dev')");
      await holder.query(BASIC["core/0001_users.sql"] + BASIC["core/0002_seed.sql"]);
      const rows = await q<Record<string, unknown>>(other, "SELECT * FROM gaia_migrations.applied");
      for (const r of rows) {
        await holder.query(
          `INSERT INTO gaia_migrations.applied (module, version, name, checksum, finished_at, statements_applied, statements_total, statement_checksums)
           VALUES ($1, $2, $3, $4, now(), $5, $6, $7)`,
          [
            r.module,
            r.version,
            r.name,
            r.checksum,
            r.statements_applied,
            r.statements_total,
            r.statement_checksums,
          ],
        );
      }
      await holder.query("SELECT pg_advisory_unlock($1::bigint)", [LOCK_KEY]);
      const result = await waiting;
      expect(result.applied).toEqual([]);
      expect(result.upToDate).toBe(2);
      expect(await q(url, "SELECT count(*)::int AS n FROM users")).toEqual([{ n: 1 }]);
    } finally {
      await holder.end();
    }
  });

  it("refuses a database bound to another environment or Supabase project; bind rebinds", async () => {
    const { url, opts } = await setup();
    await migrate(opts({ supabaseProjectRef: "devref" }));
    const db = new URL(url).pathname.slice(1);
    const e1 = await failure(
      migrate(opts({ environment: "production", supabaseProjectRef: "devref" })),
    );
    expect(e1.exitCode).toBe(3);
    expect(e1.message).toBe(
      `database ${db} is bound to environment "dev", not "production": a production stack is pointed at the dev database; fix the database URL, or if this database really moved to production, rebind it deliberately: gaia-db bind production --supabase-project-ref <ref> --confirm production`,
    );
    const e2 = await failure(migrate(opts({ supabaseProjectRef: "prodref" })));
    expect(e2.exitCode).toBe(3);
    expect(e2.message).toBe(
      `database ${db} (environment dev) is bound to Supabase project "devref", not "prodref": fix gaia:supabase project ref for this stack, or rebind deliberately: gaia-db bind dev --supabase-project-ref prodref --confirm dev`,
    );
    const e3 = await failure(
      bind({ ...opts(), environment: "staging", supabaseProjectRef: "stg" }),
    );
    expect(e3.exitCode).toBe(2);
    expect(e3.message).toBe(
      "bind changes which environment the database serves: confirm with --confirm staging",
    );
    const b = await bind({
      ...opts(),
      environment: "staging",
      supabaseProjectRef: "stgref",
      confirm: "staging",
      isolation: true,
    });
    expect(b).toEqual({
      environment: "staging",
      database: db,
      previous: { environment: "dev", supabaseProjectRef: "devref" },
      supabaseProjectRef: "stgref",
      isolationEnforced: true,
    });
    expect(
      await q(url, "SELECT event, detail FROM gaia_migrations.history WHERE event = 'rebind'"),
    ).toEqual([
      {
        event: "rebind",
        detail:
          "environment dev -> staging; supabase project devref -> stgref; isolation_enforced false -> true",
      },
    ]);
    expect(await q(url, "SELECT gaia_migrations.bound_environment() AS env")).toEqual([
      { env: "staging" },
    ]);
    expect(
      (await migrate(opts({ environment: "staging", supabaseProjectRef: "stgref" }))).applied,
    ).toEqual([]);
    await migrate(opts({ environment: "staging", isolation: false }));
    expect(await q(url, "SELECT isolation_enforced FROM gaia_migrations.binding")).toEqual([
      { isolation_enforced: false },
    ]);
  });

  it("refuses the vector module when the server has no pgvector", async () => {
    const { url, opts } = await setup({
      ...BASIC,
      "vector/0001_vec.sql": "CREATE EXTENSION vector;",
    });
    const available = await q<{ ok: boolean }>(
      url,
      "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS ok",
    );
    if (available[0]?.ok) return; // a server with pgvector (e.g. CI service image) applies it
    const db = new URL(url).pathname.slice(1);
    const e = await failure(migrate(opts({ modules: ["core", "vector"] })));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(
      `module "vector" needs the PostgreSQL extension "vector" (pgvector), which the server 127.0.0.1:${new URL(url).port} (database ${db}) does not offer (pg_available_extensions has no "vector"): install pgvector on that server (e.g. the pgvector/pgvector:pg15 image or the postgresql-15-pgvector package), or drop "vector" from gaia:migrations.modules`,
    );
  });

  it("refuses a role that is neither the database owner nor a superuser", async () => {
    const { url, opts } = await setup();
    const role = `gaia_nonowner_${Math.random().toString(16).slice(2, 8)}`;
    await withAdmin((c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-nonowner'`));
    try {
      const u = new URL(url);
      u.username = role;
      u.password = "pw-nonowner";
      const db = u.pathname.slice(1);
      const e = await failure(migrate(opts({ databaseUrl: u.toString() })));
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        `role ${role} is neither the owner of database ${db} (owned by postgres) nor a superuser: migrations create and alter objects the owner must own; connect as postgres or run GRANT postgres TO ${role}`,
      );
    } finally {
      await dropAll();
      await withAdmin((c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it("plan and status are read-only and create nothing", async () => {
    const { url, opts } = await setup();
    const p = await plan(opts());
    expect(p.steps).toEqual([
      { file: "core/0001_users.sql", transaction: true, statements: 1, fromStatement: 1 },
      { file: "core/0002_seed.sql", transaction: true, statements: 1, fromStatement: 1 },
    ]);
    expect(p.pending).toEqual(["core/0001_users.sql", "core/0002_seed.sql"]);
    expect(p.refusals).toEqual([]);
    expect(p.managed).toBe(false);
    const s = await status(opts());
    expect(s.files.map((f) => f.state)).toEqual(["pending", "pending"]);
    expect(await q(url, "SELECT to_regnamespace('gaia_migrations') IS NULL AS absent")).toEqual([
      { absent: true },
    ]);
    await migrate(opts());
    const after = await status(opts({ supabaseProjectRef: "other" }));
    expect(after.pending).toEqual([]);
    expect(after.files.map((f) => f.state)).toEqual(["applied", "applied"]);
    expect(after.refusals).toEqual([]); // binding has no ref yet: nothing to compare
  });
});
