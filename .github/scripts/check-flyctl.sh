#!/usr/bin/env bash
# The Fly commands of `pulumi up` run `$GAIA_FLYCTL`, else `fly` (src/fly/runtime/flyctl.ts): give
# `fly` to the flyctl setup-flyctl installed when nothing has that name (the release archive holds
# only `flyctl`), then check that the binary the commands run is the release the code was verified
# against (src/fly/flyctlVersion.ts). A `fly` earlier on PATH is what runs, so that is what is checked.
set -euo pipefail
want="$(sed -n 's/^export const PINNED_FLYCTL_VERSION = "\(.*\)";$/\1/p' src/fly/flyctlVersion.ts)"
runs="${GAIA_FLYCTL:-fly}"
if [[ -z "${GAIA_FLYCTL:-}" ]] && ! command -v fly >/dev/null; then
  flyctl="$(command -v flyctl || true)"
  if [[ -z "$flyctl" ]]; then
    echo "::error::neither fly nor flyctl is on PATH: the setup-flyctl step must run before this one." >&2
    exit 1
  fi
  ln -s "$flyctl" "$(dirname "$flyctl")/fly"
fi
path="$(command -v "$runs" || true)"
if [[ -z "$path" ]]; then
  echo "::error::GAIA_FLYCTL names $runs, which is not an executable: set it to flyctl's path or unset it." >&2
  exit 1
fi
got="$("$path" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s.trim().split("\n").pop()).Version)}catch{console.log("")}})')"
if [[ "$got" != "$want" ]]; then
  echo "::error::$runs ($path), which the Fly commands run, is flyctl ${got:-of an unknown version}, but the Fly code is verified against ${want} (src/fly/flyctlVersion.ts)." >&2
  exit 1
fi
echo "$runs is flyctl ${got} ($path)"
