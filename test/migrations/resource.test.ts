import { relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrationSet, sha256 } from "../../src/migrations/files";
import { Migrations, migrateCommand, migrationFileList } from "../../src/migrations/resource";
import { makeTree, removeTrees } from "./runner/fixtures";

const SECRET_ENVELOPE = "4dabf18193072939515e22adb298388d";
const URL_WITH_PASSWORD = "postgresql://gaia:Pa55-word-xyz@db.internal:5432/llm_platform";

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registration[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, stdout: "{}" } };
      },
      call(args) {
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    "gaia",
    "dev",
  );
});
afterAll(removeTrees);

const settle = () => new Promise((r) => setTimeout(r, 100));

describe("Migrations resource", () => {
  it("registers one local.Command with exact inputs and the secrets on stdin only", async () => {
    const m = new Migrations("db", {
      environment: "dev",
      modules: ["rbac", "core"],
      databaseUrl: pulumi.secret(URL_WITH_PASSWORD),
      supabaseProjectRef: "lbaohvnusingoztdzlmj",
      isolationEnforced: false,
    });
    await settle();
    const files = loadMigrationSet("migrations", ["core", "rbac"])
      .map((f) => `${f.relativePath}:${f.checksum}`)
      .join("\n");
    expect(m.files).toBe(files);
    const component = registered.find((r) => r.name === "db");
    expect(component?.type).toBe("gaia:migrations:Migrations");
    const cmd = registered.find((r) => r.name === "db-migrate");
    expect(cmd?.type).toBe("command:local:Command");
    const { stdin, ...rest } = cmd?.inputs ?? {};
    const command =
      "exec node bin/gaia-db.js migrate dev --stdin-config --modules core,rbac --json --isolation off";
    expect(rest).toEqual({
      create: command,
      update: command,
      environment: {
        GAIA_RESOURCE_KIND: "migration",
        GAIA_STACK: "dev",
        GAIA_MIGRATION_MODULES: "core,rbac",
        GAIA_MIGRATION_FILES: files,
        GAIA_TIMEOUT_SECONDS: "3600",
      },
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: false,
    });
    // no delete (a destroy never drops the schema), no triggers, no dir
    expect(cmd?.inputs).not.toHaveProperty("delete");
    expect(cmd?.inputs).not.toHaveProperty("triggers");
    expect(cmd?.inputs).not.toHaveProperty("dir");
    // stdin is a secret envelope holding the URL and project ref
    expect(stdin).toEqual({
      [SECRET_ENVELOPE]: "1b47061264138c4ac30d75fd1eb44270",
      value: JSON.stringify({
        databaseUrl: URL_WITH_PASSWORD,
        supabaseProjectRef: "lbaohvnusingoztdzlmj",
      }),
    });
    // nothing secret and nothing absolute anywhere outside stdin
    const visible = JSON.stringify(rest);
    expect(visible).not.toContain("Pa55-word-xyz");
    expect(visible).not.toContain("postgresql://");
    expect(visible).not.toContain(process.cwd());
    expect(visible).not.toMatch(/"\/|\s\//);
    // the file list names every SQL file with its checksum, one per line
    expect(files.split("\n")[0]).toMatch(/^core\/0001_live_schema\.sql:[0-9a-f]{64}$/);
  });

  it("passes a declared baseline, its production confirmation and a relative migrations root", async () => {
    const tree = makeTree({ "core/0001_a.sql": "SELECT 1;", "vector/0001_v.sql": "SELECT 2;" });
    const root = relative(process.cwd(), tree);
    new Migrations("prod", {
      environment: "production",
      modules: ["core", "vector"],
      migrationsDir: root,
      databaseUrl: pulumi.secret(URL_WITH_PASSWORD),
      baseline: "0001",
      baselineConfirm: "production",
      extraArgs: ["--lock-timeout", "2m"],
    });
    await settle();
    const cmd = registered.find((r) => r.name === "prod-migrate");
    expect(cmd?.inputs.create).toBe(
      `exec node bin/gaia-db.js migrate production --stdin-config --modules core,vector --json --migrations-dir ${root} --baseline 0001 --confirm production --lock-timeout 2m`,
    );
    expect(
      (cmd?.inputs.environment as Record<string, string> | undefined)?.GAIA_MIGRATION_FILES,
    ).toBe(migrationFileList(root, ["core", "vector"]));
    expect(cmd?.inputs.stdin).toEqual({
      [SECRET_ENVELOPE]: "1b47061264138c4ac30d75fd1eb44270",
      value: JSON.stringify({ databaseUrl: URL_WITH_PASSWORD }),
    });
  });

  it.each([
    [
      { migrationsDir: "/abs/migrations" },
      'Migrations: migrationsDir "/abs/migrations" is absolute; give it relative to the Pulumi program directory (default "migrations") so state and previews do not depend on the machine',
    ],
    [
      { extraArgs: ["--database-url", "postgresql://u:p@h/db; rm -rf /"] },
      'Migrations: extra argument "postgresql://u:p@h/db; rm -rf /" is not a plain token (letters, digits and _@%+=:,./-); secrets never go on the command line, and shell syntax is not allowed',
    ],
  ])("refuses %j", (extra, message) => {
    expect(() => migrateCommand({ environment: "dev", modules: ["core"], ...extra })).toThrow(
      message,
    );
  });

  it("the file list ignores line endings and changes when a statement changes", () => {
    const lf = relative(process.cwd(), makeTree({ "core/0001_a.sql": "SELECT 1;\n" }));
    const crlf = relative(process.cwd(), makeTree({ "core/0001_a.sql": "\uFEFFSELECT 1;\r\n" }));
    const edited = relative(process.cwd(), makeTree({ "core/0001_a.sql": "SELECT 2;\n" }));
    expect(migrationFileList(lf, ["core"])).toBe(`core/0001_a.sql:${sha256("SELECT 1;\n")}`);
    expect(migrationFileList(crlf, ["core"])).toBe(migrationFileList(lf, ["core"]));
    expect(migrationFileList(edited, ["core"])).toBe(`core/0001_a.sql:${sha256("SELECT 2;\n")}`);
  });
});
