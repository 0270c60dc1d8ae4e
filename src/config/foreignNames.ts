/**
 * A Fly stack adopts whatever its config names, so a name of another environment (gaia-db-production
 * on dev) would make dev adopt, change and own production's resource. Such names are refused unless
 * listed in gaia:fly.foreignNames. Pure: the rule and its message, tested by table.
 */
import { ENVIRONMENTS, type Environment } from "../shared/vocabulary";

/**
 * The other environment whose pattern `gaia-*-<env>` the name follows: a dash-separated part after
 * `gaia-<kind>` that is another environment's name (`gaia-db-production`, and its restored
 * `gaia-db-production-r1`), or undefined.
 */
export function foreignEnvironment(name: string, env: Environment): Environment | undefined {
  const parts = name.split("-");
  if (parts[0] !== "gaia" || parts.length < 3) return undefined;
  return parts
    .slice(2)
    .find((p): p is Environment => (ENVIRONMENTS as readonly string[]).includes(p) && p !== env);
}

export interface NamedKey {
  /** e.g. `postgres.name`, `services.gateway`. */
  path: string;
  name: string;
}

export interface ForeignNameProblem {
  key: string;
  received: string;
  allowed: string;
  fix: string;
}

/** One problem per configured name of another environment not listed in gaia:fly.foreignNames. */
export function foreignNameProblems(
  stack: string,
  env: Environment,
  names: readonly NamedKey[],
  allowed: readonly string[],
  fixFor: (path: string) => string,
): ForeignNameProblem[] {
  const out: ForeignNameProblem[] = [];
  for (const { path, name } of names) {
    const other = foreignEnvironment(name, env);
    if (other === undefined || allowed.includes(name)) continue;
    out.push({
      key: `gaia:${path}`,
      received: JSON.stringify(name),
      allowed: `a name that follows no other environment's pattern gaia-*-<env> (${name} is ${other}'s: stack ${stack} would adopt, change and own ${other}'s resource); to use it all the same, list it exactly in gaia:fly.foreignNames`,
      fix: fixFor(path),
    });
  }
  return out;
}
