import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildVerificationReport,
  CORE_TABLES,
  collectVerificationInput,
  EXPERIENCE_TABLES,
  RBAC_TABLES,
  renderVerificationTable,
  type VerificationInput,
} from "../../../src/migrations/verify";
import { buildLiveDatabase } from "../../fixtures/live/build";
import { createTestDatabase, dropAll, withClient } from "../../support/postgres";

afterAll(dropAll);

const CHECKED_AT = new Date("2026-11-25T16:02:03.456Z");
const GAIA_REF = "lbaohvnusingoztdzlmj";
const R1_TABLES = [
  "roles",
  "permissions",
  "role_permissions",
  "user_roles",
  "teams",
  "team_members",
  "workspaces",
  "workspace_members",
  "resource_permissions",
  "resource_shares",
];

function input(overrides: Partial<VerificationInput> = {}): VerificationInput {
  return {
    database: "llm_platform",
    tables: [...CORE_TABLES],
    modules: ["core"],
    environment: "dev",
    boundEnvironment: "dev",
    boundProjectRef: GAIA_REF,
    checkedAt: CHECKED_AT,
    method: "catalog query (gaia-db verify)",
    ...overrides,
  };
}

describe("renderVerificationTable(buildVerificationReport(…))", () => {
  it("complete database, core only: the Verification Status table, from live data", () => {
    const report = buildVerificationReport(input());
    expect(report.gaps).toBe(0);
    expect(renderVerificationTable(report)).toBe(
      `## Verification Status

**Last Verified:** 2026-11-25 16:02:03 UTC
**Method:** catalog query (gaia-db verify)

| Check | Status | Notes |
|-------|--------|-------|
| PostgreSQL \`llm_platform\` database | ✅ Verified | Single shared database for all services |
| 19 deployed tables | ✅ Verified | 19 of 19 present |
| Supabase integration | ✅ Verified | \`gaia-platform-v2\` project (\`lbaohvnusingoztdzlmj\`), bound to \`dev\` |
| RBAC tables | ⏳ Planned | Module \`rbac\` not selected; 0 of 13 tables present |
| Experience Platform tables | ⏳ Planned | Module \`experience\` not selected; 0 of 3 tables present |

**Gaps:** 0
`,
    );
  });

  it("complete database, every module selected and deployed", () => {
    const report = buildVerificationReport(
      input({
        tables: [...CORE_TABLES, ...RBAC_TABLES, ...EXPERIENCE_TABLES],
        modules: ["core", "vector", "rbac", "experience"],
        method: "catalog query (gaia-db verify --modules core,vector,rbac,experience)",
      }),
    );
    expect(report.gaps).toBe(0);
    expect(renderVerificationTable(report)).toBe(
      `## Verification Status

**Last Verified:** 2026-11-25 16:02:03 UTC
**Method:** catalog query (gaia-db verify --modules core,vector,rbac,experience)

| Check | Status | Notes |
|-------|--------|-------|
| PostgreSQL \`llm_platform\` database | ✅ Verified | Single shared database for all services |
| 19 deployed tables | ✅ Verified | 19 of 19 present |
| Supabase integration | ✅ Verified | \`gaia-platform-v2\` project (\`lbaohvnusingoztdzlmj\`), bound to \`dev\` |
| RBAC tables | ✅ Verified | 13 of 13 present |
| Experience Platform tables | ✅ Verified | 3 of 3 present |

**Gaps:** 0
`,
    );
  });

  it("partial database: missing, unexpected and wrongly bound, each listed", () => {
    const report = buildVerificationReport(
      input({
        tables: [
          ...CORE_TABLES.filter((name) => !name.startsWith("kb_semantic_")),
          "schema_migrations",
          ...R1_TABLES,
          "player_profiles",
        ],
        modules: ["core", "rbac"],
        environment: "staging",
        boundEnvironment: "staging",
        boundProjectRef: "abcdefghijklmnopqrst",
      }),
    );
    expect(report.gaps).toBe(4);
    expect(renderVerificationTable(report)).toBe(
      `## Verification Status

**Last Verified:** 2026-11-25 16:02:03 UTC
**Method:** catalog query (gaia-db verify)

| Check | Status | Notes |
|-------|--------|-------|
| PostgreSQL \`llm_platform\` database | ✅ Verified | Single shared database for all services |
| 19 deployed tables | ❌ Missing | 17 of 19 present; missing: kb_semantic_chunk_ids, kb_semantic_index_metadata; unexpected: schema_migrations |
| Supabase integration | ⚠️ Unexpected | Bound to project \`abcdefghijklmnopqrst\`, expected \`gaia-platform-v2\` project (\`lbaohvnusingoztdzlmj\`) |
| RBAC tables | ❌ Missing | 10 of 13 present; missing: permission_audit_log, shared_resources, user_permissions |
| Experience Platform tables | ⚠️ Unexpected | Module \`experience\` not selected but 1 of 3 tables present: player_profiles |

**Gaps:** 4
`,
    );
  });

  it("empty, unbound database under another name", () => {
    const report = buildVerificationReport(
      input({
        database: "gaia_scratch",
        tables: [],
        environment: "local",
        boundEnvironment: null,
        boundProjectRef: null,
      }),
    );
    expect(report.gaps).toBe(3);
    expect(renderVerificationTable(report)).toBe(
      `## Verification Status

**Last Verified:** 2026-11-25 16:02:03 UTC
**Method:** catalog query (gaia-db verify)

| Check | Status | Notes |
|-------|--------|-------|
| PostgreSQL \`llm_platform\` database | ⚠️ Unexpected | Connected to \`gaia_scratch\`, expected \`llm_platform\` |
| 19 deployed tables | ❌ Missing | 0 of 19 present; missing: api_keys, asset_generations, asset_modifications, asset_sources, asset_usage, assets, chat_messages, conversations, kb_activity_log, kb_context_cache, kb_document_history, kb_documents, kb_permissions, kb_search_index, kb_semantic_chunk_ids, kb_semantic_index_metadata, personas, user_persona_preferences, users |
| Supabase integration | ❌ Missing | No Supabase binding recorded; expected \`gaia-platform-v2\` project (\`lbaohvnusingoztdzlmj\`) |
| RBAC tables | ⏳ Planned | Module \`rbac\` not selected; 0 of 13 tables present |
| Experience Platform tables | ⏳ Planned | Module \`experience\` not selected; 0 of 3 tables present |

**Gaps:** 3
`,
    );
  });
});

