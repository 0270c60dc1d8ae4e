/**
 * What the migrating session holds and has done, read on that session in one round trip: its
 * relation locks, and per relation its file node, its sequential scans and the rows written in
 * the transaction. Two snapshots around a statement tell what the statement did.
 */
import type pg from "pg";
import type { Db } from "../migrations/ledger";
import { isLockMode, type LockMode, lockRank, strongest } from "./locks";
import type { MeasuredLock } from "./observe";

/** Rows a statement wrote to one table. */
export interface Write {
  table: string;
  inserted: number;
  updated: number;
  deleted: number;
}

export interface Relation {
  name: string;
  kind: string;
  fileNode: number;
  scans: number | null;
  /** Rows inserted, updated and deleted in the transaction (tables only). */
  writes: [number, number, number] | null;
  indexOf: number | null;
}

export interface Snapshot {
  locks: Map<number, LockMode[]>;
  relations: Map<number, Relation>;
}

/**
 * One simple-protocol round trip on the migrating session. pg_stat_clear_snapshot: statistics read
 * earlier in the transaction are cached, and parallel workers report their scans meanwhile. Scans
 * add the flushed count (pg_stat_get_numscans) to this session's pending one (…_xact_…), so the
 * sum is exact in and out of transactions; rows written are the transaction's own counts.
 */
const SNAPSHOT_SQL = `SELECT pg_stat_clear_snapshot();
SELECT json_build_object(
  'locks', COALESCE((SELECT json_agg(json_build_array(l.relation::bigint, l.mode))
      FROM pg_locks l
     WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())), '[]'),
  'relations', COALESCE((SELECT json_agg(json_build_array(c.oid::bigint,
        CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END,
        c.relkind, c.relfilenode::bigint,
        CASE WHEN c.relkind IN ('r', 'm') THEN pg_stat_get_numscans(c.oid) + pg_stat_get_xact_numscans(c.oid) END,
        CASE WHEN c.relkind IN ('r', 'm', 'p') THEN json_build_array(
          pg_stat_get_xact_tuples_inserted(c.oid), pg_stat_get_xact_tuples_updated(c.oid),
          pg_stat_get_xact_tuples_deleted(c.oid)) END,
        i.indrelid::bigint))
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_index i ON i.indexrelid = c.oid
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'gaia_migrations')
       AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       AND c.relkind IN ('r', 'p', 'm', 'v', 'f', 'i', 'I', 'S')), '[]')
) AS snapshot`;

type Row = [
  number,
  string,
  string,
  number,
  number | string | null,
  (number | string)[] | null,
  number | null,
];

function parseSnapshot(json: { locks: [number, string][]; relations: Row[] }): Snapshot {
  const locks = new Map<number, LockMode[]>();
  for (const [oid, mode] of json.locks) {
    if (!isLockMode(mode)) continue;
    locks.set(Number(oid), [...(locks.get(Number(oid)) ?? []), mode]);
  }
  const relations = new Map<number, Relation>();
  for (const [oid, name, kind, fileNode, scans, writes, indexOf] of json.relations) {
    relations.set(Number(oid), {
      name,
      kind,
      fileNode: Number(fileNode),
      scans: scans === null ? null : Number(scans),
      writes: writes === null ? null : [Number(writes[0]), Number(writes[1]), Number(writes[2])],
      indexOf: indexOf === null ? null : Number(indexOf),
    });
  }
  return { locks, relations };
}

export async function takeSnapshot(db: Db): Promise<Snapshot> {
  const results = (await db.query(SNAPSHOT_SQL)) as unknown as pg.QueryResult[];
  const last = results[results.length - 1] as pg.QueryResult<{ snapshot: never }>;
  return parseSnapshot(last.rows[0]?.snapshot as never);
}

/**
 * Locks in `after` on relations of `existing` that `before` did not hold as strongly. A lock on an
 * index is kept only when it is stronger than the one on its table (DROP INDEX locks both alike;
 * REINDEX locks the index harder).
 */
export function gainedLocks(
  before: ReadonlyMap<number, readonly LockMode[]>,
  after: ReadonlyMap<number, readonly LockMode[]>,
  existing: ReadonlyMap<number, { name: string; kind: string; indexOf: number | null }>,
): MeasuredLock[] {
  const held = (locks: ReadonlyMap<number, readonly LockMode[]>, oid: number) =>
    strongest(locks.get(oid) ?? []);
  const out: MeasuredLock[] = [];
  for (const [oid, modes] of after) {
    const relation = existing.get(oid);
    const now = strongest(modes);
    if (relation === undefined || now === null) continue;
    const was = held(before, oid);
    if (was !== null && lockRank(was) >= lockRank(now)) continue;
    if (relation.indexOf !== null) {
      const table = existing.get(relation.indexOf);
      const onTable = held(after, relation.indexOf);
      if (table === undefined) continue;
      if (onTable !== null && lockRank(onTable) >= lockRank(now)) continue;
      out.push({ relation: relation.name, indexOf: table.name, mode: now });
    } else {
      out.push({ relation: relation.name, mode: now });
    }
  }
  return out.sort((a, b) => (a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : 0));
}

export function changes(
  before: Snapshot,
  after: Snapshot,
  existing: ReadonlyMap<number, Relation>,
) {
  const rewrites: string[] = [];
  const scans: string[] = [];
  const writes: Write[] = [];
  for (const [oid, was] of before.relations) {
    const now = after.relations.get(oid);
    if (now === undefined || !existing.has(oid)) continue;
    const rewritten = (was.kind === "r" || was.kind === "m") && now.fileNode !== was.fileNode;
    if (rewritten) rewrites.push(now.name);
    else if (now.scans !== null && was.scans !== null && now.scans > was.scans)
      scans.push(now.name);
    if (now.writes !== null && was.writes !== null) {
      const [i0, u0, d0] = was.writes;
      const [i1, u1, d1] = now.writes;
      const write = { table: now.name, inserted: i1 - i0, updated: u1 - u0, deleted: d1 - d0 };
      if (write.inserted > 0 || write.updated > 0 || write.deleted > 0) writes.push(write);
    }
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    rewrites: rewrites.sort(byName),
    scans: scans.sort(byName),
    writes: writes.sort((a, b) => byName(a.table, b.table)),
  };
}
