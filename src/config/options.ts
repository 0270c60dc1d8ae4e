/**
 * Which resources Pulumi may delete, per environment and kind of resource. One pure function so
 * the rule is tested directly: Pulumi mocks never see resource options.
 */
import type { Environment, ResourceKind } from "../shared/vocabulary";

export interface ProtectionOptions {
  protect: boolean;
  retainOnDelete: boolean;
}

/** Kinds that hold data nobody can recreate. */
const STATEFUL: readonly ResourceKind[] = ["database", "volume", "redis"];

/**
 * - production: every stateful resource is protected (destroy fails) and retained if it is ever
 *   dropped from the program;
 * - local: data volumes outlive `pulumi destroy` (wiping them is a separate, explicit command);
 * - app shells are retained everywhere: deleting a Fly app takes its secrets, certificates and
 *   deploy history with it, and the services are deployed from other repositories.
 */
export function resourceOptions(environment: Environment, kind: ResourceKind): ProtectionOptions {
  const stateful = STATEFUL.includes(kind);
  if (environment === "production" && stateful) return { protect: true, retainOnDelete: true };
  if (environment === "local" && kind === "volume") return { protect: false, retainOnDelete: true };
  if (kind === "app") return { protect: false, retainOnDelete: true };
  return { protect: false, retainOnDelete: false };
}
