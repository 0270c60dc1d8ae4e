#!/usr/bin/env bash
# The Fly commands of `pulumi up` run `fly`: check that the installed flyctl is the release the code
# was verified against (src/fly/flyctlVersion.ts), and give it the `fly` name the code calls (the
# release archive holds only `flyctl`).
set -euo pipefail
want="$(sed -n 's/^export const PINNED_FLYCTL_VERSION = "\(.*\)";$/\1/p' src/fly/flyctlVersion.ts)"
flyctl="$(command -v flyctl || true)"
if [[ -z "$flyctl" ]]; then
  echo "::error::flyctl is not on PATH: the setup-flyctl step must run before this one." >&2
  exit 1
fi
got="$(flyctl version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s.trim().split("\n").pop()).Version)}catch{console.log("")}})')"
if [[ "$got" != "$want" ]]; then
  echo "::error::flyctl ${got:-of an unknown version} is installed, but the Fly code is verified against ${want} (src/fly/flyctlVersion.ts)." >&2
  exit 1
fi
if ! command -v fly >/dev/null; then ln -s "$flyctl" "$(dirname "$flyctl")/fly"; fi
echo "flyctl ${got} at ${flyctl}"
