/**
 * Measures what each statement of a migration does to the tables that existed before it, through
 * migrate's statement observer (the runner's own apply path):
 * - locks: the relation locks the migrating session holds after the statement that it did not hold
 *   before, or now holds more strongly (read on that session, inside the transaction); a bare
 *   statement (CREATE INDEX CONCURRENTLY) commits on its own, so a second connection samples its
 *   locks while it runs;
 * - rewrites: a table whose relation file node changed;
 * - scans: a sequential scan of a table that was not rewritten (SET NOT NULL, VALIDATE, an index
 *   build), counted by the statistics system;
 * - rows written (inserted, updated, deleted) by statements in a transaction;
 * - the time the statement took, and its error when it failed.
 * Relations created in the same transaction are left out: nobody else can see them yet.
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import type { StatementEvent, StatementObserver } from "../migrations/apply";
import type { ProgressEvent } from "../migrations/session";
import { isLockMode, type LockMode } from "./locks";
import {
  changes,
  gainedLocks,
  type Relation,
  type Snapshot,
  takeSnapshot,
  type Write,
} from "./snapshot";

export interface MeasuredLock {
  relation: string;
  /** The table an index belongs to; absent for tables, views and sequences. */
  indexOf?: string;
  mode: LockMode;
}

export interface StatementError {
  message: string;
  detail: string | null;
  code: string | null;
}

export interface MeasuredStatement {
  file: string;
  /** 0-based position in the file. */
  index: number;
  line: number;
  text: string;
  /** Ran inside a transaction block (its file's, or its own); false: bare, sampled from outside. */
  inTransaction: boolean;
  /** How the runner names a statement that cannot run in a transaction block, else null. */
  outsideTransaction: string | null;
  /** Locks it took that were not held before, or stronger; null: not measured (see `sampled`). */
  locks: MeasuredLock[] | null;
  /** For a bare statement: how many times the sampler read its locks while it ran. */
  samples: number | null;
  rewrites: string[];
  scans: string[];
  /** Rows inserted, updated or deleted per table (statements in a transaction only). */
  writes: Write[];
  /** When it started, in ms after its file's first statement. */
  atMs: number;
  durationMs: number;
  error: StatementError | null;
}

export interface MeasuredFile {
  file: string;
  transaction: boolean;
  statements: MeasuredStatement[];
  /** Start of the first statement to the commit (or the failure), in ms. */
  durationMs: number;
  failed: boolean;
}

function errorOf(err: unknown): StatementError {
  const e = err as { message?: string; detail?: string; code?: string };
  return {
    message: e.message ?? String(err),
    detail: e.detail ?? null,
    code: e.code ?? null,
  };
}

/** How long the sampler sleeps between two reads of a bare statement's locks. */
const SAMPLE_INTERVAL_MS = 2;

/** waited_ms: how long an ungranted lock has been waited for, by the server's clock. */
const SAMPLE_SQL = `SELECT l.relation::bigint AS oid, l.mode, l.granted, l.locktype,
       EXTRACT(EPOCH FROM clock_timestamp() - l.waitstart) * 1000 AS waited_ms
  FROM pg_locks l WHERE l.pid = $1`;

/**
 * Reads the locks of the migrating session from a second connection while a bare statement runs.
 * For a statement that waits for older snapshots (CREATE INDEX CONCURRENTLY and its kin), the
 * sampler first takes a snapshot of its own: the statement then waits for it with its locks taken,
 * the sampler reads them and lets it go, so what it holds is seen however fast it runs. The time
 * it waited is taken off its duration.
 */
class Sampler {
  private stopped = false;
  private holding = false;
  private readonly seen = new Map<number, LockMode[]>();
  samples = 0;
  pausedMs = 0;
  private failure: Error | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: pg.Client,
    private readonly pid: number,
  ) {}

  async start(hold: boolean): Promise<void> {
    if (hold) {
      await this.client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await this.client.query("SELECT 1");
      this.holding = true;
    }
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        const { rows } = await this.client.query<{
          oid: string | null;
          mode: string;
          granted: boolean;
          locktype: string;
          waited_ms: string | null;
        }>(SAMPLE_SQL, [this.pid]);
        this.samples += 1;
        for (const r of rows) {
          if (!r.granted || r.locktype !== "relation" || r.oid === null || !isLockMode(r.mode)) {
            continue;
          }
          const oid = Number(r.oid);
          this.seen.set(oid, [...(this.seen.get(oid) ?? []), r.mode]);
        }
        const waiting = rows.find((r) => !r.granted);
        if (this.holding && waiting !== undefined) {
          const since = performance.now();
          await this.client.query("COMMIT");
          this.holding = false;
          this.pausedMs += Number(waiting.waited_ms ?? 0) + (performance.now() - since);
        }
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
      }
    } catch (err) {
      // Never leave the statement waiting for a snapshot nobody reads.
      this.failure = err as Error;
      if (this.holding) await this.client.query("ROLLBACK").catch(() => {});
      this.holding = false;
    }
  }

  async stop(): Promise<Map<number, LockMode[]>> {
    this.stopped = true;
    await this.loop;
    if (this.holding) {
      await this.client.query("COMMIT");
      this.holding = false;
    }
    if (this.failure !== null) throw this.failure;
    return this.seen;
  }
}

