import { describe, expect, it } from "vitest";
import { emailEnvironmentTag, isForeignTestUser } from "../../src/operations/emailTags";
import { parseEnvironment } from "../../src/shared/vocabulary";
import { EMAIL_ENVIRONMENT_CASES } from "../support/emailEnvironmentCases";

describe("emailEnvironmentTag", () => {
  it.each(EMAIL_ENVIRONMENT_CASES)("%j → %s", (email, environment) => {
    expect(emailEnvironmentTag(email)).toBe(environment);
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
