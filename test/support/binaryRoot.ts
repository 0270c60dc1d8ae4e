/**
 * A stand-in for the repository to run bin/gaia-db.js from, with a bundle in a chosen state, so
 * that tests and the benchmark run the binary both ways without touching the repository's own
 * dist/: every top-level entry of the repository is a symlink except bin/ (copied: node resolves
 * a symlinked script to its real folder, which would bring back the real dist/) and dist/.
 * - "fresh": a bundle built from the current sources (scripts/build.ts);
 * - "stale": that bundle with one digest of its manifest changed, as after an edit of
 *   src/cli/main.ts (bin/gaia-db.js must run the sources);
 * - "none": no dist/ at all.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BUNDLE, MANIFEST_MARK } from "../../bin/bundle.js";
import { buildBundle } from "../../scripts/build";

export type BundleState = "fresh" | "stale" | "none";

const REPO = resolve(__dirname, "..", "..");
const roots: string[] = [];

/** Removes every stand-in root made so far (the symlinks only, never what they point to). */
export function removeBinaryRoots(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** A fresh stand-in root; returns its path (bin/gaia-db.js under it is the binary to run). */
export async function binaryRoot(state: BundleState): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), `gaia-bin-${state}-`));
  roots.push(root);
  for (const entry of readdirSync(REPO)) {
    if (entry === "bin" || entry === "dist") continue;
    symlinkSync(join(REPO, entry), join(root, entry));
  }
  cpSync(join(REPO, "bin"), join(root, "bin"), { recursive: true });
  if (state === "none") return root;
  mkdirSync(join(root, "dist"));
  const file = join(root, BUNDLE);
  await buildBundle(REPO, file);
  if (state === "stale") {
    const text = readFileSync(file, "utf8");
    const edited = text.replace(
      /(\["src\/cli\/main\.ts",")([0-9a-f])/,
      (_, head: string, first: string) => `${head}${first === "0" ? "1" : "0"}`,
    );
    if (edited === text || !edited.startsWith(MANIFEST_MARK)) {
      throw new Error("binaryRoot: the bundle's manifest does not list src/cli/main.ts");
    }
    writeFileSync(file, edited);
  }
  return root;
}
