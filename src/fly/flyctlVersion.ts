/**
 * The flyctl release whose source every flag, output shape and error text in src/fly (and the
 * fake in test/support/fakeFly) was checked against. The deploy workflow installs exactly this
 * release; `gaia-db doctor` warns when the local flyctl is another one.
 */
export const PINNED_FLYCTL_VERSION = "0.4.87";

/** argv of `fly version --json` (one compact JSON object: Name, Version, Commit, BuildDate, …). */
export const flyctlVersionArgs = (): string[] => ["version", "--json"];

/** The Version field of `fly version --json`, or null when the output is not that object. */
export function parseFlyctlVersion(stdout: string): string | null {
  for (const line of stdout.trim().split("\n").reverse()) {
    try {
      const info = JSON.parse(line) as unknown;
      if (typeof info === "object" && info !== null && !Array.isArray(info)) {
        const version = (info as Record<string, unknown>).Version;
        if (typeof version === "string" && version !== "") return version.replace(/^v/, "");
      }
    } catch {}
  }
  return null;
}

/** A warning when `found` is not the pinned release; null when it is. */
export function flyctlVersionWarning(found: string | null): string | null {
  if (found === PINNED_FLYCTL_VERSION) return null;
  const what = found === null ? "flyctl of an unknown version" : `flyctl ${found}`;
  return `${what} is installed; gaia-infra is verified against flyctl ${PINNED_FLYCTL_VERSION}, whose flags and output it parses. Install that release (https://github.com/superfly/flyctl/releases/tag/v${PINNED_FLYCTL_VERSION}), or re-check the code against the newer one first (docs/fly.md).`;
}
