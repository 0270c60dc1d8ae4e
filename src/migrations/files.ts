/**
 * Loading migration files: `migrations/<module>/NNNN_name.sql`, validated, normalised and hashed.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { refused, usageError } from "./errors";
import { type Statement, splitStatements } from "./splitter";

/** Modules in the order they are applied. `core` is always applied. */
export const MODULES = ["core", "vector", "rbac", "experience"] as const;
export type Module = (typeof MODULES)[number];

export const NO_TRANSACTION_MARKER = "-- gaia:no-transaction";
export const FILE_NAME_RULE =
  "migration files are named NNNN_name.sql: exactly four digits, an underscore, then lower-case letters, digits and underscores (e.g. 0003_add_personas.sql)";
const FILE_NAME = /^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;

export interface MigrationFile {
  module: Module;
  /** The four-digit version, e.g. "0001". */
  version: string;
  /** The name part, e.g. "live_schema". */
  name: string;
  /** `<module>/<file>`, always with forward slashes: the name users and the ledger see. */
  relativePath: string;
  /** The text with the BOM stripped and line endings normalised to LF (what is executed). */
  sql: string;
  checksum: string;
  noTransaction: boolean;
}

/** Removes a leading BOM and turns CRLF and lone CR into LF. */
export function normalizeSql(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

/** sha256 (hex) of the normalised text, so re-saving with CRLF or a BOM changes nothing. */
export function checksum(text: string): string {
  return sha256(normalizeSql(text));
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The first line of the file is exactly the no-transaction marker (trailing space allowed). */
export function hasNoTransactionMarker(text: string): boolean {
  const first = normalizeSql(text).split("\n", 1)[0] ?? "";
  return first.trimEnd() === NO_TRANSACTION_MARKER;
}

/**
 * Parses a module list such as "core,vector" (order and duplicates do not matter; `core` is
 * always included) and returns it in application order.
 */
export function parseModules(input: string | readonly string[]): Module[] {
  const names = (typeof input === "string" ? input.split(",") : [...input])
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
  for (const name of names) {
    if (!(MODULES as readonly string[]).includes(name)) {
      throw usageError(
        `unknown migration module "${name}": allowed modules are ${MODULES.join(", ")} (comma-separated, e.g. --modules core,vector)`,
      );
    }
  }
  return MODULES.filter((m) => m === "core" || names.includes(m));
}

/** Files in a module directory that are not migrations and may sit next to them. */
const IGNORED = (name: string) => name.startsWith(".") || /\.md$/i.test(name);

/**
 * Reads every selected module's files, ordered by module (core → vector → rbac → experience) and
 * then by version. Refuses badly named files and duplicate versions; a selected module without a
 * directory is a configuration error.
 */
export function loadMigrationSet(root: string, modules: readonly Module[]): MigrationFile[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw usageError(
      `migrations directory ${root} does not exist: pass --migrations-dir pointing at the folder that holds core/, vector/, rbac/ and experience/`,
    );
  }
  const out: MigrationFile[] = [];
  for (const module of parseModules(modules)) {
    const dir = join(root, module);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw usageError(
        `module "${module}" has no directory ${module}/ under ${root}: create it or drop "${module}" from the module list`,
      );
    }
    const seen = new Map<string, string>();
    const files: MigrationFile[] = [];
    for (const entry of readdirSync(dir).sort()) {
      if (IGNORED(entry)) continue;
      const relativePath = `${module}/${entry}`;
      const match = FILE_NAME.exec(entry);
      if (!match || !statSync(join(dir, entry)).isFile()) {
        throw refused(`${relativePath}: bad migration file name; ${FILE_NAME_RULE}`);
      }
      const version = match[1] as string;
      const name = match[2] as string;
      const other = seen.get(version);
      if (other !== undefined) {
        throw refused(
          `duplicate version ${module}/${version}: ${module}/${other} and ${relativePath} both use it; give one of them the next free number`,
        );
      }
      seen.set(version, entry);
      const sql = normalizeSql(readFileSync(join(dir, entry), "utf8"));
      files.push({
        module,
        version,
        name,
        relativePath,
        sql,
        checksum: sha256(sql),
        noTransaction: hasNoTransactionMarker(sql),
      });
    }
    out.push(...files);
  }
  return out;
}

