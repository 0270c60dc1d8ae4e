/**
 * Applying one migration file on a session: in one transaction with its ledger row, or statement
 * by statement (a `-- gaia:no-transaction` file) with its progress recorded after each statement;
 * either way followed by the session check (`SessionGuard`), so the next file starts on the session
 * the first one had.
 */
import type pg from "pg";
import { ExitCode, GaiaDbError, refusedError as refused } from "../shared/errors";
import { invalidIndexRefusal, resumeRefusal } from "./analysis";
import type { MigrationFile, PreparedStatement } from "./files";
import type { Db, LedgerRow } from "./ledger";
import {
  finishNoTransactionFile,
  recordAppliedFile,
  recordStatementApplied,
  startNoTransactionFile,
} from "./ledgerWrites";
import { formatSeconds } from "./lock";
import { maskSecrets } from "./postgresUrl";
import {
  type ConnectionOptions,
  DEFAULT_LOCK_WAIT_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  errorText,
} from "./session";
import { SessionGuard } from "./sessionState";

/**
 * One statement being applied, as an observer sees it. `db` is the migrating session: a query sent
 * there while `inTransaction` runs inside the statement's transaction (its file's, or its own in a
 * no-transaction file) and sees its locks; a bare statement (CREATE INDEX CONCURRENTLY, VACUUM)
 * runs outside any transaction block.
 */
export interface StatementEvent {
  file: MigrationFile;
  statement: PreparedStatement;
  /** 0-based position of the statement in its file. */
  index: number;
  inTransaction: boolean;
  db: Db;
}

/**
 * Hooks around each statement migrate applies. They must not throw: an observer records its own
 * failures. `afterStatement` gets the statement's error when it failed; the transaction is then
 * aborted, so it must not query.
 */
export interface StatementObserver {
  beforeStatement(event: StatementEvent): Promise<void>;
  afterStatement(event: StatementEvent & { error?: unknown }): Promise<void>;
}

/** How a file is applied: the session's timeouts, and an optional statement observer. */
export type ApplyOptions = ConnectionOptions & { observe?: StatementObserver };

function statementFailure(
  file: MigrationFile,
  statement: PreparedStatement,
  index: number,
  total: number,
  err: unknown,
  options: ConnectionOptions,
): GaiaDbError {
  const code = (err as { code?: string }).code;
  const text = maskSecrets(errorText(err), [options.databaseUrl]);
  const where = `${file.relativePath} line ${statement.line} (statement ${index + 1} of ${total})`;
  const undone = file.noTransaction
    ? `statements 1-${index} of this no-transaction file are recorded as applied; the next run resumes at statement ${index + 1}${statement.kind.mayLeaveInvalidIndex ? "; a failed CONCURRENTLY build can leave an INVALID index, and the next run refuses until it is dropped with DROP INDEX CONCURRENTLY" : ""}`
    : "the file was rolled back, nothing from it was applied";
  if (code === "55P03") {
    return new GaiaDbError(
      `${where}: could not get a table lock within the lock wait timeout (${formatSeconds(options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS)}): ${text}; ${undone}; another session holds a conflicting lock, so ${file.noTransaction ? "check the database (see gaia-db status) and run migrate again" : "re-running later is safe"} (or raise --lock-wait-timeout)`,
      ExitCode.runtime,
    );
  }
  if (code === "57014") {
    return new GaiaDbError(
      `${where}: cancelled by the statement timeout (${formatSeconds(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS)}): ${text}; ${undone}; ${file.noTransaction ? "run migrate again" : "re-running later is safe"}, or raise --statement-timeout`,
      ExitCode.runtime,
    );
  }
  return new GaiaDbError(
    `${where} failed: ${text}${code ? ` (SQLSTATE ${code})` : ""}; ${undone}; fix the statement and run migrate again (roll forward: files already applied never change)`,
    ExitCode.runtime,
  );
}

/**
 * Sends one migration statement through the extended protocol: the server refuses a text that
 * holds more than one command ("cannot insert multiple commands into a prepared statement"), so a
 * splitter mistake fails loudly instead of running a hidden COMMIT or the next statement unseen.
 */
export function runStatement(db: Db, text: string): Promise<pg.QueryResult> {
  // queryMode is a node-postgres option that @types/pg does not declare.
  return db.query({ text, queryMode: "extended" } as pg.QueryConfig);
}

export interface FileApplied {
  durationMs: number;
  /** What the file changed in the session, put back before the next file (empty = nothing). */
  sessionChanges: string[];
}

export interface ApplyHooks {
  /** Runs inside each transaction of the file, just before its COMMIT. */
  beforeCommit?: (db: Db) => Promise<void>;
}

/** Applies one file (resuming a partly applied no-transaction file at `row`). */
export async function applyFile(
  db: Db,
  file: MigrationFile,
  statements: PreparedStatement[],
  row: LedgerRow | undefined,
  options: ApplyOptions,
  guard: SessionGuard,
  hooks: ApplyHooks = {},
): Promise<FileApplied> {
  if (file.noTransaction) {
    const durationMs = await applyNoTransaction(db, file, statements, row, options, hooks);
    const results = await db.query(guard.checkSql);
    const after = SessionGuard.observed(results, false);
    return { durationMs, sessionChanges: await guard.settle(db, file.relativePath, after) };
  }
  const { durationMs, results } = await applyTransactional(
    db,
    file,
    statements,
    options,
    guard,
    hooks,
  );
  const after = SessionGuard.observed(results, true);
  return { durationMs, sessionChanges: await guard.settle(db, file.relativePath, after) };
}

