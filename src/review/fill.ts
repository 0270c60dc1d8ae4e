/**
 * Fills every table of a database with generated rows (fillPlan.ts decides what), so that a
 * migration can be measured on tables of a live-like size. PostgreSQL keeps the rows honest: a
 * batch inserts only the generated rows that pass every CHECK of the table, and ON CONFLICT DO
 * NOTHING drops the ones that repeat a unique key; when too few remain, more are generated. A
 * table the generator cannot fill (a CHECK no generated row passes, a trigger that refuses its
 * rows, a type it does not know) is left as it was and named in the report with the reason.
 * Afterwards every table is vacuumed and analysed, as autovacuum would have done on a live
 * database (and so that it does not start in the middle of the measurement).
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { fillOrder } from "./fillOrder";
import { type FillTable, generateRows, type KeyPlan, planTable, type TablePlan } from "./fillPlan";
import { mix, streamOf, unit } from "./fillValues";

export interface FilledTable {
  table: string;
  /** Rows in the table once filled (rows it already had, and rows triggers added, included). */
  rows: number;
  /** Rows the filler inserted. */
  generated: number;
  /** Generated rows dropped because a CHECK refused them, or because they repeated a unique key. */
  failedCheck: number;
  duplicateKey: number;
  /** Fewer NULLs than allowed (and why), references filled afterwards that could not be. */
  note: string | null;
  durationMs: number;
}

export interface FillReport {
  /** Rows asked for per table, and the seed. */
  rows: number;
  seed: number;
  tables: FilledTable[];
  skipped: { table: string; reason: string }[];
  durationMs: number;
}

export interface FillOptions {
  rows: number;
  seed: number;
}

const INTROSPECT_SQL = `
WITH t AS (
  SELECT c.oid,
         CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
         format('%I.%I', n.nspname, c.relname) AS sql
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'gaia_migrations')
     AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                       AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT COALESCE(json_agg(json_build_object(
  'name', t.name,
  'sql', t.sql,
  'columns', (SELECT json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'base', bt.typname,
      'element', et.typname,
      'typmod', CASE WHEN ty.typtype = 'd' THEN ty.typtypmod ELSE a.atttypmod END,
      'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e
                  WHERE e.enumtypid = COALESCE(et.oid, bt.oid)),
      'notNull', a.attnotnull OR ty.typnotnull,
      'default', pg_get_expr(ad.adbin, ad.adrelid),
      'identity', a.attidentity <> '',
      'generated', a.attgenerated <> '') ORDER BY a.attnum)
    FROM pg_attribute a
    JOIN pg_type ty ON ty.oid = a.atttypid
    JOIN pg_type bt ON bt.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END
    LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
  'constraints', COALESCE((SELECT json_agg(json_build_object(
      'name', co.conname,
      'type', co.contype,
      'columns', COALESCE((SELECT json_agg(a.attname ORDER BY k.ord)
          FROM unnest(co.conkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num), '[]'),
      'refTable', (SELECT CASE WHEN rn.nspname = 'public' THEN rc.relname
                               ELSE rn.nspname || '.' || rc.relname END
          FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = co.confrelid),
      'refColumns', COALESCE((SELECT json_agg(a.attname ORDER BY k.ord)
          FROM unnest(co.confkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num), '[]'),
      'check', CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END)
      ORDER BY co.conname)
    FROM pg_constraint co WHERE co.conrelid = t.oid), '[]'),
  'uniqueKeys', COALESCE((SELECT json_agg(x.columns ORDER BY i.indisprimary DESC, ic.relname)
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid,
      LATERAL (SELECT json_agg(a.attname ORDER BY k.ord) AS columns
                 FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
                WHERE k.ord <= i.indnkeyatts) x
     WHERE i.indrelid = t.oid AND i.indisunique AND NOT (0 = ANY (i.indkey::int2[]))), '[]')
) ORDER BY t.name), '[]') AS tables
FROM t`;

