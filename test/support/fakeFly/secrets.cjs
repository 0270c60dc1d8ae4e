"use strict";
/** `secrets import|list|unset`. */
const { T, sprintf } = require("./texts.cjs");
const { print, printJson, renderTable } = require("./output.cjs");
const { fromStruct } = require("./shapes.cjs");
const c = require("./common.cjs");
const { digest } = require("./postgres.cjs");

Object.assign(T, {
  secretsParse: {
    text: "Failed to parse secrets from stdin: %w",
    at: "internal/command/secrets/import.go:46",
  },
  secretsPair: {
    text: "Secrets must be provided as NAME=VALUE pairs (%s is invalid)",
    at: "internal/command/secrets/parser.go:33",
  },
  secretsNone: {
    text: "requires at least one SECRET=VALUE pair",
    at: "internal/command/secrets/import.go:49",
  },
  secretsStaged: {
    text: "Secrets have been staged, but not set on VMs. Deploy or update machines in this app for the secrets to take effect.\n",
    at: "internal/command/secrets/secrets.go:69",
  },
  rollingUpdate: {
    text: "Updating existing machines in '%s' with %s strategy",
    at: "internal/command/deploy/machines_deploymachinesapp.go:624",
  },
  secretsFirstDeploy: {
    text: "Secrets are staged for the first deployment",
    at: "internal/command/secrets/secrets.go:84",
  },
});

// bufio.Scanner's limit (MaxScanTokenSize): a longer line ends the scan, and parseSecrets
// ignores the scanner's error, so the rest of stdin is silently dropped (parser.go:17-22).
const MAX_LINE = 64 * 1024;

// internal/command/secrets/parser.go:15-78, including its `#` comment quirk.
function parseSecretLines(text) {
  const secrets = {};
  let key = "";
  let multi = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.length >= MAX_LINE) break;
    if (multi !== null) {
      if (line.endsWith('"""')) {
        secrets[key] = multi + line.slice(0, -3);
        multi = null;
      } else multi += `${line}\n`;
      continue;
    }
    if (line.startsWith("#") || line.trim() === "") continue;
    const at = line.indexOf("=");
    if (at < 0) throw c.fail("secretsParse", sprintf(T.secretsPair.text, line));
    key = line.slice(0, at).trim();
    let value = line.slice(at + 1).replace(/^ +/, "");
    const hash = value.indexOf("#");
    if (hash >= 0 && (value.slice(0, hash).split('"').length - 1) % 2 === 0)
      value = value.slice(0, hash).replace(/ +$/, "");
    if (value.startsWith('"""') && value.endsWith('"""') && value.length >= 6)
      secrets[key] = value.slice(3, -3);
    else if (value.startsWith('"""')) multi = `${value.slice(3)}\n`;
    else if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      secrets[key] = value.slice(1, -1);
    else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'"))
      secrets[key] = value.slice(1, -1);
    else secrets[key] = value;
  }
  return secrets;
}

/** secrets.go:65-122 DeploySecrets: staged, staged for a first deploy, or a rolling restart. */
function deploySecrets(ctx, app) {
  if (ctx.flags.stage) return print(T.secretsStaged.text.slice(0, -1));
  if (app.machines.length === 0) return print(T.secretsFirstDeploy.text);
  for (const m of app.machines) m.restarts = (m.restarts ?? 0) + 1;
  print(sprintf(T.rollingUpdate.text, app.name, "rolling"));
}

// secrets/import.go:33-57: the app first, then stdin.
function secretsImport(ctx) {
  const app = c.getApp(ctx, ctx.appName);
  const secrets = parseSecretLines(ctx.stdin);
  if (Object.keys(secrets).length < 1) throw c.fail("secretsNone");
  for (const [k, v] of Object.entries(secrets)) {
    app.secrets[k] = {
      value: v,
      digest: digest(v),
      status: ctx.flags.stage || app.machines.length === 0 ? "Staged" : "Deployed",
    };
  }
  deploySecrets(ctx, app);
}

// secrets/list.go:75-119: with a status per secret unless flyctl cannot work it out (too many
// machines, list.go:138-140), then name and digest only; state.secretsWithoutStatus picks that.
function secretsList(ctx) {
  const app = c.getApp(ctx, ctx.appName);
  const rows = Object.entries(app.secrets).map(([name, s]) => ({
    name,
    digest: s.digest,
    status: s.status,
  }));
  if (ctx.flags.json) {
    if (ctx.state.secretsWithoutStatus)
      return printJson(rows.map(({ name, digest }) => ({ name, digest })));
    return printJson(rows.map((r) => fromStruct("secrets.SecretWithStatus", r)));
  }
  renderTable(
    ["Name", "Digest", "Status"],
    rows.map((r) => [r.name, r.digest, r.status]),
  );
}

// secrets/unset.go:35-59: names that do not exist are not an error.
function secretsUnset(ctx) {
  const app = c.getApp(ctx, ctx.appName);
  for (const name of ctx.args) delete app.secrets[name];
  deploySecrets(ctx, app);
}

module.exports = {
  parseSecretLines,
  commands: {
    "secrets import": { run: secretsImport, mutation: true, stdin: true },
    "secrets list": { run: secretsList },
    "secrets unset": { run: secretsUnset, mutation: true },
  },
};
