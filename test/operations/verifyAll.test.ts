import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main";
import {
  claimedEnvironment,
  renderVerifyAll,
  verifyEnvironment,
} from "../../src/operations/verifyAll";
import { createTestDatabase, dropAll, withClient } from "../support/postgres";
import { captureIo, fakePulumiEnv, prepareEnvironmentDatabase } from "./support";

afterAll(dropAll);

const at = new Date("2026-11-25T16:30:00.000Z");
const verify = (
  url: string,
  environment: "local" | "dev" | "staging" | "production",
  expectedDatabase: string,
) =>
  withClient(url, (client) =>
    verifyEnvironment(client, environment, "--database-url", { now: () => at, expectedDatabase }),
  );

let complete: { url: string; name: string };
let partial: { url: string; name: string };
let empty: string;

beforeAll(async () => {
  complete = await prepareEnvironmentDatabase("local", { applied: [["core", "0001"]] });
  partial = await prepareEnvironmentDatabase("dev");
  empty = await createTestDatabase("gaia_ops_empty");
  await withClient(partial.url, (client) =>
    client.query(`
      DROP TABLE kb_permissions, asset_usage;
      UPDATE gaia_migrations.binding SET supabase_project_ref = 'abcdefghijklmnopqrst', isolation_enforced = true;
      ALTER TABLE users DISABLE TRIGGER USER;
      INSERT INTO users (email) VALUES ('ann+local@example.com'), ('bob+dev@example.com'), ('cy@example.com');
      INSERT INTO users (email, environment) VALUES ('dee@example.com', 'staging');
      ALTER TABLE users ENABLE TRIGGER USER;`),
  );
});

describe("claimedEnvironment", () => {
  it.each([
    ["a+local@x.io", "dev", "dev", "local"],
    ["a+dev@x.io", "dev", "dev", "dev"],
    ["a@x.io", "staging", "dev", "staging"],
    ["a+news@x.io", "dev", "dev", "dev"],
    ["a+production@x.io", "production", "production", "production"],
    ["a+dev@x.io", null, "production", "dev"],
  ] as const)("%s with column %s in %s → %s", (email, column, served, claimed) => {
    expect(claimedEnvironment(email, column, served)).toBe(claimed);
  });
});

