import type { ResourceValidationArgs } from "@pulumi/policy";
import * as policySdk from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import { describe, expect, it } from "vitest";
import {
  COMMAND_TYPE,
  commandSecrets,
  DATA_RESOURCE_KINDS,
  DOCKER_VOLUME_TYPE,
  deleteDestroysFly,
  hasCredentialUrl,
  looksSecretKey,
  minimumVolumeSize,
  noSecretsInCommandStrings,
  noTriggersOnDestroyingCommands,
  policies,
  productionDataProtected,
  productionPostgresClusterSize,
  type ResourceRule,
  read,
  SIZED_VOLUME_KINDS,
  stackOfUrn,
  stdinSecrets,
  UNKNOWN,
  UNKNOWN_SENTINELS,
  unmanagedPostgres,
} from "../../policy/rules";
import { GAIA_RESOURCE_KINDS, type GaiaResourceKind } from "../../src/shared/vocabulary";

// The SDK's own proxy and sentinels: in a preview the analyzer hands rules exactly this.
type ProxyModule = {
  unknownCheckingProxy: <T extends object>(props: T) => T;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
};
const sdk = policySdk as unknown as ProxyModule;
const sentinels = proxyModule as unknown as Record<string, unknown>;
const unknownString = sentinels.unknownStringValue as string;
const unknownArray = sentinels.unknownArrayValue as string;
const unknownObject = sentinels.unknownObjectValue as string;

interface ArgsInput {
  readonly type?: string;
  readonly stack?: string;
  readonly name?: string;
  readonly props?: Record<string, unknown>;
  readonly protect?: boolean;
  readonly config?: Record<string, unknown>;
  /** Wrap the inputs in the SDK's unknown-checking proxy, as the analyzer does. */
  readonly preview?: boolean;
}

function resourceArgs(input: ArgsInput): ResourceValidationArgs {
  const type = input.type ?? COMMAND_TYPE;
  const name = input.name ?? "gaia-db";
  const props = input.props ?? {};
  return {
    type,
    name,
    urn: `urn:pulumi:${input.stack ?? "production"}::gaia::gaia:fly:Postgres$${type}::${name}`,
    props: input.preview ? sdk.unknownCheckingProxy(props) : props,
    opts: {
      protect: input.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => (input.config ?? {}) as T,
    notApplicable: (reason?: string) => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
}

/** Runs one rule with a reportViolation spy and returns what it reported. */
async function violations(rule: ResourceRule, input: ArgsInput): Promise<string[]> {
  const reported: string[] = [];
  await rule.validateResource(resourceArgs(input), (message) => {
    reported.push(message);
  });
  return reported;
}

/** A Fly command shaped like the src/fly components: script by relative path, parameters in env. */
function flyCommand(
  kind: string,
  environment: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    create: `bash src/fly/scripts/${kind}.sh create`,
    update: `bash src/fly/scripts/${kind}.sh update`,
    delete: `bash src/fly/scripts/${kind}.sh delete`,
    environment: { GAIA_RESOURCE_KIND: kind, GAIA_STACK: "production", ...environment },
    ...extra,
  };
}

describe("the SDK contract the rules rely on", () => {
  it("knows every unknown sentinel of @pulumi/policy", () => {
    const fromSdk = Object.entries(sentinels)
      .filter(([key]) => /^unknown[A-Z]\w*Value$/.test(key))
      .map(([, value]) => value);
    expect(fromSdk).toHaveLength(7);
    expect(new Set(fromSdk)).toEqual(UNKNOWN_SENTINELS);
  });

  it("reads through the SDK proxy: unknown values become UNKNOWN instead of throwing", () => {
    const props = sdk.unknownCheckingProxy({ create: unknownString, environment: { A: "a" } });
    expect(() => props.create).toThrow("string value at .create can't be known during preview");
    expect(read(props, "create")).toBe(UNKNOWN);
    expect(read(read(props, "environment"), "A")).toBe("a");
    expect(read({ triggers: unknownArray }, "triggers")).toBe(UNKNOWN);
    expect(read(undefined, "x")).toBeUndefined();
  });

  it("pack lists the six rules, mandatory first, with unique names", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["production-data-protected", "mandatory"],
      ["no-secrets-in-command-strings", "mandatory"],
      ["no-triggers-on-destroying-commands", "mandatory"],
      ["production-postgres-cluster-size", "advisory"],
      ["unmanaged-postgres", "advisory"],
      ["minimum-volume-size", "advisory"],
    ]);
  });
});

