/**
 * What the engine keys state on and acts on, for every resource of every committed stack (and a
 * Fly stack on managed Postgres): its URN, and the options of its RegisterResourceRequest
 * (protect, retainOnDelete, deleteBeforeReplace, dependencies, customTimeouts,
 * additionalSecretOutputs). A changed URN is a delete and a create to Pulumi, of a database as of
 * anything; a changed option changes what `up` and `destroy` may do. The expectation is the
 * committed file test/fixtures/program/resources.txt, one resource per paragraph: a change to it
 * is a change to review (`npx vitest run test/program/identity.test.ts -u` rewrites it).
 *
 * The mocks' own URNs name the parent's type only; the engine's name the whole chain
 * (pkg/resource/urn.go NewURN: the parent URN's qualified type, `$`, the type), rebuilt here.
 * `dependsOn` is what the request lists beyond the inputs' own dependencies.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { FLY_SECRETS, rawConfig } from "../config/stackFiles";
import { readRegistration } from "../support/engine/registrations";
import { outputsFor, type Registration, SHARED_CONFIG, settle } from "./mocks";

type Request = Parameters<typeof readRegistration>[0];

interface Monitor {
  registerResource(req: Request, callback: unknown): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

/** A resource as the engine would key and treat it; options at their defaults are left out. */
interface Identity {
  urn: string;
  protect?: true;
  retainOnDelete?: true;
  deleteBeforeReplace?: true;
  dependsOn?: string[];
  customTimeouts?: Record<string, string>;
  additionalSecretOutputs?: string[];
}

/** Runs index.ts for `stack` with `config` and returns every resource's identity, by URN. */
async function identities(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<Identity[]> {
  const registered: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
        });
        const outputs: Record<string, unknown> = {
          ...outputsFor(args.type, args.name, args.inputs),
        };
        // A managed cluster's id, which the migrations' command line names.
        if (args.name.endsWith("-postgres-cluster")) {
          outputs.stdout = JSON.stringify({ origin: "created", cluster: "mpg-1" });
        }
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call(args) {
        throw new Error(`Mock call not implemented: ${args.token}`);
      },
    },
    "gaia",
    stack,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const original = monitor.registerResource.bind(monitor);
  /** Mock URN → the engine's qualified type. */
  const types = new Map<string, string>();
  const engineUrn = (mockUrn: string) => {
    const type = types.get(mockUrn);
    return `urn:pulumi:${stack}::gaia::${type}::${mockUrn.split("::").at(-1)}`;
  };
  const seen: Identity[] = [];
  monitor.registerResource = (req, callback) => {
    const r = readRegistration(req, monitor.newUrn(req.getParent(), req.getType(), req.getName()));
    types.set(r.urn, r.parent ? `${types.get(r.parent)}$${r.type}` : r.type);
    const fromInputs = new Set(Object.values(r.propertyDependencies).flat());
    const dependsOn = r.dependencies.filter((d) => !fromInputs.has(d)).map(engineUrn);
    const timeouts = Object.entries(r.customTimeouts).filter(([, v]) => v !== "");
    seen.push({
      urn: engineUrn(r.urn),
      ...(r.protect ? { protect: true } : {}),
      ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
      ...(r.unsupported.includes("deleteBeforeReplace") ? { deleteBeforeReplace: true } : {}),
      ...(dependsOn.length > 0 ? { dependsOn: dependsOn.sort() } : {}),
      ...(timeouts.length > 0 ? { customTimeouts: Object.fromEntries(timeouts) } : {}),
      ...(r.additionalSecretOutputs.length > 0
        ? { additionalSecretOutputs: [...r.additionalSecretOutputs].sort() }
        : {}),
    });
    return original(req, callback);
  };
  vi.resetModules();
  await import("../../index.ts");
  await settle(registered);
  expect(seen.length).toBe(registered.length);
  return seen.sort((a, b) => a.urn.localeCompare(b.urn));
}

/** One paragraph per resource: its URN, then one line per option it sets. */
function render(stacks: Record<string, Identity[]>): string {
  const out: string[] = [];
  for (const [stack, resources] of Object.entries(stacks)) {
    out.push(`## ${stack}`, "");
    for (const r of resources) {
      out.push(r.urn);
      const flags = (["protect", "retainOnDelete", "deleteBeforeReplace"] as const).filter(
        (f) => r[f],
      );
      if (flags.length > 0) out.push(`  ${flags.join(", ")}`);
      for (const d of r.dependsOn ?? []) out.push(`  dependsOn ${d}`);
      if (r.customTimeouts) {
        const timeouts = Object.entries(r.customTimeouts).map(([op, t]) => `${op} ${t}`);
        out.push(`  customTimeouts ${timeouts.join(", ")}`);
      }
      if (r.additionalSecretOutputs) {
        out.push(`  additionalSecretOutputs ${r.additionalSecretOutputs.join(", ")}`);
      }
      out.push("");
    }
  }
  return out.join("\n");
}

describe("every resource's URN and options", () => {
  it("stay what test/fixtures/program/resources.txt says, on every stack", async () => {
    const fly = (stack: string, extra: Record<string, string> = {}) =>
      identities(stack, { ...rawConfig(stack, FLY_SECRETS), ...extra }, Object.keys(FLY_SECRETS));
    const all = {
      local: await identities("local", SHARED_CONFIG),
      dev: await fly("dev"),
      staging: await fly("staging"),
      production: await fly("production"),
      "staging, managed Postgres": await fly("staging", {
        "gaia:postgres": JSON.stringify({ kind: "managed", plan: "basic", volumeSizeGb: 10 }),
      }),
    };
    await expect(render(all)).toMatchFileSnapshot("../fixtures/program/resources.txt");
  });
});
