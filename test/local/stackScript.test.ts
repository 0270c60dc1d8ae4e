/**
 * scripts/local-up.sh and src/local/stack.sh, run for real by bash against fake `pulumi` and
 * `docker` executables on a PATH that holds nothing else. The scripts are copied into a scratch
 * checkout so that the default `./.pulumi-state` is created there, not in this repository.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = join(__dirname, "..", "..");
const bash = spawnSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
const MKDIR = spawnSync("sh", ["-c", "command -v mkdir"], { encoding: "utf8" }).stdout.trim();
let checkout: string;

beforeAll(() => {
  checkout = mkdtempSync(join(tmpdir(), "gaia-local-script-"));
  for (const file of ["scripts/local-up.sh", "src/local/stack.sh"]) {
    mkdirSync(join(checkout, file, ".."), { recursive: true });
    copyFileSync(join(repo, file), join(checkout, file));
  }
  mkdirSync(join(checkout, "node_modules"));
});
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

const PULUMI_HINT =
  "The Pulumi CLI is not on your PATH. Install it (https://www.pulumi.com/docs/iac/download-install/, e.g. curl -fsSL https://get.pulumi.com | sh), open a new shell and run the command again. No Pulumi account is needed for the local stack.\n";
const DOCKER_HINT =
  "Docker is not on your PATH. Install Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/), start it and run the command again.\n";

/** Fake tools: each logs its arguments (and pulumi its environment) to $FAKE_LOG. */
const FAKES = {
  pulumi: `echo "pulumi $* [backend=$PULUMI_BACKEND_URL passphrase=\${PULUMI_CONFIG_PASSPHRASE-unset}\${DOCKER_CONTEXT:+ context=$DOCKER_CONTEXT}]" >> "$FAKE_LOG"`,
  docker: [
    'echo "docker $*" >> "$FAKE_LOG"',
    'case "$1 $2" in',
    '  "info ") [ -z "$DOCKER_DOWN" ] || exit 1 ;;',
    '  "ps -aq") echo c1; echo c2 ;;',
    '  "ps -a") echo "gaia-postgres:local"; [ -z "$FAKE_HOLDER" ] || echo "$FAKE_HOLDER" ;;',
    '  "volume ls") echo gaia_postgres_data; echo gaia_certs ;;',
    '  "network ls") [ -z "$NO_NETWORK" ] && echo n1 ;;',
    '  "network inspect") echo "gaia-gateway-1 " ;;',
    '  "context show") if [ -n "$FAKE_CONTEXT" ]; then echo "$FAKE_CONTEXT"; else echo default; fi ;;',
    "esac",
    "exit 0",
  ].join("\n"),
};

