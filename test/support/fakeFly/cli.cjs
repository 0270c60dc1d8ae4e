"use strict";
/**
 * flyctl's command line as cobra v1.10.2 and pflag v1.0.10 read it, driven by flyctl.json (the
 * commands, aliases, argument rules and flags read from flyctl's source): which command an argv
 * names (Command.Find, stripFlags, legacyArgs), its flags (FlagSet.parseArgs: --x, --x=v, -x v,
 * -xv, bool flags without a value, aliases) and its positional arguments (args.go). The
 * argv-checking test uses the same functions, so what the fake accepts and what the program is
 * held to are one table.
 */
const TABLE = require("./flyctl.json");
const { T, sprintf, FlyError } = require("./texts.cjs");

const ROOT_NAME = "flyctl"; // root.go:92, the executable's base name (flyctl's release binary).
const ERR = (key, ...args) => new FlyError(sprintf(T[key].text, ...args));

/** The flags a command accepts: its own, the root's persistent ones, cobra's help (and version). */
function flagSpecs(path) {
  const own = TABLE.commands[path]?.flags ?? {};
  const all = { ...TABLE.persistentFlags, ...own };
  all.help = TABLE.cobraFlags.help;
  if (path === "") all.version = TABLE.cobraFlags.version;
  return all;
}

const takesValue = (spec) => spec.type !== "bool" && spec.noOptDefVal === undefined;

/** cobra's stripFlags: the words of an argv that are not flags or flag values. */
function stripFlags(args, path) {
  const specs = flagSpecs(path);
  const noOpt = (name) => specs[name] !== undefined && !takesValue(specs[name]);
  const shortNoOpt = (c) => Object.values(specs).some((s) => s.short === c && !takesValue(s));
  const words = [];
  for (let i = 0; i < args.length; i++) {
    const s = args[i];
    if (s === "--") break;
    if (s.startsWith("--") && !s.includes("=") && !noOpt(s.slice(2))) {
      if (i + 1 >= args.length) break;
      i++;
    } else if (s.startsWith("-") && !s.includes("=") && s.length === 2 && !shortNoOpt(s[1])) {
      if (i + 1 >= args.length) break;
      i++;
    } else if (s !== "" && !s.startsWith("-")) words.push(s);
  }
  return words;
}

const commandPath = (path) => (path ? `${ROOT_NAME} ${path}` : ROOT_NAME);

/** Levenshtein distance, case-insensitive (cobra's ld with ignoreCase). */
function distance(a, b) {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length][b.length];
}

/**
 * Command.Find: the deepest command the words name, and the argv left for it. An unknown word
 * under a group command is not an error here: the group then runs, which for a group without a
 * runner is its help (exit 0).
 */
function find(argv) {
  let path = "";
  let rest = argv;
  for (;;) {
    const words = stripFlags(rest, path);
    if (words.length === 0) break;
    const children = TABLE.commands[path]?.children ?? {};
    const next = Object.entries(children).find(([n, a]) => n === words[0] || a.includes(words[0]));
    if (!next) break;
    path = path ? `${path} ${next[0]}` : next[0];
    const at = rest.indexOf(words[0]);
    rest = [...rest.slice(0, at), ...rest.slice(at + 1)];
    if (!TABLE.commands[path]) return { path, rest, unmodelled: true };
  }
  const node = TABLE.commands[path];
  if (node.args === null && Object.keys(node.children).length > 0 && path === "") {
    const words = stripFlags(rest, path);
    if (words.length > 0) {
      const suggestions = Object.keys(node.children).filter(
        (n) => distance(words[0], n) <= 2 || n.startsWith(words[0].toLowerCase()),
      );
      const hint = suggestions.length
        ? `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join("")}`
        : "";
      return { path, rest, error: ERR("unknownCommand", words[0], commandPath(path), hint) };
    }
  }
  return { path, rest };
}

function parseBoolValue(v) {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return null;
}

/** pflag's Set for the value types flyctl's commands use. */
function setValue(spec, name, value, flags) {
  const shown = spec.short ? `-${spec.short}, --${name}` : `--${name}`;
  const invalid = (cause) => ERR("invalidArgument", value, shown, cause);
  switch (spec.type) {
    case "bool": {
      const b = parseBoolValue(value);
      if (b === null) throw invalid(sprintf(T.parseBool.text, value));
      return b;
    }
    case "int": {
      const s = value.replace(/^[+-]/, "");
      const ok = /^(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]*|0[bB][01_]+|[1-9][0-9_]*|0)$/.test(s);
      if (!ok) throw invalid(sprintf(T.parseInt.text, value));
      const n = Number.parseInt(s.replaceAll("_", ""), /^0[xX]/.test(s) ? 16 : 10);
      return value.startsWith("-") ? -n : n;
    }
    case "stringSlice":
      return [...(flags[name] ?? []), ...value.split(",")];
    case "stringArray":
      return [...(flags[name] ?? []), value];
    default:
      return value;
  }
}

