/** `gaia-db plan`: what `migrate` would do, refusals included, without doing it (read-only). */
import { ExitCode, GaiaDbError } from "../../shared/errors";
import { resumeRefusal } from "../analysis";
import {
  loadMigrationSet,
  type MigrationFile,
  type PreparedStatement,
  prepareStatements,
} from "../files";
import { withReadOnlySession } from "../session";
import { readStatus, type StatusOptions, type StatusResult } from "./status";

export interface PlanStep {
  file: string;
  transaction: boolean;
  statements: number;
  /** First statement to run (1-based); > 1 when a no-transaction file resumes. */
  fromStatement: number;
}

export interface PlanResult extends StatusResult {
  steps: PlanStep[];
}

/** What `migrate` would do, without doing it. */
export async function plan(options: StatusOptions): Promise<PlanResult> {
  return withReadOnlySession(options, "plan", async (db, p, ledger) => {
    const s = await readStatus(db, p, ledger, options);
    const files = loadMigrationSet(options.migrationsDir, s.modules);
    const byPath = new Map(files.map((f) => [f.relativePath, f]));
    const steps: PlanStep[] = [];
    for (const f of s.files) {
      if (f.state !== "pending" && f.state !== "partial") continue;
      const file = byPath.get(f.file) as MigrationFile;
      let statements: PreparedStatement[];
      try {
        statements = await prepareStatements(file);
      } catch (err) {
        // A refusal of the file is what plan reports; anything else (the parser failed) fails it.
        if (!(err instanceof GaiaDbError) || err.exitCode !== ExitCode.refused) throw err;
        s.refusals.push(err.message);
        continue;
      }
      const row = ledger.rows.find((r) => r.module === file.module && r.version === file.version);
      if (f.state === "partial" && file.noTransaction && row) {
        const problem = resumeRefusal(file, statements, row);
        if (problem) s.refusals.push(problem);
      }
      steps.push({
        file: f.file,
        transaction: !file.noTransaction,
        statements: statements.length,
        fromStatement: (f.state === "partial" ? (f.statementsApplied ?? 0) : 0) + 1,
      });
    }
    return { ...s, steps };
  });
}
