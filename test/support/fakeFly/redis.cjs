"use strict";
/** Upstash Redis: `redis create|list|status|destroy` (GraphQL add-ons; no --json anywhere). */
const crypto = require("node:crypto");
const TABLE = require("./flyctl.json");
const { T, sprintf, FlyError } = require("./texts.cjs");
const { need } = require("./prompts.cjs");
const { apiText, nextId, regions, orgs } = require("./state.cjs");
const { print, eprint, renderTable, renderVerticalTable } = require("./output.cjs");
const c = require("./common.cjs");

Object.assign(T, {
  legacyPlan: {
    text: "plan %q is no longer available for new databases. Please choose a current plan",
    at: "internal/command/redis/create.go:105",
  },
  planNotFound: { text: "plan %q not found", at: "internal/command/redis/create.go:325" },
  defaultPlanNotFound: {
    text: "default plan not found",
    at: "internal/command/redis/create.go:335",
  },
  evictionNote: {
    text: "\nUpstash Redis can evict objects when memory is full. This is useful when caching in Redis. This setting can be changed later.\nLearn more at https://fly.io/docs/reference/redis/#memory-limits-and-object-eviction-policies\n\n",
    at: "internal/command/redis/create.go:144",
  },
  autoUpgradeNote: {
    text: "\nAuto-upgrade automatically switches to a higher plan when you hit resource limits.\nThis setting can be changed later.\n\n",
    at: "internal/command/redis/create.go:167",
  },
  autoUpgradeOnlyFixed: {
    text: "\nNote: Auto-upgrade is only available for fixed plans, not pay-as-you-go.\n",
    at: "internal/command/redis/create.go:174",
  },
  prodpackNote: {
    text: "\nProdPack adds enhanced features for production workloads at $200/mo.\nThis setting can be changed later.\nFor more information, see https://fly.io/docs/upstash/redis/#prod-pack-200-mo.\n\n",
    at: "internal/command/redis/create.go:182",
  },
  redisReady: {
    text: "\nYour database %s is ready. Apps in the %s org can connect to Redis at %s\n",
    at: "internal/command/redis/create.go:249",
  },
  redisDestroyWarning: {
    text: "Destroying a Redis instance is not reversible.",
    at: "internal/command/redis/destroy.go:44",
  },
  redisDestroyed: {
    text: "Your Redis database %s was destroyed",
    at: "internal/command/redis/destroy.go:72",
  },
});

// The Upstash plans the API lists (gql ListAddOnPlans). Only the two ids are in flyctl's source
// (redis/create.go:23-26); display names and the fixed plans' ids are not, so tests may replace
// state.redisPlans with other wordings.
const { payAsYouGo, free, legacyPlans } = TABLE.values.redis;
const DEFAULT_REDIS_PLANS = [
  { id: payAsYouGo.value, displayName: "Pay-as-you-go" },
  { id: free.value, displayName: "Free" },
  { id: "fake_fixed_250", displayName: "Fixed 250MB" },
  { id: "fake_fixed_1g", displayName: "flyio_fixed_1gb" },
  { id: "fake_pro_2k", displayName: "Pro 2k" },
];
const REDIS_PAYG = payAsYouGo.value;

// redis/create.go:38-49 (the legacy names read from source, in flyctl.json values).
const isLegacyPlan = (p) => legacyPlans.value.includes(p.replaceAll(" ", "_").toLowerCase());
const isFixedPlan = (p) =>
  p.toLowerCase().startsWith("flyio_fixed_") || p.toLowerCase().startsWith("fixed ");

const redisUrl = (r) => `redis://default:${r.password}@fly-${r.name}.upstash.io:6379`;

