/**
 * One table of emails and the environment each names: gaia-db (emailEnvironmentTag) and the
 * database (gaia_email_environment, core/0010) must both give exactly these answers.
 */
export const EMAIL_ENVIRONMENT_CASES: readonly [email: string, environment: string | null][] = [
  ["jason@example.com", null],
  ["jason+local@example.com", "local"],
  ["jason+dev@example.com", "dev"],
  ["jason+staging@example.com", "staging"],
  ["Jason+STAGING@Example.com", "staging"],
  ["jason+production@example.com", null],
  ["jason+news@example.com", null],
  ["jason+dev-2@example.com", null],
  ["jason+dev+2@example.com", null],
  ["jason+x+dev@example.com", "dev"],
  ["first+second+dev@example.com", "dev"],
  ["jason+@example.com", null],
  ["+dev@example.com", "dev"],
  ["dev@example.com", null],
  ["jason@dev+x.example.com", null],
  // The local part ends at the LAST '@': a domain holds no '@'.
  ["x+staging@evil+dev@example.com", "dev"],
  ["a+dev@b@example.com", null],
  // Not an address: no '@', an empty local part or an empty domain.
  ["not-an-address", null],
  ["noat+dev", null],
  ["@example.com", null],
  ["jason+dev@", null],
  // Only A-Z are lowered: a locale would map U+0130 (İ) to 'i'.
  ["jason+stagİng@example.com", null],
  ["jason+DEV@EXAMPLE.COM", "dev"],
  ["line\n+dev@example.com", "dev"],
];
