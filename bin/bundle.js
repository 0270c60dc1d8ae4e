// @ts-check
/**
 * Whether dist/gaia-db.cjs, the CLI bundled by scripts/build.ts, may run instead of the TypeScript
 * sources, and running it. It runs only as it was built (its code hashes to what its manifest
 * says), and only while every file it was built from holds, byte for byte, what it held then and
 * no file has appeared or gone in the folders of its sources (a new `x.ts` beside an imported
 * `x/index.ts` changes what an unchanged import loads). A missing, changed or stale bundle is
 * only ever a reason to run the sources, which are always right.
 *
 * The manifest is the bundle's first line, so that the bundle and its manifest are written in one
 * rename and can never disagree. Plain JavaScript: it runs before anything can load TypeScript.
 */
const { createHash } = require("node:crypto");
const { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

/** Where the bundle is, relative to the repository root. */
const BUNDLE = "dist/gaia-db.cjs";
/** The bundle's first line: this, the manifest as JSON, a newline. */
const MANIFEST_MARK = "// gaia-db-manifest ";
/** Bumped whenever the manifest's meaning changes, so that older bundles count as stale. */
const MANIFEST_VERSION = 1;

/**
 * @typedef {object} Manifest
 * @property {number} version
 * @property {string} code sha256 of the bundle after its first line
 * @property {[string, string][]} files repository-relative path and the sha256 of its bytes
 * @property {[string, string][]} folders repository-relative path and `listingDigest` of its entries
 */

/** @param {Uint8Array | string} bytes */
function digest(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The digest of a folder's entry names. @param {string} dir */
function listingDigest(dir) {
  return digest(readdirSync(dir).sort().join("\n"));
}

/** The first line of the bundle, the manifest. @param {Manifest} manifest */
function manifestLine(manifest) {
  return `${MANIFEST_MARK}${JSON.stringify(manifest)}\n`;
}

/**
 * @typedef {object} Bundle
 * @property {Manifest} manifest
 * @property {string} text the whole file, manifest line included (so that lines keep their numbers)
 */

/**
 * The bundle at `file` with its manifest, or why it may not run.
 * @param {string} file
 * @returns {Bundle | string}
 */
function readBundle(file) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return `${BUNDLE} does not exist`;
  }
  const end = bytes.indexOf(10);
  const line = bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8");
  if (!line.startsWith(MANIFEST_MARK)) return `${BUNDLE} has no manifest`;
  /** @type {Manifest} */
  let manifest;
  try {
    manifest = JSON.parse(line.slice(MANIFEST_MARK.length));
  } catch (e) {
    return `${BUNDLE} has a manifest that is not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (manifest?.version !== MANIFEST_VERSION) {
    return `${BUNDLE} has a manifest of version ${manifest?.version}, not ${MANIFEST_VERSION}`;
  }
  if (digest(bytes.subarray(end + 1)) !== manifest.code) {
    return `${BUNDLE} was changed after it was built`;
  }
  return { manifest, text: bytes.toString("utf8") };
}

/**
 * Why the bundle built from `manifest` no longer matches the files under `root`, or undefined
 * when it does.
 * @param {string} root
 * @param {Manifest} manifest
 * @returns {string | undefined}
 */
function staleness(root, manifest) {
  for (const [path, expected] of manifest.files) {
    let bytes;
    try {
      bytes = readFileSync(join(root, path));
    } catch {
      return `${path} is gone`;
    }
    if (digest(bytes) !== expected) return `${path} changed`;
  }
  for (const [path, expected] of manifest.folders) {
    let actual;
    try {
      actual = listingDigest(join(root, path));
    } catch {
      return `${path}/ is gone`;
    }
    if (actual !== expected) return `a file was added to or removed from ${path}/`;
  }
  return undefined;
}

/**
 * The bundle to run from the repository at `root`, or why the sources must run instead.
 * @param {string} root
 * @returns {{ file: string, bundle: Bundle } | { reason: string }}
 */
function freshBundle(root) {
  const file = join(root, BUNDLE);
  const bundle = readBundle(file);
  if (typeof bundle === "string") return { reason: bundle };
  let stale;
  try {
    stale = staleness(root, bundle.manifest);
  } catch (e) {
    return {
      reason: `${BUNDLE} has a manifest that cannot be checked (${e instanceof Error ? e.message : String(e)})`,
    };
  }
  return stale === undefined ? { file, bundle } : { reason: `${BUNDLE} is stale: ${stale}` };
}

/**
 * Runs the bundle as CommonJS and returns its exports, compiled with V8's code cache of an earlier
 * run when there is one: compiling the bundle's functions is the larger part of loading it. The
 * cache (`<bundle>.v8cache`) starts with the digest of the code it was made from: V8 itself checks
 * only its own version, its flags and the length of the source. Written, once the process exits,
 * when missing, made from other code, or refused by V8 (another Node), so that it also holds the
 * functions this run compiled lazily; written to a temporary file and renamed, and not at all
 * where dist/ is read-only. A run that changes V8's flags (the SQL parser's, in
 * src/migrations/splitter.ts) writes a cache that the next run refuses and replaces.
 * @param {string} file
 * @param {Bundle} bundle
 * @returns {any}
 */
function runBundle(file, bundle) {
  const cacheFile = `${file}.v8cache`;
  const header = `${bundle.manifest.code}\n`;
  let cached;
  try {
    const bytes = readFileSync(cacheFile);
    if (bytes.subarray(0, header.length).toString("latin1") === header) {
      cached = bytes.subarray(header.length);
    }
  } catch {}
  // Node's own CommonJS wrapper, on the manifest's line: the bundle's lines keep their numbers.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) { ${bundle.text}\n});`,
    { filename: file, ...(cached ? { cachedData: cached } : {}) },
  );
  if (cached === undefined || script.cachedDataRejected === true) {
    process.once("exit", () => {
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, Buffer.concat([Buffer.from(header), script.createCachedData()]));
        renameSync(temporary, cacheFile);
      } catch {
        try {
          unlinkSync(temporary);
        } catch {}
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

module.exports = {
  BUNDLE,
  MANIFEST_MARK,
  MANIFEST_VERSION,
  digest,
  listingDigest,
  manifestLine,
  readBundle,
  staleness,
  freshBundle,
  runBundle,
};
