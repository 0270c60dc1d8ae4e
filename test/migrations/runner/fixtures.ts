/**
 * Small migration trees in temp directories and a way to run the real `gaia-db` binary.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type pg from "pg";
import type { MigrateOptions } from "../../../src/migrations/commands/migrate";
import { GaiaDbError } from "../../../src/shared/errors";
import { createTestDatabase, withClient } from "../../support/postgres";

export const REPO = resolve(__dirname, "..", "..", "..");
export const BIN = join(REPO, "bin", "gaia-db.js");

const trees: string[] = [];

/** Creates a migrations tree: keys are `<module>/<file>`, values the SQL. */
export function makeTree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), "gaia-mig-"));
  trees.push(root);
  for (const m of ["core", "vector", "rbac", "experience"]) mkdirSync(join(root, m));
  writeFiles(root, files);
  return root;
}

export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, sql] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), sql);
  }
}

export function removeTrees(): void {
  for (const t of trees.splice(0)) rmSync(t, { recursive: true, force: true });
}

/** A fresh database (after `before`, e.g. a hand-built schema) and a tree of `files`. */
export async function setupRun(
  prefix: string,
  files: Record<string, string | Uint8Array>,
  environment: MigrateOptions["environment"] = "dev",
  before?: string,
) {
  const url = await createTestDatabase(prefix);
  if (before !== undefined) await withClient(url, (c) => c.query(before));
  const dir = makeTree(files);
  const opts = (extra: Partial<MigrateOptions> = {}): MigrateOptions => ({
    databaseUrl: url,
    environment,
    migrationsDir: dir,
    ...extra,
  });
  return { url, dir, opts };
}

/** The GaiaDbError `p` rejects with (anything else fails the test). */
export async function failure(p: Promise<unknown>): Promise<GaiaDbError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GaiaDbError) return e;
    throw e;
  }
  throw new Error("expected a GaiaDbError");
}

/** The rows of one query on `url`. */
export const q = async <T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values?: unknown[],
) => withClient(url, async (c) => (await c.query<T>(sql, values)).rows);

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  cwd?: string;
  /** The binary to run; default the repository's bin/gaia-db.js. */
  bin?: string;
}

export function spawnCli(
  args: string[],
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();
  const done = new Promise<CliRun>((res) => {
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCliProcess(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return spawnCli(args, options).done;
}
