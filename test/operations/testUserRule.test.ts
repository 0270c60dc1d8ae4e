/**
 * One rule decides which users are test users of another environment: the email's plus-tag
 * (emailEnvironmentTag, the same as the database's gaia_email_environment, core/0010). The same
 * table of emails goes through cleanup-test-users and verify all: the users verify all tells the
 * operator to remove with cleanup-test-users are exactly the ones cleanup-test-users finds, and
 * a row that only its environment column places elsewhere (0002 backfilled the column with the
 * old first-'@' rule) is reported apart, not sent to a command that would not remove it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import { verifyEnvironment } from "../../src/operations/verifyAll";
import { EMAIL_ENVIRONMENT_CASES } from "../support/emailEnvironmentCases";
import { dropAll, withClient } from "../support/postgres";
import { captureIo, type PreparedDatabase, prepareEnvironmentDatabase } from "./support";

let db: PreparedDatabase;

/** The emails, each with the environment column it has in a dev database. */
const ROWS: [string, string][] = [
  ...EMAIL_ENVIRONMENT_CASES.map(([email]): [string, string] => [email, "dev"]).filter(
    ([email]) => email !== "x+staging@evil+dev@example.com",
  ),
  // Backfilled by 0002's first-'@' rule: the column says staging, the one rule says dev.
  ["x+staging@evil+dev@example.com", "staging"],
  ["dee@example.com", "staging"],
];

beforeAll(async () => {
  db = await prepareEnvironmentDatabase("dev");
  await withClient(db.url, async (client) => {
    await client.query("ALTER TABLE users DISABLE TRIGGER USER");
    for (const [email, environment] of ROWS) {
      await client.query("INSERT INTO users (email, environment) VALUES ($1, $2)", [
        email,
        environment,
      ]);
    }
    await client.query("ALTER TABLE users ENABLE TRIGGER USER");
  });
});
afterAll(dropAll);

describe("the test-user rule, through cleanup-test-users and verify all", () => {
  it("both name the same test users, the ones the database's own function names", async () => {
    const byDatabase = await withClient(db.url, async (client) =>
      (
        await client.query(
          "SELECT email FROM users WHERE gaia_email_environment(email) <> 'dev' ORDER BY email COLLATE \"C\"",
        )
      ).rows.map((row) => row.email as string),
    );
    expect(byDatabase).toEqual([
      "Jason+STAGING@Example.com",
      "jason+local@example.com",
      "jason+staging@example.com",
    ]);

    const { io, stdout } = captureIo({});
    expect(
      await runCli(["cleanup-test-users", "dev", "--json", "--database-url", db.url], io),
    ).toBe(0);
    const cleaned = (JSON.parse(stdout.text).users as { email: string }[]).map((u) => u.email);
    expect([...cleaned].sort()).toEqual(byDatabase);

    const report = await withClient(db.url, (client) =>
      verifyEnvironment(client, "dev", "--database-url"),
    );
    const isolation = report.rows.find((row) => row.check === "Environment isolation")!;
    expect(isolation.status).toBe("unexpected");
    expect(isolation.notes).toBe(
      "not enforced; 3 test users of other environments (by email): Jason+STAGING@Example.com (staging), jason+local@example.com (local), jason+staging@example.com (staging); remove them with gaia-db cleanup-test-users dev; 2 users whose environment column names another environment (not their email): dee@example.com (staging), x+staging@evil+dev@example.com (staging); cleanup-test-users leaves them: correct users.environment, or remove them by hand",
    );
    expect(isolation.unexpected).toEqual([
      "Jason+STAGING@Example.com",
      "jason+local@example.com",
      "jason+staging@example.com",
      "dee@example.com",
      "x+staging@evil+dev@example.com",
    ]);
  });
});
