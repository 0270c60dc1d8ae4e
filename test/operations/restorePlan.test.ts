/** The pure decisions of gaia-db restore and restore-drill, table-driven. */
import { describe, expect, it } from "vitest";
import type { RecordedSnapshot } from "../../src/fly/snapshots";
import { type DrillReport, renderDrill } from "../../src/operations/restoreDrill";
import {
  formatDuration,
  precedes,
  restorable,
  restoreCreateArgs,
  restoredAppName,
  restoreVolumeSizeGb,
  switchCommands,
  switchConfig,
  verificationProblems,
} from "../../src/operations/restorePlan";

const recorded: RecordedSnapshot = {
  id: "vs_b",
  volume: "vol_1",
  app: "gaia-db-production",
  createdAt: "2026-08-07T10:00:00Z",
  migrationsChecksum: "c".repeat(64),
  rowCounts: {
    database: "llm_platform",
    before: { "public.users": 3 },
    after: { "public.users": 3 },
  },
};

describe("restorable", () => {
  it("complete snapshots of every volume, newest first, with what the stack recorded", () => {
    const snap = (id: string, createdAt: string) => ({
      id,
      status: "w",
      createdAt,
      volumeSizeBytes: 1,
    });
    expect(
      restorable(
        [
          {
            volume: "vol_1",
            snapshots: [snap("vs_a", "2026-08-06T00:00:00Z"), snap("vs_b", "2026-08-07T10:00:00Z")],
          },
          {
            volume: "vol_2",
            snapshots: [snap("", "2026-08-08T00:00:00Z"), snap("vs_c", "2026-08-07T09:00:00Z")],
          },
        ],
        [recorded],
      ).map((s) => [s.id, s.volume, s.recorded?.id ?? null]),
    ).toEqual([
      ["vs_b", "vol_1", "vs_b"],
      ["vs_c", "vol_2", null],
      ["vs_a", "vol_1", null],
    ]);
  });

  it("precedes: the files applied from the snapshot's second on, in order", () => {
    const applied = [
      { file: "core/0010_b.sql", startedAt: "2026-08-07T10:00:00.400Z" },
      { file: "core/0009_a.sql", startedAt: "2026-08-07T09:59:59.900Z" },
      { file: "rbac/0001_c.sql", startedAt: "2026-08-07T10:00:01.000Z" },
    ];
    expect(precedes({ createdAt: "2026-08-07T10:00:00Z" }, applied)).toEqual([
      "core/0010_b.sql",
      "rbac/0001_c.sql",
    ]);
    expect(precedes({ createdAt: "2026-08-08T00:00:00Z" }, applied)).toEqual([]);
  });
});

describe("names, sizes, argv", () => {
  it.each([
    [0, "0 ms"],
    [800, "800 ms"],
    [61_000, "1 min 1 s"],
    [3_600_000, "1 h"],
    [3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000, "3 d 4 h"],
    [2 * 3_600_000 + 5 * 60_000 + 7_000, "2 h 5 min"],
  ])("formatDuration(%i) = %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("a restore and a drill name their cluster by the time (drills by a prefix of their own)", () => {
    const t = new Date("2026-08-07T14:12:03.456Z");
    expect(restoredAppName("production", "restore", t)).toBe(
      "gaia-db-production-restore-20260807-1412",
    );
    expect(restoredAppName("staging", "drill", t)).toBe("gaia-db-staging-drill-20260807-141203");
  });

  it("the volume is the config's size, or the snapshot's volume when larger", () => {
    expect(restoreVolumeSizeGb(10, 10 * 1024 ** 3)).toBe(10);
    expect(restoreVolumeSizeGb(10, 20 * 1024 ** 3 + 1)).toBe(21);
  });

  it("fly postgres create as the stack sizes the cluster, from the snapshot", () => {
    expect(
      restoreCreateArgs({
        name: "n",
        org: "aeonia-dev",
        region: "lax",
        vmSize: "shared-cpu-2x",
        volumeSizeGb: 20,
        clusterSize: 1,
        snapshotId: "vs_b",
      }),
    ).toEqual([
      "postgres",
      "create",
      "--name",
      "n",
      "--org",
      "aeonia-dev",
      "--region",
      "lax",
      "--vm-cpu-kind",
      "shared",
      "--vm-cpus",
      "2",
      "--vm-memory",
      "4096",
      "--volume-size",
      "20",
      "--initial-cluster-size",
      "1",
      "--snapshot-id",
      "vs_b",
    ]);
  });
});

