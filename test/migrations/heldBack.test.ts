/**
 * gaia:migrations.heldBack: what a restore rolled back is not applied again until it is reverted,
 * replaced or released; through the runner and through the Migrations resource as `pulumi up`
 * runs it, on the real PostgreSQL.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/migrations/commands/migrate";
import { loadMigrationSet } from "../../src/migrations/files";
import { holdBack, parseHeldBack } from "../../src/migrations/heldBack";
import { Migrations } from "../../src/migrations/resource";
import { CommandEngine } from "../support/commandEngine";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";

const ROOT = resolve(__dirname, "../..");
const REF = "lbaohvnusingoztdzlmj";
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
  await dropAll();
});

const LAST = loadMigrationSet(join(ROOT, "migrations"), ["core"]).at(-1)!;
const entry = (checksum = LAST.checksum) => `${LAST.relativePath}:${checksum}`;

/** The core files without the last one: a database restored from before it was applied. */
function coreWithoutLast(): string {
  const dir = mkdtempSync(join(tmpdir(), "gaia-held-"));
  temps.push(dir);
  cpSync(join(ROOT, "migrations", "core"), join(dir, "core"), { recursive: true });
  rmSync(join(dir, LAST.relativePath));
  return dir;
}

async function restoredDatabase(): Promise<string> {
  const url = await createTestDatabase("gaia_held");
  await migrate({
    databaseUrl: url,
    environment: "dev",
    migrationsDir: coreWithoutLast(),
    modules: ["core"],
    supabaseProjectRef: REF,
  });
  return url;
}

const ledger = (url: string) =>
  withClient(url, async (c) =>
    (
      await c.query<{ v: string }>(
        "SELECT module || '/' || version AS v FROM gaia_migrations.applied ORDER BY 1",
      )
    ).rows.map((r) => r.v),
  );

describe("holdBack", () => {
  const known = new Map([
    ["core/0011_a.sql", "a1"],
    ["core/0012_b.sql", "b1"],
    ["rbac/0003_c.sql", "c1"],
  ]);
  const todo = [
    { file: "core/0011_a.sql", checksum: "a1" },
    { file: "core/0012_b.sql", checksum: "b1" },
    { file: "rbac/0003_c.sql", checksum: "c1" },
  ];
  it.each<[string, { file: string; checksum: string }[], ReturnType<typeof holdBack>]>([
    ["nothing held: everything applies", [], { apply: todo, held: [], released: [] }],
    [
      "a held file stops it and everything after it",
      [{ file: "core/0012_b.sql", checksum: "b1" }],
      {
        apply: [todo[0]!],
        held: [
          {
            file: "core/0012_b.sql",
            reason:
              "held back since a restore (gaia:migrations.heldBack): revert it, replace it with a forward fix, or release it with gaia-db restore <env> --release",
          },
          { file: "rbac/0003_c.sql", reason: "waits behind core/0012_b.sql, which is held back" },
        ],
        released: [],
      },
    ],
    [
      "replaced (other text), reverted (gone) or applied: released, and applied as usual",
      [
        { file: "core/0011_a.sql", checksum: "old" },
        { file: "core/0009_gone.sql", checksum: "x" },
        { file: "core/0010_applied.sql", checksum: "y" },
      ],
      {
        apply: todo,
        held: [],
        released: [
          {
            file: "core/0011_a.sql",
            reason: "its text changed since it was held back (replaced by a forward fix)",
          },
          { file: "core/0009_gone.sql", reason: "no longer in the migration set (reverted)" },
          { file: "core/0010_applied.sql", reason: "already applied to this database" },
        ],
      },
    ],
  ])("%s", (_name, held, expected) => {
    const k = new Map([...known, ["core/0010_applied.sql", "y"]]);
    expect(holdBack(todo, held, k)).toEqual(expected);
  });

  it("parseHeldBack takes a migrationFiles line and refuses anything else, naming where", () => {
    expect(parseHeldBack(entry(), "x")).toEqual({
      file: LAST.relativePath,
      checksum: LAST.checksum,
    });
    expect(() => parseHeldBack("core/0010.sql", "gaia:migrations.heldBack[0]")).toThrow(
      'gaia:migrations.heldBack[0]: "core/0010.sql" is not a held-back file; expected module/NNNN_name.sql:<sha256 of the file> (a line of the stack output migrationFiles), as gaia-db restore writes it',
    );
  });
});

