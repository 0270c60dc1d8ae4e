"use strict";
/**
 * What the fake writes: stdout and stderr are buffered and flushed by the entry point, JSON is
 * encoded as Go's json.Encoder does (render.JSON: four-space indent, `<>&` escaped), tables as
 * internal/render draws them with tablewriter v1.1.4 (borderless, `│` between cells).
 */
const out = [];
const err = [];
const print = (line = "") => out.push(`${line}\n`);
const eprint = (line = "") => err.push(`${line}\n`);
const write = (text) => out.push(text);

/** Go's HTML-safe escaping in encoding/json (SetEscapeHTML defaults to true). */
const goEscape = (s) =>
  s
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");

/** internal/render/render.go:16-21 JSON: an Encoder with SetIndent("", "    "). */
const printJson = (value) => print(goEscape(JSON.stringify(value, null, 4)));
/** json.NewEncoder(out).Encode(v): compact, one line (version.go). */
const printCompactJson = (value) => print(goEscape(JSON.stringify(value)));

/** render.Table: upper-cased headers, cells padded and separated by `│`, then a blank line. */
function renderTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    ` ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" │ ")} `.trimEnd();
  print(line(headers.map((h) => h.toUpperCase())));
  for (const r of rows) print(line(r));
  print();
}

/** render.VerticalTable: a title, then one `key │ value` row per column, then a blank line. */
function renderVerticalTable(title, rows) {
  print(title);
  const w = Math.max(...rows.map((x) => x[0].length));
  for (const [k, v] of rows) print(`  ${k.padEnd(w)} │ ${v}  `.trimEnd());
  print();
}

function flush() {
  process.stdout.write(out.splice(0).join(""));
  process.stderr.write(err.splice(0).join(""));
}

module.exports = {
  out,
  err,
  print,
  eprint,
  write,
  printJson,
  printCompactJson,
  renderTable,
  renderVerticalTable,
  flush,
};
