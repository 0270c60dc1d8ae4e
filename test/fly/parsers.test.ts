import { describe, expect, it } from "vitest";
import {
  flyctlVersionWarning,
  PINNED_FLYCTL_VERSION,
  parseFlyctlVersion,
} from "../../src/fly/flyctlVersion";
import {
  classifyFailure,
  parseAppStatus,
  parseManagedCreateProgress,
  parseManagedDatabases,
  parseManagedList,
  parseManagedStatus,
  parseProxyReady,
  parseRedisList,
  parseRedisStatus,
  parseSnapshots,
  parseVolume,
  parseVolumeExtend,
  parseVolumes,
} from "../../src/fly/parsers";

const statusJson = JSON.stringify({
  ID: "gaia-db-dev",
  Name: "gaia-db-dev",
  Status: "deployed",
  Organization: { Slug: "aeonia-dev", Name: "aeonia-dev" },
  Machines: [
    {
      id: "148e",
      state: "started",
      region: "lax",
      config: {
        guest: { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
        mounts: [{ volume: "vol_1", path: "/data" }],
      },
    },
  ],
});

describe("parseAppStatus", () => {
  it.each([
    [
      "a Postgres app with one machine",
      statusJson,
      {
        id: "gaia-db-dev",
        name: "gaia-db-dev",
        orgSlug: "aeonia-dev",
        status: "deployed",
        machines: [
          {
            id: "148e",
            state: "started",
            region: "lax",
            guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 },
            volumes: ["vol_1"],
          },
        ],
      },
    ],
    [
      "an app without machines (null Machines)",
      '{"ID":"a","Name":"a","Status":"pending","Organization":{"Slug":"o"},"Machines":null}',
      { id: "a", name: "a", orgSlug: "o", status: "pending", machines: [] },
    ],
  ])("%s", (_n, input, expected) => {
    expect(parseAppStatus(input)).toEqual(expected);
  });

  it.each([
    ["plain text", "App\n  Name = x", "unexpected output from fly status --json: not JSON"],
    [
      "snake_case keys",
      '{"id":"a","name":"a"}',
      "unexpected output from fly status --json: no Name field",
    ],
    ["an array", "[]", "unexpected output from fly status --json: expected a JSON object"],
  ])("rejects %s", (_n, input, message) => {
    expect(() => parseAppStatus(input)).toThrow(message);
  });
});

describe("volumes", () => {
  const vol = {
    id: "vol_1",
    name: "pg_data",
    state: "created",
    size_gb: 10,
    region: "lax",
    attached_machine_id: "148e",
  };
  it.each([
    ["[]", []],
    [
      JSON.stringify([vol, { ...vol, id: "vol_2", attached_machine_id: null }]),
      [
        {
          id: "vol_1",
          name: "pg_data",
          state: "created",
          sizeGb: 10,
          region: "lax",
          attachedMachineId: "148e",
        },
        {
          id: "vol_2",
          name: "pg_data",
          state: "created",
          sizeGb: 10,
          region: "lax",
          attachedMachineId: null,
        },
      ],
    ],
  ])("parseVolumes(%s)", (input, expected) => {
    expect(parseVolumes(input)).toEqual(expected);
  });
  it("parseVolume reads one object and rejects one without id", () => {
    expect(parseVolume(JSON.stringify(vol)).sizeGb).toBe(10);
    expect(() => parseVolume('{"ID":"vol_1"}')).toThrow("a volume without id");
  });
  it("parseSnapshots: a pending one has an empty id; the volume's size comes along", () => {
    expect(
      parseSnapshots(
        '[{"id":"vs_1","status":"created","created_at":"2026-01-01T00:00:00Z","size":1,"volume_size":10737418240},{"id":"","status":"running","created_at":"2026-01-02T00:00:00Z","size":0}]',
      ),
    ).toEqual([
      {
        id: "vs_1",
        status: "created",
        createdAt: "2026-01-01T00:00:00Z",
        volumeSizeBytes: 10737418240,
      },
      { id: "", status: "running", createdAt: "2026-01-02T00:00:00Z", volumeSizeBytes: 0 },
    ]);
  });
});

