/**
 * The Fly.io data tier as `gaia:fly:*` components over `local.Command` (see src/fly/command.ts for
 * how every command is declared, and docs/fly.md#what-each-resource-does for what each one does on
 * Fly).
 */
import type * as local from "@pulumi/command/local";
import * as pulumi from "@pulumi/pulumi";
import { buildPostgresUrl, withParts } from "../migrations/postgresUrl";
import { type GaiaComponentOptions, optionsFor } from "../shared/components";
import type { FlyEnvironment } from "../shared/vocabulary";
import { flyCommand, resultOf } from "./command";
import {
  currentSnapshotIds,
  type RecordedSnapshot,
  recordedSnapshots,
  type SnapshotResult,
} from "./snapshots";

function field<T>(cmd: local.Command, key: string, fallback: T): pulumi.Output<T> {
  return cmd.stdout.apply((s) => (resultOf(s)[key] as T | undefined) ?? fallback);
}

export interface FlyPostgresArgs {
  /** dev, staging or production: refusals and the snapshot depend on it. */
  readonly environment: FlyEnvironment;
  /** `unmanaged` (`fly postgres`, what exists today) or `managed` (`fly mpg`). */
  readonly kind: "unmanaged" | "managed";
  /** App (unmanaged) or cluster (managed) name, e.g. `gaia-db-dev`. */
  readonly name: string;
  readonly org: string;
  readonly region: string;
  /** Unmanaged: every node's size, a `fly postgres create` name (src/fly/vmSizes.ts); a change restarts Postgres. */
  readonly vmSize: string;
  /** Data volume size; grows in place, never shrinks. */
  readonly volumeSizeGb: number;
  /** Unmanaged: nodes at creation only. */
  readonly clusterSize: number;
  /** Managed: plan (`performance` is refused by parseConfig: flyctl turns it into basic). */
  readonly plan: string;
  /** Managed: 16 or 17. */
  readonly majorVersion: number;
  /** Production: allow a VM-size change, which restarts Postgres. */
  readonly allowRestart: boolean;
  /** Unmanaged: the `postgres` user's password (a secret; stdin only). */
  readonly postgresPassword: pulumi.Input<string>;
  /** Database the services use, created when missing. */
  readonly database: string;
  /**
   * Production: checksum of the pending migration set. When given, the data volumes are
   * snapshotted whenever it changes; make the migrations depend on `snapshot`.
   */
  readonly migrationsChecksum?: pulumi.Input<string>;
}

/** `gaia:fly:Postgres`: the environment's cluster, its target database and the pre-migration snapshot. */
export class FlyPostgres extends pulumi.ComponentResource {
  readonly cluster: local.Command;
  readonly database: local.Command;
  readonly snapshot?: local.Command;
  /** `created` or `adopted`. */
  readonly origin: pulumi.Output<string>;
  /** Services' URL on Fly's private network (flycast), a secret. */
  readonly databaseUrl: pulumi.Output<string>;
  readonly volumeIds: pulumi.Output<string[]>;
  /** The current migration set's snapshot ids (complete: the command waits for them). */
  readonly snapshotIds: pulumi.Output<string[]>;
  /** Every snapshot recorded, this set's and earlier ones', with the row counts around each. */
  readonly snapshots: pulumi.Output<RecordedSnapshot[]>;
  /** Clusters this command pointed at before gaia:postgres.name changed: retained, never destroyed. */
  readonly retainedClusters: pulumi.Output<string[]>;
  /** Managed: the cluster id (for `withFlyProxy({ managedCluster })`); empty when unmanaged. */
  readonly clusterId: pulumi.Output<string>;

