import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalPostgres.ts"],
    // Real PostgreSQL and child processes: generous per-test budget, never a speed assertion.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only thrash.
    maxWorkers: 2,
    // CI also writes a JSON report so .ci/run can print the plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: "test-results.json" }]]
      : ["default"],
  },
});
