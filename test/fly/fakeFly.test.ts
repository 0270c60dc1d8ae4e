import { spawn, spawnSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { adminUrl, withClient } from "../support/postgres";

let fake: FakeFly;
beforeEach(() => {
  fake = createFakeFly();
});
afterEach(() => fake.remove());

function fly(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string | undefined> } = {},
) {
  const r = spawnSync("fly", args, {
    env: fake.env(opts.env),
    input: opts.stdin ?? "",
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PG_CREATE = [
  "postgres",
  "create",
  "--name",
  "gaia-db-dev",
  "--org",
  "aeonia-dev",
  "--region",
  "lax",
  "--vm-size",
  "shared-cpu-1x",
  "--volume-size",
  "10",
  "--initial-cluster-size",
  "1",
];

describe("fake fly: flags and non-interactive refusals", () => {
  it.each([
    [["postgres", "create", "--cluster-size", "1"], "Error: unknown flag: --cluster-size\n"],
    [["redis", "status", "gaia-redis-dev", "--json"], "Error: unknown flag: --json\n"],
    [["apps", "create", "x", "-Z"], "Error: unknown shorthand flag: 'Z' in -Z\n"],
    [
      ["apps", "create", "gaia-x"],
      "Error: org slug must be specified when not running interactively\n",
    ],
    [
      ["apps", "create", "--org", "aeonia-dev"],
      "Error: name argument or flag must be specified when not running interactively\n",
    ],
    [
      [
        "postgres",
        "create",
        "--name",
        "a",
        "--org",
        "aeonia-dev",
        "--region",
        "lax",
        "--vm-size",
        "shared-cpu-1x",
      ],
      "Error: prompt: non interactive\n",
    ],
    [
      ["postgres", "create", "--name", "a", "--org", "aeonia-dev"],
      "Error: region code must be specified when not running interactively\n",
    ],
    [
      [
        "redis",
        "create",
        "--name",
        "r",
        "--org",
        "aeonia-dev",
        "--region",
        "lax",
        "--no-replicas",
        "--enable-eviction",
      ],
      "Error: prompt: non interactive\n",
    ],
  ])("fly %j fails with exit 1", (args, stderrTail) => {
    const r = fly(args);
    expect(r.code).toBe(1);
    expect(r.stderr.endsWith(stderrTail)).toBe(true);
    expect(fake.state().apps).toEqual({});
  });

  it("a subcommand a group does not have prints the group's help and exits 0, doing nothing", () => {
    // cobra: Find stops at `postgres`, which has no runner, so execute returns flag.ErrHelp.
    const r = fly(["postgres", "destroy", "gaia-db-dev"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}flyctl postgres/);
    expect(fake.calls().at(-1)).toMatchObject({ command: "postgres", help: true });
  });

  it("refuses without a token, with flyctl's text", () => {
    const r = fly(["status", "-a", "x", "--json"], { env: { FLY_API_TOKEN: undefined } });
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: no access token available. Please login with 'flyctl auth login'\n",
    });
  });

  it("volumes create needs --yes unless a volume of that name exists", () => {
    fly(["apps", "create", "gaia-kb-dev", "--org", "aeonia-dev"]);
    const base = [
      "volumes",
      "create",
      "certs",
      "-a",
      "gaia-kb-dev",
      "--region",
      "lax",
      "--size",
      "1",
      "--json",
    ];
    const refused = fly(base);
    expect(refused.code).toBe(1);
    // volumes/create.go:212-219: the warning goes to stderr, before the prompt fails.
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "Warning! Every volume is pinned to a specific physical host. You should create two or more volumes per application to avoid downtime. Learn more at https://fly.io/docs/volumes/overview/\nError: yes flag must be specified when not running interactively\n",
    );
    expect(fly([...base, "--yes"]).code).toBe(0);
    // The same name again needs no --yes, and creates a duplicate: names are not unique.
    expect(fly(base).code).toBe(0);
    expect(fake.state().volumes.map((v: { name: string }) => v.name)).toEqual(["certs", "certs"]);
  });
});

