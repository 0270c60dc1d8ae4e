// Preloaded with `node --require` by test/cli/binary.test.ts: when the process exits, writes the
// files it loaded through require (from the sources, everything the binary loads goes through
// tsx's CommonJS hook; from the bundle, the bundle and the packages it leaves external) and the
// Node built-ins it loaded (`NativeModule internal/deps/undici/undici`) to LOADED_MODULES_FILE,
// one per line.
const { writeFileSync } = require("node:fs");

process.on("exit", () => {
  const lines = [...Object.keys(require.cache), ...process.moduleLoadList];
  writeFileSync(process.env.LOADED_MODULES_FILE, `${lines.join("\n")}\n`);
});
