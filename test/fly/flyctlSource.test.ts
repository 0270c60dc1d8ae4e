/**
 * The fake flyctl's facts against flyctl's source. Its command table (flyctl.json) is generated
 * from the pinned commit by scripts/flyctl-table.ts; its texts and prompt conditions are written
 * by hand, each with the file and line it comes from. Where the upstream mirrors are on disk
 * (they are not in CI), the table is regenerated and compared, and every citation is read.
 */
import { describe, expect, it } from "vitest";
import {
  cited,
  holdsText,
  MODULES,
  mirrorsPresent,
  parseCitation,
  UNCHECKED,
} from "../../scripts/flyctl/provenance";
import { buildTable, PATHS } from "../../scripts/flyctl-table";
import { FAKE_COMMANDS, PROMPTS, TABLE, TEXTS } from "../support/fakeFly/tables";

const withMirrors = mirrorsPresent();

describe("the fake's commands are flyctl's", () => {
  it("the fake implements exactly the commands the table is read for", () => {
    expect(FAKE_COMMANDS).toEqual([...PATHS].sort());
    for (const p of PATHS) expect(TABLE.commands[p], p).toBeDefined();
  });

  it("every text and prompt cites a module and line", () => {
    const modules = [...Object.keys(MODULES), ...UNCHECKED];
    for (const [key, t] of Object.entries(TEXTS))
      expect(modules, `${key}: ${t.at}`).toContain(parseCitation(t.at).module);
    for (const [path, prompts] of Object.entries(PROMPTS)) {
      expect(TABLE.commands[path], path).toBeDefined();
      for (const p of prompts) {
        expect(TEXTS[p.error], `${path} ${p.id}: ${p.error}`).toBeDefined();
        expect(parseCitation(p.at).module).toBe("flyctl");
      }
    }
  });

  it("only the Go standard library's strconv texts go unchecked", () => {
    const unchecked = Object.entries(TEXTS).filter(([, t]) =>
      UNCHECKED.includes(parseCitation(t.at).module),
    );
    expect(unchecked.map(([k]) => k)).toEqual(["parseInt", "parseBool"]);
  });
});

describe.skipIf(!withMirrors)("against the pinned sources (where the mirrors are)", () => {
  it("flyctl.json is what scripts/flyctl-table.ts reads from flyctl ad0172f today", () => {
    expect(JSON.parse(JSON.stringify(buildTable()))).toEqual(TABLE);
  }, 60_000);

  it.each(Object.entries(TEXTS).filter(([, t]) => !UNCHECKED.includes(parseCitation(t.at).module)))(
    "text %s is at its citation",
    (_key, t) => {
      expect(holdsText(t.at, t.text), `${t.at} does not hold ${JSON.stringify(t.text)}`).toBe(true);
    },
  );

  const prompts = Object.entries(PROMPTS).flatMap(([path, ps]) =>
    ps.map((p) => [`${path} ${p.id}`, p] as const),
  );
  it.each(prompts)("prompt %s is decided at its citation", (_name, p) => {
    // The cited line holds the non-interactive text, or the prompt (or preparer error) that fails.
    const text = TEXTS[p.error]!.text;
    const call = /\bprompt\.\w+\(|NonInteractiveError|ErrRequireAppName|errSlugArgMustBeSpecified/;
    expect(
      holdsText(p.at, text) || call.test(cited(p.at, 1)),
      `${p.at}: ${cited(p.at, 1).trim()}`,
    ).toBe(true);
  });
});
