/**
 * Baseline's scratch database: a database of its own on the target's server where the chosen
 * files are applied to learn the schema they produce (never in the target: a rolled-back
 * transaction there would still take its locks).
 *
 * A run can be killed while its scratch database exists, and roles are cluster-wide: a file that
 * creates a role (core/0007) creates it for the whole server. So the scratch database is named
 * after the server process of the session that holds the migration lock
 * (`gaia_baseline_<pid>_<random>`), and every role a scratch transaction creates is written into
 * the scratch database's comment by that same transaction. A later run drops every scratch
 * database whose creator no longer holds the lock, and the roles its comment lists. A run that
 * refuses drops its roles itself; one that records the baseline keeps them (the files it records
 * as applied created them) and clears the comment in the ledger's transaction. Roles that existed
 * before are never in the comment: only roles the scratch transaction itself created, not yet
 * visible to the target's session, are.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { refusedError as refused } from "../shared/errors";
import { applyFile } from "./apply";
import { type Catalog, snapshotCatalog } from "./catalog";
import type { MigrationFile, PreparedStatement } from "./files";
import { countingDb, type Db, dollarQuoted, ensureLedger } from "./ledger";
import { bindScratch } from "./ledgerWrites";
import { isMigrationLock, LOCK_KEY } from "./lock";
import { type CommonOptions, connect, type ProgressEvent } from "./session";
import { SessionGuard, sessionWarning } from "./sessionState";

const SCRATCH = /^gaia_baseline_(\d+)_[0-9a-f]{12}$/;

/** The scratch database of the session with server process `pid`. */
export function scratchName(pid: number, random = randomBytes(6).toString("hex")): string {
  return `gaia_baseline_${pid}_${random}`;
}

/** The server process that created a scratch database, from its name (null: not one of ours). */
export function scratchCreator(name: string): number | null {
  const m = SCRATCH.exec(name);
  return m ? Number(m[1]) : null;
}

/** The scratch database's comment: the roles its run created. */
export function scratchNote(roles: readonly string[]): string {
  return JSON.stringify({ createdRoles: roles });
}