describe("pure helpers", () => {
  it.each([
    ["urn:pulumi:production::gaia::command:local:Command::db", "production"],
    ["urn:pulumi:dev::gaia::gaia:fly:Postgres$command:local:Command::gaia-db", "dev"],
    ["not-a-urn", undefined],
  ])("stackOfUrn(%s) = %s", (urn, stack) => {
    expect(stackOfUrn(urn)).toBe(stack);
  });

  it.each([
    ["PGPASSWORD", false],
    ["POSTGRES_PASSWORD", true],
    ["FLY_API_TOKEN", true],
    ["SUPABASE_SERVICE_KEY", true],
    ["JWT_SECRET", true],
    ["REDIS_PASS", true],
    ["DATABASE_DSN", true],
    ["private_key", true],
    ["GAIA_RESOURCE_KIND", false],
    ["GAIA_STACK", false],
    ["VOLUME_SIZE_GB", false],
    ["DATABASE_URL", false],
    ["KEYS_DIR", false],
  ])("looksSecretKey(%s) = %s", (key, expected) => {
    expect(looksSecretKey(key)).toBe(expected);
  });

  it.each([
    ["psql postgres://postgres:s3cretpw@db:5432/llm_platform", true],
    ["redis-cli -u redis://:s3cretpw@gaia-redis:6379", true],
    ["curl https://user:tok@example.com/x", true],
    ["psql 'postgresql://app:pa%40ss@h/db'", true],
    ["psql postgres://postgres@db:5432/llm_platform", false],
    ['psql "postgres://postgres:$PGPASSWORD@db/llm_platform"', false],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template.
    ['psql "postgres://postgres:${PGPASSWORD}@db/llm_platform"', false],
    ["fly postgres attach gaia-db-dev --app gaia-gateway-dev", false],
    ["echo https://lbaohvnusingoztdzlmj.supabase.co", false],
  ])("hasCredentialUrl(%j) = %s", (text, expected) => {
    expect(hasCredentialUrl(text)).toBe(expected);
  });

  it.each([
    [
      '{"databaseUrl":"postgres://u:p@h/db","supabaseProjectRef":"lbaohvnusingoztdzlmj"}',
      ["postgres://u:p@h/db", "lbaohvnusingoztdzlmj"],
    ],
    ['{"nested":{"list":["first-secret","short"]},"port":5432}', ["first-secret"]],
    [
      "POSTGRES_PASSWORD=hunter2hunter2\nREDIS_PASSWORD='quoted-secret'\n\n",
      ["hunter2hunter2", "quoted-secret"],
    ],
    ["export TOKEN=abcdefgh12\nplain line value", ["abcdefgh12", "plain line value"]],
    ["short=1234567", []],
    [
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n",
      ["-----BEGIN PRIVATE KEY-----", "MIIEvQIBADANBg"],
    ],
  ])("stdinSecrets(%j)", (stdin, expected) => {
    expect(stdinSecrets(stdin)).toEqual(expected);
  });

  it("commandSecrets takes stdin values and secret or credential environment values only", () => {
    const args = resourceArgs({
      props: flyCommand(
        "postgres",
        {
          APP_NAME: "gaia-db-production",
          ADMIN_PASSWORD: "hunter2hunter2",
          SHORT_TOKEN: "abc",
          UPSTREAM: "postgres://u:longpassword@h/db",
        },
        { stdin: '{"password":"from-stdin-secret"}' },
      ),
    });
    expect(commandSecrets(args)).toEqual([
      { source: "environment.ADMIN_PASSWORD", value: "hunter2hunter2" },
      { source: "environment.UPSTREAM", value: "postgres://u:longpassword@h/db" },
      { source: "stdin", value: "from-stdin-secret" },
    ]);
  });

  it.each([
    ["a Fly script delete", flyCommand("postgres"), true],
    [
      "a kind with any non-blank delete",
      { delete: "true", environment: { GAIA_RESOURCE_KIND: "redis" } },
      true,
    ],
    ["flyctl without a kind", { delete: "flyctl apps destroy gaia-web-dev --yes" }, true],
    ["fly volumes destroy", { delete: "fly volumes destroy vol_123 -y" }, true],
    ["no delete", { create: "bash src/fly/scripts/postgres.sh create" }, false],
    ["a blank delete", { delete: "  ", environment: { GAIA_RESOURCE_KIND: "postgres" } }, false],
    ["a local cleanup", { delete: "rm -f /tmp/gaia-certs.pem" }, false],
    ["a computed delete without a kind", { delete: unknownString }, UNKNOWN],
  ])("deleteDestroysFly: %s", (_label, props, expected) => {
    expect(deleteDestroysFly(resourceArgs({ props }))).toBe(expected);
  });
});

