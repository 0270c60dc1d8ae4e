"use strict";
/** Managed Postgres: `mpg create|list|status|destroy`, `mpg databases list|create` (and the lookup `mpg proxy` shares). */
const crypto = require("node:crypto");
const TABLE = require("./flyctl.json");
const { T, sprintf, FlyError } = require("./texts.cjs");
const { need } = require("./prompts.cjs");
const {
  apiText,
  nextId,
  mpgRegions,
  withLock,
  loadState,
  saveState,
  orgs,
} = require("./state.cjs");
const { print, eprint, printJson, renderTable } = require("./output.cjs");
const { fromStruct } = require("./shapes.cjs");
const c = require("./common.cjs");

Object.assign(T, {
  pgMajor: {
    text: "invalid Postgres major version: %d. Supported versions are 16 and 17",
    at: "internal/command/mpg/create.go:111",
  },
  mpgRegion: {
    text: "region %s is not available for Managed Postgres. Available regions: %v",
    at: "internal/command/mpg/v2/run_create.go:63",
  },
  mpgNoRegions: {
    text: "no valid regions found for Managed Postgres",
    at: "internal/command/mpg/v2/run_create.go:44",
  },
  mpgSelectedPlan: { text: "Selected Plan: %s", at: "internal/command/mpg/v2/run_create.go:100" },
  mpgWaiting: {
    text: "Waiting for cluster %s (%s) to be ready...",
    at: "internal/command/mpg/v2/run_create.go:106",
  },
  mpgStatusFailed: {
    text: "failed checking cluster status: %w",
    at: "internal/command/mpg/v2/run_create.go:113",
  },
  mpgCreationFailed: {
    text: "cluster creation failed",
    at: "internal/command/mpg/v2/run_create.go:130",
  },
  mpgCreated: {
    text: "Managed Postgres cluster created successfully!",
    at: "internal/command/mpg/v2/run_create.go:136",
  },
  mpgNotFound: {
    text: "managed postgres cluster %q not found",
    at: "internal/command/mpg/mpg.go:99",
  },
  mpgNoClusters: {
    text: "no managed postgres clusters found in organization %s",
    at: "internal/command/mpg/mpg.go:120",
  },
  needSlugArg: {
    text: "slug argument must be specified when not running interactively",
    at: "internal/command/orgs/orgs.go:64",
  },
  orgBySlugFailed: {
    text: "failed retrieving organization with slug %s: %w",
    at: "internal/command/orgs/orgs.go:124",
  },
  mpgListFailed: {
    text: "failed to list postgres clusters for organization %s: %w",
    at: "internal/command/mpg/list.go:69",
  },
  mpgListStatus: {
    text: "failed to list clusters (status %d): %s",
    at: "internal/uiex/mpg/v1/managed_postgres.go:52",
  },
  mpgListEmpty: {
    text: "No managed postgres clusters found in organization %s",
    at: "internal/command/mpg/list.go:76",
  },
  needYesFlag: {
    text: "--yes flag must be specified when not running interactively",
    at: "internal/command/mpg/v2/run_destroy.go:36",
  },
  mpgDestroyWarning: {
    text: "Destroying a managed Postgres cluster is not reversible. All data will be permanently lost.",
    at: "internal/command/mpg/v2/run_destroy.go:27",
  },
  mpgDestroyed: {
    text: "Managed Postgres cluster %s (%s) scheduled to be destroyed (may take some time)",
    at: "internal/command/mpg/v2/run_destroy.go:48",
  },
  noDatabases: {
    text: "No databases found for cluster %s",
    at: "internal/command/mpg/v2/run_databases.go:26",
  },
  needDatabaseName: {
    text: "database name must be specified with --name flag when not running interactively",
    at: "internal/command/mpg/v2/run_databases.go:53",
  },
  createDatabaseFailed: {
    text: "failed to create database: %w",
    at: "internal/command/mpg/v2/run_databases.go:72",
  },
  createDatabaseStatus: {
    text: "failed to create database (status %d): %s",
    at: "internal/uiex/mpg/v2/client.go:448",
  },
  databaseCreated: {
    text: "Database created successfully!",
    at: "internal/command/mpg/v2/run_databases.go:75",
  },
});

