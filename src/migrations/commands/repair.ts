/** `gaia-db repair`: records the new checksum of an applied file whose edit changes nothing. */
import { refusedError as refused, usageError } from "../../shared/errors";
import { type Environment, MODULES, type Module } from "../../shared/vocabulary";
import { bindingRefusal } from "../analysis";
import { loadMigrationSet, prepareStatements } from "../files";

import { recordRepair } from "../ledgerWrites";
import { type CommonOptions, readLedgerIfAny, withLockedSession } from "../session";

export interface RepairOptions extends CommonOptions {
  file: string;
  supabaseProjectRef?: string;
  lockTimeoutMs?: number;
}

export interface RepairResult {
  environment: Environment;
  file: string;
  repaired: boolean;
  oldChecksum: string;
  newChecksum: string;
}

export async function repair(options: RepairOptions): Promise<RepairResult> {
  const match = /^([a-z]+)\/(\d{4})_[^/]+\.sql$/.exec(options.file);
  if (!match || !(MODULES as readonly string[]).includes(match[1] as string)) {
    throw usageError(
      `--file ${options.file}: give the file as <module>/NNNN_name.sql, e.g. --file core/0003_add_index.sql`,
    );
  }
  const module = match[1] as Module;
  return withLockedSession(options, "repair", async (db, p) => {
    const files = loadMigrationSet(options.migrationsDir, [module]);
    const file = files.find((f) => f.relativePath === options.file);
    if (!file) {
      throw usageError(`--file ${options.file}: no such file in ${options.migrationsDir}`);
    }
    const ledger = await readLedgerIfAny(db, p);
    // The same check as migrate: repairing the ledger of another environment's database is
    // as wrong as migrating it.
    const bindingProblem = bindingRefusal(
      ledger,
      options.environment,
      options.supabaseProjectRef,
      p.database,
    );
    if (bindingProblem) throw refused(bindingProblem);
    const row = ledger.rows.find((r) => r.module === file.module && r.version === file.version);
    if (!row) {
      throw refused(
        `${file.relativePath} has not been applied to database ${p.database}: there is nothing to repair; gaia-db migrate ${options.environment} applies it`,
      );
    }
    if (row.finished_at === null) {
      throw refused(
        `${file.relativePath} is a partly applied no-transaction file (${row.statements_applied} of ${row.statements_total} statements): do not repair it; fix the failing statement and run gaia-db migrate ${options.environment} to resume`,
      );
    }
    if (row.checksum === file.checksum) {
      return {
        environment: options.environment,
        file: file.relativePath,
        repaired: false,
        oldChecksum: row.checksum,
        newChecksum: file.checksum,
      };
    }
    const statements = await prepareStatements(file);
    await recordRepair(db, file, statements, row.checksum);
    return {
      environment: options.environment,
      file: file.relativePath,
      repaired: true,
      oldChecksum: row.checksum,
      newChecksum: file.checksum,
    };
  });
}
