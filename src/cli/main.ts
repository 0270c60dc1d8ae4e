/**
 * `gaia-db`: the entry point. `runCli` runs one invocation against the given io and returns the
 * exit code (it never calls process.exit, so tests drive it in process); `main` is what
 * bin/gaia-db.js calls, with the real streams. The commands are in src/cli/commands/, the core
 * that parses, dispatches and renders errors in src/cli/program.ts.
 */

import { maskSecrets } from "../migrations/postgresUrl";
import { armDeadline } from "../process/deadline";
import { restrictEnvironment } from "../process/environment";
import { ExitCode } from "../shared/errors";
import type { CliIo } from "./io";
import { runProgram, urlArguments } from "./program";

export type { CliIo } from "./io";

/** Runs one invocation and returns the exit code; all output goes through `io`. */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runProgram(argv, io);
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolveText, reject) => {
    let text = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => resolveText(text));
    stream.on("error", reject);
  });
}

/**
 * Entry point used by bin/gaia-db.js: real streams, exit code via process.exitCode.
 *
 * With --stdin-config, how the Pulumi program runs it, everything gaia-db needs comes from stdin
 * and flags: it drops every environment variable outside its explicit environment (the state
 * backend's keys, PULUMI_CONFIG_PASSPHRASE, DATABASE_URL, ...) before anything else runs.
 * GAIA_TIMEOUT_SECONDS (the command's customTimeout) arms its own deadline.
 */
export function main(): void {
  const argv = process.argv.slice(2);
  // A reader that stops early (`gaia-db status dev --json | head -1`) closes the pipe. Its EPIPE
  // must not crash the run with a stack trace, nor stop a migration half way: the command goes
  // on, its output is dropped, and the exit code is the command's own.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
  if (argv.includes("--stdin-config")) restrictEnvironment("gaia-db");
  try {
    armDeadline(process.env, argv[0] || "the command", (message) => {
      process.stderr.write(`gaia-db: ${maskSecrets(message)}\n`);
    });
  } catch (e) {
    process.stderr.write(`gaia-db: ${maskSecrets((e as Error).message)}\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    readStdin: () => readAll(process.stdin),
    isTty: process.stdout.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `gaia-db: ${maskSecrets(e instanceof Error ? e.message : String(e), urlArguments(argv))}\n`,
      );
      process.exitCode = ExitCode.runtime;
    },
  );
}
