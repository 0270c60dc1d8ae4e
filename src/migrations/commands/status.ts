/**
 * `gaia-db status`: every file's state against the ledger, the binding, and why migrate would
 * refuse right now. Read-only: no lock, nothing created.
 */
import type { Environment, Module } from "../../shared/vocabulary";
import {
  analyse,
  bindingRefusal,
  dirtyDatabaseMessage,
  type FileStatus,
  firstCoreVersion,
  firstNoTransactionStep,
  invalidIndexRefusal,
  refusals,
  vectorUnavailableMessage,
} from "../analysis";
import { invalidIndexes } from "../apply";
import { loadMigrationSet } from "../files";
import type { Binding, Db, LedgerState } from "../ledger";
import {
  type CommonOptions,
  ownerProblem,
  type Preflight,
  selectedModules,
  serverOf,
  withReadOnlySession,
} from "../session";

export interface StatusResult {
  environment: Environment;
  database: string;
  modules: Module[];
  managed: boolean;
  binding: Binding | null;
  files: FileStatus[];
  missing: { file: string; appliedAt: string | null }[];
  pending: string[];
  /** Reasons migrate would refuse right now. */
  refusals: string[];
}

export type StatusOptions = CommonOptions & { supabaseProjectRef?: string };

export async function status(options: StatusOptions): Promise<StatusResult> {
  return withReadOnlySession(options, "status", (db, p, ledger) =>
    readStatus(db, p, ledger, options),
  );
}

/** Status on an open read-only session (plan builds on it). */
export async function readStatus(
  db: Db,
  p: Preflight,
  ledger: LedgerState,
  options: StatusOptions,
): Promise<StatusResult> {
  const modules = selectedModules(options, ledger.binding);
  const files = loadMigrationSet(options.migrationsDir, modules);
  const analysis = analyse(files, ledger.rows, modules);
  const problems: string[] = [];
  const owner = ownerProblem(p);
  if (owner) problems.push(owner);
  const b = bindingRefusal(ledger, options.environment, options.supabaseProjectRef, p.database);
  if (b) problems.push(b);
  if (ledger.rows.length === 0 && p.public_tables > 0) {
    problems.push(dirtyDatabaseMessage(p, options.environment, firstCoreVersion(files)));
  }
  problems.push(...refusals(analysis, options.environment, modules, options.migrationsDir));
  const pending = analysis.files.filter(
    (f) => f.state === "pending" || f.state === "partial" || f.state === "out-of-order",
  );
  if (pending.some((f) => f.module === "vector") && !p.vector_available) {
    problems.push(vectorUnavailableMessage(p.database, serverOf(options.databaseUrl)));
  }
  // migrate looks for INVALID indexes before its first no-transaction file; so does status.
  const step = firstNoTransactionStep(analysis.files);
  if (step) {
    const invalid = invalidIndexRefusal(step.file, await invalidIndexes(db), step.when);
    if (invalid) problems.push(invalid);
  }
  return {
    environment: options.environment,
    database: p.database,
    modules,
    managed: ledger.rows.length > 0,
    binding: ledger.binding,
    files: analysis.files,
    missing: analysis.missing.map((r) => ({
      file: `${r.module}/${r.version}_${r.name}.sql`,
      appliedAt: r.finished_at,
    })),
    pending: pending.map((f) => f.file),
    refusals: problems,
  };
}
