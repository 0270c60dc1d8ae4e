// Preloaded into a gaia-db child process (NODE_OPTIONS=--require): reports every DNS lookup and
// every TCP connection attempt on stderr, so a test can prove a command never reached the network.
const dns = require("node:dns");
const net = require("node:net");

const lookup = dns.lookup;
dns.lookup = function probedLookup(host, ...rest) {
  process.stderr.write(`[probe: dns lookup ${host}]\n`);
  return lookup.call(this, host, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function probedPromisesLookup(host, ...rest) {
  process.stderr.write(`[probe: dns lookup ${host}]\n`);
  return promisesLookup.call(this, host, ...rest);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function probedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  // Pipes (tsx's own IPC) carry a path; only TCP connections have a port.
  if (typeof first === "number") {
    process.stderr.write(`[probe: tcp connect ${args[1] ?? "localhost"}:${first}]\n`);
  } else if (typeof first === "object" && first !== null && first.port !== undefined) {
    process.stderr.write(`[probe: tcp connect ${first.host ?? "localhost"}:${first.port}]\n`);
  }
  return connect.apply(this, args);
};
