/**
 * The test engine itself: each rule it takes from the Pulumi engine and the command provider
 * (see the header of commandEngine.ts for the sources) has a test here.
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { afterEach, describe, expect, it } from "vitest";
import { CommandEngine, UNKNOWN } from "./commandEngine";
import { effectiveTimeoutSeconds, goQuote, parseDuration } from "./engine/provider";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "gaia-engine-")));
  dirs.push(dir);
  const engine = new CommandEngine({
    cwd: dir,
    env: () => ({ PATH: process.env.PATH ?? "" }),
    stateFor: (type) =>
      type === "random:index/randomPassword:RandomPassword"
        ? { result: "random-result-value" }
        : {},
  });
  const read = (file: string) =>
    existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : undefined;
  const lines = (file: string) => (read(file) ?? "").split("\n").filter(Boolean);
  return { dir, engine, read, lines };
}

const resultOf = (cmd: local.Command) => cmd.stdout.apply((s) => JSON.parse(s).v as number);

describe("preview", () => {
  it("runs nothing, keeps unchanged resources' stored stdout known, and makes changed and new ones unknown", async () => {
    const { engine, read, lines } = project();
    const program = (b: string, withC: boolean) => () => {
      const a = new local.Command("a", { create: `echo '{"v":1}'; echo a >> ran` });
      const bCmd = new local.Command("b", {
        create: `echo '{"v":2}'; echo b >> ran`,
        environment: { B: b },
      });
      const c = withC
        ? new local.Command("c", { create: `echo '{"v":3}'; echo c >> ran` })
        : undefined;
      return { a: resultOf(a), b: resultOf(bCmd), ...(c ? { c: resultOf(c) } : {}) };
    };
    const first = await engine.run("dev", program("1", false), { preview: true });
    expect(first.error).toBeUndefined();
    expect(first.ops.map((o) => [o.name, o.op]).sort()).toEqual([
      ["a", "create"],
      ["b", "create"],
    ]);
    expect(first.outputs).toEqual({ a: UNKNOWN, b: UNKNOWN });
    expect(read("ran")).toBeUndefined();

    expect((await engine.run("dev", program("1", false))).outputs).toEqual({ a: 1, b: 2 });
    const changed = await engine.run("dev", program("2", true), { preview: true });
    expect(changed.error).toBeUndefined();
    expect(changed.ops.map((o) => [o.name, o.op]).sort()).toEqual([
      ["a", "none"],
      ["b", "update"],
      ["c", "create"],
    ]);
    // The stored stdout of `a` is parsed during the preview.
    expect(changed.outputs).toEqual({ a: 1, b: UNKNOWN, c: UNKNOWN });
    // Only the up ran anything; a and b are independent, so they ran in either order.
    expect(lines("ran").sort()).toEqual(["a", "b"]);
  });
});

describe("failure", () => {
  it("starts no new step after the first failure; steps already running finish and are recorded", async () => {
    const { engine, read } = project();
    const r = await engine.run("dev", () => {
      new local.Command("fails", { create: "echo out; echo err >&2; exit 3" });
      const slow = new local.Command("slow", { create: "sleep 1; echo slow >> ran" });
      new local.Command("after-slow", { create: "echo after >> ran" }, { dependsOn: [slow] });
      return {};
    });
    expect(r.error?.message).toBe(
      'exit status 3: running "echo out; echo err >&2; exit 3":\nout\nerr\n',
    );
    expect(read("ran")).toBe("slow\n");
    expect([...engine.saved.keys()]).toEqual(["slow"]);
    expect(r.ops.map((o) => [o.name, o.ok])).toEqual([
      ["fails", false],
      ["slow", true],
    ]);
  });
});

describe("deletes", () => {
  const chain = (a: string) => () => {
    const ca = new local.Command("a", {
      create: "true",
      delete: "echo a >> deleted",
      environment: { A: a },
    });
    const cb = new local.Command(
      "b",
      { create: "true", delete: "echo b >> deleted" },
      { dependsOn: [ca] },
    );
    new local.Command("c", { create: "true", delete: "echo c >> deleted" }, { dependsOn: [cb] });
    return {};
  };

  it("run in reverse dependency order, whatever was written last", async () => {
    const { engine, lines } = project();
    expect((await engine.run("dev", chain("1"))).error).toBeUndefined();
    expect((await engine.run("dev", chain("2"))).ops.map((o) => o.op)).toEqual([
      "update",
      "none",
      "none",
    ]);
    const d = await engine.destroy();
    expect(d.error).toBeUndefined();
    expect(lines("deleted")).toEqual(["c", "b", "a"]);
    expect(engine.state.size).toBe(0);
  });

  it("protect makes destroy fail before any delete runs", async () => {
    const { engine, read } = project();
    const up = await engine.run("production", () => {
      const keep = new local.Command(
        "keep",
        { create: "true", delete: "echo keep >> deleted" },
        { protect: true },
      );
      new local.Command(
        "other",
        { create: "true", delete: "echo other >> deleted" },
        { dependsOn: [keep] },
      );
      return {};
    });
    expect(up.error).toBeUndefined();
    const d = await engine.destroy();
    expect(d.error?.message).toBe(
      "resource \"urn:pulumi:production::gaia::command:local:Command::keep\" cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the command:\n`pulumi state unprotect 'urn:pulumi:production::gaia::command:local:Command::keep'`",
    );
    expect(read("deleted")).toBeUndefined();
    expect(engine.state.size).toBe(2);
  });

  it("retainOnDelete drops the resource from state without running its delete", async () => {
    const { engine, read } = project();
    await engine.run("dev", () => {
      new local.Command(
        "kept",
        { create: "true", delete: "echo kept >> deleted" },
        { retainOnDelete: true },
      );
      return {};
    });
    const up = await engine.run("dev", () => ({}));
    expect(up.error).toBeUndefined();
    expect(up.ops).toEqual([{ name: "kept", op: "delete", ok: true, retained: true }]);
    expect(read("deleted")).toBeUndefined();
    expect(engine.state.size).toBe(0);
  });

  it("a replaced resource's old side is deleted at the end of the deployment", async () => {
    const { engine, lines } = project();
    const program = (t: string) => () => {
      const r = new local.Command("r", {
        create: `echo create r ${t} >> log`,
        delete: `echo delete r $T >> log`,
        environment: { T: t },
        triggers: [t],
      });
      new local.Command(
        "s",
        { create: `echo create s ${t} >> log`, environment: { T: t } },
        { dependsOn: [r] },
      );
      return {};
    };
    await engine.run("dev", program("1"));
    const up = await engine.run("dev", program("2"));
    expect(up.error).toBeUndefined();
    expect(up.ops.map((o) => [o.name, o.op])).toEqual([
      ["r", "replace"],
      ["s", "update"],
      ["r", "delete"],
    ]);
    expect(lines("log")).toEqual([
      "create r 1",
      "create s 1",
      "create r 2",
      "create s 2",
      "delete r 1",
    ]);
  });
});

describe("updates", () => {
  it("only triggers replace; any other change runs update, else create, with the previous output only when there was some", async () => {
    const { engine, lines } = project();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion.
    const show = 'echo "${PULUMI_COMMAND_STDOUT-unset}|${PULUMI_COMMAND_STDERR-unset}" >> env-$N';
    const program =
      (v: string, trigger = "t") =>
      () => {
        new local.Command("no-update", { create: show, environment: { N: "1", V: v } });
        new local.Command("with-update", {
          create: "echo o; echo e >&2",
          update: show,
          environment: { N: "2", V: v },
          triggers: [trigger],
        });
        return {};
      };
    expect((await engine.run("dev", program("1"))).error).toBeUndefined();
    const up = await engine.run("dev", program("2"));
    expect(up.ops.map((o) => [o.name, o.op, o.ok]).sort()).toEqual([
      ["no-update", "update", true],
      ["with-update", "update", true],
    ]);
    // no-update ran its create twice; its previous output was empty, so the variables are unset.
    expect(lines("env-1")).toEqual(["unset|unset", "unset|unset"]);
    expect(lines("env-2")).toEqual(["o|e"]);
    const replaced = await engine.run("dev", program("2", "u"));
    // The old side's delete (it has no delete command) comes last, in the delete phase.
    expect(replaced.ops.at(-1)).toEqual({ name: "with-update", op: "delete", ok: true });
    expect(replaced.ops.map((o) => [o.name, o.op, o.ok]).sort()).toEqual([
      ["no-update", "none", true],
      ["with-update", "delete", true],
      ["with-update", "replace", true],
    ]);
    expect(lines("env-2")).toEqual(["o|e"]);
  });
});

describe("secrets", () => {
  it("follow additionalSecretOutputs; a secret stdin does not make stdout secret", async () => {
    const { engine } = project();
    const r = await engine.run("dev", () => {
      const marked = new local.Command(
        "marked",
        { create: "echo marked-$((40 + 2))", logging: "none" },
        { additionalSecretOutputs: ["stdout"] },
      );
      const fed = new local.Command("fed", {
        create: "cat",
        stdin: pulumi.secret("stdin-value"),
        logging: "none",
      });
      // The SDK declares additionalSecretOutputs for a random password's result.
      new random.RandomPassword("password", { length: 8 });
      return { marked: marked.stdout, fed: fed.stdout, stdin: fed.stdin };
    });
    expect(r.outputs).toEqual({
      marked: "marked-42",
      fed: "stdin-value",
      stdin: "stdin-value",
    });
    expect(r.secretOutputs.sort()).toEqual(["marked", "stdin"]);
    const state = engine.stateText();
    expect(state).not.toContain("marked-42");
    expect(state).not.toContain("random-result-value");
    // The echo of a secret stdin is plain in state.
    expect(state).toContain('"stdout":"stdin-value"');
    expect(engine.saved.get("fed")!.secretInputs).toEqual(["stdin"]);
  });

  it("streams stdout and stderr as `logging` says, and always puts both into the failure text", async () => {
    const { engine } = project();
    const r = await engine.run("dev", () => {
      new local.Command("streamed", { create: "echo visible; echo warn >&2" });
      new local.Command("quiet", {
        create: "echo hidden; echo hidden-err >&2; exit 2",
        logging: "none",
      });
      return {};
    });
    expect(r.logged).toEqual([
      { name: "streamed", line: "visible" },
      { name: "streamed", line: "warn" },
    ]);
    expect(r.error?.message).toBe(
      'exit status 2: running "echo hidden; echo hidden-err >&2; exit 2":\nhidden\nhidden-err\n',
    );
  });
});

describe("customTimeouts", () => {
  it("kill /bin/sh alone, and the operation ends only when every holder of its pipes has closed them", async () => {
    const { engine, read } = project();
    // dash forks for the inner sh (it is not the last command), which keeps stdout open.
    const command = "sh -c 'echo $$ > inner-pid; sleep 3; echo done > inner-done'; echo never";
    const r = await engine.run("dev", () => {
      new local.Command("slow", { create: command }, { customTimeouts: { create: "1s" } });
      return {};
    });
    expect(r.error?.message).toBe(`signal: killed: running ${goQuote(command)}:\n`);
    const op = r.ops[0]!;
    expect(op.timedOut).toBe(true);
    expect(Number(read("inner-pid"))).not.toBe(op.pid);
    // The inner shell outlived the kill, and the engine waited for it.
    expect(read("inner-done")).toBe("done\n");
    expect(engine.state.size).toBe(0);
  });

  it.each([
    ["30m", 1800],
    ["1h30m", 5400],
    ["90s", 90],
    ["1.5s", 1],
    ["500ms", 0],
    ["", 0],
  ])("customTimeout %j is a %i s deadline (0: none)", (value, seconds) => {
    expect(effectiveTimeoutSeconds(value)).toBe(seconds);
  });

  it("rejects what Go's time.ParseDuration rejects", () => {
    expect(() => parseDuration("30")).toThrow("unable to parse customTimeout Value 30");
    expect(() => parseDuration("5 min")).toThrow("unable to parse customTimeout Value 5 min");
  });
});

describe("working directory", () => {
  it("is the project directory, for the program and for the commands", async () => {
    const { engine, dir } = project();
    const r = await engine.run("dev", () => {
      const pwd = new local.Command("pwd", { create: "pwd" });
      return { program: process.cwd(), command: pwd.stdout };
    });
    expect(r.outputs).toEqual({ program: dir, command: dir });
    expect(process.cwd()).not.toBe(dir);
  });
});
