/**
 * The "Verification Status" report the team used to fill in by hand, rebuilt from live data for
 * `gaia-db verify`: which tables are present for each module, which database we are connected to,
 * and which Supabase project the database is bound to. `buildVerificationReport` is pure;
 * `collectVerificationInput` gathers its input in at most two queries.
 */
import type pg from "pg";
import { compareText } from "./catalog";

/** The 19 tables deployed in every environment today (what core/0001 builds). */
export const CORE_TABLES: readonly string[] = [
  "users",
  "api_keys",
  "conversations",
  "chat_messages",
  "personas",
  "user_persona_preferences",
  "assets",
  "asset_generations",
  "asset_modifications",
  "asset_sources",
  "asset_usage",
  "kb_documents",
  "kb_search_index",
  "kb_activity_log",
  "kb_context_cache",
  "kb_document_history",
  "kb_permissions",
  "kb_semantic_chunk_ids",
  "kb_semantic_index_metadata",
];

/** The planned RBAC tables: the union of the two RBAC drafts' tables (what rbac/0001 builds). */
export const RBAC_TABLES: readonly string[] = [
  "roles",
  "permissions",
  "role_permissions",
  "user_roles",
  "user_permissions",
  "teams",
  "team_members",
  "workspaces",
  "workspace_members",
  "shared_resources",
  "resource_permissions",
  "resource_shares",
  "permission_audit_log",
];

export const EXPERIENCE_TABLES: readonly string[] = [
  "player_profiles",
  "experience_progress",
  "player_progress_events",
];

/** Supabase project refs the platform knows by name (every environment shares gaia-platform-v2). */
export const KNOWN_SUPABASE_PROJECTS: Readonly<Record<string, string>> = {
  lbaohvnusingoztdzlmj: "gaia-platform-v2",
};

export const DEFAULT_EXPECTED_PROJECT_REF = "lbaohvnusingoztdzlmj";
export const DEFAULT_EXPECTED_DATABASE = "llm_platform";
export const DEFAULT_METHOD = "catalog query (gaia-db verify)";

export type CheckStatus = "verified" | "planned" | "missing" | "unexpected";

export const STATUS_LABELS: Readonly<Record<CheckStatus, string>> = {
  verified: "✅ Verified",
  planned: "⏳ Planned",
  missing: "❌ Missing",
  unexpected: "⚠️ Unexpected",
};

export interface VerificationInput {
  /** current_database() of the connection. */
  database: string;
  /** Default `llm_platform`. */
  expectedDatabase?: string;
  /** Table names present in `public`. */
  tables: readonly string[];
  /** Selected modules (`core`, `vector`, `rbac`, `experience`); core is always expected. */
  modules: readonly string[];
  /** The environment being verified; when given, the binding must name it. */
  environment?: string | null;
  /** From gaia_migrations.binding; null when the database has no binding. */
  boundEnvironment: string | null;
  boundProjectRef: string | null;
  /** Default `lbaohvnusingoztdzlmj` (`gaia-platform-v2`). */
  expectedProjectRef?: string;
  checkedAt: Date;
  /** How the facts were obtained, e.g. `catalog query (gaia-db verify)`. */
  method: string;
  /** Tables in `public` that are neither expected nor reported (e.g. a legacy tracker). */
  ignoreTables?: readonly string[];
}

export interface VerificationRow {
  check: string;
  status: CheckStatus;
  notes: string;
  /** Tables a selected module lacks. */
  missing: string[];
  /** Tables present that nothing selected expects. */
  unexpected: string[];
}

export interface VerificationReport {
  database: string;
  /** ISO 8601, UTC. */
  checkedAt: string;
  method: string;
  rows: VerificationRow[];
  /** Rows whose status is missing or unexpected; any gap makes `verify` exit 5. */
  gaps: number;
}

const sorted = (names: Iterable<string>): string[] => [...names].sort(compareText);
const code = (text: string): string => `\`${text}\``;

