/**
 * `gaia-db review` and `gaia-db schema`: flags in, the cores of this folder called with plain
 * options, text or JSON out. Each `run` takes the arguments after the command word and returns
 * the exit code; nothing here calls process.exit.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ExitCode, GaiaDbError, usageError } from "../migrations/errors";
import { MODULES, parseModules } from "../migrations/files";
import { maskSecrets, parsePostgresUrl } from "../migrations/postgresUrl";
import { buildSchema, openServer, unbuildableModules } from "./build";
import { erDiagram } from "./mermaid";
import { renderMarkdown } from "./render";
import { review } from "./review";
import { DEFAULT_SQUAWK, SQUAWK_VERSION } from "./squawk";
import { parseAppliedFlag } from "./stacks";

export interface ReviewIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** The project this CLI belongs to (its migrations/ and stack files). */
const PROJECT_ROOT = resolve(__dirname, "..", "..");

/** Never DATABASE_URL: that names an environment's database, and the review creates and drops databases. */
export const SERVER_URL_VARIABLE = "GAIA_REVIEW_DATABASE_URL";

export const reviewHelp = `Usage: gaia-db review [options]

Reviews the schema change of the working tree against a base commit, for a pull request. On a
throwaway PostgreSQL, per set of modules the stack files declare, it builds the database at the
base and applies the working tree's files on top (as each environment's next pulumi up does),
then prints one Markdown report: the files each stack runs (production: its pre-migration
snapshot), the schema before and after object by object (tables, columns, constraints, indexes,
triggers, views, functions, sequences, extensions, roles and privileges), a Mermaid ER diagram
of the tables touched, and squawk's findings for the new files. A module the server cannot build
(vector without pgvector) is listed as not reviewed.

Options:
  --base <ref>                  commit to review against (default: the merge base of HEAD and
                                origin/main)
  --server-url <url>            PostgreSQL 15 to build on, as a user that may create databases
                                (or ${SERVER_URL_VARIABLE}; default: an embedded PostgreSQL 15)
  --applied <stack>=<file>      what a stack last applied: the output of pulumi stack output
                                migrationFiles [--json] (repeatable; default: the base's files)
  --squawk <path>               the squawk executable (default: npx --yes squawk-cli@${SQUAWK_VERSION})
  --skip-squawk                 do not run squawk
  --project-dir <dir>           the git work tree to review (default: this project)
  --output <file>               also write the Markdown report to this file
  --json                        one JSON document on stdout instead of Markdown
  -h, --help                    this text

Exit codes: 0 reviewed, 1 runtime error (git, the server, a base that does not build),
2 usage, 3 the head does not apply on the base or a stack's runner would refuse it.`;

export const schemaHelp = `Usage: gaia-db schema [options]

Builds the llm_platform schema from the migration files on a throwaway PostgreSQL and prints a
Mermaid ER diagram of every table and its foreign keys (GitHub renders it in Markdown), or with
--json the catalog. Modules the server cannot build (vector without pgvector) are left out and
named on stderr.

Options:
  --mermaid                     print the Mermaid ER diagram (the default)
  --modules <list>              default: ${MODULES.join(",")}
  --migrations-dir <dir>        default: the migrations/ folder of this package
  --server-url <url>            PostgreSQL 15 to build on, as a user that may create databases
                                (or ${SERVER_URL_VARIABLE}; default: an embedded PostgreSQL 15)
  --json                        the catalog as one JSON document instead
  -h, --help                    this text

Exit codes: 0 ok, 1 runtime error, 2 usage.`;

const write = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > 0) {
      throw new Error(`unexpected argument ${parsed.positionals.join(" ")}`);
    }
    return parsed.values;
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw usageError(`${message}; run gaia-db ${command} --help`);
  }
}

/** Prints an error as one line (and one JSON document with --json); returns its exit code. */
async function guarded(
  io: ReviewIo,
  args: readonly string[],
  body: (secrets: string[]) => Promise<number>,
): Promise<number> {
  const secrets: string[] = [];
  try {
    return await body(secrets);
  } catch (err) {
    const known = err instanceof GaiaDbError;
    const exitCode = known ? err.exitCode : ExitCode.runtime;
    const message = maskSecrets(err instanceof Error ? err.message : String(err), secrets);
    if (args.includes("--json")) {
      write(io.stdout, JSON.stringify({ ok: false, exitCode, error: message }, null, 2));
    }
    write(io.stderr, `gaia-db: ${known ? "" : "unexpected error: "}${message}`);
    return exitCode;
  }
}

