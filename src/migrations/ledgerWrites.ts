/**
 * Every write to the ledger (`gaia_migrations.applied`, `binding`, `history`): the rows of applied
 * and baselined files, the progress of a no-transaction file, a repaired checksum, the binding and
 * the history of its changes. The runner's other modules decide; this one writes.
 */
import { hostname, userInfo } from "node:os";
import type { Environment } from "../shared/vocabulary";
import type { BindingWrite } from "./analysis";
import type { MigrationFile, PreparedStatement } from "./files";
import { type Db, inTransaction } from "./ledger";

/** Who runs the command, recorded next to current_user: user@host. */
export const clientName = () => {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
};

export interface HistoryEvent {
  event: "bind" | "rebind" | "isolation" | "modules" | "repair" | "baseline";
  module?: string;
  version?: string;
  oldChecksum?: string;
  newChecksum?: string;
  detail?: string;
  client?: string;
}

export async function recordHistory(db: Db, e: HistoryEvent): Promise<void> {
  await db.query(
    `INSERT INTO gaia_migrations.history (event, module, version, old_checksum, new_checksum, detail, client)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      e.event,
      e.module ?? null,
      e.version ?? null,
      e.oldChecksum ?? null,
      e.newChecksum ?? null,
      e.detail ?? null,
      e.client ?? null,
    ],
  );
}

/** The row of a file applied in one transaction, sent inside that transaction before COMMIT. */
export async function recordAppliedFile(
  db: Db,
  file: MigrationFile,
  statements: readonly PreparedStatement[],
  durationMs: number,
): Promise<void> {
  await db.query(
    `INSERT INTO gaia_migrations.applied
       (module, version, name, checksum, started_at, finished_at, duration_ms,
        statements_applied, statements_total, statement_checksums, kind, applied_by)
     VALUES ($1, $2, $3, $4, now(), clock_timestamp(), $5, $6, $6, $7, 'applied', current_user || ' (' || $8 || ')')`,
    [
      file.module,
      file.version,
      file.name,
      file.checksum,
      durationMs,
      statements.length,
      statements.map((s) => s.checksum),
      clientName(),
    ],
  );
}

/** A no-transaction file starts: its row with no statement applied yet. */
export async function startNoTransactionFile(
  db: Db,
  file: MigrationFile,
  statements: readonly PreparedStatement[],
): Promise<void> {
  await db.query(
    `INSERT INTO gaia_migrations.applied
       (module, version, name, checksum, statements_applied, statements_total, applied_by)
     VALUES ($1, $2, $3, $4, 0, $5, current_user || ' (' || $6 || ')')`,
    [file.module, file.version, file.name, file.checksum, statements.length, clientName()],
  );
}

/** Statement `index` (0-based) of a no-transaction file is applied. */
export async function recordStatementApplied(
  db: Db,
  file: MigrationFile,
  statements: readonly PreparedStatement[],
  index: number,
): Promise<void> {
  await db.query(
    `UPDATE gaia_migrations.applied
        SET statements_applied = $3, statements_total = $4,
            statement_checksums = statement_checksums[1:$3 - 1] || $5::text
      WHERE module = $1 AND version = $2`,
    [file.module, file.version, index + 1, statements.length, statements[index]?.checksum],
  );
}

/** Every statement of a no-transaction file is applied. */
export async function finishNoTransactionFile(
  db: Db,
  file: MigrationFile,
  durationMs: number,
): Promise<void> {
  await db.query(
    `UPDATE gaia_migrations.applied
        SET finished_at = clock_timestamp(), duration_ms = $3, checksum = $4, name = $5
      WHERE module = $1 AND version = $2`,
    [file.module, file.version, durationMs, file.checksum, file.name],
  );
}

/**
 * Baseline: the adopted files as applied (kind baseline, with any accepted drift), in one
 * transaction that also runs `alongside` (the scratch database keeps its roles).
 */
export async function recordBaselineFiles(
  db: Db,
  files: readonly { file: MigrationFile; statements: readonly PreparedStatement[] }[],
  drift: readonly string[],
  alongside: (db: Db) => Promise<void>,
): Promise<void> {
  const driftText = drift.length > 0 ? drift.join("\n") : null;
  await inTransaction(db, async () => {
    for (const { file, statements } of files) {
      await db.query(
        `INSERT INTO gaia_migrations.applied
           (module, version, name, checksum, finished_at, duration_ms, statements_applied,
            statements_total, statement_checksums, kind, drift, applied_by)
         VALUES ($1, $2, $3, $4, now(), 0, $5, $5, $6, 'baseline', $7, current_user || ' (' || $8 || ')')`,
        [
          file.module,
          file.version,
          file.name,
          file.checksum,
          statements.length,
          statements.map((s) => s.checksum),
          driftText,
          clientName(),
        ],
      );
      await recordHistory(db, {
        event: "baseline",
        module: file.module,
        version: file.version,
        newChecksum: file.checksum,
        detail: drift.length > 0 ? `accepted ${drift.length} differences` : "no drift",
        client: clientName(),
      });
    }
    await alongside(db);
  });
}

/** Repair: the edited file's checksums replace the applied ones, with the old and new in history. */
export async function recordRepair(
  db: Db,
  file: MigrationFile,
  statements: readonly PreparedStatement[],
  oldChecksum: string,
): Promise<void> {
  await inTransaction(db, async () => {
    await db.query(
      `UPDATE gaia_migrations.applied
        SET checksum = $3, statement_checksums = $4, statements_total = $5,
            statements_applied = $5, name = $6
      WHERE module = $1 AND version = $2`,
      [
        file.module,
        file.version,
        file.checksum,
        statements.map((s) => s.checksum),
        statements.length,
        file.name,
      ],
    );
    await recordHistory(db, {
      event: "repair",
      module: file.module,
      version: file.version,
      oldChecksum,
      newChecksum: file.checksum,
      detail: `accepted the edited text of ${file.relativePath} as equivalent`,
      client: clientName(),
    });
  });
}

/**
 * The one write of the binding row, with its history events: what migrate and baseline change
 * (`bindingUpdate`), and `gaia-db bind`'s deliberate (re)bind. `restamp` records a new binding
 * time and role: always for bind, and for migrate and baseline when they bind a database that had
 * no binding (a new row takes them from the columns' defaults).
 */
export async function writeBinding(
  db: Db,
  write: Omit<BindingWrite, "modules"> & { modules: readonly string[] },
  restamp: boolean,
): Promise<void> {
  await db.query(
    `INSERT INTO gaia_migrations.binding (id, environment, supabase_project_ref, isolation_enforced, modules)
     VALUES (true, $1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET environment = EXCLUDED.environment,
       supabase_project_ref = EXCLUDED.supabase_project_ref,
       isolation_enforced = EXCLUDED.isolation_enforced, modules = EXCLUDED.modules
       ${restamp ? ", bound_at = now(), bound_by = current_user" : ""}`,
    [write.environment, write.supabaseProjectRef, write.isolation, write.modules],
  );
  for (const e of write.events) {
    await recordHistory(db, { event: e.event, detail: e.detail, client: clientName() });
  }
}

/** The baseline scratch database's binding: the files' SQL reads bound_environment(). */
export async function bindScratch(db: Db, environment: Environment): Promise<void> {
  await db.query(`INSERT INTO gaia_migrations.binding (environment) VALUES ($1)`, [environment]);
}
