/**
 * The fake refuses what flyctl refuses, for every command it knows, in flyctl's words: an
 * unknown flag and a wrong argument count (cobra and pflag), and each input the command would
 * prompt for without a terminal (prompts.cjs), all before it changes anything.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as f from "../../src/fly/flags";
import { PG_CREATE_GUESTS } from "../../src/fly/vmSizes";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import {
  type Condition,
  check,
  FAKE_COMMANDS,
  PROMPTS,
  TABLE,
  TEXTS,
} from "../support/fakeFly/tables";

let fake: FakeFly;
let ids: { machine: string; volume: string; cluster: string };
// Nothing from the environment may stand in for a flag.
const NO_DEFAULTS = {
  FLY_ORG: undefined,
  FLY_ORGANIZATION: undefined,
  FLY_REGION: undefined,
  FLY_APP: undefined,
};

function fly(argv: string[], stdin = "") {
  const r = spawnSync("fly", argv, { env: fake.env(NO_DEFAULTS), input: stdin, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  fake = createFakeFly();
  const ok = (argv: string[]) => expect(fly(argv).code, argv.join(" ")).toBe(0);
  ok(
    f.postgresCreateArgs({
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      guest: PG_CREATE_GUESTS["shared-cpu-1x"],
      volumeSizeGb: 10,
      initialClusterSize: 1,
    }),
  );
  ok(f.appsCreateArgs("gaia-web-dev", "aeonia-dev"));
  ok(f.volumeCreateArgs({ app: "gaia-web-dev", name: "gaia_certs", region: "lax", sizeGb: 1 }));
  ok(
    f.redisCreateArgs({
      name: "gaia-redis-dev",
      org: "aeonia-dev",
      region: "lax",
      replicaRegions: [],
      eviction: "enabled",
      autoUpgrade: false,
    }),
  );
  ok(
    f.mpgCreateArgs({
      name: "gaia-mpg-dev",
      org: "aeonia-dev",
      region: "lax",
      plan: "basic",
      volumeSizeGb: 10,
      majorVersion: 16,
    }),
  );
  const s = fake.state();
  ids = {
    machine: s.apps["gaia-db-dev"].machines[0].id,
    volume: s.volumes.find((v: { app: string }) => v.app === "gaia-web-dev").id,
    cluster: s.mpg[0].id,
  };
});
afterAll(() => fake.remove());

/** An argv each command accepts in the state above; the refusals take something away from it. */
const complete = (): Record<string, string[]> => ({
  version: ["version", "--json"],
  status: f.statusArgs("gaia-db-dev"),
  "apps create": f.appsCreateArgs("gaia-new-dev", "aeonia-dev"),
  "apps list": ["apps", "list", "--json"],
  "apps destroy": f.appsDestroyArgs("gaia-web-dev"),
  "postgres create": f.postgresCreateArgs({
    name: "gaia-db-2",
    org: "aeonia-dev",
    region: "lax",
    guest: PG_CREATE_GUESTS["shared-cpu-2x"],
    volumeSizeGb: 10,
    initialClusterSize: 1,
  }),
  "postgres list": ["postgres", "list", "--json"],
  "mpg create": f.mpgCreateArgs({
    name: "gaia-mpg-2",
    org: "aeonia-dev",
    region: "lax",
    plan: "basic",
    volumeSizeGb: 10,
    majorVersion: 16,
  }),
  "mpg list": f.mpgListArgs("aeonia-dev"),
  "mpg status": f.mpgStatusArgs(ids.cluster),
  "mpg destroy": f.mpgDestroyArgs(ids.cluster),
  "mpg proxy": f.mpgProxyArgs(ids.cluster),
  "mpg databases list": f.mpgDatabasesListArgs(ids.cluster),
  "mpg databases create": f.mpgDatabasesCreateArgs(ids.cluster, "llm_platform"),
  "volumes create": f.volumeCreateArgs({
    app: "gaia-web-dev",
    name: "fresh",
    region: "lax",
    sizeGb: 1,
  }),
  "volumes list": f.volumesListArgs("gaia-web-dev"),
  "volumes extend": f.volumeExtendArgs("gaia-web-dev", ids.volume, 2),
  "volumes destroy": f.volumeDestroyArgs("gaia-web-dev", ids.volume),
  "volumes snapshots create": f.snapshotCreateArgs("gaia-web-dev", ids.volume),
  "volumes snapshots list": f.snapshotListArgs("gaia-web-dev", ids.volume),
  // A fixed-price plan, so that the auto-upgrade question is reached.
  "redis create": f.redisCreateArgs({
    name: "gaia-redis-2",
    org: "aeonia-dev",
    region: "lax",
    replicaRegions: [],
    eviction: "enabled",
    plan: "Fixed 250MB",
    autoUpgrade: false,
  }),
  "redis list": f.redisListArgs("aeonia-dev"),
  "redis status": f.redisStatusArgs("gaia-redis-dev"),
  "redis destroy": f.redisDestroyArgs("gaia-redis-dev"),
  "secrets import": f.secretsImportArgs("gaia-web-dev"),
  "secrets list": ["secrets", "list", "-a", "gaia-web-dev", "--json"],
  "secrets unset": f.secretsUnsetArgs("gaia-web-dev", ["A"]),
  "machine list": ["machine", "list", "-a", "gaia-db-dev", "--json"],
  "machine restart": f.machineRestartArgs("gaia-db-dev", ids.machine),
  // A size change, so that the confirmation is reached.
  "machine update": f.machineUpdateGuestArgs(
    "gaia-db-dev",
    ids.machine,
    PG_CREATE_GUESTS["shared-cpu-2x"],
  ),
  proxy: f.proxyArgs("gaia-db-dev"),
});

