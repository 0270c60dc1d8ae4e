/**
 * The order of deletes, as pkg/resource/deploy/step_generator.go ScheduleDeletes computes it over
 * pkg/resource/graph/dependency_graph.go DependenciesOf: repeatedly take the condemned resources
 * none of whose dependencies is still condemned (an antichain, run in parallel), then reverse
 * the list, so dependents are deleted before what they depend on and children before parents.
 */

export interface GraphNode {
  urn: string;
  parent: string;
  custom: boolean;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

/**
 * DependenciesOf: `dependencies`, `propertyDependencies` and the parent; a dependency on a
 * component also covers the component's (transitive) children.
 */
export function dependenciesOf<T extends GraphNode>(node: T, all: readonly T[]): Set<T> {
  const urns = new Set<string>([
    ...node.dependencies,
    ...Object.values(node.propertyDependencies).flat(),
  ]);
  const out = new Set<T>();
  const childrenOf = (urn: string): T[] => {
    const direct = all.filter((r) => r.parent === urn && r !== node);
    return [...direct, ...direct.flatMap((c) => childrenOf(c.urn))];
  };
  for (const candidate of all) {
    if (candidate === node) continue;
    if (urns.has(candidate.urn)) {
      out.add(candidate);
      if (!candidate.custom) for (const c of childrenOf(candidate.urn)) out.add(c);
    }
    if (candidate.urn === node.parent) out.add(candidate);
  }
  return out;
}

/** Antichains of deletes, first to run first (ScheduleDeletes, reversed at its end). */
export function scheduleDeletes<T extends GraphNode>(
  condemned: readonly T[],
  all: readonly T[],
): T[][] {
  const left = new Set(condemned);
  const chains: T[][] = [];
  while (left.size > 0) {
    const chain = [...left].filter((r) => ![...dependenciesOf(r, all)].some((d) => left.has(d)));
    if (chain.length === 0) throw new Error("engine: dependency cycle among condemned resources");
    for (const r of chain) left.delete(r);
    chains.push(chain);
  }
  return chains.reverse();
}

/** TransitiveDependenciesOf: what a failed (protected) delete keeps from being deleted. */
export function transitiveDependenciesOf<T extends GraphNode>(node: T, all: readonly T[]): Set<T> {
  const out = new Set<T>();
  const walk = (n: T) => {
    for (const d of dependenciesOf(n, all)) {
      if (!out.has(d)) {
        out.add(d);
        walk(d);
      }
    }
  };
  walk(node);
  return out;
}
