import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import {
  LCAT,
  MAPPED_TO_NOTHING,
  NON_ASCII_SPACE,
  PROHIBITED,
  RANDALCAT,
  UNASSIGNED,
} from "./saslprepTables";

type Table = (codePoint: number) => boolean;

/** A membership test over "first-last,..." ranges (sorted): binary search. */
function table(text: string): Table {
  const ranges = text.split(",").map((range) => range.split("-").map((hex) => parseInt(hex, 16)));
  return (code) => {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [first, last] = ranges[mid] as [number, number];
      if (code < first) hi = mid - 1;
      else if (code > last) lo = mid + 1;
      else return true;
    }
    return false;
  };
}

const isSpace = table(NON_ASCII_SPACE);
const isNothing = table(MAPPED_TO_NOTHING);
const isProhibited = table(PROHIBITED);
const isUnassigned = table(UNASSIGNED);
const isRandAL = table(RANDALCAT);
const isL = table(LCAT);

/**
 * SASLprep (RFC 4013) as PostgreSQL applies it to a password (pg_saslprep): ASCII is taken as
 * it is; otherwise non-ASCII spaces become spaces, "mapped to nothing" characters go, and the
 * result is NFKC-normalised. A password that is empty after mapping, holds a prohibited or
 * (in Unicode 3.2) unassigned character, or breaks the bidirectional rules is not prepared: the
 * server hashes it as it is, and so must we. Like PostgreSQL, the checks run on the mapped
 * characters before normalisation.
 */
export function saslprep(password: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is every code point below 128.
  if (/^[\x00-\x7f]*$/.test(password)) return password;
  const mapped: number[] = [];
  for (const char of password) {
    const code = char.codePointAt(0) as number;
    if (isSpace(code)) mapped.push(0x20);
    else if (!isNothing(code)) mapped.push(code);
  }
  if (mapped.length === 0) return password;
  if (mapped.some((code) => isProhibited(code) || isUnassigned(code))) return password;
  if (mapped.some(isRandAL)) {
    const ends = [mapped[0], mapped.at(-1)] as number[];
    if (mapped.some(isL) || !ends.every(isRandAL)) return password;
  }
  return String.fromCodePoint(...mapped).normalize("NFKC");
}

/**
 * A SCRAM-SHA-256 verifier in PostgreSQL's stored format, computed on this side so that
 * `CREATE/ALTER ROLE … PASSWORD '<verifier>'` never sends the plaintext password to the server
 * (where `log_statement` or `pg_stat_statements` could keep it). The password is prepared as
 * the server would prepare it (saslprep), so the login works as if the server had hashed it.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(saslprep(password), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** A random password of hex characters: nothing in it needs quoting in a URL or in SQL. */
export function generatePassword(bytes = 24): string {
  return randomBytes(bytes).toString("hex");
}