describe("production-data-protected (mandatory)", () => {
  const message = (name: string, kind: string) =>
    `${name} (${kind}) holds production data but is not protected, so a destroy or a rename ` +
    `would delete it. Give it the production options of resourceOptions() in ` +
    `src/config/options.ts (protect: true, retainOnDelete: true).`;

  it.each(["postgres", "redis", "certificate-volume"])(
    "fires on an unprotected production %s and stays quiet once protected",
    async (kind) => {
      expect(await violations(productionDataProtected, { props: flyCommand(kind) })).toEqual([
        message("gaia-db", kind),
      ]);
      expect(
        await violations(productionDataProtected, { props: flyCommand(kind), protect: true }),
      ).toEqual([]);
    },
  );

  it.each([
    ["a non-data kind in production", { props: flyCommand("app") }],
    ["a migration in production", { props: flyCommand("migration") }],
    ["postgres in dev", { stack: "dev", props: flyCommand("postgres", { GAIA_STACK: "dev" }) }],
    ["a command without a kind", { props: { create: "echo hi" } }],
    [
      "a computed kind in preview",
      { props: { environment: { GAIA_RESOURCE_KIND: unknownString } }, preview: true },
    ],
  ])("stays quiet on %s", async (_label, input) => {
    expect(await violations(productionDataProtected, input)).toEqual([]);
  });

  it("treats GAIA_STACK: production as production even when the URN says otherwise", async () => {
    expect(
      await violations(productionDataProtected, { stack: "prod-copy", props: flyCommand("redis") }),
    ).toEqual([message("gaia-db", "redis")]);
  });

  it("covers Docker volumes in a production stack", async () => {
    const input = { type: DOCKER_VOLUME_TYPE, name: "pgdata", props: { name: "pgdata" } };
    expect(await violations(productionDataProtected, input)).toEqual([
      message("pgdata", "docker-volume"),
    ]);
    expect(await violations(productionDataProtected, { ...input, stack: "local" })).toEqual([]);
  });
});

