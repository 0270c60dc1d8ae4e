/**
 * Row counts of every table of a database: what a pre-migration snapshot records next to its id,
 * and what a restore of it must hold again. Exact counts (`count(*)`), not the statistics'
 * estimates, which a restored cluster does not even have (they are not in a crash-consistent
 * copy of the volume).
 */
import type pg from "pg";

/** `schema.table` → rows, in name order. */
export type RowCounts = Record<string, number>;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Every ordinary and partitioned table outside the system schemas (the ledger's included: it says
 * which migrations the data went with); partitions are counted through their parent.
 */
export async function countRows(client: pg.Client): Promise<RowCounts> {
  const tables = await client.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
      ORDER BY 1, 2`,
  );
  const counts: RowCounts = {};
  for (const { schema, table } of tables.rows) {
    const r = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${quote(schema)}.${quote(table)}`,
    );
    counts[`${schema}.${table}`] = Number(r.rows[0]?.n ?? 0);
  }
  return counts;
}

/**
 * The counts recorded around a snapshot: `before` it was requested and `after` it was complete.
 * Writes in between make the two differ; the snapshot was taken at one moment of that window.
 */
export interface CountWindow {
  before: RowCounts;
  after: RowCounts;
}

/**
 * What a restored database must hold against the window recorded for its snapshot, one line per
 * problem (empty = it holds what it should). A table whose count did not move in the window must
 * have exactly that count; one written to in the window may have any count between the two
 * (inserts and deletes in the same window can leave a count outside them: that is reported too,
 * and says so, since the copy cannot be told from a lossy one by counting). A table the window
 * knew that is missing, or one it did not know, is a problem.
 */
export function compareCounts(window: CountWindow, restored: RowCounts): string[] {
  const problems: string[] = [];
  const names = [...new Set([...Object.keys(window.before), ...Object.keys(window.after)])].sort();
  for (const name of names) {
    const before = window.before[name];
    const after = window.after[name];
    const got = restored[name];
    if (got === undefined) {
      problems.push(`${name}: missing from the restored database (it had ${after ?? before} rows)`);
      continue;
    }
    if (before === undefined || after === undefined) {
      const known = before ?? after;
      problems.push(
        `${name}: ${got} rows; the table ${before === undefined ? "was created" : "was dropped"} while the snapshot was taken (${known} rows ${before === undefined ? "after" : "before"})`,
      );
      continue;
    }
    const low = Math.min(before, after);
    const high = Math.max(before, after);
    if (low === high && got !== low) {
      problems.push(`${name}: ${got} rows, but it had ${low} before and after the snapshot`);
    } else if (got < low || got > high) {
      problems.push(
        `${name}: ${got} rows, outside the ${low}–${high} it had while the snapshot was taken (rows were written then; inserts and deletes together can also do this)`,
      );
    }
  }
  for (const name of Object.keys(restored).sort()) {
    if (!(name in window.before) && !(name in window.after))
      problems.push(
        `${name}: ${restored[name]} rows, but no such table was counted for the snapshot`,
      );
  }
  return problems;
}