function run(
  script: string,
  args: string[],
  tools: (keyof typeof FAKES)[],
  env: Record<string, string> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "gaia-fake-bin-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const tool of tools) {
    writeFileSync(join(bin, tool), `#!/bin/sh\n${FAKES[tool]}\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  // The one ordinary tool the script needs besides the fakes.
  symlinkSync(MKDIR, join(bin, "mkdir"));
  const log = join(dir, "log");
  writeFileSync(log, "");
  const result = spawnSync(bash, [script, ...args], {
    cwd: checkout,
    encoding: "utf8",
    env: { PATH: bin, HOME: dir, FAKE_LOG: log, ...env },
  });
  const calls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

describe("npm run local:up", () => {
  it("without pulumi on the PATH prints the install hint and exits 127", () => {
    expect(run("scripts/local-up.sh", [], ["docker"])).toEqual({
      status: 127,
      stdout: "",
      stderr: PULUMI_HINT,
      calls: [],
    });
  });

  it("without docker on the PATH prints the install hint and exits 127", () => {
    expect(run("scripts/local-up.sh", [], ["pulumi"])).toEqual({
      status: 127,
      stdout: "",
      stderr: DOCKER_HINT,
      calls: [],
    });
  });

  it("with neither, names both", () => {
    const result = run("scripts/local-up.sh", [], []);
    expect(result.status).toBe(127);
    expect(result.stderr).toBe(PULUMI_HINT + DOCKER_HINT);
  });

  it("with Docker stopped says so and exits 1", () => {
    expect(run("scripts/local-up.sh", [], ["pulumi", "docker"], { DOCKER_DOWN: "1" })).toEqual({
      status: 1,
      stdout: "",
      stderr:
        "Docker is installed but not running (docker info failed). Start Docker Desktop or the Docker daemon and run the command again.\n",
      calls: ["docker info"],
    });
  });

  it("uses a relative file backend and an empty passphrase by default", () => {
    rmSync(join(checkout, ".pulumi-state"), { recursive: true, force: true });
    const result = run("scripts/local-up.sh", [], ["pulumi", "docker"]);
    expect(result.status).toBe(0);
    expect(result.calls).toEqual([
      "docker info",
      "docker context show",
      "pulumi stack select --create local --non-interactive [backend=file://./.pulumi-state passphrase=]",
      "pulumi up --yes --refresh --non-interactive -s local [backend=file://./.pulumi-state passphrase=]",
    ]);
    expect(existsSync(join(checkout, ".pulumi-state"))).toBe(true);
  });

  it("keeps a backend and passphrase the user chose", () => {
    const result = run("scripts/local-up.sh", [], ["pulumi", "docker"], {
      PULUMI_BACKEND_URL: "s3://bucket/gaia",
      PULUMI_CONFIG_PASSPHRASE: "mine",
    });
    expect(result.calls.slice(2)).toEqual([
      "pulumi stack select --create local --non-interactive [backend=s3://bucket/gaia passphrase=mine]",
      "pulumi up --yes --refresh --non-interactive -s local [backend=s3://bucket/gaia passphrase=mine]",
    ]);
  });

  it("points the Docker provider at the CLI's current context (Colima, OrbStack, rootless)", () => {
    const result = run("scripts/local-up.sh", [], ["pulumi", "docker"], { FAKE_CONTEXT: "colima" });
    expect(result.calls.at(-1)).toBe(
      "pulumi up --yes --refresh --non-interactive -s local [backend=file://./.pulumi-state passphrase= context=colima]",
    );
  });

  it("works from any directory", () => {
    const result = spawnSync(bash, [join(checkout, "scripts/local-up.sh")], {
      cwd: tmpdir(),
      encoding: "utf8",
      env: { PATH: "/nonexistent" },
    });
    expect(result.stderr).toBe(PULUMI_HINT + DOCKER_HINT);
  });
});

describe("npm run local:down", () => {
  it("removes only the containers and what depends on them, keeping passwords, keys and volumes", () => {
    expect(run("src/local/stack.sh", ["down"], ["pulumi", "docker"])).toEqual({
      status: 0,
      stdout:
        "Stopped the local containers. Data volumes, passwords, certificates and keys are kept: npm run local:up brings them back. To delete everything: npm run local:wipe -- --yes\n",
      stderr: "",
      calls: [
        "docker context show",
        // A glob --target (pkg/resource/deploy/deployment.go NewUrnTargets: '*' makes a glob);
        // the password and migration commands depend on the Postgres container.
        "pulumi destroy --yes --non-interactive -s local --target **$docker:index/container:Container::* --target-dependents [backend=file://./.pulumi-state passphrase=]",
      ],
    });
  });
});

describe("npm run local:pulumi", () => {
  it("runs any pulumi command on the local stack with its backend and empty passphrase", () => {
    expect(
      run("src/local/stack.sh", ["pulumi", "stack", "output", "--show-secrets"], ["pulumi"]),
    ).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
      calls: [
        "pulumi stack output --show-secrets --stack local [backend=file://./.pulumi-state passphrase=]",
      ],
    });
  });

  it.each([["-s"], ["--stack"], ["--stack=dev"], ["-s=production"]])(
    "refuses another stack (%s)",
    (flag) => {
      const result = run("src/local/stack.sh", ["pulumi", "up", flag, "dev"], ["pulumi"]);
      expect(result).toEqual({
        status: 2,
        stdout: "",
        stderr: `local:pulumi always works on the local stack; drop ${flag} (for a Fly stack run pulumi itself, with that stack's passphrase).\n`,
        calls: [],
      });
    },
  );
});