describe("no-secrets-in-command-strings (mandatory)", () => {
  const fromSource = (field: string, source: string) =>
    `gaia-db: the ${field} command contains the value of ${source}. Command strings are stored ` +
    `in plain state and printed when the command fails; read the value from stdin or an ` +
    `environment variable inside the script instead.`;
  const urlMessage = (field: string) =>
    `gaia-db: the ${field} command contains a URL with a password (scheme://user:pass@). Pass ` +
    `the URL on stdin and read it inside the script.`;

  it("fires when create repeats a stdin value", async () => {
    const props = {
      create: "bash src/fly/scripts/postgres.sh create --password hunter2hunter2",
      stdin: '{"password":"hunter2hunter2"}',
    };
    expect(await violations(noSecretsInCommandStrings, { props })).toEqual([
      fromSource("create", "stdin"),
    ]);
  });

  it("fires when update repeats a secret-looking environment value, naming the key only", async () => {
    const props = flyCommand("redis", { REDIS_PASSWORD: "correct-horse" });
    props.update = "REDIS_PASSWORD=correct-horse bash src/fly/scripts/redis.sh update";
    const reported = await violations(noSecretsInCommandStrings, { props });
    expect(reported).toEqual([fromSource("update", "environment.REDIS_PASSWORD")]);
    expect(reported.join("\n")).not.toContain("correct-horse");
  });

  it("fires on a URL with credentials in delete, and on both sources at once", async () => {
    const url = "postgres://postgres:pw-123456@gaia-db.internal:5432/llm_platform";
    const props = { delete: `psql ${url} -c 'drop database x'`, stdin: `DATABASE_URL=${url}` };
    expect(await violations(noSecretsInCommandStrings, { props })).toEqual([
      fromSource("delete", "stdin"),
      urlMessage("delete"),
    ]);
  });

  it.each([
    [
      "a compliant Fly command with secrets on stdin",
      flyCommand("postgres", {}, { stdin: '{"password":"hunter2hunter2"}' }),
    ],
    [
      "a non-secret parameter repeated in the command",
      {
        create: "fly apps create gaia-db-production --org aeonia",
        environment: { APP_NAME: "gaia-db-production", GAIA_RESOURCE_KIND: "app" },
      },
    ],
    [
      "a shell-variable password",
      { create: 'psql "postgres://postgres:$PGPASSWORD@db/llm_platform"' },
    ],
    [
      "a short stdin value that happens to occur",
      { create: "bash run.sh 5432", stdin: "PORT=5432" },
    ],
  ])("stays quiet on %s", async (_label, props) => {
    expect(await violations(noSecretsInCommandStrings, { props })).toEqual([]);
  });

  it("skips values a preview cannot know, and still checks the known ones", async () => {
    const props = {
      create: unknownString,
      update: "bash src/fly/scripts/postgres.sh update hunter2hunter2",
      stdin: unknownString,
      environment: { ADMIN_PASSWORD: unknownString, API_TOKEN: "hunter2hunter2" },
    };
    expect(await violations(noSecretsInCommandStrings, { props, preview: true })).toEqual([
      fromSource("update", "environment.API_TOKEN"),
    ]);
    const whollyUnknown = { create: "echo ok", environment: unknownObject };
    expect(
      await violations(noSecretsInCommandStrings, { props: whollyUnknown, preview: true }),
    ).toEqual([]);
  });

  it("ignores resources that are not commands", async () => {
    const props = { envs: ["POSTGRES_PASSWORD=hunter2hunter2"], name: "hunter2hunter2" };
    expect(
      await violations(noSecretsInCommandStrings, {
        type: "docker:index/container:Container",
        props,
      }),
    ).toEqual([]);
  });
});

describe("no-triggers-on-destroying-commands (mandatory)", () => {
  const message =
    "gaia-db: triggers are set on a command whose delete destroys a Fly resource. A trigger " +
    "change replaces the resource: the new create runs, then the old delete destroys what it " +
    "adopted. Remove triggers; changed inputs already run the update command.";

  it.each([
    ["a Fly postgres command with triggers", flyCommand("postgres", {}, { triggers: ["abc"] })],
    [
      "a flyctl destroy delete with triggers",
      { delete: "flyctl apps destroy x --yes", triggers: [1] },
    ],
  ])("fires on %s", async (_label, props) => {
    expect(await violations(noTriggersOnDestroyingCommands, { props })).toEqual([message]);
  });

  it("fires in preview when the triggers are computed", async () => {
    const props = flyCommand("redis", {}, { triggers: unknownArray });
    expect(await violations(noTriggersOnDestroyingCommands, { props, preview: true })).toEqual([
      message,
    ]);
  });

  it.each([
    ["the same command without triggers", flyCommand("postgres")],
    ["empty triggers", flyCommand("postgres", {}, { triggers: [] })],
    [
      "a migration with triggers and no delete",
      {
        create: "node bin/gaia-db.js migrate dev",
        triggers: ["sha256"],
        environment: { GAIA_RESOURCE_KIND: "migration" },
      },
    ],
    ["a local delete with triggers", { delete: "rm -f /tmp/x", triggers: ["a"] }],
    ["a computed delete that cannot be classified", { delete: unknownString, triggers: ["a"] }],
  ])("stays quiet on %s", async (_label, props) => {
    expect(await violations(noTriggersOnDestroyingCommands, { props, preview: true })).toEqual([]);
  });
});

