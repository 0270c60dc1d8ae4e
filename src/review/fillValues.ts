/**
 * The values the table filler generates: every value is a pure function of the seed, the table,
 * the column and a number (the row, or a slot of a small pool so that values repeat), so a seed
 * always gives the same rows, and adding a column changes no other column's values. Values are
 * JSON, turned into column values by PostgreSQL (json_populate_recordset). Pure.
 */

/** FNV-1a of a string: a column's stream. */
export function streamOf(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** murmur3's finaliser over (stream, n, salt): a well-mixed 32-bit number. */
export function mix(stream: number, n: number, salt = 0): number {
  let h = (stream ^ Math.imul(n + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca77)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1). */
export function unit(stream: number, n: number, salt = 0): number {
  return mix(stream, n, salt) / 2 ** 32;
}

/** What a column's values are made of, read from its type and CHECK constraints. */
export interface ValueSpec {
  /** Base type name (`int4`, `varchar`, `timestamptz`, `jsonb`, `vector`, …), domains resolved. */
  base: string;
  /** For arrays: the element's base type name. */
  element: string | null;
  /** varchar/char length, numeric precision and scale, vector dimensions; null when none. */
  length: number | null;
  precision: number | null;
  scale: number | null;
  /** Enum labels, or the values a CHECK allows (`= ANY (ARRAY[…])`). */
  choices: (string | number)[] | null;
  /** Array elements a CHECK allows (`<@ ARRAY[…]`). */
  subset: string[] | null;
  /** An array must have at least one element (`cardinality(x) > 0`). */
  nonEmpty: boolean;
  min: number | null;
  max: number | null;
  minExclusive: boolean;
  maxExclusive: boolean;
}

const INTEGERS: Record<string, [number, number]> = {
  int2: [-32768, 32767],
  int4: [-2147483648, 2147483647],
  int8: [-(2 ** 53) + 1, 2 ** 53 - 1],
  oid: [0, 4294967295],
};
const FLOATS = new Set(["float4", "float8", "numeric", "money"]);
const TEXTS = new Set(["text", "varchar", "bpchar", "name", "citext", "char"]);

/** The types the filler can make values of (elements of arrays included). */
export function knownType(base: string): boolean {
  return (
    base in INTEGERS ||
    FLOATS.has(base) ||
    TEXTS.has(base) ||
    [
      "bool",
      "uuid",
      "json",
      "jsonb",
      "date",
      "timestamp",
      "timestamptz",
      "time",
      "timetz",
      "interval",
      "inet",
      "cidr",
      "macaddr",
      "bytea",
      "tsvector",
      "vector",
    ].includes(base)
  );
}

/** The range a number must fall in: the type's, narrowed by CHECKs, else a modest default. */
function numberRange(spec: ValueSpec): [number, number] {
  const integer = spec.base in INTEGERS;
  const [typeLo, typeHi] = INTEGERS[spec.base] ?? [-1e15, 1e15];
  let lo = spec.min ?? null;
  let hi = spec.max ?? null;
  const step = integer ? 1 : spec.scale !== null ? 10 ** -spec.scale : 1e-6;
  if (lo !== null && spec.minExclusive) lo += step;
  if (hi !== null && spec.maxExclusive) hi -= step;
  if (integer) {
    if (lo !== null) lo = Math.ceil(lo);
    if (hi !== null) hi = Math.floor(hi);
  }
  if (spec.precision !== null) {
    const limit = 10 ** (spec.precision - (spec.scale ?? 0)) - 10 ** -(spec.scale ?? 0);
    lo = Math.max(lo ?? -limit, -limit);
    hi = Math.min(hi ?? limit, limit);
  }
  if (lo === null && hi === null) [lo, hi] = [0, 100_000];
  else if (lo === null) lo = (hi as number) - 100_000;
  else if (hi === null) hi = lo + 100_000;
  return [Math.max(lo as number, typeLo), Math.min(hi as number, typeHi)];
}

function numberValue(
  spec: ValueSpec,
  stream: number,
  n: number,
  distinct: boolean,
): number | string {
  const [lo, hi] = numberRange(spec);
  if (spec.base in INTEGERS) {
    const span = hi - lo + 1;
    const offset = distinct ? n % span : mix(stream, n) % span;
    return spec.base === "int8" ? String(lo + offset) : lo + offset;
  }
  const fraction = distinct ? (n % 100_000) / 100_000 : unit(stream, n);
  const value = lo + (hi - lo) * fraction;
  const scale = spec.scale ?? (spec.base === "numeric" ? 4 : 6);
  return spec.base === "numeric" || spec.base === "money"
    ? value.toFixed(Math.min(scale, 6))
    : Number(value.toFixed(6));
}

/** A token naming `n`, short enough for the column: `email-2s`, or just `2s`. */
function textValue(column: string, spec: ValueSpec, n: number): string {
  const token = n.toString(36);
  const max = spec.length ?? Number.POSITIVE_INFINITY;
  const full = /email/i.test(column) ? `user-${token}@example.com` : `${column}-${token}`;
  if (full.length <= max) return full;
  return token.length <= max ? token : token.slice(token.length - max);
}

function uuidValue(stream: number, n: number): string {
  const hex = [0, 1, 2, 3]
    .map((salt) => mix(stream, n, salt).toString(16).padStart(8, "0"))
    .join("");
  // Version 4, variant 10: a UUID like gen_random_uuid()'s.
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const EPOCH = Date.UTC(2024, 0, 1);

/**
 * A value of a scalar type for `n`: the row when `distinct` (a different value per row, as far as
 * the type allows), else a slot of the column's pool (rows of one slot share the value).
 */
function scalar(
  column: string,
  spec: ValueSpec,
  base: string,
  stream: number,
  n: number,
  distinct: boolean,
): unknown {
  if (spec.choices !== null && spec.choices.length > 0) {
    return spec.choices[(distinct ? n : mix(stream, n)) % spec.choices.length];
  }
  if (base in INTEGERS || FLOATS.has(base)) return numberValue(spec, stream, n, distinct);
  if (TEXTS.has(base))
    return textValue(column, { ...spec, length: base === "char" ? 1 : spec.length }, n);
  const k = n;
  switch (base) {
    case "bool":
      return mix(stream, n) % 2 === 0;
    case "uuid":
      return uuidValue(stream, n);
    case "json":
    case "jsonb":
      return { n: k, tag: `t${k % 7}`, flags: [k % 2 === 0, k % 3 === 0] };
    case "date":
      return new Date(EPOCH + k * 86_400_000).toISOString().slice(0, 10);
    case "timestamp":
    case "timestamptz":
      return new Date(EPOCH + k * 60_000).toISOString();
    case "time":
    case "timetz":
      return new Date(EPOCH + (k % 86_400) * 1000).toISOString().slice(11, 19);
    case "interval":
      return `${k} minutes`;
    case "inet":
      return `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    case "cidr":
      return `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}/32`;
    case "macaddr":
      return `02:00:00:${[(k >> 16) & 255, (k >> 8) & 255, k & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
    case "bytea":
      return `\\x${k.toString(16).padStart(8, "0")}`;
    case "tsvector":
      return `word${k % 50} word${(k * 7) % 50}`;
    case "vector": {
      const dimensions = spec.length ?? 3;
      const parts: string[] = [];
      for (let d = 0; d < dimensions; d++) parts.push(unit(stream, n, d + 1).toFixed(3));
      return `[${parts.join(",")}]`;
    }
    default:
      return null;
  }
}

/**
 * The value of `column` for `n`. Arrays hold one to three elements (none allowed unless a CHECK
 * wants some), drawn from the CHECK's allowed elements when there are any.
 */
export function columnValue(
  column: string,
  spec: ValueSpec,
  stream: number,
  n: number,
  distinct: boolean,
): unknown {
  if (spec.element === null) return scalar(column, spec, spec.base, stream, n, distinct);
  const min = spec.nonEmpty ? 1 : 0;
  const size = distinct ? Math.max(1, min) : min + (mix(stream, n, 7) % (4 - min));
  const element = { ...spec, choices: spec.subset ?? spec.choices, base: spec.element };
  const items: unknown[] = [];
  for (let e = 0; e < size; e++) {
    const value = scalar(
      column,
      element,
      spec.element,
      stream,
      distinct ? n : n * 4 + e,
      distinct && e === 0,
    );
    if (!items.some((i) => JSON.stringify(i) === JSON.stringify(value))) items.push(value);
  }
  return items;
}
