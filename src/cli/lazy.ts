/**
 * Loads a command's implementation when that command runs, never before: the declarations of
 * every command (options and help) load on each start, their implementations only on use, so
 * `gaia-db migrate` never loads what `doctor` needs (@pulumi/*, yaml, the config schema).
 *
 * One way for every command, which works wherever gaia-db runs: from the sources the binary
 * registers tsx's CommonJS hook only (its ESM hooks cost a loader thread: start-up doubles), so
 * there `require` loads TypeScript and `import()` cannot; under vitest it is the other way round;
 * in the bundle (scripts/build.ts) both are a call that initialises the bundled module on first use.
 */
const requireLoadsTypeScript = typeof require === "function" && ".ts" in require.extensions;

/**
 * Loads a module with `require` or `import()`, whichever this runtime can use for TypeScript.
 * Both are written out per module (below) so that the specifier is resolved from this file and
 * the dependency is visible to the import graph (docs/design.md).
 */
function load<T>(viaRequire: () => unknown, viaImport: () => Promise<T>): Promise<T> {
  return requireLoadsTypeScript ? Promise.resolve(viaRequire() as T) : viaImport();
}

// What each command loads when it runs.
// The migration commands: each loads its own command module of the runner.
export const loadMigrate = () =>
  load(
    () => require("../migrations/commands/migrate.ts"),
    () => import("../migrations/commands/migrate.ts"),
  );
export const loadPlan = () =>
  load(
    () => require("../migrations/commands/plan.ts"),
    () => import("../migrations/commands/plan.ts"),
  );
export const loadStatus = () =>
  load(
    () => require("../migrations/commands/status.ts"),
    () => import("../migrations/commands/status.ts"),
  );
export const loadVerify = () =>
  load(
    () => require("../migrations/commands/verify.ts"),
    () => import("../migrations/commands/verify.ts"),
  );
export const loadBaseline = () =>
  load(
    () => require("../migrations/commands/baseline.ts"),
    () => import("../migrations/commands/baseline.ts"),
  );
export const loadRepair = () =>
  load(
    () => require("../migrations/commands/repair.ts"),
    () => import("../migrations/commands/repair.ts"),
  );
export const loadBind = () =>
  load(
    () => require("../migrations/commands/bind.ts"),
    () => import("../migrations/commands/bind.ts"),
  );
export const loadReach = () =>
  load(
    () => require("../operations/reach.ts"),
    () => import("../operations/reach.ts"),
  );
export const loadReadOnly = () =>
  load(
    () => require("../operations/readOnly.ts"),
    () => import("../operations/readOnly.ts"),
  );
export const loadBinding = () =>
  load(
    () => require("../operations/binding.ts"),
    () => import("../operations/binding.ts"),
  );
export const loadSurvey = () =>
  load(
    () => require("../operations/survey.ts"),
    () => import("../operations/survey.ts"),
  );
export const loadCleanup = () =>
  load(
    () => require("../operations/cleanup.ts"),
    () => import("../operations/cleanup.ts"),
  );
export const loadVerifyAll = () =>
  load(
    () => require("../operations/verifyAll.ts"),
    () => import("../operations/verifyAll.ts"),
  );
export const loadDotenv = () =>
  load(
    () => require("../operations/dotenv.ts"),
    () => import("../operations/dotenv.ts"),
  );
export const loadStack = () =>
  load(
    () => require("../operations/stack.ts"),
    () => import("../operations/stack.ts"),
  );
export const loadDoctor = () =>
  load(
    () => require("../operations/doctor.ts"),
    () => import("../operations/doctor.ts"),
  );
export const loadStackConfig = () =>
  load(
    () => require("../operations/stackConfig.ts"),
    () => import("../operations/stackConfig.ts"),
  );
export const loadFlyctlVersion = () =>
  load(
    () => require("../fly/flyctlVersion.ts"),
    () => import("../fly/flyctlVersion.ts"),
  );
export const loadAppLogin = () =>
  load(
    () => require("../operations/appLogin.ts"),
    () => import("../operations/appLogin.ts"),
  );
export const loadReview = () =>
  load(
    () => require("../review/review.ts"),
    () => import("../review/review.ts"),
  );
export const loadRender = () =>
  load(
    () => require("../review/render.ts"),
    () => import("../review/render.ts"),
  );
export const loadBuild = () =>
  load(
    () => require("../review/build.ts"),
    () => import("../review/build.ts"),
  );
export const loadMermaid = () =>
  load(
    () => require("../review/mermaid.ts"),
    () => import("../review/mermaid.ts"),
  );
export const loadStacks = () =>
  load(
    () => require("../review/stacks.ts"),
    () => import("../review/stacks.ts"),
  );
export const loadFormat = () =>
  load(
    () => require("../operations/format.ts"),
    () => import("../operations/format.ts"),
  );
export const loadRestore = () =>
  load(
    () => require("../operations/restoreSwitch.ts"),
    () => import("../operations/restoreSwitch.ts"),
  );
export const loadRestoreDrill = () =>
  load(
    () => require("../operations/restoreDrill.ts"),
    () => import("../operations/restoreDrill.ts"),
  );
