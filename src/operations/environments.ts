import { usageError } from "./errors";

export const ENVIRONMENTS = ["local", "dev", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/** The environment argument of a command: required, one of the four stacks. */
export function parseEnvironment(value: string | undefined, command: string): Environment {
  if (value === undefined || value === "") {
    throw usageError(
      `gaia-db ${command}: missing environment: pass one of ${ENVIRONMENTS.join(", ")} as the first argument`,
    );
  }
  if (!isEnvironment(value)) {
    throw usageError(
      `gaia-db ${command}: unknown environment "${value}": allowed are ${ENVIRONMENTS.join(", ")}`,
    );
  }
  return value;
}

/**
 * The environment an email's plus-tag names (`jason+dev@example.com` → `dev`), or null when the
 * address has no tag or a tag that is not an environment name (`jason+news@…` is an ordinary
 * address: Gmail-style tags are common, so only the four environment names count).
 * The tag is what follows the LAST `+` of the local part, case-insensitive — the same rule as the
 * database's `gaia_email_environment()` (core/0008), so both sides agree on every address.
 */
export function emailEnvironmentTag(email: string): Environment | null {
  const at = email.lastIndexOf("@");
  if (at <= 0) return null;
  const local = email.slice(0, at);
  const plus = local.lastIndexOf("+");
  if (plus < 0) return null;
  const tag = local.slice(plus + 1).toLowerCase();
  return isEnvironment(tag) ? tag : null;
}

/** The tags of the seed's convention for test accounts; production addresses carry none. */
export const TEST_TAGS: readonly Environment[] = ["local", "dev", "staging"];

/**
 * Whether a user with this email is a test user of ANOTHER environment, seen from `environment`:
 * a `+local`, `+dev` or `+staging` tag other than the environment's own. (`+production` is no
 * convention of the seed, so it never marks a test user.)
 */
export function isForeignTestUser(email: string, environment: Environment): boolean {
  const tag = emailEnvironmentTag(email);
  return tag !== null && TEST_TAGS.includes(tag) && tag !== environment;
}
