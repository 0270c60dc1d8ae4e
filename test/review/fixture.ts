/**
 * Git repositories for the review tests: a base commit and a working tree on top, with fixed
 * author, committer and dates, so the base's SHA is the same on every machine and the reports can
 * be compared exactly. And a stand-in squawk that answers as squawk 2.66.0 does for the two rules
 * the fixtures trigger (messages and rule names copied from its JSON output) and records its argv.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const created: string[] = [];

export function removeFixtures(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Gaia Review",
  GIT_AUTHOR_EMAIL: "review@example.invalid",
  GIT_AUTHOR_DATE: "2025-01-01T00:00:00Z",
  GIT_COMMITTER_NAME: "Gaia Review",
  GIT_COMMITTER_EMAIL: "review@example.invalid",
  GIT_COMMITTER_DATE: "2025-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export function git(repo: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd: repo,
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
  });
}

function writeFiles(repo: string, files: Record<string, string | null>): void {
  for (const [path, text] of Object.entries(files)) {
    const target = join(repo, path);
    if (text === null) {
      rmSync(target, { force: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

/** A repository whose `main` holds `base`, with `head` written over it in the working tree. */
export function fixtureRepo(
  base: Record<string, string>,
  head: Record<string, string | null>,
): string {
  const repo = mkdtempSync(join(tmpdir(), "gaia-review-repo-"));
  created.push(repo);
  git(repo, ["init", "-q", "-b", "main"]);
  writeFiles(repo, base);
  git(repo, ["add", "-A"]);
  git(repo, ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "base"]);
  writeFiles(repo, head);
  return repo;
}

export function stackFile(environment: string, modules?: string[]): string {
  return [
    "config:",
    `  gaia:environment: ${environment}`,
    ...(modules ? ["  gaia:migrations:", `    modules: [${modules.join(", ")}]`] : []),
    "",
  ].join("\n");
}

/** squawk 2.66.0's JSON findings for the lines the fixtures use (rule, message, help). */
const RULES: [RegExp, string, string, string | null][] = [
  [/DROP COLUMN/i, "ban-drop-column", "Dropping a column may break existing clients.", null],
  [
    /^CREATE INDEX (?!CONCURRENTLY)/i,
    "require-concurrent-index-creation",
    "During normal index creation, table updates are blocked, but reads are still allowed.",
    "Use `concurrently` to avoid blocking writes.",
  ],
];

/** A stand-in squawk executable; `argv()` returns each call's arguments. */
export function fakeSquawk(): { path: string; argv: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), "gaia-fake-squawk-"));
  created.push(dir);
  const log = join(dir, "argv.jsonl");
  const path = join(dir, "squawk");
  const rules = JSON.stringify(
    RULES.map(([re, rule, message, help]) => [re.source, rule, message, help]),
  );
  writeFileSync(
    path,
    `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
const rules = ${rules}.map(([re, rule, message, help]) => [new RegExp(re, "i"), rule, message, help]);
const findings = [];
for (const file of args.filter((a) => !a.startsWith("-") && a !== "json")) {
  fs.readFileSync(file, "utf8").split("\\n").forEach((text, line) => {
    for (const [re, rule, message, help] of rules) {
      if (re.test(text)) findings.push({ file, line, column: 0, level: "Warning", message, help, rule_name: rule, column_end: text.length, line_end: line });
    }
  });
}
process.stdout.write(JSON.stringify(findings));
process.exitCode = findings.length > 0 ? 1 : 0;
`,
  );
  chmodSync(path, 0o755);
  return {
    path,
    argv: () => {
      try {
        return readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as string[]);
      } catch {
        return [];
      }
    },
  };
}

/**
 * A stand-in squawk that replays what squawk 2.66.0 printed for exactly these files (recorded in
 * `recording` by running it with the same arguments from the project root). It refuses other
 * arguments, or files whose text changed since (by sha256), so a stale recording fails the test
 * instead of passing with old findings; re-record with:
 *   npx --yes squawk-cli@2.66.0 --pg-version=15.0 --reporter json --assume-in-transaction <files> > <recording>
 */
export function replayedSquawk(
  recording: string,
  args: string[],
  checksums: Record<string, string>,
): string {
  const dir = mkdtempSync(join(tmpdir(), "gaia-replayed-squawk-"));
  created.push(dir);
  const path = join(dir, "squawk");
  writeFileSync(
    path,
    `#!/usr/bin/env node
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const args = process.argv.slice(2);
if (JSON.stringify(args) !== ${JSON.stringify(JSON.stringify(args))}) {
  process.stderr.write("replayed squawk: unexpected arguments " + JSON.stringify(args) + "\\n");
  process.exit(2);
}
for (const [file, sum] of Object.entries(${JSON.stringify(checksums)})) {
  if (createHash("sha256").update(fs.readFileSync(file)).digest("hex") !== sum) {
    process.stderr.write("replayed squawk: " + file + " changed since the recording; re-record it\\n");
    process.exit(2);
  }
}
process.stdout.write(fs.readFileSync(${JSON.stringify(recording)}, "utf8"));
process.exitCode = 1;
`,
  );
  chmodSync(path, 0o755);
  return path;
}
