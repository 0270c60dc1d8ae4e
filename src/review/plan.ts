/**
 * Per stack: which files its next `pulumi up` runs, what the runner would refuse, and whether
 * production takes its pre-migration snapshot. Pure.
 *
 * What a stack last applied is its `migrationFiles` stack output when the caller has it (CI reads
 * it with the preview's read-only state credentials); otherwise the review assumes the stack is at
 * the base, i.e. applied the base's files of the modules its base stack file declares, and says so.
 */
import type { Module } from "../shared/vocabulary";
import type { AppliedFile, StackDeclaration } from "./stacks";

/** The stack whose migrations wait for a snapshot of its Postgres volumes (src/fly/components.ts). */
export const SNAPSHOT_STACK = "production";

export interface StackPlan {
  stack: string;
  environment: string;
  /** Modules at the base (null: the stack file is new) and at the head. */
  modulesBefore: Module[] | null;
  modulesAfter: Module[];
  /** Where "last applied" came from. */
  appliedFrom: "stack output" | "base";
  /** The files the next `pulumi up` applies, in order. */
  toRun: string[];
  /** What the runner would refuse on that `up`. */
  refusals: string[];
  /** Production only: whether the pre-migration snapshot is taken (the migration set changes). */
  snapshot: boolean | null;
}

/** `migrationFiles` text: `module/file.sql:sha256` per line, as the Migrations resource exports it. */
export function fileListText(files: readonly AppliedFile[]): string {
  return files.map((f) => `${f.file}:${f.checksum}`).join("\n");
}

export function planStack(
  head: StackDeclaration,
  base: StackDeclaration | undefined,
  headFiles: readonly AppliedFile[],
  applied: { from: "stack output" | "base"; files: readonly AppliedFile[] },
): StackPlan {
  const appliedByPath = new Map(applied.files.map((f) => [f.file, f.checksum]));
  const headPaths = new Set(headFiles.map((f) => f.file));
  const toRun: string[] = [];
  const refusals: string[] = [];
  for (const f of headFiles) {
    const was = appliedByPath.get(f.file);
    if (was === undefined) toRun.push(f.file);
    else if (was !== f.checksum) {
      refusals.push(
        `${f.file} changed after it was applied (applied ${was.slice(0, 12)}, now ${f.checksum.slice(0, 12)}): migrate refuses it; restore the applied text and put the change in a new file`,
      );
    }
  }
  for (const f of applied.files) {
    if (!headPaths.has(f.file)) {
      refusals.push(
        `${f.file} was applied but is not among the files of modules ${head.modules.join(",")}: migrate refuses a missing applied file or a removed module; restore it`,
      );
    }
  }
  return {
    stack: head.stack,
    environment: head.environment,
    modulesBefore: base ? base.modules : null,
    modulesAfter: head.modules,
    appliedFrom: applied.from,
    toRun,
    refusals,
    snapshot:
      head.stack === SNAPSHOT_STACK
        ? fileListText(headFiles) !== fileListText(applied.files)
        : null,
  };
}
