/**
 * The one way a Fly `local.Command` is declared (what each one does on Fly:
 * docs/fly.md#what-each-resource-does):
 * - the command strings are a relative path (`exec node --import tsx src/fly/scripts/command.ts
 *   <op>`), run by the provider's default shell (`/bin/sh -c`) from the program directory; no
 *   secret is ever interpolated into them. `exec`: dash forks for a lone command rather than
 *   replacing itself, and the provider kills only the shell at the customTimeout, so without it
 *   node would outlive the kill and hold the provider's pipes, and `up` with them;
 * - one timeout, declared twice: as the customTimeout and as GAIA_TIMEOUT_SECONDS, by which node
 *   stops itself and every process group it started before the provider's kill
 *   (src/process/deadline.ts);
 * - `environment` holds only non-secret parameters, so a preview shows `VOLUME_SIZE_GB: 10 → 20`
 *   (one secret value would turn the whole map into `[secret]`), plus GAIA_RESOURCE_KIND and
 *   GAIA_STACK for the policy pack, and the sha256 of the code the command runs, so a change of
 *   that code shows in previews and re-runs the (idempotent) update;
 * - secrets only on stdin, as one JSON object;
 * - no `triggers`: a trigger change replaces (new create, then old delete), and these deletes
 *   destroy things.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";
import { TIMEOUT_VARIABLE } from "../process/deadline";
import type { FlyCommandKind } from "../shared/vocabulary";

export const COMMAND_SCRIPT = "src/fly/scripts/command.ts";
export const RUN = `exec node --import tsx ${COMMAND_SCRIPT}`;

/**
 * customTimeout of every Fly command: a hung flyctl (proxy, machine wait) must not hold `up` and
 * the backend's lock forever; `fly postgres create` waits up to 5 minutes per node.
 */
export const FLY_COMMAND_TIMEOUT_SECONDS = 30 * 60;

const FLY_DIR = resolve(__dirname);

/** Relative module specifiers of TypeScript source: static and dynamic imports, re-exports. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.[^"']*)["']/gm;

/**
 * Every file the Fly command script loads, found by following its relative imports from
 * `script`, wherever they lead (src/fly, src/shared, ...). Type-only imports are followed too:
 * they load nothing, but hashing a few more files only re-runs the commands after such a change.
 */
export function scriptImports(script = resolve(FLY_DIR, "..", "..", COMMAND_SCRIPT)): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const base = resolve(dirname(file), match[1]!);
      const target = [base, `${base}.ts`, join(base, "index.ts")].find(
        (f) => f.endsWith(".ts") && existsSync(f),
      );
      if (target) visit(target);
    }
  };
  visit(script);
  return [...seen].sort();
}

/**
 * sha256 over the TypeScript a Fly command runs (every file under `root`, plus, when hashing the
 * real tree, every file outside src/fly that the command script imports), in a stable order.
 */
export function scriptHash(root = FLY_DIR): string {
  const files: string[] =
    root === FLY_DIR ? scriptImports().filter((f) => relative(root, f).startsWith("..")) : [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".ts")) files.push(p);
    }
  };
  walk(root);
  const hash = createHash("sha256");
  for (const f of files.sort()) {
    hash.update(`${relative(root, f)}\0`);
    // Line endings normalised: a CRLF checkout must not turn every Fly command into an update.
    hash.update(readFileSync(f, "utf8").replace(/\r\n?/g, "\n"));
    hash.update("\0");
  }
  return hash.digest("hex");
}

let cachedHash: string | undefined;

export interface FlyCommandArgs {
  kind: FlyCommandKind;
  stack: string;
  /** Non-secret parameters only. */
  environment: Record<string, pulumi.Input<string>>;
  /** Secrets, serialised to one JSON object on stdin. */
  secrets?: pulumi.Input<Record<string, unknown>>;
  /** Output can hold a secret: never stream it, mark stdout/stderr secret. */
  secretOutput: boolean;
  /** Omit the delete command: nothing to undo (apps are retained, databases never dropped). */
  noDelete?: boolean;
  /** Default FLY_COMMAND_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
}

export function flyCommand(
  name: string,
  args: FlyCommandArgs,
  opts: pulumi.CustomResourceOptions,
): local.Command {
  cachedHash ??= scriptHash();
  const timeout = args.timeoutSeconds ?? FLY_COMMAND_TIMEOUT_SECONDS;
  const stdin =
    args.secrets === undefined
      ? undefined
      : pulumi.secret(pulumi.output(args.secrets).apply((s) => JSON.stringify(s)));
  return new local.Command(
    name,
    {
      create: `${RUN} create`,
      update: `${RUN} update`,
      delete: args.noDelete ? undefined : `${RUN} delete`,
      environment: {
        GAIA_RESOURCE_KIND: args.kind,
        GAIA_STACK: args.stack,
        GAIA_SCRIPT_SHA256: cachedHash,
        [TIMEOUT_VARIABLE]: String(timeout),
        ...args.environment,
      },
      stdin,
      logging: args.secretOutput ? "none" : "stdoutAndStderr",
    },
    {
      ...opts,
      additionalSecretOutputs: args.secretOutput ? ["stdout", "stderr"] : undefined,
      customTimeouts: { create: `${timeout}s`, update: `${timeout}s`, delete: `${timeout}s` },
    },
  );
}

/** The JSON result line a Fly command prints last (see src/fly/runtime/context.ts). */
export function resultOf(stdout: string): Record<string, unknown> {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  try {
    const v = JSON.parse(last) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      return v as Record<string, unknown>;
  } catch {}
  throw new Error("a gaia Fly command printed no JSON result line");
}
