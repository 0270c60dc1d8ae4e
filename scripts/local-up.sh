#!/usr/bin/env bash
# `npm run local:up`: brings up the local Gaia data tier (Postgres 15 + pgvector, Redis 7,
# development certificates) on Docker. The work is done by src/local/stack.sh, which also
# implements local:down and local:wipe.
set -euo pipefail
here=${BASH_SOURCE[0]%/*}
[[ $here == "${BASH_SOURCE[0]}" ]] && here=.
exec "$BASH" "$here/../src/local/stack.sh" up "$@"
