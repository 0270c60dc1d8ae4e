"use strict";
/**
 * `proxy` and `mpg proxy`: listen like proxy/connect.go and forward every connection to
 * $FAKE_FLY_PROXY_TARGET (host:port), a real PostgreSQL in the tests.
 */
const net = require("node:net");
const { T, sprintf, FlyError } = require("./texts.cjs");
const c = require("./common.cjs");
const { clusterFromArg } = require("./mpg.cjs");
const { withLock, loadState, saveState } = require("./state.cjs");
const { adminPassword, startupDecision } = require("./pgdata.cjs");

Object.assign(T, {
  proxying: { text: "Proxying localhost:%s to remote %s", at: "proxy/connect.go:128" },
  selectNeedsApp: {
    text: "--app required when --select flag provided",
    at: "internal/command/proxy/proxy.go:75",
  },
  mpgInitializing: {
    text: "cluster is still initializing, wait a bit more",
    at: "internal/command/mpg/v2/run_proxy.go:63",
  },
  mpgNoPassword: {
    text: "error getting cluster password",
    at: "internal/command/mpg/v2/run_proxy.go:67",
  },
});

// mpg/proxy.go:46-66 and v2/run_proxy.go:14-95: the cluster's default credentials must be ready
// (their status is the API's: state.mpgCredentialsStatus at create); no --watch-stdin.
function mpgProxy(ctx) {
  const cl = clusterFromArg(ctx);
  const status = cl.credentialsStatus ?? "ready";
  if (status === "initializing") throw c.fail("mpgInitializing");
  if (status === "error") throw c.fail("mpgNoPassword");
  return forward(
    ctx.flags["local-port"] ?? "16380",
    `[${cl.ip}]:5432`,
    ctx.flags["bind-addr"],
    false,
  );
}

// proxy/proxy.go:65-146.
function proxy(ctx) {
  if (ctx.flags.select && !ctx.appName) throw c.fail("selectNeedsApp");
  if (!ctx.appName && !ctx.flags.org) c.selectOrg(ctx);
  if (ctx.appName) c.getApp(ctx, ctx.appName);
  const [localRaw, remoteRaw] = ctx.args[0].split(":");
  const remotePort = remoteRaw ?? localRaw;
  const host = ctx.args[1] ?? `${ctx.appName}.internal`;
  return forward(
    localRaw,
    `[${host}]:${remotePort}`,
    ctx.flags["bind-addr"],
    ctx.flags["watch-stdin"],
    ctx.appName ? startupFor(ctx.appName) : null,
  );
}

/**
 * What the app's Postgres does with a client's startup (see pgdata.cjs): the database it asks for
 * is the one that holds it on the test server (remembered on first sight, so a snapshot knows what
 * the volume holds), and `postgres` logs in only with the password the app's machines were given
 * (OPERATOR_PASSWORD: postgres-flex sets `postgres` to it at start and at a restore), which must
 * be the test server's own password for the login to succeed.
 */
function startupFor(appName) {
  const real = adminPassword();
  if (real === null) return null;
  return (params) =>
    withLock(() => {
      const state = loadState();
      const app = state.apps[appName];
      if (!app) return {};
      const operator = app.secrets?.OPERATOR_PASSWORD?.value;
      if (params.user === "postgres" && operator !== undefined && operator !== real)
        return { refuse: true };
      const name = params.database ?? params.user;
      // Every cluster has the maintenance database `postgres` of its own: never copied.
      if (name === "postgres") return {};
      app.databases ??= {};
      if (app.databases[name] === undefined) {
        app.databases[name] = name;
        saveState(state);
      }
      return { database: app.databases[name] };
    });
}

function forward(localRaw, remoteAddr, bindAddr, watchStdin, onStartup = null) {
  const target = process.env.FAKE_FLY_PROXY_TARGET;
  if (!target)
    throw new FlyError(`fake fly: FAKE_FLY_PROXY_TARGET is not set, cannot reach ${remoteAddr}`);
  const [targetHost, targetPort] = target.split(":");
  const server = net.createServer((client) => {
    if (onStartup) return relayAfterStartup(client, targetHost, Number(targetPort), onStartup);
    const upstream = net.connect(Number(targetPort), targetHost);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
  server.on("error", (e) => {
    process.stderr.write(
      `Error: listen tcp ${bindAddr ?? "127.0.0.1"}:${localRaw}: ${e.message}\n`,
    );
    process.exit(1);
  });
  server.listen(Number(localRaw), bindAddr ?? "127.0.0.1", () => {
    process.stdout.write(`${sprintf(T.proxying.text, server.address().port, remoteAddr)}\n`);
  });
  if (watchStdin) {
    process.stdin.on("end", () => process.exit(0));
    process.stdin.on("error", () => process.exit(0));
    process.stdin.resume();
  }
  return "blocking";
}

/** Reads the client's startup, decides on it (startupFor), then relays bytes both ways. */
function relayAfterStartup(client, host, port, onStartup) {
  let buffered = Buffer.alloc(0);
  const onData = (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    let d;
    try {
      d = startupDecision(buffered, onStartup);
    } catch {
      client.destroy();
      return;
    }
    if (d === null) return;
    buffered = buffered.subarray(d.consumed);
    if (d.reply) {
      client.write(d.reply);
      return;
    }
    client.removeListener("data", onData);
    if (d.refuse) {
      client.end(d.refuse);
      return;
    }
    const upstream = net.connect(port, host);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    upstream.write(Buffer.concat([d.forward, buffered]));
    client.pipe(upstream).pipe(client);
  };
  client.on("data", onData);
  client.on("error", () => client.destroy());
}

module.exports = {
  commands: {
    proxy: { run: proxy },
    "mpg proxy": { run: mpgProxy },
  },
};
