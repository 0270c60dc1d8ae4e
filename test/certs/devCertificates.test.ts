/**
 * DevCertificates under Pulumi mocks, as a Fly stack would use it: exact tls inputs, long-lived
 * certificates with no early renewal, and the secret file map in the services' layout.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  installMocks,
  type Registration,
  resolved,
  secretEnvelope,
  settle,
} from "../program/mocks";

const secret = secretEnvelope;
const TEN_YEARS = 87_600;

let registered: Registration[];
let certs: import("../../src/certs/devCertificates").DevCertificates;

beforeAll(async () => {
  registered = await installMocks("staging", {});
  const { DevCertificates } = await import("../../src/certs/devCertificates.ts");
  certs = new DevCertificates("gaia-staging-certs", {
    environment: "staging",
    services: ["gateway", "auth-service"],
  });
  await resolved(certs.files);
  await settle(registered);
});

const inputs = (name: string) => registered.find((r) => r.name === name)!.inputs;

describe("DevCertificates", () => {
  it("registers a CA, a key, request and certificate per service, and the JWT key", () => {
    expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        "gaia:certs:DevCertificates gaia-staging-certs",
        "tls:index/privateKey:PrivateKey gaia-staging-certs-ca-key",
        "tls:index/selfSignedCert:SelfSignedCert gaia-staging-certs-ca",
        "tls:index/privateKey:PrivateKey gaia-staging-certs-gateway-key",
        "tls:index/certRequest:CertRequest gaia-staging-certs-gateway-csr",
        "tls:index/locallySignedCert:LocallySignedCert gaia-staging-certs-gateway-cert",
        "tls:index/privateKey:PrivateKey gaia-staging-certs-auth-service-key",
        "tls:index/certRequest:CertRequest gaia-staging-certs-auth-service-csr",
        "tls:index/locallySignedCert:LocallySignedCert gaia-staging-certs-auth-service-cert",
        "tls:index/privateKey:PrivateKey gaia-staging-certs-jwt-key",
      ].sort(),
    );
  });

  it("uses RSA 2048 for every key", () => {
    for (const r of registered.filter((r) => r.type === "tls:index/privateKey:PrivateKey")) {
      expect(r.inputs).toEqual({ algorithm: "RSA", rsaBits: 2048 });
    }
  });

  it("makes a ten-year CA that never renews early", () => {
    expect(inputs("gaia-staging-certs-ca")).toEqual({
      privateKeyPem: secret("KEY gaia-staging-certs-ca-key"),
      isCaCertificate: true,
      subject: { commonName: "Gaia staging development CA", organization: "Aeonia Gaia Platform" },
      validityPeriodHours: TEN_YEARS,
      earlyRenewalHours: 0,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    });
  });

  it("names each service and localhost in its certificate, signed by the CA", () => {
    expect(inputs("gaia-staging-certs-auth-service-csr")).toEqual({
      privateKeyPem: secret("KEY gaia-staging-certs-auth-service-key"),
      subject: { commonName: "auth-service", organization: "Aeonia Gaia Platform" },
      dnsNames: ["auth-service", "localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    expect(inputs("gaia-staging-certs-auth-service-cert")).toEqual({
      certRequestPem: "CSR gaia-staging-certs-auth-service-csr",
      caPrivateKeyPem: secret("KEY gaia-staging-certs-ca-key"),
      caCertPem: "CERT gaia-staging-certs-ca",
      validityPeriodHours: TEN_YEARS,
      earlyRenewalHours: 0,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    });
  });

  it("exposes every file in the services' layout, as a secret", async () => {
    expect(await pulumi.isSecret(certs.files)).toBe(true);
    expect(await resolved(certs.files)).toEqual({
      "ca.pem": "CERT gaia-staging-certs-ca",
      "gateway/cert.pem": "CERT gaia-staging-certs-gateway-cert",
      "gateway/key.pem": "KEY gaia-staging-certs-gateway-key",
      "auth-service/cert.pem": "CERT gaia-staging-certs-auth-service-cert",
      "auth-service/key.pem": "KEY gaia-staging-certs-auth-service-key",
      "jwt-signing.key": "KEY gaia-staging-certs-jwt-key",
      "jwt-signing.pub": "PUB gaia-staging-certs-jwt-key",
    });
    expect(await resolved(certs.caCertPem)).toBe("CERT gaia-staging-certs-ca");
  });
});
