/**
 * A changed gaia:postgresPassword is never silently recorded while the cluster keeps the old one:
 * the database command, which logs in with it, refuses with the rotation procedure.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { FlyStacks } from "../support/flyStack";

const stacks = new FlyStacks();
afterEach(() => stacks.cleanup());
afterAll(() => stacks.dropDatabases());

describe("a changed gaia:postgresPassword on an unmanaged cluster", () => {
  it("is refused with the rotation procedure, and nothing is changed", async () => {
    const { fake, engine, program } = stacks.setup();
    const e = engine();
    const base = { stack: "dev", parts: ["postgres" as const] };
    expect((await e.run("dev", program(base))).error).toBeUndefined();

    fake.clearCalls();
    const changed = await e.run(
      "dev",
      program({ ...base, postgresPassword: "a-new-password-7f3k" }),
    );
    expect(changed.error?.message).toContain(
      "gaia fly database: refused, nothing was changed:\n  - stack dev, gaia:postgresPassword: the password in config does not log in to gaia-db-dev as postgres. The stack never changes a running cluster's password, so a changed value is not applied. Set gaia:postgresPassword back to the cluster's current password (pulumi config set --secret gaia:postgresPassword -s dev), or rotate the cluster's password first (docs/operations.md#rotate-the-postgres-password), then run pulumi up again.",
    );
    expect(changed.error?.message).not.toContain("a-new-password-7f3k");
    expect(fake.mutations()).toEqual([]);
    // The next up, with the password back, changes nothing either.
    expect((await e.run("dev", program(base))).error).toBeUndefined();
    expect(fake.mutations()).toEqual([]);
  }, 300_000);
});
