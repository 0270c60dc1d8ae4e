// The bash scripts the workflows run, executed for real. squawk itself is not installed here, so a
// stand-in `npx` records how the script calls it and fails on files containing DROP, as squawk would.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./checks";

const scratch = mkdtempSync(join(tmpdir(), "gaia-workflow-scripts-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("check-backend.sh", () => {
  const run = (url: string | undefined) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    if (url !== undefined) env.PULUMI_BACKEND_URL = url;
    const result = spawnSync("bash", [join(ROOT, ".github/scripts/check-backend.sh")], {
      env,
      encoding: "utf8",
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it.each([
    ["s3://gaia-state/gaia?region=eu-west-1&awssdk=v2", "State backend: s3://gaia-state/gaia\n"],
    ["https://api.pulumi.com", "State backend: https://api.pulumi.com\n"],
  ])("accepts %s", (url, stdout) => {
    expect(run(url)).toEqual({ status: 0, stdout, stderr: "" });
  });

  it.each([
    [
      undefined,
      "::error::Repository variable PULUMI_BACKEND_URL is not set. Set it to the state backend (s3://<bucket>/gaia?region=<region> or https://api.pulumi.com); see docs/ci.md#state-backend-and-secrets-one-time-operator-steps.\n",
    ],
    [
      "",
      "::error::Repository variable PULUMI_BACKEND_URL is not set. Set it to the state backend (s3://<bucket>/gaia?region=<region> or https://api.pulumi.com); see docs/ci.md#state-backend-and-secrets-one-time-operator-steps.\n",
    ],
    [
      `file${"://"}~`,
      "::error::PULUMI_BACKEND_URL is a local file backend; CI runners are ephemeral, so state written there is lost. Use s3://, gs://, azblob:// or Pulumi Cloud (docs/ci.md#state-backend-and-secrets-one-time-operator-steps).\n",
    ],
    [
      `file${"://"}./state`,
      "::error::PULUMI_BACKEND_URL is a local file backend; CI runners are ephemeral, so state written there is lost. Use s3://, gs://, azblob:// or Pulumi Cloud (docs/ci.md#state-backend-and-secrets-one-time-operator-steps).\n",
    ],
  ])("refuses %j", (url, stderr) => {
    expect(run(url)).toEqual({ status: 1, stdout: "", stderr });
  });
});

describe("check-flyctl.sh", () => {
  const stub = (dir: string, name: string, versionJson: string) => {
    const script = `#!/usr/bin/env bash\n[[ "$*" == "version --json" ]] || exit 9\necho '${versionJson}'\n`;
    writeFileSync(join(dir, name), script);
    chmodSync(join(dir, name), 0o755);
  };
  /**
   * A PATH holding a stand-in `flyctl` that prints `versionJson` for `flyctl version --json`, and
   * ahead of it, when given, another directory with a `fly` of its own (a preinstalled one).
   */
  const run = (
    versionJson: string | null,
    o: { fly?: string; env?: Record<string, string> } = {},
  ) => {
    const bin = mkdtempSync(join(scratch, "flyctl-"));
    const ahead = mkdtempSync(join(scratch, "fly-"));
    if (versionJson !== null) stub(bin, "flyctl", versionJson);
    if (o.fly !== undefined) stub(ahead, "fly", o.fly);
    const result = spawnSync("bash", [join(ROOT, ".github/scripts/check-flyctl.sh")], {
      cwd: ROOT,
      env: { PATH: `${ahead}:${bin}:/usr/bin:/bin:${dirname(process.execPath)}`, ...o.env },
      encoding: "utf8",
    });
    return { bin, ahead, status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const PINNED = '{"Name":"flyctl","Version":"0.4.87","Commit":"3eb236fab"}';

  it("accepts the pinned release and links fly, the name the program runs, to flyctl", () => {
    const r = run(PINNED);
    expect([r.status, r.stdout, r.stderr]).toEqual([
      0,
      `fly is flyctl 0.4.87 (${r.bin}/fly)\n`,
      "",
    ]);
    expect(readlinkSync(join(r.bin, "fly"))).toBe(join(r.bin, "flyctl"));
  });

  it("checks the fly the program runs, not a flyctl beside it", () => {
    const r = run(PINNED, { fly: '{"Name":"flyctl","Version":"0.4.80"}' });
    expect([r.status, r.stdout, r.stderr]).toEqual([
      1,
      "",
      `::error::fly (${r.ahead}/fly), which the Fly commands run, is flyctl 0.4.80, but the Fly code is verified against 0.4.87 (src/fly/flyctlVersion.ts).\n`,
    ]);
  });

  it("checks $GAIA_FLYCTL when it names the binary", () => {
    const other = mkdtempSync(join(scratch, "gaia-flyctl-"));
    stub(other, "my-flyctl", '{"Name":"flyctl","Version":"0.4.90"}');
    const r = run(PINNED, { env: { GAIA_FLYCTL: join(other, "my-flyctl") } });
    expect([r.status, r.stdout, r.stderr]).toEqual([
      1,
      "",
      `::error::${other}/my-flyctl (${other}/my-flyctl), which the Fly commands run, is flyctl 0.4.90, but the Fly code is verified against 0.4.87 (src/fly/flyctlVersion.ts).\n`,
    ]);
  });

  it.each([
    [
      '{"Name":"flyctl","Version":"0.4.90"}',
      "::error::fly (BIN/fly), which the Fly commands run, is flyctl 0.4.90, but the Fly code is verified against 0.4.87 (src/fly/flyctlVersion.ts).\n",
    ],
    [
      "flyctl v0.4.87 linux/amd64",
      "::error::fly (BIN/fly), which the Fly commands run, is flyctl of an unknown version, but the Fly code is verified against 0.4.87 (src/fly/flyctlVersion.ts).\n",
    ],
    [
      null,
      "::error::neither fly nor flyctl is on PATH: the setup-flyctl step must run before this one.\n",
    ],
  ])("refuses %j", (versionJson, stderr) => {
    const r = run(versionJson);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, "", stderr.replace("BIN", r.bin)]);
  });
});

describe("squawk-new-migrations.sh", () => {
  const fakeNpx = [
    "#!/usr/bin/env bash",
    'echo "$*" >> "$NPX_LOG"',
    'for last; do :; done; echo "squawk checked: $last"',
    'for f in "$@"; do if [[ -f "$f" ]] && grep -q "DROP" "$f"; then',
    '  echo "$f:1:1: warning[ban-drop-table]: Dropping a table may break existing clients."',
    "  exit 1",
    "fi; done",
  ].join("\n");

  /** A repository whose main has one migration, and a pull-request branch with `changes` on top. */
  function pullRequest(name: string, changes: (repo: string) => void) {
    const repo = join(scratch, name);
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: repo, encoding: "utf8", stdio: "pipe" });
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), text);
    };
    mkdirSync(repo, { recursive: true });
    git("init", "-q", "-b", "main");
    git("config", "user.email", "ci@example.com");
    git("config", "user.name", "ci");
    git("config", "commit.gpgsign", "false");
    write("migrations/core/0001_live_schema.sql", "CREATE TABLE users (id uuid);\n");
    git("add", ".");
    git("commit", "-q", "-m", "base");
    git("update-ref", "refs/remotes/origin/main", "HEAD");
    git("checkout", "-q", "-b", "feature");
    changes(repo);
    git("add", "-A");
    git("commit", "-q", "-m", "change");

    const bin = join(repo, ".bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "npx"), fakeNpx);
    chmodSync(join(bin, "npx"), 0o755);
    const output = join(repo, ".github-output");
    const log = join(repo, ".npx-log");
    writeFileSync(log, "");
    const result = spawnSync("bash", [join(ROOT, ".github/scripts/squawk-new-migrations.sh")], {
      cwd: repo,
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        BASE_REF: "main",
        SQUAWK_VERSION: "2.66.0",
        GITHUB_OUTPUT: output,
        RUNNER_TEMP: repo,
        NPX_LOG: log,
      },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return {
      outputs: readFileSync(output, "utf8"),
      report: readFileSync(join(repo, "sql-lint.md"), "utf8"),
      npxCalls: readFileSync(log, "utf8").trim().split("\n").filter(Boolean),
      repo,
    };
  }

  it.each([
    [
      "BASE_REF names a branch that was not fetched",
      "main",
      "gone",
      "::error::The pull request's base origin/gone or its merge base with HEAD is not in this checkout, so the new migration files cannot be found. Check out with fetch-depth: 0 and set BASE_REF to the base branch.\n",
    ],
    [
      "BASE_REF is not set",
      undefined,
      undefined,
      "::error::The pull request's base (BASE_REF is not set) or its merge base with HEAD is not in this checkout, so the new migration files cannot be found. Check out with fetch-depth: 0 and set BASE_REF to the base branch.\n",
    ],
  ])("fails, never passes, when the base is missing: %s", (_title, remote, baseRef, stderr) => {
    const repo = join(scratch, `no-base-${remote ?? "unset"}`);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe" });
    mkdirSync(join(repo, "migrations/core"), { recursive: true });
    git("init", "-q", "-b", "feature");
    git("config", "user.email", "ci@example.com");
    git("config", "user.name", "ci");
    writeFileSync(join(repo, "migrations/core/0002_drop.sql"), "DROP TABLE legacy;\n");
    git("add", ".");
    git("-c", "commit.gpgsign=false", "commit", "-q", "-m", "change");
    if (remote !== undefined) git("update-ref", `refs/remotes/origin/${remote}`, "HEAD");
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GITHUB_OUTPUT: join(repo, "out") };
    if (baseRef !== undefined) env.BASE_REF = baseRef;
    const result = spawnSync("bash", [join(ROOT, ".github/scripts/squawk-new-migrations.sh")], {
      cwd: repo,
      encoding: "utf8",
      env,
    });
    expect([result.status, result.stdout, result.stderr]).toEqual([1, "", stderr]);
  });

  it("lints only added files, each group under its transaction assumption, and fails on findings", () => {
    const { outputs, report, npxCalls, repo } = pullRequest("findings", (repo) => {
      writeFileSync(join(repo, "migrations/core/0002_drop_legacy.sql"), "DROP TABLE legacy;\n");
      writeFileSync(
        join(repo, "migrations/core/0003_index.sql"),
        "-- gaia:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (id);\n",
      );
      writeFileSync(join(repo, "README.txt"), "not a migration\n");
    });
    expect(npxCalls).toEqual([
      "--yes squawk-cli@2.66.0 --pg-version=15.0 --assume-in-transaction migrations/core/0002_drop_legacy.sql",
      "--yes squawk-cli@2.66.0 --pg-version=15.0 migrations/core/0003_index.sql",
    ]);
    expect(outputs).toBe(`report=${join(repo, "sql-lint.md")}\nfailed=true\n`);
    expect(report).toBe(
      [
        "### SQL lint",
        "",
        "New migration files (the runner applies them on the next deploy of each stack):",
        "",
        "- `migrations/core/0002_drop_legacy.sql`",
        "- `migrations/core/0003_index.sql`",
        "",
        "squawk, files run in a transaction:",
        "",
        "```",
        "squawk checked: migrations/core/0002_drop_legacy.sql",
        "migrations/core/0002_drop_legacy.sql:1:1: warning[ban-drop-table]: Dropping a table may break existing clients.",
        "```",
        "",
        "squawk, `-- gaia:no-transaction` files:",
        "",
        "```",
        "squawk checked: migrations/core/0003_index.sql",
        "```",
        "",
      ].join("\n"),
    );
  });

  it("passes a clean new migration", () => {
    const { outputs, report, npxCalls } = pullRequest("clean", (repo) => {
      writeFileSync(
        join(repo, "migrations/core/0002_add.sql"),
        "ALTER TABLE users ADD note text;\n",
      );
    });
    expect(npxCalls).toEqual([
      "--yes squawk-cli@2.66.0 --pg-version=15.0 --assume-in-transaction migrations/core/0002_add.sql",
    ]);
    expect(outputs).toMatch(/\nfailed=false\n$/);
    expect(
      report.endsWith("squawk checked: migrations/core/0002_add.sql\n```\n\nNo findings.\n"),
    ).toBe(true);
  });

  it("fails when a shipped migration is edited, without running squawk", () => {
    const { outputs, report, npxCalls } = pullRequest("edited", (repo) => {
      writeFileSync(join(repo, "migrations/core/0001_live_schema.sql"), "CREATE TABLE users ();\n");
    });
    expect(npxCalls).toEqual([]);
    expect(outputs).toMatch(/\nfailed=true\n$/);
    expect(report).toBe(
      [
        "### SQL lint",
        "",
        "No new migration files.",
        "",
        "**Shipped migration files changed.** Applied migrations are immutable (the runner refuses a",
        "checksum change); add a new file instead:",
        "",
        "- `migrations/core/0001_live_schema.sql`",
        "",
      ].join("\n"),
    );
  });
});