/** --server-url or GAIA_REVIEW_DATABASE_URL, checked by the one URL parser and kept masked. */
function serverUrlOf(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  secrets: string[],
): string | undefined {
  const url = flag ?? env[SERVER_URL_VARIABLE];
  if (url === undefined || url === "") return undefined;
  secrets.push(url);
  parsePostgresUrl(url, flag !== undefined ? "--server-url" : SERVER_URL_VARIABLE);
  return url;
}

const reviewOptions = {
  base: { type: "string" },
  "server-url": { type: "string" },
  applied: { type: "string", multiple: true },
  squawk: { type: "string" },
  "skip-squawk": { type: "boolean" },
  "project-dir": { type: "string" },
  output: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function runReview(args: string[], io: ReviewIo): Promise<number> {
  return guarded(io, args, async (secrets) => {
    const flags = parse("review", args, reviewOptions);
    if (flags.help) {
      write(io.stdout, reviewHelp);
      return ExitCode.ok;
    }
    if (flags.squawk !== undefined && flags["skip-squawk"]) {
      throw usageError("--squawk and --skip-squawk contradict each other: give one");
    }
    const applied = new Map<string, { text: string; source: string }>();
    for (const value of flags.applied ?? []) {
      const [stack, file] = parseAppliedFlag(value);
      if (applied.has(stack))
        throw usageError(`--applied names stack ${stack} twice: give it once`);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        throw usageError(
          `--applied ${value}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
        );
      }
      applied.set(stack, { text, source: `--applied ${stack}=${file}` });
    }
    const serverUrl = serverUrlOf(flags["server-url"], io.env, secrets);
    const started = Date.now();
    const result = await review({
      repo: resolve(flags["project-dir"] ?? PROJECT_ROOT),
      ...(flags.base !== undefined ? { base: flags.base } : {}),
      ...(serverUrl ? { serverUrl } : {}),
      applied,
      squawk: flags["skip-squawk"]
        ? null
        : flags.squawk !== undefined
          ? [flags.squawk]
          : DEFAULT_SQUAWK,
      onProgress: (line) => write(io.stderr, `review: ${line}`),
    });
    const markdown = renderMarkdown(result);
    if (flags.output !== undefined) writeFileSync(flags.output, markdown);
    const exitCode = result.applies ? ExitCode.ok : ExitCode.refused;
    if (flags.json) {
      write(
        io.stdout,
        JSON.stringify({ ok: exitCode === ExitCode.ok, exitCode, ...result }, null, 2),
      );
    } else {
      io.stdout.write(markdown);
    }
    write(io.stderr, `review: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return exitCode;
  });
}

const schemaOptions = {
  mermaid: { type: "boolean" },
  modules: { type: "string" },
  "migrations-dir": { type: "string" },
  "server-url": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function runSchema(args: string[], io: ReviewIo): Promise<number> {
  return guarded(io, args, async (secrets) => {
    const flags = parse("schema", args, schemaOptions);
    if (flags.help) {
      write(io.stdout, schemaHelp);
      return ExitCode.ok;
    }
    if (flags.mermaid && flags.json) {
      throw usageError("--mermaid and --json choose the output: give one");
    }
    const modules = parseModules(flags.modules ?? MODULES.join(","));
    const serverUrl = serverUrlOf(flags["server-url"], io.env, secrets);
    const server = await openServer(serverUrl);
    try {
      const skipped = await unbuildableModules(server.url, modules);
      for (const s of skipped) {
        write(
          io.stderr,
          `schema: module ${s.module} left out: the server (${server.label}) offers no ${s.missing.join(", ")} extension`,
        );
      }
      const catalog = await buildSchema(server.url, {
        environment: "local",
        migrationsDir: resolve(flags["migrations-dir"] ?? resolve(PROJECT_ROOT, "migrations")),
        modules: modules.filter((m) => !skipped.some((s) => s.module === m)),
      });
      write(io.stdout, flags.json ? JSON.stringify(catalog, null, 2) : erDiagram(catalog));
      return ExitCode.ok;
    } finally {
      await server.stop();
    }
  });
}
