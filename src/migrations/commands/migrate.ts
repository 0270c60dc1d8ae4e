/**
 * `gaia-db migrate`: applies every pending file of the selected modules under the migration lock,
 * binding the database on its first run (and adopting an unmanaged one with a declared baseline).
 */
import { refusedError as refused } from "../../shared/errors";
import type { Environment, Module } from "../../shared/vocabulary";
import {
  analyse,
  bindingRefusal,
  bindingUpdate,
  dirtyDatabaseMessage,
  firstCoreVersion,
  refusals,
  rowKey,
  vectorUnavailableMessage,
} from "../analysis";
import { applyFile, type StatementObserver } from "../apply";
import {
  loadMigrationSet,
  type MigrationFile,
  type PreparedStatement,
  prepareStatements,
} from "../files";
import { type HeldFile, holdBack } from "../heldBack";
import { ensureLedger, LEDGER_VERSION, readLedger } from "../ledger";
import { writeBinding } from "../ledgerWrites";
import {
  type CommonOptions,
  type ProgressEvent,
  readLedgerIfAny,
  selectedModules,
  serverOf,
  withLockedSession,
} from "../session";
import { SessionGuard, sessionWarning } from "../sessionState";

/**
 * Baseline, with the catalog snapshot and scratch database it needs, loads only when migrate
 * adopts an unmanaged database: every run of `gaia-db migrate` would otherwise pay for loading
 * them. `require` under the binary's CommonJS hook, `import()` elsewhere (as src/cli/lazy.ts).
 */
function loadBaseline(): Promise<typeof import("./baseline.ts")> {
  return typeof require === "function" && ".ts" in require.extensions
    ? Promise.resolve(require("./baseline.ts") as typeof import("./baseline.ts"))
    : import("./baseline.ts");
}

export interface MigrateOptions extends CommonOptions {
  supabaseProjectRef?: string;
  /** Sets binding.isolation_enforced when given. */
  isolation?: boolean;
  /** Advisory lock wait (default 60 s). */
  lockTimeoutMs?: number;
  /** Declared baseline (`gaia:migrations.baseline`), used only on an unmanaged database. */
  baseline?: string;
  /** Must equal "production" to baseline production from migrate. */
  confirm?: string;
  acceptDrift?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Called around every statement applied (the schema review measures locks with it). */
  observe?: StatementObserver;
  /** Files held back since a restore (gaia:migrations.heldBack, src/migrations/heldBack.ts). */
  heldBack?: readonly HeldFile[];
}

export interface AppliedFileReport {
  file: string;
  durationMs: number;
  statements: number;
  /** 0 unless a no-transaction file resumed after a failure. */
  resumedAt: number;
}

export interface MigrateResult {
  environment: Environment;
  database: string;
  modules: Module[];
  applied: AppliedFileReport[];
  baselined: string[];
  drift: string[];
  upToDate: number;
  roundTrips: number;
  /** Files that changed the session, and what changed (the session was put back after each). */
  warnings: string[];
  /** Pending files not applied because of gaia:migrations.heldBack, and why. */
  held: { file: string; reason: string }[];
  /** Held-back entries that hold nothing back any more, and why. */
  released: { file: string; reason: string }[];
}

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  return withLockedSession(options, "migrate", async (db, p, client) => {
    let ledger = await readLedgerIfAny(db, p);
    const modules = selectedModules(options, ledger.binding);
    const files = loadMigrationSet(options.migrationsDir, modules);

    const bindingProblem = bindingRefusal(
      ledger,
      options.environment,
      options.supabaseProjectRef,
      p.database,
    );
    if (bindingProblem) throw refused(bindingProblem);

    let baselined: string[] = [];
    let drift: string[] = [];
    const warnings: string[] = [];
    if (ledger.rows.length === 0 && p.public_tables > 0) {
      if (!options.baseline) {
        throw refused(dirtyDatabaseMessage(p, options.environment, firstCoreVersion(files)));
      }
      if (options.environment === "production" && options.confirm !== "production") {
        throw refused(
          `baselining the production database ${p.database} needs an explicit confirmation: pass --confirm production together with --baseline ${options.baseline}`,
        );
      }
      const { baselineLocked } = await loadBaseline();
      const result = await baselineLocked(db, p, client, {
        ...options,
        to: options.baseline,
        acceptDrift: options.acceptDrift ?? false,
      });
      baselined = result.baselined;
      drift = result.drift;
      warnings.push(...result.warnings);
      ledger = await readLedger(db);
    }

    const analysis = analyse(files, ledger.rows, modules);
    const problems = refusals(analysis, options.environment, modules, options.migrationsDir);
    if (problems.length > 0) throw refused(problems.join("\n"));

    const pending = analysis.files.filter((f) => f.state === "pending" || f.state === "partial");
    const hold = holdBack(
      pending,
      options.heldBack ?? [],
      new Map(files.map((f) => [f.relativePath, f.checksum])),
    );
    const todo = hold.apply;
    if (todo.some((f) => f.module === "vector") && !p.vector_available) {
      throw refused(vectorUnavailableMessage(p.database, serverOf(options.databaseUrl)));
    }
    // Prepare (split) every pending file before touching the database, so a bad file refuses
    // before anything is applied.
    const fileByPath = new Map(files.map((f) => [f.relativePath, f]));
    const prepared: { file: MigrationFile; statements: PreparedStatement[] }[] = [];
    for (const t of todo) {
      const file = fileByPath.get(t.file) as MigrationFile;
      prepared.push({ file, statements: await prepareStatements(file) });
    }

    const ledgerReady = p.ledger_version === LEDGER_VERSION;
    const bindingWrite = bindingUpdate(ledger.binding, options, modules);
    if (!ledgerReady) await ensureLedger(db);
    if (bindingWrite) await writeBinding(db, bindingWrite, ledger.binding === null);

    const rowByKey = new Map(ledger.rows.map((r) => [rowKey(r.module, r.version), r]));
    const applied: AppliedFileReport[] = [];
    // The session before the first file: every file starts on it, as in a run of its own.
    const guard = prepared.length > 0 ? await SessionGuard.capture(db) : null;
    for (const { file, statements } of prepared) {
      const row = rowByKey.get(rowKey(file.module, file.version));
      const resumeAt = row?.statements_applied ?? 0;
      options.onProgress?.({
        type: "file-start",
        file: file.relativePath,
        statements: statements.length,
        resumeAt,
      });
      const { durationMs, sessionChanges } = await applyFile(
        db,
        file,
        statements,
        row,
        options,
        guard as SessionGuard,
      );
      options.onProgress?.({
        type: "file-done",
        file: file.relativePath,
        durationMs,
        statements: statements.length,
      });
      applied.push({
        file: file.relativePath,
        durationMs,
        statements: statements.length,
        resumedAt: resumeAt,
      });
      if (sessionChanges.length > 0) {
        const message = sessionWarning(file.relativePath, sessionChanges);
        warnings.push(message);
        options.onProgress?.({ type: "warning", message });
      }
    }
    return {
      environment: options.environment,
      database: p.database,
      modules,
      applied,
      baselined,
      drift,
      upToDate: analysis.files.length - pending.length,
      held: hold.held,
      released: hold.released,
      // +1: the lock release that follows in finally.
      roundTrips: db.roundTrips + 1,
      warnings,
    };
  });
}
