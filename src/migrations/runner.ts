/**
 * The migration runner: migrate, plan, status, baseline, repair and bind on one `pg` connection.
 *
 * Round trips matter (a no-op `migrate` from CI should cost next to nothing): the session
 * settings travel in the startup packet, the first query both checks the database and tries the
 * lock, the second reads the whole ledger, the third releases the lock.
 */
import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import pg from "pg";
import { ExitCode, GaiaDbError, refusedError as refused, usageError } from "../shared/errors";
import { type Environment, MODULES, type Module, parseModules } from "../shared/vocabulary";
import { type DiffOptions, diffCatalogs, snapshotCatalog } from "./catalog";
import {
  loadMigrationSet,
  type MigrationFile,
  NO_TRANSACTION_MARKER,
  type PreparedStatement,
  prepareStatements,
} from "./files";
import {
  type Binding,
  countingDb,
  type Db,
  ensureLedger,
  inTransaction,
  LEDGER_VERSION,
  type LedgerRow,
  type LedgerState,
  readLedger,
  recordHistory,
} from "./ledger";
import { acquireLock, formatSeconds, LOCK_KEY, releaseLock } from "./lock";
import {
  describeUrl,
  maskSecrets,
  type PostgresUrl,
  parsePostgresUrl,
  pgClientConfig,
  serverOfUrl,
  withParts,
} from "./postgresUrl";
import {
  buildVerificationReport,
  collectVerificationInput,
  renderVerificationTable,
  type VerificationReport,
} from "./verify";

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_LOCK_WAIT_TIMEOUT_MS = 10_000;

export interface ConnectionOptions {
  databaseUrl: string;
  /** Per-session statement_timeout (default 15 min). */
  statementTimeoutMs?: number;
  /** Per-session lock_timeout: how long one statement waits for a table lock (default 10 s). */
  lockWaitTimeoutMs?: number;
  /** Incremented on every query the runner sends (benchmarks and tests count round trips). */
  queryCounter?: { count: number };
}

export interface CommonOptions extends ConnectionOptions {
  environment: Environment;
  migrationsDir: string;
  /** Defaults to the modules recorded by the last migrate, else core. */
  modules?: readonly Module[];
}

export type ProgressEvent =
  | { type: "lock-wait" }
  | { type: "file-start"; file: string; statements: number; resumeAt: number }
  | { type: "file-done"; file: string; durationMs: number; statements: number }
  | { type: "baseline"; files: string[]; drift: string[] };

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
}

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
}

// ---------------------------------------------------------------------------------------------
// Connections

interface Preflight {
  user: string;
  database: string;
  owner: string;
  privileged: boolean;
  ledger_version: string | null;
  ledger_readable: boolean;
  public_tables: number;
  vector_available: boolean;
  locked: boolean | null;
}

/** How the runner's API names a URL it was given in a message (the CLI names the flag). */
const URL_ORIGIN = "the database URL";

/** Describes the target without secrets: user@host:port/database. */
export function describeTarget(url: string): string {
  return describeUrl(parsePostgresUrl(url, URL_ORIGIN));
}

/** The same server and credentials, another database (for the baseline scratch database). */
export function urlWithDatabase(url: string, database: string): string {
  return withParts(url, URL_ORIGIN, { database });
}

/** Sent with every runner connection; a URL's `options` cannot turn it off (see preflight). */
const CONNECTION_CHECK_INTERVAL_MS = 1000;

/**
 * The startup `options`: the URL's own (e.g. a search_path) first, then the runner's, so that
 * where both set a parameter the runner's, given later, wins.
 */
function runnerStartupOptions(url: PostgresUrl): string {
  const ours = `-c client_connection_check_interval=${CONNECTION_CHECK_INTERVAL_MS}`;
  return url.params.options === undefined ? ours : `${url.params.options} ${ours}`;
}