describe("fake fly: shapes and quirks", () => {
  it("pg create prints the plain-text credentials and builds a cluster with pg_data volumes", () => {
    const r = fly([...PG_CREATE, "--password", "s3cret"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "Connection string: postgres://postgres:s3cret@gaia-db-dev.flycast:5432\n",
    );
    expect(r.stderr).toContain("Unmanaged Fly Postgres is not supported");
    const status = JSON.parse(fly(["status", "-a", "gaia-db-dev", "--json"]).stdout);
    expect(status.Name).toBe("gaia-db-dev");
    expect(status.Organization.Slug).toBe("aeonia-dev");
    expect(status.Machines).toHaveLength(1);
    expect(status.Machines[0].config.guest).toEqual({
      cpu_kind: "shared",
      cpus: 1,
      memory_mb: 256,
    });
    const vols = JSON.parse(fly(["volumes", "list", "-a", "gaia-db-dev", "--json"]).stdout);
    expect(vols).toHaveLength(1);
    expect(vols[0]).toMatchObject({
      name: "pg_data",
      size_gb: 10,
      region: "lax",
      attached_machine_id: status.Machines[0].id,
    });
  });

  it("a taken name fails at app creation with the flaps text and suggestion", () => {
    fly(PG_CREATE);
    const r = fly(PG_CREATE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Error: Validation failed: Name has already been taken \(Request ID: 01J[0-9A-F]+\)\nApp names are unique across all of Fly.io/,
    );
  });

  it.each([
    [undefined, "Could not find App"],
    ['Could not find App "{name}"', 'Could not find App "nope"'],
  ])("status of a missing app fails with the API's words (%s)", (wording, shown) => {
    if (wording) fake.update((s) => (s.apiTexts = { appNotFound: wording }));
    expect(fly(["status", "-a", "nope", "--json"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: failed to get app: ${shown}\n`,
    });
  });

  it("pg list and mpg list print plain text when empty, even with --json", () => {
    expect(fly(["pg", "list", "--json"]).stdout).toBe("No postgres clusters found\n");
    expect(fly(["mpg", "list", "--org", "aeonia-dev", "--json"]).stdout).toBe(
      "No managed postgres clusters found in organization aeonia-dev\n",
    );
    fly(PG_CREATE);
    expect(JSON.parse(fly(["pg", "list", "--json"]).stdout)[0].Name).toBe("gaia-db-dev");
  });

  it("mpg create silently turns --plan performance into basic", () => {
    const r = fly([
      "mpg",
      "create",
      "--name",
      "m",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--plan",
      "performance",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  Plan: basic\n");
    expect(r.stdout).toMatch(
      / {2}Connection string: postgresql:\/\/fly-user:[0-9a-f]+@pgbouncer\.[0-9a-f]+\.flympg\.net\/fly-db\n/,
    );
    expect(
      JSON.parse(fly(["mpg", "list", "--org", "aeonia-dev", "--json"]).stdout)[0],
    ).toMatchObject({ name: "m", plan: "basic", disk: 10 });
  });

  it("mpg refuses older-style tokens", () => {
    const r = fly(["mpg", "list", "--org", "aeonia-dev"], { env: { FLY_API_TOKEN: "oldtoken" } });
    expect(r.stderr).toMatch(
      /^Error: MPG commands require updated tokens but found older-style tokens/,
    );
  });

  it("redis status is a vertical table with the private URL", () => {
    const c = fly([
      "redis",
      "create",
      "--name",
      "gaia-redis-dev",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--no-replicas",
      "--enable-eviction",
      "--enable-prodpack=false",
    ]);
    expect(c.code).toBe(0);
    const s = fly(["redis", "status", "gaia-redis-dev"]);
    expect(s.stdout).toMatch(/^Redis\n {2}ID +│ [0-9a-f]+\n/);
    expect(s.stdout).toMatch(
      / {2}Private URL +│ redis:\/\/default:[0-9a-f]+@fly-gaia-redis-dev\.upstash\.io:6379\n/,
    );
    expect(fly(["redis", "list"]).stdout).toMatch(
      /^ NAME +│ ORG +│ PLAN +│ EVICTION +│ PRIMARY REGION +│ READ REGIONS\n gaia-redis-dev +│ aeonia-dev/,
    );
  });

  it("secrets import parses NAME=VALUE lines from stdin, with flyctl's # quirk", () => {
    fly(["apps", "create", "gaia-web-dev", "--org", "aeonia-dev"]);
    const r = fly(["secrets", "import", "-a", "gaia-web-dev", "--stage"], {
      stdin: 'A=abc\nB=x#y\nC="""l1\nl2"""\n',
    });
    expect(r.stdout).toBe(
      "Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.\n",
    );
    const secrets = fake.state().apps["gaia-web-dev"].secrets;
    expect(
      Object.fromEntries(
        Object.entries(secrets).map(([k, v]) => [k, (v as { value: string }).value]),
      ),
    ).toEqual({
      A: "abc",
      B: "x",
      C: "l1\nl2",
    });
  });

  it("volumes extend grows only", () => {
    fly(PG_CREATE);
    const [vol] = JSON.parse(fly(["volumes", "list", "-a", "gaia-db-dev", "--json"]).stdout);
    expect(
      fly(["volumes", "extend", vol.id, "-a", "gaia-db-dev", "--size", "5", "--yes"]).stderr,
    ).toBe(
      `Error: failed to extend volume: failed to extend volume ${vol.id}: size_gb must be greater than the current size (10)\n`,
    );
    const ok = fly([
      "volumes",
      "extend",
      vol.id,
      "-a",
      "gaia-db-dev",
      "--size",
      "20",
      "--yes",
      "--json",
    ]);
    expect(JSON.parse(ok.stdout).size_gb).toBe(20);
  });
});

describe("fake fly: faults and call log", () => {
  it.each([
    ["429", 1, /^Error: request returned non-2xx status: 429: rate limit exceeded/],
    ["503", 1, /^Error: request returned non-2xx status: 503: service unavailable/],
    ["timeout", 126, /^Error: context deadline exceeded\n$/],
  ] as const)("injects %s once", (kind, code, text) => {
    fake.injectFault({ match: "apps create", kind });
    const first = fly(["apps", "create", "gaia-a-dev", "--org", "aeonia-dev"]);
    expect(first.code).toBe(code);
    expect(first.stderr).toMatch(text);
    expect(fake.state().apps).toEqual({});
    expect(fly(["apps", "create", "gaia-a-dev", "--org", "aeonia-dev"]).code).toBe(0);
  });

  it("fail-after-create leaves the half-built pg app behind: the first node's volume, no machine", () => {
    fake.injectFault({ match: "postgres create", kind: "fail-after-create" });
    const r = fly(PG_CREATE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: failed to launch VM/);
    const app = fake.state().apps["gaia-db-dev"];
    expect(app.machines).toEqual([]);
    // flypg/launcher.go:236-258: the node's volume is created before its machine is launched.
    expect(
      fake
        .state()
        .volumes.map((v: { name: string; attached_machine_id: string | null }) => [
          v.name,
          v.attached_machine_id,
        ]),
    ).toEqual([["pg_data", null]]);
  });

  it("fail-after-create at node 1 of 2: one complete node, the second's volume unattached", () => {
    fake.injectFault({ match: "postgres create", kind: "fail-after-create", node: 1 });
    const argv = [...PG_CREATE];
    argv[argv.indexOf("--initial-cluster-size") + 1] = "2";
    const r = fly(argv);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Provisioning 2 of 2 machines");
    const [m] = fake.state().apps["gaia-db-dev"].machines;
    expect(fake.state().apps["gaia-db-dev"].machines).toHaveLength(1);
    expect(
      fake
        .state()
        .volumes.map((v: { attached_machine_id: string | null }) => v.attached_machine_id),
    ).toEqual([m.id, null]);
  });

  it("fail-after-create on a mutation without steps of its own fails once it is done", () => {
    fly(["apps", "create", "gaia-a-dev", "--org", "aeonia-dev"]);
    fake.injectFault({ match: "secrets import", kind: "fail-after-create" });
    const r = fly(["secrets", "import", "-a", "gaia-a-dev", "--stage"], { stdin: "A=1\n" });
    expect([r.code, r.stderr]).toEqual([126, "Error: context deadline exceeded\n"]);
    expect(fake.state().apps["gaia-a-dev"].secrets.A.value).toBe("1");
  });

  it("fail-after-create on a read is refused: a read has nothing to fail after", () => {
    fake.injectFault({ match: "apps list", kind: "fail-after-create" });
    const r = fly(["apps", "list", "--json"]);
    expect([r.code, r.stderr]).toEqual([
      99,
      "Error: fake fly: fail-after-create on `apps list`, which mutates nothing\n",
    ]);
  });

  it("skip lets the first matching calls through", () => {
    fake.injectFault({ match: "apps list", kind: "error", message: "boom", skip: 2 });
    expect([0, 1, 2].map(() => fly(["apps", "list", "--json"]).code)).toEqual([0, 0, 1]);
    expect(fake.state().faults).toEqual([]);
  });

  it("logs every call with whether it mutates", () => {
    fly(["apps", "list", "--json"]);
    fly(["apps", "create", "gaia-a-dev", "--org", "aeonia-dev"]);
    expect(fake.calls().map((c) => [c.command, c.mutation, c.exitCode])).toEqual([
      ["apps list", false, 0],
      ["apps create", true, 0],
    ]);
  });
});

describe("fake fly: proxy", () => {
  it("forwards to the real PostgreSQL and exits when stdin closes", async () => {
    const target = new URL(adminUrl());
    fake = createFakeFly({ proxyTarget: `${target.hostname}:${target.port}` });
    fly(PG_CREATE);
    const child = spawn("fly", ["proxy", "0:5432", "-a", "gaia-db-dev", "--watch-stdin"], {
      env: fake.env(),
    });
    const port = await new Promise<number>((resolvePort, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        const m = /Proxying localhost:(\d+) to remote \[gaia-db-dev\.internal\]:5432/.exec(
          d.toString(),
        );
        if (m) resolvePort(Number(m[1]));
      });
      child.on("exit", (c) => reject(new Error(`proxy exited ${c}`)));
    });
    const url = new URL(adminUrl());
    url.host = `127.0.0.1:${port}`;
    const one = await withClient(
      url.toString(),
      async (c) => (await c.query("SELECT 1 AS one")).rows[0].one,
    );
    expect(one).toBe(1);
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    child.stdin.end();
    expect(await exited).toBe(0);
  });
});