describe("list commands that print text when empty", () => {
  it.each([
    ["No managed postgres clusters found in organization aeonia-dev\n", []],
    [
      '[{"id":"c1","name":"gaia-db-dev","region":"lax","status":"ready","plan":"basic","disk":10}]',
      [
        {
          id: "c1",
          name: "gaia-db-dev",
          region: "lax",
          status: "ready",
          plan: "basic",
          diskGb: 10,
        },
      ],
    ],
  ])("parseManagedList(%j)", (input, expected) => {
    expect(parseManagedList(input)).toEqual(expected);
  });
  it.each([
    ["No databases found for cluster abc\n", []],
    ['[{"name":"fly-db"},{"name":"llm_platform"}]', ["fly-db", "llm_platform"]],
  ])("parseManagedDatabases(%j)", (input, expected) => {
    expect(parseManagedDatabases(input)).toEqual(expected);
  });
  it("rejects other text", () => {
    expect(() => parseManagedList("Error-ish text")).toThrow(
      "unexpected output from fly mpg list --json: not JSON",
    );
  });
});

describe("parseManagedStatus", () => {
  it("reads data.* and credentials.pgbouncer_uri", () => {
    const out = JSON.stringify({
      data: { id: "c1", name: "n", status: "ready", plan: "basic", region: "lax", disk: 10 },
      credentials: {
        status: "ready",
        user: "fly-user",
        password: "pw",
        pgbouncer_uri: "postgresql://fly-user:pw@h/fly-db",
      },
    });
    expect(parseManagedStatus(out)).toEqual({
      id: "c1",
      plan: "basic",
      region: "lax",
      diskGb: 10,
      status: "ready",
      connectionString: "postgresql://fly-user:pw@h/fly-db",
    });
  });
  it.each([
    ['{"data":{"id":"c1","plan":"basic"},"credentials":{"status":"initializing"}}', null],
    ['{"data":{"id":"c1","plan":"basic"}}', null],
  ])("no credentials yet: %s", (input, expected) => {
    expect(parseManagedStatus(input).connectionString).toBe(expected);
  });
  it.each([
    [
      "not JSON",
      "password=pw",
      "unexpected output from fly mpg status --json: not JSON. Output was:\n[withheld]",
    ],
    [
      "a flat object",
      '{"id":"c1","plan":"basic"}',
      "unexpected output from fly mpg status --json: expected a JSON object. Output was:\n[withheld]",
    ],
  ])("rejects %s without echoing it", (_n, input, message) => {
    expect(() => parseManagedStatus(input)).toThrow(message);
  });
});

describe("parseVolumeExtend", () => {
  const volume =
    "                  ID: vol_1\n                Name: pg_data\n             Size GB: 20\n           Encrypted: true\n";
  it.each([
    [
      "needs a restart",
      `${volume}You will need to stop and start your Machine to increase the size of the file system\n`,
      { sizeGb: 20, needsRestart: true },
    ],
    [
      "needs none",
      `${volume}Your Machine got its volume size extended without needing a restart\n`,
      { sizeGb: 20, needsRestart: false },
    ],
    [
      "coloured",
      `${volume}\x1b[33mYou will need to stop and start your Machine to increase the size of the file system\x1b[0m\n`,
      { sizeGb: 20, needsRestart: true },
    ],
    ["neither message", volume, { sizeGb: 20, needsRestart: null }],
    ["nothing", "", { sizeGb: Number.NaN, needsRestart: null }],
  ])("%s", (_n, out, expected) => {
    expect(parseVolumeExtend(out)).toEqual(expected);
  });
});

describe("parseManagedCreateProgress", () => {
  it.each([
    [
      "the plan flyctl selected and the id it waits for",
      "Selected Plan: Basic\n  CPU: Shared x 2\n  Memory: 1 GB\n  Price: $38 per month\n\nWaiting for cluster gaia-db-dev (abc123) to be ready...\nYou can view the cluster in the UI at: https://fly.io/dashboard/o/managed_postgres/abc123\n",
      { selectedPlan: "Basic", id: "abc123" },
    ],
    ["only the plan so far", "Selected Plan: Scale\n  CPU: Perf", { selectedPlan: "Scale" }],
    [
      "a half-printed waiting line",
      "Selected Plan: Basic\nWaiting for cluster g (abc",
      { selectedPlan: "Basic" },
    ],
    ["nothing yet", "", {}],
  ])("%s", (_n, out, expected) => {
    expect(parseManagedCreateProgress(out)).toEqual(expected);
  });
});

