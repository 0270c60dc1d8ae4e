"use strict";
/**
 * What each command asks for when it is not given, which fails without a terminal (under
 * Pulumi there never is one), with flyctl's non-interactive text and where flyctl decides it.
 * A condition is met by any one of `anyOf`: an argument, a flag given with a non-empty value
 * (`flag`), a flag given at all, even `=false` (`given`), an environment variable flyctl reads,
 * or something only the API knows (`api`), which the argv check never counts on. `when`
 * describes a prompt that only some API answers reach; the argv check requires it always.
 *
 * The behaviours call `need(ctx, id)` at the point flyctl prompts, so the order of refusals is
 * flyctl's; the refusal test walks this table; the argv test checks every argv against it.
 */
const TABLE = require("./flyctl.json");
const { T, sprintf, FlyError } = require("./texts.cjs");

// prompt.Org (prompt.go:248-285): --org, FLY_ORG / FLY_ORGANIZATION (config.go:159-160), or the
// token's only organization when it is a personal one.
const ORG = [{ flag: "org" }, { env: "FLY_ORG" }, { env: "FLY_ORGANIZATION" }, { api: "personal" }];
// prompt.Region (prompt.go:442-445): --region or FLY_REGION (config.go:161).
const REGION = [{ flag: "region" }, { env: "FLY_REGION" }];
// RequireAppName (command.go:763-787): -a, FLY_APP, or a fly.toml in the working directory.
const APP = [{ flag: "app" }, { env: "FLY_APP" }];
const YES = [{ flag: "yes" }];
// ClusterFromArgOrSelect (mpg.go:54-153): without an id, the org prompt (no --org on these
// commands, so only the environment) and then a selection from the org's clusters.
const CLUSTER = {
  id: "cluster",
  anyOf: [{ arg: 0 }],
  error: "needOrg",
  at: "internal/command/mpg/mpg.go:104",
};

