"use strict";
/**
 * What several commands share: the organization and region prompts (internal/prompt), the app
 * lookups and their API texts, and the objects the fake keeps (apps, machines, volumes) encoded
 * as the fly-go structs flyctl prints.
 */
const { T, sprintf, FlyError } = require("./texts.cjs");
const { apiText, orgs, regions, nextId, now } = require("./state.cjs");
const { eprint } = require("./output.cjs");
const { fromStruct } = require("./shapes.cjs");

const fail = (key, ...args) => new FlyError(sprintf(T[key].text, ...args));

/**
 * The API's words for a missing app. flyctl matches "Could not find App" itself
 * (internal/build/imgsrc/resolver.go:421 compares the GraphQL message to exactly that;
 * internal/command/deploy/deploy.go:311 looks for it), so that much is the source's; anything
 * around it is the API's (state.apiTexts.appNotFound, e.g. `Could not find App "{name}"`).
 */
const appNotFound = (state, name) =>
  new FlyError(apiText(state, "appNotFound", "Could not find App", { name }));

function getApp(ctx, name) {
  const app = ctx.state.apps[name];
  if (!app) throw appNotFound(ctx.state, name);
  return app;
}

/** prompt.Org (prompt.go:248-285). */
function selectOrg(ctx) {
  const slug = ctx.flags.org || ctx.env.FLY_ORG || ctx.env.FLY_ORGANIZATION || "";
  const list = orgs(ctx.state);
  if (slug === "" && list.length === 1 && list[0].type === "PERSONAL") {
    eprint(sprintf(T.orgSelected.text, "personal", list[0].slug));
    return list[0];
  }
  if (slug !== "") {
    const org = list.find((o) => o.slug === slug);
    if (!org) throw fail("orgNotFound", slug);
    return org;
  }
  // The org prompt (the "org" conditions of prompts.cjs) fails without a terminal.
  throw fail("needOrg");
}

/** prompt.Region (prompt.go:421-477); the region list and which need a paid plan are the API's. */
function selectRegion(ctx, org, excluded = []) {
  const slug = ctx.flags.region || ctx.env.FLY_REGION || "";
  if (slug === "") throw fail("needRegion");
  const paid = ctx.state.paidRegions ?? [];
  const splitPaid = org && !org.paidPlan;
  const available = regions(ctx.state).filter((r) => !excluded.includes(r));
  if (available.includes(slug) && !(splitPaid && paid.includes(slug))) return slug;
  if (splitPaid && paid.includes(slug)) throw fail("regionPaid", slug);
  throw fail("regionNotFound", slug);
}

/** fly.AppCompact / fly.App's organization as the GraphQL API fills it. */
const orgBasic = (slug) => ({
  ID: `org_${slug}`,
  InternalNumericID: "1",
  Name: slug,
  Slug: slug,
  RawSlug: slug,
  PaidPlan: true,
});

const isPostgres = (app) => app.role === "postgres_cluster";
const appStatus = (app) =>
  app.machines.some((m) => m.state === "started") ? "deployed" : "pending";

/** fly.App (fly-go types.go), what `apps create --json`, `apps list --json`, `pg list --json` print. */
const appJson = (app) =>
  fromStruct("fly.App", {
    ID: app.name,
    Name: app.name,
    Status: appStatus(app),
    Deployed: app.machines.length > 0,
    Hostname: `${app.name}.fly.dev`,
    AppURL: `https://${app.name}.fly.dev`,
    Organization: fromStruct("fly.Organization", { ...orgBasic(app.org), Type: "SHARED" }),
    PostgresAppRole: isPostgres(app) ? { Name: "postgres_cluster" } : null,
    PlatformVersion: app.machines.length > 0 ? "machines" : "",
  });

/** fly.Machine (fly-go machine_types.go). */
function machineJson(m) {
  return fromStruct("fly.Machine", {
    id: m.id,
    name: m.name,
    state: m.state,
    region: m.region,
    image_ref: fromStruct("fly.MachineImageRef", {
      registry: "registry-1.docker.io",
      repository: m.image ?? "flyio/postgres-flex",
      tag: "16",
    }),
    instance_id: m.instanceId,
    private_ip: m.privateIp,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    config: fromStruct("fly.MachineConfig", {
      guest: fromStruct("fly.MachineGuest", m.guest),
      mounts: m.volume ? [fromStruct("fly.MachineMount", { volume: m.volume, path: "/data" })] : [],
      metadata: m.metadata ?? {},
      image: `${m.image ?? "flyio/postgres-flex"}:16`,
    }),
    host_status: "ok",
    cordoned: false,
  });
}

/** fly.Volume (fly-go volume_types.go:8-23). */
const volumeJson = (v) =>
  fromStruct("fly.Volume", {
    id: v.id,
    name: v.name,
    state: v.state,
    size_gb: v.size_gb,
    region: v.region,
    zone: v.zone,
    encrypted: v.encrypted,
    attached_machine_id: v.attached_machine_id,
    attached_alloc_id: null,
    created_at: v.created_at,
    host_dedication_id: "",
    snapshot_retention: v.snapshot_retention,
    auto_backup_enabled: v.auto_backup_enabled ?? true,
    host_status: "ok",
  });

function newMachine(state, app, region, guest, volumeId, metadata) {
  const m = {
    id: nextId(state, "", 14),
    name: `${app.name}-${state.seq}`,
    state: "started",
    region,
    instanceId: nextId(state, "01H", 23).toUpperCase(),
    privateIp: `fdaa:0:1:a7b:${state.seq.toString(16)}::2`,
    createdAt: now(),
    updatedAt: now(),
    guest: { ...guest },
    volume: volumeId,
    metadata,
  };
  app.machines.push(m);
  return m;
}

module.exports = {
  fail,
  appNotFound,
  getApp,
  selectOrg,
  selectRegion,
  orgBasic,
  isPostgres,
  appStatus,
  appJson,
  machineJson,
  volumeJson,
  newMachine,
};
