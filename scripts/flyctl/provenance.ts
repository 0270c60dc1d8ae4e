/**
 * Checks a citation `[module:]path:line` against the pinned sources: the cited line (and the
 * few after it, for a format string split over lines) must hold the text as Go string literals.
 * Used by the test of the fake's texts and prompts.
 */
import { existsSync } from "node:fs";
import { type Repo, readFile } from "./goSource";

const MIRRORS = process.env.GAIA_MIRRORS ?? "/work/.mirror";

/** The modules a citation may name, at the versions flyctl v0.4.87 pins (go.mod). */
export const MODULES: Record<string, Repo> = {
  flyctl: {
    dir: process.env.FLYCTL_MIRROR ?? `${MIRRORS}/superfly+flyctl/repo`,
    rev: "ad0172face303b77584eea95b46fa3ddc61d5ddd",
    name: "flyctl",
  },
  "fly-go": {
    dir: process.env.FLY_GO_MIRROR ?? `${MIRRORS}/superfly+fly-go/repo`,
    rev: "v0.9.6",
    name: "fly-go",
  },
  cobra: { dir: `${MIRRORS}/spf13+cobra/repo`, rev: "v1.10.2", name: "cobra" },
  pflag: { dir: `${MIRRORS}/spf13+pflag/repo`, rev: "v1.0.10", name: "pflag" },
  "go-units": { dir: `${MIRRORS}/docker+go-units/repo`, rev: "v0.5.0", name: "go-units" },
};

/** `go:` (the Go standard library) is cited but not mirrored, so not checked. */
export const UNCHECKED = ["go"];

export function parseCitation(at: string): { module: string; path: string; line: number } {
  const m = /^(?:([\w-]+):)?([^:]+):(\d+)$/.exec(at);
  if (!m) {
    const bare = /^([\w-]+):(.+)$/.exec(at);
    if (bare && UNCHECKED.includes(bare[1]!)) return { module: bare[1]!, path: bare[2]!, line: 0 };
    throw new Error(`not a citation: ${at}`);
  }
  return { module: m[1] ?? "flyctl", path: m[2]!, line: Number(m[3]) };
}

export const mirrorsPresent = () => Object.values(MODULES).every((r) => existsSync(r.dir));

/** The values of the Go string literals in a piece of source, concatenated in order. */
function literals(src: string): string {
  let out = "";
  for (const m of src.matchAll(/"((?:[^"\\\n]|\\.)*)"|`([^`]*)`/g)) {
    out += m[2] ?? JSON.parse(`"${m[1]!.replace(/\\'/g, "'")}"`);
  }
  return out;
}

/** The lines of `at` and the `span` after it. */
export function cited(at: string, span = 6): string {
  const { module, path, line } = parseCitation(at);
  const repo = MODULES[module];
  if (!repo) throw new Error(`unknown module in ${at}`);
  const lines = readFile(repo, path).split("\n");
  if (line < 1 || line > lines.length) throw new Error(`${at}: no such line`);
  return lines.slice(line - 1, line - 1 + span).join("\n");
}

/** Whether the cited place holds `text` as (concatenated) string literals. */
export function holdsText(at: string, text: string): boolean {
  return literals(cited(at)).includes(text);
}

/** The first line of the file holding `text` in literals, for a stale citation's message. */
export function findText(at: string, text: string): string | null {
  const { module, path } = parseCitation(at);
  const lines = readFile(MODULES[module]!, path).split("\n");
  const holds = (i: number) => literals(lines.slice(i, i + 6).join("\n")).includes(text);
  for (let i = 0; i < lines.length; i++) {
    if (!holds(i)) continue;
    // The last start of a window that still holds it: the line the text begins on.
    while (holds(i + 1)) i++;
    return `${module === "flyctl" ? "" : `${module}:`}${path}:${i + 1}`;
  }
  return null;
}
