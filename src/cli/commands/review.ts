/**
 * `gaia-db review` and `gaia-db schema`: a pull request's schema change, and the whole schema as
 * a diagram, both built on a throwaway PostgreSQL (the cores are in src/review).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parsePostgresUrl } from "../../migrations/postgresUrl";
import {
  DEFAULT_ROWS,
  DEFAULT_SEED,
  MAX_ROWS,
  type MeasureOptions,
} from "../../review/measureOptions";
import { DEFAULT_SQUAWK, SQUAWK_VERSION } from "../../review/squawk";
import { ExitCode, usageError } from "../../shared/errors";
import { MIGRATIONS_DIR, MODULES, type Module, PROJECT_ROOT } from "../../shared/vocabulary";
import { loadBuild, loadMermaid, loadRender, loadReview, loadStacks } from "../lazy";
import { MIGRATION_COMMON_OPTIONS, OPTIONS, outputOptions, rowCountOption } from "../options";
import { type CommandSpec, flagOption, REVIEW_GROUP, type RunContext, stringOption } from "../spec";

/** Never DATABASE_URL: that names an environment's database, and the review creates and drops databases. */
export const SERVER_URL_VARIABLE = "GAIA_REVIEW_DATABASE_URL";

const SERVER_URL = {
  flags: "--server-url <url>",
  description: `PostgreSQL 15 to build on, as a user that may create databases (or ${SERVER_URL_VARIABLE}; default: an embedded PostgreSQL 15)`,
  group: OPTIONS,
};

/** --server-url or GAIA_REVIEW_DATABASE_URL, checked by the one URL parser and kept masked. */
function serverUrlOf(ctx: RunContext): string | undefined {
  const flag = stringOption(ctx, "server-url");
  const url = flag ?? ctx.io.env[SERVER_URL_VARIABLE];
  if (url === undefined || url === "") return undefined;
  ctx.secret(url);
  parsePostgresUrl(url, flag !== undefined ? "--server-url" : SERVER_URL_VARIABLE);
  return url;
}

function parseSeed(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 2 ** 31 - 1)) {
    throw usageError(`--seed ${value}: not a whole number from 0 to ${2 ** 31 - 1}`);
  }
  return n;
}

/** --measure, --rows and --seed: the measured review's options, or undefined without --measure. */
export function measureOptions(flags: {
  measure: boolean;
  rows: number | undefined;
  seed: number | undefined;
}): MeasureOptions | undefined {
  if (!flags.measure) {
    const given = (["rows", "seed"] as const).filter((f) => flags[f] !== undefined);
    if (given.length > 0) {
      throw usageError(
        `--${given[0]} applies to the measured review only: add --measure, or leave out --${given.join(" and --")}`,
      );
    }
    return undefined;
  }
  return { rows: flags.rows ?? DEFAULT_ROWS, seed: flags.seed ?? DEFAULT_SEED };
}

