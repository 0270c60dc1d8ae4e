import { describe, expect, it } from "vitest";
import {
  type Child,
  childEnvironment,
  passes,
  restrictEnvironment,
} from "../../src/process/environment";

describe("the explicit environment of flyctl and gaia-db", () => {
  it.each<[string, boolean, boolean]>([
    // name, reaches flyctl, reaches gaia-db
    ["PATH", true, true],
    ["HOME", true, true],
    ["USER", true, true],
    ["TMPDIR", true, true],
    ["TZ", true, true],
    ["LANG", true, true],
    ["LC_ALL", true, true],
    ["HTTPS_PROXY", true, true],
    ["https_proxy", true, true],
    ["NO_PROXY", true, true],
    ["SSL_CERT_FILE", true, true],
    ["SSL_CERT_DIR", true, true],
    ["FLY_API_TOKEN", true, true],
    ["FLY_ACCESS_TOKEN", true, true],
    ["FLY_CONFIG_DIR", true, true],
    ["FLYCTL_INSTALL", true, true],
    ["LOG_LEVEL", true, true],
    ["GAIA_TIMEOUT_SECONDS", false, true],
    ["GAIA_FLYCTL", false, true],
    ["SUPABASE_PROJECT_REF", false, true],
    // Never: the state backend's keys, Pulumi's secrets, a database URL.
    ["DATABASE_URL", false, false],
    ["PULUMI_CONFIG_PASSPHRASE", false, false],
    ["PULUMI_CONFIG_PASSPHRASE_FILE", false, false],
    ["PULUMI_ACCESS_TOKEN", false, false],
    ["PULUMI_BACKEND_URL", false, false],
    ["AWS_ACCESS_KEY_ID", false, false],
    ["AWS_SECRET_ACCESS_KEY", false, false],
    ["AWS_SESSION_TOKEN", false, false],
    ["AZURE_STORAGE_KEY", false, false],
    ["AZURE_CLIENT_SECRET", false, false],
    ["GOOGLE_CREDENTIALS", false, false],
    ["GOOGLE_APPLICATION_CREDENTIALS", false, false],
    ["PGPASSWORD", false, false],
    ["PULUMI_COMMAND_STDOUT", false, false],
    ["NODE_OPTIONS", false, false],
    ["GITHUB_TOKEN", false, false],
  ])("%s: flyctl %s, gaia-db %s", (name, flyctl, gaiaDb) => {
    expect(passes("flyctl", name)).toBe(flyctl);
    expect(passes("gaia-db", name)).toBe(gaiaDb);
  });

  it("childEnvironment keeps exactly the passing variables, with their values", () => {
    const env = {
      PATH: "/usr/bin",
      HOME: "/home/op",
      FLY_API_TOKEN: "FlyV1 token",
      GAIA_TIMEOUT_SECONDS: "600",
      DATABASE_URL: "postgres://u:p@h/db",
      PULUMI_CONFIG_PASSPHRASE: "pass",
      AWS_SECRET_ACCESS_KEY: "aws",
      UNSET: undefined,
    };
    const expected: Record<Child, Record<string, string>> = {
      flyctl: { PATH: "/usr/bin", HOME: "/home/op", FLY_API_TOKEN: "FlyV1 token" },
      "gaia-db": {
        PATH: "/usr/bin",
        HOME: "/home/op",
        FLY_API_TOKEN: "FlyV1 token",
        GAIA_TIMEOUT_SECONDS: "600",
      },
    };
    expect(childEnvironment("flyctl", env)).toEqual(expected.flyctl);
    expect(childEnvironment("gaia-db", env)).toEqual(expected["gaia-db"]);
  });

  it("restrictEnvironment reduces an environment in place", () => {
    const env: NodeJS.ProcessEnv = { PATH: "/bin", DATABASE_URL: "x", GAIA_STACK: "dev" };
    restrictEnvironment("gaia-db", env);
    expect(env).toEqual({ PATH: "/bin", GAIA_STACK: "dev" });
  });
});