/** The roles a scratch database's comment lists (none when it holds anything else). */
export function rolesOfNote(note: string | null): string[] {
  try {
    const roles = (JSON.parse(note ?? "") as { createdRoles?: unknown }).createdRoles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  } catch {
    return [];
  }
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Drops `roles`, leaving any that something now depends on or that may not be dropped. */
async function dropRoles(db: Db, roles: readonly string[]): Promise<string[]> {
  const dropped: string[] = [];
  for (const role of roles) {
    try {
      await db.query(`DROP ROLE IF EXISTS ${ident(role)}`);
      dropped.push(role);
    } catch {
      // 2BP01: another database granted it something since; 42501: not ours to drop.
    }
  }
  return dropped;
}

/**
 * Drops the scratch databases whose creator no longer holds the migration lock (on any database
 * of the server), and the roles they list; databases this role may not drop are left alone.
 */
export async function sweepScratchDatabases(
  db: Db,
  onProgress?: (e: ProgressEvent) => void,
): Promise<void> {
  const { rows } = await db.query<{ name: string; note: string | null }>(
    `SELECT d.datname AS name, pg_catalog.shobj_description(d.oid, 'pg_database') AS note
       FROM pg_catalog.pg_database d
      WHERE d.datname ~ '^gaia_baseline_[0-9]+_[0-9a-f]{12}$'
        AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_locks l
           WHERE ${isMigrationLock("l", "$1")} AND l.granted
             AND l.pid = substring(d.datname from '^gaia_baseline_([0-9]+)_')::int)
      ORDER BY 1`,
    [LOCK_KEY],
  );
  for (const { name, note } of rows) {
    if (scratchCreator(name) === null) continue;
    try {
      await db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch {
      continue;
    }
    const dropped = await dropRoles(db, rolesOfNote(note));
    const roles =
      dropped.length === 0
        ? ""
        : `, and the role${dropped.length === 1 ? "" : "s"} it created: ${dropped.join(", ")}`;
    onProgress?.({
      type: "warning",
      message: `removed the scratch database ${name} that an interrupted baseline left behind${roles}`,
    });
  }
}

export type PreparedFile = { file: MigrationFile; statements: PreparedStatement[] };

/** One run's scratch database, from its creation to its drop. */
export class ScratchDatabase {
  /** Roles the scratch run created, in the order it created them. */
  private readonly created: string[] = [];

  private constructor(
    private readonly admin: Db,
    readonly name: string,
  ) {}

  /** Sweeps what killed runs left, then creates this run's scratch database. */
  static async create(
    admin: Db,
    adminClient: pg.Client,
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<ScratchDatabase> {
    await sweepScratchDatabases(admin, onProgress);
    const pid = (adminClient as unknown as { processID: number }).processID;
    const name = scratchName(pid);
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } catch (err) {
      if ((err as { code?: string }).code === "42501") {
        const { rows } = await admin.query<{ user: string }>("SELECT current_user AS user");
        throw refused(
          `baseline builds the expected schema in a scratch database, but role ${rows[0]?.user} may not create databases: run ALTER ROLE ${rows[0]?.user} CREATEDB (or run baseline as a role that has CREATEDB)`,
        );
      }
      throw err;
    }
    return new ScratchDatabase(admin, name);
  }

  /** Applies `prepared` in the scratch database and returns the catalog of its `public`. */
  async build(
    options: CommonOptions & { onProgress?: (e: ProgressEvent) => void },
    prepared: readonly PreparedFile[],
  ): Promise<{ catalog: Catalog; warnings: string[] }> {
    const client = await connect(options, "gaia-db baseline scratch", this.name);
    const db = countingDb(client);
    try {
      await ensureLedger(db);
      await bindScratch(db, options.environment);
      const guard = await SessionGuard.capture(db);
      const hooks = { beforeCommit: (scratch: Db) => this.recordCreatedRoles(scratch) };
      const warnings: string[] = [];
      for (const { file, statements } of prepared) {
        const applied = await applyFile(db, file, statements, undefined, options, guard, hooks);
        if (applied.sessionChanges.length > 0) {
          const message = `in the scratch database: ${sessionWarning(file.relativePath, applied.sessionChanges)}`;
          warnings.push(message);
          options.onProgress?.({ type: "warning", message });
        }
      }
      return { catalog: await snapshotCatalog(client, "public"), warnings };
    } finally {
      await client.end().catch(() => {});
    }
  }

  /**
   * In a scratch transaction before its COMMIT: the roles it sees that the target's session does
   * not are the ones this uncommitted transaction created (the target's session, asked second,
   * sees every role anyone committed meanwhile). They go into the comment in this transaction.
   */
  private async recordCreatedRoles(scratch: Db): Promise<void> {
    const sql = "SELECT rolname FROM pg_catalog.pg_roles";
    const mine = (await scratch.query<{ rolname: string }>(sql)).rows.map((r) => r.rolname);
    const committed = new Set(
      (await this.admin.query<{ rolname: string }>(sql)).rows.map((r) => r.rolname),
    );
    const created = mine.filter((r) => !committed.has(r) && !this.created.includes(r));
    if (created.length === 0) return;
    this.created.push(...created);
    await scratch.query(
      `COMMENT ON DATABASE ${this.name} IS ${dollarQuoted(scratchNote(this.created))}`,
    );
  }

  /** Inside the target's ledger transaction: the baseline is recorded, its roles stay. */
  async keepRoles(db: Db): Promise<void> {
    if (this.created.length > 0) await db.query(`COMMENT ON DATABASE ${this.name} IS NULL`);
  }

  /** Drops the scratch database, and with `dropRoles` the roles its run created. */
  async drop(options: { dropRoles: boolean }): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`).catch(() => {});
    if (options.dropRoles) await dropRoles(this.admin, this.created);
  }
}
