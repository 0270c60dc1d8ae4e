/**
 * Pulumi's mocks hand `newResource` only the type, name and inputs; the resource options the
 * engine acts on travel in the RegisterResourceRequest the SDK sends to the resource monitor
 * (sdk/nodejs/runtime/resource.ts registerResource: protect, retainOnDelete, dependencies,
 * propertyDependencies, additionalSecretOutputs, customTimeouts, replaceOnChanges, ...). The
 * mocks' monitor (runtime/mocks.ts MockMonitor.registerResource) receives that request and calls
 * `newResource` synchronously with it, so wrapping the monitor's method shows the engine the very
 * request the real engine would receive (pkg/resource/deploy/source_eval.go RegisterResource).
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  urn: string;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  /** The inputs as serialised on the wire: secret envelopes and unknown sentinels included. */
  object: Record<string, unknown>;
  protect: boolean;
  retainOnDelete: boolean;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  additionalSecretOutputs: string[];
  customTimeouts: { create: string; update: string; delete: string };
  replaceOnChanges: string[];
  /** Options the engine does not model; a registration using one is refused. */
  unsupported: string[];
}

interface Message {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  hasProtect(): boolean;
  getProtect(): boolean | undefined;
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void;
  };
  getAdditionalsecretoutputsList(): string[];
  getCustomtimeouts():
    | { getCreate(): string; getUpdate(): string; getDelete(): string }
    | undefined;
  getReplaceonchangesList(): string[];
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getImportid(): string;
  getDeletedwith(): string;
  getReplaceWithList(): string[];
  getAliasesList(): unknown[];
}

interface MockMonitorLike {
  registerResource(req: Message, callback: unknown): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

export function readRegistration(req: Message, urn: string): Registration {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v, k) => {
    propertyDependencies[k] = v.getUrnsList();
  });
  const timeouts = req.getCustomtimeouts();
  const unsupported = [
    ...(req.getDeletebeforereplace() ? ["deleteBeforeReplace"] : []),
    ...(req.getIgnorechangesList().length > 0 ? ["ignoreChanges"] : []),
    ...(req.getImportid() ? ["import"] : []),
    ...(req.getDeletedwith() ? ["deletedWith"] : []),
    ...(req.getReplaceWithList().length > 0 ? ["replaceWith"] : []),
    ...(req.getAliasesList().length > 0 ? ["aliases"] : []),
  ];
  return {
    urn,
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    custom: req.getCustom(),
    object: req.getObject()?.toJavaScript() ?? {},
    protect: req.hasProtect() ? req.getProtect() === true : false,
    retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() === true : false,
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    customTimeouts: {
      create: timeouts?.getCreate() ?? "",
      update: timeouts?.getUpdate() ?? "",
      delete: timeouts?.getDelete() ?? "",
    },
    replaceOnChanges: req.getReplaceonchangesList(),
    unsupported,
  };
}

/**
 * Wraps the monitor installed by `pulumi.runtime.setMocks`: `current()` is the registration
 * whose `newResource` call is in progress (valid only synchronously at its start).
 */
export function captureRegistrations(): () => Registration | undefined {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const original = monitor.registerResource.bind(monitor);
  let current: Registration | undefined;
  monitor.registerResource = (req: Message, callback: unknown) => {
    current = readRegistration(req, monitor.newUrn(req.getParent(), req.getType(), req.getName()));
    try {
      return original(req, callback);
    } finally {
      current = undefined;
    }
  };
  return () => current;
}
