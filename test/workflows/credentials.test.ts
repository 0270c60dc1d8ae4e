// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions, not templates.
/**
 * The deploy environments are the credential boundary: every secret a job reads comes from its
 * own GitHub environment, and a job that runs pulumi on a stack is bound to that stack's.
 */
import { describe, expect, it } from "vitest";
import { credentialProblems, type Job, loadWorkflows, secretsUsed, type Workflow } from "./checks";

const workflows = loadWorkflows();

const up = (stack: string) => ({
  uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d",
  with: { command: "up", "stack-name": stack },
  env: { FLY_API_TOKEN: "${{ secrets.FLY_API_TOKEN }}" },
});
const workflowOf = (jobs: Record<string, Job>): Workflow => ({ on: { push: {} }, jobs });

describe("credentials come from the job's own environment", () => {
  it.each(workflows.map((w) => [w.file, w.workflow] as const))("%s", (_file, workflow) => {
    expect(credentialProblems(workflow)).toEqual([]);
  });

  it("finds the secrets a job reads, wherever they are written", () => {
    expect(
      secretsUsed({
        env: { A: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" },
        steps: [
          { run: "echo ${{ secrets.FLY_API_TOKEN }}" },
          { with: { token: "${{ secrets.GITHUB_TOKEN }}" } },
        ],
      }),
    ).toEqual(["FLY_API_TOKEN", "PULUMI_CONFIG_PASSPHRASE"]);
  });

  it.each<[string, Record<string, Job>, string[]]>([
    [
      "a job that reads a secret without an environment",
      { lint: { steps: [{ run: "echo ${{ secrets.STATE_SECRET_ACCESS_KEY }}" }] } },
      [
        "lint: reads STATE_SECRET_ACCESS_KEY without an environment, so only a repository secret can answer: bind the job to its stack's environment",
      ],
    ],
    [
      "a dev job given a production token by name",
      {
        deploy: {
          environment: "dev",
          steps: [{ run: "fly apps list", env: { T: "${{ secrets.PRODUCTION_FLY_API_TOKEN }}" } }],
        },
      },
      [
        "deploy: secret PRODUCTION_FLY_API_TOKEN names a stack; each stack's environment holds its value under the common name",
      ],
    ],
    [
      "production deployed with the dev environment's credentials",
      { deploy: { environment: "dev", steps: [up("production")] } },
      ["deploy: pulumi up on stack production runs with environment dev, not production"],
    ],
    [
      "a deploy with a preview environment's read-only credentials",
      { deploy: { environment: { name: "preview-dev" }, steps: [up("dev")] } },
      ["deploy: pulumi up on stack dev runs with environment preview-dev, not dev"],
    ],
    [
      "a pulumi step with no environment at all",
      { deploy: { steps: [up("dev")] } },
      [
        "deploy: reads FLY_API_TOKEN without an environment, so only a repository secret can answer: bind the job to its stack's environment",
        "deploy: pulumi up on stack dev runs with environment (none), not dev",
      ],
    ],
    [
      "a staging restore drill with production's credentials",
      {
        drill: {
          environment: "production",
          steps: [{ run: "node bin/gaia-db.js restore-drill staging | tee -a x" }],
        },
      },
      [
        "drill: gaia-db restore-drill staging runs with environment production, not staging or restore-drill-staging",
      ],
    ],
  ])("reports %s", (_name, jobs, problems) => {
    expect(credentialProblems(workflowOf(jobs))).toEqual(problems);
  });

  it("accepts a stack's deploy in its environment and its preview in preview-<stack>", () => {
    const preview = {
      uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d",
      with: { command: "preview", "stack-name": "${{ matrix.stack }}" },
    };
    expect(
      credentialProblems(
        workflowOf({
          deploy: {
            environment: "${{ inputs.stack || 'dev' }}",
            steps: [up("${{ inputs.stack || 'dev' }}")],
          },
          preview: { environment: "preview-${{ matrix.stack }}", steps: [preview] },
        }),
      ),
    ).toEqual([]);
  });
});
