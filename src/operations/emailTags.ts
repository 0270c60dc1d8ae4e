/**
 * The platform's convention for test accounts: an email's plus-tag names the environment the
 * account belongs to (`jason+dev@example.com`).
 */
import type { Environment } from "../shared/vocabulary";

/**
 * The environment an email's plus-tag names (`jason+dev@example.com` → `dev`), or null. The one
 * rule, which the database's `gaia_email_environment()` (core/0010) implements too:
 * - the address is `<local part>@<domain>`, split at the LAST `@` (a domain holds none); both
 *   parts must be non-empty, so `noat+dev` names nothing;
 * - the tag is what follows the last `+` of the local part, with A-Z lowered (ASCII only: a
 *   locale's lowering could turn `stagİng` into `staging`);
 * - it names an environment only when it is one of the platform's test tags (local, dev, staging):
 *   `jason+news@…` and `jason+production@…` are ordinary addresses.
 */
export function emailEnvironmentTag(email: string): TestTag | null {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return null;
  const local = email.slice(0, at);
  const plus = local.lastIndexOf("+");
  if (plus < 0) return null;
  const tag = local.slice(plus + 1).replace(/[A-Z]/g, (c) => c.toLowerCase());
  return (TEST_TAGS as readonly string[]).includes(tag) ? (tag as TestTag) : null;
}

/** The tags of the platform's convention for test accounts; production addresses carry none. */
export const TEST_TAGS = ["local", "dev", "staging"] as const satisfies readonly Environment[];
export type TestTag = (typeof TEST_TAGS)[number];

/**
 * Whether a user with this email is a test user of ANOTHER environment, seen from `environment`:
 * a `+local`, `+dev` or `+staging` tag other than the environment's own. (`+production` is not
 * part of the convention, so it never marks a test user.)
 */
export function isForeignTestUser(email: string, environment: Environment): boolean {
  const tag = emailEnvironmentTag(email);
  return tag !== null && tag !== environment;
}
