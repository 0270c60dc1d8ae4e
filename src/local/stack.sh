#!/usr/bin/env bash
# The local stack's lifecycle: `up` (npm run local:up), `down` (npm run local:down), `wipe --yes`
# (npm run local:wipe -- --yes), and `pulumi <args>` (npm run local:pulumi -- <args>: any pulumi
# command on the local stack, with its backend and passphrase). Needs no Pulumi account, login or
# passphrase prompt; the empty passphrase never leaves this script, so it cannot reach a Fly stack.
set -euo pipefail

# The project root: the relative file backend below resolves against the working directory.
here=${BASH_SOURCE[0]%/*}
[[ $here == "${BASH_SOURCE[0]}" ]] && here=.
cd "$here/../.."

# Must match LOCAL_LABEL in src/local/dockerCommands.ts.
label=com.aeonia.gaia.stack=local

# Prints a hint for every missing tool the action needs; exits 127 ("command not found") if any.
require_tools() {
  local missing=0 tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 && continue
    missing=1
    case $tool in
      pulumi)
        echo "The Pulumi CLI is not on your PATH. Install it (https://www.pulumi.com/docs/iac/download-install/, e.g. curl -fsSL https://get.pulumi.com | sh), open a new shell and run the command again. No Pulumi account is needed for the local stack." >&2
        ;;
      docker)
        echo "Docker is not on your PATH. Install Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/), start it and run the command again." >&2
        ;;
    esac
  done
  [[ $missing == 0 ]] || exit 127
}

require_docker_running() {
  if ! docker info >/dev/null 2>&1; then
    echo "Docker is installed but not running (docker info failed). Start Docker Desktop or the Docker daemon and run the command again." >&2
    exit 1
  fi
}

# A local file backend and an empty passphrase unless the user chose otherwise; this applies to
# the local stack only (these variables live and die with this script).
pulumi_env() {
  if [[ -z ${PULUMI_BACKEND_URL:-} ]]; then
    export PULUMI_BACKEND_URL=file://./.pulumi-state
    mkdir -p .pulumi-state
  fi
  if [[ -z ${PULUMI_CONFIG_PASSPHRASE+set} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
    export PULUMI_CONFIG_PASSPHRASE=
  fi
  # The Docker provider reads DOCKER_HOST/DOCKER_CONTEXT, not the CLI's current context (Colima,
  # OrbStack, rootless): point it at the daemon `docker info` just reached.
  if [[ -z ${DOCKER_HOST:-}${DOCKER_CONTEXT:-} ]] && command -v docker >/dev/null 2>&1; then
    local context
    context=$(docker context show 2>/dev/null || true)
    [[ -z $context || $context == default ]] || export DOCKER_CONTEXT=$context
  fi
}

action=${1:-}
case $action in
  up)
    require_tools pulumi docker
    require_docker_running
    pulumi_env
    [[ -d node_modules ]] || npm ci --no-audit --no-fund
    pulumi stack select --create local --non-interactive
    # --refresh: containers removed outside Pulumi (local:wipe, docker rm) are recreated.
    pulumi up --yes --refresh --non-interactive -s local
    ;;
  down)
    require_tools pulumi docker
    pulumi_env
    # Only the containers (and what depends on them: the password and migration commands) go.
    # The passwords, the CA, certificates and JWT keys stay in state and the volumes keep the data,
    # so the next local:up brings back the same tier the services were configured for.
    pulumi destroy --yes --non-interactive -s local \
      --target '**$docker:index/container:Container::*' --target-dependents
    echo "Stopped the local containers. Data volumes, passwords, certificates and keys are kept: npm run local:up brings them back. To delete everything: npm run local:wipe -- --yes"
    ;;
  pulumi)
    shift
    for arg in "$@"; do
      case $arg in
        -s | --stack | -s=* | --stack=*)
          echo "local:pulumi always works on the local stack; drop $arg (for a Fly stack run pulumi itself, with that stack's passphrase)." >&2
          exit 2
          ;;
      esac
    done
    require_tools pulumi
    pulumi_env
    exec pulumi "$@" --stack local
    ;;
  wipe)
    if [[ ${2:-} != --yes ]]; then
      echo "local:wipe deletes the local Postgres, Redis and certificate volumes for good. To go ahead: npm run local:wipe -- --yes" >&2
      exit 2
    fi
    require_tools pulumi docker
    require_docker_running
    volumes=$(docker volume ls -q --filter "label=$label")
    # A volume a container of another project still uses (services mount gaia_certs) cannot be
    # removed: find that out before anything is changed.
    holders=""
    for volume in $volumes; do
      for holder in $(docker ps -a --filter "volume=$volume" --format '{{.Names}}:{{.Label "com.aeonia.gaia.stack"}}'); do
        [[ $holder == *:local ]] || holders+=" ${holder%%:*} (uses $volume)"
      done
    done
    if [[ -n $holders ]]; then
      echo "local:wipe: nothing was removed. Containers of other projects use the local stack's volumes:$holders. Remove them (docker rm -f <name>) and run npm run local:wipe -- --yes again." >&2
      exit 1
    fi
    # The state goes first: it records the commands that migrated the old database and wrote the
    # old certificates, which have no Read. Were it kept while a volume survived, the next
    # local:up would trust it and leave an empty database unmigrated.
    pulumi_env
    if pulumi stack select local --non-interactive >/dev/null 2>&1; then
      pulumi stack rm local --force --yes --preserve-config --non-interactive >/dev/null
    fi
    containers=$(docker ps -aq --filter "label=$label")
    [[ -z $containers ]] || docker rm -f $containers >/dev/null
    [[ -z $volumes ]] || docker volume rm $volumes >/dev/null
    networks=$(docker network ls -q --filter "label=$label")
    for network in $networks; do
      # Service containers from other repositories join gaia_net; detach them so it can go.
      for attached in $(docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' "$network"); do
        docker network disconnect -f "$network" "$attached" >/dev/null
      done
      docker network rm "$network" >/dev/null
    done
    echo "Removed the local stack's state, containers, volumes and network. npm run local:up starts from empty volumes."
    ;;
  *)
    echo "usage: bash src/local/stack.sh up | down | wipe --yes | pulumi <args>" >&2
    exit 2
    ;;
esac