describe("buildVerificationReport rows", () => {
  const rowCases: [string, Partial<VerificationInput>, number, string, string][] = [
    [
      "binding names another environment",
      { environment: "dev", boundEnvironment: "production" },
      2,
      "⚠️ Unexpected",
      "Bound to environment `production`, verifying `dev`",
    ],
    [
      "binding names another environment and another project",
      { environment: "dev", boundEnvironment: "production", boundProjectRef: "zzzz" },
      2,
      "⚠️ Unexpected",
      "Bound to project `zzzz`, expected `gaia-platform-v2` project (`lbaohvnusingoztdzlmj`); Bound to environment `production`, verifying `dev`",
    ],
    [
      "a project ref the platform does not name",
      { expectedProjectRef: "zzzz", boundProjectRef: "zzzz" },
      2,
      "✅ Verified",
      "project `zzzz`, bound to `dev`",
    ],
    [
      "an ignored legacy table is not unexpected",
      { tables: [...CORE_TABLES, "schema_migrations"], ignoreTables: ["schema_migrations"] },
      1,
      "✅ Verified",
      "19 of 19 present",
    ],
    [
      "extra tables with every core table present",
      { tables: [...CORE_TABLES, "schema_migrations", "conversation_histories"] },
      1,
      "⚠️ Unexpected",
      "19 of 19 present; unexpected: conversation_histories, schema_migrations",
    ],
    [
      "another expected database name",
      { database: "gaia_dev", expectedDatabase: "gaia_dev" },
      0,
      "✅ Verified",
      "Single shared database for all services",
    ],
    [
      "experience selected but absent",
      { modules: ["core", "experience"] },
      4,
      "❌ Missing",
      "0 of 3 present; missing: experience_progress, player_profiles, player_progress_events",
    ],
  ];
  it.each(rowCases)("%s", (_name, overrides, index, status, notes) => {
    const report = buildVerificationReport(input(overrides));
    const row = report.rows[index]!;
    const line = renderVerificationTable(report).split("\n")[7 + index];
    expect(line).toBe(`| ${row.check} | ${status} | ${notes} |`);
    expect(report.gaps).toBe(status === "✅ Verified" ? 0 : 1);
  });

  it("escapes a pipe in a cell so the Markdown table keeps its columns", () => {
    const table = renderVerificationTable(buildVerificationReport(input({ database: "a|b" })));
    expect(table.split("\n")[7]).toBe(
      "| PostgreSQL `llm_platform` database | ⚠️ Unexpected | Connected to `a\\|b`, expected `llm_platform` |",
    );
  });

  it("is JSON-serialisable, with the time in ISO 8601 UTC", () => {
    const report = buildVerificationReport(input());
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.checkedAt).toBe("2026-11-25T16:02:03.456Z");
    expect(report.rows[1]).toEqual({
      check: "19 deployed tables",
      status: "verified",
      notes: "19 of 19 present",
      missing: [],
      unexpected: [],
    });
  });
});

