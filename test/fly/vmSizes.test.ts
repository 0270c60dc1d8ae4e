import { describe, expect, it } from "vitest";
import { POSTGRES_VM_SIZES } from "../../src/config/schema";
import {
  describeGuest,
  isNamedGuest,
  MACHINE_PRESETS,
  PG_CREATE_GUESTS,
  PG_VM_SIZES,
  pgVmSizeOf,
} from "../../src/fly/vmSizes";
import { TABLE } from "../support/fakeFly/tables";

const g = (cpuKind: string, cpus: number, memoryMb: number) => ({ cpuKind, cpus, memoryMb });

describe("VM sizes", () => {
  it("config accepts exactly the names fly postgres create knows", () => {
    expect([...POSTGRES_VM_SIZES]).toEqual([...PG_VM_SIZES]);
  });

  it("the tables are flyctl's: MachineVMSizes (first entry of a name) and fly-go's presets, read from source", () => {
    const pg: Record<string, unknown> = {};
    for (const s of TABLE.values.pgCreateVmSizes) pg[s.name] ??= g(s.cpuKind, s.cpus, s.memoryMb);
    expect(PG_CREATE_GUESTS).toEqual(pg);
    const presets = TABLE.values.machinePresets.filter((p) => !p.gpus);
    expect(MACHINE_PRESETS).toEqual(
      Object.fromEntries(presets.map((p) => [p.name, g(p.cpuKind, p.cpus, p.memoryMb)])),
    );
  });

  it("every pg create name maps to its own guest and back", () => {
    for (const name of PG_VM_SIZES) expect(pgVmSizeOf(PG_CREATE_GUESTS[name])).toBe(name);
  });

  it.each([
    [g("shared", 2, 4096), "shared-cpu-2x (2 shared CPUs, 4096 MB)", true],
    [g("shared", 1, 256), "shared-cpu-1x (1 shared CPU, 256 MB)", true],
    [g("performance", 2, 4096), "performance-2x (2 performance CPUs, 4096 MB)", true],
    [
      g("shared", 2, 512),
      "2 shared CPUs, 512 MB (fly-go's shared-cpu-2x, as `fly machine update --vm-size` sets it)",
      true,
    ],
    [
      g("shared", 6, 1536),
      "6 shared CPUs, 1536 MB (fly-go's shared-cpu-6x, as `fly machine update --vm-size` sets it)",
      true,
    ],
    [g("shared", 2, 2048), "2 shared CPUs, 2048 MB", false],
    [g("shared", 1, 1024), "1 shared CPU, 1024 MB", false],
  ])("%j is %s", (guest, text, named) => {
    expect(describeGuest(guest)).toBe(text);
    expect(isNamedGuest(guest)).toBe(named);
  });
});