export interface PreparedStatement extends Statement {
  checksum: string;
}

/** Transaction control inside a file would break the runner's one-transaction-per-file rule. */
const TRANSACTION_CONTROL =
  /^(begin|commit|rollback|end|abort|start\s+transaction|savepoint|release|prepare\s+transaction)\b/i;

/** Statements PostgreSQL refuses inside a transaction block (SQLSTATE 25001). */
export const OUTSIDE_TRANSACTION_ONLY =
  /^(create\s+(unique\s+)?index\s+concurrently|drop\s+index\s+concurrently|reindex\b[^;]*\bconcurrently\b|reindex\s+(system|database)\b|vacuum\b|alter\s+system\b|(create|drop)\s+(database|tablespace)\b)/i;

/**
 * Statements that change the session rather than the transaction: the runner applies every file
 * on one session, so they would leak into the files that follow (SET LOCAL, SET CONSTRAINTS and
 * SET TRANSACTION end with the transaction and are allowed).
 */
const SESSION_STATE = /^(set\b(?!\s+(local|constraints|transaction)\b)|reset\b|discard\b)/i;
/** Releasing advisory locks would release the runner's migration lock. */
const ADVISORY_UNLOCK = /\bpg_advisory_unlock(_all)?\s*\(/i;
/** A routine definition only stores its body; calls inside run later, not during the migration. */
const ROUTINE_DEFINITION = /^create\s+(or\s+replace\s+)?(function|procedure)\b/i;

function sessionStateProblem(file: MigrationFile, s: Statement): string | null {
  if (SESSION_STATE.test(s.text)) {
    const what = leadingWords(s.text, /^set\s+(role|session)\b/i.test(s.text) ? 2 : 1);
    return `${file.relativePath} line ${s.line}: "${what}" changes the session, and the runner applies every file on one session, so it would leak into the files that follow: use SET LOCAL (it ends with the file's transaction), or a routine's own SET clause${file.noTransaction ? ", in a transactional file (SET LOCAL has no effect outside a transaction block)" : ""}`;
  }
  if (ADVISORY_UNLOCK.test(s.text) && !ROUTINE_DEFINITION.test(s.text)) {
    return `${file.relativePath} line ${s.line}: pg_advisory_unlock / pg_advisory_unlock_all would release the runner's migration lock held by this session: use transaction-level locks (pg_advisory_xact_lock), which are released when the file's transaction ends, and SET LOCAL for settings`;
  }
  return null;
}

/** The leading keywords of a statement, for messages: "CREATE INDEX CONCURRENTLY". */
function leadingWords(text: string, n: number): string {
  return text.split(/\s+/, n).join(" ").toUpperCase();
}

/**
 * Splits a file into statements with their checksums; refuses transaction control statements,
 * which would commit half a file (the runner owns BEGIN/COMMIT), and, in a transactional file,
 * statements that cannot run in a transaction (they would fail only when applied).
 */
export function prepareStatements(file: MigrationFile): PreparedStatement[] {
  const statements = splitStatements(file.sql);
  for (const s of statements) {
    if (!file.noTransaction && OUTSIDE_TRANSACTION_ONLY.test(s.text)) {
      const what = /concurrently/i.test(s.text.slice(0, 40))
        ? leadingWords(s.text, /^create\s+unique/i.test(s.text) ? 4 : 3)
        : leadingWords(s.text, /^(vacuum|reindex)/i.test(s.text) ? 1 : 2);
      throw refused(
        `${file.relativePath} line ${s.line}: ${what} cannot run inside a transaction block, and this file runs in one: make "${NO_TRANSACTION_MARKER}" its first line (each statement then runs on its own and progress is recorded), preferably in a file of its own`,
      );
    }
    const sessionProblem = sessionStateProblem(file, s);
    if (sessionProblem) throw refused(sessionProblem);
    if (TRANSACTION_CONTROL.test(s.text) && !/^begin\s+atomic\b/i.test(s.text)) {
      throw refused(
        `${file.relativePath} line ${s.line}: transaction control statement "${s.text.split(/\s/, 1)[0]}" is not allowed; the runner wraps each file in one transaction (or runs it statement by statement when its first line is "${NO_TRANSACTION_MARKER}"): remove it`,
      );
    }
  }
  return statements.map((s) => ({ ...s, checksum: sha256(s.text) }));
}
