/**
 * The `gaia-db` help texts of the migration commands and the global help. docs/cli.md quotes them
 * verbatim, through `helpText` (src/cli/helpTopics.ts).
 */

export const COMMANDS = [
  "migrate",
  "plan",
  "status",
  "verify",
  "baseline",
  "repair",
  "bind",
] as const;
export type Command = (typeof COMMANDS)[number];
/** Dispatched to src/review/command.ts. */
export const REVIEW_COMMANDS = ["review", "schema"] as const;
export type ReviewCommand = (typeof REVIEW_COMMANDS)[number];
/** Dispatched to src/operations/commands.ts (`verify all` → "verify-all"). */
export const OPERATIONS_COMMANDS = [
  "view",
  "cleanup-test-users",
  "env",
  "doctor",
  "verify-all",
  "app-login",
] as const;

const CONNECTION = `Connection (one of):
  --database-url <url>          PostgreSQL URL (or DATABASE_URL); never printed
  --stdin-config                read {"databaseUrl": "...", "supabaseProjectRef": "..."} as JSON
                                from stdin (how Pulumi passes secrets: never in argv)
  --fly-app <app>               reach the database through \`fly proxy\` to this Postgres app
                                (the URL's host is replaced by the proxy's local port;
                                FLY_API_TOKEN from the environment)
  --fly-managed-cluster <id>    the same through \`fly mpg proxy\` for a managed cluster`;

const COMMON = `Common options:
  --environment <env>           instead of the positional argument (or GAIA_ENVIRONMENT)
  --modules <list>              core,vector,rbac,experience (default: the modules recorded by
                                the last migrate, else core; core is always included)
  --migrations-dir <dir>        default: the migrations/ folder of this package
  --supabase-project-ref <ref>  Supabase project the environment uses (or SUPABASE_PROJECT_REF)
  --json                        print one JSON document on stdout instead of text
  --debug                       print stack traces of unexpected errors
  -h, --help                    show help`;

const TIMEOUTS = `Timeouts (e.g. 500ms, 10s, 15m; a bare number is seconds):
  --lock-timeout <d>            wait for the migration lock at most this long (default 60s)
  --lock-wait-timeout <d>       lock_timeout for each statement (default 10s)
  --statement-timeout <d>       statement_timeout for each statement (default 15m)`;

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  runtime error (connection lost, a statement failed)
  2  usage or configuration error
  3  refused (changed or missing applied file, out of order, binding mismatch, unmanaged
     database, schema drift, removed module, unavailable extension, not the owner)
  4  timed out waiting for the migration lock
  5  verification gap or pending migrations (status/plan --exit-code, verify)`;

export const GLOBAL_HELP = `gaia-db: schema migrations for the Gaia Platform databases

Usage: gaia-db <command> <environment> [options]

Commands:
  migrate    apply pending migration files (takes the migration lock)
  plan       show what migrate would do; read-only
  status     show every file's state; read-only
  verify     compare the live schema with the selected modules ("Verification Status")
  baseline   adopt an existing database: mark files as applied after checking its schema
  repair     accept an edited, equivalent applied file (records old and new checksum)
  bind       deliberately (re)bind the database to an environment and Supabase project

Operating the environments (each has its own --help):
  view       one read-only statement, or a survey of every environment
  verify all the Verification Status table of every environment
  cleanup-test-users
             users tagged for another environment (dry run unless --apply)
  env        the service settings in dotenv format, from the stack outputs
  doctor     live Fly resources against the stack's config
  app-login  create or rotate the services' database login (secrets on stdin only)

Reviewing schema changes (each has its own --help):
  review     a pull request's schema change: before and after, per stack, diagram, squawk
  schema     a Mermaid ER diagram of the llm_platform schema the migrations build

Environments: local, dev, staging, production (no default).
Run gaia-db <command> --help for the options of one command.

${EXIT_CODES_HELP}`;

export const COMMAND_HELP: Record<Command, string> = {
  migrate: `Usage: gaia-db migrate <environment> [options]

Applies the pending files of the selected modules, in order (core, vector, rbac, experience),
one transaction per file; a file whose first line is "-- gaia:no-transaction" runs statement by
statement and resumes where it stopped. Refuses changed, missing or out-of-order files, a
database bound to another environment or Supabase project, and an unmanaged database with tables.
A re-run with nothing pending changes nothing.

Options:
  --isolation on|off            enforce environment isolation of users (binding.isolation_enforced)
  --baseline <versions>         declared baseline (gaia:migrations.baseline), used only when the
                                database has tables but no ledger, e.g. 0001 or 0001,vector:0001
  --confirm <env>               required with --baseline on production
  --accept-drift                with --baseline: adopt despite schema differences, recording them

${CONNECTION}

${COMMON}

${TIMEOUTS}`,
  plan: `Usage: gaia-db plan <environment> [options]

Shows the files migrate would apply (with statement counts) and why it would refuse, without
taking the lock or creating anything.

Options:
  --exit-code                   exit 3 if migrate would refuse, 5 if files are pending

${CONNECTION}

${COMMON}`,
  status: `Usage: gaia-db status <environment> [options]

Shows every file's state (applied, baseline, pending, partial, changed, out-of-order), missing
files and the binding, without taking the lock or creating anything.

Options:
  --exit-code                   exit 3 if migrate would refuse, 5 if files are pending

${CONNECTION}

${COMMON}`,
  verify: `Usage: gaia-db verify <environment> [options]

Compares the tables in schema public with the selected modules and the bound Supabase project,
and prints the "Verification Status" table. Exits 5 on any gap.

Options:
  --expected-supabase-project-ref <ref>
                                the project ref the environment should be bound to (default:
                                --supabase-project-ref, else gaia-platform-v2's)
  --expected-database <name>    the database name the environment should use (default
                                llm_platform)

${CONNECTION}

${COMMON}`,
  baseline: `Usage: gaia-db baseline <environment> --to <versions> --confirm <environment> [options]

Adopts an existing database: builds the schema the files up to --to produce in a scratch
database on the same server (needs CREATEDB), compares it with schema public, and only then
records those files as applied (kind "baseline"). Refuses and prints the differences on drift.

Options:
  --to <versions>               last version per module: 0001 (core), or 0001,vector:0001
  --confirm <env>               repeat the environment (required)
  --accept-drift                adopt despite differences; the diff is stored in the ledger

${CONNECTION}

${COMMON}

${TIMEOUTS}`,
  repair: `Usage: gaia-db repair <environment> --file <module>/<NNNN_name.sql> [options]

Records the current checksum of an applied file whose text was edited without changing its
effect (comments, formatting); the old and new checksums go to gaia_migrations.history. Never
use it to change what a migration does: write a new file instead.

Options:
  --file <path>                 e.g. core/0003_add_index.sql

${CONNECTION}

${COMMON}

${TIMEOUTS}`,
  bind: `Usage: gaia-db bind <environment> --confirm <environment> [options]

Deliberately binds the database to an environment and Supabase project (migrate binds on its
first run and refuses a mismatch afterwards). Recorded in gaia_migrations.history.

Options:
  --supabase-project-ref <ref>  the project to bind to (default: keep the bound one)
  --isolation on|off            enforce environment isolation of users
  --confirm <env>               repeat the environment (required); to move a database bound
                                to production elsewhere, name both: --confirm <env>,production

${CONNECTION}

${COMMON}

${TIMEOUTS}`,
};
