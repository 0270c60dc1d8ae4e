/**
 * index.ts for a Fly stack: valid config registers nothing yet; bad config ends the program with
 * every problem at once, as a RunError (which the language host prints without a stack trace).
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { FLY_SECRETS, rawConfig } from "../config/stackFiles";
import { installMocks } from "./mocks";

describe("index.ts on the dev stack", () => {
  it("with bad config reports every problem and registers nothing", async () => {
    const registered = await installMocks(
      "dev",
      {
        ...rawConfig("dev", FLY_SECRETS),
        "gaia:postgres": JSON.stringify({ volumeSizeGb: 0 }),
        "gaia:redisPasword": "x",
      },
      // postgresPassword was set without --secret.
      ["gaia:supabaseAnonKey", "gaia:supabaseJwtSecret"],
    );
    vi.resetModules();
    const error = await import("../../index.ts").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      [
        'Stack "dev" (Pulumi.dev.yaml) has 3 configuration problems; nothing was deployed.',
        '- gaia:redisPasword: received "x"; allowed: a known key (did you mean gaia:redisPassword?).',
        "  Fix: pulumi config rm gaia:redisPasword -s dev",
        "- gaia:postgresPassword: received a plain-text value (it was set without --secret); allowed: a secret set with --secret.",
        "  Fix: pulumi config set --secret gaia:postgresPassword <value> -s dev",
        "- gaia:postgres.volumeSizeGb: received 0; allowed: a whole number from 1 to 500 (managed: at least 10).",
        "  Fix: pulumi config set --path 'gaia:postgres.volumeSizeGb' 10 -s dev",
      ].join("\n"),
    );
    expect((error as Error).message).not.toContain("pg-secret-value");
    expect(registered).toEqual([]);
  });

  it("with valid config registers no resource yet", async () => {
    const registered = await installMocks(
      "dev",
      rawConfig("dev", FLY_SECRETS),
      Object.keys(FLY_SECRETS),
    );
    vi.resetModules();
    const program = await import("../../index.ts");
    await new Promise((r) => setTimeout(r, 100));
    expect(registered).toEqual([]);
    expect(program.environment).toBe("dev");
    expect(program.databaseUrl).toBeUndefined();
  });
});
