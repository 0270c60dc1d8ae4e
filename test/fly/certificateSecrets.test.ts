/**
 * The certificate-secrets command handler (GAIA_RESOURCE_KIND=secrets) against the fake flyctl:
 * identical material is not staged twice on one app, and is staged on the app the config names
 * now when the service's app changes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandContext, Operation, ResultLine } from "../../src/fly/runtime/context";
import { Flyctl } from "../../src/fly/runtime/flyctl";
import { secretsCommand } from "../../src/fly/runtime/services";
import { createFakeFly, type FakeFly } from "../support/fakeFly";

let fake: FakeFly;
beforeEach(async () => {
  fake = createFakeFly();
  const fly = new Flyctl({ env: fake.env(), baseDelayMs: 1, log: () => {} });
  for (const app of ["gaia-gateway-dev", "gaia-gateway-dev-2"])
    await fly.mutate(["apps", "create", app, "--org", "aeonia-dev", "--json"]);
  fake.clearCalls();
});
afterEach(() => fake.remove());

const SECRETS = { GAIA_TLS_CERT_PEM_B64: "Q0VSVA==", GAIA_TLS_KEY_PEM_B64: "S0VZ" };

function ctx(op: Operation, app: string, previous?: ResultLine): CommandContext {
  return {
    op,
    env: {
      APP_NAME: app,
      SECRET_NAMES: Object.keys(SECRETS).join(","),
      ...(previous ? { PULUMI_COMMAND_STDOUT: `${JSON.stringify(previous)}\n` } : {}),
    },
    secrets: { secrets: SECRETS },
    fly: new Flyctl({ env: fake.env(), baseDelayMs: 1, log: () => {} }),
    log: () => {},
  };
}

const staged = (app: string) =>
  Object.fromEntries(
    Object.entries(fake.state().apps[app].secrets as Record<string, { value: string }>).map(
      ([k, v]) => [k, v.value],
    ),
  );

describe("the certificate secrets", () => {
  it("are not staged again on the same app when the material is unchanged", async () => {
    const first = await secretsCommand(ctx("create", "gaia-gateway-dev"));
    fake.clearCalls();
    const again = await secretsCommand(ctx("update", "gaia-gateway-dev", first));
    expect(again.staged).toBe(false);
    expect(fake.mutations()).toEqual([]);
  });

  it("are staged on the new app when the service's app is renamed, the material unchanged", async () => {
    const first = await secretsCommand(ctx("create", "gaia-gateway-dev"));
    const renamed = await secretsCommand(ctx("update", "gaia-gateway-dev-2", first));
    expect(renamed).toMatchObject({ app: "gaia-gateway-dev-2", staged: true });
    expect(staged("gaia-gateway-dev-2")).toEqual(SECRETS);
    // A later run on the new app has nothing to do.
    fake.clearCalls();
    const next = await secretsCommand(ctx("update", "gaia-gateway-dev-2", renamed));
    expect(next.staged).toBe(false);
    expect(fake.mutations()).toEqual([]);
  });
});