describe("schema-review.sh", () => {
  // A stand-in gaia-db (bin/gaia-db.js in the job's checkout) that records its argv and, like the
  // real one, writes the report to --output unless it cannot run.
  const project = (exitCode: number, writes: boolean, applied: string[]) => {
    const dir = mkdtempSync(join(scratch, "review-"));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "applied"));
    for (const stack of applied) writeFileSync(join(dir, "applied", `${stack}.json`), '""');
    writeFileSync(
      join(dir, "bin", "gaia-db.js"),
      `const fs = require("node:fs");
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(join(dir, "argv.json"))}, JSON.stringify(args));
if (${writes}) fs.writeFileSync(args[args.indexOf("--output") + 1], "<!-- gaia:schema-review -->\\nreport\\n");
process.exitCode = ${exitCode};
`,
    );
    return dir;
  };
  const run = (dir: string) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: join(dir, "output"),
      GITHUB_STEP_SUMMARY: join(dir, "summary"),
    };
    const result = spawnSync("bash", [join(ROOT, ".github/scripts/schema-review.sh")], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    const read = (name: string) => {
      try {
        return readFileSync(join(dir, name), "utf8");
      } catch {
        return null;
      }
    };
    return {
      status: result.status,
      argv: JSON.parse(read("argv.json") ?? "null"),
      output: read("output"),
      summary: read("summary"),
    };
  };

  it.each([
    [0, ["dev", "production"]],
    [3, []],
  ])(
    "passes each stack's applied file, reports gaia-db's exit %i and puts the report in the summary",
    (code, stacks) => {
      const dir = project(code, true, stacks);
      expect(run(dir)).toEqual({
        status: 0,
        argv: [
          "review",
          "--measure",
          "--output",
          join(dir, "schema-review.md"),
          ...stacks.flatMap((s) => ["--applied", `${s}=applied/${s}.json`]),
        ],
        output: `report=${join(dir, "schema-review.md")}\nstatus=${code}\n`,
        summary: "<!-- gaia:schema-review -->\nreport\n",
      });
    },
  );

  it("leaves the report empty when the review could not run", () => {
    const dir = project(1, false, ["dev"]);
    expect(run(dir)).toMatchObject({ status: 0, output: "report=\nstatus=1\n", summary: null });
  });
});
