/**
 * The measured part of the review: in its own scratch database, the base is built with `migrate`,
 * every table is filled with generated rows (fill.ts), and the head is applied with `migrate` as
 * each environment's next `pulumi up` does, every statement observed (observe.ts). A head that
 * fails on the filled tables (SET NOT NULL over NULLs, a unique index over duplicates, a VALIDATE
 * that finds violating rows) is a finding with its reason, not an error: the review's verdict
 * comes from the build on the empty base.
 */
import { performance } from "node:perf_hooks";
import { migrate } from "../migrations/commands/migrate";
import { ExitCode, GaiaDbError } from "../shared/errors";
import { type BuildInput, clientOf, runnerMessage, withScratchDatabase } from "./build";
import { type FillReport, fillTables } from "./fill";
import type { MeasureOptions } from "./measureOptions";
import { type MeasuredFile, MeasuringObserver } from "./observe";

export interface HeadFailure {
  /** Where it failed; null when no statement failed (e.g. at COMMIT). */
  file: string | null;
  line: number | null;
  reason: string;
}

export interface Measurement {
  fill: FillReport;
  files: MeasuredFile[];
  failure: HeadFailure | null;
  /** Head files that did not run because an earlier one failed. */
  notRun: string[];
  timings: { baseMs: number; fillMs: number; headMs: number };
}

/** The reason a statement failed: PostgreSQL's message and detail, as a reviewer reads them. */
export function failureReason(error: { message: string; detail: string | null }): string {
  return error.detail === null ? error.message : `${error.message} (${error.detail})`;
}

export function measureBuild(
  serverUrl: string,
  input: BuildInput,
  headFiles: readonly string[],
  options: MeasureOptions,
  sanitise: (lines: string[]) => string[] = (lines) => lines,
): Promise<Measurement> {
  return withScratchDatabase(serverUrl, async (url) => {
    const common = { databaseUrl: url, environment: input.environment };
    let started = performance.now();
    await migrate({ ...common, ...input.base });
    const baseMs = performance.now() - started;

    started = performance.now();
    const client = clientOf(url);
    await client.connect();
    let fill: FillReport;
    try {
      fill = await fillTables(client, options);
    } finally {
      await client.end().catch(() => {});
    }
    const fillMs = performance.now() - started;

    const observer = new MeasuringObserver({
      connect: async () => {
        const c = clientOf(url);
        await c.connect();
        return c;
      },
    });
    started = performance.now();
    let failure: HeadFailure | null = null;
    try {
      await migrate({
        ...common,
        ...input.head,
        observe: observer,
        onProgress: (event) => observer.progress(event),
      });
    } catch (err) {
      const failed = observer.files.flatMap((f) => f.statements).find((s) => s.error !== null);
      failure =
        failed?.error != null
          ? { file: failed.file, line: failed.line, reason: failureReason(failed.error) }
          : { file: null, line: null, reason: sanitise(runnerMessage(err)).join("; ") };
    } finally {
      await observer.close();
    }
    const headMs = performance.now() - started;
    if (observer.problem !== null) {
      throw new GaiaDbError(
        `measuring the head on filled tables failed: ${observer.problem.message}`,
        ExitCode.runtime,
      );
    }
    const ran = new Set(observer.files.map((f) => f.file));
    return {
      fill,
      files: observer.files,
      failure,
      notRun: failure === null ? [] : headFiles.filter((f) => !ran.has(f)),
      timings: { baseMs, fillMs, headMs },
    };
  });
}
