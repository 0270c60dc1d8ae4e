/**
 * The measured review on the real PostgreSQL 15 of the test run: a base of two tables is built and
 * filled, then the head's files are applied by migrate with the observer, and each statement's
 * findings are compared exactly (locks per table, rewrites, scans, rows changed, failure). Never
 * the durations: they are printed, not asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { measureBuild } from "../../src/review/measure";
import type { MeasureOptions } from "../../src/review/measureOptions";
import { heldLocks, statementRows } from "../../src/review/measureRender";
import type { Module } from "../../src/shared/vocabulary";
import { adminUrl } from "../support/postgres";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const BASE = {
  "core/0001_base.sql": `CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email varchar(255) NOT NULL UNIQUE,
    n integer,
    nick varchar(40),
    bio text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    legacy_user_id uuid,
    total numeric(10,2) NOT NULL CHECK (total >= 0)
);
`,
};

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "gaia-measure-"));
  dirs.push(root);
  for (const m of ["core", "vector", "rbac", "experience"]) mkdirSync(join(root, m));
  for (const [path, sql] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), sql);
  }
  return root;
}

const OPTIONS: MeasureOptions = { rows: 300, seed: 1 };

async function measured(head: Record<string, string>, options = OPTIONS) {
  const modules: Module[] = ["core"];
  const m = await measureBuild(
    adminUrl(),
    {
      environment: "dev",
      base: { migrationsDir: tree(BASE), modules },
      head: { migrationsDir: tree({ ...BASE, ...head }), modules },
    },
    Object.keys(head),
    options,
  );
  // Timings vary: shown, never compared.
  process.stdout.write(
    `${m.files.map((f) => `${f.file}: ${f.statements.map((s) => `line ${s.line} ${s.durationMs.toFixed(1)} ms`).join(", ")}`).join("\n")}\n`,
  );
  return m;
}

const row = (
  file: string,
  line: number,
  locks: string[] | string,
  extra: { rewrites?: string[]; scans?: string[]; writes?: string[]; failure?: string } = {},
) => ({
  file,
  line,
  locks,
  rewrites: extra.rewrites ?? [],
  scans: extra.scans ?? [],
  writes: extra.writes ?? [],
  failure: extra.failure ?? null,
});

describe("the measured review: each statement on filled tables", () => {
  it("locks, rewrites and scans of the common schema changes", async () => {
    const m = await measured({
      "core/0002_add_nullable_column.sql": "ALTER TABLE users ADD COLUMN plan text;\n",
      "core/0003_add_column_stable_default.sql":
        "ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now();\n",
      "core/0004_add_column_volatile_default.sql":
        "ALTER TABLE users ADD COLUMN touched_at timestamptz DEFAULT clock_timestamp();\n",
      "core/0005_add_column_random_default.sql":
        "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();\n",
      "core/0006_int_to_bigint.sql": "ALTER TABLE users ALTER COLUMN n TYPE bigint;\n",
      "core/0007_varchar_to_text.sql": "ALTER TABLE users ALTER COLUMN nick TYPE text;\n",
      "core/0008_set_not_null.sql":
        "UPDATE users SET bio = '' WHERE bio IS NULL;\nALTER TABLE users ALTER COLUMN bio SET NOT NULL;\n",
      "core/0009_index.sql": "CREATE INDEX users_created_at ON users (created_at);\n",
      "core/0010_index_concurrently.sql":
        "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY orders_total ON orders (total);\n",
      "core/0011_foreign_key_not_valid.sql":
        "ALTER TABLE orders ADD CONSTRAINT orders_user_cascade\n    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;\n",
      "core/0012_check_not_valid.sql":
        "ALTER TABLE orders ADD CONSTRAINT orders_total_cap CHECK (total < 100000000) NOT VALID;\n",
      "core/0013_validate_foreign_key.sql":
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_cascade;\n",
      "core/0014_validate_check.sql": "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_cap;\n",
      "core/0015_drop_column.sql": "ALTER TABLE users DROP COLUMN plan;\n",
    });
    expect([m.failure, m.notRun, m.fill.skipped]).toEqual([null, [], []]);
    expect(m.fill.tables.map((t) => [t.table, t.rows])).toEqual([
      ["users", 300],
      ["orders", 300],
    ]);
    expect(statementRows(m)).toEqual([
      row("core/0002_add_nullable_column.sql", 1, ["users ACCESS EXCLUSIVE"]),
      row("core/0003_add_column_stable_default.sql", 1, ["users ACCESS EXCLUSIVE"]),
      row("core/0004_add_column_volatile_default.sql", 1, ["users ACCESS EXCLUSIVE"], {
        rewrites: ["users"],
      }),
      row("core/0005_add_column_random_default.sql", 1, ["users ACCESS EXCLUSIVE"], {
        rewrites: ["users"],
      }),
      row("core/0006_int_to_bigint.sql", 1, ["users ACCESS EXCLUSIVE"], { rewrites: ["users"] }),
      row("core/0007_varchar_to_text.sql", 1, ["users ACCESS EXCLUSIVE"]),
      row("core/0008_set_not_null.sql", 1, ["users ROW EXCLUSIVE"], {
        scans: ["users"],
        writes: ["users: 30 updated"],
      }),
      row("core/0008_set_not_null.sql", 2, ["users ACCESS EXCLUSIVE"], { scans: ["users"] }),
      row("core/0009_index.sql", 1, ["users SHARE"], { scans: ["users"] }),
      row("core/0010_index_concurrently.sql", 2, ["orders SHARE UPDATE EXCLUSIVE"], {
        scans: ["orders"],
      }),
      row("core/0011_foreign_key_not_valid.sql", 1, [
        "orders SHARE ROW EXCLUSIVE",
        "users SHARE ROW EXCLUSIVE",
      ]),
      row("core/0012_check_not_valid.sql", 1, ["orders ACCESS EXCLUSIVE"]),
      row(
        "core/0013_validate_foreign_key.sql",
        1,
        ["orders SHARE UPDATE EXCLUSIVE", "users ROW SHARE"],
        { scans: ["orders", "users"] },
      ),
      row("core/0014_validate_check.sql", 1, ["orders SHARE UPDATE EXCLUSIVE"], {
        scans: ["orders"],
      }),
      row("core/0015_drop_column.sql", 1, ["users ACCESS EXCLUSIVE"]),
    ]);
    // Held to commit in a transaction; while it runs for the concurrent build.
    const set = m.files.find((f) => f.file === "core/0008_set_not_null.sql");
    expect(heldLocks(set as never).map((h) => [h.relation, h.mode, h.line])).toEqual([
      ["users", "AccessExclusiveLock", 2],
    ]);
    const concurrently = m.files.find((f) => f.file === "core/0010_index_concurrently.sql");
    expect(concurrently?.transaction).toBe(false);
    expect(heldLocks(concurrently as never).map((h) => h.heldMs)).toEqual([
      concurrently?.statements[0]?.durationMs,
    ]);
  });

  it("SET NOT NULL over the generated NULLs is a finding, and the files after it are not run", async () => {
    const m = await measured({
      "core/0002_bio_required.sql": "ALTER TABLE users ALTER COLUMN bio SET NOT NULL;\n",
      "core/0003_later.sql": "ALTER TABLE users ADD COLUMN plan text;\n",
    });
    expect(statementRows(m)).toEqual([
      row("core/0002_bio_required.sql", 1, [], {
        failure: 'column "bio" of relation "users" contains null values',
      }),
    ]);
    expect(m.failure).toEqual({
      file: "core/0002_bio_required.sql",
      line: 1,
      reason: 'column "bio" of relation "users" contains null values',
    });
    expect(m.notRun).toEqual(["core/0003_later.sql"]);
  });

  it("a unique index over generated duplicates is a finding with the duplicated key", async () => {
    const m = await measured({
      "core/0002_unique_nick.sql":
        "ALTER TABLE users ADD COLUMN plan text;\nCREATE UNIQUE INDEX users_nick_key ON users (nick);\n",
    });
    expect(statementRows(m)).toEqual([
      row("core/0002_unique_nick.sql", 1, ["users ACCESS EXCLUSIVE"]),
      row("core/0002_unique_nick.sql", 2, [], {
        failure:
          'could not create unique index "users_nick_key" (Key (nick)=(nick-1u) is duplicated.)',
      }),
    ]);
  });

  it("a VALIDATE that finds violating rows is a finding; the NOT VALID file before it stays", async () => {
    const m = await measured({
      "core/0002_legacy_fk.sql":
        "ALTER TABLE orders ADD CONSTRAINT orders_legacy_user\n    FOREIGN KEY (legacy_user_id) REFERENCES users (id) NOT VALID;\n",
      "core/0003_validate_legacy_fk.sql":
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_legacy_user;\n",
    });
    expect(statementRows(m)).toEqual([
      row("core/0002_legacy_fk.sql", 1, [
        "orders SHARE ROW EXCLUSIVE",
        "users SHARE ROW EXCLUSIVE",
      ]),
      row("core/0003_validate_legacy_fk.sql", 1, [], {
        failure: `insert or update on table "orders" violates foreign key constraint "orders_legacy_user" (Key (legacy_user_id)=(a8123b36-1176-4511-b30a-fc9dd9494748) is not present in table "users".)`,
      }),
    ]);
    expect(m.files.map((f) => [f.file, f.failed])).toEqual([
      ["core/0002_legacy_fk.sql", false],
      ["core/0003_validate_legacy_fk.sql", true],
    ]);
  });
});