export async function introspect(client: pg.Client): Promise<FillTable[]> {
  const { rows } = await client.query<{ tables: FillTable[] }>(INTROSPECT_SQL);
  return rows[0]?.tables ?? [];
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The referenced key values of a foreign key, in a fixed order (text order, byte-wise). */
async function parentKeys(
  client: pg.Client,
  tables: ReadonlyMap<string, FillTable>,
  refTable: string,
  refColumns: readonly string[],
): Promise<Record<string, unknown>[]> {
  const parent = tables.get(refTable);
  if (parent === undefined) return [];
  const columns = refColumns.map(ident).join(", ");
  const { rows } = await client.query<{ keys: Record<string, unknown>[] | null }>(
    `SELECT json_agg(k ORDER BY k::text COLLATE "C") AS keys
       FROM (SELECT DISTINCT ${columns} FROM ${parent.sql}
              WHERE ${refColumns.map((c) => `${ident(c)} IS NOT NULL`).join(" AND ")}) k`,
  );
  return rows[0]?.keys ?? [];
}

/** At most this many rows go into one INSERT (one JSON parameter). */
const BATCH = 2000;
/** Generated rows per table, at most, as a multiple of the rows asked for. */
const MAX_CANDIDATES = 4;

interface Counts {
  candidates: number;
  passed: number;
  inserted: number;
}

function insertSql(table: FillTable, plan: TablePlan): string {
  const columns = plan.columns.filter((c) => !c.omit).map((c) => ident(c.name));
  const checks = table.constraints
    .filter((c) => c.type === "c" && c.check !== null)
    .map((c) => `(${c.check}) IS NOT FALSE`);
  return `WITH c AS (SELECT * FROM json_populate_recordset(NULL::${table.sql}, $1::json)),
  p AS (SELECT * FROM c WHERE ${checks.length > 0 ? checks.join(" AND ") : "true"}),
  i AS (INSERT INTO ${table.sql} (${columns.join(", ")}) SELECT ${columns.join(", ")} FROM p
        ON CONFLICT DO NOTHING RETURNING 1)
SELECT (SELECT count(*) FROM c)::int AS candidates, (SELECT count(*) FROM p)::int AS passed,
       (SELECT count(*) FROM i)::int AS inserted`;
}

/** The first CHECK that refuses every one of `rows`, to name when none could be inserted. */
async function refusingCheck(
  client: pg.Client,
  table: FillTable,
  rows: readonly Record<string, unknown>[],
): Promise<string | null> {
  for (const c of table.constraints.filter((x) => x.type === "c" && x.check !== null)) {
    const { rows: out } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM json_populate_recordset(NULL::${table.sql}, $1::json)
        WHERE (${c.check}) IS NOT FALSE`,
      [JSON.stringify(rows)],
    );
    if ((out[0]?.n ?? 0) === 0)
      return `no generated row satisfies CHECK \`${c.name}\` (${c.check})`;
  }
  return null;
}

async function fillTable(
  client: pg.Client,
  table: FillTable,
  plan: TablePlan,
  parents: ReadonlyMap<string, Record<string, unknown>[]>,
  options: FillOptions,
): Promise<Counts & { problem: string | null; failed: boolean }> {
  const sql = insertSql(table, plan);
  const total: Counts = { candidates: 0, passed: 0, inserted: 0 };
  let from = 0;
  let firstBatch: Record<string, unknown>[] = [];
  await client.query("BEGIN");
  try {
    while (total.inserted < options.rows && from < options.rows * MAX_CANDIDATES) {
      const count = Math.min(BATCH, options.rows - total.inserted);
      const rows = generateRows(plan, from, count, options.rows, parents);
      if (from === 0) firstBatch = rows;
      from += count;
      const { rows: out } = await client.query<Counts>(sql, [JSON.stringify(rows)]);
      const c = out[0] as Counts;
      total.candidates += c.candidates;
      total.passed += c.passed;
      total.inserted += c.inserted;
      // Nothing passes: more of the same will not either.
      if (c.passed === 0) break;
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    const e = err as { message?: string; detail?: string };
    return {
      ...total,
      inserted: 0,
      // "Failing row contains (…)" shows a generated row (and the time it was made): noise.
      problem: `${e.message}${e.detail && !e.detail.startsWith("Failing row contains") ? ` (${e.detail})` : ""}`,
      failed: true,
    };
  }
  if (total.inserted === 0 && total.candidates > 0) {
    const check = await refusingCheck(client, table, firstBatch);
    return {
      ...total,
      problem: check ?? "every generated row repeated a unique key of rows already there",
      failed: false,
    };
  }
  return { ...total, problem: null, failed: false };
}

/**
 * A deferred reference (a self-reference, or one that closes a cycle): NULL at insert, set now
 * from the rows present. A table referencing itself points each row at an earlier row, so the
 * references form trees, not loops.
 */
async function fillDeferred(
  client: pg.Client,
  table: FillTable,
  key: KeyPlan,
  refTable: string,
  tables: ReadonlyMap<string, FillTable>,
  seed: number,
): Promise<string | null> {
  const self = refTable === table.name;
  const refs = key.refColumns.map(ident).join(", ");
  const { rows } = await client.query<{ rows: [string, ...unknown[]][] | null }>(
    `SELECT json_agg(json_build_array(ctid::text${self ? `, ${refs}` : ""}) ORDER BY ctid) AS rows FROM ${table.sql}`,
  );
  const own = rows[0]?.rows ?? [];
  const parents = self ? [] : await parentKeys(client, tables, refTable, key.refColumns);
  const stream = streamOf(seed, table.name, key.constraint);
  const updates: Record<string, unknown>[] = [];
  own.forEach(([rid], j) => {
    if (unit(stream, j, 99) < 0.1) return;
    let values: unknown[] | null = null;
    if (self && j > 0) values = (own[mix(stream, j) % j] as unknown[]).slice(1);
    else if (!self && parents.length > 0) {
      const p = parents[mix(stream, j) % parents.length] as Record<string, unknown>;
      values = key.refColumns.map((c) => p[c]);
    }
    if (values === null || values.some((v) => v === null)) return;
    updates.push({ rid, ...Object.fromEntries(key.columns.map((c, k) => [c, values[k]])) });
  });
  if (updates.length === 0) return null;
  const types = key.columns.map(
    (c) => `${ident(c)} ${table.columns.find((x) => x.name === c)?.type ?? "text"}`,
  );
  try {
    await client.query("BEGIN");
    for (let at = 0; at < updates.length; at += BATCH) {
      await client.query(
        `UPDATE ${table.sql} AS t SET (${key.columns.map(ident).join(", ")}) = ROW(${key.columns.map((c) => `v.${ident(c)}`).join(", ")})
           FROM json_to_recordset($1::json) AS v(rid tid, ${types.join(", ")}) WHERE t.ctid = v.rid`,
        [JSON.stringify(updates.slice(at, at + BATCH))],
      );
    }
    await client.query("COMMIT");
    return null;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    return `\`${key.columns.join(", ")}\` left NULL: ${(err as Error).message}`;
  }
}

export async function fillTables(client: pg.Client, options: FillOptions): Promise<FillReport> {
  const started = performance.now();
  const all = await introspect(client);
  const tables = new Map(all.map((t) => [t.name, t]));
  const { order, deferred, skipped } = fillOrder(all);
  const results = new Map<string, Omit<FilledTable, "rows">>();
  const skips = new Map(skipped);
  const plans = new Map<string, TablePlan>();
  for (const name of order) {
    const table = tables.get(name) as FillTable;
    const parents = new Map<string, Record<string, unknown>[]>();
    for (const fk of table.constraints.filter((c) => c.type === "f")) {
      if (fk.refTable === null || fk.refTable === name || deferred.get(name)?.includes(fk.name))
        continue;
      parents.set(fk.name, await parentKeys(client, tables, fk.refTable, fk.refColumns));
    }
    const sizes = new Map([...parents].map(([k, v]) => [k, v.length]));
    const tableStarted = performance.now();
    // A trigger (or a CHECK across columns) may refuse NULLs the columns allow: fewer, then none.
    const failures: string[] = [];
    for (const nulls of ["nullable", "without default", "none"] as const) {
      const plan = planTable(table, options.seed, sizes, deferred.get(name) ?? [], nulls);
      if (plan.problem !== null) {
        skips.set(name, plan.problem);
        break;
      }
      const filled = await fillTable(client, table, plan, parents, options);
      if (filled.problem !== null && filled.inserted === 0) {
        failures.push(filled.problem);
        if (filled.failed && nulls !== "none") continue;
        skips.set(name, failures.join("; then, with fewer NULLs: "));
        break;
      }
      plans.set(name, plan);
      results.set(name, {
        table: name,
        generated: filled.inserted,
        failedCheck: filled.candidates - filled.passed,
        duplicateKey: filled.passed - filled.inserted,
        note:
          failures.length === 0
            ? null
            : `generated without NULLs${nulls === "none" ? "" : " in columns that have a default"}, as rows with them were refused: ${failures.join("; then: ")}`,
        durationMs: performance.now() - tableStarted,
      });
      break;
    }
  }
  for (const [name, constraints] of deferred) {
    const plan = plans.get(name);
    const result = results.get(name);
    if (plan === undefined || result === undefined) continue;
    const notes: string[] = [];
    for (const key of plan.keys.filter((k) => constraints.includes(k.constraint))) {
      const fk = tables.get(name)?.constraints.find((c) => c.name === key.constraint);
      const note = await fillDeferred(
        client,
        tables.get(name) as FillTable,
        key,
        fk?.refTable ?? name,
        tables,
        options.seed,
      );
      if (note !== null) notes.push(note);
    }
    if (notes.length > 0) result.note = notes.join("; ");
  }
  for (const name of results.keys())
    await client.query(`VACUUM (ANALYZE) ${(tables.get(name) as FillTable).sql}`);
  const counts = await rowCounts(client, all);
  return {
    rows: options.rows,
    seed: options.seed,
    tables: [...results.values()].map((r) => ({ ...r, rows: counts.get(r.table) ?? 0 })),
    skipped: [...skips]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([table, reason]) => ({ table, reason })),
    durationMs: performance.now() - started,
  };
}

/** Rows per table, counted. */
export async function rowCounts(
  client: pg.Client,
  tables: readonly FillTable[],
): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const { rows } = await client.query<{ name: string; n: number }>(
    tables
      .map((t, i) => `SELECT $${i + 1}::text AS name, count(*)::int AS n FROM ${t.sql}`)
      .join(" UNION ALL "),
    tables.map((t) => t.name),
  );
  return new Map(rows.map((r) => [r.name, r.n]));
}