describe("collectVerificationInput (real PostgreSQL)", () => {
  let url: string;
  let database: string;
  beforeAll(async () => {
    url = await createTestDatabase();
    database = new URL(url).pathname.slice(1);
    await buildLiveDatabase(url, { drift: ["legacy-schema-migrations"] });
  });

  it("reads the database name and the tables, and no binding when there is no ledger", async () => {
    let queries = 0;
    const collected = await withClient(url, (client) => {
      const counting = Object.create(client) as typeof client;
      counting.query = ((...args: Parameters<typeof client.query>) => {
        queries += 1;
        return (client.query as (...a: unknown[]) => unknown)(...args);
      }) as typeof client.query;
      return collectVerificationInput(counting, { modules: ["core"], now: () => CHECKED_AT });
    });
    // One query when there is no binding table to read.
    expect(queries).toBe(1);
    expect(collected).toEqual({
      database,
      expectedDatabase: "llm_platform",
      tables: [...CORE_TABLES, "schema_migrations"].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      modules: ["core"],
      environment: null,
      boundEnvironment: null,
      boundProjectRef: null,
      expectedProjectRef: GAIA_REF,
      checkedAt: CHECKED_AT,
      method: "catalog query (gaia-db verify)",
      ignoreTables: [],
    });
  });

  it("reads the binding and renders the report of a live reference database", async () => {
    const report = await withClient(url, async (client) => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS gaia_migrations;
        CREATE TABLE IF NOT EXISTS gaia_migrations.binding (
          id boolean PRIMARY KEY DEFAULT true CHECK (id),
          environment text NOT NULL,
          supabase_project_ref text NOT NULL);
        INSERT INTO gaia_migrations.binding (environment, supabase_project_ref)
        VALUES ('local', '${GAIA_REF}') ON CONFLICT DO NOTHING`);
      const collected = await collectVerificationInput(client, {
        modules: ["core"],
        environment: "local",
        expectedDatabase: database,
        ignoreTables: ["schema_migrations"],
        now: () => CHECKED_AT,
      });
      return buildVerificationReport(collected);
    });
    expect(report.gaps).toBe(0);
    expect(renderVerificationTable(report)).toBe(
      `## Verification Status

**Last Verified:** 2026-11-25 16:02:03 UTC
**Method:** catalog query (gaia-db verify)

| Check | Status | Notes |
|-------|--------|-------|
| PostgreSQL \`${database}\` database | ✅ Verified | Single shared database for all services |
| 19 deployed tables | ✅ Verified | 19 of 19 present |
| Supabase integration | ✅ Verified | \`gaia-platform-v2\` project (\`lbaohvnusingoztdzlmj\`), bound to \`local\` |
| RBAC tables | ⏳ Planned | Module \`rbac\` not selected; 0 of 13 tables present |
| Experience Platform tables | ⏳ Planned | Module \`experience\` not selected; 0 of 3 tables present |

**Gaps:** 0
`,
    );
  });
});
