"use strict";
/**
 * Machine guests from flags, as `machine update`, `volumes create` and `pg create` (with explicit
 * CPU or memory flags) build them: fly-go's presets, flyctl's GetMachineGuest and its size
 * parsing (helpers/units.go over docker/go-units v0.5.0).
 */
const TABLE = require("./flyctl.json");
const { T, sprintf, FlyError } = require("./texts.cjs");
const c = require("./common.cjs");

Object.assign(T, {
  badPreset: {
    text: "invalid machine preset requested, '%s', expected to start with 'shared' or 'performance'",
    at: "fly-go:machine_types.go:487",
  },
  badSize: {
    text: "'%s' is an invalid machine size, choose one of: %v",
    at: "fly-go:machine_types.go:498",
  },
  vmCpus: {
    text: "--vm-cpus must be greater than zero, got: %d",
    at: "internal/flag/machines.go:29",
  },
  vmMemoryZero: { text: "--vm-memory cannot be zero", at: "internal/flag/machines.go:40" },
  vmCpuKind: {
    text: "--vm-cpu-kind must be set to 'shared' or 'performance'",
    at: "internal/flag/machines.go:62",
  },
  vmGpu: {
    text: "GPU machines are no longer supported: --vm-gpu-kind and --vm-gpus are no longer accepted",
    at: "internal/flag/machines.go:67",
  },
  invalidSize: { text: "invalid size: %w", at: "helpers/units.go:13" },
  unitsInvalidSize: { text: "invalid size: '%s'", at: "go-units:size.go:97" },
  unitsInvalidSuffix: { text: "invalid suffix: '%s'", at: "go-units:size.go:153" },
});

// Everything but `pg create --vm-size` applies fly-go's MachinePresets through
// MachineGuest.SetSize (fly-go machine_types.go:477-508; the presets, read from source, in
// flyctl.json values).
const MACHINE_PRESETS = Object.fromEntries(TABLE.values.machinePresets.map((p) => [p.name, p]));
const DEFAULT_VM_SIZE = TABLE.values.defaultVmSize.value;

function setSize(guest, size) {
  const preset = MACHINE_PRESETS[size];
  if (!preset) {
    const kind = ["shared", "performance"].find((k) => size.startsWith(k));
    if (!kind) throw c.fail("badPreset", size);
    const valid = Object.keys(MACHINE_PRESETS)
      .filter((n) => n.startsWith(kind))
      .sort();
    throw c.fail("badSize", size, valid);
  }
  const { cpuKind, cpus, memoryMb, gpus, gpuKind } = preset;
  const sized = { ...guest, cpu_kind: cpuKind, cpus, memory_mb: memoryMb };
  delete sized.gpus;
  delete sized.gpu_kind;
  return gpus ? { ...sized, gpus, gpu_kind: gpuKind } : sized;
}

/** docker/go-units v0.5.0 parseSize (size.go:91-154) over a unit map. */
function unitsParse(raw, binary) {
  const sep = Math.max(...[..."01234567890. "].map((ch) => raw.lastIndexOf(ch)));
  if (sep < 0) throw c.fail("unitsInvalidSize", raw);
  const num = raw[sep] === " " ? raw.slice(0, sep) : raw.slice(0, sep + 1);
  let sfx = raw.slice(sep + 1);
  const size = Number(num);
  if (num === "" || Number.isNaN(size))
    throw new FlyError(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  if (size < 0) throw c.fail("unitsInvalidSize", raw);
  if (sfx === "") return Math.trunc(size);
  const bad = () => c.fail("unitsInvalidSuffix", sfx);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === "b") {
    if (sfx.length > 1) throw bad();
    return Math.trunc(size);
  }
  const power = { k: 1, m: 2, g: 3, t: 4, p: 5 }[sfx[0]];
  if (!power) throw bad();
  if ((sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib"))
    throw bad();
  return Math.trunc(size * (binary ? 1024 : 1000) ** power);
}

/** helpers/units.go ParseSize: a bare integer as is, else a human size divided by `quotient`. */
function parseSize(raw, binary, quotient) {
  if (/^[+-]?\d+$/.test(raw)) return Number(raw);
  try {
    return Math.trunc(unitsParse(raw, binary) / quotient);
  } catch (e) {
    throw new FlyError(sprintf(T.invalidSize.text, e));
  }
}

// internal/flag/machines.go:14-75 GetMachineGuest: the base guest (the default size when none),
// then --vm-size through fly-go's presets, then --vm-cpus, --vm-memory and --vm-cpu-kind.
function getMachineGuest(flags, base) {
  let guest = base ? { ...base } : setSize({}, DEFAULT_VM_SIZE);
  if (flags["vm-size"] !== undefined) guest = setSize(guest, flags["vm-size"]);
  if (flags["vm-cpus"] !== undefined) {
    if (flags["vm-cpus"] <= 0) throw c.fail("vmCpus", flags["vm-cpus"]);
    guest.cpus = flags["vm-cpus"];
  }
  if (flags["vm-memory"] !== undefined) {
    const mb = parseSize(flags["vm-memory"], true, 1024 ** 2);
    if (mb === 0) throw c.fail("vmMemoryZero");
    guest.memory_mb = mb;
  }
  if (flags["vm-cpu-kind"] !== undefined) {
    guest.cpu_kind = flags["vm-cpu-kind"];
    if (guest.cpu_kind !== "shared" && guest.cpu_kind !== "performance") throw c.fail("vmCpuKind");
  }
  if (flags["vm-gpu-kind"] !== undefined || flags["vm-gpus"] !== undefined) throw c.fail("vmGpu");
  return guest;
}

module.exports = { MACHINE_PRESETS, DEFAULT_VM_SIZE, setSize, parseSize, getMachineGuest };
