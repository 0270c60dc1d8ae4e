/**
 * VM sizes. flyctl has two tables and the same name means different guests in them:
 * `fly postgres create --vm-size shared-cpu-2x` makes a 4096 MB machine (flyctl's own
 * `MachineVMSizes()`), `fly machine update --vm-size shared-cpu-2x` a 512 MB one (fly-go's
 * presets). So a config name means its `pg create` guest, both commands get the CPU kind, CPUs and
 * memory explicitly, and live machines are compared by guest, never by name.
 */

export interface Guest {
  cpuKind: string;
  cpus: number;
  memoryMb: number;
}

/** The names `fly postgres create --vm-size` accepts; shared-cpu-6x and performance-{6,10,12,14}x are not among them. */
export const PG_VM_SIZES = [
  "shared-cpu-1x",
  "shared-cpu-2x",
  "shared-cpu-4x",
  "shared-cpu-8x",
  "performance-1x",
  "performance-2x",
  "performance-4x",
  "performance-8x",
  "performance-16x",
] as const;
export type PgVmSize = (typeof PG_VM_SIZES)[number];

const guest = (cpuKind: string, cpus: number, memoryMb: number): Guest => ({
  cpuKind,
  cpus,
  memoryMb,
});

/** What each name means to `fly postgres create` (first entry of a name in `MachineVMSizes()`). */
export const PG_CREATE_GUESTS: Record<PgVmSize, Guest> = {
  "shared-cpu-1x": guest("shared", 1, 256),
  "shared-cpu-2x": guest("shared", 2, 4096),
  "shared-cpu-4x": guest("shared", 4, 8192),
  "shared-cpu-8x": guest("shared", 8, 16384),
  "performance-1x": guest("performance", 1, 2048),
  "performance-2x": guest("performance", 2, 4096),
  "performance-4x": guest("performance", 4, 8192),
  "performance-8x": guest("performance", 8, 16384),
  "performance-16x": guest("performance", 16, 32768),
};

/** fly-go's presets: what `fly machine update --vm-size` (and `fly scale vm`) apply. */
export const MACHINE_PRESETS: Record<string, Guest> = {
  "shared-cpu-1x": guest("shared", 1, 256),
  "shared-cpu-2x": guest("shared", 2, 512),
  "shared-cpu-4x": guest("shared", 4, 1024),
  "shared-cpu-6x": guest("shared", 6, 1536),
  "shared-cpu-8x": guest("shared", 8, 2048),
  "performance-1x": guest("performance", 1, 2048),
  "performance-2x": guest("performance", 2, 4096),
  "performance-4x": guest("performance", 4, 8192),
  "performance-6x": guest("performance", 6, 12288),
  "performance-8x": guest("performance", 8, 16384),
  "performance-10x": guest("performance", 10, 20480),
  "performance-12x": guest("performance", 12, 24576),
  "performance-14x": guest("performance", 14, 28672),
  "performance-16x": guest("performance", 16, 32768),
};

export function isPgVmSize(name: string): name is PgVmSize {
  return (PG_VM_SIZES as readonly string[]).includes(name);
}

export function sameGuest(a: Guest, b: Guest): boolean {
  return a.cpuKind === b.cpuKind && a.cpus === b.cpus && a.memoryMb === b.memoryMb;
}

/** The `pg create` name of a guest, if it has one. */
export function pgVmSizeOf(g: Guest): PgVmSize | undefined {
  return PG_VM_SIZES.find((n) => sameGuest(PG_CREATE_GUESTS[n], g));
}

function presetOf(g: Guest): string | undefined {
  return Object.keys(MACHINE_PRESETS).find((n) => sameGuest(MACHINE_PRESETS[n]!, g));
}

/** A guest one of flyctl's tables names: the only kind resized automatically. */
export function isNamedGuest(g: Guest): boolean {
  return pgVmSizeOf(g) !== undefined || presetOf(g) !== undefined;
}

export function guestWords(g: Guest): string {
  return `${g.cpus} ${g.cpuKind} CPU${g.cpus === 1 ? "" : "s"}, ${g.memoryMb} MB`;
}

/**
 * A guest for a person: `shared-cpu-2x (2 shared CPUs, 4096 MB)`; a fly-go preset that is no
 * `pg create` size says so; anything else is only its numbers.
 */
export function describeGuest(g: Guest): string {
  const pg = pgVmSizeOf(g);
  if (pg) return `${pg} (${guestWords(g)})`;
  const preset = presetOf(g);
  if (preset)
    return `${guestWords(g)} (fly-go's ${preset}, as \`fly machine update --vm-size\` sets it)`;
  return guestWords(g);
}
