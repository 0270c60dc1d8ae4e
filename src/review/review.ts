/**
 * The schema review of a change (the working tree against a base commit), as data: per stack the
 * files its next `pulumi up` runs, per set of modules the schema before and after object by
 * object with a diagram of the tables touched, the modules the server could not build, and
 * squawk's findings for the new files. `renderMarkdown` (render.ts) turns it into the comment.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMigrationSet } from "../migrations/files";
import { usageError } from "../shared/errors";
import { MODULES, type Module } from "../shared/vocabulary";
import { buildBaseAndHead, openServer, unbuildableModules } from "./build";
import { type BaseCommit, filesAt, materialise, resolveBase, rootFilesAt } from "./git";
import { type Measurement, measureBuild } from "./measure";
import type { MeasureOptions } from "./measureOptions";
import { erDiagram } from "./mermaid";
import { planStack, type StackPlan } from "./plan";
import { type SchemaChange, schemaChanges, touchedTables } from "./schemaDiff";
import { runSquawk, type SquawkResult } from "./squawk";
import {
  type AppliedFile,
  parseAppliedFiles,
  type StackDeclaration,
  stackDeclarations,
  stackOfFile,
} from "./stacks";

export interface ReviewOptions {
  /** The git work tree to review (its migrations/ and Pulumi.<stack>.yaml files). */
  repo: string;
  /** Base ref; default: the merge base of HEAD and origin/main. */
  base?: string;
  /** Server to build on (a user that may create databases); default: embedded PostgreSQL 15. */
  serverUrl?: string;
  /** What stacks last applied: stack → the text of `pulumi stack output migrationFiles`. */
  applied?: ReadonlyMap<string, { text: string; source: string }>;
  /** Extensions each module needs on the server (default MODULE_EXTENSIONS: vector needs pgvector). */
  moduleExtensions?: Partial<Record<Module, readonly string[]>>;
  /** The squawk command (e.g. DEFAULT_SQUAWK); null skips squawk. */
  squawk: readonly string[] | null;
  /** Also apply the head on a filled copy of the base and measure each statement. */
  measure?: MeasureOptions;
  onProgress?: (line: string) => void;
}

export interface NotReviewed {
  module: Module;
  /** Extensions the server lacks. */
  missing: string[];
  stacks: string[];
}

export interface BuildReview {
  stacks: string[];
  environment: string;
  /** Modules built at the base and at the head (modules the server cannot build left out). */
  modulesBefore: Module[];
  modulesAfter: Module[];
  /** Files the head applies on top of the base. */
  headFiles: string[];
  /** Null when the head failed to apply. */
  changes: SchemaChange[] | null;
  /** Mermaid `erDiagram` of the tables the change touches; null when none. */
  diagram: string | null;
  failure: string[] | null;
  /** The head measured on filled tables; null when not asked for, or when the head failed. */
  measurement: Measurement | null;
}

export interface Review {
  base: BaseCommit;
  server: string;
  stacks: StackPlan[];
  notReviewed: NotReviewed[];
  builds: BuildReview[];
  /** Files the change adds, or that a stack runs for the first time (repository-relative). */
  newFiles: string[];
  squawk: SquawkResult | null;
  /** The head applies on the base for every module set, and no stack's runner would refuse. */
  applies: boolean;
}

const MIGRATIONS = "migrations";

function filesOf(dir: string, modules: readonly Module[]): AppliedFile[] {
  return loadMigrationSet(dir, modules).map((f) => ({
    file: f.relativePath,
    checksum: f.checksum,
  }));
}

function headStackFiles(repo: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(repo)) {
    if (stackOfFile(name) !== undefined) files.set(name, readFileSync(join(repo, name), "utf8"));
  }
  return files;
}

async function baseStackFiles(repo: string, commit: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await rootFilesAt(repo, commit)) {
    if (stackOfFile(name) === undefined) continue;
    for (const [path, text] of await filesAt(repo, commit, name)) files.set(path, text);
  }
  return files;
}

/** Runner messages name the folders the review built from; the reader knows them by role. */
function sanitise(lines: readonly string[], dirs: Record<string, string>): string[] {
  return lines.map((line) =>
    Object.entries(dirs).reduce((text, [dir, label]) => text.split(dir).join(label), line),
  );
}

/** Column notes for the diagram: `new` for added columns, `changed` for changed ones. */
function columnNotes(changes: readonly SchemaChange[]): Map<string, string> {
  const notes = new Map<string, string>();
  for (const c of changes) {
    if (c.object !== "column" || c.table === undefined || c.change === "removed") continue;
    notes.set(`${c.table}.${c.name}`, c.change === "added" ? "new" : "changed");
  }
  return notes;
}

