/**
 * Writes test/support/fakeFly/flyctl.json: what the fake flyctl knows about flyctl's commands
 * (usage, aliases, argument rule, preparers, flags with shorthand, type and default) and the
 * Go structs its JSON output is encoded from, read from flyctl's source at the pinned commit,
 * each fact with the file and line it came from.
 *
 * Run by hand where the upstream mirrors are (never in CI, which has none):
 *   node --import tsx scripts/flyctl-table.ts            # rewrite the table
 *   node --import tsx scripts/flyctl-table.ts --check    # exit 1 if the table is stale
 * Mirrors: FLYCTL_MIRROR, FLY_GO_MIRROR (bare git directories), by default under /work/.mirror.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type CommandFact, nameOf, readCommand } from "./flyctl/commands";
import { lineAt, type Repo, readFile } from "./flyctl/goSource";
import { readMapKeys, readStruct, type StructFact } from "./flyctl/structs";
import { readValues } from "./flyctl/values";

const MIRRORS = process.env.GAIA_MIRRORS ?? "/work/.mirror";
export const FLYCTL: Repo = {
  dir: process.env.FLYCTL_MIRROR ?? `${MIRRORS}/superfly+flyctl/repo`,
  rev: "ad0172face303b77584eea95b46fa3ddc61d5ddd",
  name: "flyctl",
};
export const FLY_GO: Repo = {
  dir: process.env.FLY_GO_MIRROR ?? `${MIRRORS}/superfly+fly-go/repo`,
  rev: "v0.9.6",
  name: "fly-go",
};
export const COBRA: Repo = { dir: `${MIRRORS}/spf13+cobra/repo`, rev: "v1.10.2", name: "cobra" };

export const TABLE = resolve(__dirname, "../test/support/fakeFly/flyctl.json");

/** Every command the fake flyctl implements; the test of the fake keeps the two lists equal. */
export const PATHS = [
  "version",
  "status",
  "apps create",
  "apps list",
  "apps destroy",
  "postgres create",
  "postgres list",
  "mpg create",
  "mpg list",
  "mpg status",
  "mpg destroy",
  "mpg proxy",
  "mpg databases list",
  "mpg databases create",
  "volumes create",
  "volumes list",
  "volumes extend",
  "volumes destroy",
  "volumes snapshots create",
  "volumes snapshots list",
  "redis create",
  "redis list",
  "redis status",
  "redis destroy",
  "secrets import",
  "secrets list",
  "secrets unset",
  "machine list",
  "machine restart",
  "machine update",
  "proxy",
];

/** The structs (and one map literal) the fake's JSON output is shaped after. */
const STRUCTS: [string, Repo, string, string][] = [
  ["fly.Volume", FLY_GO, ".", "Volume"],
  ["fly.VolumeSnapshot", FLY_GO, ".", "VolumeSnapshot"],
  ["fly.Machine", FLY_GO, ".", "Machine"],
  ["fly.MachineConfig", FLY_GO, ".", "MachineConfig"],
  ["fly.MachineGuest", FLY_GO, ".", "MachineGuest"],
  ["fly.MachineMount", FLY_GO, ".", "MachineMount"],
  ["fly.MachineImageRef", FLY_GO, ".", "MachineImageRef"],
  ["fly.App", FLY_GO, ".", "App"],
  ["fly.AppCompact", FLY_GO, ".", "AppCompact"],
  ["fly.Organization", FLY_GO, ".", "Organization"],
  ["fly.OrganizationBasic", FLY_GO, ".", "OrganizationBasic"],
  ["buildinfo.Info", FLYCTL, "internal/buildinfo", "info"],
  ["mpgv1.ManagedCluster", FLYCTL, "internal/uiex/mpg/v1", "ManagedCluster"],
  ["mpgv2.GetClusterResponse", FLYCTL, "internal/uiex/mpg/v2", "GetClusterResponse"],
  ["mpgv2.ManagedCluster", FLYCTL, "internal/uiex/mpg/v2", "ManagedCluster"],
  [
    "mpgv2.GetClusterCredentialsResponse",
    FLYCTL,
    "internal/uiex/mpg/v2",
    "GetClusterCredentialsResponse",
  ],
  ["mpgv2.Database", FLYCTL, "internal/uiex/mpg/v2", "Database"],
  ["mpg.ManagedClusterIpAssignments", FLYCTL, "internal/uiex/mpg", "ManagedClusterIpAssignments"],
  ["mpg.AttachedApp", FLYCTL, "internal/uiex/mpg", "AttachedApp"],
  ["secrets.SecretWithStatus", FLYCTL, "internal/command/secrets", "SecretWithStatus"],
];

