/**
 * `review()` end to end on the real PostgreSQL 15 of the test run: a fixture repository (base
 * commit + working tree), the runner's migrate, the catalog, and a stand-in squawk. Each report is
 * compared whole.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/review/render";
import { type ReviewOptions, review } from "../../src/review/review";
import { adminUrl, withAdmin } from "../support/postgres";
import { fakeSquawk, fixtureRepo, removeFixtures, stackFile } from "./fixture";

afterAll(async () => {
  removeFixtures();
  // Roles are cluster-wide; the scratch databases that held its grants are gone.
  await withAdmin((client) => client.query("DROP ROLE IF EXISTS gaia_review_analyst"));
});

const USERS = `CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email varchar(255) NOT NULL UNIQUE,
    bio text,
    created_at timestamptz NOT NULL DEFAULT now()
);
`;

/** A base with one core table; dev and production run module core only. */
const BASE = {
  "migrations/core/0001_users.sql": USERS,
  "migrations/vector/.keep": "",
  "migrations/rbac/.keep": "",
  "migrations/experience/.keep": "",
  "Pulumi.dev.yaml": stackFile("dev", ["core"]),
  "Pulumi.production.yaml": stackFile("production", ["core"]),
};
/** git hashes content only: with fixed authors and dates, BASE's commit is this on every machine. */
const BASE_SHA = "575b55ca9eb9";

let server: string;
beforeAll(async () => {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  const { rows } = await client.query("SELECT current_setting('server_version') AS v");
  await client.end();
  server = `PostgreSQL ${String(rows[0].v).split(" ")[0]}`;
});

async function reportOf(
  base: Record<string, string>,
  head: Record<string, string | null>,
  options: Partial<ReviewOptions> = {},
) {
  const repo = fixtureRepo(base, head);
  const squawk = fakeSquawk();
  const result = await review({
    repo,
    base: "main",
    serverUrl: adminUrl(),
    squawk: [squawk.path],
    ...options,
  });
  return { result, markdown: renderMarkdown(result), squawkArgv: squawk.argv() };
}

const header = (sha: string, applies = true) =>
  [
    "<!-- gaia:schema-review -->",
    "## Schema review",
    "",
    `Base \`${sha}\` (main) → the working tree, built on ${server}.`,
    applies
      ? "**The head applies on the base** for every module set reviewed."
      : "**The head does not apply on the base**, or a stack's runner would refuse it (details below).",
    "",
    "### What each stack runs on its next `pulumi up`",
    "",
    "| stack | modules | files to run | notes |",
    "|---|---|---|---|",
  ].join("\n");

const stacksRunning = (file: string) =>
  [
    `| dev | core | \`${file}\` | last applied: assumed the base's files |`,
    `| production | core | \`${file}\` | last applied: assumed the base's files; **pre-migration snapshot** of the Postgres volumes first |`,
  ].join("\n");

const squawkArgs = (file: string) => [
  ["--pg-version=15.0", "--reporter", "json", "--assume-in-transaction", file],
];