export async function review(options: ReviewOptions): Promise<Review> {
  const progress = options.onProgress ?? (() => {});
  const repo = options.repo;
  const headDir = join(repo, MIGRATIONS);
  if (!existsSync(headDir)) {
    throw usageError(
      `${repo} has no ${MIGRATIONS}/ folder: run the review from the project, or pass --project-dir`,
    );
  }
  const headStacks = stackDeclarations(headStackFiles(repo), "working tree");
  if (headStacks.length === 0) {
    throw usageError(
      `${repo} has no Pulumi.<stack>.yaml: the review plans per stack file; run it from the project, or pass --project-dir`,
    );
  }
  for (const stack of options.applied?.keys() ?? []) {
    if (!headStacks.some((s) => s.stack === stack)) {
      throw usageError(
        `--applied ${stack}=…: there is no stack file Pulumi.${stack}.yaml; stacks: ${headStacks.map((s) => s.stack).join(", ")}`,
      );
    }
  }
  const base = await resolveBase(repo, options.base);
  progress(`base ${base.sha.slice(0, 12)} (${base.label})`);

  const scratch = mkdtempSync(join(tmpdir(), "gaia-review-"));
  const baseDir = join(scratch, "base", MIGRATIONS);
  try {
    const baseFiles = await filesAt(repo, base.sha, MIGRATIONS);
    materialise(baseFiles, MIGRATIONS, baseDir);
    // A module the change introduces has no folder at the base: it is empty there.
    for (const module of MODULES) mkdirSync(join(baseDir, module), { recursive: true });

    const baseStacks = stackDeclarations(
      await baseStackFiles(repo, base.sha),
      `base ${base.sha.slice(0, 12)}`,
    );
    const baseByStack = new Map(baseStacks.map((s) => [s.stack, s]));

    const stacks = headStacks.map((head) => {
      const before = baseByStack.get(head.stack);
      const given = options.applied?.get(head.stack);
      const applied = given
        ? { from: "stack output" as const, files: parseAppliedFiles(given.text, given.source) }
        : { from: "base" as const, files: before ? filesOf(baseDir, before.modules) : [] };
      return planStack(head, before, filesOf(headDir, head.modules), applied);
    });

    // New: added to git, or about to run on some stack for the first time (a module a stack file
    // starts to list brings files that shipped long ago but never ran there).
    const headModules = MODULES.filter((m) => existsSync(join(headDir, m)));
    const newFiles = filesOf(headDir, headModules)
      .map((f) => f.file)
      .filter(
        (f) => !baseFiles.has(`${MIGRATIONS}/${f}`) || stacks.some((s) => s.toRun.includes(f)),
      )
      .map((f) => `${MIGRATIONS}/${f}`);

    const server = await openServer(options.serverUrl);
    progress(`server ${server.label}`);
    try {
      const allModules = [
        ...new Set([...headStacks, ...baseStacks].flatMap((s) => s.modules)),
      ] as Module[];
      const unbuildable = await unbuildableModules(
        server.url,
        allModules,
        options.moduleExtensions,
      );
      const skip = new Set(unbuildable.map((u) => u.module));
      const notReviewed = unbuildable.map((u) => ({
        module: u.module,
        missing: u.missing,
        stacks: headStacks.filter((s) => s.modules.includes(u.module)).map((s) => s.stack),
      }));

      const groups = new Map<
        string,
        { head: StackDeclaration; before: Module[]; after: Module[] }[]
      >();
      for (const head of headStacks) {
        const before = (baseByStack.get(head.stack) ?? head).modules.filter((m) => !skip.has(m));
        const after = head.modules.filter((m) => !skip.has(m));
        const key = `${before.join(",")}>${after.join(",")}`;
        groups.set(key, [...(groups.get(key) ?? []), { head, before, after }]);
      }

      const builds: BuildReview[] = [];
      for (const members of groups.values()) {
        const { head, before, after } = members[0] as (typeof members)[number];
        progress(`building ${before.join(",")} then ${after.join(",")}`);
        const built = await buildBaseAndHead(server.url, {
          environment: head.environment,
          base: { migrationsDir: baseDir, modules: before },
          head: { migrationsDir: headDir, modules: after },
        });
        const changes = built.after === null ? null : schemaChanges(built.before, built.after);
        const touched = changes === null ? [] : touchedTables(changes);
        const labels = {
          [headDir]: `${MIGRATIONS}/ (working tree)`,
          [baseDir]: `${MIGRATIONS}/ (base)`,
        };
        let measurement: Measurement | null = null;
        if (options.measure !== undefined && built.after !== null && built.headFiles.length > 0) {
          const { rows, seed } = options.measure;
          progress(
            `measuring ${after.join(",")} on ${rows.toLocaleString("en-US")} rows per table (seed ${seed})`,
          );
          measurement = await measureBuild(
            server.url,
            {
              environment: head.environment,
              base: { migrationsDir: baseDir, modules: before },
              head: { migrationsDir: headDir, modules: after },
            },
            built.headFiles,
            options.measure,
            (lines) => sanitise(lines, labels),
          );
        }
        builds.push({
          stacks: members.map((m) => m.head.stack),
          environment: head.environment,
          modulesBefore: before,
          modulesAfter: after,
          headFiles: built.headFiles,
          changes,
          diagram:
            built.after !== null && changes !== null && touched.length > 0
              ? erDiagram(built.after, { tables: touched, notes: columnNotes(changes) })
              : null,
          failure: built.failure === null ? null : sanitise(built.failure, labels),
          measurement,
        });
      }

      let squawk: SquawkResult | null = null;
      if (options.squawk !== null && newFiles.length > 0) {
        progress(`squawk on ${newFiles.length} new file${newFiles.length === 1 ? "" : "s"}`);
        const marker = new Set(
          loadMigrationSet(headDir, headModules)
            .filter((f) => f.noTransaction)
            .map((f) => `${MIGRATIONS}/${f.relativePath}`),
        );
        squawk = await runSquawk(
          options.squawk,
          newFiles.map((path) => ({ path, noTransaction: marker.has(path) })),
          repo,
        );
      }

      return {
        base,
        server: server.label,
        stacks,
        notReviewed,
        builds,
        newFiles,
        squawk,
        applies:
          builds.every((b) => b.failure === null) && stacks.every((s) => s.refusals.length === 0),
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
