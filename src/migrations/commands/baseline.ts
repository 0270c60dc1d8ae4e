/**
 * `gaia-db baseline`: adopts an unmanaged database by recording files as applied without running
 * them, after checking in a scratch database that they produce the schema it has.
 */
import type pg from "pg";
import { refusedError as refused, usageError } from "../../shared/errors";
import { type Environment, MODULES, type Module, parseModules } from "../../shared/vocabulary";
import { bindingRefusal, bindingUpdate, vectorUnavailableMessage } from "../analysis";
import { type DiffOptions, diffCatalogs, snapshotCatalog } from "../catalog";
import {
  loadMigrationSet,
  type MigrationFile,
  type PreparedStatement,
  prepareStatements,
} from "../files";
import { type Db, ensureLedger, LEDGER_VERSION } from "../ledger";
import { recordBaselineFiles, writeBinding } from "../ledgerWrites";
import { ScratchDatabase } from "../scratch";
import {
  type CommonOptions,
  type Preflight,
  type ProgressEvent,
  readLedgerIfAny,
  serverOf,
  withLockedSession,
} from "../session";

export interface BaselineOptions extends CommonOptions {
  /** "0001", "0001,vector:0001": the last version per module to mark as applied. */
  to: string;
  confirm?: string;
  acceptDrift: boolean;
  supabaseProjectRef?: string;
  lockTimeoutMs?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export interface BaselineResult {
  environment: Environment;
  database: string;
  baselined: string[];
  drift: string[];
  /** Files that changed the scratch database's session (put back after each). */
  warnings: string[];
}

/** Parses "0001,vector:0001" into module → last version (bare version = core). */
export function parseBaselineSpec(spec: string): Map<Module, string> {
  const out = new Map<Module, string>();
  const parts = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) {
    throw usageError(
      `--to is empty: give the last version to adopt, e.g. --to 0001 or --to 0001,vector:0001`,
    );
  }
  for (const part of parts) {
    const [mod, version] = part.includes(":") ? part.split(":", 2) : ["core", part];
    if (!(MODULES as readonly string[]).includes(mod as string)) {
      throw usageError(
        `--to ${spec}: unknown module "${mod}"; allowed modules are ${MODULES.join(", ")} (e.g. --to 0001,vector:0001)`,
      );
    }
    if (!/^\d{4}$/.test(version ?? "")) {
      throw usageError(
        `--to ${spec}: "${part}" is not a four-digit version; write e.g. 0001 (core) or vector:0001`,
      );
    }
    out.set(mod as Module, version as string);
  }
  return out;
}

export async function baseline(options: BaselineOptions): Promise<BaselineResult> {
  if (options.confirm !== options.environment) {
    throw usageError(
      `baseline marks files as applied in the ${options.environment} database without running them: confirm with --confirm ${options.environment}`,
    );
  }
  parseBaselineSpec(options.to);
  return withLockedSession(options, "baseline", (db, p, client) =>
    baselineLocked(db, p, client, options),
  );
}

/** Baseline on a session that holds the lock (also migrate's declared baseline). */
export async function baselineLocked(
  db: Db,
  p: Preflight,
  client: pg.Client,
  options: Omit<BaselineOptions, "confirm">,
): Promise<BaselineResult> {
  const spec = parseBaselineSpec(options.to);
  const ledger = await readLedgerIfAny(db, p);
  const bindingProblem = bindingRefusal(
    ledger,
    options.environment,
    options.supabaseProjectRef,
    p.database,
  );
  if (bindingProblem) throw refused(bindingProblem);
  if (ledger.rows.length > 0) {
    throw refused(
      `database ${p.database} is already managed (${ledger.rows.length} file${ledger.rows.length === 1 ? "" : "s"} in gaia_migrations.applied): baseline only adopts an unmanaged database; run gaia-db migrate ${options.environment} instead`,
    );
  }
  const modules = parseModules([...spec.keys()]);
  const all = loadMigrationSet(options.migrationsDir, modules);
  const chosen: MigrationFile[] = [];
  for (const module of modules) {
    const last = spec.get(module);
    if (last === undefined) continue;
    const inModule = all.filter((f) => f.module === module);
    if (!inModule.some((f) => f.version === last)) {
      throw usageError(
        `--to ${options.to}: there is no file ${module}/${last}_*.sql in ${options.migrationsDir}; available: ${inModule.map((f) => f.relativePath).join(", ") || "none"}`,
      );
    }
    chosen.push(...inModule.filter((f) => f.version <= last));
  }
  if (chosen.some((f) => f.module === "vector") && !p.vector_available) {
    throw refused(vectorUnavailableMessage(p.database, serverOf(options.databaseUrl)));
  }
  const prepared: { file: MigrationFile; statements: PreparedStatement[] }[] = [];
  for (const file of chosen) prepared.push({ file, statements: await prepareStatements(file) });
  const scratch = await ScratchDatabase.create(db, client, options.onProgress);
  let recorded = false;
  try {
    const { catalog: expected, warnings } = await scratch.build(options, prepared);
    const actual = await snapshotCatalog(client, "public");
    const drift = diffCatalogs(expected, actual, BASELINE_DIFF_OPTIONS);
    if (drift.length > 0 && !options.acceptDrift) {
      throw refused(
        `the schema of database ${p.database} differs from what ${chosen.map((f) => f.relativePath).join(", ")} produce (${drift.length} difference${drift.length === 1 ? "" : "s"}, listed below): make the database match the files, or adopt it anyway and record the differences in the ledger with --accept-drift`,
        drift,
      );
    }
    options.onProgress?.({ type: "baseline", files: chosen.map((f) => f.relativePath), drift });
    if (p.ledger_version !== LEDGER_VERSION) await ensureLedger(db);
    const write = bindingUpdate(ledger.binding, options, ledger.binding ? null : modules);
    if (write) await writeBinding(db, write, ledger.binding === null);
    await recordBaselineFiles(db, prepared, drift, (tx) => scratch.keepRoles(tx));
    recorded = true;
    return {
      environment: options.environment,
      database: p.database,
      baselined: chosen.map((f) => f.relativePath),
      drift,
      warnings,
    };
  } finally {
    // Refused or failed: the roles the scratch run created serve nothing.
    await scratch.drop({ dropRoles: !recorded });
  }
}

/**
 * What baseline compares. The legacy public.schema_migrations table is not ours and is ignored.
 * Function bodies are not compared because the live databases carry equivalent variants (init's
 * CURRENT_TIMESTAMP vs 001's now(), both the transaction start time); signatures and languages
 * still are.
 * Comments are not compared: they change no behaviour, and adoption must not hinge on wording.
 */
export const BASELINE_DIFF_OPTIONS: DiffOptions = {
  ignore: ["functionBodies", "comments"],
  ignoreTables: ["schema_migrations"],
};
