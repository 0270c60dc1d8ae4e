/** `gaia-db bind`: the deliberate (re)bind of a database to an environment and Supabase project. */
import { usageError } from "../../shared/errors";
import { type Environment, isolationEnforcedByDefault } from "../../shared/vocabulary";
import { ensureLedger } from "../ledger";
import { writeBinding } from "../ledgerWrites";
import { type ConnectionOptions, readLedgerIfAny, withLockedSession } from "../session";

export interface BindOptions extends ConnectionOptions {
  environment: Environment;
  supabaseProjectRef?: string;
  isolation?: boolean;
  confirm?: string;
  lockTimeoutMs?: number;
  migrationsDir: string;
}

export interface BindResult {
  environment: Environment;
  database: string;
  previous: { environment: string; supabaseProjectRef: string | null } | null;
  supabaseProjectRef: string | null;
  isolationEnforced: boolean;
}

/** The deliberate (re)bind of a database to an environment and Supabase project. */
export async function bind(options: BindOptions): Promise<BindResult> {
  // --confirm names the target environment; moving a database away from production also needs
  // "production" in the list (--confirm staging,production).
  const confirmed = (options.confirm ?? "").split(",").map((e) => e.trim());
  if (!confirmed.includes(options.environment)) {
    throw usageError(
      `bind changes which environment the database serves: confirm with --confirm ${options.environment}`,
    );
  }
  return withLockedSession(options, "bind", async (db, p) => {
    const ledger = await readLedgerIfAny(db, p);
    const old = ledger.binding;
    if (
      old &&
      old.environment === "production" &&
      options.environment !== "production" &&
      !confirmed.includes("production")
    ) {
      throw usageError(
        `database ${p.database} is bound to production: binding it to ${options.environment} takes it away from production; confirm both environments with --confirm ${options.environment},production`,
      );
    }
    // Always, not only on a version change: bind is also how a damaged ledger (a dropped
    // function or table, revoked grants) is restored.
    await ensureLedger(db);
    const ref = options.supabaseProjectRef ?? old?.supabase_project_ref ?? null;
    // A new binding takes the environment's default; an existing one keeps its own.
    const isolation =
      options.isolation ??
      old?.isolation_enforced ??
      isolationEnforcedByDefault(options.environment);
    const changes: string[] = [];
    if (!old || old.environment !== options.environment) {
      changes.push(`environment ${old?.environment ?? "(unbound)"} -> ${options.environment}`);
    }
    if ((old?.supabase_project_ref ?? null) !== ref) {
      changes.push(
        `supabase project ${old?.supabase_project_ref ?? "(none)"} -> ${ref ?? "(none)"}`,
      );
    }
    if ((old?.isolation_enforced ?? false) !== isolation) {
      changes.push(`isolation_enforced ${old?.isolation_enforced ?? false} -> ${isolation}`);
    }
    if (changes.length > 0 || !old) {
      await writeBinding(
        db,
        {
          environment: options.environment,
          supabaseProjectRef: ref,
          isolation,
          modules: old?.modules ?? ["core"],
          events: [{ event: old ? "rebind" : "bind", detail: changes.join("; ") }],
        },
        true,
      );
    }
    return {
      environment: options.environment,
      database: p.database,
      previous: old
        ? { environment: old.environment, supabaseProjectRef: old.supabase_project_ref }
        : null,
      supabaseProjectRef: ref,
      isolationEnforced: isolation,
    };
  });
}
