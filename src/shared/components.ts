/**
 * How every gaia component (`gaia:*` ComponentResource) takes its options: `args` hold values,
 * each under the one name it has in the config and the outputs (`database`, `postgresPassword`);
 * `opts`, the third argument, holds Pulumi's options, plus `childOptions`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "./vocabulary";

/**
 * A component's options: Pulumi's own, and the options of each child by its kind (the program
 * passes `(kind) => resourceOptions(environment, kind)`). Protection is set on each child, never
 * on the component: children inherit `protect` from their parent, and production protects its
 * database and volumes but only retains its app shells. `dependsOn` is not inherited either: a
 * component whose work must wait (the migrations, the service secrets) passes it to its children.
 */
export interface GaiaComponentOptions extends pulumi.ComponentResourceOptions {
  readonly childOptions?: (kind: ResourceKind) => pulumi.CustomResourceOptions;
}

/** The options `opts` sets for a child of `kind` (none when it sets none). */
export function optionsFor(
  opts: GaiaComponentOptions | undefined,
  kind: ResourceKind,
): pulumi.CustomResourceOptions {
  return opts?.childOptions?.(kind) ?? {};
}

/**
 * The component's `dependsOn` as a list, for its children. An Output of resources is refused:
 * the list must be known to be passed on.
 */
export function dependsOnList(opts: GaiaComponentOptions | undefined): pulumi.Resource[] {
  const given = opts?.dependsOn;
  if (given === undefined) return [];
  const list: unknown[] = Array.isArray(given) ? given : [given];
  return list.map((d) => {
    if (!pulumi.Resource.isInstance(d)) {
      throw new Error(
        "a gaia component's dependsOn must list resources, not Outputs: its children wait for them",
      );
    }
    return d;
  });
}