/**
 * FlagSet.parseArgs over the command's flags. Returns the flags set (by their own name; an
 * alias sets the flag it aliases, as flyctl's ApplyAliases preparer does) and the positional
 * arguments.
 */
function parseFlags(path, rest) {
  const specs = flagSpecs(path);
  const byShort = {};
  for (const [n, s] of Object.entries(specs)) if (s.short) byShort[s.short] = n;
  const flags = {};
  const args = [];
  const set = (name, value) => {
    const spec = specs[name];
    flags[spec.aliasOf ?? name] = setValue(spec, name, value, flags);
  };
  for (let i = 0; i < rest.length; i++) {
    const s = rest[i];
    if (s === "--") {
      args.push(...rest.slice(i + 1));
      break;
    }
    if (s.length < 2 || s[0] !== "-") {
      args.push(s);
      continue;
    }
    if (s[1] === "-") {
      const body = s.slice(2);
      if (body === "" || body[0] === "-" || body[0] === "=") throw ERR("badSyntax", s);
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      const spec = specs[name];
      if (!spec) throw ERR("unknownFlag", name);
      if (eq >= 0) set(name, body.slice(eq + 1));
      else if (!takesValue(spec)) set(name, spec.noOptDefVal ?? "true");
      else if (i + 1 < rest.length) set(name, rest[++i]);
      else throw ERR("needsArgument", name);
      continue;
    }
    let shorts = s.slice(1);
    while (shorts.length > 0) {
      const c = shorts[0];
      const name = byShort[c];
      if (!name) throw ERR("unknownShorthand", c, shorts);
      const spec = specs[name];
      if (shorts.length > 2 && shorts[1] === "=") {
        set(name, shorts.slice(2));
        shorts = "";
      } else if (!takesValue(spec)) {
        set(name, spec.noOptDefVal ?? "true");
        shorts = shorts.slice(1);
      } else if (shorts.length > 1) {
        set(name, shorts.slice(1));
        shorts = "";
      } else if (i + 1 < rest.length) {
        set(name, rest[++i]);
        shorts = "";
      } else throw ERR("needsArgumentShort", c, shorts);
    }
  }
  return { flags, args };
}

/** The command's positional-argument rule (args.go), cobra's default being legacyArgs. */
function validateArgs(path, args) {
  const rule = TABLE.commands[path].args;
  const n = args.length;
  if (rule === null || rule.kind === "arbitrary") return;
  if (rule.kind === "none" && n > 0) throw ERR("noArgs", args[0], commandPath(path));
  if (rule.kind === "exact" && n !== rule.n) throw ERR("exactArgs", rule.n, n);
  if (rule.kind === "max" && n > rule.n) throw ERR("maxArgs", rule.n, n);
  if (rule.kind === "min" && n < rule.n) throw ERR("minArgs", rule.n, n);
  if (rule.kind === "range" && (n < rule.min || n > rule.max))
    throw ERR("rangeArgs", rule.min, rule.max, n);
}

/** cobra's UseLine, the first line of the usage it prints after a flag or argument error. */
function useLine(path) {
  const node = TABLE.commands[path];
  const parent = path.split(" ").slice(0, -1).join(" ");
  const line = path ? `${commandPath(parent)} ${node.use}` : node.use;
  return line.includes("[flags]") ? line : `${line} [flags]`;
}

/**
 * Everything cobra decides before flyctl's own code runs. Returns
 * `{path, flags, args}` for a command to run, `{path, help: true}` when cobra prints help and
 * exits 0, or throws a FlyError carrying what it prints on stdout (`stdout`).
 */
function resolve(argv) {
  const found = find(argv);
  if (found.error) {
    found.error.stdout = `${sprintf(T.runHelp.text, commandPath(found.path))}\n\n`;
    throw found.error;
  }
  const withPath = (e) => Object.assign(e, { path: found.path, stdout: usage });
  if (found.unmodelled) return found;
  const { path } = found;
  const usage = `Usage:\n  ${useLine(path)}\n\n`;
  let parsed;
  try {
    parsed = parseFlags(path, found.rest);
  } catch (e) {
    throw withPath(e);
  }
  if (parsed.flags.help || !TABLE.commands[path].runnable) return { path, help: true };
  try {
    validateArgs(path, parsed.args);
  } catch (e) {
    throw withPath(e);
  }
  return { path, flags: parsed.flags, args: parsed.args };
}

/** Whether a flag was given (flag.IsSpecified), and its value or the default. */
function flagValue(path, flags, name) {
  if (name in flags) return flags[name];
  return TABLE.commands[path]?.flags[name]?.default ?? TABLE.persistentFlags[name]?.default;
}

module.exports = { TABLE, ROOT_NAME, resolve, find, parseFlags, validateArgs, flagValue, useLine };
