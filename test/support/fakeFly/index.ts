/**
 * Test-side handle on the fake flyctl (fakeFly.cjs): a private state directory per fake, the
 * environment that puts `fly`/`flyctl` first on PATH, and readers for the state and the call log.
 *
 * Each fake has its own `fly` and `flyctl` in <state>/bin, which set the fake's state directory
 * and proxy target themselves: the fake is found through PATH alone, as flyctl is, so it works
 * behind the explicit environment gaia gives flyctl (no variable of the fake's own has to pass).
 */
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import pg from "pg";

const FAKE_FLY = resolve(__dirname, "fakeFly.cjs");
const pgdata = createRequire(__filename)("./pgdata.cjs") as {
  copyPrefix(stateDir: string): string;
};

export interface FakeCall {
  argv: string[];
  command: string;
  mutation: boolean;
  /** null: the call hung (fault `hang`). */
  exitCode: number | null;
  pid: number;
  /** The process that started this flyctl. */
  ppid: number;
  /** Names of the environment variables it was started with. */
  env: string[];
}

/** A call stuck on a `hang` fault, and the helper process beside it. */
export interface FakeHang {
  pid: number;
  ppid: number;
  helper: number;
  command: string;
}

export type FaultKind = "429" | "503" | "timeout" | "fail-after-create" | "hang" | "error";

export interface Fault {
  /** The resolved command path, e.g. "volumes create", "postgres create", "status". */
  match: string;
  kind: FaultKind;
  /** `error`: the text it fails with. */
  message?: string;
  /**
   * `postgres create` with fail-after-create or hang: the node (0-based) whose machine launch
   * fails, after that node's volume was created (flypg/launcher.go:236-258). Default 0.
   */
  node?: number;
  times?: number;
  /** Lets the first `skip` matching calls through. */
  skip?: number;
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
  hangs(): FakeHang[];
  /** Every mutation attempted, failed ones included. */
  mutations(): FakeCall[];
  clearCalls(): void;
  remove(): void;
  /**
   * Drops the databases the fake copied for snapshots and restored clusters (pgdata.cjs); only
   * with `adminUrl`.
   */
  dropCopies(): Promise<void>;
}

export interface FakeFlyOptions {
  /** host:port every `fly proxy` forwards to (the test PostgreSQL). */
  proxyTarget?: string;
  /**
   * That server's administrator URL: snapshots then hold copies of the databases an app served,
   * restores get copies of them, and `postgres` logs in through an app only with the password
   * its machines were given (pgdata.cjs).
   */
  adminUrl?: string;
  token?: string;
}

export function createFakeFly(options: FakeFlyOptions = {}): FakeFly {
  const stateDir = mkdtempSync(join(tmpdir(), "gaia-fake-fly-"));
  const stateFile = join(stateDir, "state.json");
  const callsFile = join(stateDir, "calls.jsonl");
  const binDir = join(stateDir, "bin");
  mkdirSync(binDir);
  const quote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;
  const wrapper = [
    "#!/bin/sh",
    `FAKE_FLY_STATE=${quote(stateDir)}`,
    ...(options.proxyTarget ? [`FAKE_FLY_PROXY_TARGET=${quote(options.proxyTarget)}`] : []),
    ...(options.adminUrl ? [`FAKE_FLY_PROXY_ADMIN_URL=${quote(options.adminUrl)}`] : []),
    "export FAKE_FLY_STATE FAKE_FLY_PROXY_TARGET FAKE_FLY_PROXY_ADMIN_URL",
    `exec ${quote(process.execPath)} ${quote(FAKE_FLY)} "$@"`,
    "",
  ].join("\n");
  for (const name of ["fly", "flyctl"]) {
    writeFileSync(join(binDir, name), wrapper);
    chmodSync(join(binDir, name), 0o755);
  }
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
      env.PATH = `${binDir}${delimiter}${process.env.PATH ?? ""}`;
      env.FLY_API_TOKEN = options.token ?? "FlyV1 fm2_fake-token";
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
    hangs() {
      const file = join(stateDir, "hangs.jsonl");
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as FakeHang);
    },
    mutations: () => fake.calls().filter((c) => c.mutation),
    clearCalls() {
      writeFileSync(callsFile, "");
    },
    remove: () => rmSync(stateDir, { recursive: true, force: true }),
    async dropCopies() {
      if (!options.adminUrl) return;
      const client = new pg.Client({ connectionString: options.adminUrl });
      await client.connect();
      try {
        const prefix = pgdata.copyPrefix(stateDir);
        const { rows } = await client.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
          [prefix],
        );
        for (const { datname } of rows)
          await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
  appendFileSync(callsFile, "");
  return fake;
}