// mpg/plans.go:11-42 (in flyctl.json values): looked up by the lower-cased --plan, but one key
// is "Performance", which that never finds; a plan not found silently becomes basic without a
// terminal (create.go:114-147).
const MPG_PLANS = Object.fromEntries(TABLE.values.mpgPlans.map((p) => [p.key, p]));

const mpgUri = (cl) => `postgresql://fly-user:${cl.password}@pgbouncer.${cl.id}.flympg.net/fly-db`;

/** The cluster as the UI-ex API returns it (mpgv2.ManagedCluster / mpgv1.ManagedCluster). */
const clusterFields = (cl) => ({
  id: cl.id,
  name: cl.name,
  region: cl.region,
  status: cl.status,
  plan: cl.plan,
  disk: cl.disk,
  replicas: cl.replicas,
  organization: fromStruct("fly.Organization", { ...c.orgBasic(cl.org), Type: "SHARED" }),
  ip_assignments: fromStruct("mpg.ManagedClusterIpAssignments", { direct: cl.ip }),
  attached_apps: [],
});

/** Each GetClusterById moves a new cluster one step along state.mpgStatuses; the last sticks. */
function advanceStatus(cl) {
  cl.reads = (cl.reads ?? 0) + 1;
  if (cl.statuses && cl.statuses.length > 1) cl.statuses.shift();
  if (cl.statuses) cl.status = cl.statuses[0];
}

/**
 * mpg.go:54-153 ClusterFromArgOrSelect, which every `mpg <cmd> [id]` runs first: a GetById on
 * the v2 API, then on the v1 API, and when both fail FOR ANY REASON (404, 429, 5xx, timeout,
 * auth) one "not found" text, which proves nothing about the cluster. Without an id: the org
 * (from the environment: these commands have no --org), the org's clusters, then a selection.
 */
function clusterFromArg(ctx) {
  const id = ctx.args[0] ?? "";
  if (id) {
    const cl = ctx.state.mpg.find((x) => x.id === id);
    if (!cl) throw c.fail("mpgNotFound", id);
    return cl;
  }
  const org = c.selectOrg(ctx);
  const list = ctx.state.mpg.filter((x) => x.org === org.slug);
  if (list.length === 0) throw c.fail("mpgNoClusters", org.slug);
  throw c.fail("nonInteractive");
}