export interface ObserverOptions {
  /** Opens a second connection to the migrating database, for bare statements. */
  connect: () => Promise<pg.Client>;
}

/** The statement observer the measured review passes to migrate. */
export class MeasuringObserver implements StatementObserver {
  readonly files: MeasuredFile[] = [];
  /** The first thing that went wrong while measuring (not a statement's own failure). */
  problem: Error | null = null;
  private pid: number | null = null;
  private sampleClient: pg.Client | null = null;
  private sampler: Sampler | null = null;
  /** Relations that existed when the current transaction began. */
  private existing = new Map<number, Relation>();
  private before: Snapshot | null = null;
  private startedAt = 0;
  private fileStartedAt = 0;
  /** The snapshot after the previous statement, reusable while the transaction goes on. */
  private carried: { file: string; index: number; snapshot: Snapshot } | null = null;

  constructor(private readonly options: ObserverOptions) {}

  private current(event: StatementEvent): MeasuredFile {
    const last = this.files[this.files.length - 1];
    if (last !== undefined && last.file === event.file.relativePath) return last;
    const file: MeasuredFile = {
      file: event.file.relativePath,
      transaction: !event.file.noTransaction,
      statements: [],
      durationMs: 0,
      failed: false,
    };
    this.files.push(file);
    this.fileStartedAt = performance.now();
    return file;
  }

  async beforeStatement(event: StatementEvent): Promise<void> {
    if (this.problem !== null) return;
    try {
      const file = this.current(event);
      const carried =
        this.carried !== null &&
        file.transaction &&
        this.carried.file === file.file &&
        this.carried.index === event.index - 1
          ? this.carried.snapshot
          : null;
      const snapshot = carried ?? (await takeSnapshot(event.db));
      // Nothing carried over: a transaction starts here (a file's, or a statement's own).
      if (carried === null) this.existing = snapshot.relations;
      this.before = snapshot;
      if (!event.inTransaction) {
        if (this.pid === null) {
          const { rows } = await event.db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          this.pid = rows[0]?.pid ?? null;
        }
        if (this.sampleClient === null) this.sampleClient = await this.options.connect();
        this.sampler = new Sampler(this.sampleClient, this.pid as number);
        await this.sampler.start(event.statement.kind.waitsForOthers);
      }
      this.startedAt = performance.now();
    } catch (err) {
      this.problem = err as Error;
    }
  }

  async afterStatement(event: StatementEvent & { error?: unknown }): Promise<void> {
    if (this.problem !== null) return;
    const ended = performance.now();
    try {
      const file = this.current(event);
      let durationMs = ended - this.startedAt;
      let locks: MeasuredLock[] | null = null;
      let samples: number | null = null;
      let sampled: Map<number, LockMode[]> | null = null;
      if (this.sampler !== null) {
        const sampler = this.sampler;
        this.sampler = null;
        sampled = await sampler.stop();
        samples = sampler.samples;
        durationMs = Math.max(0, durationMs - sampler.pausedMs);
      }
      const base = {
        file: file.file,
        index: event.index,
        line: event.statement.line,
        text: event.statement.text,
        inTransaction: event.inTransaction,
        outsideTransaction: event.statement.kind.outsideTransaction,
        samples,
        atMs: this.startedAt - this.fileStartedAt,
        durationMs,
      };
      if (event.error !== undefined) {
        // The transaction is aborted: nothing more can be read on the migrating session.
        this.carried = null;
        file.statements.push({
          ...base,
          locks: null,
          rewrites: [],
          scans: [],
          writes: [],
          error: errorOf(event.error),
        });
        file.failed = true;
        file.durationMs = ended - this.fileStartedAt;
        return;
      }
      const after = await takeSnapshot(event.db);
      const before = this.before as Snapshot;
      if (sampled !== null) {
        locks = sampled.size === 0 ? null : gainedLocks(new Map(), sampled, this.existing);
      } else {
        locks = gainedLocks(before.locks, after.locks, this.existing);
      }
      const found = changes(before, after, this.existing);
      file.statements.push({
        ...base,
        locks,
        ...found,
        writes: event.inTransaction ? found.writes : [],
        error: null,
      });
      this.carried = file.transaction
        ? { file: file.file, index: event.index, snapshot: after }
        : null;
    } catch (err) {
      this.problem = err as Error;
    }
  }

  /** migrate's progress: a file is done once it committed. */
  progress(event: ProgressEvent): void {
    if (event.type !== "file-done") return;
    const file = this.files.find((f) => f.file === event.file);
    if (file !== undefined) file.durationMs = performance.now() - this.fileStartedAt;
    this.carried = null;
  }

  async close(): Promise<void> {
    if (this.sampler !== null) await this.sampler.stop().catch(() => {});
    await this.sampleClient?.end().catch(() => {});
  }
}
