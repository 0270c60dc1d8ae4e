/**
 * Errors and exit codes shared by the runner and the `gaia-db` CLI.
 * Every failure a user can act on is a `GaiaDbError`; the CLI maps its `exitCode` to the process
 * exit status and prints its message without a stack trace.
 */

export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  refused: 3,
  lockTimeout: 4,
  gap: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class GaiaDbError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Extra lines (e.g. a catalog diff) printed after the message. */
  readonly details: string[];

  constructor(message: string, exitCode: ExitCodeValue, details: string[] = []) {
    super(message);
    this.name = "GaiaDbError";
    this.exitCode = exitCode;
    this.details = details;
  }
}

export const usageError = (message: string) => new GaiaDbError(message, ExitCode.usage);
export const refused = (message: string, details: string[] = []) =>
  new GaiaDbError(message, ExitCode.refused, details);

/**
 * Masks credentials in any text that may contain a connection URL: `://user:pass@` becomes
 * `://user:***@`, and every literal occurrence of the given secrets is replaced by `***`.
 */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/(:\/\/[^:/?#@\s]*):[^@\s]*@/g, "$1:***@");
  for (const secret of secrets) {
    // Very short strings would mask unrelated text; real passwords and URLs are longer.
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}

/** The password (and raw userinfo) of a connection URL, for masking; [] when unparseable. */
export function secretsOfUrl(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    const out = [url];
    if (parsed.password) out.push(parsed.password, decodeURIComponent(parsed.password));
    return out;
  } catch {
    return [url];
  }
}
