/**
 * `review({ measure })` end to end on the real PostgreSQL 15 of the test run, the comment compared
 * whole with every duration replaced by <t> (durations are printed, never asserted).
 */
import { afterAll, describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/review/render";
import { review } from "../../src/review/review";
import { adminUrl } from "../support/postgres";
import { fakeSquawk, fixtureRepo, removeFixtures, stackFile } from "./fixture";

afterAll(removeFixtures);

/** The base of review.test.ts: one core table; dev and production run module core only. */
const BASE = {
  "migrations/core/0001_users.sql": `CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email varchar(255) NOT NULL UNIQUE,
    bio text,
    created_at timestamptz NOT NULL DEFAULT now()
);
`,
  "migrations/vector/.keep": "",
  "migrations/rbac/.keep": "",
  "migrations/experience/.keep": "",
  "Pulumi.dev.yaml": stackFile("dev", ["core"]),
  "Pulumi.production.yaml": stackFile("production", ["core"]),
};

const timings = (markdown: string) => markdown.replace(/\b\d+(\.\d)? (ms|s)\b/g, "<t>");

describe("gaia-db review --measure: the report", () => {
  it("per file the strongest lock per table, what it blocks, scans, rows changed, and a failure on the rows", async () => {
    const repo = fixtureRepo(BASE, {
      "migrations/core/0002_orders.sql":
        "CREATE TABLE orders (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    user_id uuid NOT NULL REFERENCES users (id)\n);\nCREATE INDEX orders_user_id ON orders (user_id);\n",
      "migrations/core/0003_bio_required.sql":
        "UPDATE users SET bio = '' WHERE bio IS NULL;\nALTER TABLE users ALTER COLUMN bio SET NOT NULL;\n",
      "migrations/core/0004_bio_unique.sql": "CREATE UNIQUE INDEX users_bio_key ON users (bio);\n",
    });
    const result = await review({
      repo,
      base: "main",
      serverUrl: adminUrl(),
      squawk: [fakeSquawk().path],
      measure: { rows: 500, seed: 1 },
    });
    // A failure on the filled tables is a finding: the head applies on the base.
    expect(result.applies).toBe(true);
    const markdown = renderMarkdown(result);
    process.stdout.write(markdown.slice(markdown.indexOf("#### Measured")));
    const measured = markdown.slice(
      markdown.indexOf("#### Measured"),
      markdown.indexOf("### squawk"),
    );
    expect(markdown.split("\n").slice(3, 6)).toEqual([
      expect.stringMatching(
        /^Base `575b55ca9eb9` \(main\) → the working tree, built on PostgreSQL 15\.\d+\.$/,
      ),
      "**The head applies on the base** for every module set reviewed.",
      "**The head fails on tables filled with generated rows** (measured below).",
    ]);
    expect(timings(measured)).toBe(`#### Measured on filled tables

The head was also applied by \`migrate\` to a copy of the base filled with 500 generated rows per table (seed 1; 1 table, 500 rows, filled in <t>), every statement observed (3 files in <t>).

**It fails on the filled tables** at \`core/0004_bio_unique.sql\` line 1: could not create unique index "users_bio_key" (Key (bio)=(bio-20) is duplicated.)

| file | relation | strongest lock | held | what it means |
|---|---|---|---|---|
| \`core/0002_orders.sql\` | \`users\` | SHARE ROW EXCLUSIVE | <t> (line 1 to commit) | blocks writes on \`users\` until commit (reads go on) |
| \`core/0003_bio_required.sql\` | \`users\` | ACCESS EXCLUSIVE | <t> (line 2 to commit) | blocks reads and writes on \`users\` until commit |

- \`core/0003_bio_required.sql\` line 1 (\`UPDATE users SET bio = '' WHERE bio IS NULL\`): scans all of \`users\` (500 rows: <t>) holding ROW EXCLUSIVE; updates 49 rows of \`users\`
- \`core/0003_bio_required.sql\` line 2 (\`ALTER TABLE users ALTER COLUMN bio SET NOT NULL\`): scans all of \`users\` (500 rows: <t>) holding ACCESS EXCLUSIVE
- \`core/0004_bio_unique.sql\` line 1 (\`CREATE UNIQUE INDEX users_bio_key ON users (bio)\`): **fails on the filled tables**: could not create unique index "users_bio_key" (Key (bio)=(bio-20) is duplicated.); the file rolls back

<details><summary>Every statement (5)</summary>

| file | line | statement | locks taken | rewrites | scans | rows changed | time |
|---|---|---|---|---|---|---|---|
| \`core/0002_orders.sql\` | 1 | \`CREATE TABLE orders ( id bigint GENERATED ALWAYS AS IDENTITY PRIMARY …\` | \`users\` SHARE ROW EXCLUSIVE |  |  |  | <t> |
| \`core/0002_orders.sql\` | 5 | \`CREATE INDEX orders_user_id ON orders (user_id)\` |  |  |  |  | <t> |
| \`core/0003_bio_required.sql\` | 1 | \`UPDATE users SET bio = '' WHERE bio IS NULL\` | \`users\` ROW EXCLUSIVE |  | \`users\` | \`users\` 49 updated | <t> |
| \`core/0003_bio_required.sql\` | 2 | \`ALTER TABLE users ALTER COLUMN bio SET NOT NULL\` | \`users\` ACCESS EXCLUSIVE |  | \`users\` |  | <t> |
| \`core/0004_bio_unique.sql\` | 1 | \`CREATE UNIQUE INDEX users_bio_key ON users (bio)\` |  |  |  |  | failed |

</details>

`);
  });

  it("without --measure the report has no measured section", async () => {
    const repo = fixtureRepo(BASE, {
      "migrations/core/0002_plan.sql": "ALTER TABLE users ADD COLUMN plan text;\n",
    });
    const result = await review({ repo, base: "main", serverUrl: adminUrl(), squawk: null });
    expect(result.builds.map((b) => b.measurement)).toEqual([null]);
    expect(renderMarkdown(result)).not.toContain("Measured");
  });
});
