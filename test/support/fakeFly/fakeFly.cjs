#!/usr/bin/env node
/**
 * A fake flyctl, grounded in flyctl v0.4.87 (commit ad0172f) for the commands gaia-infra uses.
 * Plain JavaScript on purpose: it starts in ~0.1 s where tsx needs ~0.6 s, and the end-to-end
 * tests call it hundreds of times.
 *
 * - flyctl.json (scripts/flyctl-table.ts, read from flyctl's source) says which commands,
 *   aliases, flags and argument counts exist; cli.cjs reads an argv as cobra and pflag do, with
 *   their exact texts, usage on stdout after a flag or argument error, and a group command's
 *   help (exit 0) for a subcommand it does not have.
 * - prompts.cjs says what each command asks for, and fails with flyctl's non-interactive text.
 * - texts.cjs and the behaviours cite, for every text, the file and line it comes from; what
 *   only the API knows (error wordings, plan names, region lists) comes from the state, which
 *   tests vary.
 * - output shapes follow the Go structs flyctl encodes (shapes.cjs over flyctl.json).
 * - state between calls in $FAKE_FLY_STATE/state.json; every call is appended to calls.jsonl
 *   (argv, command, whether it mutates, exit code, pid, parent pid, environment names, and
 *   `help` when cobra printed help instead of running anything).
 * - faults (faults.cjs): 429, 503, timeout, fail-after-create, hang, error.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { T, sprintf, FlyError } = require("./texts.cjs");
const { TABLE, resolve, useLine } = require("./cli.cjs");
const { need } = require("./prompts.cjs");
const { STATE_DIR, withLock, loadState, saveState, apiText } = require("./state.cjs");
const { print, eprint, flush } = require("./output.cjs");
const { COMMANDS } = require("./commands.cjs");
const { takeFault, raiseFault, faultHook, hangForever, HANG } = require("./faults.cjs");

/** The preparers flyctl runs before a command (internal/command/command.go), in order. */
function prepare(ctx, preparers) {
  const env = ctx.env;
  for (const p of preparers) {
    if (p === "RequireSession") {
      const token = ctx.flags["access-token"] || env.FLY_ACCESS_TOKEN || env.FLY_API_TOKEN;
      if (!token) throw new FlyError(T.noToken.text);
    } else if (p === "RequireAppName") {
      ctx.appName = ctx.flags.app || env.FLY_APP || "";
      need(ctx, "app");
    } else if (p === "LoadAppNameIfPresent") {
      ctx.appName = ctx.flags.app || env.FLY_APP || "";
    } else if (p === "requireMacaroonToken") {
      const token = ctx.flags["access-token"] || env.FLY_ACCESS_TOKEN || env.FLY_API_TOKEN || "";
      if (!token.startsWith("FlyV1 ")) throw new FlyError(T.oldToken.text);
    }
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const call = { argv, command: argv.join(" "), mutation: false, exitCode: 0 };
  let blocking = false;
  let hung = false;
  let continuation = null;
  const logCall = () => {
    if (!STATE_DIR) return;
    const entry = {
      ...call,
      exitCode: hung ? null : call.exitCode,
      pid: process.pid,
      ppid: process.ppid,
      env: Object.keys(process.env)
        .filter((k) => !k.startsWith("FAKE_FLY_"))
        .sort(),
    };
    fs.appendFileSync(path.join(STATE_DIR, "calls.jsonl"), `${JSON.stringify(entry)}\n`);
  };
  const fail = (e) => {
    if (!(e instanceof FlyError)) throw e;
    call.exitCode = e.exitCode;
    if (e.stdout) process.stdout.write(e.stdout);
    eprint(`Error: ${e.message}`);
    for (const line of e.extraLines) eprint(line);
  };
  try {
    if (!STATE_DIR) throw new FlyError("fake fly: FAKE_FLY_STATE is not set", 99);
    const r = resolve(argv);
    call.command = r.path;
    if (r.unmodelled) throw new FlyError(`fake fly: \`${r.path}\` is not modelled by the fake`, 99);
    if (r.help) {
      // cobra prints the command's help and exits 0 (command.go execute: flag.ErrHelp).
      call.help = true;
      print(`Usage:\n  ${useLine(r.path)}`);
    } else {
      const spec = COMMANDS[r.path];
      if (!spec) throw new FlyError(`fake fly: \`${r.path}\` is not modelled by the fake`, 99);
      call.mutation = Boolean(spec.mutation);
      // postgres.go:31-34: every `postgres` subcommand's PreRun prints the notice on stderr.
      if (spec.notice) eprint(`\n${T[spec.notice].text}`);
      const ctx = { path: r.path, flags: r.flags, args: r.args, env: process.env, appName: "" };
      prepare(ctx, TABLE.commands[r.path].preparers);
      const token =
        ctx.flags["access-token"] ||
        process.env.FLY_ACCESS_TOKEN ||
        process.env.FLY_API_TOKEN ||
        "";
      ctx.stdin = spec.stdin ? fs.readFileSync(0, "utf8") : "";
      withLock(() => {
        const state = loadState();
        ctx.state = state;
        // What the API answers an unusable token is its own (state.apiTexts.unauthenticated).
        const session = TABLE.commands[r.path].preparers.includes("RequireSession");
        if (session && token.includes("invalid"))
          throw new FlyError(
            apiText(state, "unauthenticated", "You must be authenticated to view this."),
          );
        const f = takeFault(state, r.path);
        ctx.fault = faultHook(state, f);
        if (f && f.kind !== "fail-after-create" && f.kind !== "hang") {
          saveState(state);
          raiseFault(state, f, r.path, ctx);
        }
        if (f?.kind === "hang") saveState(state);
        if (f?.kind === "fail-after-create" && !spec.mutation)
          throw new FlyError(
            `fake fly: fail-after-create on \`${r.path}\`, which mutates nothing`,
            99,
          );
        const result = spec.run(ctx);
        // A mutation that names no point of failure fails once its run is done.
        if (f?.kind === "fail-after-create" && !ctx.fault.fired) ctx.fault.afterCreate();
        if (result === "blocking") blocking = true;
        else if (result?.continueOutsideLock) continuation = result.continueOutsideLock;
        if (spec.mutation || spec.saves) saveState(state);
        if (f?.kind === "hang") throw HANG;
      });
    }
  } catch (e) {
    if (e === HANG) hung = true;
    else {
      if (e.path !== undefined) call.command = e.path;
      fail(e);
    }
  }
  if (hung) {
    logCall();
    return hangForever({ pid: process.pid, ppid: process.ppid, command: call.command });
  }
  if (continuation) {
    // A long wait (mpg create): Ctrl+C cancels flyctl's context, so its next API call fails.
    // Installed before the output that may prompt a caller to interrupt it is written.
    for (const signal of ["SIGINT", "SIGTERM"]) {
      process.on(signal, () => {
        fail(new FlyError(sprintf(T.mpgStatusFailed.text, "context canceled")));
        flush();
        logCall();
        process.exit(call.exitCode);
      });
    }
  }
  flush();
  if (continuation) {
    try {
      await continuation();
    } catch (e) {
      fail(e);
    }
    flush();
  }
  logCall();
  if (!blocking) process.exitCode = call.exitCode;
}

main();