describe("verifyEnvironment", () => {
  it("complete database: every row verified, no gap", async () => {
    const report = await verify(complete.url, "local", complete.name);
    expect(
      renderVerifyAll([{ environment: "local", reachable: true, route: "x", value: report }]),
    ).toBe(
      [
        "## Verification Status: local",
        "",
        "**Last Verified:** 2026-11-25 16:30:00 UTC",
        "**Method:** catalog query (gaia-db verify all, --database-url)",
        "",
        "| Check | Status | Notes |",
        "|-------|--------|-------|",
        `| PostgreSQL \`${complete.name}\` database | ✅ Verified | Single shared database for all services |`,
        "| 19 deployed tables | ✅ Verified | 19 of 19 present |",
        "| Supabase integration | ✅ Verified | `gaia-platform-v2` project (`lbaohvnusingoztdzlmj`), bound to `local` |",
        "| RBAC tables | ⏳ Planned | Module `rbac` not selected; 0 of 13 tables present |",
        "| Experience Platform tables | ⏳ Planned | Module `experience` not selected; 0 of 3 tables present |",
        "| Environment isolation | ✅ Verified | not enforced; no user of another environment |",
        "",
        "**Gaps:** 0",
        "",
        "**Summary:** local 0 gaps",
      ].join("\n"),
    );
  });

  it("partial database: missing tables, another Supabase project, users of other environments", async () => {
    const report = await verify(partial.url, "dev", partial.name);
    expect(report.gaps).toBe(3);
    expect(report.rows.map((row) => [row.check, row.status, row.notes])).toEqual([
      [
        `PostgreSQL \`${partial.name}\` database`,
        "verified",
        "Single shared database for all services",
      ],
      ["19 deployed tables", "missing", "17 of 19 present; missing: asset_usage, kb_permissions"],
      [
        "Supabase integration",
        "unexpected",
        "Bound to project `abcdefghijklmnopqrst`, expected `gaia-platform-v2` project (`lbaohvnusingoztdzlmj`)",
      ],
      ["RBAC tables", "planned", "Module `rbac` not selected; 0 of 13 tables present"],
      [
        "Experience Platform tables",
        "planned",
        "Module `experience` not selected; 0 of 3 tables present",
      ],
      [
        "Environment isolation",
        "unexpected",
        "enforced; 1 test user of another environment (by email): ann+local@example.com (local); remove them with gaia-db cleanup-test-users dev; 1 user whose environment column names another environment (not their email): dee@example.com (staging); cleanup-test-users leaves them: correct users.environment, or remove them by hand",
      ],
    ]);
  });

  it("empty database: everything missing, nothing thrown", async () => {
    const report = await verify(empty, "staging", "llm_platform");
    expect(report.rows.map((row) => [row.status, row.notes])).toEqual([
      [
        "unexpected",
        `Connected to \`${new URL(empty).pathname.slice(1)}\`, expected \`llm_platform\``,
      ],
      [
        "missing",
        "0 of 19 present; missing: api_keys, asset_generations, asset_modifications, asset_sources, asset_usage, assets, chat_messages, conversations, kb_activity_log, kb_context_cache, kb_document_history, kb_documents, kb_permissions, kb_search_index, kb_semantic_chunk_ids, kb_semantic_index_metadata, personas, user_persona_preferences, users",
      ],
      [
        "missing",
        "No Supabase binding recorded; expected `gaia-platform-v2` project (`lbaohvnusingoztdzlmj`)",
      ],
      ["planned", "Module `rbac` not selected; 0 of 13 tables present"],
      ["planned", "Module `experience` not selected; 0 of 3 tables present"],
      ["missing", "No users table"],
    ]);
    expect(report.gaps).toBe(4);
  });
});

describe("gaia-db verify all", () => {
  it("one section per environment, unreachable ones included, exit 5 on any gap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-ops-verify-"));
    const stacksFile = join(dir, "stacks.json");
    const devFly = new URL(partial.url);
    const devPort = Number(devFly.port);
    devFly.hostname = "gaia-db-dev.flycast";
    writeFileSync(
      stacksFile,
      JSON.stringify({
        local: { outputs: { databaseUrl: complete.url } },
        dev: { outputs: { databaseUrl: devFly.toString() } },
        staging: { outputs: { databaseUrl: empty } },
        production: { outputs: {} },
      }),
    );
    const { io, stdout, stderr } = captureIo(fakePulumiEnv(stacksFile), {
      openProxy: async (_opts, fn) => fn(devPort),
    });
    expect(await runCli(["verify", "all"], io)).toBe(5);
    expect(stderr.text).toBe("");
    const out = stdout.text;
    expect(out.match(/^## Verification Status: \w+$/gm)).toEqual([
      "## Verification Status: local",
      "## Verification Status: dev",
      "## Verification Status: staging",
      "## Verification Status: production",
    ]);
    expect(out).toContain(
      "**Method:** catalog query (gaia-db verify all, stack output databaseUrl via fly proxy -a gaia-db-dev)",
    );
    expect(out).toContain(
      '## Verification Status: production\n\n**Unreachable:** stack "production" has no output databaseUrl: run pulumi up -s production, or set DATABASE_URL for the command\n',
    );
    // The test databases are not named llm_platform, so local has that one gap here.
    expect(
      out.endsWith(
        "**Summary:** local 1 gap, dev 4 gaps, staging 4 gaps, production unreachable\n",
      ),
    ).toBe(true);
    expect(out).toMatch(/\*\*Last Verified:\*\* \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  });

  it("usage", async () => {
    const { io, stderr } = captureIo({});
    expect(await runCli(["verify", "all", "dev"], io)).toBe(2);
    expect(stderr.text).toBe(
      "gaia-db: verify all: unexpected arguments dev: usage is gaia-db verify all [options]\n",
    );
  });
});