// redis/create.go:99-254, in its order: legacy plan, org, name, region, eviction, plan,
// auto-upgrade (fixed plans only), prodpack, then the replica regions (prompt.MultiRegion,
// prompt.go:372-417, keeps only the listed codes of known regions, minus the excluded ones, the
// primary among them). Excluded regions (GetExcludedRegions) are the API's: state.redisExcludedRegions.
function redisCreate(ctx) {
  const { state, flags } = ctx;
  const planName = flags.plan ?? "";
  if (planName !== "" && isLegacyPlan(planName)) throw c.fail("legacyPlan", planName);
  const org = c.selectOrg(ctx);
  need(ctx, "name");
  const name = flags.name;
  const excluded = state.redisExcludedRegions ?? [];
  const region = c.selectRegion(ctx, null, excluded);
  if (!flags["enable-eviction"] && !flags["disable-eviction"]) {
    print(T.evictionNote.text.slice(0, -1));
    need(ctx, "eviction");
  }
  const eviction = Boolean(flags["enable-eviction"]);
  const plans = state.redisPlans ?? DEFAULT_REDIS_PLANS;
  const plan =
    planName === ""
      ? plans.find((p) => p.id === REDIS_PAYG)
      : plans.find((p) => p.displayName === planName || p.id === planName);
  if (!plan)
    throw planName === "" ? c.fail("defaultPlanNotFound") : c.fail("planNotFound", planName);
  let autoUpgrade = false;
  if (isFixedPlan(plan.displayName)) {
    if (!("enable-auto-upgrade" in flags)) {
      print(T.autoUpgradeNote.text.slice(0, -1));
      need(ctx, "auto-upgrade");
    }
    autoUpgrade = flags["enable-auto-upgrade"];
  } else if (flags["enable-auto-upgrade"] === true) print(T.autoUpgradeOnlyFixed.text.slice(0, -1));
  if (!("enable-prodpack" in flags)) {
    print(T.prodpackNote.text.slice(0, -1));
    need(ctx, "prodpack");
  }
  let replicas = [];
  if (!flags["no-replicas"]) {
    need(ctx, "replicas");
    const codes = flags["replica-regions"].split(",");
    replicas = regions(state).filter(
      (r) => !excluded.includes(r) && r !== region && codes.includes(r),
    );
  }
  // The GraphQL API's words for a taken name are its own (state.apiTexts.redisNameTaken).
  if (Object.values(state.redis).some((r) => r.name === name))
    throw new FlyError(
      apiText(state, "redisNameTaken", "Validation failed: Name has already been taken"),
    );
  const r = {
    id: nextId(state, "", 12),
    name,
    org: org.slug,
    plan: plan.displayName,
    region,
    readRegions: replicas,
    eviction,
    autoUpgrade: Boolean(autoUpgrade),
    prodPack: Boolean(flags["enable-prodpack"]),
    password: crypto.randomBytes(16).toString("hex"),
  };
  state.redis[name] = r;
  ctx.fault.afterCreate();
  print(sprintf(T.redisReady.text, name, org.slug, redisUrl(r)).slice(0, -1));
  print("\nIf you have redis-cli installed, use fly redis connect to get a Redis console.");
  print(
    "\nYour database is billed at $0.20 per 100K commands. If you're using Sidekiq or BullMQ, which poll Redis frequently, consider switching to a fixed-price plan. See https://fly.io/docs/reference/redis/#pricing",
  );
}

// redis/list.go:36-86: with --org, the org is looked up first (the API's words when it is
// missing: state.apiTexts.orgNotFound), then its add-ons in a table.
function redisList(ctx) {
  const slug = ctx.flags.org ?? "";
  if (slug !== "" && !orgs(ctx.state).some((o) => o.slug === slug))
    throw new FlyError(
      apiText(ctx.state, "orgNotFound", "Could not find Organization {slug}", { slug }),
    );
  const dbs = Object.values(ctx.state.redis).filter((r) => !slug || r.org === slug);
  renderTable(
    ["Name", "Org", "Plan", "Eviction", "Primary Region", "Read Regions"],
    dbs.map((r) => [
      r.name,
      r.org,
      r.plan,
      r.eviction ? "Enabled" : "Disabled",
      r.region,
      r.readRegions.join(","),
    ]),
  );
}

// redis/status.go:42-45 returns gql.GetAddOn's error as it is: the API's words for a missing
// add-on are not in flyctl's source (state.apiTexts.redisNotFound).
const redisNotFound = (state, name) =>
  new FlyError(apiText(state, "redisNotFound", 'Could not find add-on "{name}"', { name }));

function redisStatus(ctx) {
  const r = ctx.state.redis[ctx.args[0]];
  if (!r) throw redisNotFound(ctx.state, ctx.args[0]);
  const on = (b) => (b ? "Enabled" : "Disabled");
  renderVerticalTable("Redis", [
    ["ID", r.id],
    ["Name", r.name],
    ["Plan", r.plan],
    ["Primary Region", r.region],
    ["Read Regions", r.readRegions.length ? r.readRegions.join(",") : "None"],
    ["Eviction", on(r.eviction)],
    ["Auto-Upgrade", on(r.autoUpgrade)],
    ["ProdPack", on(r.prodPack)],
    ["Private URL", redisUrl(r)],
  ]);
}

function redisDestroy(ctx) {
  const name = ctx.args[0];
  if (!ctx.flags.yes) {
    eprint(T.redisDestroyWarning.text);
    need(ctx, "yes");
  }
  if (!ctx.state.redis[name]) throw redisNotFound(ctx.state, name);
  delete ctx.state.redis[name];
  print(sprintf(T.redisDestroyed.text, name));
}

module.exports = {
  commands: {
    "redis create": { run: redisCreate, mutation: true },
    "redis list": { run: redisList },
    "redis status": { run: redisStatus },
    "redis destroy": { run: redisDestroy, mutation: true },
  },
};
