/**
 * Pulumi mocks that record every registration and return believable outputs for the providers
 * the program uses. Call `installMocks` before importing index.ts.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

export const SHARED_CONFIG = {
  "gaia:supabaseProjectRef": "lbaohvnusingoztdzlmj",
  "gaia:supabaseUrl": "https://lbaohvnusingoztdzlmj.supabase.co",
};

/** Fake provider outputs, by resource type. */
export function outputsFor(type: string, name: string, inputs: Record<string, unknown>) {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: `generated-${name}` };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: `KEY ${name}`, publicKeyPem: `PUB ${name}` };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `CERT ${name}` };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `CSR ${name}` };
    case "command:local:Command":
      // Every gaia command prints one JSON result line last; a fresh stack creates everything.
      return { stdout: JSON.stringify({ origin: "created" }), stderr: "" };
    case "docker:index/remoteImage:RemoteImage":
      return { imageId: `sha256:${String(inputs.name)}` };
    default:
      return {};
  }
}

export async function installMocks(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<Registration[]> {
  const registered: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
        });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...outputsFor(args.type, args.name, args.inputs) },
        };
      },
      call(args) {
        throw new Error(`Mock call not implemented: ${args.token}`);
      },
    },
    "gaia",
    stack,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  return registered;
}

/** How a secret input reaches the mocks: Pulumi's secret envelope around the value. */
export function secretEnvelope(value: unknown) {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until registrations stop arriving (they are sent as their inputs resolve). */
export async function settle(registered: readonly Registration[]): Promise<void> {
  let seen = -1;
  while (seen !== registered.length) {
    seen = registered.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}