  /** Children: the cluster and the database (kind `database`), the snapshot (no kind). */
  constructor(name: string, args: FlyPostgresArgs, opts?: GaiaComponentOptions) {
    super("gaia:fly:Postgres", name, {}, opts);
    const password = pulumi.secret(args.postgresPassword);
    this.cluster = flyCommand(
      `${name}-cluster`,
      {
        kind: "postgres",
        stack: args.environment,
        environment: {
          POSTGRES_KIND: args.kind,
          APP_NAME: args.name,
          ORG: args.org,
          REGION: args.region,
          ...(args.kind === "unmanaged"
            ? {
                VM_SIZE: args.vmSize,
                CLUSTER_SIZE: String(args.clusterSize),
                ALLOW_RESTART: String(args.allowRestart),
              }
            : { PLAN: args.plan, MAJOR_VERSION: String(args.majorVersion) }),
          VOLUME_SIZE_GB: String(args.volumeSizeGb),
        },
        secrets: args.kind === "unmanaged" ? pulumi.output({ password }) : undefined,
        // Managed: the result line carries the connection string captured from `mpg create`.
        secretOutput: true,
      },
      { parent: this, ...optionsFor(opts, "database") },
    );
    // Not secrets, though read from the (secret) stdout of the cluster command.
    this.origin = pulumi.unsecret(field(this.cluster, "origin", "adopted"));
    this.volumeIds = pulumi.unsecret(field<string[]>(this.cluster, "volumes", []));
    this.retainedClusters = pulumi.unsecret(field<string[]>(this.cluster, "retained", []));
    // Not a secret, though read from the (secret) stdout of the cluster command.
    this.clusterId = pulumi.unsecret(field(this.cluster, "cluster", ""));

    this.database = flyCommand(
      `${name}-database`,
      {
        kind: "database",
        stack: args.environment,
        environment: {
          POSTGRES_KIND: args.kind,
          APP_NAME: args.name,
          ORG: args.org,
          DATABASE_NAME: args.database,
        },
        // Unmanaged connects through `fly proxy` as postgres; managed uses flyctl only.
        secrets: args.kind === "unmanaged" ? pulumi.output({ password }) : undefined,
        secretOutput: false,
        noDelete: true,
      },
      { parent: this, dependsOn: [this.cluster], ...optionsFor(opts, "database") },
    );
    this.databaseUrl =
      args.kind === "unmanaged"
        ? pulumi.secret(password.apply((pw) => unmanagedDatabaseUrl(args.name, pw, args.database)))
        : pulumi.secret(
            this.cluster.stdout.apply((s) =>
              managedDatabaseUrl(resultOf(s).connectionString, args.database),
            ),
          );

    if (args.environment === "production" && args.migrationsChecksum !== undefined) {
      this.snapshot = flyCommand(
        `${name}-pre-migration-snapshot`,
        {
          kind: "snapshot",
          stack: args.environment,
          // Changes only with the migration set: the snapshot is taken once per set to apply.
          environment: {
            APP_NAME: args.name,
            MIGRATIONS_CHECKSUM: args.migrationsChecksum,
            // Its rows are counted around the snapshot, through `fly proxy` as postgres.
            DATABASE_NAME: args.database,
          },
          secrets: pulumi.output({ password }),
          secretOutput: false,
          noDelete: true,
        },
        { parent: this, dependsOn: [this.database] },
      );
      const result = this.snapshot.stdout.apply((s) => resultOf(s) as unknown as SnapshotResult);
      this.snapshotIds = result.apply(currentSnapshotIds);
      this.snapshots = result.apply(recordedSnapshots);
    } else {
      this.snapshotIds = pulumi.output([]);
      this.snapshots = pulumi.output([]);
    }
    this.registerOutputs({
      origin: this.origin,
      databaseUrl: this.databaseUrl,
      volumeIds: this.volumeIds,
      snapshotIds: this.snapshotIds,
      snapshots: this.snapshots,
      retainedClusters: this.retainedClusters,
      clusterId: this.clusterId,
    });
  }
}

/**
 * The unmanaged cluster's URL over Fly's private network (flycast, no TLS inside it), as the
 * `postgres` user; the password is percent-encoded, so any character in it is safe.
 */
