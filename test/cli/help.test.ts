/** `gaia-db help <command>`: the same help as `<command> --help`; an unknown one is a usage error. */
import { describe, expect, it } from "vitest";
import { helpOf } from "../../src/cli/program";
import { runInProcess } from "../support/inProcess";

async function run(argv: string[]) {
  const r = await runInProcess(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe("gaia-db help", () => {
  it.each([[["verify", "all"]], [["verify"]], [["view"]], [["cleanup-test-users"]]])(
    "help %j prints that command's help",
    async (path) => {
      expect(await run(["help", ...path])).toEqual({
        code: 0,
        out: `${helpOf(path)}\n`,
        err: "",
      });
      expect(helpOf(path)).toMatch(new RegExp(`^Usage: gaia-db ${path.join(" ")} `));
    },
  );

  it("help alone prints the global help", async () => {
    expect(await run(["help"])).toEqual({ code: 0, out: `${helpOf([])}\n`, err: "" });
  });

  it.each([[["bogus"]], [["verify", "bogus"]], [["view", "dev"]]])(
    "help %j is a usage error listing the commands",
    async (path) => {
      expect(await run(["help", ...path])).toEqual({
        code: 2,
        out: "",
        err: `gaia-db: help: no command "${path.join(" ")}": commands are migrate, plan, status, verify, baseline, repair, bind, view, cleanup-test-users, env, doctor, verify all, app-login, restore, restore-drill, review, schema; run gaia-db --help\n`,
      });
    },
  );
});

describe("view with -- before a query that starts with -", () => {
  it("the help says how, and a query after -- is not read as an option", async () => {
    expect(helpOf(["view"]).replace(/\s+/g, " ")).toContain("put -- before it, after the options");
    const result = await run([
      "view",
      "dev",
      "--database-url",
      "postgres://u@127.0.0.1:1/db",
      "--timeout",
      "1s",
      "--",
      "-- note\nSELECT 1",
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^gaia-db: cannot connect to 127\.0\.0\.1:1\/db as u: /);
  });
});