function describeProject(ref: string): string {
  const name = KNOWN_SUPABASE_PROJECTS[ref];
  return name === undefined ? `project ${code(ref)}` : `${code(name)} project (${code(ref)})`;
}

function databaseRow(input: VerificationInput, expected: string): VerificationRow {
  const check = `PostgreSQL ${code(expected)} database`;
  if (input.database === expected) {
    return {
      check,
      status: "verified",
      notes: "Single shared database for all services",
      missing: [],
      unexpected: [],
    };
  }
  return {
    check,
    status: "unexpected",
    notes: `Connected to ${code(input.database)}, expected ${code(expected)}`,
    missing: [],
    unexpected: [],
  };
}

function coreRow(present: Set<string>, extras: string[]): VerificationRow {
  const missing = sorted(CORE_TABLES.filter((name) => !present.has(name)));
  const found = CORE_TABLES.length - missing.length;
  const notes = [`${found} of ${CORE_TABLES.length} present`];
  if (missing.length > 0) notes.push(`missing: ${missing.join(", ")}`);
  if (extras.length > 0) notes.push(`unexpected: ${extras.join(", ")}`);
  const status: CheckStatus =
    missing.length > 0 ? "missing" : extras.length > 0 ? "unexpected" : "verified";
  return {
    check: `${CORE_TABLES.length} deployed tables`,
    status,
    notes: notes.join("; "),
    missing,
    unexpected: extras,
  };
}

function moduleRow(
  check: string,
  module: string,
  tables: readonly string[],
  selected: boolean,
  present: Set<string>,
): VerificationRow {
  const here = sorted(tables.filter((name) => present.has(name)));
  const missing = sorted(tables.filter((name) => !present.has(name)));
  const total = tables.length;
  if (selected) {
    return missing.length === 0
      ? {
          check,
          status: "verified",
          notes: `${total} of ${total} present`,
          missing,
          unexpected: [],
        }
      : {
          check,
          status: "missing",
          notes: `${here.length} of ${total} present; missing: ${missing.join(", ")}`,
          missing,
          unexpected: [],
        };
  }
  return here.length === 0
    ? {
        check,
        status: "planned",
        notes: `Module ${code(module)} not selected; 0 of ${total} tables present`,
        missing: [],
        unexpected: [],
      }
    : {
        check,
        status: "unexpected",
        notes: `Module ${code(module)} not selected but ${here.length} of ${total} tables present: ${here.join(", ")}`,
        missing: [],
        unexpected: here,
      };
}

function supabaseRow(input: VerificationInput, expectedRef: string): VerificationRow {
  const check = "Supabase integration";
  const expected = describeProject(expectedRef);
  const base = { check, missing: [], unexpected: [] };
  if (input.boundProjectRef === null) {
    return {
      ...base,
      status: "missing",
      notes: `No Supabase binding recorded; expected ${expected}`,
    };
  }
  const problems: string[] = [];
  if (input.boundProjectRef !== expectedRef) {
    problems.push(`Bound to ${describeProject(input.boundProjectRef)}, expected ${expected}`);
  }
  const environment = input.environment ?? null;
  if (environment !== null && input.boundEnvironment !== environment) {
    const bound = input.boundEnvironment === null ? "none" : code(input.boundEnvironment);
    problems.push(`Bound to environment ${bound}, verifying ${code(environment)}`);
  }
  if (problems.length > 0) {
    return { ...base, status: "unexpected", notes: problems.join("; ") };
  }
  const boundTo =
    input.boundEnvironment === null ? "" : `, bound to ${code(input.boundEnvironment)}`;
  return { ...base, status: "verified", notes: `${expected}${boundTo}` };
}

