/**
 * The SCRAM verifier computed on this side must be the one PostgreSQL computes for the same
 * password: SASLprep (RFC 4013) as pg_saslprep does it, and the password as it is when
 * PostgreSQL finds it prohibited. Each password is checked twice against the real server: the
 * verifier equals the one the server stores for `ALTER ROLE … PASSWORD '<plaintext>'` (same salt
 * and iterations), and psql (libpq's SASLprep) logs in with it.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePostgresUrl } from "../../src/migrations/postgresUrl";
import { saslprep, scramVerifier } from "../../src/operations/scram";
import { adminUrl, withAdmin, withClient } from "../support/postgres";

const ROLE = `gaia_test_scram_${process.pid}`;

beforeAll(() => withAdmin((c) => c.query(`CREATE ROLE ${ROLE} LOGIN`)));
afterAll(() => withAdmin((c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`)));

/** [what, password, what PostgreSQL hashes]. */
const PASSWORDS: [string, string, string][] = [
  ["a soft hyphen (mapped to nothing)", "I\u00ADX", "IX"],
  ["roman numerals (NFKC)", "ⅨⅨ", "IXIX"],
  ["full-width letters and digits (NFKC)", "ｐａｓｓ１２３", "pass123"],
  ["a no-break space (mapped to a space)", "a\u00A0b", "a b"],
  ["a zero-width space (a space: C.1.2 comes before B.1)", "a\u200Bb", "a b"],
  ["a combining ring (NFKC composes it)", "A\u030Angstr", "\u00C5ngstr"],
  ["a variation selector (mapped to nothing)", "x\uFE0Fy", "xy"],
  ["ASCII with a control character (ASCII is taken as it is)", "a\u0007b", "a\u0007b"],
  ["only a soft hyphen (empty after mapping: as it is)", "\u00AD", "\u00AD"],
  ["a non-ASCII control character (prohibited: as it is)", "Ⅸ\u0080", "Ⅸ\u0080"],
  ["private use and a soft hyphen (prohibited: as it is)", "Ⅸ\u00AD\uE000", "Ⅸ\u00AD\uE000"],
  ["unassigned in Unicode 3.2 (prohibited: as it is)", "ｐ\u{1F600}", "ｐ\u{1F600}"],
  ["right-to-left mixed with left-to-right (bidi: as it is)", "\u05D0ⅨⅨ\u05D1", "\u05D0ⅨⅨ\u05D1"],
  ["right-to-left not at both ends (bidi: as it is)", "\u05D0\uFF11", "\u05D0\uFF11"],
  ["right-to-left only, with full-width digits", "\u05D0\uFF11\u05D1", "\u05D01\u05D1"],
  ["Hangul jamo (NFKC composes them)", "\u1100\u1161", "\uAC00"],
];

describe("saslprep", () => {
  it.each(PASSWORDS)("%s", (_what, password, prepared) => {
    expect(saslprep(password)).toBe(prepared);
  });
});

describe("scramVerifier against PostgreSQL 15", () => {
  const server = parsePostgresUrl(adminUrl(), "TEST_DATABASE_URL");
  it.each(PASSWORDS)("%s: the server's verifier, and psql logs in", async (_what, password) => {
    const stored = await withAdmin(async (c) => {
      await c.query("SET password_encryption = 'scram-sha-256'");
      await c.query(`ALTER ROLE ${ROLE} PASSWORD ${c.escapeLiteral(password)}`);
      return (await c.query("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [ROLE])).rows[0]
        .rolpassword as string;
    });
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
    expect(scramVerifier(password, Buffer.from(salt!, "base64"), Number(iterations))).toBe(stored);

    await withAdmin((c) => c.query(`ALTER ROLE ${ROLE} PASSWORD '${scramVerifier(password)}'`));
    const who = execFileSync(
      "psql",
      ["-XAtc", "SELECT current_user", "-h", server.host, "-p", String(server.port ?? 5432)],
      {
        env: {
          PATH: process.env.PATH,
          PGUSER: ROLE,
          PGDATABASE: "postgres",
          PGPASSWORD: password,
          PGSSLMODE: "disable",
          PGCONNECT_TIMEOUT: "10",
        },
        encoding: "utf8",
      },
    );
    expect(who).toBe(`${ROLE}\n`);
  });

  it.each(PASSWORDS.slice(0, 3))("%s: node-postgres logs in too", async (_what, password) => {
    await withAdmin((c) => c.query(`ALTER ROLE ${ROLE} PASSWORD '${scramVerifier(password)}'`));
    const url = `postgres://${ROLE}:${encodeURIComponent(password)}@${server.host}:${server.port ?? 5432}/postgres`;
    expect(await withClient(url, async (c) => (await c.query("SELECT 1 AS one")).rows)).toEqual([
      { one: 1 },
    ]);
  });
});