async function applyTransactional(
  db: Db,
  file: MigrationFile,
  statements: PreparedStatement[],
  options: ApplyOptions,
  guard: SessionGuard,
  hooks: ApplyHooks,
): Promise<{ durationMs: number; results: unknown }> {
  const started = Date.now();
  const observe = options.observe;
  await db.query("BEGIN");
  try {
    for (const [i, s] of statements.entries()) {
      const event = observe && { file, statement: s, index: i, inTransaction: true, db };
      if (event) await observe.beforeStatement(event);
      try {
        await runStatement(db, s.text);
      } catch (err) {
        if (event) await observe.afterStatement({ ...event, error: err });
        throw statementFailure(file, s, i, statements.length, err, options);
      }
      if (event) await observe.afterStatement(event);
    }
    const duration = Date.now() - started;
    await recordAppliedFile(db, file, statements, duration);
    await hooks.beforeCommit?.(db);
    let results: unknown;
    try {
      results = await db.query(guard.commitSql);
    } catch (err) {
      // The session check after COMMIT failed (the file is applied), or the COMMIT itself did.
      if (await isRecorded(db, file)) {
        throw new GaiaDbError(
          `${file.relativePath} is applied, but reading the session state after it failed: ${maskSecrets(errorText(err), [options.databaseUrl])}; run migrate again (a new run starts on a new session)`,
          ExitCode.runtime,
        );
      }
      // e.g. a deferred constraint: the whole file is rolled back by the failed COMMIT.
      throw new GaiaDbError(
        `${file.relativePath} failed at COMMIT: ${maskSecrets(errorText(err), [options.databaseUrl])}${(err as { code?: string }).code ? ` (SQLSTATE ${(err as { code?: string }).code})` : ""}; the file was rolled back, nothing from it was applied; fix it and run migrate again`,
        ExitCode.runtime,
      );
    }
    return { durationMs: duration, results };
  } catch (err) {
    await db.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** Whether `file`'s ledger row is committed (false when that cannot be read either). */
async function isRecorded(db: Db, file: MigrationFile): Promise<boolean> {
  try {
    const { rows } = await db.query(
      "SELECT 1 FROM gaia_migrations.applied WHERE module = $1 AND version = $2 AND finished_at IS NOT NULL",
      [file.module, file.version],
    );
    return rows.length > 0;
  } catch {
    return false;
  }
}

/** INVALID indexes outside the system schemas (left by a failed CONCURRENTLY build). */
export async function invalidIndexes(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT i.indexrelid::regclass::text AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function refuseInvalidIndexes(db: Db, file: MigrationFile, when: string): Promise<void> {
  const problem = invalidIndexRefusal(file.relativePath, await invalidIndexes(db), when);
  if (problem) throw refused(problem);
}

async function applyNoTransaction(
  db: Db,
  file: MigrationFile,
  statements: PreparedStatement[],
  row: LedgerRow | undefined,
  options: ApplyOptions,
  hooks: ApplyHooks,
): Promise<number> {
  const started = Date.now();
  const observe = options.observe;
  let done = 0;
  await refuseInvalidIndexes(db, file, row ? "before resuming," : "before running,");
  if (row) {
    done = row.statements_applied;
    const problem = resumeRefusal(file, statements, row);
    if (problem) throw refused(problem);
  } else {
    await startNoTransactionFile(db, file, statements);
  }
  for (let i = done; i < statements.length; i++) {
    const s = statements[i] as PreparedStatement;
    const waits = s.kind.waitsForOthers;
    // CREATE INDEX CONCURRENTLY (and DETACH PARTITION … CONCURRENTLY) waits for every older
    // transaction: the session lock_timeout would make it fail (and leave an INVALID index) on
    // any busy database.
    if (waits) await db.query("SET lock_timeout = 0");
    // A statement that may run in a transaction commits together with its progress row, so a
    // crash between the two cannot make a resumed run repeat it; only the statements PostgreSQL
    // refuses in a transaction (CONCURRENTLY, VACUUM, …) run bare.
    const atomic = s.kind.outsideTransaction === null;
    const event = observe && { file, statement: s, index: i, inTransaction: atomic, db };
    let failed: unknown;
    try {
      if (atomic) await db.query("BEGIN");
      if (event) await observe.beforeStatement(event);
      await runStatement(db, s.text);
    } catch (err) {
      failed = err ?? new Error("statement failed");
      if (atomic) await db.query("ROLLBACK").catch(() => {});
    }
    if (event)
      await observe.afterStatement(failed === undefined ? event : { ...event, error: failed });
    if (waits) {
      const restore = db.query(
        `SET lock_timeout = ${Math.floor(options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS)}`,
      );
      if (failed === undefined) await restore;
      else await restore.catch(() => {});
    }
    if (failed !== undefined)
      throw statementFailure(file, s, i, statements.length, failed, options);
    if (s.kind.mayLeaveInvalidIndex) {
      await refuseInvalidIndexes(
        db,
        file,
        `after statement ${i + 1} (line ${s.line}), which is not recorded as applied,`,
      );
    }
    await recordStatementApplied(db, file, statements, i);
    if (atomic) {
      await hooks.beforeCommit?.(db);
      await db.query("COMMIT");
    }
  }
  const duration = Date.now() - started;
  await finishNoTransactionFile(db, file, duration);
  return duration;
}
