/**
 * Test-side handle on the fake flyctl (fakeFly.cjs): a private state directory per fake, the
 * environment that puts `fly`/`flyctl` first on PATH, and readers for the state and the call log.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";

export const FAKE_FLY_BIN = resolve(__dirname);

export interface FakeCall {
  argv: string[];
  command: string;
  mutation: boolean;
  exitCode: number;
}

export type FaultKind = "429" | "503" | "timeout" | "fail-after-create";

export interface Fault {
  /** The resolved command path, e.g. "volumes create", "postgres create", "status". */
  match: string;
  kind: FaultKind;
  times?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the fake's state is untyped JSON by design.
export type FakeState = Record<string, any>;

export interface FakeFly {
  stateDir: string;
  /** Environment for a child process: PATH with the fake first, its state dir and a token. */
  env(extra?: Record<string, string | undefined>): Record<string, string>;
  state(): FakeState;
  update(fn: (state: FakeState) => void): void;
  injectFault(fault: Fault): void;
  calls(): FakeCall[];
  /** Every mutation attempted, failed ones included. */
  mutations(): FakeCall[];
  clearCalls(): void;
  remove(): void;
}

export function createFakeFly(options: { proxyTarget?: string; token?: string } = {}): FakeFly {
  const stateDir = mkdtempSync(join(tmpdir(), "gaia-fake-fly-"));
  const stateFile = join(stateDir, "state.json");
  const callsFile = join(stateDir, "calls.jsonl");
  const initial: FakeState = {
    seq: 0,
    orgs: ["aeonia-dev"],
    foreignApps: [],
    apps: {},
    volumes: [],
    redis: {},
    mpg: [],
    faults: [],
  };
  writeFileSync(stateFile, JSON.stringify(initial));
  const fake: FakeFly = {
    stateDir,
    env(extra = {}) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
      delete env.FLY_ACCESS_TOKEN;
      delete env.FLY_API_TOKEN;
      env.PATH = `${FAKE_FLY_BIN}${delimiter}${process.env.PATH ?? ""}`;
      env.FAKE_FLY_STATE = stateDir;
      env.FLY_API_TOKEN = options.token ?? "FlyV1 fm2_fake-token";
      if (options.proxyTarget) env.FAKE_FLY_PROXY_TARGET = options.proxyTarget;
      for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      return env;
    },
    state: () => JSON.parse(readFileSync(stateFile, "utf8")),
    update(fn) {
      const state = fake.state();
      fn(state);
      writeFileSync(stateFile, JSON.stringify(state));
    },
    injectFault(fault) {
      fake.update((s) => {
        s.faults.push({ times: 1, ...fault });
      });
    },
    calls() {
      if (!existsSync(callsFile)) return [];
      return readFileSync(callsFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FakeCall);
    },
    mutations: () => fake.calls().filter((c) => c.mutation),
    clearCalls() {
      writeFileSync(callsFile, "");
    },
    remove: () => rmSync(stateDir, { recursive: true, force: true }),
  };
  appendFileSync(callsFile, "");
  return fake;
}