describe("gaia-db review: the report", () => {
  it("adds a table with foreign keys: the new table, its keys and the diagram", async () => {
    const { markdown, squawkArgv, result } = await reportOf(BASE, {
      "migrations/core/0002_orders.sql": `CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reviewer_id uuid REFERENCES users (id),
    total numeric(10,2) NOT NULL DEFAULT 0
);
`,
    });
    expect(markdown).toBe(`${header(BASE_SHA)}
${stacksRunning("core/0002_orders.sql")}

### Schema: core (2 stacks: dev, production)

The head applies 1 file on the base: \`core/0002_orders.sql\`.

Changes: tables: 1 added.

**New tables (1)**

- \`orders\`: 4 columns; primary key (id); references \`users\` (reviewer_id), \`users\` (user_id)

  <details><summary>orders: columns, constraints, indexes</summary>

  - \`id\` bigint, not null, identity always
  - \`reviewer_id\` uuid, nullable
  - \`total\` numeric(10,2), not null, default 0
  - \`user_id\` uuid, not null
  - constraint \`orders_pkey\` PRIMARY KEY (id)
  - constraint \`orders_reviewer_id_fkey\` FOREIGN KEY (reviewer_id) REFERENCES users(id)
  - constraint \`orders_user_id_fkey\` FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE

  </details>

<details open><summary>Tables touched and their foreign keys</summary>

\`\`\`mermaid
erDiagram
  orders {
    bigint id PK
    uuid reviewer_id FK
    numeric total
    uuid user_id FK
  }
  users |o--o{ orders : "reviewer_id"
  users ||--o{ orders : "user_id"
\`\`\`

</details>

### squawk

squawk 2.66.0: no findings in the new file.
`);
    expect(squawkArgv).toEqual(squawkArgs("migrations/core/0002_orders.sql"));
    expect(result.applies).toBe(true);
  });

  it("adds and drops a column: both listed, the new column marked in the diagram, squawk's finding", async () => {
    const { markdown } = await reportOf(BASE, {
      "migrations/core/0002_display_name.sql":
        "ALTER TABLE users ADD COLUMN display_name text NOT NULL DEFAULT '';\nALTER TABLE users DROP COLUMN bio;\n",
    });
    expect(markdown).toBe(`${header(BASE_SHA)}
${stacksRunning("core/0002_display_name.sql")}

### Schema: core (2 stacks: dev, production)

The head applies 1 file on the base: \`core/0002_display_name.sql\`.

Changes: columns: 1 added, 1 removed.

**Changed tables (1)**

- \`users\`
  - column \`display_name\` added: text, not null, default ''::text
  - column \`bio\` removed: text, nullable

<details open><summary>Tables touched and their foreign keys</summary>

\`\`\`mermaid
erDiagram
  users {
    timestamptz created_at
    text display_name "new"
    varchar(255) email UK
    uuid id PK
  }
\`\`\`

</details>

### squawk

squawk 2.66.0: 1 finding in the new file.

| rule | findings | what squawk says |
|---|---|---|
| ban-drop-column | 1 | Dropping a column may break existing clients. |

<details><summary>Where</summary>

- ban-drop-column: \`migrations/core/0002_display_name.sql:2\`

</details>
`);
  });

  it("changes a default: before and after", async () => {
    const { markdown } = await reportOf(BASE, {
      "migrations/core/0002_created_at_clock.sql":
        "ALTER TABLE users ALTER COLUMN created_at SET DEFAULT clock_timestamp();\n",
    });
    expect(markdown).toBe(`${header(BASE_SHA)}
${stacksRunning("core/0002_created_at_clock.sql")}

### Schema: core (2 stacks: dev, production)

The head applies 1 file on the base: \`core/0002_created_at_clock.sql\`.

Changes: columns: 1 changed.

**Changed tables (1)**

- \`users\`
  - column \`created_at\` changed: default \`now()\` → \`clock_timestamp()\`

<details open><summary>Tables touched and their foreign keys</summary>

\`\`\`mermaid
erDiagram
  users {
    text bio
    timestamptz created_at "changed"
    varchar(255) email UK
    uuid id PK
  }
\`\`\`

</details>

### squawk

squawk 2.66.0: no findings in the new file.
`);
  });

  it("adds an index: its method and columns, and squawk's advice to build it concurrently", async () => {
    const { markdown } = await reportOf(BASE, {
      "migrations/core/0002_users_created_at.sql":
        "CREATE INDEX users_created_at ON users (created_at DESC);\n",
    });
    expect(markdown).toBe(`${header(BASE_SHA)}
${stacksRunning("core/0002_users_created_at.sql")}

### Schema: core (2 stacks: dev, production)

The head applies 1 file on the base: \`core/0002_users_created_at.sql\`.

Changes: indexes: 1 added.

**Changed tables (1)**

- \`users\`
  - index \`users_created_at\` added: btree (created_at DESC)

<details open><summary>Tables touched and their foreign keys</summary>

\`\`\`mermaid
erDiagram
  users {
    text bio
    timestamptz created_at
    varchar(255) email UK
    uuid id PK
  }
\`\`\`

</details>

### squawk

squawk 2.66.0: 1 finding in the new file.

| rule | findings | what squawk says |
|---|---|---|
| require-concurrent-index-creation | 1 | During normal index creation, table updates are blocked, but reads are still allowed. |

<details><summary>Where</summary>

- require-concurrent-index-creation: \`migrations/core/0002_users_created_at.sql:1\`

</details>
`);
  });

  it("adds a role and grants: the role's attributes and each privilege", async () => {
    // Roles are cluster-wide: created only when missing, so a second run on one server works.
    const { markdown } = await reportOf(BASE, {
      "migrations/core/0002_analyst.sql": `DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gaia_review_analyst') THEN
        CREATE ROLE gaia_review_analyst NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO gaia_review_analyst;
GRANT SELECT ON users TO gaia_review_analyst;
`,
    });
    expect(markdown).toBe(`${header(BASE_SHA)}
${stacksRunning("core/0002_analyst.sql")}

### Schema: core (2 stacks: dev, production)

The head applies 1 file on the base: \`core/0002_analyst.sql\`.

Changes: roles: 1 added; grants: 2 added.

**Roles and privileges**

- role \`gaia_review_analyst\` added: NOLOGIN INHERIT
- grants USAGE to \`gaia_review_analyst\` on schema \`public\`
- grants SELECT to \`gaia_review_analyst\` on table \`users\`

### squawk

squawk 2.66.0: no findings in the new file.
`);
  });

  it("lists a module the server cannot build as not reviewed, and reviews the rest", async () => {
    // The stacks take the default modules (core, vector). On a server with pgvector the module
    // would build, so the test names an extension no server has when this one has pgvector.
    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    const { rowCount } = await client.query(
      "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
    );
    await client.end();
    const missing = rowCount ? "gaia_review_absent" : "vector";
    const { markdown, result } = await reportOf(
      {
        ...BASE,
        "migrations/vector/0001_embedding.sql":
          "CREATE EXTENSION IF NOT EXISTS vector;\nALTER TABLE users ADD COLUMN embedding vector(3);\n",
        "Pulumi.dev.yaml": stackFile("dev"),
        "Pulumi.production.yaml": stackFile("production"),
      },
      {
        "migrations/core/0002_display_name.sql":
          "ALTER TABLE users ADD COLUMN display_name text;\n",
      },
      { moduleExtensions: { vector: [missing] } },
    );
    expect(markdown).toBe(`${header("141e81f07fea")}
| dev | core, vector | \`core/0002_display_name.sql\` | last applied: assumed the base's files |
| production | core, vector | \`core/0002_display_name.sql\` | last applied: assumed the base's files; **pre-migration snapshot** of the Postgres volumes first |

**Not reviewed: module \`vector\`** (stacks dev, production): the server offers no \`${missing}\` extension, so its files were not built; the review workflow's pgvector/pgvector:pg15 server builds it.

### Schema: core (2 stacks: dev, production)

The head applies 1 file on the base: \`core/0002_display_name.sql\`.

Changes: columns: 1 added.

**Changed tables (1)**

- \`users\`
  - column \`display_name\` added: text, nullable

<details open><summary>Tables touched and their foreign keys</summary>

\`\`\`mermaid
erDiagram
  users {
    text bio
    timestamptz created_at
    text display_name "new"
    varchar(255) email UK
    uuid id PK
  }
\`\`\`

</details>

### squawk

squawk 2.66.0: no findings in the new file.
`);
    expect(result.notReviewed).toEqual([
      { module: "vector", missing: [missing], stacks: ["dev", "production"] },
    ]);
  });

  it("a head that fails to apply: the runner's error, and the review says it does not apply", async () => {
    const { markdown, result } = await reportOf(BASE, {
      "migrations/core/0002_broken.sql":
        "ALTER TABLE users ADD COLUMN team_id uuid REFERENCES teams (id);\n",
    });
    expect(markdown).toBe(`${header(BASE_SHA, false)}
${stacksRunning("core/0002_broken.sql")}

### Schema: core (2 stacks: dev, production)

**The head does not apply on the base.** The runner stopped with:

\`\`\`text
core/0002_broken.sql line 1 (statement 1 of 1) failed: relation "teams" does not exist (SQLSTATE 42P01); the file was rolled back, nothing from it was applied; fix the statement and run migrate again (roll forward: files already applied never change)
\`\`\`

### squawk

squawk 2.66.0: no findings in the new file.
`);
    expect([result.applies, result.builds[0]?.changes]).toEqual([false, null]);
  });

  it("an edited shipped file: refused for every stack, and the head does not apply", async () => {
    const { markdown, result, squawkArgv } = await reportOf(BASE, {
      "migrations/core/0001_users.sql": USERS.replace("bio text", "bio varchar(500)"),
    });
    const refusal =
      "**refused**: core/0001_users.sql changed after it was applied (applied e8dfb838ddf7, now e347c32b0290): migrate refuses it; restore the applied text and put the change in a new file";
    expect(markdown).toBe(`${header(BASE_SHA, false)}
| dev | core | nothing | last applied: assumed the base's files; ${refusal} |
| production | core | nothing | last applied: assumed the base's files; **pre-migration snapshot** of the Postgres volumes first; ${refusal} |

### Schema: core (2 stacks: dev, production)

**The head does not apply on the base.** The runner stopped with:

\`\`\`text
core/0001_users.sql was changed after it was applied (ledger checksum e8dfb838ddf7, file e347c32b0290): restore the applied text and put the change in a new file; if the edit is equivalent (comments, formatting), record it with: gaia-db repair dev --file core/0001_users.sql
\`\`\`
`);
    expect([result.applies, result.newFiles, squawkArgv]).toEqual([false, [], []]);
  });

  it("takes what a stack last applied from its migrationFiles output", async () => {
    // production last applied nothing yet (a new environment): it runs both files.
    const { result } = await reportOf(
      BASE,
      {
        "migrations/core/0002_users_created_at.sql":
          "CREATE INDEX users_created_at ON users (created_at DESC);\n",
      },
      { applied: new Map([["production", { text: '""', source: "--applied production=p.json" }]]) },
    );
    expect(result.stacks.map((s) => [s.stack, s.appliedFrom, s.toRun, s.snapshot])).toEqual([
      ["dev", "base", ["core/0002_users_created_at.sql"], null],
      [
        "production",
        "stack output",
        ["core/0001_users.sql", "core/0002_users_created_at.sql"],
        true,
      ],
    ]);
  });
});