export function unmanagedDatabaseUrl(app: string, password: string, database: string): string {
  return buildPostgresUrl({
    user: "postgres",
    password,
    host: `${app}.flycast`,
    port: 5432,
    database,
    params: { sslmode: "disable" },
  });
}

/**
 * The managed connection string captured at creation, pointed at the target database (it names
 * `fly-db`); empty when the cluster was adopted and no credentials were ever captured. The error
 * for a string that is not a PostgreSQL URL never quotes it.
 */
export function managedDatabaseUrl(connectionString: unknown, database: string): string {
  if (typeof connectionString !== "string" || connectionString === "") return "";
  return withParts(connectionString, "the connection string of fly mpg create", { database });
}

export interface FlyRedisArgs {
  readonly environment: FlyEnvironment;
  /** e.g. `gaia-redis-dev`. */
  readonly name: string;
  readonly org: string;
  readonly region: string;
  readonly eviction: boolean;
  /** Empty: `--no-replicas`. */
  readonly replicaRegions: string[];
  /** Unset: flyctl's default pay-as-you-go. */
  readonly plan?: string;
  /** With a plan: allow Upstash to move a fixed-price plan up (flyctl asks otherwise). */
  readonly autoUpgrade?: boolean;
}

/** `gaia:fly:Redis`: Upstash Redis through `fly redis`; settings other than the name are create-only. */
export class FlyRedis extends pulumi.ComponentResource {
  readonly command: local.Command;
  readonly origin: pulumi.Output<string>;
  /** The private URL from `fly redis status`, a secret. */
  readonly redisUrl: pulumi.Output<string>;

  /** Child: the Redis command (kind `redis`). */
  constructor(name: string, args: FlyRedisArgs, opts?: GaiaComponentOptions) {
    super("gaia:fly:Redis", name, {}, opts);
    this.command = flyCommand(
      `${name}-redis`,
      {
        kind: "redis",
        stack: args.environment,
        environment: {
          REDIS_NAME: args.name,
          ORG: args.org,
          REGION: args.region,
          EVICTION: String(args.eviction),
          REPLICA_REGIONS: args.replicaRegions.join(","),
          // Only with a plan, so stacks on the default plan keep their environment.
          ...(args.plan !== undefined
            ? { PLAN: args.plan, AUTO_UPGRADE: String(args.autoUpgrade ?? false) }
            : {}),
        },
        secretOutput: true,
      },
      { parent: this, ...optionsFor(opts, "redis") },
    );
    this.origin = pulumi.unsecret(field(this.command, "origin", "adopted"));
    this.redisUrl = pulumi.secret(field(this.command, "privateUrl", ""));
    this.registerOutputs({ origin: this.origin, redisUrl: this.redisUrl });
  }
}

/** Secret names the certificate material is staged under, all base64 of the PEM file. */
export const CERTIFICATE_SECRETS = {
  ca: "GAIA_TLS_CA_PEM_B64",
  cert: "GAIA_TLS_CERT_PEM_B64",
  key: "GAIA_TLS_KEY_PEM_B64",
  jwtPrivate: "GAIA_JWT_SIGNING_KEY_B64",
  jwtPublic: "GAIA_JWT_SIGNING_PUB_B64",
} as const;

/**
 * The staged secrets of one service: its own certificate and key, the environment's CA and the
 * JWT key pair, from a `DevCertificates.files` map. Pure, so the encoding is tested directly.
 */
export function certificateSecrets(
  files: Record<string, string>,
  service: string,
): Record<string, string> {
  const pick = (path: string) => {
    const v = files[path];
    if (v === undefined)
      throw new Error(
        `certificate files have no ${path} (services with certificates: ${[
          ...new Set(
            Object.keys(files)
              .filter((k) => k.includes("/"))
              .map((k) => k.split("/")[0]),
          ),
        ].join(", ")})`,
      );
    return Buffer.from(v, "utf8").toString("base64");
  };
  return {
    [CERTIFICATE_SECRETS.ca]: pick("ca.pem"),
    [CERTIFICATE_SECRETS.cert]: pick(`${service}/cert.pem`),
    [CERTIFICATE_SECRETS.key]: pick(`${service}/key.pem`),
    [CERTIFICATE_SECRETS.jwtPrivate]: pick("jwt-signing.key"),
    [CERTIFICATE_SECRETS.jwtPublic]: pick("jwt-signing.pub"),
  };
}

