/**
 * PostgreSQL's table lock modes, from weakest to strongest, and what each one means for the
 * application while a migration holds it. Pure.
 */

/** `pg_locks.mode` names of the table-level modes, weakest first. */
export const LOCK_MODES = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

export function isLockMode(mode: string): mode is LockMode {
  return (LOCK_MODES as readonly string[]).includes(mode);
}

/**
 * Strength: a stronger mode conflicts with everything a weaker one conflicts with (the modes are
 * not a lattice, but along this order each conflicts with a superset of the previous one's
 * conflicting modes, except SHARE, which does not conflict with itself).
 */
export function lockRank(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function strongest(modes: readonly LockMode[]): LockMode | null {
  let best: LockMode | null = null;
  for (const m of modes) if (best === null || lockRank(m) > lockRank(best)) best = m;
  return best;
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`, as the LOCK statement and the manual write it. */
export function modeName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}

/** What holding each mode on a table blocks, and what goes on (PostgreSQL 15's conflict table). */
const EFFECT: Record<LockMode, [blocks: string, goesOn: string]> = {
  AccessShareLock: ["blocks only ACCESS EXCLUSIVE locks (DROP, most ALTER TABLE)", ""],
  RowShareLock: [
    "blocks EXCLUSIVE and ACCESS EXCLUSIVE locks (most ALTER TABLE)",
    "reads and writes go on",
  ],
  RowExclusiveLock: ["blocks index builds and most schema changes", "reads and writes go on"],
  ShareUpdateExclusiveLock: [
    "blocks schema changes, index builds and VACUUM",
    "reads and writes go on",
  ],
  ShareLock: ["blocks writes", "reads go on"],
  ShareRowExclusiveLock: ["blocks writes", "reads go on"],
  ExclusiveLock: ["blocks writes and SELECT … FOR UPDATE/SHARE", "plain reads go on"],
  AccessExclusiveLock: ["blocks reads and writes", ""],
};

/**
 * The plain-language consequence of holding `mode` on `relation`: "blocks reads and writes on
 * `users` until commit". `until` is "until commit" for a transaction's locks, "while it runs" for
 * a statement that commits on its own. A lock on an index reaches its table: queries plan with
 * every index of the table they read.
 */
export function consequence(
  mode: LockMode,
  relation: string,
  until: string,
  tableOfIndex?: string,
): string {
  const [blocks, goesOn] = EFFECT[mode];
  const target =
    tableOfIndex === undefined
      ? `\`${relation}\``
      : `\`${tableOfIndex}\` (through its index \`${relation}\`)`;
  return `${blocks} on ${target} ${until}${goesOn === "" ? "" : ` (${goesOn})`}`;
}

/**
 * What PostgreSQL 15's manual documents for the statements that run outside a transaction block,
 * for when a statement finished before the sampler saw its locks.
 */
export function documentedLock(outsideTransaction: string): string | null {
  if (/CONCURRENTLY/.test(outsideTransaction)) return "SHARE UPDATE EXCLUSIVE on its table";
  if (outsideTransaction === "VACUUM") {
    return "SHARE UPDATE EXCLUSIVE on each table (ACCESS EXCLUSIVE with FULL)";
  }
  if (/^REINDEX /.test(outsideTransaction)) {
    return "SHARE on each table and ACCESS EXCLUSIVE on each index, one table at a time";
  }
  if (outsideTransaction === "CLUSTER without a table name") {
    return "ACCESS EXCLUSIVE on each table, one table at a time";
  }
  return null;
}
