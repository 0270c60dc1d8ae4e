"use strict";
/**
 * JSON objects shaped by the Go structs flyctl encodes (their fields read from source into
 * flyctl.json `structs`): keys in declaration order, `omitempty` fields dropped when zero, every
 * other field present, with its zero value when the fake has nothing better. A key the struct
 * does not have is an error, so the fake cannot invent fields. Nested structs the table does not
 * list are written as {} (the program reads none of them).
 */
const TABLE = require("./flyctl.json");

const isZero = (v) =>
  v === undefined ||
  v === null ||
  v === "" ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);

/** The fields of an inline `struct { A T; B U }` type, for its zero value. */
function inlineZero(go) {
  const inner = go
    .slice(go.indexOf("{") + 1, go.lastIndexOf("}"))
    .trim()
    .split(/\s+/);
  const out = {};
  for (let i = 0; i < inner.length; ) {
    const name = inner[i++];
    let type = inner[i++] ?? "";
    if (type.endsWith("struct")) {
      let depth = 0;
      do {
        const t = inner[i++];
        if (t === "{") depth++;
        if (t === "}") depth--;
      } while (depth > 0 && i < inner.length);
      type = `${type} {…}`;
    }
    out[name] = zero(type, "");
  }
  return out;
}

function zero(go, pkg) {
  if (go === "string") return "";
  if (/^(u?int\d*|float\d+)$/.test(go)) return 0;
  if (go === "bool") return false;
  if (/^(\*|\[\]|map\[)/.test(go)) return null;
  if (go === "time.Time") return "0001-01-01T00:00:00Z";
  if (go.startsWith("struct")) return inlineZero(go);
  const qualified = go.includes(".") ? go : `${pkg}.${go}`;
  return TABLE.structs[qualified] ? fromStruct(qualified, {}) : {};
}

/** An object of the Go struct `name` (e.g. "fly.Volume") with the given field values. */
function fromStruct(name, values) {
  const s = TABLE.structs[name];
  if (!s) throw new Error(`fake fly: no struct ${name} in flyctl.json`);
  const keys = new Set(s.fields.map((f) => f.key));
  for (const k of Object.keys(values))
    if (!keys.has(k)) throw new Error(`fake fly: ${name} (${s.at}) has no field ${k}`);
  const pkg = name.split(".")[0];
  const o = {};
  for (const f of s.fields) {
    if (f.key in values) {
      if (!(f.omitempty && isZero(values[f.key]))) o[f.key] = values[f.key];
    } else if (!f.omitempty) o[f.key] = zero(f.go, pkg);
  }
  return o;
}

/** A Go map[string]any: encoding/json writes its keys sorted. */
const sortedMap = (values) =>
  Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

module.exports = { fromStruct, sortedMap, isZero };
