import { describe, expect, it } from "vitest";
import {
  emailEnvironmentTag,
  isForeignTestUser,
  parseEnvironment,
} from "../../src/operations/environments";

describe("emailEnvironmentTag", () => {
  it.each([
    ["jason+local@example.com", "local"],
    ["jason+dev@example.com", "dev"],
    ["Jason+STAGING@Example.com", "staging"],
    ["jason+production@example.com", "production"],
    ["jason@example.com", null],
    ["jason+news@example.com", null],
    ["jason+dev+2@example.com", null],
    ["jason+x+dev@example.com", "dev"],
    ["jason+@example.com", null],
    ["+dev@example.com", "dev"],
    ["not-an-address", null],
    ["jason@dev+x.example.com", null],
  ])("%s → %s", (email, tag) => {
    expect(emailEnvironmentTag(email)).toBe(tag);
  });
});

describe("isForeignTestUser", () => {
  const cases: [string, Record<string, boolean>][] = [
    ["a+local@x.io", { local: false, dev: true, staging: true, production: true }],
    ["a+dev@x.io", { local: true, dev: false, staging: true, production: true }],
    ["a+staging@x.io", { local: true, dev: true, staging: false, production: true }],
    ["a+production@x.io", { local: false, dev: false, staging: false, production: false }],
    ["a@x.io", { local: false, dev: false, staging: false, production: false }],
    ["a+news@x.io", { local: false, dev: false, staging: false, production: false }],
  ];
  it.each(cases)("%s", (email, expected) => {
    for (const [environment, foreign] of Object.entries(expected)) {
      expect([environment, isForeignTestUser(email, parseEnvironment(environment, "t"))]).toEqual([
        environment,
        foreign,
      ]);
    }
  });
});