async function connect(
  options: ConnectionOptions,
  applicationName: string,
  database?: string,
): Promise<pg.Client> {
  const parsed = parsePostgresUrl(options.databaseUrl, URL_ORIGIN);
  const url = database ? { ...parsed, database } : parsed;
  const client = new pg.Client({
    ...pgClientConfig(url),
    // Ours, not the URL's application_name: the server's view of who holds the lock.
    application_name: applicationName,
    // Startup parameters: applied by the server with no extra round trip.
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    lock_timeout: options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS,
    connectionTimeoutMillis: 15_000,
    // If this process dies mid-statement, the server notices within a second, rolls back and
    // releases the session lock instead of finishing a long statement for nobody (PG 14+).
    options: runnerStartupOptions(url),
  });
  // A dropped connection must surface as a query error, not crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new GaiaDbError(
      `cannot connect to ${describeUrl(url)}: ${maskSecrets(errorText(err), [options.databaseUrl])}`,
      ExitCode.runtime,
    );
  }
  return client;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return err.message || code || err.name;
  }
  return String(err);
}

const PREFLIGHT_SQL = (tryLock: boolean, statementMs: number, lockMs: number) => `
SELECT set_config('statement_timeout', '${statementMs}', false) AS statement_timeout,
       set_config('lock_timeout', '${lockMs}', false) AS lock_timeout,
       set_config('client_connection_check_interval', '${CONNECTION_CHECK_INTERVAL_MS}', false)
         AS client_connection_check_interval,
       current_user AS user,
       current_database() AS database,
       pg_get_userbyid(d.datdba) AS owner,
       (r.rolsuper OR pg_has_role(current_user, d.datdba, 'MEMBER')) AS privileged,
       obj_description(to_regnamespace('gaia_migrations'), 'pg_namespace') AS ledger_version,
       (to_regclass('gaia_migrations.applied') IS NOT NULL
         AND to_regclass('gaia_migrations.binding') IS NOT NULL) AS ledger_readable,
       (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND c.relname <> 'schema_migrations') AS public_tables,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS vector_available,
       ${tryLock ? "pg_try_advisory_lock($1::bigint)" : "NULL::boolean"} AS locked
  FROM pg_database d, pg_roles r
 WHERE d.datname = current_database() AND r.rolname = current_user`;

/**
 * One round trip: sets the session timeouts and the connection check (also sent at startup, where
 * some proxies drop them; a SET here also outranks anything a URL's `options` or the role's and
 * database's defaults set), checks ownership, the ledger and pgvector, and optionally tries the
 * lock.
 */
