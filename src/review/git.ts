/**
 * What the review reads from git: the base commit, and the migration and stack files at that
 * commit (read from git's objects, never by checking anything out, so the working tree is left
 * alone). The head is the working tree itself.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ExitCode, GaiaDbError, usageError } from "../shared/errors";

const run = promisify(execFile);

/** The branch the default base is taken from: pull requests target main. */
export const DEFAULT_BASE_BRANCH = "origin/main";

/** Runs git in `repo` and returns stdout; a failure names the command and git's message. */
export async function git(repo: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run("git", [...args], {
      cwd: repo,
      maxBuffer: 64 * 1024 * 1024,
      encoding: "utf8",
    });
    return stdout;
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string; message?: string };
    if (e.code === "ENOENT") {
      throw new GaiaDbError(
        "git is not installed (or not on PATH): the review reads the base's files from git",
        ExitCode.runtime,
      );
    }
    const detail = (e.stderr ?? e.message ?? "").trim().split("\n")[0];
    throw new GaiaDbError(`git ${args.join(" ")} failed in ${repo}: ${detail}`, ExitCode.runtime);
  }
}

export interface BaseCommit {
  /** Full SHA. */
  sha: string;
  /** How it was chosen, for the report: `main`, or `merge base of HEAD and origin/main`. */
  label: string;
}

/**
 * The base commit: `ref` when given, else the merge base of HEAD and origin/main (what a pull
 * request's diff is taken against). A missing ref is a usage error that says how to get it.
 */
export async function resolveBase(repo: string, ref: string | undefined): Promise<BaseCommit> {
  if (ref !== undefined) {
    const sha = await git(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(
      () => "",
    );
    if (sha.trim() === "") {
      throw usageError(
        `--base ${ref}: no such commit in ${repo}; give a branch, tag or SHA that exists here (e.g. --base origin/main after git fetch origin main)`,
      );
    }
    return { sha: sha.trim(), label: ref };
  }
  const sha = await git(repo, ["merge-base", "HEAD", DEFAULT_BASE_BRANCH]).catch(() => "");
  if (sha.trim() === "") {
    throw usageError(
      `no base to review against: ${DEFAULT_BASE_BRANCH} or its merge base with HEAD is not in ${repo}; fetch it (git fetch origin main; in CI check out with fetch-depth: 0) or pass --base <ref>`,
    );
  }
  return { sha: sha.trim(), label: `merge base of HEAD and ${DEFAULT_BASE_BRANCH}` };
}

/**
 * The text of every file under `prefix` (e.g. `migrations`) at `commit`, by repository-relative
 * path.
 */
export async function filesAt(
  repo: string,
  commit: string,
  prefix: string,
): Promise<Map<string, string>> {
  const listing = await git(repo, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix]);
  const blobs: { sha: string; path: string }[] = [];
  for (const entry of listing.split("\0")) {
    if (entry === "") continue;
    // "<mode> <type> <sha>\t<path>"
    const tab = entry.indexOf("\t");
    const [, type, sha] = entry.slice(0, tab).split(" ");
    if (type === "blob" && sha) blobs.push({ sha, path: entry.slice(tab + 1) });
  }
  const files = new Map<string, string>();
  for (const blob of blobs) {
    files.set(blob.path, await git(repo, ["cat-file", "blob", blob.sha]));
  }
  return files;
}

/** The names of the files at the top of the tree at `commit` (stack files live there). */
export async function rootFilesAt(repo: string, commit: string): Promise<string[]> {
  const listing = await git(repo, ["ls-tree", "-z", "--name-only", commit]);
  return listing.split("\0").filter((name) => name !== "");
}

/**
 * Writes `files` (repository-relative path → text) under `dir`, stripping `prefix/`, so that
 * `dir` is a migrations folder the runner loads like any other.
 */
export function materialise(files: ReadonlyMap<string, string>, prefix: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of files) {
    if (!path.startsWith(`${prefix}/`)) continue;
    const target = join(dir, path.slice(prefix.length + 1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}