function lineOf(repo: Repo, path: string, pattern: RegExp): string {
  const text = readFile(repo, path);
  const m = pattern.exec(text);
  if (!m) throw new Error(`${repo.name}:${path}: ${pattern} not found`);
  return `${path}:${lineAt(text, m.index)}`;
}

export function buildTable() {
  const commands: Record<string, CommandFact> = {};
  const wanted = new Set(
    PATHS.flatMap((p) => p.split(" ").map((_, i, w) => w.slice(0, i + 1).join(" "))),
  );
  const walk = (path: string, ctor: { dir: string; func: string }) => {
    const { fact, children } = readCommand(FLYCTL, ctor);
    commands[path] = fact;
    for (const child of children) {
      const { name, aliases } = nameOf(FLYCTL, child);
      fact.children[name] = aliases;
      const childPath = path ? `${path} ${name}` : name;
      if (wanted.has(childPath)) walk(childPath, child);
    }
  };
  walk("", { dir: "internal/command/root", func: "New" });
  const missing = PATHS.filter((p) => !commands[p]);
  if (missing.length) throw new Error(`not found in flyctl: ${missing.join(", ")}`);

  // The root's persistent flags (root.go) and cobra's own help and version flags.
  const root = readFile(FLYCTL, "internal/command/root/root.go");
  const persistent: Record<string, CommandFact["flags"][string]> = {};
  for (const m of root.matchAll(/fs\.(Bool|String)P\(flagnames\.(\w+), "(\w*)", ([^,]+),/g)) {
    const names = readFile(FLYCTL, "internal/flag/flagnames/constants.go");
    const name = new RegExp(`\\b${m[2]} = "([^"]+)"`).exec(names)?.[1];
    if (!name) throw new Error(`flagnames.${m[2]} not found`);
    persistent[name] = {
      type: m[1]!.toLowerCase(),
      ...(m[3] ? { short: m[3] } : {}),
      default: m[1] === "Bool" ? m[4] === "true" : JSON.parse(m[4]!),
      at: `internal/command/root/root.go:${lineAt(root, m.index)}`,
    };
  }
  const cobra = {
    help: {
      type: "bool",
      short: "h",
      default: false,
      at: `cobra:${lineOf(COBRA, "command.go", /BoolP\(helpFlagName, "h"/)}`,
    },
    version: {
      type: "bool",
      short: "v",
      default: false,
      rootOnly: true,
      at: `cobra:${lineOf(COBRA, "command.go", /BoolP\("version", "v"/)}`,
    },
  };

  const structs: Record<string, StructFact> = {};
  for (const [key, repo, dir, name] of STRUCTS) {
    const s = readStruct(repo, dir, name);
    const tag = repo === FLY_GO ? "fly-go:" : "";
    structs[key] = {
      at: tag + s.at,
      fields: s.fields.map((f) => ({ ...f, at: tag + f.at })),
    };
  }
  const status = readMapKeys(FLYCTL, "internal/command/status/machines.go", "status");

  return {
    pins: {
      flyctl: { tag: "v0.4.87", commit: FLYCTL.rev },
      "fly-go": { tag: FLY_GO.rev },
      cobra: { tag: COBRA.rev },
    },
    generatedBy: "scripts/flyctl-table.ts",
    persistentFlags: persistent,
    cobraFlags: cobra,
    commands,
    structs,
    maps: { "status --json": status },
    values: readValues(FLYCTL, FLY_GO),
  };
}

function main() {
  const table = buildTable();
  if (process.argv.includes("--check")) {
    const committed = JSON.parse(readFileSync(TABLE, "utf8"));
    if (!isDeepStrictEqual(committed, table)) {
      console.error(`${TABLE} is stale: run node --import tsx scripts/flyctl-table.ts`);
      process.exit(1);
    }
    console.log(`${TABLE} matches flyctl ${FLYCTL.rev}`);
    return;
  }
  writeFileSync(TABLE, `${JSON.stringify(table, null, 2)}\n`);
  execFileSync("npx", ["biome", "format", "--write", TABLE], { stdio: "inherit" });
  const n = Object.keys(table.commands).length;
  console.log(`wrote ${TABLE}: ${n} commands`);
}

if (require.main === module) main();