async function preflight(db: Db, tryLock: boolean, options: ConnectionOptions): Promise<Preflight> {
  const statementMs = Math.floor(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  const lockMs = Math.floor(options.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS);
  const { rows } = await db.query<Preflight>(
    PREFLIGHT_SQL(tryLock, statementMs, lockMs),
    tryLock ? [LOCK_KEY] : [],
  );
  const row = rows[0];
  if (!row) throw new GaiaDbError("preflight query returned no row", ExitCode.runtime);
  return row;
}

function ownerProblem(p: Preflight): string | null {
  if (p.privileged) return null;
  return `role ${p.user} is neither the owner of database ${p.database} (owned by ${p.owner}) nor a superuser: migrations create and alter objects the owner must own; connect as ${p.owner} or run GRANT ${p.owner} TO ${p.user}`;
}

function requireOwner(p: Preflight): void {
  const problem = ownerProblem(p);
  if (problem) throw refused(problem);
}

/** Runs `fn` on a connection holding the migration lock; the lock is released in finally. */
async function withLockedSession<T>(
  options: CommonOptions & { lockTimeoutMs?: number; onProgress?: (e: ProgressEvent) => void },
  command: string,
  fn: (db: Db, p: Preflight, client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(options, `gaia-db ${command} ${options.environment}`);
  const db = countingDb(client, options.queryCounter);
  let locked = false;
  try {
    let p = await preflight(db, true, options);
    if (!p.locked) {
      options.onProgress?.({ type: "lock-wait" });
      await acquireLock(db, {
        timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        alreadyTried: true,
      });
      locked = true;
      // The holder may have created the ledger or tables meanwhile: look again under the lock.
      p = await preflight(db, false, options);
    }
    locked = true;
    requireOwner(p);
    return await fn(db, p, client);
  } finally {
    if (locked) await releaseLock(db).catch(() => {});
    await client.end().catch(() => {});
  }
}

async function readLedgerIfAny(db: Db, p: Preflight): Promise<LedgerState> {
  return p.ledger_readable ? readLedger(db) : { rows: [], binding: null };
}

function selectedModules(options: CommonOptions, binding: Binding | null): Module[] {
  if (options.modules) return parseModules(options.modules);
  return parseModules(binding?.modules ?? ["core"]);
}

const clientName = () => {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
};

// ---------------------------------------------------------------------------------------------
// Analysis (pure)

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

const rowKey = (module: string, version: string) => `${module}/${version}`;

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

function bindingRefusal(
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

function dirtyDatabaseMessage(p: Preflight, environment: Environment, version: string): string {
  return `database ${p.database} already has ${p.public_tables} table${p.public_tables === 1 ? "" : "s"} in schema public but no gaia_migrations ledger: refusing to run migrations over an unmanaged schema; adopt it after checking it matches the migration files with: gaia-db baseline ${environment} --to ${version} --confirm ${environment}`;
}

/** host:port of a connection URL (not secret), for messages about the server. */
export function serverOf(url: string): string {
  return serverOfUrl(parsePostgresUrl(url, URL_ORIGIN));
}

export function vectorUnavailableMessage(database: string, server: string): string {
  return `module "vector" needs the PostgreSQL extension "vector" (pgvector), which the server ${server} (database ${database}) does not offer (pg_available_extensions has no "vector"): install pgvector on that server (e.g. the pgvector/pgvector:pg15 image or the postgresql-15-pgvector package), or drop "vector" from gaia:migrations.modules`;
}

// ---------------------------------------------------------------------------------------------
// Applying files

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

async function applyTransactional(
  db: Db,
  file: MigrationFile,
  statements: PreparedStatement[],
  options: ConnectionOptions & { observe?: StatementObserver },
  kind: "applied" | "baseline" = "applied",
): Promise<number> {
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
    await db.query(
      `INSERT INTO gaia_migrations.applied
         (module, version, name, checksum, started_at, finished_at, duration_ms,
          statements_applied, statements_total, statement_checksums, kind, applied_by)
       VALUES ($1, $2, $3, $4, now(), clock_timestamp(), $5, $6, $6, $7, $8, current_user || ' (' || $9 || ')')`,
      [
        file.module,
        file.version,
        file.name,
        file.checksum,
        duration,
        statements.length,
        statements.map((s) => s.checksum),
        kind,
        clientName(),
      ],
    );
    try {
      await db.query("COMMIT");
    } catch (err) {
      // e.g. a deferred constraint: the whole file is rolled back by the failed COMMIT.
      throw new GaiaDbError(
        `${file.relativePath} failed at COMMIT: ${maskSecrets(errorText(err), [options.databaseUrl])}${(err as { code?: string }).code ? ` (SQLSTATE ${(err as { code?: string }).code})` : ""}; the file was rolled back, nothing from it was applied; fix it and run migrate again`,
        ExitCode.runtime,
      );
    }
    return duration;
  } catch (err) {
    await db.query("ROLLBACK").catch(() => {});
    throw err;
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
  const names = await invalidIndexes(db);
  if (names.length === 0) return;
  throw refused(
    `${file.relativePath}: ${when} the database has ${names.length === 1 ? "an INVALID index" : "INVALID indexes"} (${names.join(", ")}), left by a failed or interrupted CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: an invalid index is maintained but never used, and CREATE INDEX ... IF NOT EXISTS would skip it and record the file as applied; drop ${names.length === 1 ? "it" : "them"} (${names.map((n) => `DROP INDEX CONCURRENTLY ${n};`).join(" ")}), then run migrate again`,
  );
}

async function applyNoTransaction(
  db: Db,
  file: MigrationFile,
  statements: PreparedStatement[],
  row: LedgerRow | undefined,
  options: ConnectionOptions & { observe?: StatementObserver },
): Promise<number> {
  const started = Date.now();
  const observe = options.observe;
  let done = 0;
  await refuseInvalidIndexes(db, file, row ? "before resuming," : "before running,");
  if (row) {
    done = row.statements_applied;
    for (let i = 0; i < done; i++) {
      const s = statements[i];
      if (!s || s.checksum !== row.statement_checksums[i]) {
        throw refused(
          `${file.relativePath}: statement ${i + 1}${s ? ` (line ${s.line})` : ""} was already applied and has changed (or was removed) since: restore it; in a partly applied no-transaction file only the statements after the last applied one (${done} of ${row.statements_total}) may change`,
        );
      }
    }
  } else {
    await db.query(
      `INSERT INTO gaia_migrations.applied
         (module, version, name, checksum, statements_applied, statements_total, applied_by)
       VALUES ($1, $2, $3, $4, 0, $5, current_user || ' (' || $6 || ')')`,
      [file.module, file.version, file.name, file.checksum, statements.length, clientName()],
    );
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
    await db.query(
      `UPDATE gaia_migrations.applied
          SET statements_applied = $3, statements_total = $4,
              statement_checksums = statement_checksums[1:$3 - 1] || $5::text
        WHERE module = $1 AND version = $2`,
      [file.module, file.version, i + 1, statements.length, s.checksum],
    );
    if (atomic) await db.query("COMMIT");
  }
  const duration = Date.now() - started;
  await db.query(
    `UPDATE gaia_migrations.applied
        SET finished_at = clock_timestamp(), duration_ms = $3, checksum = $4, name = $5
      WHERE module = $1 AND version = $2`,
    [file.module, file.version, duration, file.checksum, file.name],
  );
  return duration;
}

// ---------------------------------------------------------------------------------------------
// migrate

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
    if (ledger.rows.length === 0 && p.public_tables > 0) {
      if (!options.baseline) {
        throw refused(dirtyDatabaseMessage(p, options.environment, firstCoreVersion(files)));
      }
      if (options.environment === "production" && options.confirm !== "production") {
        throw refused(
          `baselining the production database ${p.database} needs an explicit confirmation: pass --confirm production together with --baseline ${options.baseline}`,
        );
      }
      const result = await baselineLocked(db, p, client, {
        ...options,
        to: options.baseline,
        acceptDrift: options.acceptDrift ?? false,
      });
      baselined = result.baselined;
      drift = result.drift;
      ledger = await readLedger(db);
    }

    const analysis = analyse(files, ledger.rows, modules);
    const problems = refusals(analysis, options.environment, modules, options.migrationsDir);
    if (problems.length > 0) throw refused(problems.join("\n"));

    const todo = analysis.files.filter((f) => f.state === "pending" || f.state === "partial");
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
    if (bindingWrite) await writeBinding(db, ledger.binding, bindingWrite);

    const rowByKey = new Map(ledger.rows.map((r) => [rowKey(r.module, r.version), r]));
    const applied: AppliedFileReport[] = [];
    for (const { file, statements } of prepared) {
      const row = rowByKey.get(rowKey(file.module, file.version));
      const resumeAt = row?.statements_applied ?? 0;
      options.onProgress?.({
        type: "file-start",
        file: file.relativePath,
        statements: statements.length,
        resumeAt,
      });
      const durationMs = file.noTransaction
        ? await applyNoTransaction(db, file, statements, row, options)
        : await applyTransactional(db, file, statements, options);
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
    }
    return {
      environment: options.environment,
      database: p.database,
      modules,
      applied,
      baselined,
      drift,
      upToDate: analysis.files.length - todo.length,
      // +1: the lock release that follows in finally.
      roundTrips: db.roundTrips + 1,
    };
  });
}

