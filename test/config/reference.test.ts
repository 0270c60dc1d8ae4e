import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  REFERENCE_END,
  REFERENCE_START,
  renderConfigReference,
  withReference,
} from "../../src/config/reference";
import { CONFIG_KEYS, configSchema, OBJECT_KEYS } from "../../src/config/schema";
import { projectDefaults } from "./stackFiles";

const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

describe("README config reference", () => {
  const reference = renderConfigReference(projectDefaults());

  it("is exactly what the schema renders (regenerate: npx tsx src/config/reference.ts)", () => {
    expect(withReference(readme, reference)).toBe(readme);
  });

  it("has one table per key and one row per field", () => {
    const block = readme.slice(readme.indexOf(REFERENCE_START), readme.indexOf(REFERENCE_END));
    for (const key of CONFIG_KEYS) expect(block).toContain(`#### \`gaia:${key}\``);
    for (const key of OBJECT_KEYS) {
      for (const field of Object.keys(configSchema.shape[key].shape)) {
        expect(block).toContain(`| \`${field}\` |`);
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
    expect(reference).toContain(
      "pulumi config set --secret gaia:postgresPassword <value> -s production",
    );
  });

  it("withReference refuses a README without the markers", () => {
    expect(() => withReference("# no markers\n", "x")).toThrow(
      `README.md lacks the markers ${REFERENCE_START} … ${REFERENCE_END}`,
    );
  });
});

describe("README quick start", () => {
  it("is exactly two commands, and the npm scripts exist", () => {
    const quickStart = readme.split("## Quick start")[1]!.split("```sh\n")[1]!.split("```")[0]!;
    const commands = quickStart
      .trim()
      .split("\n")
      .map((l) => l.split("#")[0]!.trim());
    expect(commands).toEqual(["npm run local:up", "npm test"]);
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
    expect(pkg.scripts["local:up"]).toBe("bash scripts/local-up.sh");
    expect(pkg.scripts["local:down"]).toBe("bash src/local/stack.sh down");
    expect(pkg.scripts["local:wipe"]).toBe("bash src/local/stack.sh wipe");
  });
});
