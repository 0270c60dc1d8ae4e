/**
 * The runner's decisions, pure: the state of every file against the ledger, what makes migrate
 * refuse, the binding checks and what a run changes in the binding, and the messages they print.
 */
import {
  type Environment,
  isolationEnforcedByDefault,
  MODULES,
  type Module,
} from "../shared/vocabulary";
import { type MigrationFile, NO_TRANSACTION_MARKER, type PreparedStatement } from "./files";
import type { Binding, LedgerRow, LedgerState } from "./ledger";
import type { Preflight } from "./session";

export type FileState = "applied" | "baseline" | "pending" | "partial" | "changed" | "out-of-order";

export interface FileStatus {
  file: string;
  module: Module;
  version: string;
  state: FileState;
  checksum: string;
  ledgerChecksum: string | null;
  noTransaction: boolean;
  appliedAt: string | null;
  statementsApplied: number | null;
  statementsTotal: number | null;
  drift: string | null;
}

export interface Analysis {
  files: FileStatus[];
  /** Ledger rows of selected modules whose file is gone. */
  missing: LedgerRow[];
  /** Modules with ledger rows that are not selected. */
  removedModules: { module: string; files: number }[];
}

export const rowKey = (module: string, version: string) => `${module}/${version}`;

export function analyse(
  files: readonly MigrationFile[],
  rows: readonly LedgerRow[],
  modules: readonly Module[],
): Analysis {
  const byKey = new Map(rows.map((r) => [rowKey(r.module, r.version), r]));
  const maxApplied = new Map<string, string>();
  for (const r of rows) {
    const current = maxApplied.get(r.module);
    if (current === undefined || r.version > current) maxApplied.set(r.module, r.version);
  }
  const statuses: FileStatus[] = files.map((f) => {
    const row = byKey.get(rowKey(f.module, f.version));
    let state: FileState;
    if (!row) {
      const max = maxApplied.get(f.module);
      state = max !== undefined && f.version < max ? "out-of-order" : "pending";
    } else if (row.finished_at === null) state = "partial";
    else if (row.checksum !== f.checksum) state = "changed";
    else state = row.kind === "baseline" ? "baseline" : "applied";
    return {
      file: f.relativePath,
      module: f.module,
      version: f.version,
      state,
      checksum: f.checksum,
      ledgerChecksum: row?.checksum ?? null,
      noTransaction: f.noTransaction,
      appliedAt: row?.finished_at ?? null,
      statementsApplied: row?.statements_applied ?? null,
      statementsTotal: row?.statements_total ?? null,
      drift: row?.drift ?? null,
    };
  });
  const onDisk = new Set(files.map((f) => rowKey(f.module, f.version)));
  const selected = new Set<string>(modules);
  const missing = rows.filter(
    (r) => selected.has(r.module) && !onDisk.has(rowKey(r.module, r.version)),
  );
  const removed = new Map<string, number>();
  for (const r of rows) {
    if (!selected.has(r.module)) removed.set(r.module, (removed.get(r.module) ?? 0) + 1);
  }
  return {
    files: statuses,
    missing,
    removedModules: [...removed].map(([module, n]) => ({ module, files: n })),
  };
}

