import { describe, expect, it } from "vitest";
import { renderConfigReference } from "../../src/config/reference";
import { CONFIG_KEYS, configSchema, OBJECT_KEYS } from "../../src/config/schema";
import { projectDefaults } from "./stackFiles";

// docs/configuration.md holds this rendering; test/docs/docs.test.ts keeps it current.
describe("config reference", () => {
  const reference = renderConfigReference(projectDefaults());

  it("has one table per key and one row per field", () => {
    for (const key of CONFIG_KEYS) expect(reference).toContain(`#### \`gaia:${key}\``);
    for (const key of OBJECT_KEYS) {
      for (const field of Object.keys(configSchema.shape[key].shape)) {
        expect(reference).toContain(`| \`${field}\` |`);
      }
    }
  });

  it("shows the per-environment defaults, Pulumi.yaml's included", () => {
    expect(reference).toContain(
      "| `volumeSizeGb` | a whole number from 1 to 500 (managed: at least 10) | `10` | `10` | `10` | `10` |",
    );
    expect(reference).toContain(
      "| `enforce` | true \\| false | `false` | `false` | `false` | `true` |",
    );
    expect(reference).toContain(
      "| (value) | a Supabase project ref (20 lowercase letters) | `lbaohvnusingoztdzlmj` |",
    );
    expect(reference).toContain("pulumi config set --secret gaia:postgresPassword -s production");
  });

  it("never puts a secret's value on a command line: pulumi prompts for it or reads stdin", () => {
    const commands = reference
      .split("\n")
      .filter((l) => l.startsWith("pulumi config set --secret"));
    expect(commands).toHaveLength(9);
    for (const command of commands) {
      expect(command).toMatch(/^pulumi config set --secret gaia:\w+ -s (dev|staging|production)$/);
    }
    expect(reference).toContain(
      "`pulumi config set --secret <key>` with no value prompts for it without echo",
    );
  });
});