export function buildVerificationReport(input: VerificationInput): VerificationReport {
  const present = new Set(input.tables);
  const ignored = new Set(input.ignoreTables ?? []);
  const selected = new Set(input.modules);
  const known = new Set([...CORE_TABLES, ...RBAC_TABLES, ...EXPERIENCE_TABLES]);
  const extras = sorted([...present].filter((name) => !known.has(name) && !ignored.has(name)));
  const rows = [
    databaseRow(input, input.expectedDatabase ?? DEFAULT_EXPECTED_DATABASE),
    coreRow(present, extras),
    supabaseRow(input, input.expectedProjectRef ?? DEFAULT_EXPECTED_PROJECT_REF),
    moduleRow("RBAC tables", "rbac", RBAC_TABLES, selected.has("rbac"), present),
    moduleRow(
      "Experience Platform tables",
      "experience",
      EXPERIENCE_TABLES,
      selected.has("experience"),
      present,
    ),
  ];
  return {
    database: input.database,
    checkedAt: input.checkedAt.toISOString(),
    method: input.method,
    rows,
    gaps: rows.filter((row) => row.status === "missing" || row.status === "unexpected").length,
  };
}

/** `2026-11-25T16:02:03.456Z` → `2026-11-25 16:02:03 UTC`. */
export function formatCheckedAt(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** The Verification Status section, as Markdown, with this run's time, method and gap count. */
export function renderVerificationTable(report: VerificationReport): string {
  const lines = [
    "## Verification Status",
    "",
    `**Last Verified:** ${formatCheckedAt(report.checkedAt)}`,
    `**Method:** ${report.method}`,
    "",
    "| Check | Status | Notes |",
    "|-------|--------|-------|",
    ...report.rows.map(
      (row) => `| ${cell(row.check)} | ${STATUS_LABELS[row.status]} | ${cell(row.notes)} |`,
    ),
    "",
    `**Gaps:** ${report.gaps}`,
  ];
  return `${lines.join("\n")}\n`;
}

export interface CollectOptions {
  modules: readonly string[];
  environment?: string | null;
  expectedProjectRef?: string;
  expectedDatabase?: string;
  method?: string;
  ignoreTables?: readonly string[];
  /** Injected clock for reproducible reports; defaults to the current time. */
  now?: () => Date;
}

/**
 * Reads what the report needs: the database name, the tables in `public` (extension-owned tables
 * excluded) and, when `gaia_migrations.binding` exists, its environment and project ref.
 */
export async function collectVerificationInput(
  client: pg.ClientBase,
  options: CollectOptions,
): Promise<VerificationInput> {
  const checkedAt = (options.now ?? (() => new Date()))();
  const { rows } = await client.query<{
    database: string;
    has_binding: boolean;
    tables: string[];
  }>(
    `SELECT current_database() AS database,
            to_regclass('gaia_migrations.binding') IS NOT NULL AS has_binding,
            ARRAY(SELECT c.relname::text FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                      WHERE d.classid = 'pg_class'::regclass
                                        AND d.objid = c.oid AND d.deptype = 'e')) AS tables`,
  );
  const facts = rows[0]!;
  let boundEnvironment: string | null = null;
  let boundProjectRef: string | null = null;
  if (facts.has_binding) {
    const binding = await client.query<{
      environment: string | null;
      supabase_project_ref: string | null;
    }>("SELECT environment, supabase_project_ref FROM gaia_migrations.binding LIMIT 1");
    boundEnvironment = binding.rows[0]?.environment ?? null;
    boundProjectRef = binding.rows[0]?.supabase_project_ref ?? null;
  }
  return {
    database: facts.database,
    expectedDatabase: options.expectedDatabase ?? DEFAULT_EXPECTED_DATABASE,
    // Sorted here, not in SQL: ORDER BY follows the database's collation.
    tables: sorted(facts.tables),
    modules: options.modules,
    environment: options.environment ?? null,
    boundEnvironment,
    boundProjectRef,
    expectedProjectRef: options.expectedProjectRef ?? DEFAULT_EXPECTED_PROJECT_REF,
    checkedAt,
    method: options.method ?? DEFAULT_METHOD,
    ignoreTables: options.ignoreTables ?? [],
  };
}
