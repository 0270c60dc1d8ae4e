/**
 * What a failed or interrupted `fly postgres create` left, and what may be destroyed: only this
 * run's own leftovers; an app found at the start of a run is refused, never destroyed.
 * End to end: test/fly/pgCreateE2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AppStatus, Volume } from "../../src/fly/parsers";
import { clusterComplete, ownCreateLeftover, unfinishedAppRefusals } from "../../src/fly/pgCreate";

const machine = (id: string, state = "started") => ({
  id,
  state,
  region: "lax",
  guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 },
  volumes: [],
});
const app = (machines: ReturnType<typeof machine>[], orgSlug = "aeonia-dev"): AppStatus => ({
  id: "gaia-db-dev",
  name: "gaia-db-dev",
  orgSlug,
  status: "deployed",
  machines,
});
const vol = (id: string, attached: string | null, name = "pg_data"): Volume => ({
  id,
  name,
  state: "created",
  sizeGb: 10,
  region: "lax",
  attachedMachineId: attached,
});

describe("clusterComplete", () => {
  it.each([
    ["no app", null, 2, false],
    ["every node started", app([machine("m1"), machine("m2")]), 2, true],
    ["one node of two", app([machine("m1")]), 2, false],
    ["a node not started", app([machine("m1"), machine("m2", "created")]), 2, false],
  ] as const)("%s → %s", (_n, live, size, expected) => {
    expect(clusterComplete(live, size)).toBe(expected);
  });
});

describe("ownCreateLeftover", () => {
  const d = { org: "aeonia-dev", clusterSize: 2 };
  it.each([
    ["the app alone", app([]), [], true],
    ["the first node's volume", app([]), [vol("v1", null)], true],
    [
      "one node and the second's volume",
      app([machine("m1")]),
      [vol("v1", "m1"), vol("v2", null)],
      true,
    ],
    ["another org", app([], "other"), [], false],
    ["a volume create does not make", app([]), [vol("v1", null, "gaia_certs")], false],
    [
      "more volumes than nodes",
      app([]),
      [vol("v1", null), vol("v2", null), vol("v3", null)],
      false,
    ],
  ] as const)("%s → %s", (_n, live, volumes, expected) => {
    expect(ownCreateLeftover(d, live, volumes)).toBe(expected);
  });
});

describe("unfinishedAppRefusals", () => {
  const d = { stack: "dev", name: "gaia-db-dev", clusterSize: 2 };
  it("an app with no machine and no volume is refused, never destroyed", () => {
    expect(unfinishedAppRefusals(d, app([]), [], false)).toEqual([
      "stack dev: Postgres app gaia-db-dev exists with no machine and no volume. The stack destroys only what it created in the same run, so it is left in place. If it is what an interrupted `fly postgres create` left and holds nothing you need, remove it with `fly apps destroy gaia-db-dev --yes` and run pulumi up again; otherwise choose another gaia:postgres.name.",
    ]);
  });
  it("an app with volumes and no machine may hold data", () => {
    expect(unfinishedAppRefusals(d, app([]), [vol("v1", null)], true)).toEqual([
      "stack dev: Postgres app gaia-db-dev has no machine but 1 volume(s) (v1). It may hold data; inspect it with `fly volumes list -a gaia-db-dev` and repair or remove it by hand.",
    ]);
  });
  it("fewer machines than clusterSize with a loose data volume, first seen: not a ready cluster", () => {
    expect(
      unfinishedAppRefusals(d, app([machine("m1")]), [vol("v1", "m1"), vol("v2", null)], false),
    ).toEqual([
      "stack dev: Postgres app gaia-db-dev has 1 of clusterSize 2 machine(s), and data volume(s) v2 that no machine mounts: it is not taken for a ready cluster. If it is what an interrupted `fly postgres create` left and holds nothing you need, remove it with `fly apps destroy gaia-db-dev --yes` and run pulumi up again; otherwise choose another gaia:postgres.name.",
    ]);
  });
  it.each([
    ["a cluster the stack already knows", [vol("v1", "m1"), vol("v2", null)], true],
    ["fewer machines but no loose volume (nodes removed by hand)", [vol("v1", "m1")], false],
  ] as const)("%s: no refusal (clusterSize is reported)", (_n, volumes, known) => {
    expect(unfinishedAppRefusals(d, app([machine("m1")]), volumes, known)).toEqual([]);
  });
});