describe("npm run local:wipe", () => {
  it.each([[[]], [["--force"]], [["yes"]]])("refuses without --yes (%j)", (args) => {
    expect(run("src/local/stack.sh", ["wipe", ...args], ["pulumi", "docker"])).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "local:wipe deletes the local Postgres, Redis and certificate volumes for good. To go ahead: npm run local:wipe -- --yes\n",
      calls: [],
    });
  });

  const HOLDER_CHECK = [
    "docker info",
    "docker volume ls -q --filter label=com.aeonia.gaia.stack=local",
    'docker ps -a --filter volume=gaia_postgres_data --format {{.Names}}:{{.Label "com.aeonia.gaia.stack"}}',
    'docker ps -a --filter volume=gaia_certs --format {{.Names}}:{{.Label "com.aeonia.gaia.stack"}}',
  ];
  const DOCKER_WIPE = [
    "docker ps -aq --filter label=com.aeonia.gaia.stack=local",
    "docker rm -f c1 c2",
    "docker volume rm gaia_postgres_data gaia_certs",
    "docker network ls -q --filter label=com.aeonia.gaia.stack=local",
    "docker network inspect -f {{range .Containers}}{{.Name}} {{end}} n1",
    "docker network disconnect -f n1 gaia-gateway-1",
    "docker network rm n1",
  ];

  it("with --yes forgets the stack's state first, then removes the labelled objects, asking nothing", () => {
    const result = run("src/local/stack.sh", ["wipe", "--yes"], ["pulumi", "docker"]);
    expect(result).toEqual({
      status: 0,
      stdout:
        "Removed the local stack's state, containers, volumes and network. npm run local:up starts from empty volumes.\n",
      stderr: "",
      calls: [
        ...HOLDER_CHECK,
        "docker context show",
        "pulumi stack select local --non-interactive [backend=file://./.pulumi-state passphrase=]",
        "pulumi stack rm local --force --yes --preserve-config --non-interactive [backend=file://./.pulumi-state passphrase=]",
        ...DOCKER_WIPE,
      ],
    });
  });

  it("changes nothing while a container of another project uses a volume, and names it", () => {
    const result = run("src/local/stack.sh", ["wipe", "--yes"], ["pulumi", "docker"], {
      FAKE_HOLDER: "gaia-gateway-1:",
    });
    expect(result).toEqual({
      status: 1,
      stdout: "",
      stderr:
        "local:wipe: nothing was removed. Containers of other projects use the local stack's volumes: gaia-gateway-1 (uses gaia_postgres_data) gaia-gateway-1 (uses gaia_certs). Remove them (docker rm -f <name>) and run npm run local:wipe -- --yes again.\n",
      calls: HOLDER_CHECK,
    });
  });

  it("without the Pulumi CLI removes nothing (the state must go first) and says what to install", () => {
    expect(run("src/local/stack.sh", ["wipe", "--yes"], ["docker"])).toEqual({
      status: 127,
      stdout: "",
      stderr: PULUMI_HINT,
      calls: [],
    });
  });

  it("skips what is already gone", () => {
    const result = run("src/local/stack.sh", ["wipe", "--yes"], ["pulumi", "docker"], {
      NO_NETWORK: "1",
    });
    expect(result.status).toBe(0);
    expect(result.calls.at(-1)).toBe(
      "docker network ls -q --filter label=com.aeonia.gaia.stack=local",
    );
  });
});

describe("stack.sh", () => {
  it("rejects an unknown action", () => {
    const result = run("src/local/stack.sh", ["start"], []);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "usage: bash src/local/stack.sh up | down | wipe --yes | pulumi <args>\n",
    );
  });
});
