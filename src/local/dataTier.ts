/**
 * The Gaia data tier on a laptop: PostgreSQL 15 with pgvector, Redis 7 and the development
 * certificates, on the `gaia_net` Docker network the services join.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DevCertificates } from "../certs/devCertificates";
import type { LocalSettings } from "../config/schema";
import { type GaiaComponentOptions, optionsFor } from "../shared/components";
import type { ResourceKind } from "../shared/vocabulary";
import {
  APPLY_POSTGRES_PASSWORD,
  alterPasswordSql,
  LOCAL_LABEL,
  packFiles,
  WRITE_CERTIFICATES,
} from "./dockerCommands";

export interface LocalDataTierArgs {
  /**
   * `gaia:postgres`: the container's `name` and the `database` every service shares. Grouped as
   * in the config, so that each value keeps its name (`name` is also Redis's).
   */
  readonly postgres: { readonly name: string; readonly database: string };
  /** `gaia:redis`: the container's `name`. */
  readonly redis: { readonly name: string };
  readonly local: LocalSettings;
  /** Services that get certificates (the keys of `gaia:services`). */
  readonly services: readonly string[];
  /** Configured passwords; each one left unset is generated once and kept in state. */
  readonly postgresPassword?: pulumi.Input<string>;
  readonly redisPassword?: pulumi.Input<string>;
}

/** Docker names the services and `local:wipe` rely on; the same in every checkout. */
export const LOCAL_NAMES = {
  network: "gaia_net",
  postgresVolume: "gaia_postgres_data",
  redisVolume: "gaia_redis_data",
  certificatesVolume: "gaia_certs",
  postgresAlias: "db",
  redisAlias: "redis",
} as const;

const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;
const USER = "postgres";

/** How a process on the host reaches Postgres (for migrations and `gaia-db`). */
export interface HostConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: pulumi.Output<string>;
}

export class LocalDataTier extends pulumi.ComponentResource {
  /** The Postgres container; created only once it is healthy. */
  readonly postgresContainer: docker.Container;
  /** Depend on these before connecting: the healthy server and its current password. */
  readonly postgresReady: pulumi.Resource[];
  readonly postgres: HostConnection;
  readonly redisHost: string;
  readonly redisPort: number;
  /** Host-side URLs (secret). `databaseUrl` resolves only after the password is applied. */
  readonly databaseUrl: pulumi.Output<string>;
  readonly redisUrl: pulumi.Output<string>;
  /** In-network URLs the services use (secret). */
  readonly internalDatabaseUrl: pulumi.Output<string>;
  readonly internalRedisUrl: pulumi.Output<string>;
  readonly certificatesVolume: pulumi.Output<string>;
  readonly certificates: DevCertificates;