/** The argv with what satisfies the conditions taken out: the flag and its value, or the argument. */
function without(path: string, argv: string[], conds: Condition[]): string[] {
  const flags = TABLE.commands[path]!.flags;
  let out = [...argv];
  const positional = () => {
    const idx: number[] = [];
    const words = path.split(" ").length;
    for (let i = words; i < out.length; i++) {
      const a = out[i]!;
      if (a.startsWith("-")) {
        const name = a.replace(/^-+/, "").split("=")[0]!;
        const spec = flags[name] ?? Object.values(flags).find((s) => s.short === name);
        if (!a.includes("=") && spec && spec.type !== "bool") i++;
      } else idx.push(i);
    }
    return idx;
  };
  for (const c of conds) {
    if ("arg" in c) {
      const at = positional()[c.arg];
      if (at !== undefined) out.splice(at, 1);
    } else if ("flag" in c || "given" in c) {
      const name = "flag" in c ? c.flag : c.given;
      const spec = flags[name];
      out = out.flatMap((a, i) => {
        const prev = out[i - 1];
        if (
          a === `--${name}` ||
          a.startsWith(`--${name}=`) ||
          (spec?.short && a === `-${spec.short}`)
        )
          return [];
        if (
          spec &&
          spec.type !== "bool" &&
          (prev === `--${name}` || (spec.short && prev === `-${spec.short}`))
        )
          return [];
        return [a];
      });
    } else if ("above" in c) {
      out = out.filter((a, i) => a !== `--${c.above[0]}` && out[i - 1] !== `--${c.above[0]}`);
    }
  }
  return out;
}

describe.each(FAKE_COMMANDS)("%s", (path) => {
  const stateText = () => readFileSync(join(fake.stateDir, "state.json"), "utf8");

  it("refuses an unknown flag as pflag does, printing the usage on stdout", () => {
    const state = stateText();
    const r = fly([...complete()[path]!, "--no-such-flag"]);
    expect(r).toMatchObject({ code: 1, stderr: "Error: unknown flag: --no-such-flag\n" });
    expect(r.stdout).toMatch(new RegExp(`^Usage:\\n {2}flyctl ${path}`));
    expect(stateText()).toBe(state);
  });

  const rule = TABLE.commands[path]!.args;
  // Only commands with a rule (cobra's default takes any arguments).
  if (rule !== null && rule.kind !== "arbitrary")
    it(`refuses a wrong number of arguments as cobra does (${rule?.kind ?? "any"})`, () => {
      const state = stateText();
      const argv = complete()[path]!;
      const words = path.split(" ");
      // One more argument than allowed, or one fewer than needed.
      const tooMany =
        rule!.kind === "max" ||
        rule!.kind === "exact" ||
        rule!.kind === "none" ||
        rule!.kind === "range";
      const n = argv
        .slice(words.length)
        .filter((a, i, all) => !a.startsWith("-") && !all[i - 1]?.match(/^-(-[\w-]+|\w)$/)).length;
      const bad = tooMany
        ? [...words, "extra1", "extra2", "extra3", ...argv.slice(words.length)]
        : words;
      const r = fly(bad);
      const got = tooMany ? n + 3 : 0;
      const expected = {
        none: `unknown command "extra1" for "flyctl ${path}"`,
        exact: `accepts ${rule!.n} arg(s), received ${got}`,
        max: `accepts at most ${rule!.n} arg(s), received ${got}`,
        min: `requires at least ${rule!.n} arg(s), only received ${got}`,
        range: `accepts between ${rule!.min} and ${rule!.max} arg(s), received ${got}`,
      }[rule!.kind as "none"];
      expect(r).toMatchObject({ code: 1, stderr: `Error: ${expected}\n` });
      expect(stateText()).toBe(state);
    });

  const prompts = PROMPTS[path] ?? [];
  if (prompts.length > 0)
    it.each(prompts.map((p) => [p.id, p] as const))(
      "without what it asks for (%s) it fails with flyctl's non-interactive text",
      (_id, p) => {
        const state = stateText();
        const argv = without(path, complete()[path]!, p.anyOf);
        const r = fly(argv, "A=b\n");
        expect(r.code).toBe(1);
        expect(r.stderr.endsWith(`Error: ${TEXTS[p.error]!.text}\n`)).toBe(true);
        expect(stateText()).toBe(state);
      },
    );

  it("takes the complete argv as it is (so each refusal above comes from what was taken away)", () => {
    expect(check(complete()[path]!)).toEqual({ ok: true, path });
  });
});
