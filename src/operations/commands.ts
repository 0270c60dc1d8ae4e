/**
 * The operations commands of `gaia-db`, for the CLI's dispatcher: `gaia-db view …`,
 * `gaia-db cleanup-test-users …`, `gaia-db env …`, `gaia-db doctor …`, `gaia-db app-login …`, and
 * `gaia-db verify all`
 * (→ "verify-all"; `gaia-db verify <env>` stays the runner's). Each `run` takes the arguments
 * after the command word and the CLI's io (stdout, stderr, env), prints, and returns the exit code.
 */
import { appLoginHelp, runAppLogin } from "./appLoginCommand";
import { cleanupHelp, runCleanupTestUsers } from "./cleanupCommand";
import { doctorHelp, runDoctor } from "./doctorCommand";
import { envHelp, runEnv } from "./envCommand";
import type { Handler } from "./io";
import { runVerifyAll, verifyAllHelp } from "./verifyAll";
import { runView, viewHelp } from "./view";

export type OperationsCommand =
  | "view"
  | "cleanup-test-users"
  | "env"
  | "doctor"
  | "verify-all"
  | "app-login";

export const operationsCommands: Record<OperationsCommand, { help: string; run: Handler }> = {
  view: { help: viewHelp, run: runView },
  "cleanup-test-users": { help: cleanupHelp, run: runCleanupTestUsers },
  env: { help: envHelp, run: runEnv },
  doctor: { help: doctorHelp, run: runDoctor },
  "verify-all": { help: verifyAllHelp, run: runVerifyAll },
  "app-login": { help: appLoginHelp, run: runAppLogin },
};

/** One line per command for the global help. */
export const OPERATIONS_SUMMARY = [
  "view <env|all> [query]       one read-only statement, or a survey of every environment",
  "verify all                   the Verification Status table of every environment (exit 5 on a gap)",
  "cleanup-test-users <env>     users tagged for another environment (dry run; --apply)",
  "env <env>                    the service settings in dotenv format, from the stack outputs",
  "doctor <env>                 live Fly resources against the stack's config (exit 5 on drift)",
  "app-login <env>              create or rotate the services' login gaia_app_<env> (stdin only)",
].join("\n");