  /**
   * Children: the network, volumes, images and containers, by their kind; the password
   * commands, the generated passwords and the certificates (kind `certificate`, inside
   * DevCertificates).
   */
  constructor(name: string, args: LocalDataTierArgs, opts?: GaiaComponentOptions) {
    super("gaia:local:DataTier", name, {}, opts);
    const parent = { parent: this };
    const labels = [LOCAL_LABEL];
    // Fixed Docker names: a replacement must remove the old object before creating the new one.
    const options = (kind: ResourceKind) => ({
      ...parent,
      ...optionsFor(opts, kind),
      deleteBeforeReplace: true,
    });

    const network = new docker.Network(
      `${name}-network`,
      { name: LOCAL_NAMES.network, labels },
      options("network"),
    );
    const volume = (suffix: string, volumeName: string) =>
      new docker.Volume(`${name}-${suffix}`, { name: volumeName, labels }, options("volume"));
    const postgresData = volume("postgres-data", LOCAL_NAMES.postgresVolume);
    const redisData = volume("redis-data", LOCAL_NAMES.redisVolume);
    const certsVolume = volume("certs", LOCAL_NAMES.certificatesVolume);

    // keepLocally: `destroy` should not make the next `up` download the images again.
    const image = (suffix: string, ref: string) =>
      new docker.RemoteImage(
        `${name}-${suffix}`,
        { name: ref, keepLocally: true },
        options("image"),
      );
    const postgresImage = image("postgres-image", args.local.postgresImage);
    const redisImage = image("redis-image", args.local.redisImage);

    const generated = (suffix: string) =>
      new random.RandomPassword(`${name}-${suffix}`, { length: 32, special: false }, parent).result;
    // Alphanumeric when generated; a configured password is URL-encoded below.
    const postgresPassword = pulumi.secret(args.postgresPassword ?? generated("postgres-password"));
    const redisPassword = pulumi.secret(args.redisPassword ?? generated("redis-password"));

    this.postgresContainer = new docker.Container(
      `${name}-postgres`,
      {
        name: args.postgres.name,
        image: postgresImage.imageId,
        envs: [
          `POSTGRES_DB=${args.postgres.database}`,
          `POSTGRES_USER=${USER}`,
          pulumi.interpolate`POSTGRES_PASSWORD=${postgresPassword}`,
        ],
        ports: [{ internal: POSTGRES_PORT, external: args.local.postgresPort, ip: "127.0.0.1" }],
        volumes: [{ volumeName: postgresData.name, containerPath: "/var/lib/postgresql/data" }],
        networksAdvanced: [{ name: network.name, aliases: [LOCAL_NAMES.postgresAlias] }],
        // Over TCP: during first initialisation the entrypoint runs a socket-only server, and a
        // socket check would pass before the real server listens.
        healthcheck: {
          tests: [
            "CMD-SHELL",
            `pg_isready -h 127.0.0.1 -p ${POSTGRES_PORT} -U ${USER} -d ${args.postgres.database}`,
          ],
          interval: "2s",
          timeout: "5s",
          retries: 30,
          startPeriod: "10s",
        },
        wait: true,
        waitTimeout: 180,
        restart: "unless-stopped",
        labels,
      },
      options("container"),
    );

    const passwordApplied = new command.local.Command(
      `${name}-postgres-password-apply`,
      {
        create: APPLY_POSTGRES_PASSWORD,
        environment: { GAIA_POSTGRES_CONTAINER: this.postgresContainer.name },
        stdin: pulumi.secret(postgresPassword.apply((pw) => alterPasswordSql(pw))),
        logging: "none",
        // A new container may sit on a volume initialised with an older password.
        triggers: [this.postgresContainer.id],
      },
      { ...parent, dependsOn: [this.postgresContainer] },
    );
    this.postgresReady = [this.postgresContainer, passwordApplied];

    new docker.Container(
      `${name}-redis`,
      {
        name: args.redis.name,
        image: redisImage.imageId,
        // The password reaches redis-server through the environment, so it is not in `command`;
        // the image's entrypoint still drops to the redis user.
        command: [
          "sh",
          "-c",
          'exec docker-entrypoint.sh redis-server --appendonly yes --requirepass "$REDIS_PASSWORD"',
        ],
        envs: [
          pulumi.interpolate`REDIS_PASSWORD=${redisPassword}`,
          pulumi.interpolate`REDISCLI_AUTH=${redisPassword}`,
        ],
        ports: [{ internal: REDIS_PORT, external: args.local.redisPort, ip: "127.0.0.1" }],
        volumes: [{ volumeName: redisData.name, containerPath: "/data" }],
        networksAdvanced: [{ name: network.name, aliases: [LOCAL_NAMES.redisAlias] }],
        healthcheck: {
          tests: ["CMD-SHELL", "redis-cli -h 127.0.0.1 ping | grep -q PONG"],
          interval: "2s",
          timeout: "5s",
          retries: 15,
        },
        wait: true,
        waitTimeout: 60,
        restart: "unless-stopped",
        labels,
      },
      options("container"),
    );

    this.certificates = new DevCertificates(
      `${name}-certs`,
      { environment: "local", services: args.services },
      { ...parent, ...(opts?.childOptions ? { childOptions: opts.childOptions } : {}) },
    );
    new command.local.Command(
      `${name}-certs-write`,
      {
        create: WRITE_CERTIFICATES,
        // The redis image is already pulled and has sh and base64.
        environment: {
          GAIA_CERTS_VOLUME: certsVolume.name,
          GAIA_HELPER_IMAGE: redisImage.imageId,
        },
        stdin: pulumi.secret(this.certificates.files.apply(packFiles)),
        logging: "none",
      },
      parent,
    );

    // The encoder of src/migrations/postgresUrl.ts (encodeURIComponent), applied here because
    // src/local builds on src/certs and src/config only.
    const pw = postgresPassword.apply(encodeURIComponent);
    const redisPw = redisPassword.apply(encodeURIComponent);
    this.postgres = {
      host: "localhost",
      port: args.local.postgresPort,
      database: args.postgres.database,
      user: USER,
      password: postgresPassword,
    };
    this.redisHost = "localhost";
    this.redisPort = args.local.redisPort;
    this.databaseUrl = pulumi.secret(
      pulumi
        .all([pw, passwordApplied.id])
        .apply(
          ([p]) =>
            `postgresql://${USER}:${p}@localhost:${args.local.postgresPort}/${args.postgres.database}`,
        ),
    );
    this.internalDatabaseUrl = pulumi.secret(
      pulumi.interpolate`postgresql://${USER}:${pw}@${LOCAL_NAMES.postgresAlias}:${POSTGRES_PORT}/${args.postgres.database}`,
    );
    this.redisUrl = pulumi.secret(
      pulumi.interpolate`redis://:${redisPw}@localhost:${args.local.redisPort}`,
    );
    this.internalRedisUrl = pulumi.secret(
      pulumi.interpolate`redis://:${redisPw}@${LOCAL_NAMES.redisAlias}:${REDIS_PORT}`,
    );
    this.certificatesVolume = certsVolume.name;

    this.registerOutputs({
      databaseUrl: this.databaseUrl,
      redisUrl: this.redisUrl,
      internalDatabaseUrl: this.internalDatabaseUrl,
      internalRedisUrl: this.internalRedisUrl,
      certificatesVolume: this.certificatesVolume,
    });
  }
}