function firstCoreVersion(files: readonly MigrationFile[]): string {
  return files.find((f) => f.module === "core")?.version ?? "0001";
}

interface BindingWrite {
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
      isolation: options.isolation ?? false,
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

async function writeBinding(db: Db, current: Binding | null, write: BindingWrite): Promise<void> {
  await db.query(
    `INSERT INTO gaia_migrations.binding (id, environment, supabase_project_ref, isolation_enforced, modules)
     VALUES (true, $1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET environment = EXCLUDED.environment,
       supabase_project_ref = EXCLUDED.supabase_project_ref,
       isolation_enforced = EXCLUDED.isolation_enforced, modules = EXCLUDED.modules
       ${current ? "" : ", bound_at = now(), bound_by = current_user"}`,
    [write.environment, write.supabaseProjectRef, write.isolation, write.modules],
  );
  for (const e of write.events) {
    await recordHistory(db, { event: e.event, detail: e.detail, client: clientName() });
  }
}

// ---------------------------------------------------------------------------------------------
// plan / status (read-only: no lock, nothing created)

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
  const client = await connect(options, `gaia-db status ${options.environment}`);
  const db = countingDb(client, options.queryCounter);
  try {
    const p = await preflight(db, false, options);
    const ledger = await readLedgerIfAny(db, p);
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
  } finally {
    await client.end().catch(() => {});
  }
}

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
export async function plan(
  options: CommonOptions & { supabaseProjectRef?: string },
): Promise<PlanResult> {
  const s = await status(options);
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
      s.refusals.push((err as Error).message);
      continue;
    }
    steps.push({
      file: f.file,
      transaction: !file.noTransaction,
      statements: statements.length,
      fromStatement: (f.state === "partial" ? (f.statementsApplied ?? 0) : 0) + 1,
    });
  }
  return { ...s, steps };
}

