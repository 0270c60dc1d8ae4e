/** `gaia-db bind`: deliberately (re)binds the database to an environment and Supabase project. */
import { ExitCode } from "../../shared/errors";
import { loadBind } from "../lazy";
import { isolationOption, OPTIONS, supabaseRefOption } from "../options";
import { stringOption } from "../spec";
import { commonRunnerOptions, migrationCommand, timeoutRunnerOptions } from "./_migration";

export const bind = migrationCommand({
  name: "bind",
  summary: "deliberately (re)bind the database to an environment and Supabase project",
  usage: "<environment> --confirm <environment> [options]",
  description:
    "Deliberately binds the database to an environment and Supabase project (migrate binds on its first run and refuses a mismatch afterwards). Recorded in gaia_migrations.history.",
  options: [
    supabaseRefOption(
      "--supabase-project-ref <ref>",
      "the project to bind to (default: keep the bound one; or SUPABASE_PROJECT_REF)",
      OPTIONS,
    ),
    isolationOption(
      "enforce environment isolation of users; a new binding defaults to on for production, off elsewhere; omitted, an existing binding keeps its setting",
    ),
    {
      flags: "--confirm <env>",
      description:
        "repeat the environment (required); to move a database bound to production elsewhere, name both: --confirm <env>,production",
      group: OPTIONS,
    },
  ],
  // Binding keeps the modules the database records. --migrations-dir stays accepted: scripts pass
  // it to every migration command alike, and it cannot change what bind does.
  without: ["--modules"],
  load: loadBind,
  timeouts: true,
  async handle(inv, runner) {
    const isolation = inv.ctx.opts.isolation as boolean | undefined;
    const confirm = stringOption(inv.ctx, "confirm");
    const r = await runner.bind({
      ...commonRunnerOptions(inv),
      ...timeoutRunnerOptions(inv),
      ...(isolation !== undefined ? { isolation } : {}),
      ...(confirm ? { confirm } : {}),
    });
    const before = r.previous
      ? `was ${r.previous.environment} / ${r.previous.supabaseProjectRef ?? "(no Supabase project)"}`
      : "was unbound";
    return {
      exitCode: ExitCode.ok,
      data: { command: "bind", ...r },
      text: `${r.database}: bound to ${r.environment} / ${r.supabaseProjectRef ?? "(no Supabase project)"}, isolation ${r.isolationEnforced ? "on" : "off"} (${before})`,
    };
  },
});
