// The pack as the Pulumi CLI runs it: @pulumi/pulumi's run-policy-pack harness loads policy/ with
// its own ts-node (type-checking against our TypeScript), serves the analyzer over gRPC, and the
// engine's Analyze calls reach the rules. This test plays the engine's part.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies } from "../../policy/rules";

const ROOT = join(__dirname, "..", "..");
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let pack: ChildProcess;
let client: AnalyzerClient;
let startupMs = 0;

/** Starts the pack like `pulumi preview --policy-pack policy` does and resolves its gRPC port. */
function startPack(): Promise<number> {
  const started = Date.now();
  pack = spawn(
    process.execPath,
    [join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."],
    { cwd: join(ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    pack.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
      if (port) {
        startupMs = Date.now() - started;
        resolve(Number(port));
      }
    });
    pack.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    pack.on("exit", (code) => reject(new Error(`policy pack exited ${code}:\n${stdout}${stderr}`)));
  });
}

interface Diagnostic {
  policy: string;
  level: "advisory" | "mandatory";
  message: string;
}

function analyze(input: {
  name: string;
  stack: string;
  props: Record<string, unknown>;
  protect?: boolean;
}): Promise<Diagnostic[]> {
  const type = "command:local:Command";
  const request = new analyzerPb.AnalyzeRequest();
  request.setType(type);
  request.setName(input.name);
  request.setUrn(`urn:pulumi:${input.stack}::gaia::gaia:fly:Postgres$${type}::${input.name}`);
  // biome-ignore lint/suspicious/noExplicitAny: Struct.fromJavaScript takes protobuf's JavaScriptValue.
  request.setProperties(Struct.fromJavaScript(input.props as any));
  const options = new analyzerPb.AnalyzerResourceOptions();
  options.setProtect(input.protect ?? false);
  request.setOptions(options);
  return new Promise((resolve, reject) => {
    client.analyze(request, (error, response) => {
      if (error) return reject(error);
      resolve(
        response.getDiagnosticsList().map((d) => ({
          policy: d.getPolicyname(),
          level:
            d.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY
              ? "mandatory"
              : "advisory",
          message: d.getMessage(),
        })),
      );
    });
  });
}

// Pulumi's ts-node type-checks the pack against @pulumi/pulumi's types: about 9 s on an idle
// two-core machine, over 40 s next to the rest of the suite.
beforeAll(async () => {
  const port = await startPack();
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 180_000);

afterAll(() => {
  client?.close();
  if (pack?.pid !== undefined && pack.exitCode === null) {
    pack.removeAllListeners("exit");
    pack.kill();
  }
});

describe("the policy pack under Pulumi's runner", () => {
  it("loads, type-checks and serves every rule", async () => {
    console.log(`policy pack ready after ${startupMs} ms`);
    const info = await new Promise<analyzerPb.AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );
    expect(info.getName()).toBe("gaia-safety");
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(policies.map((p) => p.name));
  });

  it("blocks an unprotected production Postgres with triggers, and advises on its size", async () => {
    const diagnostics = await analyze({
      name: "gaia-db",
      stack: "production",
      props: {
        create: "bash src/fly/scripts/postgres.sh create",
        delete: "bash src/fly/scripts/postgres.sh delete",
        triggers: ["v1"],
        environment: {
          GAIA_RESOURCE_KIND: "postgres",
          GAIA_STACK: "production",
          POSTGRES_KIND: "unmanaged",
          CLUSTER_SIZE: "1",
          VOLUME_SIZE_GB: "10",
        },
      },
    });
    expect(diagnostics.map((d) => [d.policy, d.level])).toEqual([
      ["production-data-protected", "mandatory"],
      ["no-triggers-on-destroying-commands", "mandatory"],
      ["production-postgres-cluster-size", "advisory"],
      ["unmanaged-postgres", "advisory"],
    ]);
    // The engine prefixes the rule's description; the rule's own text follows on the next line.
    expect(diagnostics[0]?.message).toBe(
      `${policies[0]?.description}\ngaia-db (postgres) holds production data but is not ` +
        `protected, so a destroy or a rename would delete it. Give it the production options of ` +
        `resourceOptions() in src/config/options.ts (protect: true, retainOnDelete: true).`,
    );
  });

  it("passes a compliant command, including values a preview cannot know yet", async () => {
    const diagnostics = await analyze({
      name: "gaia-db",
      stack: "production",
      protect: true,
      props: {
        create: "bash src/fly/scripts/postgres.sh create",
        delete: "bash src/fly/scripts/postgres.sh delete",
        stdin: UNKNOWN_STRING,
        environment: {
          GAIA_RESOURCE_KIND: "postgres",
          GAIA_STACK: "production",
          POSTGRES_KIND: "managed",
          VOLUME_SIZE_GB: UNKNOWN_STRING,
          ADMIN_TOKEN: UNKNOWN_STRING,
        },
      },
    });
    expect(diagnostics).toEqual([]);
  });
});
