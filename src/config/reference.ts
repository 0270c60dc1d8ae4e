/**
 * Renders the config reference and per-stack secrets of docs/configuration.md from the schema, so
 * the page is generated, not maintained by hand. Regenerate after changing the schema:
 * `npm run docs` (scripts/docs.ts rewrites the generated blocks of docs/).
 */
import { ENVIRONMENTS, type Environment } from "../shared/vocabulary";
import {
  CONFIG_KEYS,
  type ConfigKey,
  configSchema,
  defaultsFor,
  docOf,
  isObjectKey,
  isSecretKey,
  KEY_SCOPE,
  keyApplies,
  requiredSecrets,
} from "./schema";

const SCOPE_TEXT = {
  all: "every stack",
  fly: "Fly stacks (dev, staging, production)",
  local: "the local stack",
} as const;

/** `sharedDefaults`: the defaults Pulumi.yaml declares (`gaia:supabaseProjectRef`, …). */
export function renderConfigReference(sharedDefaults: Readonly<Record<string, string>>): string {
  const out: string[] = [
    "Objects are set one field at a time with `--path`; a stack file that sets one field keeps the",
    "defaults of the others. Numbers and booleans may be given as strings. `n/a`: the key is not",
    "allowed on that stack.",
    "",
  ];
  for (const key of CONFIG_KEYS) {
    const schema = configSchema.shape[key];
    const secret = isSecretKey(key);
    out.push(`#### \`gaia:${key}\`${secret ? " (secret)" : ""}`, "");
    const intro = isObjectKey(key) ? `${docOf(schema).description} ` : "";
    out.push(`${intro}Used by ${SCOPE_TEXT[KEY_SCOPE[key]]}.`, "");
    out.push(`| field | allowed | ${ENVIRONMENTS.join(" | ")} | description |`);
    out.push(`|---|---|${ENVIRONMENTS.map(() => "---|").join("")}---|`);
    if (isObjectKey(key)) {
      for (const [field, fieldSchema] of Object.entries(configSchema.shape[key].shape)) {
        const d = docOf(fieldSchema);
        const defaults = ENVIRONMENTS.map((env) =>
          keyApplies(key, env) ? cell(defaultsFor(key, env)[field], key === "fly") : "n/a",
        );
        out.push(row([`\`${field}\``, d.allowed, ...defaults, d.description]));
      }
    } else {
      const d = docOf(schema);
      const defaults = ENVIRONMENTS.map((env) => scalarDefault(key, env, sharedDefaults));
      out.push(row(["(value)", d.allowed, ...defaults, d.description]));
    }
    out.push("");
  }
  out.push("### Secrets per stack", "");
  out.push(
    "Never commit a secret in plain text: set each one with `--secret` (the stack file then holds",
    "ciphertext). Never type one on a command line either (it stays in the shell history and shows",
    "in `ps`): `pulumi config set --secret <key>` with no value prompts for it without echo, and",
    "reads it from stdin when stdin is not a terminal (`… | pulumi config set --secret <key> -s <stack>`;",
    "one trailing newline is dropped, `--raw` keeps it; pulumi then asks for no passphrase, so set",
    "`PULUMI_CONFIG_PASSPHRASE_FILE`). The local stack needs none: its passwords are generated and",
    "kept in state.",
    "",
  );
  for (const env of ENVIRONMENTS) {
    const secrets = requiredSecrets(env);
    if (secrets.length === 0) continue;
    out.push("```sh");
    for (const s of secrets) out.push(`pulumi config set --secret gaia:${s} -s ${env}`);
    out.push("```", "");
  }
  return out.join("\n").trimEnd();
}

/** A table row; a `|` inside a cell would end it early. */
function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
}

function cell(value: unknown, requiredWhenUnset: boolean): string {
  if (value === undefined) return requiredWhenUnset ? "required" : "unset";
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

function scalarDefault(
  key: ConfigKey,
  env: Environment,
  sharedDefaults: Readonly<Record<string, string>>,
): string {
  if (!keyApplies(key, env)) return "n/a";
  if (key === "environment") return `\`${env}\` (the stack name)`;
  if (isSecretKey(key)) {
    if ((requiredSecrets(env) as string[]).includes(key)) return "required";
    return env === "local" && key.endsWith("Password") ? "generated" : "unset";
  }
  return cell(sharedDefaults[`gaia:${key}`], true);
}

/** The defaults Pulumi.yaml declares for `gaia:` keys. */
export function pulumiYamlDefaults(project: {
  config?: Record<string, { default?: unknown }>;
}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(project.config ?? {})) {
    if (spec?.default !== undefined) out[key] = String(spec.default);
  }
  return out;
}