// mpg/create.go:81-181 and mpg/v2/run_create.go:33-147. The API's word for a plan (what list
// and status report as `plan`) is its own: state.mpgApiPlanNames, e.g. {basic: "Basic"}; the
// statuses a new cluster goes through are state.mpgStatuses (default ["ready"]).
function mpgCreate(ctx) {
  const { state, flags } = ctx;
  need(ctx, "name");
  const org = c.selectOrg(ctx);
  const major = flags["pg-major-version"] ?? 16;
  if (major !== 16 && major !== 17) throw c.fail("pgMajor", major);
  const plan = MPG_PLANS[(flags.plan ?? "").trim().toLowerCase()]
    ? flags.plan.trim().toLowerCase()
    : "basic";
  const regions = mpgRegions(state);
  if (regions.length === 0) throw c.fail("mpgNoRegions");
  need(ctx, "region");
  if (!regions.includes(flags.region)) throw c.fail("mpgRegion", flags.region, regions);
  const disk = flags["volume-size"] ?? 10;
  const id = nextId(state, "", 16);
  const statuses = [...(state.mpgStatuses ?? ["ready"])];
  const cluster = {
    id,
    name: flags.name,
    org: org.slug,
    region: flags.region,
    plan: state.mpgApiPlanNames?.[plan] ?? plan,
    disk,
    replicas: 0,
    status: statuses[0],
    statuses,
    major: String(major),
    password: crypto.randomBytes(12).toString("hex"),
    credentialsStatus: state.mpgCredentialsStatus,
    ip: `fdaa:0:1::${state.seq}`,
  };
  state.mpg.push(cluster);
  ctx.fault.afterCreate();
  const details = MPG_PLANS[plan];
  print(sprintf(T.mpgSelectedPlan.text, details.name));
  print(`  CPU: ${details.cpu}`);
  print(`  Memory: ${details.memory}`);
  print(`  Price: $${details.pricePerMo} per month`);
  print();
  print(sprintf(T.mpgWaiting.text, flags.name, id));
  print(
    `You can view the cluster in the UI at: https://fly.io/dashboard/${org.slug}/managed_postgres/${id}`,
  );
  print(
    "You can cancel this wait with Ctrl+C - the cluster will continue provisioning in the background.",
  );
  print(`Once ready, you can connect to the database with: fly mpg connect ${id}`);
  print();
  // run_create.go:110-134: poll every 5 s until "ready" (success) or "error" (failure); any other
  // status, "failed" included, polls on for ever. Outside the state lock, as flyctl's loop is.
  return {
    continueOutsideLock: async () => {
      const pollMs = Number(process.env.FAKE_FLY_MPG_POLL_MS ?? 20);
      for (;;) {
        const cl = withLock(() => {
          const st = loadState();
          const found = st.mpg.find((x) => x.id === id);
          if (found) advanceStatus(found);
          saveState(st);
          return found;
        });
        if (!cl)
          throw new FlyError(
            sprintf(
              T.mpgStatusFailed.text,
              apiText(state, "mpgGone", "cluster {id} not found", { id }),
            ),
          );
        if (cl.status === "ready") break;
        if (cl.status === "error") throw c.fail("mpgCreationFailed");
        await new Promise((r) => setTimeout(r, pollMs));
      }
      print();
      print(T.mpgCreated.text);
      print(`  ID: ${id}`);
      print(`  Name: ${flags.name}`);
      print(`  Organization: ${org.slug}`);
      print(`  Region: ${flags.region}`);
      print(`  Plan: ${plan}`);
      print(`  Disk: ${disk}GB`);
      print(`  PostGIS: ${Boolean(flags["enable-postgis-support"])}`);
      print(`  Connection string: ${mpgUri(cluster)}`);
    },
  };
}

// mpg/list.go:47-100: the org from --org or the first argument, looked up, then the v1 API's
// list (both v1 and v2 clusters); none is a text line, even with --json.
function mpgList(ctx) {
  settleDestroys(ctx.state);
  need(ctx, "org");
  const slug = ctx.flags.org || ctx.args[0];
  if (!orgs(ctx.state).some((o) => o.slug === slug))
    throw c.fail(
      "orgBySlugFailed",
      slug,
      apiText(ctx.state, "orgNotFound", "Could not find Organization {slug}", { slug }),
    );
  const clusters = ctx.state.mpg.filter((x) => x.org === slug);
  if (clusters.length === 0) return print(sprintf(T.mpgListEmpty.text, slug));
  if (ctx.flags.json)
    return printJson(
      clusters.map((cl) =>
        fromStruct("mpgv1.ManagedCluster", {
          ...clusterFields(cl),
          mpgd_cluster_id: cl.id,
          version: 2,
        }),
      ),
    );
  renderTable(
    ["ID", "Name", "Org", "Region", "Status", "Plan", "Attached Apps"],
    clusters.map((cl) => [
      cl.id,
      cl.name,
      cl.org,
      cl.region,
      cl.status,
      cl.plan,
      "<no attached apps>",
    ]),
  );
}

