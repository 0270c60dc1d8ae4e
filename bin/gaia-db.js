#!/usr/bin/env node
// Runs the TypeScript CLI directly on Node 20 through tsx: no build step, works from any cwd.
require("tsx/cjs");
require("../src/cli/main.ts").main();
