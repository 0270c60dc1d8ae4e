import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * A SCRAM-SHA-256 verifier in PostgreSQL's stored format, computed on this side so that
 * `CREATE/ALTER ROLE … PASSWORD '<verifier>'` never sends the plaintext password to the server
 * (where `log_statement` or `pg_stat_statements` could keep it).
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** A random password of hex characters: nothing in it needs quoting in a URL or in SQL. */
export function generatePassword(bytes = 24): string {
  return randomBytes(bytes).toString("hex");
}