/** mpg status --json: GetClusterResponse, the cluster under "data" and its default credentials. */
function mpgStatus(ctx) {
  settleDestroys(ctx.state);
  const cl = clusterFromArg(ctx);
  advanceStatus(cl);
  if (ctx.flags.json)
    return printJson(
      fromStruct("mpgv2.GetClusterResponse", {
        data: fromStruct("mpgv2.ManagedCluster", {
          ...clusterFields(cl),
          engine: "postgres",
          mpgd_cluster_id: cl.id,
        }),
        credentials: fromStruct("mpgv2.GetClusterCredentialsResponse", {
          status: cl.credentialsStatus ?? "ready",
          user: "fly-user",
          password: cl.password,
          dbname: "fly-db",
          pgbouncer_uri: mpgUri(cl),
        }),
      }),
    );
  print("Cluster Status");
  for (const [k, v] of [
    ["ID", cl.id],
    ["Name", cl.name],
    ["Organization", cl.org],
    ["Region", cl.region],
    ["Status", cl.status],
    ["Allocated Disk (GB)", cl.disk],
    ["Replicas", cl.replicas],
    ["Direct IP", cl.ip],
  ])
    print(`  ${k} │ ${v}`);
  print();
}

// v2/run_destroy.go:41-48: DestroyCluster only schedules the deletion ("scheduled to be destroyed
// (may take some time)"). How long the cluster stays listed, and with which status, is the API's:
// state.mpgDestroyListings (reads of the org's list or the cluster's status before it is gone,
// default 0) and state.mpgDestroyingStatus (default: the status it had).
function mpgDestroy(ctx) {
  const cl = clusterFromArg(ctx);
  if (!ctx.flags.yes) {
    eprint(T.mpgDestroyWarning.text);
    need(ctx, "yes");
  }
  const listings = ctx.state.mpgDestroyListings ?? 0;
  if (listings > 0) {
    cl.destroyListings = listings;
    if (ctx.state.mpgDestroyingStatus) {
      cl.status = ctx.state.mpgDestroyingStatus;
      cl.statuses = [cl.status];
    }
  } else ctx.state.mpg = ctx.state.mpg.filter((x) => x !== cl);
  print(sprintf(T.mpgDestroyed.text, cl.name, cl.id));
}

/** One read of clusters whose deletion is scheduled: each is listed once less, then gone. */
function settleDestroys(state) {
  for (const cl of state.mpg) if (cl.destroyListings !== undefined) cl.destroyListings -= 1;
  state.mpg = state.mpg.filter((cl) => cl.destroyListings === undefined || cl.destroyListings >= 0);
}

function mpgDatabasesList(ctx) {
  const cl = clusterFromArg(ctx);
  const dbs = cl.databases ?? ["fly-db"];
  if (dbs.length === 0) return print(sprintf(T.noDatabases.text, cl.id));
  if (ctx.flags.json) return printJson(dbs.map((name) => fromStruct("mpgv2.Database", { name })));
  renderTable(
    ["Name"],
    dbs.map((n) => [n]),
  );
}

// v2/run_databases.go:45-79; the API's answer to a name that exists is its own
// (state.apiTexts.databaseExists, with state.databaseExistsStatus).
function mpgDatabasesCreate(ctx) {
  const cl = clusterFromArg(ctx);
  const name = ctx.flags.name;
  need(ctx, "name");
  print(`Creating database ${name} in cluster ${cl.id}...`);
  cl.databases = cl.databases ?? ["fly-db"];
  if (cl.databases.includes(name)) {
    const body = apiText(
      ctx.state,
      "databaseExists",
      '{"error":"database {name} already exists"}',
      { name },
    );
    const status = sprintf(
      T.createDatabaseStatus.text,
      ctx.state.databaseExistsStatus ?? 422,
      body,
    );
    throw new FlyError(sprintf(T.createDatabaseFailed.text, status));
  }
  cl.databases.push(name);
  print(T.databaseCreated.text);
  print(`  Name: ${name}`);
}

module.exports = {
  clusterFromArg,
  mpgUri,
  commands: {
    "mpg create": { run: mpgCreate, mutation: true },
    "mpg list": { run: mpgList, saves: true },
    "mpg status": { run: mpgStatus, saves: true },
    "mpg destroy": { run: mpgDestroy, mutation: true },
    "mpg databases list": { run: mpgDatabasesList },
    "mpg databases create": { run: mpgDatabasesCreate, mutation: true },
  },
};