const PROMPTS = {
  "apps create": [
    {
      id: "name",
      anyOf: [{ arg: 0 }, { flag: "name" }, { flag: "generate-name" }],
      error: "needName",
      at: "internal/command/apps/create.go:97",
    },
    { id: "org", anyOf: ORG, error: "needOrg", at: "internal/command/apps/create.go:105" },
  ],
  "apps destroy": [
    { id: "yes", anyOf: YES, error: "needYes", at: "internal/command/apps/destroy.go:70" },
  ],
  "postgres create": [
    {
      id: "name",
      anyOf: [{ flag: "name" }, { flag: "generate-name" }],
      error: "needName",
      at: "internal/command/postgres/create.go:119",
    },
    { id: "org", anyOf: ORG, error: "needOrg", at: "internal/command/postgres/create.go:127" },
    {
      id: "region",
      anyOf: REGION,
      error: "needRegion",
      at: "internal/command/postgres/create.go:250",
    },
    {
      // Any sizing flag means "custom configuration" (create.go:289-307); none: a preset menu.
      id: "configuration",
      anyOf: [
        "vm-size",
        "vm-cpus",
        "vm-cpu-kind",
        "vm-memory",
        "vm-max-memory",
        "host-dedication-id",
        "volume-size",
        "initial-cluster-size",
      ].map((flag) => ({ flag })),
      error: "nonInteractive",
      at: "internal/command/postgres/create.go:326",
    },
    {
      id: "initial-cluster-size",
      anyOf: [{ flag: "initial-cluster-size" }],
      error: "nonInteractive",
      at: "internal/command/postgres/create.go:356",
    },
    {
      id: "vm-size",
      anyOf: [
        "vm-size",
        "vm-cpus",
        "vm-cpu-kind",
        "vm-memory",
        "vm-max-memory",
        "host-dedication-id",
      ].map((flag) => ({ flag })),
      error: "nonInteractive",
      at: "internal/command/postgres/create.go:436",
    },
    {
      id: "volume-size",
      anyOf: [{ flag: "volume-size" }],
      error: "nonInteractive",
      at: "internal/command/postgres/create.go:389",
    },
  ],
  "mpg create": [
    {
      id: "name",
      anyOf: [{ flag: "name" }],
      error: "needName",
      at: "internal/command/mpg/create.go:97",
    },
    { id: "org", anyOf: ORG, error: "needOrg", at: "internal/command/mpg/create.go:104" },
    {
      id: "region",
      anyOf: [{ flag: "region" }],
      error: "nonInteractive",
      at: "internal/command/mpg/v2/run_create.go:73",
    },
  ],
  "mpg list": [
    {
      id: "org",
      anyOf: [{ flag: "org" }, { arg: 0 }],
      error: "needSlugArg",
      at: "internal/command/orgs/orgs.go:77",
    },
  ],
  "mpg status": [CLUSTER],
  "mpg proxy": [CLUSTER],
  "mpg databases list": [CLUSTER],
  "mpg databases create": [
    CLUSTER,
    {
      id: "name",
      anyOf: [{ flag: "name" }],
      error: "needDatabaseName",
      at: "internal/command/mpg/v2/run_databases.go:53",
    },
  ],
  "mpg destroy": [
    {
      id: "yes",
      anyOf: YES,
      error: "needYesFlag",
      at: "internal/command/mpg/v2/run_destroy.go:36",
    },
  ],
  "volumes create": [
    {
      id: "yes",
      anyOf: [{ flag: "yes" }, { above: ["count", 1] }, { api: "a volume of that name exists" }],
      error: "needYes",
      at: "internal/command/volumes/create.go:219",
    },
    {
      id: "region",
      anyOf: REGION,
      error: "needRegion",
      at: "internal/command/volumes/create.go:127",
    },
  ],
  "volumes extend": [
    {
      id: "volume",
      anyOf: [{ arg: 0 }],
      error: "needVolumeId",
      at: "internal/command/volumes/volumes.go:134",
    },
  ],
  "volumes destroy": [
    {
      // With -a (without it and without an id: "volume ID or app required", destroy.go:50).
      id: "volume",
      anyOf: [{ arg: 0 }],
      error: "needVolumeId",
      at: "internal/command/volumes/volumes.go:134",
    },
    { id: "yes", anyOf: YES, error: "needYes", at: "internal/command/volumes/destroy.go:128" },
  ],
  "redis create": [
    { id: "org", anyOf: ORG, error: "needOrg", at: "internal/command/redis/create.go:111" },
    {
      id: "name",
      anyOf: [{ flag: "name" }],
      error: "nonInteractive",
      at: "internal/command/redis/create.go:119",
    },
    {
      id: "region",
      anyOf: REGION,
      error: "needRegion",
      at: "internal/command/redis/create.go:131",
    },
    {
      id: "eviction",
      anyOf: [{ flag: "enable-eviction" }, { flag: "disable-eviction" }],
      error: "nonInteractive",
      at: "internal/command/redis/create.go:146",
    },
    {
      id: "auto-upgrade",
      anyOf: [{ given: "enable-auto-upgrade" }],
      when: "the plan the API resolves is a fixed-price one (its display name tells)",
      error: "nonInteractive",
      at: "internal/command/redis/create.go:168",
    },
    {
      id: "prodpack",
      anyOf: [{ given: "enable-prodpack" }],
      error: "nonInteractive",
      at: "internal/command/redis/create.go:183",
    },
    {
      id: "replicas",
      anyOf: [{ flag: "no-replicas" }, { flag: "replica-regions" }],
      error: "needRegions",
      at: "internal/command/redis/create.go:211",
    },
  ],
  "redis destroy": [
    { id: "yes", anyOf: YES, error: "needYes", at: "internal/command/redis/destroy.go:53" },
  ],
  "machine restart": [
    {
      id: "machine",
      anyOf: [{ arg: 0 }],
      error: "needMachineId",
      at: "internal/command/machine/select.go:257",
    },
  ],
  "machine update": [
    {
      id: "machine",
      anyOf: [{ arg: 0 }],
      error: "needMachineId",
      at: "internal/command/machine/select.go:257",
    },
    {
      id: "yes",
      anyOf: YES,
      when: "the flags change the machine's config",
      error: "needYes",
      at: "internal/machine/config.go:53",
    },
  ],
  proxy: [
    {
      id: "org",
      anyOf: [...APP, ...ORG],
      error: "needOrg",
      at: "internal/command/proxy/proxy.go:86",
    },
  ],
};

// Every command with the RequireAppName preparer fails without an app name (not a prompt, but
// the same kind of missing input): derived from flyctl.json rather than written per command.
for (const [path, cmd] of Object.entries(TABLE.commands)) {
  if (!cmd.preparers.includes("RequireAppName")) continue;
  PROMPTS[path] = [
    { id: "app", anyOf: APP, error: "needAppName", at: "internal/command/command.go:781" },
    ...(PROMPTS[path] ?? []),
  ];
}

function met(cond, ctx) {
  if ("arg" in cond) return (ctx.args[cond.arg] ?? "") !== "";
  if ("flag" in cond) {
    const v = ctx.flags[cond.flag];
    return v !== undefined && v !== "" && v !== 0 && v !== false;
  }
  if ("given" in cond) return cond.given in ctx.flags;
  if ("above" in cond) return (ctx.flags[cond.above[0]] ?? 0) > cond.above[1];
  if ("env" in cond) return Boolean(ctx.env?.[cond.env]);
  return Boolean(ctx.api?.[cond.api]);
}

/** The conditions of `path` not met by ctx ({flags, args, env?, api?}), in flyctl's order. */
function unmet(path, ctx) {
  return (PROMPTS[path] ?? []).filter((p) => !p.anyOf.some((c) => met(c, ctx)));
}

/** Throws flyctl's text for prompt `id` of the running command unless it is met. */
function need(ctx, id) {
  const p = (PROMPTS[ctx.path] ?? []).find((x) => x.id === id);
  if (!p) throw new Error(`fake fly: no prompt ${id} for ${ctx.path}`);
  if (!p.anyOf.some((c) => met(c, ctx))) throw new FlyError(sprintf(T[p.error].text));
}

module.exports = { PROMPTS, unmet, need, met };
