/** How baseline names its scratch databases and records the roles they create: pure. */
import { describe, expect, it } from "vitest";
import {
  rolesOfNote,
  scratchCreator,
  scratchName,
  scratchNote,
} from "../../../src/migrations/scratch";

describe("scratch database names", () => {
  it("carry the server process of the session that holds the lock", () => {
    expect(scratchName(4242, "0123456789ab")).toBe("gaia_baseline_4242_0123456789ab");
    expect(scratchName(7)).toMatch(/^gaia_baseline_7_[0-9a-f]{12}$/);
  });
  it.each([
    ["gaia_baseline_4242_0123456789ab", 4242],
    // Before scratch names carried the process, and names that only look alike: never swept.
    ["gaia_baseline_0123456789ab", null],
    ["gaia_baseline_4242_0123456789ab_x", null],
    ["gaia_baseline_x_0123456789ab", null],
    ["llm_platform", null],
  ])("%s → %s", (name, pid) => {
    expect(scratchCreator(name)).toBe(pid);
  });
});

describe("the scratch database's comment", () => {
  it("lists the roles its run created", () => {
    expect(scratchNote(["gaia_app", 'we"ird'])).toBe('{"createdRoles":["gaia_app","we\\"ird"]}');
  });
  it.each<[string | null, string[]]>([
    ['{"createdRoles":["gaia_app","we\\"ird"]}', ["gaia_app", 'we"ird']],
    [null, []],
    ["a comment someone wrote", []],
    ['{"createdRoles":"gaia_app"}', []],
    ['{"createdRoles":["gaia_app",3]}', ["gaia_app"]],
  ])("%j → %j", (note, roles) => {
    expect(rolesOfNote(note)).toEqual(roles);
  });
});
