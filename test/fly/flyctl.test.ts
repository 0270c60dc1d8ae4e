import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appsCreateArgs, mpgCreateArgs, postgresCreateArgs, statusArgs } from "../../src/fly/flags";
import { CommandError, Flyctl, redactArgv, requireToken } from "../../src/fly/runtime/flyctl";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

let fake: FakeFly;
let logged: string[];
beforeEach(() => {
  fake = createFakeFly();
  logged = [];
});
afterEach(() => fake.remove());

const fly = (attempts = 3) =>
  new Flyctl({ env: fake.env(), attempts, baseDelayMs: 5, log: (l) => logged.push(l) });

describe("requireToken", () => {
  it.each([
    [{ FLY_API_TOKEN: "t" }, true],
    [{ FLY_ACCESS_TOKEN: "t" }, true],
    [{ FLY_API_TOKEN: "" }, false],
    [{}, false],
  ])("%j → accepted %s", (env, ok) => {
    if (ok) expect(() => requireToken(env)).not.toThrow();
    else
      expect(() => requireToken(env)).toThrow(
        "neither FLY_API_TOKEN nor FLY_ACCESS_TOKEN is set in the environment of `pulumi`. Fly commands read the token only from there (never from config or state). Create an org token with `fly tokens create org -o <org>` and export FLY_API_TOKEN before `pulumi up`.",
      );
  });
});

describe("redactArgv", () => {
  it("hides the value after --password / -p", () => {
    expect(
      redactArgv(["postgres", "create", "--password", "s3cret", "-p", "x", "--name", "n"]),
    ).toBe("postgres create --password [redacted] -p [redacted] --name n");
  });
});

describe("Flyctl against the fake", () => {
  it("read: not found is null, and a 429 then a 503 are retried", async () => {
    expect(await fly().read(statusArgs("gaia-db-dev"))).toBeNull();
    fake.injectFault({ match: "status", kind: "429" });
    fake.injectFault({ match: "status", kind: "503" });
    expect(await fly().read(statusArgs("gaia-db-dev"))).toBeNull();
    expect(fake.calls().map((c) => c.exitCode)).toEqual([1, 1, 1, 1]);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(
      /^ {2}transient failure \(Error: request returned non-2xx status: 429: rate limit exceeded \(Request ID: 01J[0-9A-F]+\)\); retry 1 in 5 ms$/,
    );
    expect(logged[1]).toMatch(
      /^ {2}transient failure \(Error: request returned non-2xx status: 503: service unavailable \(Request ID: 01J[0-9A-F]+\)\); retry 2 in 10 ms$/,
    );
  });

  it("gives up after the configured attempts, naming the command and the last error", async () => {
    fake.injectFault({ match: "apps create", kind: "timeout", times: 3 });
    await expect(fly(3).mutate(appsCreateArgs("gaia-a-dev", "aeonia-dev"))).rejects.toThrow(
      new CommandError(
        "fly apps create gaia-a-dev --org aeonia-dev --json failed 3 times with transient errors; last (exit 126): Error: context deadline exceeded",
      ),
    );
  });

  it("a non-transient failure is not retried", async () => {
    fake.update((s) => {
      s.foreignApps.push("gaia-a-dev");
    });
    await expect(fly().mutate(appsCreateArgs("gaia-a-dev", "aeonia-dev"))).rejects.toThrow(
      /^fly apps create gaia-a-dev --org aeonia-dev --json failed \(exit 1\): Error: Validation failed: Name has already been taken/,
    );
    expect(fake.calls()).toHaveLength(1);
  });

  it("a mutation that failed transiently after taking effect is verified, not repeated", async () => {
    fake.injectFault({ match: "apps create", kind: "fail-after-create" });
    const f = fly();
    await f.mutate(appsCreateArgs("gaia-a-dev", "aeonia-dev"), {
      verify: async () => (await f.read(statusArgs("gaia-a-dev"))) !== null,
    });
    expect(fake.mutations()).toHaveLength(1);
    expect(logged).toContain("  (failed transiently, but the change is in place)");
  });

  it("never logs the password it passes to fly postgres create", async () => {
    const argv = [
      ...postgresCreateArgs({
        name: "gaia-db-dev",
        org: "aeonia-dev",
        region: "lax",
        guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 },
        volumeSizeGb: 1,
        initialClusterSize: 1,
      }),
      "--password",
      "s3cret-pw",
    ];
    await fly().mutate(argv);
    expect(logged.join("\n")).not.toContain("s3cret-pw");
    expect(logged[0]).toContain("--password [redacted]");
  });
});

describe("Flyctl: reads and waits bounded by the caller", () => {
  it("stopWhen interrupts a command that would wait for ever; the run counts as done", async () => {
    fake.update((s) => {
      s.mpgStatuses = ["provisioning"];
    });
    const argv = mpgCreateArgs({
      name: "m",
      org: "aeonia-dev",
      region: "lax",
      plan: "basic",
      volumeSizeGb: 10,
      majorVersion: 16,
    });
    const r = await fly().mutate(argv, { stopWhen: (out) => out.includes("Waiting for cluster") });
    expect(r.stopped).toBe(true);
    expect(r.stdout).toContain(
      `Waiting for cluster m (${fake.state().mpg[0].id}) to be ready...\n`,
    );
    expect(fake.calls().map((c) => [c.command, c.exitCode])).toEqual([["mpg create", 1]]);
  });

  it("a maybe-not-found read is an answer only when absent() confirms it", async () => {
    const argv = ["mpg", "status", "gone", "--json"];
    expect(await fly().read(argv, { absent: async () => true })).toBeNull();
    await expect(fly(2).read(argv, { absent: async () => false })).rejects.toThrow(
      'fly mpg status gone --json failed 2 times; last (exit 1): Error: managed postgres cluster "gone" not found. That reads as "not found", but the org still lists it, so it is not taken for gone: it may still exist and bill. Retry later.',
    );
    await expect(fly(2).read(argv)).rejects.toThrow(
      'failed 2 times; last (exit 1): Error: managed postgres cluster "gone" not found. That reads as "not found", but flyctl prints it for any failed lookup (a 429, 5xx or timeout too), so it is not taken for gone',
    );
  });
});
