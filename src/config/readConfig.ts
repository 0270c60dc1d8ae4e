/**
 * Reads the stack's config through the Pulumi SDK and validates it with `parseConfig`. A user's
 * mistake ends the program with the report and no stack trace (the language host prints a
 * `RunError`'s message only), before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatProblems, type GaiaConfig, parseConfig } from "./parseConfig";

// The SDK knows which keys were set with --secret (PULUMI_CONFIG_SECRET_KEYS) and exports
// `isConfigSecret` from `runtime` at run time, but leaves it out of its type declarations.
const runtime = pulumi.runtime as typeof pulumi.runtime & {
  isConfigSecret(key: string): boolean;
};

export function readConfig(stack = pulumi.getStack()): GaiaConfig {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith("gaia:")) raw[key] = value;
  }
  // Older language hosts spell keys `gaia:config:<name>` in the secret list.
  const secretKeys = Object.keys(raw).filter(
    (key) => runtime.isConfigSecret(key) || runtime.isConfigSecret(key.replace(":", ":config:")),
  );
  const result = parseConfig(raw, stack, secretKeys);
  if (!result.ok) throw new pulumi.RunError(formatProblems(result.errors, stack));
  return result.config;
}
