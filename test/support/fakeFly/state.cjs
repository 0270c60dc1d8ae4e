"use strict";
/**
 * The fake's world between calls: $FAKE_FLY_STATE/state.json under a directory lock. What only
 * the API knows (region lists, plan wordings, error texts) also lives here, with defaults, so a
 * test can set other answers and show the program does not depend on one guess.
 */
const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");

const STATE_DIR = process.env.FAKE_FLY_STATE;
const STATE_FILE = STATE_DIR ? path.join(STATE_DIR, "state.json") : "";
const LOCK_FILE = STATE_DIR ? path.join(STATE_DIR, "state.lock") : "";

// Platform regions (the API's, via prompt.PlatformRegions) and those Managed Postgres offers
// (regionsv2.GetAvailableMPGRegions): neither list is in the source; tests may replace them
// (state.regions, state.mpgRegions).
const MPG_REGIONS = ["ams", "fra", "iad", "lax", "lhr", "nrt", "ord", "sjc", "sin", "syd", "yyz"];
const REGIONS = [...MPG_REGIONS, "arn", "bog", "bom", "cdg", "dfw", "ewr", "gru", "hkg", "jnb"];

function emptyState() {
  return {
    seq: 0,
    // Organization slugs the token can see, or {slug, type, paidPlan} objects.
    orgs: ["aeonia-dev"],
    // Names held by other customers: app names are global across Fly.io.
    foreignApps: [],
    apps: {},
    volumes: [],
    redis: {},
    mpg: [],
    faults: [],
  };
}

function withLock(fn) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_FILE);
      break;
    } catch (e) {
      if (e.code !== "EEXIST" || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmdirSync(LOCK_FILE);
  }
}

function loadState() {
  if (!fs.existsSync(STATE_FILE)) return emptyState();
  return JSON.parse(fs.readFileSync(STATE_FILE, "utf8"));
}

function saveState(state) {
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, STATE_FILE);
}

function nextId(state, prefix, length = 14) {
  state.seq += 1;
  const hash = crypto.createHash("sha256").update(`${prefix}:${state.seq}`).digest("hex");
  return `${prefix}${hash.slice(0, length)}`;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
const requestId = (state) => nextId(state, "01J", 23).toUpperCase();

/** The organizations as objects (slug, type, paidPlan). */
function orgs(state) {
  return state.orgs.map((o) =>
    typeof o === "string" ? { slug: o, type: "SHARED", paidPlan: true } : { paidPlan: true, ...o },
  );
}

const regions = (state) => state.regions ?? REGIONS;
const mpgRegions = (state) => state.mpgRegions ?? MPG_REGIONS;

/**
 * An API text the source does not show: state.apiTexts[key] if a test set one, else the
 * default; `{name}`-style placeholders are filled from vars.
 */
function apiText(state, key, fallback, vars = {}) {
  const template = state.apiTexts?.[key] ?? fallback;
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

module.exports = {
  STATE_DIR,
  emptyState,
  withLock,
  loadState,
  saveState,
  nextId,
  now,
  requestId,
  orgs,
  regions,
  mpgRegions,
  apiText,
};
