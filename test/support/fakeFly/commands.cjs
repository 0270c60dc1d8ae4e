"use strict";
/**
 * The fake's behaviours by command path: `run(ctx)`, whether it mutates, whether it reads
 * stdin, the notice its PreRun prints. Which commands exist, their flags and preparers are
 * flyctl.json's; a test keeps the two lists equal.
 */
const COMMANDS = {
  ...require("./apps.cjs").commands,
  ...require("./postgres.cjs").commands,
  ...require("./mpg.cjs").commands,
  ...require("./volumes.cjs").commands,
  ...require("./redis.cjs").commands,
  ...require("./secrets.cjs").commands,
  ...require("./machines.cjs").commands,
  ...require("./proxy.cjs").commands,
};

module.exports = { COMMANDS };
