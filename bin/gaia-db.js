#!/usr/bin/env node
// @ts-check
// Runs the gaia-db CLI on Node 20, from any cwd. Fast: dist/gaia-db.cjs, the CLI bundled by
// `npm run build` (npm's `prepare`: `npm ci` and `npm install` build it), but only while it
// matches the sources it was built from (bin/bundle.js). Otherwise, and always correct: the
// TypeScript sources through tsx, ~0.15 s slower to start. --debug says which ran and why.
const { resolve } = require("node:path");
const { freshBundle, runBundle } = require("./bundle.js");

const found = freshBundle(resolve(__dirname, ".."));
if ("bundle" in found) {
  runBundle(found.file, found.bundle).main();
} else {
  if (process.argv.includes("--debug")) {
    process.stderr.write(
      `gaia-db: running the TypeScript sources: ${found.reason} (npm run build rebuilds it)\n`,
    );
  }
  // @ts-expect-error tsx/cjs declares no types: it is loaded for its effect, the CommonJS hook.
  require("tsx/cjs");
  require("../src/cli/main.ts").main();
}
