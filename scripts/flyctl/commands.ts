/**
 * Reads flyctl's cobra commands from its source: for each command on the paths asked for, its
 * usage, aliases, positional-argument rule, preparers and every flag (name, shorthand, type,
 * default, hidden, aliases), each with the file and line it was read from. Shared flags
 * (`flag.App()`, `flag.VMSizeFlags`, a package's `sharedFlags`) are followed to their definition.
 */
import {
  expressionAt,
  type Func,
  findFunc,
  findValue,
  imports,
  inside,
  lineAt,
  packageFiles,
  type Repo,
  readFile,
  splitTop,
  unquote,
} from "./goSource";

const MODULE = "github.com/superfly/flyctl/";
const FLAG_PKG = "internal/flag";
const FLAG_TYPES: Record<string, string> = {
  Bool: "bool",
  String: "string",
  Int: "int",
  Float64: "float64",
  StringSlice: "stringSlice",
  StringArray: "stringArray",
  Duration: "duration",
};

export interface FlagFact {
  type: string;
  short?: string;
  default?: string | number | boolean | string[];
  hidden?: true;
  noOptDefVal?: string;
  /** A hidden alias flyctl adds for another flag (flag.go makeAlias). */
  aliasOf?: string;
  /** Where the flag is defined. */
  at: string;
  /** Where the command adds it, when that is elsewhere (a shared flag). */
  via?: string;
}

export type ArgsRule =
  | { kind: "none" | "arbitrary" }
  | { kind: "exact" | "max" | "min"; n: number }
  | { kind: "range"; min: number; max: number };

export interface CommandFact {
  use: string;
  aliases: string[];
  /** False for a group command (nil runner): cobra prints its help and exits 0. */
  runnable: boolean;
  /** null: cobra's default (legacyArgs). */
  args: (ArgsRule & { at: string }) | null;
  preparers: string[];
  flags: Record<string, FlagFact>;
  /** Subcommand name → its aliases (every subcommand, also those not read in full). */
  children: Record<string, string[]>;
  at: string;
}

export interface Ctx {
  repo: Repo;
  dir: string;
  files: string[];
  /** The file the expression is in (for its imports). */
  path: string;
  /** A function body whose local constants come first. */
  body?: string;
}

const pkgCache = new Map<string, string[]>();
function pkg(repo: Repo, dir: string): string[] {
  let files = pkgCache.get(dir);
  if (!files) {
    files = packageFiles(repo, dir);
    pkgCache.set(dir, files);
  }
  return files;
}

function ctxFor(repo: Repo, dir: string, path: string, body?: string): Ctx {
  return { repo, dir, files: pkg(repo, dir), path, ...(body === undefined ? {} : { body }) };
}

/** The package a qualifier names in the file `path`, as a flyctl directory. */
function importedDir(ctx: Ctx, qualifier: string): string {
  const map = imports(readFile(ctx.repo, ctx.path));
  let target = map.get(qualifier);
  if (!target) {
    // An import without alias whose package clause differs from its last path element.
    for (const p of map.values()) {
      if (!p.startsWith(MODULE)) continue;
      const first = readFile(ctx.repo, pkg(ctx.repo, p.slice(MODULE.length))[0]!);
      if (new RegExp(`^package ${qualifier}$`, "m").test(first)) target = p;
    }
  }
  if (!target?.startsWith(MODULE)) throw new Error(`${ctx.path}: cannot resolve ${qualifier}`);
  return target.slice(MODULE.length);
}

