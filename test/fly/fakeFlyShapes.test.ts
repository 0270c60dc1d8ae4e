/**
 * The fake's JSON output has the shape of the Go structs flyctl encodes (their fields read from
 * source into flyctl.json): every field that is not `omitempty` present, no key the struct does
 * not have, nested structs the same, and Go's encoding (four-space indent from render.JSON, a
 * map's keys sorted, `version --json` on one line).
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as f from "../../src/fly/flags";
import { PG_CREATE_GUESTS } from "../../src/fly/vmSizes";
import { createFakeFly, type FakeFly } from "../support/fakeFly";
import { TABLE } from "../support/fakeFly/tables";

let fake: FakeFly;
const fly = (argv: string[]) => {
  const r = spawnSync("fly", argv, { env: fake.env(), input: "A=b\n", encoding: "utf8" });
  expect(r.status, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
};

/** Where a value does not fit struct `name`: missing fields, unknown keys, nested misfits. */
function misfits(value: unknown, name: string, at = name): string[] {
  const s = TABLE.structs[name];
  if (!s) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return [`${at}: not an object`];
  const o = value as Record<string, unknown>;
  const fields = new Map(s.fields.map((x) => [x.key, x]));
  const out: string[] = [];
  for (const k of Object.keys(o))
    if (!fields.has(k)) out.push(`${at}.${k}: not a field of ${name} (${s.at})`);
  for (const [k, field] of fields) {
    if (!(k in o)) {
      if (!field.omitempty) out.push(`${at}.${k}: missing (${field.at})`);
      continue;
    }
    // The field's type as a struct of the table: *T, []T, []*T, in the owner's package.
    const bare = field.go.replace(/^(\*|\[\]\*?)/, "");
    const nested = bare.includes(".") ? bare : `${name.split(".")[0]}.${bare}`;
    const v = o[k];
    if (TABLE.structs[nested] && v !== null) {
      if (field.go.startsWith("[]")) {
        for (const [i, x] of (v as unknown[]).entries())
          out.push(...misfits(x, nested, `${at}.${k}[${i}]`));
      } else out.push(...misfits(v, nested, `${at}.${k}`));
    }
  }
  return out;
}

beforeAll(() => {
  fake = createFakeFly();
  fly(
    f.postgresCreateArgs({
      name: "gaia-db-dev",
      org: "aeonia-dev",
      region: "lax",
      guest: PG_CREATE_GUESTS["shared-cpu-1x"],
      volumeSizeGb: 10,
      initialClusterSize: 1,
    }),
  );
  fly(
    f.mpgCreateArgs({
      name: "gaia-mpg-dev",
      org: "aeonia-dev",
      region: "lax",
      plan: "basic",
      volumeSizeGb: 10,
      majorVersion: 16,
    }),
  );
  fly(f.appsCreateArgs("gaia-web-dev", "aeonia-dev"));
  fly(f.secretsImportArgs("gaia-web-dev"));
});
afterAll(() => fake.remove());

describe("JSON output is shaped by flyctl's Go structs", () => {
  const vol = () => fake.state().volumes[0].id as string;
  const cluster = () => fake.state().mpg[0].id as string;
  it.each([
    ["apps create", () => f.appsCreateArgs("gaia-api-dev", "aeonia-dev"), "fly.App", false],
    ["apps list", () => ["apps", "list", "--json"], "fly.App", true],
    ["postgres list", () => ["postgres", "list", "--json"], "fly.App", true],
    ["mpg list", () => f.mpgListArgs("aeonia-dev"), "mpgv1.ManagedCluster", true],
    ["mpg status", () => f.mpgStatusArgs(cluster()), "mpgv2.GetClusterResponse", false],
    ["mpg databases list", () => f.mpgDatabasesListArgs(cluster()), "mpgv2.Database", true],
    ["volumes list", () => f.volumesListArgs("gaia-db-dev"), "fly.Volume", true],
    [
      "volumes create",
      () => [...f.volumeCreateArgs({ app: "gaia-web-dev", name: "c", region: "lax", sizeGb: 1 })],
      "fly.Volume",
      false,
    ],
    [
      "volumes extend",
      () => [...f.volumeExtendArgs("gaia-db-dev", vol(), 30), "--json"],
      "fly.Volume",
      false,
    ],
    ["snapshots list", () => f.snapshotListArgs("gaia-db-dev", vol()), "fly.VolumeSnapshot", true],
    [
      "secrets list",
      () => ["secrets", "list", "-a", "gaia-web-dev", "--json"],
      "secrets.SecretWithStatus",
      true,
    ],
    ["machine list", () => ["machine", "list", "-a", "gaia-db-dev", "--json"], "fly.Machine", true],
  ] as const)("%s → %s", (_cmd, argv, struct, isList) => {
    if (_cmd === "snapshots list") fly(f.snapshotCreateArgs("gaia-db-dev", vol()));
    const out = fly(argv());
    // render.JSON: json.Encoder with a four-space indent.
    expect(out).toMatch(/^[[{]\n {4}[{"]/);
    const parsed = JSON.parse(out);
    const items = isList ? parsed : [parsed];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(misfits(item, struct)).toEqual([]);
  });

  it("status --json is a map (status/machines.go:270-286): its keys sorted, fly.Machine entries", () => {
    const out = fly(f.statusArgs("gaia-db-dev"));
    const o = JSON.parse(out) as Record<string, unknown>;
    const { keys, optional } = TABLE.maps["status --json"]!;
    expect(Object.keys(o)).toEqual([...keys].sort());
    expect(optional).toEqual(["Network"]);
    expect(misfits(o.Organization, "fly.OrganizationBasic")).toEqual([]);
    for (const m of o.Machines as unknown[]) expect(misfits(m, "fly.Machine")).toEqual([]);
  });

  it("version --json is buildinfo's info on one line (json.NewEncoder without indent)", () => {
    const out = fly(["version", "--json"]);
    expect(out.split("\n")).toHaveLength(2);
    expect(misfits(JSON.parse(out), "buildinfo.Info")).toEqual([]);
  });

  it("the checker itself notices a missing field and a key the struct lacks", () => {
    const v = JSON.parse(fly(f.volumesListArgs("gaia-db-dev")))[0];
    delete v.size_gb;
    v.sizeGb = 1;
    expect(misfits(v, "fly.Volume")).toEqual([
      "fly.Volume.sizeGb: not a field of fly.Volume (fly-go:volume_types.go:8)",
      "fly.Volume.size_gb: missing (fly-go:volume_types.go:12)",
    ]);
  });
});
