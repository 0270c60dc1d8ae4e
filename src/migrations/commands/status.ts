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
  refusals,
  vectorUnavailableMessage,
} from "../analysis";
import { loadMigrationSet } from "../files";
import type { Binding } from "../ledger";
import {
  type CommonOptions,
  ownerProblem,
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

export async function status(
  options: CommonOptions & { supabaseProjectRef?: string },
): Promise<StatusResult> {
  return withReadOnlySession(options, "status", async (_db, p, ledger) => {
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
  });
}
