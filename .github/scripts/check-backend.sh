#!/usr/bin/env bash
# Refuses to run Pulumi without a durable state backend. A runner is thrown away after the job, so
# a file: backend would lose the state and the next `up` would try to create every resource again.
set -euo pipefail
url="${PULUMI_BACKEND_URL:-}"
case "$url" in
  "")
    echo "::error::Repository variable PULUMI_BACKEND_URL is not set. Set it to the state backend (s3://<bucket>/gaia?region=<region> or https://api.pulumi.com); see docs/ci.md#state-backend-and-secrets-one-time-operator-steps." >&2
    exit 1
    ;;
  file:*)
    echo "::error::PULUMI_BACKEND_URL is a local file backend; CI runners are ephemeral, so state written there is lost. Use s3://, gs://, azblob:// or Pulumi Cloud (docs/ci.md#state-backend-and-secrets-one-time-operator-steps)." >&2
    exit 1
    ;;
esac
echo "State backend: ${url%%\?*}"
