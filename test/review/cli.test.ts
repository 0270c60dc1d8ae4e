/**
 * `gaia-db review` and `gaia-db schema` as commands: through runCli in process, and the binary
 * once (the lazy loading differs between tsx and vitest).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { helpText } from "../../src/cli/helpTopics";
import { runCliProcess } from "../migrations/runner/fixtures";
import { runInProcess } from "../support/inProcess";
import { adminUrl } from "../support/postgres";
import { fakeSquawk, fixtureRepo, removeFixtures, stackFile } from "./fixture";

afterAll(removeFixtures);

const gaiaDb = runInProcess;

const BASE = {
  "migrations/core/0001_t.sql": "CREATE TABLE t (id int PRIMARY KEY);\n",
  "Pulumi.dev.yaml": stackFile("dev", ["core"]),
};

describe("gaia-db review", () => {
  it("prints the report, writes it with --output, and tells its progress on stderr", async () => {
    const repo = fixtureRepo(BASE, {
      "migrations/core/0002_u.sql": "ALTER TABLE t ADD COLUMN u text;\n",
    });
    const output = join(repo, "report.md");
    const squawk = fakeSquawk();
    const r = await gaiaDb([
      "review",
      "--project-dir",
      repo,
      "--base",
      "main",
      "--server-url",
      adminUrl(),
      "--squawk",
      squawk.path,
      "--output",
      output,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(output, "utf8"));
    expect(r.stdout).toContain("  - column `u` added: text, nullable\n");
    const progress = r.stderr.trimEnd().split("\n");
    expect(progress.slice(0, -1)).toEqual([
      expect.stringMatching(/^review: base [0-9a-f]{12} \(main\)$/),
      expect.stringMatching(/^review: server PostgreSQL 15\.\d+$/),
      "review: building core then core",
      "review: squawk on 1 new file",
    ]);
    expect(progress.at(-1)).toMatch(/^review: done in \d+\.\d s$/);
  });

  it("exits 3 with --json when the head does not apply, the runner's message in the document", async () => {
    const repo = fixtureRepo(BASE, {
      "migrations/core/0002_u.sql": "ALTER TABLE nope ADD COLUMN u text;\n",
    });
    const r = await gaiaDb(
      ["review", "--project-dir", repo, "--base", "main", "--skip-squawk", "--json"],
      { GAIA_REVIEW_DATABASE_URL: adminUrl() },
    );
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect([doc.ok, doc.exitCode, doc.applies, doc.squawk, doc.newFiles]).toEqual([
      false,
      3,
      false,
      null,
      ["migrations/core/0002_u.sql"],
    ]);
    expect(doc.builds[0].failure).toEqual([
      'core/0002_u.sql line 1 (statement 1 of 1) failed: relation "nope" does not exist (SQLSTATE 42P01); the file was rolled back, nothing from it was applied; fix the statement and run migrate again (roll forward: files already applied never change)',
    ]);
  });

  it("--measure: exit 0 when the head fails only on the filled tables, the measurement in --json", async () => {
    const repo = fixtureRepo(BASE, {
      "migrations/core/0002_u.sql": "ALTER TABLE t ADD COLUMN u text;\n",
      "migrations/core/0003_u_unique.sql":
        "UPDATE t SET u = 'same';\nCREATE UNIQUE INDEX t_u ON t (u);\n",
    });
    const r = await gaiaDb(
      [
        "review",
        "--project-dir",
        repo,
        "--base",
        "main",
        "--skip-squawk",
        "--json",
        "--measure",
        "--rows",
        "50",
        "--seed",
        "3",
      ],
      { GAIA_REVIEW_DATABASE_URL: adminUrl() },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const m = doc.builds[0].measurement;
    expect([
      doc.ok,
      doc.applies,
      m.fill.rows,
      m.fill.seed,
      m.fill.tables.map((t: { rows: number }) => t.rows),
    ]).toEqual([true, true, 50, 3, [50]]);
    expect(m.failure).toEqual({
      file: "core/0003_u_unique.sql",
      line: 2,
      reason: 'could not create unique index "t_u" (Key (u)=(same) is duplicated.)',
    });
    expect(r.stderr.split("\n")).toContain("review: measuring core on 50 rows per table (seed 3)");
  });

  it.each([
    [
      ["--applied", "dev"],
      "gaia-db: --applied dev: expected <stack>=<file>, e.g. --applied production=production.files.json (the output of pulumi stack output migrationFiles --json -s production)",
    ],
    [
      ["--squawk", "/bin/true", "--skip-squawk"],
      "gaia-db: --squawk and --skip-squawk contradict each other: give one",
    ],
    [
      ["--base", "no-such-branch", "--skip-squawk"],
      "gaia-db: --base no-such-branch: no such commit in REPO; give a branch, tag or SHA that exists here (e.g. --base origin/main after git fetch origin main)",
    ],
    [
      ["--skip-squawk"],
      "gaia-db: no base to review against: origin/main or its merge base with HEAD is not in REPO; fetch it (git fetch origin main; in CI check out with fetch-depth: 0) or pass --base <ref>",
    ],
    [
      ["--applied", "qa=/dev/null", "--base", "main", "--skip-squawk"],
      "gaia-db: --applied qa=…: there is no stack file Pulumi.qa.yaml; stacks: dev",
    ],
    [
      ["--rows", "500", "--skip-squawk"],
      "gaia-db: --rows applies to the measured review only: add --measure, or leave out --rows",
    ],
    [
      ["--measure", "--rows", "ten", "--skip-squawk"],
      "gaia-db: --rows ten: not a number of rows from 1 to 1000000",
    ],
    [
      ["--measure", "--rows", "0", "--skip-squawk"],
      "gaia-db: --rows 0: not a number of rows from 1 to 1000000",
    ],
    [
      ["--measure", "--seed", "-1", "--skip-squawk"],
      "gaia-db: --seed -1: not a whole number from 0 to 2147483647",
    ],
    [
      ["--measure", "--seed", "1.5", "--skip-squawk"],
      "gaia-db: --seed 1.5: not a whole number from 0 to 2147483647",
    ],
    [["extra"], "gaia-db: unexpected arguments extra: usage is gaia-db review [options]"],
    [["--nope"], "gaia-db: Unknown option '--nope'; run gaia-db review --help"],
  ])("exit 2: %j", async (args, message) => {
    const repo = fixtureRepo(BASE, {});
    const r = await gaiaDb(["review", "--project-dir", repo, ...args]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `${message.replace("REPO", repo)}\n` });
  });

  it("exit 2 for a server URL the one URL parser refuses, without echoing it", async () => {
    const repo = fixtureRepo(BASE, {});
    const r = await gaiaDb([
      "review",
      "--project-dir",
      repo,
      "--server-url",
      "mysql://u:pw-secret@h/db",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gaia-db: --server-url is not a valid PostgreSQL URL: /);
    expect(r.stderr).not.toContain("pw-secret");
  });

  it("exit 1 without the server's password when the server cannot be reached", async () => {
    const repo = fixtureRepo(BASE, {});
    const r = await gaiaDb([
      "review",
      "--project-dir",
      repo,
      "--base",
      "main",
      "--server-url",
      "postgresql://review:hunter2-secret@127.0.0.1:1/postgres",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^review: base [0-9a-f]{12} \(main\)\ngaia-db: cannot connect to the review server: /,
    );
    expect(r.stderr).not.toContain("hunter2-secret");
  });
});

describe("gaia-db schema", () => {
  it("draws every table the modules build", async () => {
    const r = await gaiaDb(["schema", "--modules", "core,rbac", "--server-url", adminUrl()]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const tables = [...r.stdout.matchAll(/^ {2}(\w+) \{$/gm)].map((m) => m[1]);
    expect(tables).toHaveLength(32);
    expect(r.stdout.split("\n")[0]).toBe("erDiagram");
    expect(r.stdout).toContain('  roles ||--o{ user_roles : "role_id"\n');
  });

  it("refuses --mermaid with --json", async () => {
    expect(await gaiaDb(["schema", "--mermaid", "--json"])).toEqual({
      code: 2,
      stdout:
        '{\n  "ok": false,\n  "exitCode": 2,\n  "error": "--mermaid and --json choose the output: give one"\n}\n',
      stderr: "gaia-db: --mermaid and --json choose the output: give one\n",
    });
  });
});

describe("the binary", () => {
  it.each([
    ["review", helpText("review")],
    ["schema", helpText("schema")],
  ])("gaia-db %s --help", async (command, help) => {
    expect(await runCliProcess([command, "--help"], { env: {}, cwd: "/" })).toMatchObject({
      code: 0,
      stdout: `${help}\n`,
      stderr: "",
    });
  });
});
