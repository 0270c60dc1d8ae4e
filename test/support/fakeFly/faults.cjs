"use strict";
/**
 * Injected failures, from state.faults: {match: "<command path>", kind, message?, times}.
 * - "429", "503": a failed API call. What flyctl prints depends on the API's response body
 *   (fly-go flaps.go:305-324 handleAPIError: a JSON body gives its `error` text alone, anything
 *   else `request returned non-2xx status: <code>: <body>`), so `message` replaces the default.
 * - "timeout": a context deadline, which flyctl exits 126 for (internal/cli/cli.go:109-112).
 * - "fail-after-create": the mutation happens, then the command fails, as when the API applied a
 *   request whose answer never reached flyctl. Every mutating command honours it: one that has
 *   several steps (postgres create) fails where it says, any other once its run is done; a read
 *   refuses it, since it has nothing to fail after.
 *   `postgres create` fails at the launch of node `node` (default 0), after the app, its secrets
 *   and that node's volume.
 * - "hang": the command gets as far as its mutation (or through a read) and never returns.
 * - "error": fails with `message`, for API texts the source does not show.
 * `skip: n` lets the first n matching calls through (a read-back after a mutation, say).
 */
const fs = require("node:fs");
const path = require("node:path");
const { T, sprintf, FlyError } = require("./texts.cjs");
const { requestId, saveState, STATE_DIR } = require("./state.cjs");

/** Takes one use of the first fault matching the command, under the state lock. */
function takeFault(state, key) {
  const i = state.faults.findIndex((f) => f.match === key && (f.times ?? 1) > 0);
  if (i < 0) return null;
  const f = state.faults[i];
  if ((f.skip ?? 0) > 0) {
    f.skip -= 1;
    // A read saves no state of its own.
    saveState(state);
    return null;
  }
  f.times = (f.times ?? 1) - 1;
  if (f.times <= 0) state.faults.splice(i, 1);
  return f;
}

const MPG_LOOKUP = [
  "mpg status",
  "mpg destroy",
  "mpg databases list",
  "mpg databases create",
  "mpg proxy",
];

function raiseFault(state, f, key, ctx) {
  // Every `mpg <cmd> <id>` turns any failure of its lookup into "not found" (mpg.go:97-99).
  if (MPG_LOOKUP.includes(key)) throw new FlyError(sprintf(T.mpgNotFound.text, ctx.args[0] ?? ""));
  const code = { 429: 429, 503: 503 }[f.kind];
  if (key === "mpg list" && code) {
    const slug = ctx.flags.org || ctx.args[0];
    const body = f.message ?? `{"error":"fake ${code}"}`;
    throw new FlyError(
      sprintf(T.mpgListFailed.text, slug, sprintf(T.mpgListStatus.text, code, body)),
    );
  }
  switch (f.kind) {
    case "429":
    case "503":
      throw new FlyError(
        `${f.message ?? `request returned non-2xx status: ${code}: ${code === 429 ? "rate limit exceeded" : "service unavailable"}`} (Request ID: ${requestId(state)})`,
      );
    case "timeout":
      throw new FlyError("context deadline exceeded", 126);
    case "error":
      throw new FlyError(f.message ?? "fake fly: an error fault needs a message");
    default:
      throw new FlyError(`fake fly: unknown fault kind ${f.kind}`);
  }
}

/** Thrown through the state lock (which is released) to hang after it. */
const HANG = Symbol("hang");

/**
 * The fault's hook for the command: `afterCreate(message)` is called once the command's
 * mutation is in the state (fail-after-create fails there, hang stops there).
 */
function faultHook(state, f) {
  return {
    fired: false,
    /** `postgres create`: the node whose machine launch the fault fails (its volume exists). */
    node: f?.node ?? 0,
    afterCreate(message) {
      this.fired = true;
      if (f?.kind === "hang") {
        saveState(state);
        throw HANG;
      }
      if (f?.kind === "fail-after-create") {
        saveState(state);
        throw new FlyError(
          f.message ?? message ?? "context deadline exceeded",
          f.message || message ? 1 : 126,
        );
      }
    },
  };
}

/** Never returns: like a flyctl stuck on the network, with a helper (the agent, ssh) beside it. */
function hangForever(entry) {
  const { spawn } = require("node:child_process");
  const helper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], {
    stdio: "inherit",
  });
  fs.appendFileSync(
    path.join(STATE_DIR, "hangs.jsonl"),
    `${JSON.stringify({ ...entry, helper: helper.pid })}\n`,
  );
  setInterval(() => {}, 1 << 30);
}

module.exports = { takeFault, raiseFault, faultHook, hangForever, HANG };