export const reviewCommand: CommandSpec = {
  path: ["review"],
  topic: "review",
  group: REVIEW_GROUP,
  summary: "a pull request's schema change: before and after, per stack, diagram, squawk",
  usage: "[options]",
  positionals: [],
  description:
    "Reviews the schema change of the working tree against a base commit, for a pull request. On a throwaway PostgreSQL, per set of modules the stack files declare, it builds the database at the base and applies the working tree's files on top (as each environment's next pulumi up does), then prints one Markdown report: the files each stack runs (production: its pre-migration snapshot), the schema before and after object by object (tables, columns, constraints, indexes, triggers, views, functions, sequences, extensions, roles and privileges), a Mermaid ER diagram of the tables touched, and squawk's findings for the new files. A module the server cannot build (vector without pgvector) is listed as not reviewed.\nWith --measure it also fills a copy of the base with generated rows (every table, following its column types, NOT NULL, CHECK, unique keys and foreign keys, with NULLs and repeated values where the schema allows them) and applies the head there with migrate, observing every statement: the locks it takes on existing tables and how long they are held, the tables it rewrites or scans, the rows it changes, its duration, and whether it fails on the rows (a finding, not an error).",
  options: [
    {
      flags: "--base <ref>",
      description: "commit to review against (default: the merge base of HEAD and origin/main)",
      group: OPTIONS,
    },
    SERVER_URL,
    {
      flags: "--applied <stack>=<file>",
      description:
        "what a stack last applied: the output of pulumi stack output migrationFiles [--json] (repeatable; default: the base's files)",
      group: OPTIONS,
      repeatable: true,
    },
    {
      flags: "--squawk <path>",
      description: `the squawk executable (default: npx --yes squawk-cli@${SQUAWK_VERSION})`,
      group: OPTIONS,
    },
    { flags: "--skip-squawk", description: "do not run squawk", group: OPTIONS },
    {
      flags: "--measure",
      description: "also measure the head on filled tables (see above)",
      group: OPTIONS,
    },
    // No default here: --rows and --seed without --measure are refused, so "not given" must show.
    {
      ...rowCountOption(
        "--rows <n>",
        "rows generated per table for --measure",
        DEFAULT_ROWS,
        MAX_ROWS,
      ),
      default: undefined,
    },
    {
      flags: "--seed <n>",
      description: `seed of the generated rows for --measure (default ${DEFAULT_SEED}); the same seed gives the same rows`,
      group: OPTIONS,
      parse: parseSeed,
    },
    {
      flags: "--project-dir <dir>",
      description: "the git work tree to review (default: this project)",
      group: OPTIONS,
    },
    {
      flags: "--output <file>",
      description: "also write the Markdown report to this file",
      group: OPTIONS,
    },
    ...outputOptions(OPTIONS),
  ],
  exitCodes: [
    [0, "reviewed (a head that fails only on the filled tables of --measure included)"],
    [1, "runtime error (git, the server, a base that does not build)"],
    [2, "usage"],
    [3, "the head does not apply on the base or a stack's runner would refuse it"],
  ],
  async run(ctx: RunContext): Promise<number> {
    const squawk = stringOption(ctx, "squawk");
    if (squawk !== undefined && flagOption(ctx, "skip-squawk")) {
      throw usageError("--squawk and --skip-squawk contradict each other: give one");
    }
    const { parseAppliedFlag } = await loadStacks();
    const applied = new Map<string, { text: string; source: string }>();
    for (const value of (ctx.opts.applied as string[] | undefined) ?? []) {
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
    const measure = measureOptions({
      measure: flagOption(ctx, "measure"),
      rows: ctx.opts.rows as number | undefined,
      seed: ctx.opts.seed as number | undefined,
    });
    const serverUrl = serverUrlOf(ctx);
    const started = Date.now();
    const [{ review }, { renderMarkdown }] = await Promise.all([loadReview(), loadRender()]);
    const base = stringOption(ctx, "base");
    const result = await review({
      ...(measure !== undefined ? { measure } : {}),
      repo: resolve(stringOption(ctx, "project-dir") ?? PROJECT_ROOT),
      ...(base !== undefined ? { base } : {}),
      ...(serverUrl ? { serverUrl } : {}),
      applied,
      squawk: flagOption(ctx, "skip-squawk")
        ? null
        : squawk !== undefined
          ? [squawk]
          : DEFAULT_SQUAWK,
      onProgress: (line) => ctx.out.err(`review: ${line}`),
    });
    const markdown = renderMarkdown(result);
    const output = stringOption(ctx, "output");
    if (output !== undefined) writeFileSync(output, markdown);
    const exitCode = result.applies ? ExitCode.ok : ExitCode.refused;
    if (ctx.json) ctx.out.json({ ok: exitCode === ExitCode.ok, exitCode, ...result });
    else ctx.out.write(markdown);
    ctx.out.err(`review: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return exitCode;
  },
};

const modulesOption = MIGRATION_COMMON_OPTIONS.find((o) => o.flags === "--modules <list>")!;
const migrationsDirOption = MIGRATION_COMMON_OPTIONS.find(
  (o) => o.flags === "--migrations-dir <dir>",
)!;

export const schemaCommand: CommandSpec = {
  path: ["schema"],
  topic: "schema",
  group: REVIEW_GROUP,
  summary: "a Mermaid ER diagram of the llm_platform schema the migrations build",
  usage: "[options]",
  positionals: [],
  description:
    "Builds the llm_platform schema from the migration files on a throwaway PostgreSQL and prints a Mermaid ER diagram of every table and its foreign keys (GitHub renders it in Markdown), or with --json the catalog. Modules the server cannot build (vector without pgvector) are left out and named on stderr.",
  options: [
    {
      flags: "--mermaid",
      description: "print the Mermaid ER diagram (the default)",
      group: OPTIONS,
    },
    { ...modulesOption, description: `default: ${MODULES.join(",")}`, group: OPTIONS },
    { ...migrationsDirOption, group: OPTIONS },
    SERVER_URL,
    {
      flags: "--json",
      description: "the catalog as one JSON document instead",
      group: OPTIONS,
    },
    ...outputOptions(OPTIONS).filter((o) => o.flags !== "--json"),
  ],
  exitCodes: [
    [0, "ok"],
    [1, "runtime error"],
    [2, "usage"],
  ],
  async run(ctx: RunContext): Promise<number> {
    if (flagOption(ctx, "mermaid") && ctx.json) {
      throw usageError("--mermaid and --json choose the output: give one");
    }
    const modules = (ctx.opts.modules as Module[] | undefined) ?? [...MODULES];
    const serverUrl = serverUrlOf(ctx);
    const [{ buildSchema, openServer, unbuildableModules }, { erDiagram }] = await Promise.all([
      loadBuild(),
      loadMermaid(),
    ]);
    const server = await openServer(serverUrl);
    try {
      const skipped = await unbuildableModules(server.url, modules);
      for (const s of skipped) {
        ctx.out.err(
          `schema: module ${s.module} left out: the server (${server.label}) offers no ${s.missing.join(", ")} extension`,
        );
      }
      const catalog = await buildSchema(server.url, {
        environment: "local",
        migrationsDir: resolve(stringOption(ctx, "migrations-dir") ?? MIGRATIONS_DIR),
        modules: modules.filter((m) => !skipped.some((s) => s.module === m)),
      });
      if (ctx.json) ctx.out.json(catalog);
      else ctx.out.line(erDiagram(catalog));
      return ExitCode.ok;
    } finally {
      await server.stop();
    }
  },
};
