/**
 * Files PostgreSQL 15's parser cannot take: one over the size limit is refused before it is
 * parsed, and a file the parser itself fails on (not a syntax error: it ran out of stack) fails
 * plan and migrate alike, naming the file. Through the binary, on the real server.
 */
import { afterAll, describe, expect, it } from "vitest";
import { dropAll } from "../../support/postgres";
import { q, removeTrees, runCliProcess, setupRun } from "./fixtures";

afterAll(async () => {
  removeTrees();
  await dropAll();
});

const run = (dir: string, url: string, ...args: string[]) =>
  runCliProcess([...args.slice(0, 1), "dev", "--migrations-dir", dir, ...args.slice(1)], {
    env: { DATABASE_URL: url },
  });
const applied = (url: string) =>
  q(
    url,
    "SELECT to_regclass('gaia_migrations.applied') IS NULL AS none, to_regclass('public.t') IS NULL AS no_t",
  );

describe("a migration file over 4 MiB", () => {
  // 4 MiB and one byte: the first INSERTs, padded with a comment to the exact size.
  const LIMIT = 4 * 1024 * 1024;
  const head = "INSERT INTO t VALUES (1);\n".repeat(1000);
  const big = `${head}-- ${"x".repeat(LIMIT + 1 - head.length - 4)}\n`;

  it("is refused before anything runs, naming the file, its size and the limit", async () => {
    expect(Buffer.byteLength(big)).toBe(LIMIT + 1);
    const { url, dir } = await setupRun("gaia_large", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\n",
      "core/0002_big.sql": big,
    });
    const message =
      "core/0002_big.sql is 4194305 bytes, over the limit of 4194304 bytes (4 MiB) per migration file (PostgreSQL 15's parser, which checks every pending file before anything runs, needs about 60 times a file's size in memory and fails on files of some tens of MB): split it into files of at most 4 MiB";
    const m = await run(dir, url, "migrate");
    expect([m.code, m.stderr]).toEqual([3, `gaia-db: ${message}\n`]);
    expect(await applied(url)).toEqual([{ none: true, no_t: true }]);
    const p = await run(dir, url, "plan", "--exit-code");
    expect([p.code, p.stderr]).toEqual([3, ""]);
    expect(p.stdout).toContain(`migrate would refuse:\n  - ${message}\n`);
  });

  it("at exactly 4 MiB is parsed and applied", async () => {
    const exact = `${head}-- ${"x".repeat(LIMIT - head.length - 4)}\n`;
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    const { url, dir } = await setupRun("gaia_large", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\n",
      "core/0002_exact.sql": exact,
    });
    const m = await run(dir, url, "migrate", "--json");
    expect([m.code, m.stderr]).toEqual([0, ""]);
    expect(await q(url, "SELECT count(*)::int AS n FROM t")).toEqual([{ n: 1000 }]);
  });
});

describe("a file the parser fails on", () => {
  // 100,000 terms nest 100,000 deep in the parse tree: the parser runs out of stack.
  const deep = `SELECT ${Array(100_000).fill("1").join("+")};\n`;
  const message =
    "core/0002_deep.sql: PostgreSQL 15's parser failed on this file (RangeError: Maximum call stack size exceeded), so it was not checked and nothing was applied: simplify the statement that nests deepest (thousands of terms in one expression, say) or split the file";

  it("fails plan (exit 1, not a listed refusal) and migrate, naming the file", async () => {
    const { url, dir } = await setupRun("gaia_large", {
      "core/0001_t.sql": "CREATE TABLE t (x int);\n",
      "core/0002_deep.sql": deep,
    });
    const p = await run(dir, url, "plan");
    expect([p.code, p.stdout, p.stderr]).toEqual([1, "", `gaia-db: ${message}\n`]);
    const m = await run(dir, url, "migrate");
    expect([m.code, m.stderr]).toEqual([1, `gaia-db: ${message}\n`]);
    expect(await applied(url)).toEqual([{ none: true, no_t: true }]);
  });
});
