/**
 * A stand-in `pulumi` for the restore tests, backed by the command engine
 * (test/support/commandEngine.ts): the commands `gaia-db restore` and `restore-drill` run, on a
 * project directory whose Pulumi.yaml and Pulumi.<stack>.yaml are real files:
 *   stack output [--show-secrets] --json -s <stack>   the outputs of the last `up`
 *   config set --path <key> <value> -s <stack>        edits Pulumi.<stack>.yaml as pulumi does
 *   config rm --path <key> -s <stack>
 *   up --yes --non-interactive [--skip-preview] -s <stack>
 *                                                     index.ts under mocks, every local.Command run
 * State between calls is in $FAKE_PULUMI_HOME: the engine's state, the outputs, the secrets the
 * stack file holds encrypted (secrets.json: plain values, as only a test has them), and every
 * call's argv (calls.jsonl).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import { readStackConfig } from "../../../src/operations/stackConfig";
import { outputsFor } from "../../program/mocks";
import { CommandEngine, type StateEntry } from "../commandEngine";

const ROOT = resolve(__dirname, "../../..");
const HOME = process.env.FAKE_PULUMI_HOME ?? "";
const file = (name: string) => join(HOME, name);
const readJson = <T>(name: string, fallback: T): T =>
  existsSync(file(name)) ? (JSON.parse(readFileSync(file(name), "utf8")) as T) : fallback;

function fail(message: string, code = 255): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

function stackOf(args: string[]): string {
  const i = args.indexOf("-s");
  if (i < 0 || args[i + 1] === undefined) fail("no stack given (-s)");
  return args[i + 1]!;
}

/** `gaia:migrations.heldBack[0]` → ["gaia:migrations", "heldBack", 0], as --path reads it. */
function pathOf(key: string): (string | number)[] {
  const m = /^([^.[]+:[^.[]+)(.*)$/.exec(key);
  if (!m) fail(`invalid configuration key ${key}`);
  const rest = [...m[2]!.matchAll(/\.([^.[]+)|\[(\d+)\]/g)].map((x) =>
    x[1] !== undefined ? x[1] : Number(x[2]),
  );
  return [m[1]!, ...rest];
}

function editStackFile(stack: string, edit: (config: Record<string, unknown>) => void) {
  const path = join(process.cwd(), `Pulumi.${stack}.yaml`);
  const doc = parseDocument(readFileSync(path, "utf8"));
  const json = (doc.toJS() ?? {}) as { config?: Record<string, unknown> };
  json.config ??= {};
  edit(json.config);
  doc.set("config", doc.createNode(json.config));
  writeFileSync(path, doc.toString());
}

function setPath(config: Record<string, unknown>, path: (string | number)[], value: unknown) {
  let node: Record<string | number, unknown> = config;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = path[i + 1]!;
    const current = node[k];
    if (typeof current !== "object" || current === null)
      node[k] = typeof next === "number" ? [] : {};
    node = node[k] as Record<string | number, unknown>;
  }
  node[path.at(-1)!] = value;
}

function rmPath(
  config: Record<string, unknown>,
  path: (string | number)[],
  key: string,
  stack: string,
) {
  let node: Record<string | number, unknown> | undefined = config;
  for (const k of path.slice(0, -1))
    node = node?.[k] as Record<string | number, unknown> | undefined;
  const last = path.at(-1)!;
  if (node === undefined || !(last in node))
    fail(`configuration key '${key}' not found for stack '${stack}'`);
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
}

async function up(stack: string) {
  const { raw, secretKeys } = readStackConfig(process.cwd(), stack);
  const secrets = readJson<Record<string, string>>("secrets.json", {});
  const config = { ...raw, ...secrets };
  const secret = [...new Set([...secretKeys, ...Object.keys(secrets)])];
  const engine = new CommandEngine({
    cwd: ROOT,
    env: () => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      return env;
    },
    stateFor: (type, name, inputs) => outputsFor(type, name, inputs),
  });
  for (const s of readJson<StateEntry[]>("state.json", [])) engine.state.set(s.urn, s);
  const result = await engine.run(stack, async () => {
    pulumi.runtime.setAllConfig(config, secret);
    return { ...((await import(join(ROOT, "index.ts"))) as Record<string, unknown>) };
  });
  writeFileSync(file("state.json"), JSON.stringify([...engine.state.values()]));
  appendFileSync(file("runs.jsonl"), `${JSON.stringify({ ops: result.ops })}\n`);
  for (const l of result.logged) process.stdout.write(`    ${l.name}: ${l.line}\n`);
  if (result.error) fail(result.error.message);
  const outputs = Object.fromEntries(
    Object.entries(result.outputs ?? {}).filter(([, v]) => v !== undefined),
  );
  writeFileSync(file("outputs.json"), JSON.stringify({ outputs, secret: result.secretOutputs }));
  const changed = result.ops.filter((o) => o.op !== "none").length;
  process.stdout.write(`Resources: ${changed} changed\n`);
}

async function main() {
  const args = process.argv.slice(2);
  if (!HOME) fail("FAKE_PULUMI_HOME is not set", 64);
  appendFileSync(file("calls.jsonl"), `${JSON.stringify(args)}\n`);
  const stack = stackOf(args);
  if (args[0] === "stack" && args[1] === "output" && args.includes("--json")) {
    const { outputs, secret } = readJson<{ outputs: Record<string, unknown>; secret: string[] }>(
      "outputs.json",
      { outputs: {}, secret: [] },
    );
    const shown = args.includes("--show-secrets")
      ? outputs
      : Object.fromEntries(
          Object.entries(outputs).map(([k, v]) => [k, secret.includes(k) ? "[secret]" : v]),
        );
    process.stdout.write(`${JSON.stringify(shown, null, 4)}\n`);
    return;
  }
  if (args[0] === "config" && args[2] === "--path" && (args[1] === "set" || args[1] === "rm")) {
    const key = args[3]!;
    const path = pathOf(key);
    editStackFile(stack, (config) =>
      args[1] === "set" ? setPath(config, path, args[4]) : rmPath(config, path, key, stack),
    );
    return;
  }
  if (args[0] === "up" && args.includes("--yes") && args.includes("--non-interactive")) {
    const pack = args[args.indexOf("--policy-pack") + 1];
    if (args.includes("--policy-pack") && !existsSync(join(pack ?? "", "PulumiPolicy.yaml")))
      fail(`no policy pack at ${pack}`);
    await up(stack);
    return;
  }
  fail(`the stand-in pulumi does not model ${JSON.stringify(args)}`, 64);
}

main().catch((e: Error) => fail(e.stack ?? e.message));
