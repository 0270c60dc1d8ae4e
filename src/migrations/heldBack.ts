/**
 * Files held back after a restore (`gaia:migrations.heldBack`, written by `gaia-db restore`): the
 * restored database's ledger lacks the files its snapshot preceded, and migrate would apply them
 * again, the very migrations being rolled back. An entry names a file and the checksum it had:
 * while that file is pending with that checksum, migrate applies nothing from it on (later files
 * may depend on it). It is released when the file is gone from the set (reverted), when its
 * text changed (replaced by a forward fix), or when the config entry is removed
 * (`gaia-db restore <env> --release`).
 */
import { usageError } from "../shared/errors";
import { HELD_BACK_SHAPE } from "../shared/vocabulary";

export interface HeldFile {
  file: string;
  checksum: string;
}

/** One entry, checked; `origin` names where it came from in the error. */
export function parseHeldBack(entry: string, origin: string): HeldFile {
  if (!HELD_BACK_SHAPE.test(entry))
    throw usageError(
      `${origin}: "${entry}" is not a held-back file; expected module/NNNN_name.sql:<sha256 of the file> (a line of the stack output migrationFiles), as gaia-db restore writes it`,
    );
  const at = entry.lastIndexOf(":");
  return { file: entry.slice(0, at), checksum: entry.slice(at + 1) };
}

/** A file migrate would apply (pending or partly applied), in application order. */
export interface Candidate {
  file: string;
  checksum: string;
}

export interface HoldOutcome<T extends Candidate> {
  /** What migrate applies: the candidates before the first one held. */
  apply: T[];
  /** Not applied, and why. */
  held: { file: string; reason: string }[];
  /** Entries that no longer hold anything back, and why (the config entry can go). */
  released: { file: string; reason: string }[];
}

/**
 * Splits migrate's work at the first held file. `known` is every file of the set with its
 * checksum (to tell a reverted file from an applied one).
 */
export function holdBack<T extends Candidate>(
  todo: readonly T[],
  heldBack: readonly HeldFile[],
  known: ReadonlyMap<string, string>,
): HoldOutcome<T> {
  const byFile = new Map(heldBack.map((h) => [h.file, h]));
  const outcome: HoldOutcome<T> = { apply: [], held: [], released: [] };
  let first: string | null = null;
  for (const t of todo) {
    const h = byFile.get(t.file);
    if (first === null && h !== undefined && h.checksum === t.checksum) first = t.file;
    if (first === null) {
      outcome.apply.push(t);
      continue;
    }
    outcome.held.push({
      file: t.file,
      reason:
        t.file === first
          ? "held back since a restore (gaia:migrations.heldBack): revert it, replace it with a forward fix, or release it with gaia-db restore <env> --release"
          : `waits behind ${first}, which is held back`,
    });
  }
  const pending = new Set(todo.map((t) => t.file));
  for (const h of heldBack) {
    const checksum = known.get(h.file);
    if (checksum === undefined)
      outcome.released.push({ file: h.file, reason: "no longer in the migration set (reverted)" });
    else if (checksum !== h.checksum)
      outcome.released.push({
        file: h.file,
        reason: "its text changed since it was held back (replaced by a forward fix)",
      });
    else if (!pending.has(h.file))
      outcome.released.push({ file: h.file, reason: "already applied to this database" });
  }
  return outcome;
}
