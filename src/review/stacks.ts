/**
 * The stacks a review plans for: each `Pulumi.<stack>.yaml` with the migration modules it
 * declares (`gaia:migrations.modules`, else the environment's default from src/config/schema.ts),
 * and what each stack last applied (its `migrationFiles` stack output, passed in as a file).
 * Pure: callers hand in the files' text.
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { defaultsFor, docOf, migrationsSchema } from "../config/schema";
import { usageError } from "../shared/errors";
import { ENVIRONMENTS, type Environment, type Module, parseModules } from "../shared/vocabulary";

export interface StackDeclaration {
  stack: string;
  environment: Environment;
  modules: Module[];
}

/** `Pulumi.<stack>.yaml` → `<stack>`; anything else → undefined. */
export function stackOfFile(name: string): string | undefined {
  return /^Pulumi\.([^.]+)\.ya?ml$/.exec(name)?.[1];
}

/**
 * The modules a stack file declares. `where` names the file for messages, e.g.
 * `Pulumi.dev.yaml (working tree)`. Only the two keys the review needs are read, so a stack file
 * that another part of the config makes invalid still shows which SQL it would run.
 */
export function stackDeclaration(stack: string, text: string, where: string): StackDeclaration {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw usageError(
      `${where}: not valid YAML (${(err as Error).message.split("\n")[0]}); fix the stack file`,
    );
  }
  const config = ((document as { config?: Record<string, unknown> } | null)?.config ??
    {}) as Record<string, unknown>;
  const declared = config["gaia:environment"] ?? stack;
  if (!(ENVIRONMENTS as readonly unknown[]).includes(declared)) {
    throw usageError(
      `${where}: gaia:environment is ${JSON.stringify(declared)}; allowed: ${ENVIRONMENTS.join(", ")} (a stack named otherwise must set it: pulumi config set gaia:environment <env> -s ${stack})`,
    );
  }
  const environment = declared as Environment;
  let given = config["gaia:migrations"] ?? {};
  if (typeof given === "string") {
    try {
      given = JSON.parse(given);
    } catch {
      // Left as the string: the schema below reports it.
    }
  }
  const merged =
    given !== null && typeof given === "object" && !Array.isArray(given)
      ? { ...defaultsFor("migrations", environment), ...given }
      : given;
  const parsed = migrationsSchema.safeParse(merged);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? "");
    const shape = migrationsSchema.shape as Record<string, z.ZodType>;
    const known = field in shape;
    const received = known ? (merged as Record<string, unknown>)[field] : merged;
    const allowed = known
      ? docOf(shape[field] as z.ZodType).allowed
      : "an object of modules and baseline";
    throw usageError(
      `${where}: gaia:migrations${known ? `.${field}` : ""} is ${JSON.stringify(received)}; allowed: ${allowed}; edit it in that file (e.g. pulumi config set --path 'gaia:migrations.modules[1]' rbac -s ${stack})`,
    );
  }
  return { stack, environment, modules: parseModules(parsed.data.modules) };
}

/** Every stack file among `files` (file name → text), sorted by stack name. */
export function stackDeclarations(
  files: ReadonlyMap<string, string>,
  label: string,
): StackDeclaration[] {
  const out: StackDeclaration[] = [];
  for (const [name, text] of files) {
    const stack = stackOfFile(name);
    if (stack !== undefined) out.push(stackDeclaration(stack, text, `${name} (${label})`));
  }
  return out.sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
}

/** One line of the `migrationFiles` output: `core/0001_live_schema.sql:<sha256>`. */
export interface AppliedFile {
  file: string;
  checksum: string;
}

const APPLIED_LINE = /^([a-z]+\/\d{4}_[a-z0-9_]+\.sql):([0-9a-f]{64})$/;

/**
 * Parses what a stack last applied: the text of `pulumi stack output migrationFiles` (one
 * `module/file.sql:sha256` per line) or the same as JSON (`--json` prints a JSON string).
 * `source` names the input for messages.
 */
export function parseAppliedFiles(text: string, source: string): AppliedFile[] {
  let body = text.trim();
  if (body.startsWith('"')) {
    try {
      const decoded = JSON.parse(body) as unknown;
      if (typeof decoded === "string") body = decoded.trim();
    } catch {
      // Not JSON after all: read as lines, and the line check below reports it.
    }
  }
  if (body === "" || body === "null") return [];
  return body.split(/\r?\n/).map((line, i) => {
    const match = APPLIED_LINE.exec(line.trim());
    if (!match) {
      throw usageError(
        `${source} line ${i + 1}: ${JSON.stringify(line.slice(0, 120))} is not a migrationFiles line; expected module/NNNN_name.sql:<sha256>, as printed by pulumi stack output migrationFiles`,
      );
    }
    return { file: match[1] as string, checksum: match[2] as string };
  });
}

/** `--applied dev=path` → `["dev", "path"]`; refuses anything else with the form to use. */
export function parseAppliedFlag(value: string): [string, string] {
  const eq = value.indexOf("=");
  if (eq <= 0 || eq === value.length - 1) {
    throw usageError(
      `--applied ${value}: expected <stack>=<file>, e.g. --applied production=production.files.json (the output of pulumi stack output migrationFiles --json -s production)`,
    );
  }
  return [value.slice(0, eq), value.slice(eq + 1)];
}
