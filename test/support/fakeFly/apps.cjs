"use strict";
/** `version`, `status`, `apps create|list|destroy`. */
const { T, FlyError, sprintf } = require("./texts.cjs");
const { need } = require("./prompts.cjs");
const { apiText, requestId, now } = require("./state.cjs");
const { print, eprint, printJson, printCompactJson, renderTable } = require("./output.cjs");
const { fromStruct, sortedMap } = require("./shapes.cjs");
const c = require("./common.cjs");
const { dropDatabases, ownedCopies } = require("./pgdata.cjs");

Object.assign(T, {
  watchJson: {
    text: "--watch and --json are not supported together",
    at: "internal/command/status/status.go:71",
  },
  watchNonInteractive: {
    text: "--watch is not supported for non-interactive sessions",
    at: "internal/command/status/status.go:102",
  },
  getAppFailed: { text: "failed to get app: %w", at: "internal/command/status/status.go:93" },
  twoAppNames: {
    text: "two app names specified %s and %s, only one may be specified",
    at: "internal/command/apps/create.go:86",
  },
  appCreated: { text: "New app created: %s", at: "internal/command/apps/create.go:138" },
  noAppNames: { text: "no app names provided", at: "internal/command/apps/destroy.go:55" },
  destroyAppWarning: {
    text: "Destroying an app is not reversible.",
    at: "internal/command/apps/destroy.go:61",
  },
  needYes: {
    text: "yes flag must be specified when not running interactively",
    at: "internal/command/apps/destroy.go:70",
  },
  appDestroyed: { text: "Destroyed app %s", at: "internal/command/apps/destroy.go:104" },
  nameTakenSuggestion: {
    text: "App names are unique across all of Fly.io, not just your organization, so this name may be held by an app you cannot see. Try a different name.",
    at: "fly-go:flaps/flaps_error.go:58",
  },
});

// buildinfo.Info (internal/buildinfo/buildinfo.go); state.flyctlVersion stands in for another
// installed release.
function version(ctx) {
  const info = fromStruct("buildinfo.Info", {
    Name: "flyctl",
    Version: ctx.state.flyctlVersion ?? "0.4.87",
    Commit: "ad0172fac",
    BranchName: "",
    BuildDate: "2026-08-21T00:00:00Z",
    OS: "linux",
    Architecture: "amd64",
    Environment: "production",
  });
  if (ctx.flags.json) return printCompactJson(info);
  print(
    `${info.Name} v${info.Version} ${info.OS}/${info.Architecture} Commit: ${info.Commit} BuildDate: ${info.BuildDate}`,
  );
}

// status/status.go:68-97 and status/machines.go:233-287: a map, so its keys come out sorted; a
// non-Postgres app lists only its Fly Launch (platform v2) machines.
function status(ctx) {
  if (ctx.flags.watch && ctx.flags.json) throw c.fail("watchJson");
  if (ctx.flags.watch) throw c.fail("watchNonInteractive");
  const app = ctx.state.apps[ctx.appName];
  if (!app) throw new FlyError(sprintf(T.getAppFailed.text, c.appNotFound(ctx.state, ctx.appName)));
  const machines = c.isPostgres(app)
    ? app.machines
    : app.machines.filter((m) => m.metadata?.fly_platform_version === "v2");
  if (ctx.flags.json) {
    return printJson(
      sortedMap({
        ID: app.name,
        Name: app.name,
        Deployed: app.machines.length > 0,
        Status: c.appStatus(app),
        Hostname: `${app.name}.fly.dev`,
        Version: 0,
        AppURL: `https://${app.name}.fly.dev`,
        Organization: fromStruct("fly.OrganizationBasic", c.orgBasic(app.org)),
        PlatformVersion: app.machines.length > 0 ? "machines" : "",
        Machines: machines.map(c.machineJson),
      }),
    );
  }
  print("App");
  print(`  Name     = ${app.name}`);
  print(`  Owner    = ${app.org}`);
  print(`  Hostname = ${app.name}.fly.dev`);
  print();
  print(machines.length === 0 ? "No machines are available on this app." : "Machines");
  for (const m of machines) print(`${m.id}\t${m.state}\t${m.region}`);
}

/**
 * The Machines API's answers to a new app (flaps CreateApp): its words for a taken or invalid
 * name are not in the source ("Name has already been taken" is what flyctl's own preflight test
 * looks for, test/preflight/fly_postgres_test.go:45); the suggestion is fly-go's.
 */
function createApp(ctx, name, org, role) {
  const { state } = ctx;
  if (!/^[a-z0-9][a-z0-9-]{0,61}$/.test(name))
    throw new FlyError(
      apiText(
        state,
        "appNameInvalid",
        "Validation failed: Name under 63 chars using numbers, lowercase letters and dashes",
      ),
    );
  if (state.apps[name] || state.foreignApps.includes(name)) {
    throw new FlyError(
      `${apiText(state, "appNameTaken", "Validation failed: Name has already been taken")} (Request ID: ${requestId(state)})`,
      1,
      [T.nameTakenSuggestion.text, ""],
    );
  }
  const app = { name, org: org.slug, role, createdAt: now(), machines: [], secrets: {}, ips: [] };
  state.apps[name] = app;
  return app;
}

// apps/create.go:73-169.
function appsCreate(ctx) {
  const aName = ctx.args[0] ?? "";
  const fName = ctx.flags.name ?? "";
  if (aName && fName && aName !== fName) throw c.fail("twoAppNames", aName, fName);
  need(ctx, "name");
  const name = aName || fName || `fake-app-${ctx.state.seq + 1}`;
  const org = c.selectOrg(ctx);
  const app = createApp(ctx, name, org, "app");
  ctx.fault.afterCreate();
  if (ctx.flags.json) printJson(c.appJson(app));
  else print(sprintf(T.appCreated.text, name));
}

function appsList(ctx) {
  const apps = Object.values(ctx.state.apps).filter(
    (a) => !ctx.flags.org || a.org === ctx.flags.org,
  );
  if (ctx.flags.json) return printJson(apps.map(c.appJson));
  if (ctx.flags.quiet) {
    for (const a of apps) print(a.name);
    return;
  }
  renderTable(
    ["Name", "Owner", "Status", "Latest Deploy"],
    apps.map((a) => [a.name, a.org, c.appStatus(a), ""]),
  );
}

// apps/destroy.go:47-108: the confirmation comes before the lookup, for each app in turn.
// A destroyed cluster's data goes with it: the copies it held (pgdata.cjs) are dropped.
function appsDestroy(ctx) {
  if (ctx.args.length === 0) throw c.fail("noAppNames");
  const dropped = [];
  for (const name of ctx.args) {
    if (!ctx.flags.yes) {
      eprint(T.destroyAppWarning.text);
      need(ctx, "yes");
    }
    dropped.push(...ownedCopies(c.getApp(ctx, name)));
    delete ctx.state.apps[name];
    ctx.state.volumes = ctx.state.volumes.filter((v) => v.app !== name);
    print(sprintf(T.appDestroyed.text, name));
  }
  return { continueOutsideLock: () => dropDatabases(dropped) };
}

module.exports = {
  createApp,
  commands: {
    version: { run: version },
    status: { run: status },
    "apps create": { run: appsCreate, mutation: true },
    "apps list": { run: appsList },
    "apps destroy": { run: appsDestroy, mutation: true },
  },
};
