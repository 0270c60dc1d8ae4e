/**
 * Loading migration files: `migrations/<module>/NNNN_name.sql`, validated, normalised and hashed.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  ExitCode,
  GaiaDbError,
  refusedError as refused,
  thrownText,
  usageError,
} from "../shared/errors";
import { type Module, parseModules } from "../shared/vocabulary";
import { SqlSyntaxError, type Statement, splitStatements } from "./splitter";
import { type StatementKind, statementKind } from "./statementKind";

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
  /**
   * Why the bytes cannot be sent to PostgreSQL as they are (invalid UTF-8, a NUL byte), or null.
   * Applying such a file is refused; an applied one is still recognised by its checksum.
   */
  encodingProblem: string | null;
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
      const bytes = readFileSync(join(dir, entry));
      // Decoding replaces invalid bytes with U+FFFD; the checksum stays that of the decoded text,
      // as it always was, so a file applied before this check still matches its ledger row.
      const sql = normalizeSql(bytes.toString("utf8"));
      files.push({
        module,
        version,
        name,
        relativePath,
        sql,
        checksum: sha256(sql),
        noTransaction: hasNoTransactionMarker(sql),
        encodingProblem: encodingProblem(bytes),
      });
    }
    out.push(...files);
  }
  return out;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    // [continuation bytes, range of the first continuation byte]: the second byte's range
    // excludes overlong forms (E0, F0), UTF-16 surrogates (ED) and code points past U+10FFFF (F4).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

/** Invalid UTF-8 would reach the database as U+FFFD, and a NUL byte ends the SQL text early. */
export function encodingProblem(bytes: Uint8Array): string | null {
  const nul = bytes.indexOf(0);
  const invalid = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
  if (invalid !== -1 && (nul === -1 || invalid < nul)) {
    return `invalid UTF-8 at byte offset ${invalid} (line ${lineAt(bytes, invalid)}): PostgreSQL would receive the replacement character U+FFFD instead; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)`;
  }
  if (nul !== -1) {
    return `NUL byte at byte offset ${nul} (line ${lineAt(bytes, nul)}): SQL text cannot contain it; remove it`;
  }
  return null;
}

/**
 * The largest pending file the runner parses: 4 MiB. PostgreSQL 15's parser (WebAssembly) needs
 * about 60 times a file's size in memory (4 MiB: ~350 MB and under 2 s; 16 MiB: ~1 GB) and fails
 * on files of some tens of MB, so a bigger file is refused before it is parsed.
 */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Why `file` is too large to parse, or null. */
export function sizeProblem(file: MigrationFile, limit = MAX_FILE_BYTES): string | null {
  const size = Buffer.byteLength(file.sql, "utf8");
  if (size <= limit) return null;
  return `${file.relativePath} is ${size} bytes, over the limit of ${limit} bytes (${limit / 1024 / 1024} MiB) per migration file (PostgreSQL 15's parser, which checks every pending file before anything runs, needs about 60 times a file's size in memory and fails on files of some tens of MB): split it into files of at most ${limit / 1024 / 1024} MiB`;
}

/**
 * The parser failed on `file` without a syntax error (it ran out of stack or memory): not a
 * refusal of the file's SQL, so a failure of plan as well as of migrate.
 */
export function parserFailure(file: MigrationFile, thrown: unknown): GaiaDbError {
  const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : thrownText(thrown);
  return new GaiaDbError(
    `${file.relativePath}: PostgreSQL 15's parser failed on this file (${what}), so it was not checked and nothing was applied: simplify the statement that nests deepest (thousands of terms in one expression, say) or split the file`,
    ExitCode.runtime,
  );
}

export interface PreparedStatement {
  /** The statement text without its terminating semicolon, leading comments and trailing space. */
  text: string;
  /** 1-based line of the statement's first character in the file. */
  line: number;
  /** sha256 of `text`: the ledger's per-statement checksum. */
  checksum: string;
  kind: StatementKind;
}

