"use strict";
/**
 * What a Postgres app's volume holds, for the fake: the databases its `fly proxy` has served.
 * Every app reaches the one test PostgreSQL ($FAKE_FLY_PROXY_TARGET), so an app's databases are
 * names on that server: `app.databases` maps the name a client asks for to the database that
 * holds it (itself, for a cluster the fake created empty). A volume snapshot copies each of them
 * (`CREATE DATABASE … TEMPLATE …`, at the request: what the snapshot holds is the data of that
 * moment), and `postgres create --snapshot-id` gives the new app copies of the snapshot's, so
 * writes on a restored cluster never reach the snapshot or the cluster it was taken of.
 *
 * The server's administrator ($FAKE_FLY_PROXY_ADMIN_URL) makes the copies; without it (tests
 * that never restore) snapshots hold no data and the proxy forwards as it always did.
 */
const crypto = require("node:crypto");

const ADMIN_URL = process.env.FAKE_FLY_PROXY_ADMIN_URL ?? "";

/** The real password of the test server's `postgres`, or null when unknown. */
function adminPassword() {
  if (!ADMIN_URL) return null;
  return decodeURIComponent(new URL(ADMIN_URL).password);
}

/** A short database name unique to this fake's state (PostgreSQL names are at most 63 bytes). */
function copyName(state, what) {
  state.seq += 1;
  const tag = crypto.createHash("sha256").update(`${process.env.FAKE_FLY_STATE}`).digest("hex");
  return `fakefly_${tag.slice(0, 8)}_${what}_${state.seq}`;
}

/** The database prefix of this fake's copies (tests drop them by it). */
function copyPrefix(stateDir) {
  const tag = crypto.createHash("sha256").update(stateDir).digest("hex");
  return `fakefly_${tag.slice(0, 8)}_`;
}

async function withAdmin(fn) {
  const pg = require("pg");
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const ident = (name) => `"${name.replaceAll('"', '""')}"`;

/**
 * Makes each copy (`[target, source]`), retrying while the source is busy: TEMPLATE needs no
 * other session on it, and a client of the proxy may still be closing its connection.
 */
async function copyDatabases(pairs) {
  if (pairs.length === 0) return;
  await withAdmin(async (client) => {
    for (const [target, source] of pairs) {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(`CREATE DATABASE ${ident(target)} TEMPLATE ${ident(source)}`);
          break;
        } catch (e) {
          if (attempt >= 50 || !/being accessed by other users/.test(e.message))
            throw new Error(`fake fly: copying database ${source} to ${target}: ${e.message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  });
}

async function dropDatabases(names) {
  if (names.length === 0) return;
  await withAdmin(async (client) => {
    for (const name of names)
      await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  });
}

/**
 * A snapshot of `app`'s volume: a copy of each database it holds. Returns the snapshot's
 * `databases` (name → copy) and the copies to make outside the state lock.
 */
function snapshotDatabases(state, app) {
  if (!ADMIN_URL || !app) return { databases: {}, pairs: [] };
  const databases = {};
  const pairs = [];
  for (const [name, real] of Object.entries(app.databases ?? {})) {
    const copy = copyName(state, "snap");
    databases[name] = copy;
    pairs.push([copy, real]);
  }
  return { databases, pairs };
}

/** A cluster restored from `snapshot`: its own copy of each database the snapshot holds. */
function restoreDatabases(state, snapshot) {
  const databases = {};
  const pairs = [];
  for (const [name, copy] of Object.entries(snapshot.databases ?? {})) {
    const own = copyName(state, "db");
    databases[name] = own;
    pairs.push([own, copy]);
  }
  return { databases, pairs };
}

/** The copies a destroyed app held (never the databases of a cluster the fake created empty). */
function ownedCopies(app) {
  return Object.entries(app.databases ?? {})
    .filter(([name, real]) => name !== real)
    .map(([, real]) => real);
}

// The PostgreSQL protocol's first message: an SSLRequest / GSSENCRequest (8 bytes, answered
// "N": the test server has neither) or the StartupMessage: length, protocol 3.0, then
// name\0value\0 pairs and a final \0.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

function parseStartup(buf) {
  const params = {};
  let i = 8;
  while (i < buf.length && buf[i] !== 0) {
    const k = buf.indexOf(0, i);
    const v = buf.indexOf(0, k + 1);
    params[buf.toString("utf8", i, k)] = buf.toString("utf8", k + 1, v);
    i = v + 1;
  }
  return params;
}

function buildStartup(protocol, params) {
  const body = Buffer.concat(
    Object.entries(params).flatMap(([k, v]) => [Buffer.from(`${k}\0${v}\0`, "utf8")]),
  );
  const out = Buffer.alloc(8 + body.length + 1);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(protocol, 4);
  body.copy(out, 8);
  out[out.length - 1] = 0;
  return out;
}

/**
 * PostgreSQL's answer to a wrong password (auth.c auth_failed, SQLSTATE 28P01), as an
 * ErrorResponse: what a client of a restored cluster gets when `postgres` was reset to another
 * password than the one it sends.
 */
function authFailed(user) {
  const fields = [
    ["S", "FATAL"],
    ["V", "FATAL"],
    ["C", "28P01"],
    ["M", `password authentication failed for user "${user}"`],
  ];
  const body = Buffer.concat([
    ...fields.map(([k, v]) => Buffer.from(`${k}${v}\0`, "utf8")),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/**
 * Reads the client's first message(s) and decides: `{forward: Buffer}` (the startup, its
 * database renamed to the one that holds it), `{reply: Buffer}` (an SSL/GSS refusal, then wait
 * for the startup), or `{refuse: Buffer}` (the ErrorResponse to send before closing).
 * `resolve(app params)` returns {database, refuseUser}.
 */
function startupDecision(buf, resolve) {
  if (buf.length < 8) return null;
  const length = buf.readInt32BE(0);
  if (buf.length < length) return null;
  const code = buf.readInt32BE(4);
  if (length === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST))
    return { reply: Buffer.from("N"), consumed: 8 };
  const params = parseStartup(buf.subarray(0, length));
  const r = resolve(params);
  if (r.refuse) return { refuse: authFailed(params.user ?? ""), consumed: length };
  const renamed = { ...params, ...(r.database ? { database: r.database } : {}) };
  return { forward: buildStartup(code, renamed), consumed: length };
}

module.exports = {
  adminPassword,
  copyPrefix,
  copyDatabases,
  dropDatabases,
  snapshotDatabases,
  restoreDatabases,
  ownedCopies,
  startupDecision,
};
