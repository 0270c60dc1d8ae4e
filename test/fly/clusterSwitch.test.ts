/**
 * gaia:postgres.name switched (to a restored cluster): the cluster command's previous result was
 * another cluster's, which joins the retained ones; nothing of it (created, restarts owed) carries
 * over. Pure: src/fly/runtime/postgres.ts switchedFrom.
 */
import { describe, expect, it } from "vitest";
import { switchedFrom } from "../../src/fly/runtime/postgres";

describe("switchedFrom", () => {
  const last = {
    kind: "unmanaged",
    origin: "created",
    app: "gaia-db-production",
    restartPending: ["m1"],
  };
  it.each<[string, Record<string, unknown> | undefined, string, ReturnType<typeof switchedFrom>]>([
    ["a first run", undefined, "gaia-db-production", { previous: undefined, retained: [] }],
    ["the same cluster", last, "gaia-db-production", { previous: last, retained: [] }],
    [
      "switched to a restored cluster: the old one retained, its result not carried",
      last,
      "gaia-db-production-r1",
      { previous: undefined, retained: ["gaia-db-production"] },
    ],
    [
      "switched again: both retained, once each",
      { ...last, app: "gaia-db-production-r1", retained: ["gaia-db-production"] },
      "gaia-db-production-r2",
      { previous: undefined, retained: ["gaia-db-production", "gaia-db-production-r1"] },
    ],
    [
      "switched back: the cluster in use is not retained",
      { ...last, app: "gaia-db-production-r1", retained: ["gaia-db-production"] },
      "gaia-db-production",
      { previous: undefined, retained: ["gaia-db-production-r1"] },
    ],
  ])("%s", (_name, previous, name, expected) => {
    expect(switchedFrom(previous, name)).toEqual(expected);
  });
});