describe("the runner (PostgreSQL 15)", () => {
  it("applies what precedes a held file, reports it held, and applies it once its text changed", async () => {
    const url = await restoredDatabase();
    const held = await migrate({
      databaseUrl: url,
      environment: "dev",
      migrationsDir: join(ROOT, "migrations"),
      modules: ["core"],
      heldBack: [parseHeldBack(entry(), "test")],
    });
    expect([held.applied, held.held.map((h) => h.file), held.released]).toEqual([
      [],
      [LAST.relativePath],
      [],
    ]);
    expect(await ledger(url)).not.toContain(`core/${LAST.version}`);

    // A forward fix rewrote the file: it is no longer the text that was rolled back.
    const dir = coreWithoutLast();
    writeFileSync(
      join(dir, LAST.relativePath),
      `${readFileSync(join(ROOT, "migrations", LAST.relativePath), "utf8")}\n-- forward fix\n`,
    );
    const fixed = await migrate({
      databaseUrl: url,
      environment: "dev",
      migrationsDir: dir,
      modules: ["core"],
      heldBack: [parseHeldBack(entry(), "test")],
    });
    expect(fixed.applied.map((a) => a.file)).toEqual([LAST.relativePath]);
    expect(fixed.released).toEqual([
      {
        file: LAST.relativePath,
        reason: "its text changed since it was held back (replaced by a forward fix)",
      },
    ]);
  });

  it("a reverted file (gone from the set) releases its entry", async () => {
    const url = await restoredDatabase();
    const r = await migrate({
      databaseUrl: url,
      environment: "dev",
      migrationsDir: coreWithoutLast(),
      modules: ["core"],
      heldBack: [parseHeldBack(entry(), "test")],
    });
    expect([r.applied, r.held]).toEqual([[], []]);
    expect(r.released).toEqual([
      { file: LAST.relativePath, reason: "no longer in the migration set (reverted)" },
    ]);
  });
});

describe("through the Migrations resource, as pulumi up runs it", () => {
  const program = (url: string, heldBack: string[]) => () => {
    const m = new Migrations("db", {
      environment: "dev",
      modules: ["core"],
      databaseUrl: pulumi.secret(url),
      supabaseProjectRef: REF,
      heldBack,
    });
    return { report: m.report };
  };

  it("does not apply the held file; releasing it (dropping the entry) applies it", async () => {
    const url = await restoredDatabase();
    const engine = new CommandEngine({
      cwd: ROOT,
      env: () => ({ ...process.env }) as Record<string, string>,
    });
    const up = await engine.run("dev", program(url, [entry()]));
    expect(up.error).toBeUndefined();
    expect(engine.saved.get("db-migrate")!.inputs.create).toBe(
      `exec node bin/gaia-db.js migrate dev --stdin-config --modules core --json --hold-back ${entry()}`,
    );
    const report = JSON.parse(String(up.outputs!.report));
    expect([report.applied, report.held.map((h: { file: string }) => h.file)]).toEqual([
      [],
      [LAST.relativePath],
    ]);
    expect(await ledger(url)).not.toContain(`core/${LAST.version}`);

    const released = await engine.run("dev", program(url, []));
    expect(released.error).toBeUndefined();
    const after = JSON.parse(String(released.outputs!.report));
    expect(after.applied.map((a: { file: string }) => a.file)).toEqual([LAST.relativePath]);
    expect(await ledger(url)).toContain(`core/${LAST.version}`);
  }, 120_000);
});
