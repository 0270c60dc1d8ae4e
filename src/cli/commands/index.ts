/**
 * Every `gaia-db` command, in the order the global help and docs/cli.md list them. Each file
 * holds one command's options, help and handler; the handlers load what they run on demand.
 */
import type { CommandSpec } from "../spec";
import { appLogin } from "./appLogin";
import { baseline } from "./baseline";
import { bind } from "./bind";
import { cleanupTestUsers } from "./cleanupTestUsers";
import { doctor } from "./doctor";
import { env } from "./env";
import { migrate } from "./migrate";
import { repair } from "./repair";
import { restore } from "./restore";
import { restoreDrill } from "./restoreDrill";
import { reviewCommand, schemaCommand } from "./review";
import { plan, status } from "./status";
import { verify } from "./verify";
import { verifyAll } from "./verifyAll";
import { view } from "./view";

export const COMMAND_SPECS: readonly CommandSpec[] = [
  migrate,
  plan,
  status,
  verify,
  baseline,
  repair,
  bind,
  view,
  cleanupTestUsers,
  env,
  doctor,
  verifyAll,
  appLogin,
  restore,
  restoreDrill,
  reviewCommand,
  schemaCommand,
];
