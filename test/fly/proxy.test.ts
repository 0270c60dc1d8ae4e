import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlyProxyError, withFlyProxy } from "../../src/fly/proxy";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, withClient } from "../support/postgres";

let fake: FakeFly;
let scratch: string;

beforeAll(() => {
  const target = new URL(adminUrl());
  fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
  scratch = mkdtempSync(join(tmpdir(), "gaia-proxy-test-"));
  const created = spawnSync("fly", ["apps", "create", "gaia-db-dev", "--org", "aeonia-dev"], {
    env: fake.env(),
    encoding: "utf8",
  });
  expect(created.status).toBe(0);
});
afterAll(() => {
  fake.remove();
  rmSync(scratch, { recursive: true, force: true });
});

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", () => resolve(true));
  });
}

/** Running, not a zombie: in a container nobody may reap the orphaned grandchild. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

describe("withFlyProxy", () => {
  it("reaches the PostgreSQL behind the proxy and closes the port afterwards", async () => {
    let seen = 0;
    const version = await withFlyProxy({ app: "gaia-db-dev", env: fake.env() }, async (port) => {
      seen = port;
      const url = new URL(adminUrl());
      url.host = `127.0.0.1:${port}`;
      return withClient(
        url.toString(),
        async (c) => (await c.query("SHOW server_version_num")).rows[0],
      );
    });
    expect(Number(version.server_version_num)).toBeGreaterThanOrEqual(150000);
    expect(seen).toBeGreaterThan(0);
    expect(await portIsClosed(seen)).toBe(true);
    expect(fake.calls().at(-1)?.argv).toEqual([
      "proxy",
      "0:5432",
      "-a",
      "gaia-db-dev",
      "--watch-stdin",
    ]);
  });

  it("kills the proxy when the callback fails, and rethrows the callback's error", async () => {
    let seen = 0;
    await expect(
      withFlyProxy({ app: "gaia-db-dev", env: fake.env() }, async (port) => {
        seen = port;
        throw new Error("migration failed");
      }),
    ).rejects.toThrow("migration failed");
    expect(await portIsClosed(seen)).toBe(true);
  });

  // The API's words for a missing app are its own: two wordings, passed through as they come.
  it.each(["Could not find App", 'app "{name}" does not exist'])(
    "reports the proxy's stderr when it exits before it is ready (%s)",
    async (wording) => {
      fake.update((s) => {
        s.apiTexts = { appNotFound: wording };
      });
      await expect(withFlyProxy({ app: "nope", env: fake.env() }, async () => 1)).rejects.toThrow(
        new FlyProxyError(
          `fly proxy for app nope exited (code 1) before it was ready; its stderr:\nError: ${wording.replace("{name}", "nope")}`,
        ),
      );
    },
  );

  it("times out, naming the app, and kills the whole process group", async () => {
    const pidFile = join(scratch, "grandchild.pid");
    const bin = join(scratch, "slow-fly");
    // A proxy that never becomes ready and has a grandchild: the group kill must reach it too.
    writeFileSync(
      bin,
      `#!/usr/bin/env bash\nsleep 300 &\necho $! > ${pidFile}\necho starting >&2\nwait\n`,
    );
    chmodSync(bin, 0o755);
    await expect(
      withFlyProxy({ app: "gaia-db-dev", flyBinary: bin, timeoutMs: 700 }, async () => 1),
    ).rejects.toThrow(
      'fly proxy for app gaia-db-dev did not report "Proxying localhost:<port>" within 1 s; its stderr:\nstarting',
    );
    const pid = Number(readFileSync(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
  });

  it("proxies a managed cluster with fly mpg proxy <id> --local-port 0", async () => {
    const created = spawnSync(
      "fly",
      ["mpg", "create", "--name", "gaia-db-dev", "--org", "aeonia-dev", "--region", "lax"],
      { env: fake.env(), encoding: "utf8" },
    );
    expect(created.status).toBe(0);
    const id = /^ {2}ID: (\S+)$/m.exec(created.stdout)![1]!;
    let seen = 0;
    const one = await withFlyProxy(
      { app: "ignored", managedCluster: id, env: fake.env() },
      async (port) => {
        seen = port;
        const url = new URL(adminUrl());
        url.host = `127.0.0.1:${port}`;
        return withClient(
          url.toString(),
          async (c) => (await c.query("SELECT 1 AS one")).rows[0].one,
        );
      },
    );
    expect(one).toBe(1);
    expect(await portIsClosed(seen)).toBe(true);
    expect(fake.calls().at(-1)?.argv).toEqual(["mpg", "proxy", id, "--local-port", "0"]);
  });

  it("a SIGTERM to this process also ends fly mpg proxy (it has no --watch-stdin)", async () => {
    const created = spawnSync(
      "fly",
      ["mpg", "create", "--name", "gaia-db-sigterm", "--org", "aeonia-dev", "--region", "lax"],
      { env: fake.env(), encoding: "utf8" },
    );
    const id = /^ {2}ID: (\S+)$/m.exec(created.stdout)![1]!;
    const script = `require("./src/fly/proxy").withFlyProxy({ app: "x", managedCluster: ${JSON.stringify(id)} },
      async (port) => { console.log("PORT " + port); await new Promise(() => {}); });`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: join(__dirname, "..", ".."),
      env: fake.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before the proxy was ready`)));
    });
    expect(await portIsClosed(port)).toBe(false);
    const exited = new Promise((r) => child.on("exit", (_code, signal) => r(signal)));
    child.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    expect(await portIsClosed(port)).toBe(true);
  });

  it("names a missing flyctl binary", async () => {
    await expect(
      withFlyProxy({ app: "a", flyBinary: join(scratch, "no-such-fly") }, async () => 1),
    ).rejects.toThrow(/^could not start .*no-such-fly proxy for app a: spawn .*ENOENT/);
  });
});
