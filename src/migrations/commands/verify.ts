/** `gaia-db verify <env>`: the "Verification Status" report of the live database (read-only). */
import type { Environment, Module } from "../../shared/vocabulary";
import { type CommonOptions, selectedModules, withReadOnlySession } from "../session";
import {
  buildVerificationReport,
  collectVerificationInput,
  renderVerificationTable,
  type VerificationReport,
} from "../verify";

export interface VerifyOptions extends CommonOptions {
  supabaseProjectRef?: string;
  /** The project ref the environment should be bound to (default: supabaseProjectRef, else gaia-platform-v2). */
  expectedProjectRef?: string;
  /** The database name the report expects (default llm_platform). */
  expectedDatabase?: string;
  now?: () => Date;
}

export interface VerifyResult {
  environment: Environment;
  modules: Module[];
  report: VerificationReport;
  table: string;
}

/** Read-only: the "Verification Status" report of the live database for the selected modules. */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  return withReadOnlySession(options, "verify", async (_db, _p, ledger, client) => {
    const modules = selectedModules(options, ledger.binding);
    const expectedProjectRef = options.expectedProjectRef ?? options.supabaseProjectRef;
    const input = await collectVerificationInput(client, {
      modules,
      environment: options.environment,
      ignoreTables: ["schema_migrations"],
      ...(expectedProjectRef ? { expectedProjectRef } : {}),
      ...(options.expectedDatabase ? { expectedDatabase: options.expectedDatabase } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const report = buildVerificationReport(input);
    return {
      environment: options.environment,
      modules,
      report,
      table: renderVerificationTable(report),
    };
  });
}