/** A string, number or bool expression: literals, constants (local, package, imported), `+`. */
export function evaluate(expr: string, ctx: Ctx): string | number | boolean {
  const parts = splitTop(expr, "+");
  if (parts.length > 1) return parts.map((p) => String(evaluate(p.text, ctx))).join("");
  const factors = splitTop(expr, "*");
  if (factors.length > 1) return factors.reduce((n, p) => n * Number(evaluate(p.text, ctx)), 1);
  const e = expr.trim();
  if (/^["`]/.test(e)) return unquote(e);
  if (/^-?\d+(\.\d+)?$/.test(e)) return Number(e);
  if (e === "true" || e === "false") return e === "true";
  const local = ctx.body && new RegExp(`(?:^|\\n)\\s*${e}\\s*=\\s*`).exec(ctx.body);
  if (local) return evaluate(expressionAt(ctx.body!, local.index + local[0].length), ctx);
  const q = /^(\w+)\.(\w+)$/.exec(e);
  const dir = q ? importedDir(ctx, q[1]!) : ctx.dir;
  const name = q ? q[2]! : e;
  const found = findValue(ctx.repo, pkg(ctx.repo, dir), name);
  if (!found) throw new Error(`${ctx.path}: cannot evaluate ${e}`);
  return evaluate(found.expr, ctxFor(ctx.repo, dir, found.path));
}

const cite = (path: string, text: string, at: number) => `${path}:${lineAt(text, at)}`;

/** The flags an item of `flag.Add(cmd, …)` adds, following shared definitions. */
function flagsOf(item: string, itemAt: number, ctx: Ctx): [string, FlagFact][] {
  const text = readFile(ctx.repo, ctx.path);
  const inFlagPkg = ctx.dir === FLAG_PKG;
  const prefix = inFlagPkg ? "(?:flag\\.)?" : "flag\\.";
  const literal = new RegExp(`^${prefix}(\\w+)\\{`).exec(item);
  if (literal && (literal[1] === "Set" || FLAG_TYPES[literal[1]!])) {
    const open = itemAt + literal[0].length - 1;
    const body = inside(text, open);
    if (literal[1] === "Set") {
      return splitTop(body.text).flatMap((p) => flagsOf(p.text, body.at + p.at, ctx));
    }
    return structFlag(FLAG_TYPES[literal[1]!]!, body.text, body.at, ctx);
  }
  const call = new RegExp(`^${prefix}(\\w+)\\((.*)\\)$`, "s").exec(item);
  const ref = new RegExp(`^${prefix}(\\w+)$`).exec(item);
  const local = !inFlagPkg && /^(\w+)(\(.*\))?$/s.exec(item);
  const name = call?.[1] ?? ref?.[1] ?? (local ? local[1] : undefined);
  if (!name) throw new Error(`${cite(ctx.path, text, itemAt)}: cannot read flag ${item}`);
  const dir = call || ref ? FLAG_PKG : ctx.dir;
  const files = pkg(ctx.repo, dir);
  const isCall = Boolean(call || (local ? local[2] : false));
  let found: { path: string; text: string; at: number; expr: string } | null;
  if (isCall) {
    const fn = findFunc(ctx.repo, files, name);
    const ret = fn && /\breturn\s+/.exec(fn.body);
    found =
      fn && ret
        ? {
            path: fn.path,
            text: fn.text,
            at: fn.bodyAt + ret.index + ret[0].length,
            expr: expressionAt(fn.text, fn.bodyAt + ret.index + ret[0].length),
          }
        : null;
  } else found = findValue(ctx.repo, files, name);
  if (!found) throw new Error(`${cite(ctx.path, text, itemAt)}: cannot find ${item}`);
  const via = cite(ctx.path, text, itemAt);
  return flagsOf(found.expr, found.at, ctxFor(ctx.repo, dir, found.path)).map(([n, f]) => [
    n,
    { ...f, via: f.via ?? via },
  ]);
}

function structFlag(type: string, body: string, bodyAt: number, ctx: Ctx): [string, FlagFact][] {
  const text = readFile(ctx.repo, ctx.path);
  const fields = new Map<string, { expr: string; at: number }>();
  for (const p of splitTop(body)) {
    const m = /^(\w+)\s*:\s*/.exec(p.text);
    if (m) fields.set(m[1]!, { expr: p.text.slice(m[0].length), at: bodyAt + p.at });
  }
  const get = (k: string) => fields.get(k);
  const nameField = get("Name");
  if (!nameField) throw new Error(`${cite(ctx.path, text, bodyAt)}: flag without Name`);
  const name = String(evaluate(nameField.expr, ctx));
  const fact: FlagFact = { type, at: cite(ctx.path, text, nameField.at) };
  const short = get("Shorthand");
  if (short) fact.short = String(evaluate(short.expr, ctx));
  const def = get("Default");
  if (def) {
    if (type === "stringSlice" || type === "stringArray") {
      const list = /\{(.*)\}/s.exec(def.expr)?.[1] ?? "";
      fact.default = splitTop(list).map((p) => String(evaluate(p.text, ctx)));
    } else if (type === "duration") fact.default = def.expr;
    else fact.default = evaluate(def.expr, ctx);
  }
  if (get("Hidden") && evaluate(get("Hidden")!.expr, ctx) === true) fact.hidden = true;
  const noOpt = get("NoOptDefVal");
  if (noOpt) fact.noOptDefVal = String(evaluate(noOpt.expr, ctx));
  const out: [string, FlagFact][] = [[name, fact]];
  const aliases = get("Aliases");
  const aliasShort = get("UseAliasShortHand");
  if (aliases) {
    const list = /\{(.*)\}/s.exec(aliases.expr)?.[1] ?? "";
    for (const a of splitTop(list)) {
      const alias = String(evaluate(a.text, ctx));
      out.push([
        alias,
        {
          type,
          ...(aliasShort && evaluate(aliasShort.expr, ctx) === true ? { short: alias[0] } : {}),
          hidden: true,
          aliasOf: name,
          at: cite(ctx.path, text, aliases.at),
        },
      ]);
    }
  }
  return out;
}

const EMPTY: CommandFact = {
  use: "",
  aliases: [],
  runnable: true,
  args: null,
  preparers: [],
  flags: {},
  children: {},
  at: "",
};

const ARGS: Record<string, (n: number[]) => ArgsRule> = {
  NoArgs: () => ({ kind: "none" }),
  ArbitraryArgs: () => ({ kind: "arbitrary" }),
  ExactArgs: ([n]) => ({ kind: "exact", n: n! }),
  MaximumNArgs: ([n]) => ({ kind: "max", n: n! }),
  MinimumNArgs: ([n]) => ({ kind: "min", n: n! }),
  RangeArgs: ([min, max]) => ({ kind: "range", min: min!, max: max! }),
};

/** The constructor of a subcommand as an `AddCommand` item names it. */
export interface Constructor {
  dir: string;
  func: string;
}

function constructorOf(item: string, ctx: Ctx): Constructor {
  const inner = /^group\((.*),\s*"[^"]*"\)$/s.exec(item)?.[1] ?? item;
  const m = /^(?:(\w+)\.)?(\w+)\(\)(?:\.Command)?$/.exec(inner.trim());
  if (!m) throw new Error(`${ctx.path}: cannot read subcommand ${item}`);
  return { dir: m[1] ? importedDir(ctx, m[1]) : ctx.dir, func: m[2]! };
}

export interface ReadCommand {
  fact: CommandFact;
  children: Constructor[];
}

/** One command's constructor, read in full. */
export function readCommand(repo: Repo, c: Constructor, full = true): ReadCommand {
  const fn: Func | null = findFunc(repo, pkg(repo, c.dir), c.func);
  if (!fn) throw new Error(`${c.dir}: no func ${c.func}`);
  const ctx = ctxFor(repo, c.dir, fn.path, fn.body);
  const at = (i: number) => cite(fn.path, fn.text, fn.bodyAt + i);
  // A constructor that only returns another one's command (releases.go, storage.go).
  const delegate = /^\s*return\s+(?:(\w+)\.)?(\w+)\(\)\s*$/.exec(fn.body);
  if (delegate) {
    const dir = delegate[1] ? importedDir(ctx, delegate[1]) : c.dir;
    return readCommand(repo, { dir, func: delegate[2]! }, full);
  }
  const ctor = /(\w+)\s*:?=\s*command\.New\(/.exec(fn.body);
  if (!ctor) {
    // A deprecated alias built on another constructor or a bare cobra.Command (open.go, create.go).
    const wraps = /(\w+)\s*:?=\s*(?:(\w+)\.)?(\w+)\(\)\n/.exec(fn.body);
    const bare = /Use:\s*("[^"]*")/.exec(fn.body);
    if (!full && (wraps || bare)) {
      if (bare)
        return { fact: { ...EMPTY, use: unquote(bare[1]!), at: at(bare.index) }, children: [] };
      const dir = wraps![2] ? importedDir(ctx, wraps![2]) : c.dir;
      return readCommand(repo, { dir, func: wraps![3]! }, false);
    }
    throw new Error(`${fn.path}: ${c.func} does not call command.New`);
  }
  const v = ctor[1]!;
  const args = splitTop(inside(fn.body, ctor.index + ctor[0].length - 1).text);
  const use = args[0]!.text === "exe" ? "flyctl" : String(evaluate(args[0]!.text, ctx));
  const fact: CommandFact = {
    use,
    aliases: [],
    runnable: args[3]?.text !== "nil",
    args: null,
    preparers: args.slice(4).map((p) => p.text.replace(/^command\./, "")),
    flags: {},
    children: {},
    at: at(ctor.index),
  };
  const aliases = new RegExp(`\\b${v}\\.Aliases\\s*=\\s*\\[\\]string\\{`).exec(fn.body);
  if (aliases) {
    const list = inside(fn.body, aliases.index + aliases[0].length - 1).text;
    fact.aliases = splitTop(list).map((p) => String(evaluate(p.text, ctx)));
  }
  const rule = new RegExp(`\\b${v}\\.Args\\s*=\\s*cobra\\.(\\w+)(?:\\(([^)]*)\\))?`).exec(fn.body);
  if (rule) {
    const make = ARGS[rule[1]!];
    if (!make) throw new Error(`${fn.path}: unknown args rule ${rule[1]}`);
    const ns = (rule[2] ?? "").split(",").filter(Boolean).map(Number);
    fact.args = { ...make(ns), at: at(rule.index) };
  }
  for (const m of fn.body.matchAll(/\bflag\.Add\(\s*(\w+)\s*[,)]/g)) {
    if (m[1] !== v || !full) continue;
    const items = splitTop(inside(fn.body, m.index + "flag.Add".length).text).slice(1);
    for (const item of items) {
      for (const [name, f] of flagsOf(item.text, fn.bodyAt + m.index + 9 + item.at, ctx)) {
        if (fact.flags[name]) throw new Error(`${fact.at}: flag ${name} defined twice`);
        fact.flags[name] = f;
      }
    }
  }
  const children: Constructor[] = [];
  const add = new RegExp(`\\b${v}\\.AddCommand\\(`).exec(fn.body);
  if (add && full) {
    for (const item of splitTop(inside(fn.body, add.index + add[0].length - 1).text)) {
      if (/^\w+$/.test(item.text)) {
        // postgres.go: a list of constructors added in a loop.
        const list = /\[\]func\(\) \*cobra\.Command\{/.exec(fn.body);
        if (!list) throw new Error(`${fn.path}: cannot read subcommands ${item.text}`);
        for (const p of splitTop(inside(fn.body, list.index + list[0].length - 1).text))
          children.push({ dir: c.dir, func: p.text });
      } else children.push(constructorOf(item.text, ctx));
    }
  }
  return { fact, children };
}

/** Name and aliases of a subcommand, for cobra's lookup. */
export function nameOf(repo: Repo, c: Constructor): { name: string; aliases: string[] } {
  try {
    const { fact } = readCommand(repo, c, false);
    return { name: fact.use.split(" ")[0]!, aliases: fact.aliases };
  } catch (e) {
    console.error(`${c.dir} ${c.func}: ${(e as Error).message}`);
    return { name: `?${c.dir}`, aliases: [] };
  }
}
