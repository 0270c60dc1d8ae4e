/**
 * The two reviews docs/ shows, rebuilt from this repository's migrations on the test run's
 * PostgreSQL 15 and compared with the committed files (vitest -u rewrites them after a migration
 * changes; then npm run docs refreshes the diagram in docs/schema.md):
 * - docs/examples/schema-review.md: the pull request that turns on the RBAC and Experience modules
 *   in every stack file, reviewed against main, where the stacks run core and vector;
 * - test/fixtures/schema/llm_platform.mmd: the Mermaid diagram of the whole schema
 *   (`gaia-db schema --mermaid`; the modules the server can build);
 * - docs/examples/schema-review-measured.md: core 0002-0010 reviewed with --measure against a base
 *   where core is 0001 alone, on 10,000 generated rows per table. Durations differ on every run:
 *   the file is compared with every duration masked, and vitest -u rewrites it whole.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildSchema, unbuildableModules } from "../../src/review/build";
import { DEFAULT_ROWS, DEFAULT_SEED } from "../../src/review/measureOptions";
import { erDiagram } from "../../src/review/mermaid";
import { renderMarkdown } from "../../src/review/render";
import { review } from "../../src/review/review";
import { MODULES } from "../../src/shared/vocabulary";
import { adminUrl } from "../support/postgres";
import { fixtureRepo, removeFixtures, replayedSquawk, stackFile } from "./fixture";

afterAll(removeFixtures);

const ROOT = join(__dirname, "..", "..");
const NEW_FILES = [
  "migrations/rbac/0001_rbac_tables.sql",
  "migrations/rbac/0002_rbac_seed.sql",
  "migrations/experience/0001_player_progress.sql",
];
const RECORDED_CHECKSUMS = {
  "migrations/rbac/0001_rbac_tables.sql":
    "aeab25da0861882ac6397c14c89bc1aa2a9bcc891cfdb38d05520fad0e7c6351",
  "migrations/rbac/0002_rbac_seed.sql":
    "3c5584c77496cc595a57dd4b1d3dc58e01dadde4540087b73fba1e1e436b280d",
  "migrations/experience/0001_player_progress.sql":
    "76c47c70f802c3430b3affa4455696c52955632b20e53213d79e66982ce8bbdb",
};

/** This repository's migrations and stack files, as they are. */
function project(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const module of MODULES) {
    for (const name of readdirSync(join(ROOT, "migrations", module))) {
      files[`migrations/${module}/${name}`] = readFileSync(
        join(ROOT, "migrations", module, name),
        "utf8",
      );
    }
  }
  for (const name of readdirSync(ROOT).filter((n) => /^Pulumi\..*yaml$/.test(n))) {
    files[name] = readFileSync(join(ROOT, name), "utf8");
  }
  return files;
}

describe("the examples in docs/", () => {
  it("docs/examples/schema-review.md: RBAC and Experience reviewed against core", async () => {
    const stacks = ["dev", "local", "production", "staging"];
    const repo = fixtureRepo(
      project(),
      Object.fromEntries(
        stacks.map((s) => [
          `Pulumi.${s}.yaml`,
          stackFile(s, ["core", "vector", "rbac", "experience"]),
        ]),
      ),
    );
    const result = await review({
      repo,
      base: "main",
      serverUrl: adminUrl(),
      squawk: [
        replayedSquawk(
          join(ROOT, "test/fixtures/review/squawk-2.66.0-rbac-experience.out"),
          ["--pg-version=15.0", "--reporter", "json", "--assume-in-transaction", ...NEW_FILES],
          RECORDED_CHECKSUMS,
        ),
      ],
    });
    expect(result.newFiles).toEqual(NEW_FILES);
    await expect(renderMarkdown(result)).toMatchFileSnapshot(
      "../../docs/examples/schema-review.md",
    );
  });

  it("docs/examples/schema-review-measured.md: core 0002-0010 measured on filled tables", {
    timeout: 300_000,
  }, async () => {
    const later = /^migrations\/core\/00(0[2-9]|10)_/;
    const files = project();
    const repo = fixtureRepo(
      Object.fromEntries(Object.entries(files).filter(([path]) => !later.test(path))),
      Object.fromEntries(Object.entries(files).filter(([path]) => later.test(path))),
    );
    const result = await review({
      repo,
      base: "main",
      serverUrl: adminUrl(),
      squawk: null,
      measure: { rows: DEFAULT_ROWS, seed: DEFAULT_SEED },
    });
    const fresh = renderMarkdown(result);
    const path = join(ROOT, "docs/examples/schema-review-measured.md");
    if (expect.getState().snapshotState.snapshotUpdateState === "all") writeFileSync(path, fresh);
    const masked = (text: string) => text.replace(/\b\d+(\.\d)? (ms|s)\b/g, "<t>");
    expect(masked(readFileSync(path, "utf8"))).toBe(masked(fresh));
  });

  it("test/fixtures/schema/llm_platform.mmd: the whole schema the test server builds", async () => {
    const skipped = new Set((await unbuildableModules(adminUrl(), MODULES)).map((s) => s.module));
    const catalog = await buildSchema(adminUrl(), {
      environment: "local",
      migrationsDir: join(ROOT, "migrations"),
      modules: MODULES.filter((m) => !skipped.has(m)),
    });
    await expect(`${erDiagram(catalog)}\n`).toMatchFileSnapshot(
      "../fixtures/schema/llm_platform.mmd",
    );
  });
});