/**
 * Releasing advisory locks would release the runner's migration lock. Matched in the text, not
 * the tree: a DO body or an EXECUTE string that calls it runs now, yet is a string in the tree.
 */
const ADVISORY_UNLOCK = /\bpg_advisory_unlock(_all)?\s*\(/i;

function sessionStateProblem(
  file: MigrationFile,
  s: Statement,
  kind: StatementKind,
): string | null {
  if (kind.sessionState) {
    const what = leadingWords(s.text, /^set\s+(role|session)\b/i.test(s.text) ? 2 : 1);
    return `${file.relativePath} line ${s.line}: "${what}" changes the session, and the runner applies every file on one session, so it would leak into the files that follow: use SET LOCAL (it ends with the file's transaction), or a routine's own SET clause${file.noTransaction ? ", in a transactional file (SET LOCAL has no effect outside a transaction block)" : ""}`;
  }
  // A routine definition only stores its body; calls inside run later, not during the migration.
  if (ADVISORY_UNLOCK.test(s.text) && !kind.routineDefinition) {
    return `${file.relativePath} line ${s.line}: pg_advisory_unlock / pg_advisory_unlock_all would release the runner's migration lock held by this session: use transaction-level locks (pg_advisory_xact_lock), which are released when the file's transaction ends, and SET LOCAL for settings`;
  }
  return null;
}

/** The leading keywords of a statement, for messages: "SET ROLE". */
function leadingWords(text: string, n: number): string {
  return text.split(/\s+/, n).join(" ").toUpperCase();
}

/**
 * Splits a file into statements with their checksums, by PostgreSQL 15's grammar, and refuses
 * before anything runs: bytes PostgreSQL would not receive as written, a file over
 * MAX_FILE_BYTES, a syntax error, a file
 * without statements (it would be recorded as applied having done nothing), transaction control
 * statements, which would commit half a file (the runner owns BEGIN/COMMIT), and, in a
 * transactional file, statements that cannot run in a transaction (they would fail only when
 * applied).
 */
export async function prepareStatements(file: MigrationFile): Promise<PreparedStatement[]> {
  if (file.encodingProblem) throw refused(`${file.relativePath}: ${file.encodingProblem}`);
  const tooLarge = sizeProblem(file);
  if (tooLarge) throw refused(tooLarge);
  let statements: Statement[];
  try {
    statements = await splitStatements(file.sql);
  } catch (err) {
    if (!(err instanceof SqlSyntaxError)) throw parserFailure(file, err);
    throw refused(
      `${file.relativePath}:${err.line}:${err.column}: ${err.message} (PostgreSQL 15 grammar): fix the statement and run again`,
    );
  }
  if (statements.length === 0) {
    throw refused(
      `${file.relativePath} holds no SQL statement (it is empty or only comments), so it would be recorded as applied without doing anything: add the statements it is meant to run, or delete it`,
    );
  }
  const prepared: PreparedStatement[] = [];
  for (const s of statements) {
    const kind = statementKind(s.tree);
    if (!file.noTransaction && kind.outsideTransaction !== null) {
      throw refused(
        `${file.relativePath} line ${s.line}: ${kind.outsideTransaction} cannot run inside a transaction block, and this file runs in one: make "${NO_TRANSACTION_MARKER}" its first line (each statement then runs on its own and progress is recorded), preferably in a file of its own`,
      );
    }
    const sessionProblem = sessionStateProblem(file, s, kind);
    if (sessionProblem) throw refused(sessionProblem);
    if (kind.transactionControl) {
      throw refused(
        `${file.relativePath} line ${s.line}: transaction control statement "${s.text.split(/\s/, 1)[0]}" is not allowed; the runner wraps each file in one transaction (or runs it statement by statement when its first line is "${NO_TRANSACTION_MARKER}"): remove it`,
      );
    }
    prepared.push({ text: s.text, line: s.line, checksum: sha256(s.text), kind });
  }
  return prepared;
}