/** One line per problem that makes migrate refuse (empty = may proceed). */
export function refusals(
  analysis: Analysis,
  environment: Environment,
  modules: readonly Module[],
  migrationsDir: string,
): string[] {
  const out: string[] = [];
  // One hint that keeps every removed module: following a hint must not trip over the next one.
  const removed = new Set(analysis.removedModules.map((r) => r.module));
  const keep = MODULES.filter((m) => modules.includes(m) || removed.has(m)).join(",");
  for (const { module, files } of analysis.removedModules) {
    out.push(
      `module "${module}" was applied to this database (${files} file${files === 1 ? "" : "s"} in the ledger) but is not in the module list (${modules.join(",")}): modules are never removed; keep it by adding it to gaia:migrations.modules or passing --modules ${keep}`,
    );
  }
  for (const r of analysis.missing) {
    out.push(
      `${r.module}/${r.version}_${r.name}.sql was applied but is missing from ${migrationsDir}: restore it from version control (migrations are roll-forward only; never delete an applied file)`,
    );
  }
  const applied = analysis.files.filter((f) => f.state !== "pending" && f.state !== "out-of-order");
  for (const f of analysis.files) {
    if (f.state === "changed") {
      out.push(
        `${f.file} was changed after it was applied (ledger checksum ${short(f.ledgerChecksum)}, file ${short(f.checksum)}): restore the applied text and put the change in a new file; if the edit is equivalent (comments, formatting), record it with: gaia-db repair ${environment} --file ${f.file}`,
      );
    } else if (f.state === "partial" && !f.noTransaction) {
      out.push(
        `${f.file} is partly applied (${f.statementsApplied} of ${f.statementsTotal} statements, recorded while it ran statement by statement as a "${NO_TRANSACTION_MARKER}" file) but its first line is no longer that marker: the file changed mode mid-application, and running it again in one transaction would repeat the applied statements; put "${NO_TRANSACTION_MARKER}" back as its first line so migrate resumes at statement ${(f.statementsApplied ?? 0) + 1}`,
      );
    } else if (f.state === "out-of-order") {
      const later = applied.filter((a) => a.module === f.module && a.version > f.version);
      const last = later[later.length - 1];
      out.push(
        `${f.file} is not applied but a later version (${last?.file ?? "?"}) already is: out-of-order files are refused; renumber it after the last applied version of module ${f.module}`,
      );
    }
  }
  return out;
}

const short = (sum: string | null) => (sum ? sum.slice(0, 12) : "none");

export function bindingRefusal(
  ledger: LedgerState,
  environment: Environment,
  supabaseProjectRef: string | undefined,
  database: string,
): string | null {
  const binding = ledger.binding;
  if (!binding) {
    // No ledger rows: a new database, bound by this run. Rows without a binding: someone removed
    // it, and nothing says which environment the database serves any more.
    if (ledger.rows.length === 0) return null;
    return `database ${database} has ${ledger.rows.length} file${ledger.rows.length === 1 ? "" : "s"} in gaia_migrations.applied but no binding, so nothing records which environment it serves: refusing; if it is the ${environment} database, bind it deliberately: gaia-db bind ${environment} --supabase-project-ref <ref> --confirm ${environment}`;
  }
  if (binding.environment !== environment) {
    return `database ${database} is bound to environment "${binding.environment}", not "${environment}": a ${environment} stack is pointed at the ${binding.environment} database; fix the database URL, or if this database really moved to ${environment}, rebind it deliberately: gaia-db bind ${environment} --supabase-project-ref <ref> --confirm ${environment}`;
  }
  if (
    supabaseProjectRef !== undefined &&
    binding.supabase_project_ref !== null &&
    binding.supabase_project_ref !== supabaseProjectRef
  ) {
    return `database ${database} (environment ${environment}) is bound to Supabase project "${binding.supabase_project_ref}", not "${supabaseProjectRef}": fix gaia:supabase project ref for this stack, or rebind deliberately: gaia-db bind ${environment} --supabase-project-ref ${supabaseProjectRef} --confirm ${environment}`;
  }
  return null;
}

export function dirtyDatabaseMessage(
  p: Preflight,
  environment: Environment,
  version: string,
): string {
  return `database ${p.database} already has ${p.public_tables} table${p.public_tables === 1 ? "" : "s"} in schema public but no gaia_migrations ledger: refusing to run migrations over an unmanaged schema; adopt it after checking it matches the migration files with: gaia-db baseline ${environment} --to ${version} --confirm ${environment}`;
}

export function vectorUnavailableMessage(database: string, server: string): string {
  return `module "vector" needs the PostgreSQL extension "vector" (pgvector), which the server ${server} (database ${database}) does not offer (pg_available_extensions has no "vector"): install pgvector on that server (e.g. the pgvector/pgvector:pg15 image or the postgresql-15-pgvector package), or drop "vector" from gaia:migrations.modules`;
}