// ---------------------------------------------------------------------------------------------
// baseline

export interface BaselineOptions extends CommonOptions {
  /** "0001", "0001,vector:0001": the last version per module to mark as applied. */
  to: string;
  confirm?: string;
  acceptDrift: boolean;
  supabaseProjectRef?: string;
  lockTimeoutMs?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export interface BaselineResult {
  environment: Environment;
  database: string;
  baselined: string[];
  drift: string[];
}

/** Parses "0001,vector:0001" into module → last version (bare version = core). */
export function parseBaselineSpec(spec: string): Map<Module, string> {
  const out = new Map<Module, string>();
  const parts = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) {
    throw usageError(
      `--to is empty: give the last version to adopt, e.g. --to 0001 or --to 0001,vector:0001`,
    );
  }
  for (const part of parts) {
    const [mod, version] = part.includes(":") ? part.split(":", 2) : ["core", part];
    if (!(MODULES as readonly string[]).includes(mod as string)) {
      throw usageError(
        `--to ${spec}: unknown module "${mod}"; allowed modules are ${MODULES.join(", ")} (e.g. --to 0001,vector:0001)`,
      );
    }
    if (!/^\d{4}$/.test(version ?? "")) {
      throw usageError(
        `--to ${spec}: "${part}" is not a four-digit version; write e.g. 0001 (core) or vector:0001`,
      );
    }
    out.set(mod as Module, version as string);
  }
  return out;
}

export async function baseline(options: BaselineOptions): Promise<BaselineResult> {
  if (options.confirm !== options.environment) {
    throw usageError(
      `baseline marks files as applied in the ${options.environment} database without running them: confirm with --confirm ${options.environment}`,
    );
  }
  parseBaselineSpec(options.to);
  return withLockedSession(options, "baseline", (db, p, client) =>
    baselineLocked(db, p, client, options),
  );
}

