/**
 * Value tables the fake applies, read from source: the VM sizes `pg create` accepts
 * (MachineVMSizes), fly-go's machine presets, the Managed Postgres plans and the Redis plan ids
 * and legacy plan names. Each entry keeps the line it was read from.
 */
import { evaluate } from "./commands";
import { findFunc, findValue, inside, lineAt, packageFiles, type Repo, splitTop } from "./goSource";

/** The fields of a `{Key: value, …}` literal, evaluated. */
function fields(text: string, ctx: Parameters<typeof evaluate>[1]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of splitTop(text)) {
    const m = /^(\w+)\s*:\s*([\s\S]+)$/.exec(p.text);
    if (m) out[m[1]!] = evaluate(m[2]!, ctx);
  }
  return out;
}

const ctxOf = (repo: Repo, dir: string, path: string) => ({
  repo,
  dir,
  files: packageFiles(repo, dir),
  path,
});

/** `{ … }` entries of a slice literal, or `"key": { … }` entries of a map literal, at `open`. */
function entries(text: string, open: number) {
  const body = inside(text, open);
  return splitTop(body.text).map((p) => {
    const keyed = /^("[^"]*")\s*:\s*/.exec(p.text);
    const brace = body.at + p.at + p.text.indexOf("{", keyed ? keyed[0].length : 0);
    return {
      key: keyed ? (JSON.parse(keyed[1]!) as string) : undefined,
      body: inside(text, brace).text,
      line: lineAt(text, body.at + p.at),
    };
  });
}

export function readValues(flyctl: Repo, flyGo: Repo) {
  const pgDir = "internal/command/postgres";
  const sizes = findFunc(flyctl, packageFiles(flyctl, pgDir), "MachineVMSizes")!;
  const sizesOpen = sizes.text.indexOf("[]fly.VMSize{", sizes.bodyAt) + "[]fly.VMSize".length;
  const pgCreateVmSizes = entries(sizes.text, sizesOpen).map((e) => {
    const f = fields(e.body, ctxOf(flyctl, pgDir, sizes.path));
    return {
      name: f.Name,
      cpuKind: f.CPUClass,
      cpus: f.CPUCores,
      memoryMb: f.MemoryMB,
      at: `${sizes.path}:${e.line}`,
    };
  });

  const presets = findValue(flyGo, packageFiles(flyGo, "."), "MachinePresets")!;
  const presetsOpen = presets.text.indexOf("{", presets.at);
  const machinePresets = entries(presets.text, presetsOpen).map((e) => {
    const f = fields(e.body, ctxOf(flyGo, ".", presets.path));
    return {
      name: e.key,
      cpuKind: f.CPUKind,
      cpus: f.CPUs,
      memoryMb: f.MemoryMB,
      ...(f.GPUs ? { gpus: f.GPUs, gpuKind: f.GPUKind } : {}),
      at: `fly-go:${presets.path}:${e.line}`,
    };
  });

  const mpgDir = "internal/command/mpg";
  const plans = findValue(flyctl, packageFiles(flyctl, mpgDir), "MPGPlans")!;
  const mpgPlans = entries(plans.text, plans.text.indexOf("{", plans.at)).map((e) => {
    const f = fields(e.body, ctxOf(flyctl, mpgDir, plans.path));
    return {
      key: e.key,
      name: f.Name,
      cpu: f.CPU,
      memory: f.Memory,
      pricePerMo: f.PricePerMo,
      at: `${plans.path}:${e.line}`,
    };
  });

  const redisDir = "internal/command/redis";
  const redisFiles = packageFiles(flyctl, redisDir);
  const constant = (name: string) => {
    const v = findValue(flyctl, redisFiles, name)!;
    return {
      value: evaluate(v.expr, ctxOf(flyctl, redisDir, v.path)),
      at: `${v.path}:${lineAt(v.text, v.at)}`,
    };
  };
  const legacy = findValue(flyctl, redisFiles, "legacyPlans")!;
  const legacyList = splitTop(inside(legacy.text, legacy.text.indexOf("{", legacy.at)).text);
  return {
    pgCreateVmSizes,
    machinePresets,
    defaultVmSize: (() => {
      const v = findValue(flyGo, packageFiles(flyGo, "."), "DefaultVMSize")!;
      return {
        value: evaluate(v.expr, ctxOf(flyGo, ".", v.path)),
        at: `fly-go:${v.path}:${lineAt(v.text, v.at)}`,
      };
    })(),
    mpgPlans,
    redis: {
      payAsYouGo: constant("redisPlanPayAsYouGo"),
      free: constant("redisPlanFree"),
      legacyPlans: {
        value: legacyList.map((p) => evaluate(p.text, ctxOf(flyctl, redisDir, legacy.path))),
        at: `${legacy.path}:${lineAt(legacy.text, legacy.at)}`,
      },
    },
  };
}