export interface FlyServiceAppsArgs {
  readonly environment: FlyEnvironment;
  readonly org: string;
  readonly region: string;
  /** Service → Fly app, e.g. `{ gateway: "gaia-gateway-dev" }` (gaia:services). */
  readonly apps: Record<string, string>;
  /** Certificate volumes (gaia:certificates). */
  readonly volumeName: string;
  readonly volumeSizeGb: number;
  readonly volumesPerApp: number;
  /** `DevCertificates.files`; when given, each app gets its material as staged secrets. */
  readonly certificateFiles?: pulumi.Input<Record<string, string>>;
}

/** `gaia:fly:ServiceApps`: each service's app shell, its certificate volumes and staged secrets. */
export class FlyServiceApps extends pulumi.ComponentResource {
  readonly appCommands: Record<string, local.Command> = {};
  readonly volumeCommands: Record<string, local.Command> = {};
  readonly secretCommands: Record<string, local.Command> = {};
  /** Service → `created` | `adopted`. */
  readonly origins: pulumi.Output<Record<string, string>>;
  /** App → certificate volume ids. */
  readonly volumeIds: pulumi.Output<Record<string, string[]>>;
  readonly appNames: string[];

  /** Children per service: its app (kind `app`), volumes (`volume`), secrets (`certificate`). */
  constructor(name: string, args: FlyServiceAppsArgs, opts?: GaiaComponentOptions) {
    super("gaia:fly:ServiceApps", name, {}, opts);
    const origins: Record<string, pulumi.Output<string>> = {};
    const volumeIds: Record<string, pulumi.Output<string[]>> = {};
    for (const [service, app] of Object.entries(args.apps)) {
      const appCmd = flyCommand(
        `${name}-${service}-app`,
        {
          kind: "app",
          stack: args.environment,
          environment: { APP_NAME: app, ORG: args.org },
          secretOutput: false,
          noDelete: true,
        },
        { parent: this, ...optionsFor(opts, "app") },
      );
      const volCmd = flyCommand(
        `${name}-${service}-volumes`,
        {
          kind: "certificate-volume",
          stack: args.environment,
          environment: {
            APP_NAME: app,
            VOLUME_NAME: args.volumeName,
            REGION: args.region,
            VOLUME_SIZE_GB: String(args.volumeSizeGb),
            VOLUME_COUNT: String(args.volumesPerApp),
          },
          secretOutput: false,
        },
        { parent: this, dependsOn: [appCmd], ...optionsFor(opts, "volume") },
      );
      this.appCommands[service] = appCmd;
      this.volumeCommands[service] = volCmd;
      origins[service] = field(appCmd, "origin", "adopted");
      volumeIds[app] = field<string[]>(volCmd, "volumes", []);
      if (args.certificateFiles !== undefined) {
        const secrets = pulumi
          .output(args.certificateFiles)
          .apply((files) => certificateSecrets(files, service));
        this.secretCommands[service] = flyCommand(
          `${name}-${service}-secrets`,
          {
            kind: "secrets",
            stack: args.environment,
            environment: {
              APP_NAME: app,
              SECRET_NAMES: Object.values(CERTIFICATE_SECRETS).join(","),
            },
            secrets: pulumi.output({ secrets }),
            secretOutput: false,
          },
          { parent: this, dependsOn: [appCmd], ...optionsFor(opts, "certificate") },
        );
      }
    }
    this.appNames = Object.values(args.apps);
    this.origins = pulumi.output(origins);
    this.volumeIds = pulumi.output(volumeIds);
    this.registerOutputs({ origins: this.origins, volumeIds: this.volumeIds });
  }
}