async function baselineLocked(
  db: Db,
  p: Preflight,
  client: pg.Client,
  options: Omit<BaselineOptions, "confirm">,
): Promise<BaselineResult> {
  const spec = parseBaselineSpec(options.to);
  const ledger = await readLedgerIfAny(db, p);
  const bindingProblem = bindingRefusal(
    ledger,
    options.environment,
    options.supabaseProjectRef,
    p.database,
  );
  if (bindingProblem) throw refused(bindingProblem);
  if (ledger.rows.length > 0) {
    throw refused(
      `database ${p.database} is already managed (${ledger.rows.length} file${ledger.rows.length === 1 ? "" : "s"} in gaia_migrations.applied): baseline only adopts an unmanaged database; run gaia-db migrate ${options.environment} instead`,
    );
  }
  const modules = parseModules([...spec.keys()]);
  const all = loadMigrationSet(options.migrationsDir, modules);
  const chosen: MigrationFile[] = [];
  for (const module of modules) {
    const last = spec.get(module);
    if (last === undefined) continue;
    const inModule = all.filter((f) => f.module === module);
    if (!inModule.some((f) => f.version === last)) {
      throw usageError(
        `--to ${options.to}: there is no file ${module}/${last}_*.sql in ${options.migrationsDir}; available: ${inModule.map((f) => f.relativePath).join(", ") || "none"}`,
      );
    }
    chosen.push(...inModule.filter((f) => f.version <= last));
  }
  if (chosen.some((f) => f.module === "vector") && !p.vector_available) {
    throw refused(vectorUnavailableMessage(p.database, serverOf(options.databaseUrl)));
  }
  const prepared: { file: MigrationFile; statements: PreparedStatement[] }[] = [];
  for (const file of chosen) prepared.push({ file, statements: await prepareStatements(file) });
  const expected = await expectedCatalog(client, options, prepared);
  const actual = await snapshotCatalog(client, "public");
  const drift = diffCatalogs(expected, actual, BASELINE_DIFF_OPTIONS);
  if (drift.length > 0 && !options.acceptDrift) {
    throw refused(
      `the schema of database ${p.database} differs from what ${chosen.map((f) => f.relativePath).join(", ")} produce (${drift.length} difference${drift.length === 1 ? "" : "s"}, listed below): make the database match the files, or adopt it anyway and record the differences in the ledger with --accept-drift`,
      drift,
    );
  }
  options.onProgress?.({ type: "baseline", files: chosen.map((f) => f.relativePath), drift });
  if (p.ledger_version !== LEDGER_VERSION) await ensureLedger(db);
  const write = bindingUpdate(ledger.binding, options, ledger.binding ? null : modules);
  if (write) await writeBinding(db, ledger.binding, write);
  const driftText = drift.length > 0 ? drift.join("\n") : null;
  await inTransaction(db, async () => {
    for (const { file, statements } of prepared) {
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
  });
  return {
    environment: options.environment,
    database: p.database,
    baselined: chosen.map((f) => f.relativePath),
    drift,
  };
}

/**
 * The catalog the chosen files produce, built in a scratch database on the same server (never in
 * the target: a rolled-back transaction there would still take its locks).
 */
/**
 * What baseline compares. The legacy public.schema_migrations table is not ours and is ignored.
 * Function bodies are not compared because the live databases carry equivalent variants (init's
 * CURRENT_TIMESTAMP vs 001's now(), both the transaction start time); signatures and languages
 * still are.
 * Comments are not compared: they change no behaviour, and adoption must not hinge on wording.
 */
export const BASELINE_DIFF_OPTIONS: DiffOptions = {
  ignore: ["functionBodies", "comments"],
  ignoreTables: ["schema_migrations"],
};

async function expectedCatalog(
  admin: pg.Client,
  options: Omit<BaselineOptions, "confirm">,
  prepared: { file: MigrationFile; statements: PreparedStatement[] }[],
) {
  const scratch = `gaia_baseline_${randomBytes(6).toString("hex")}`;
  try {
    await admin.query(`CREATE DATABASE ${scratch}`);
  } catch (err) {
    if ((err as { code?: string }).code === "42501") {
      const { rows } = await admin.query<{ user: string }>("SELECT current_user AS user");
      throw refused(
        `baseline builds the expected schema in a scratch database, but role ${rows[0]?.user} may not create databases: run ALTER ROLE ${rows[0]?.user} CREATEDB (or run baseline as a role that has CREATEDB)`,
      );
    }
    throw err;
  }
  try {
    const client = await connect(options, `gaia-db baseline scratch`, scratch);
    const db = countingDb(client);
    try {
      await ensureLedger(db);
      await db.query(`INSERT INTO gaia_migrations.binding (environment) VALUES ($1)`, [
        options.environment,
      ]);
      for (const { file, statements } of prepared) {
        if (file.noTransaction) await applyNoTransaction(db, file, statements, undefined, options);
        else await applyTransactional(db, file, statements, options);
      }
      return await snapshotCatalog(client, "public");
    } finally {
      await client.end().catch(() => {});
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// repair

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
        oldChecksum: row.checksum,
        newChecksum: file.checksum,
        detail: `accepted the edited text of ${file.relativePath} as equivalent`,
        client: clientName(),
      });
    });
    return {
      environment: options.environment,
      file: file.relativePath,
      repaired: true,
      oldChecksum: row.checksum,
      newChecksum: file.checksum,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// bind

export interface BindOptions extends ConnectionOptions {
  environment: Environment;
  supabaseProjectRef?: string;
  isolation?: boolean;
  confirm?: string;
  lockTimeoutMs?: number;
  migrationsDir: string;
}

export interface BindResult {
  environment: Environment;
  database: string;
  previous: { environment: string; supabaseProjectRef: string | null } | null;
  supabaseProjectRef: string | null;
  isolationEnforced: boolean;
}

/** The deliberate (re)bind of a database to an environment and Supabase project. */
export async function bind(options: BindOptions): Promise<BindResult> {
  // --confirm names the target environment; moving a database away from production also needs
  // "production" in the list (--confirm staging,production).
  const confirmed = (options.confirm ?? "").split(",").map((e) => e.trim());
  if (!confirmed.includes(options.environment)) {
    throw usageError(
      `bind changes which environment the database serves: confirm with --confirm ${options.environment}`,
    );
  }
  return withLockedSession(options, "bind", async (db, p) => {
    const ledger = await readLedgerIfAny(db, p);
    const old = ledger.binding;
    if (
      old &&
      old.environment === "production" &&
      options.environment !== "production" &&
      !confirmed.includes("production")
    ) {
      throw usageError(
        `database ${p.database} is bound to production: binding it to ${options.environment} takes it away from production; confirm both environments with --confirm ${options.environment},production`,
      );
    }
    // Always, not only on a version change: bind is also how a damaged ledger (a dropped
    // function or table, revoked grants) is restored.
    await ensureLedger(db);
    const ref = options.supabaseProjectRef ?? old?.supabase_project_ref ?? null;
    const isolation = options.isolation ?? old?.isolation_enforced ?? false;
    const changes: string[] = [];
    if (!old || old.environment !== options.environment) {
      changes.push(`environment ${old?.environment ?? "(unbound)"} -> ${options.environment}`);
    }
    if ((old?.supabase_project_ref ?? null) !== ref) {
      changes.push(
        `supabase project ${old?.supabase_project_ref ?? "(none)"} -> ${ref ?? "(none)"}`,
      );
    }
    if ((old?.isolation_enforced ?? false) !== isolation) {
      changes.push(`isolation_enforced ${old?.isolation_enforced ?? false} -> ${isolation}`);
    }
    if (changes.length > 0 || !old) {
      await db.query(
        `INSERT INTO gaia_migrations.binding (id, environment, supabase_project_ref, isolation_enforced, modules)
         VALUES (true, $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET environment = EXCLUDED.environment,
           supabase_project_ref = EXCLUDED.supabase_project_ref,
           isolation_enforced = EXCLUDED.isolation_enforced,
           bound_at = now(), bound_by = current_user`,
        [options.environment, ref, isolation, old?.modules ?? ["core"]],
      );
      await recordHistory(db, {
        event: old ? "rebind" : "bind",
        detail: changes.join("; "),
        client: clientName(),
      });
    }
    return {
      environment: options.environment,
      database: p.database,
      previous: old
        ? { environment: old.environment, supabaseProjectRef: old.supabase_project_ref }
        : null,
      supabaseProjectRef: ref,
      isolationEnforced: isolation,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// verify

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
  const client = await connect(options, `gaia-db verify ${options.environment}`);
  const db = countingDb(client, options.queryCounter);
  try {
    const p = await preflight(db, false, options);
    const ledger = await readLedgerIfAny(db, p);
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
  } finally {
    await client.end().catch(() => {});
  }
}
