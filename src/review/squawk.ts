/**
 * squawk's findings for the files a change adds, run as the SQL lint workflow runs it (same
 * release, `--pg-version=15.0`, transactional files with `--assume-in-transaction`), read from its
 * JSON reporter.
 */
import { execFile } from "node:child_process";

/** The squawk release the SQL lint workflow pins (test/review checks they agree). */
export const SQUAWK_VERSION = "2.66.0";
export const DEFAULT_SQUAWK = ["npx", "--yes", `squawk-cli@${SQUAWK_VERSION}`];

export interface SquawkFinding {
  file: string;
  /** 1-based (squawk's JSON counts from 0). */
  line: number;
  level: string;
  rule: string;
  message: string;
  help: string | null;
}

export type SquawkResult =
  | { ran: true; findings: SquawkFinding[] }
  | { ran: false; error: string; findings: [] };

/** Parses `squawk --reporter json` output; throws with what was wrong. */
export function parseSquawkJson(text: string): SquawkFinding[] {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === "" ? "[]" : text);
  } catch {
    throw new Error(`squawk did not print JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!Array.isArray(value)) throw new Error("squawk's JSON is not a list of findings");
  return value.map((item, i) => {
    const f = item as Record<string, unknown>;
    if (
      typeof f.file !== "string" ||
      typeof f.line !== "number" ||
      typeof f.rule_name !== "string"
    ) {
      throw new Error(`squawk finding ${i + 1} lacks file, line or rule_name`);
    }
    return {
      file: f.file,
      line: f.line + 1,
      level: typeof f.level === "string" ? f.level : "Warning",
      rule: f.rule_name,
      message: typeof f.message === "string" ? f.message : "",
      help: typeof f.help === "string" ? f.help : null,
    };
  });
}

function exec(
  command: readonly string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string; error?: string }> {
  return new Promise((resolve) => {
    const [program, ...args] = command as [string, ...string[]];
    execFile(
      program,
      args,
      { cwd, maxBuffer: 32 * 1024 * 1024, encoding: "utf8", timeout: 300_000 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (e && typeof e.code === "string") {
          resolve({ code: null, stdout, stderr, error: `${program}: ${e.code}` });
        } else {
          resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr });
        }
      },
    );
  });
}

export interface SquawkFile {
  /** Repository-relative path, run from the repository root. */
  path: string;
  noTransaction: boolean;
}

/**
 * Runs squawk once per group (transactional files, `-- gaia:no-transaction` files). squawk exits 1
 * when it has findings; any other failure, or output that is not its JSON, is reported as
 * "could not run" rather than as a clean lint.
 */
export async function runSquawk(
  command: readonly string[],
  files: readonly SquawkFile[],
  cwd: string,
): Promise<SquawkResult> {
  const findings: SquawkFinding[] = [];
  const groups = [
    { files: files.filter((f) => !f.noTransaction), extra: ["--assume-in-transaction"] },
    { files: files.filter((f) => f.noTransaction), extra: [] },
  ];
  for (const group of groups) {
    if (group.files.length === 0) continue;
    const result = await exec(
      [
        ...command,
        "--pg-version=15.0",
        "--reporter",
        "json",
        ...group.extra,
        ...group.files.map((f) => f.path),
      ],
      cwd,
    );
    const failure =
      result.error ??
      (result.code === 0 || result.code === 1
        ? undefined
        : `exit code ${result.code}: ${result.stderr.trim().split("\n").slice(-1)[0] ?? ""}`);
    if (failure !== undefined) return { ran: false, error: failure, findings: [] };
    try {
      findings.push(...parseSquawkJson(result.stdout));
    } catch (err) {
      return { ran: false, error: (err as Error).message, findings: [] };
    }
  }
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { ran: true, findings };
}