describe("production-postgres-cluster-size (advisory)", () => {
  it.each([
    [
      "1",
      "gaia-db: production Postgres runs 1 node (CLUSTER_SIZE=1); with fewer than 2 a host failure is an outage. Set gaia:postgres.clusterSize to 2 or more.",
    ],
    [
      undefined,
      "gaia-db: production Postgres declares no node count (environment.CLUSTER_SIZE is missing); the policy expects a whole number ≥ 2.",
    ],
    [
      "two",
      'gaia-db: production Postgres declares no node count (environment.CLUSTER_SIZE is "two"); the policy expects a whole number ≥ 2.',
    ],
  ])("fires on CLUSTER_SIZE=%s", async (size, expected) => {
    const props = flyCommand("postgres", { POSTGRES_KIND: "unmanaged", CLUSTER_SIZE: size });
    expect(await violations(productionPostgresClusterSize, { props })).toEqual([expected]);
  });

  it.each([
    ["2 nodes", { POSTGRES_KIND: "unmanaged", CLUSTER_SIZE: "2" }, "production"],
    ["3 nodes", { POSTGRES_KIND: "unmanaged", CLUSTER_SIZE: "3" }, "production"],
    ["managed Postgres", { POSTGRES_KIND: "managed" }, "production"],
    [
      "one node in dev",
      { POSTGRES_KIND: "unmanaged", CLUSTER_SIZE: "1", GAIA_STACK: "dev" },
      "dev",
    ],
    ["a computed size", { POSTGRES_KIND: "unmanaged", CLUSTER_SIZE: unknownString }, "production"],
  ])("stays quiet on %s", async (_label, environment, stack) => {
    const props = flyCommand("postgres", environment);
    expect(
      await violations(productionPostgresClusterSize, { props, stack, preview: true }),
    ).toEqual([]);
  });
});

describe("unmanaged-postgres (advisory)", () => {
  it("fires on unmanaged Postgres in any stack", async () => {
    const props = flyCommand("postgres", { POSTGRES_KIND: "unmanaged", GAIA_STACK: "dev" });
    expect(await violations(unmanagedPostgres, { props, stack: "dev" })).toEqual([
      "gaia-db: unmanaged Fly Postgres is deprecated and unsupported by Fly.io; plan the move to " +
        "Managed Postgres (gaia:postgres.kind: managed).",
    ]);
  });

  it.each([
    ["managed Postgres", flyCommand("postgres", { POSTGRES_KIND: "managed" })],
    ["Redis", flyCommand("redis", { POSTGRES_KIND: "unmanaged" })],
    ["a computed kind", flyCommand("postgres", { POSTGRES_KIND: unknownString })],
  ])("stays quiet on %s", async (_label, props) => {
    expect(await violations(unmanagedPostgres, { props, preview: true })).toEqual([]);
  });
});

describe("minimum-volume-size (advisory)", () => {
  it.each([
    ["postgres", "5", {}, 10],
    ["postgres", "20", { minVolumeSizeGb: 40 }, 40],
  ])("fires on a %s volume of %s GB (config %j)", async (kind, size, config, minimum) => {
    const props = flyCommand(kind, { VOLUME_SIZE_GB: size, GAIA_STACK: "dev" });
    expect(await violations(minimumVolumeSize, { props, config, stack: "dev" })).toEqual([
      `gaia-db: ${kind} volume of ${size} GB is below the minimum of ${minimum} GB (policy ` +
        `config minVolumeSizeGb). Raise gaia:postgres.volumeSizeGb; volumes grow in place.`,
    ]);
  });

  it.each([
    ["postgres", { VOLUME_SIZE_GB: "10" }, {}],
    ["postgres", { VOLUME_SIZE_GB: "5" }, { minVolumeSizeGb: 5 }],
    ["certificate-volume", { VOLUME_SIZE_GB: "1" }, {}],
    ["postgres", { VOLUME_SIZE_GB: unknownString }, {}],
    ["postgres", {}, {}],
  ])("stays quiet on %s %j (config %j)", async (kind, environment, config) => {
    const props = flyCommand(kind, environment);
    expect(await violations(minimumVolumeSize, { props, config, preview: true })).toEqual([]);
  });
});

describe("the kinds the rules know", () => {
  it("are kinds the program emits (src/shared/vocabulary.ts), checked by the type checker too", () => {
    // @ts-expect-error a kind the program does not emit is not a GaiaResourceKind
    const unknownKind: GaiaResourceKind = "postgres-volume";
    expect(GAIA_RESOURCE_KINDS).not.toContain(unknownKind);
    expect(GAIA_RESOURCE_KINDS).toEqual(expect.arrayContaining([...DATA_RESOURCE_KINDS]));
    expect(GAIA_RESOURCE_KINDS).toEqual(expect.arrayContaining([...SIZED_VOLUME_KINDS]));
  });
});
