/**
 * A Fly stack adopts whatever its config names, so a name of another environment (gaia-db-production
 * on dev) would make dev adopt, change and own production's resource. Such names are refused unless
 * listed in gaia:fly.foreignNames. Pure: the rule and its message, tested by table.
 */
import { ENVIRONMENTS, type Environment } from "../shared/vocabulary";
import { defaultsFor, type ObjectKey, SERVICE_NAMES } from "./schema";

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

export interface ForeignNameProblem {
  key: string;
  received: string;
  allowed: string;
  fix: string;
}

/** The configured Fly names, as `postgres.name`, `redis.name`, `services.<service>` → name. */
function configuredNames(parts: ReadonlyMap<string, Record<string, unknown>>) {
  const names: { path: string; name: string }[] = [];
  const add = (key: ObjectKey, field: string) => {
    const name = parts.get(key)?.[field];
    if (typeof name === "string") names.push({ path: `${key}.${field}`, name });
  };
  add("postgres", "name");
  add("redis", "name");
  for (const s of SERVICE_NAMES) add("services", s);
  return names;
}

/**
 * One problem per configured name of another environment not listed in gaia:fly.foreignNames,
 * over the valid fields of each object key; `fix(path, value)` renders the command that sets the
 * stack's own default.
 */
export function foreignNameProblems(
  stack: string,
  env: Environment,
  parts: ReadonlyMap<string, Record<string, unknown>>,
  fix: (path: string, value: unknown) => string,
): ForeignNameProblem[] {
  const listed = parts.get("fly")?.foreignNames;
  const allowed = Array.isArray(listed) ? (listed as string[]) : [];
  const out: ForeignNameProblem[] = [];
  for (const { path, name } of configuredNames(parts)) {
    const other = foreignEnvironment(name, env);
    if (other === undefined || allowed.includes(name)) continue;
    const [key, field] = path.split(".") as [ObjectKey, string];
    out.push({
      key: `gaia:${path}`,
      received: JSON.stringify(name),
      allowed: `a name that follows no other environment's pattern gaia-*-<env> (${name} is ${other}'s: stack ${stack} would adopt, change and own ${other}'s resource); to use it all the same, list it exactly in gaia:fly.foreignNames`,
      fix: fix(path, defaultsFor(key, env)[field]),
    });
  }
  return out;
}