/**
 * The no-transaction file at which migrate checks for INVALID indexes first: the first one it
 * would run, and how its message words the moment (null = none pending).
 */
export function firstNoTransactionStep(
  files: readonly FileStatus[],
): { file: string; when: string } | null {
  const f = files.find((x) => x.noTransaction && (x.state === "pending" || x.state === "partial"));
  if (!f) return null;
  return { file: f.file, when: f.state === "partial" ? "before resuming," : "before running," };
}

/** Refuses a no-transaction file while INVALID indexes exist (null = there are none). */
export function invalidIndexRefusal(
  file: string,
  names: readonly string[],
  when: string,
): string | null {
  if (names.length === 0) return null;
  return `${file}: ${when} the database has ${names.length === 1 ? "an INVALID index" : "INVALID indexes"} (${names.join(", ")}), left by a failed or interrupted CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: an invalid index is maintained but never used, and CREATE INDEX ... IF NOT EXISTS would skip it and record the file as applied; drop ${names.length === 1 ? "it" : "them"} (${names.map((n) => `DROP INDEX CONCURRENTLY ${n};`).join(" ")}), then run migrate again`;
}

/**
 * Refuses to resume a partly applied no-transaction file whose applied statements changed or
 * were removed (null = it may resume after its last applied statement).
 */
export function resumeRefusal(
  file: MigrationFile,
  statements: readonly PreparedStatement[],
  row: LedgerRow,
): string | null {
  const done = row.statements_applied;
  for (let i = 0; i < done; i++) {
    const s = statements[i];
    if (!s || s.checksum !== row.statement_checksums[i]) {
      return `${file.relativePath}: statement ${i + 1}${s ? ` (line ${s.line})` : ""} was already applied and has changed (or was removed) since: restore it; in a partly applied no-transaction file only the statements after the last applied one (${done} of ${row.statements_total}) may change`;
    }
  }
  return null;
}

export function firstCoreVersion(files: readonly MigrationFile[]): string {
  return files.find((f) => f.module === "core")?.version ?? "0001";
}

export interface BindingWrite {
  environment: Environment;
  supabaseProjectRef: string | null;
  isolation: boolean;
  modules: Module[];
  events: { event: "bind" | "rebind" | "isolation" | "modules"; detail: string }[];
}

/** What must change in the binding row (null = nothing: a no-op run writes nothing). */
export function bindingUpdate(
  binding: Binding | null,
  options: { environment: Environment; supabaseProjectRef?: string; isolation?: boolean },
  modules: readonly Module[] | null,
): BindingWrite | null {
  if (!binding) {
    return {
      environment: options.environment,
      supabaseProjectRef: options.supabaseProjectRef ?? null,
      // The environment's default, the one gaia:isolation.enforce has: on for production.
      isolation: options.isolation ?? isolationEnforcedByDefault(options.environment),
      modules: [...(modules ?? ["core"])],
      events: [
        {
          event: "bind",
          detail: `bound to environment ${options.environment}${options.supabaseProjectRef ? ` and Supabase project ${options.supabaseProjectRef}` : ""}`,
        },
      ],
    };
  }
  const events: BindingWrite["events"] = [];
  let ref = binding.supabase_project_ref;
  if (ref === null && options.supabaseProjectRef !== undefined) {
    ref = options.supabaseProjectRef;
    events.push({ event: "bind", detail: `bound to Supabase project ${ref}` });
  }
  let isolation = binding.isolation_enforced;
  if (options.isolation !== undefined && options.isolation !== isolation) {
    isolation = options.isolation;
    events.push({ event: "isolation", detail: `isolation_enforced ${!isolation} -> ${isolation}` });
  }
  let next = binding.modules as Module[];
  if (modules && modules.join(",") !== binding.modules.join(",")) {
    next = [...modules];
    events.push({
      event: "modules",
      detail: `modules ${binding.modules.join(",")} -> ${modules.join(",")}`,
    });
  }
  if (events.length === 0) return null;
  return {
    environment: binding.environment,
    supabaseProjectRef: ref,
    isolation,
    modules: next,
    events,
  };
}
