// Preloaded with `node --require` by test/cli/binary.test.ts: when the process exits, writes the
// files it loaded through require (everything the binary loads goes through tsx's CommonJS hook)
// to LOADED_MODULES_FILE, one per line.
const { writeFileSync } = require("node:fs");

process.on("exit", () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, `${Object.keys(require.cache).join("\n")}\n`);
});