describe("the switch's config", () => {
  it.each<
    [
      string,
      Parameters<typeof switchConfig>[0],
      { heldBack: boolean; adoptSecrets: boolean },
      string[][],
    ]
  >([
    [
      "a stack file without either key",
      { heldBack: [], adoptSecrets: false },
      { heldBack: false, adoptSecrets: false },
      [
        [
          "config",
          "set",
          "--path",
          "gaia:postgres.name",
          "gaia-db-production-r1",
          "-s",
          "production",
        ],
        [
          "config",
          "set",
          "--path",
          "gaia:migrations.heldBack[0]",
          "rbac/0001_a.sql:x",
          "-s",
          "production",
        ],
        [
          "config",
          "set",
          "--path",
          "gaia:services.adoptSecrets[0]",
          "DATABASE_URL",
          "-s",
          "production",
        ],
      ],
    ],
    [
      "a second restore keeps what is held and adopted already",
      { heldBack: ["core/0011_b.sql:y"], adoptSecrets: ["REDIS_URL"] },
      { heldBack: true, adoptSecrets: true },
      [
        [
          "config",
          "set",
          "--path",
          "gaia:postgres.name",
          "gaia-db-production-r1",
          "-s",
          "production",
        ],
        ["config", "rm", "--path", "gaia:migrations.heldBack", "-s", "production"],
        [
          "config",
          "set",
          "--path",
          "gaia:migrations.heldBack[0]",
          "core/0011_b.sql:y",
          "-s",
          "production",
        ],
        [
          "config",
          "set",
          "--path",
          "gaia:migrations.heldBack[1]",
          "rbac/0001_a.sql:x",
          "-s",
          "production",
        ],
        ["config", "rm", "--path", "gaia:services.adoptSecrets", "-s", "production"],
        [
          "config",
          "set",
          "--path",
          "gaia:services.adoptSecrets[0]",
          "REDIS_URL",
          "-s",
          "production",
        ],
        [
          "config",
          "set",
          "--path",
          "gaia:services.adoptSecrets[1]",
          "DATABASE_URL",
          "-s",
          "production",
        ],
      ],
    ],
    [
      "adoptSecrets: true already adopts DATABASE_URL",
      { heldBack: [], adoptSecrets: true },
      { heldBack: false, adoptSecrets: true },
      [
        [
          "config",
          "set",
          "--path",
          "gaia:postgres.name",
          "gaia-db-production-r1",
          "-s",
          "production",
        ],
        [
          "config",
          "set",
          "--path",
          "gaia:migrations.heldBack[0]",
          "rbac/0001_a.sql:x",
          "-s",
          "production",
        ],
      ],
    ],
  ])("%s", (_name, current, present, commands) => {
    const target = switchConfig(current, "gaia-db-production-r1", ["rbac/0001_a.sql:x"]);
    expect(switchCommands("production", present, target)).toEqual(commands);
  });
});

describe("verification problems", () => {
  it("gaps, the ledger and the row counts; none recorded is not a problem", () => {
    const v = {
      verifyGaps: 1,
      verifyTable: "",
      ledgerProblems: ["the restored database is bound to no environment"],
      lacking: ["rbac/0001_a.sql:x"],
      applied: 10,
      tables: 22,
      countProblems: ["public.users: 9 rows, but it had 10 before and after the snapshot"],
    };
    expect(verificationProblems(v)).toEqual([
      "gaia-db verify reports 1 gap(s)",
      "ledger: the restored database is bound to no environment",
      "row counts: public.users: 9 rows, but it had 10 before and after the snapshot",
    ]);
    expect(
      verificationProblems({ ...v, verifyGaps: 0, ledgerProblems: [], countProblems: null }),
    ).toEqual([]);
  });
});

describe("the drill's report", () => {
  const report: DrillReport = {
    environment: "staging",
    cluster: "gaia-db-staging",
    startedAt: "2026-08-07T14:12:03.000Z",
    snapshot: { id: "vs_b", volume: "vol_1", createdAt: "2026-08-07T10:00:00Z", status: "created" },
    temporaryApp: "gaia-db-staging-drill-20260807-141203",
    leftovers: ["gaia-db-staging-drill-20260731-020000"],
    recoveryPointMs: 4 * 3_600_000 + 12 * 60_000 + 3_000,
    recoveryTimeMs: 5 * 60_000 + 41_000,
    verification: {
      verifyGaps: 0,
      verifyTable: "",
      ledgerProblems: [],
      lacking: ["rbac/0001_a.sql:x"],
      applied: 10,
      tables: 22,
      countProblems: [],
    },
    problems: [],
    destroyed: true,
    error: null,
    passed: true,
  };

  it("is the Markdown table the workflow posts", () => {
    expect(renderDrill(report)).toBe(
      [
        "## Restore drill: staging",
        "",
        "| | |",
        "|---|---|",
        "| result | ✅ passed |",
        '| snapshot | `vs_b` of volume `vol_1`, taken 2026-08-07T10:00:00Z (listed as "created") |',
        "| recovery point | 4 h 12 min (the snapshot's age when the drill started) |",
        "| recovery time | 5 min 41 s (from the start to a verified database) |",
        "| temporary cluster | `gaia-db-staging-drill-20260807-141203`, destroyed |",
        "| verify | 0 gap(s) |",
        "| ledger | 10 file(s) applied; lacks `rbac/0001_a.sql` |",
        "| row counts | 22 tables hold what was recorded when the snapshot was taken |",
        "| live cluster | `gaia-db-staging`: read only |",
        "| earlier drills | destroyed first: `gaia-db-staging-drill-20260731-020000` |",
      ].join("\n"),
    );
  });

  it("says what failed and what is left to destroy by hand", () => {
    const failed = renderDrill({
      ...report,
      verification: null,
      recoveryTimeMs: null,
      destroyed: false,
      error: "fly apps destroy x failed",
      passed: false,
    });
    expect(failed).toContain("| result | ❌ failed: fly apps destroy x failed |");
    expect(failed).toContain("| recovery time | not reached (no verified database) |");
    expect(failed).toContain(
      "| temporary cluster | `gaia-db-staging-drill-20260807-141203`, NOT destroyed: fly apps destroy gaia-db-staging-drill-20260807-141203 --yes |",
    );
  });
});