describe("redis tables", () => {
  const unicode =
    "Redis\n  ID             │ 3a1b\n  Name           │ gaia-redis-dev\n  Plan           │ Pay-as-you-go\n  Primary Region │ lax\n  Read Regions   │ None\n  Eviction       │ Enabled\n  Private URL    │ redis://default:pw@fly-gaia-redis-dev.upstash.io:6379\n";
  const ascii = unicode.replaceAll("│", "|");
  const spaces = unicode.replaceAll("│", " ");
  it.each([
    ["│ separators", unicode],
    ["| separators", ascii],
    ["space-aligned", spaces],
  ])("parseRedisStatus with %s", (_n, input) => {
    const s = parseRedisStatus(input);
    expect(s["Private URL"]).toBe("redis://default:pw@fly-gaia-redis-dev.upstash.io:6379");
    expect(s["Primary Region"]).toBe("lax");
    expect(s.Eviction).toBe("Enabled");
  });
  it("parseRedisStatus fails without a Private URL and withholds the output", () => {
    expect(() => parseRedisStatus("Redis\n")).toThrow(
      "no Private URL row. Output was:\n[withheld]",
    );
  });
  it.each([
    ["", []],
    ["\n\n", []],
    [" NAME │ ORG │ PLAN │ EVICTION │ PRIMARY REGION │ READ REGIONS\n", []],
    ["Some other text\n", null],
    [
      " NAME           │ ORG        │ PLAN          │ EVICTION │ PRIMARY REGION │ READ REGIONS\n gaia-redis-dev │ aeonia-dev │ Pay-as-you-go │ Enabled  │ lax            │\n",
      [
        {
          NAME: "gaia-redis-dev",
          ORG: "aeonia-dev",
          PLAN: "Pay-as-you-go",
          EVICTION: "Enabled",
          "PRIMARY REGION": "lax",
          "READ REGIONS": "",
        },
      ],
    ],
  ])("parseRedisList(%j)", (input, expected) => {
    expect(parseRedisList(input)).toEqual(expected);
  });
});

describe("parseProxyReady", () => {
  it.each([
    ["Proxying localhost:54321 to remote [gaia-db-dev.internal]:5432", 54321],
    ["Proxying local port 5432 to remote [x]", null],
    ["", null],
  ])("%j → %s", (line, port) => {
    expect(parseProxyReady(line)).toBe(port);
  });
});

describe("classifyFailure", () => {
  it.each([
    [126, "Error: context deadline exceeded", "retryable"],
    [
      1,
      "Error: request returned non-2xx status: 429: rate limit exceeded (Request ID: X)",
      "retryable",
    ],
    [1, "Error: request returned non-2xx status: 503: service unavailable", "retryable"],
    [1, 'Error: Post "https://api.fly.io/graphql": net/http: TLS handshake timeout', "retryable"],
    [1, 'Error: failed to get app: Could not find App "x"', "not-found"],
    [1, "Error: Could not resolve App", "not-found"],
    [1, "Error: failed to get volume: volume not found", "not-found"],
    [1, 'Error: managed postgres cluster "abc123" not found', "maybe-not-found"],
    [
      1,
      'Error: failed to list postgres clusters for organization o: failed to list clusters (status 503): {"error":"x"}',
      "retryable",
    ],
    [
      1,
      "Error: failed to list postgres clusters for organization o: organization o not found",
      "fatal",
    ],
    [1, "Error: Validation failed: Name has already been taken (Request ID: X)", "fatal"],
    [1, "Error: prompt: non interactive", "fatal"],
    [1, "Error: no access token available. Please login with 'flyctl auth login'", "fatal"],
  ] as const)("exit %s, %j → %s", (code, stderr, expected) => {
    expect(classifyFailure(code, stderr)).toBe(expected);
  });
});

describe("fly version --json (internal/command/version/version.go)", () => {
  it.each([
    [
      '{"Name":"flyctl","Version":"0.4.87","Commit":"3eb236fab","BranchName":"","BuildDate":"2026-08-20T18:56:30Z","OS":"linux","Architecture":"amd64","Environment":"production"}\n',
      "0.4.87",
    ],
    ['A newer version is available\n{"Name":"flyctl","Version":"0.5.1"}', "0.5.1"],
    ["flyctl v0.4.87 linux/amd64 Commit: 3eb236fab BuildDate: 2026-08-20T18:56:30Z", null],
    ['{"Name":"flyctl","Version":""}', null],
    ["", null],
  ])("%j → %s", (stdout, version) => {
    expect(parseFlyctlVersion(stdout)).toBe(version);
  });

  it("warns only for another release", () => {
    expect(flyctlVersionWarning(PINNED_FLYCTL_VERSION)).toBeNull();
    expect(flyctlVersionWarning(null)).toMatch(/^flyctl of an unknown version is installed;/);
    expect(flyctlVersionWarning("0.4.86")).toMatch(/^flyctl 0\.4\.86 is installed;/);
  });
});
