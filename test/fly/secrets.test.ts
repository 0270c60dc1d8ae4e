/**
 * No secret in a streamed log or a failure text: the provider streams stderr (`logging`) and puts
 * stdout and stderr into its failure text whatever `logging` says (commandOutputs.go:113), so a
 * Fly command masks what it writes, whatever flyctl printed.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { flyCommand } from "../../src/fly/command";
import { CommandEngine } from "../support/commandEngine";

const ROOT = resolve(__dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "gaia-fly-secrets-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PASSWORD = "cluster-password-1";

describe("a Fly command's output", () => {
  it("masks the stdin secrets and URL passwords flyctl prints, in the log and in the failure text", async () => {
    const flyctl = join(scratch, "fly");
    writeFileSync(
      flyctl,
      `#!/bin/sh\necho "Error: dial postgres://postgres:other-pw-2@gaia-db-dev.internal:5432/postgres: password ${PASSWORD} rejected" >&2\nexit 1\n`,
    );
    chmodSync(flyctl, 0o755);
    const engine = new CommandEngine({
      cwd: ROOT,
      env: () => ({
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        FLY_API_TOKEN: "FlyV1 t",
        GAIA_FLYCTL: flyctl,
      }),
    });
    const r = await engine.run("dev", () => {
      flyCommand(
        "postgres-cluster",
        {
          kind: "postgres",
          stack: "dev",
          environment: {
            POSTGRES_KIND: "unmanaged",
            APP_NAME: "gaia-db-dev",
            ORG: "aeonia-dev",
            REGION: "lax",
            VM_SIZE: "shared-cpu-1x",
            CLUSTER_SIZE: "1",
            ALLOW_RESTART: "false",
            VOLUME_SIZE_GB: "10",
          },
          secrets: pulumi.output({ password: pulumi.secret(PASSWORD) }),
          // Streamed, so the log is checked too.
          secretOutput: false,
        },
        {},
      );
      return {};
    });
    const failure =
      "gaia fly postgres: fly status -a gaia-db-dev --json failed (exit 1): Error: dial postgres://postgres:***@gaia-db-dev.internal:5432/postgres: password *** rejected";
    expect(r.error?.message).toBe(
      `exit status 1: running "exec node --import tsx src/fly/scripts/command.ts create":\n${failure}\n`,
    );
    expect(r.logged).toEqual([{ name: "postgres-cluster", line: failure }]);
    expect(JSON.stringify([r.error?.message, r.logged])).not.toMatch(/other-pw-2|cluster-password/);
  });
});
