/**
 * Test-side handle on the stand-in `pulumi` (pulumi.ts): a project directory with Pulumi.yaml and
 * the stack's file, a home for its state, and a `pulumi` first on PATH.
 */
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";

const ROOT = resolve(__dirname, "../../..");
const SCRIPT = resolve(__dirname, "pulumi.ts");

export interface FakePulumi {
  /** Where Pulumi.yaml and Pulumi.<stack>.yaml are (gaia-db --project-dir). */
  projectDir: string;
  home: string;
  /** PATH with this `pulumi` first (prepend to another environment's PATH). */
  binDir: string;
  env(base: Record<string, string>): Record<string, string>;
  stackFile(): Record<string, unknown>;
  /** Sets one key of the stack file (as an edit of Pulumi.<stack>.yaml would). */
  setStackConfig(key: string, value: unknown): void;
  outputs(): Record<string, unknown>;
  calls(): string[][];
  /** The operations of each `up`, in order. */
  runs(): { ops: { name: string; op: string; ok: boolean }[] }[];
  remove(): void;
}

/**
 * `config` is the stack file's `config:` map (objects as objects); `secrets` the values its
 * `secure:` entries would hold.
 */
export function createFakePulumi(
  stack: string,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
): FakePulumi {
  const projectDir = mkdtempSync(join(tmpdir(), "gaia-fake-pulumi-project-"));
  const home = mkdtempSync(join(tmpdir(), "gaia-fake-pulumi-home-"));
  const binDir = join(home, "bin");
  mkdirSync(binDir);
  copyFileSync(join(ROOT, "Pulumi.yaml"), join(projectDir, "Pulumi.yaml"));
  const secure = Object.fromEntries(Object.keys(secrets).map((k) => [k, { secure: "v1:fake" }]));
  writeFileSync(
    join(projectDir, `Pulumi.${stack}.yaml`),
    stringify({ config: { ...config, ...secure } }),
  );
  writeFileSync(join(home, "secrets.json"), JSON.stringify(secrets));
  const quote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;
  writeFileSync(
    join(binDir, "pulumi"),
    [
      "#!/bin/sh",
      `FAKE_PULUMI_HOME=${quote(home)}`,
      "export FAKE_PULUMI_HOME",
      // tsx by its path: pulumi runs in the project directory, which has no node_modules.
      `exec ${quote(process.execPath)} --import ${quote(pathToFileURL(require.resolve("tsx")).href)} ${quote(SCRIPT)} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(join(binDir, "pulumi"), 0o755);
  const read = (name: string, fallback: string) => {
    try {
      return readFileSync(join(home, name), "utf8");
    } catch {
      return fallback;
    }
  };
  return {
    projectDir,
    home,
    binDir,
    env: (base) => ({ ...base, PATH: `${binDir}${delimiter}${base.PATH ?? ""}` }),
    stackFile: () =>
      (
        require("yaml").parse(readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as {
          config: Record<string, unknown>;
        }
      ).config,
    setStackConfig: (key, value) => {
      const path = join(projectDir, `Pulumi.${stack}.yaml`);
      const doc = parse(readFileSync(path, "utf8")) as { config: Record<string, unknown> };
      doc.config[key] = value;
      writeFileSync(path, stringify(doc));
    },
    outputs: () =>
      (JSON.parse(read("outputs.json", '{"outputs":{}}')) as { outputs: Record<string, unknown> })
        .outputs,
    calls: () =>
      read("calls.jsonl", "")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[]),
    runs: () =>
      read("runs.jsonl", "")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    remove: () => {
      rmSync(projectDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}
