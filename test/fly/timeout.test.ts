/**
 * A customTimeout stops everything a command started, tested against the real mechanism: the
 * test engine kills only the process the provider started (`/bin/sh`), with SIGKILL, at the
 * customTimeout, and waits for every holder of its pipes, as pulumi-command 1.2.1 does.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { flyCommand, RUN } from "../../src/fly/command";
import { CommandEngine } from "../support/commandEngine";
import { goQuote } from "../support/engine/provider";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

const ROOT = resolve(__dirname, "../..");
const fakes: FakeFly[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const f of fakes.splice(0)) f.remove();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Running, not a zombie (nobody may reap an orphan in a container). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits (at most 5 s) for a SIGKILLed process to be gone. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

/** The unmanaged cluster command, as FlyPostgres declares it, with a short timeout. */
const cluster = (timeoutSeconds?: number) => () => {
  const cmd = flyCommand(
    "postgres-cluster",
    {
      kind: "postgres",
      stack: "dev",
      environment: {
        POSTGRES_KIND: "unmanaged",
        APP_NAME: "gaia-db-dev",
        ORG: "aeonia-dev",
        REGION: "lax",
        VM_SIZE: "shared-cpu-1x",
        CLUSTER_SIZE: "1",
        ALLOW_RESTART: "false",
        VOLUME_SIZE_GB: "10",
      },
      secrets: pulumi.output({ password: pulumi.secret("cluster-password-1") }),
      secretOutput: true,
      ...(timeoutSeconds ? { timeoutSeconds } : {}),
    },
    {},
  );
  return { origin: cmd.stdout.apply((s) => JSON.parse(s.split("\n").at(-1)!).origin) };
};

describe("a customTimeout on a Fly command", () => {
  it("stops node, flyctl and its helpers before the provider's kill; the next up refuses the cut-off create's app until it is removed by hand", async () => {
    const fake = createFakeFly();
    fakes.push(fake);
    const engine = new CommandEngine({
      cwd: ROOT,
      env: () => fake.env({ GAIA_FLY_RETRY_BASE_MS: "10" }),
    });
    // flyctl creates the app and the first node's volume, then never returns (no machine yet): a
    // create cut off mid-way.
    fake.injectFault({ match: "postgres create", kind: "hang" });
    const r = await engine.run("dev", cluster(20));
    // The operation ended: every holder of the provider's pipes closed them.
    const op = r.ops.find((o) => o.name === "postgres-cluster")!;
    expect(op.timedOut).toBe(false);
    expect(r.error?.message).toMatch(
      new RegExp(
        `^exit status 1: running ${goQuote(`${RUN} create`).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\n`,
      ),
    );
    expect(r.error?.message).toContain(
      "gaia fly postgres: create stopped at its deadline, 10 s after it started (customTimeout 20 s, at which the command provider would kill it and leave what it started running); 1 process group(s) it started were ended.",
    );
    expect(r.error?.message).not.toContain("cluster-password-1");
    const [hang] = fake.hangs();
    expect(hang?.command).toBe("postgres create");
    // `exec`: flyctl's parent is the process the provider started, so its kill reaches node.
    expect(hang!.ppid).toBe(op.pid);
    for (const pid of [op.pid!, hang!.pid, hang!.helper]) expect(await gone(pid)).toBe(true);
    expect(fake.state().apps["gaia-db-dev"].machines).toEqual([]);

    // The process that created it is gone: nothing proves the app is the stack's, so it is never
    // destroyed by a later run.
    fake.clearCalls();
    const refused = await engine.run("dev", cluster(20));
    expect(refused.error?.message).toContain(
      "stack dev: Postgres app gaia-db-dev has no machine but 1 volume(s)",
    );
    expect(fake.mutations()).toEqual([]);
    expect(
      spawnSync("fly", ["apps", "destroy", "gaia-db-dev", "--yes"], { env: fake.env() }).status,
    ).toBe(0);
    const next = await engine.run("dev", cluster(20));
    expect(next.error).toBeUndefined();
    expect(next.outputs).toEqual({ origin: "created" });
    expect(fake.state().apps["gaia-db-dev"].machines).toHaveLength(1);
  }, 120_000);

  it("is the customTimeout and GAIA_TIMEOUT_SECONDS of every Fly command, 30 minutes by default", async () => {
    const fake = createFakeFly();
    fakes.push(fake);
    const engine = new CommandEngine({ cwd: ROOT, env: () => fake.env() });
    expect((await engine.run("dev", cluster())).error).toBeUndefined();
    const saved = engine.saved.get("postgres-cluster")!;
    expect(saved.customTimeouts).toEqual({ create: "1800s", update: "1800s", delete: "1800s" });
    expect((saved.inputs.environment as Record<string, string>).GAIA_TIMEOUT_SECONDS).toBe("1800");
  });
});

describe("exec in a command string", () => {
  it("makes the provider's kill at the customTimeout reach the program itself", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "gaia-exec-")));
    dirs.push(dir);
    const engine = new CommandEngine({ cwd: dir, env: () => ({ PATH: process.env.PATH ?? "" }) });
    const program = (prefix: string) => () => {
      new local.Command(
        "node",
        {
          create: `${prefix}node -e "require('fs').writeFileSync('pid', String(process.pid)); setTimeout(() => {}, 60000)"`,
        },
        { customTimeouts: { create: "2s" } },
      );
      return {};
    };
    const r = await engine.run("dev", program("exec "));
    expect(r.error?.message).toMatch(/^signal: killed: running "exec node/);
    expect(Number(readFileSync(join(dir, "pid"), "utf8"))).toBe(r.ops[0]!.pid);
    expect(existsSync(join(dir, "pid"))).toBe(true);
  });
});
