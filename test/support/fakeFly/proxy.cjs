"use strict";
/**
 * `proxy` and `mpg proxy`: listen like proxy/connect.go and forward every connection to
 * $FAKE_FLY_PROXY_TARGET (host:port), a real PostgreSQL in the tests.
 */
const net = require("node:net");
const { T, sprintf, FlyError } = require("./texts.cjs");
const c = require("./common.cjs");
const { clusterFromArg } = require("./mpg.cjs");

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
  );
}

function forward(localRaw, remoteAddr, bindAddr, watchStdin) {
  const target = process.env.FAKE_FLY_PROXY_TARGET;
  if (!target)
    throw new FlyError(`fake fly: FAKE_FLY_PROXY_TARGET is not set, cannot reach ${remoteAddr}`);
  const [targetHost, targetPort] = target.split(":");
  const server = net.createServer((client) => {
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

module.exports = {
  commands: {
    proxy: { run: proxy },
    "mpg proxy": { run: mpgProxy },
  },
};
