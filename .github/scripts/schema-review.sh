#!/usr/bin/env bash
# Runs `gaia-db review --measure` for the schema-review workflow and writes the Markdown report
# (the head is also measured on tables filled with 10,000 generated rows each).
# Inputs: applied/<stack>.json (each stack's migrationFiles output, when it could be read),
# GAIA_REVIEW_DATABASE_URL (the service container). Outputs ($GITHUB_OUTPUT): report=<path of the
# report, empty when the review could not run>, status=<gaia-db's exit code>.
set -uo pipefail

report="${RUNNER_TEMP:-/tmp}/schema-review.md"
rm -f "$report"
args=()
for file in applied/*.json; do
  [[ -e "$file" ]] || continue
  args+=(--applied "$(basename "$file" .json)=$file")
done

status=0
node bin/gaia-db.js review --measure --output "$report" "${args[@]}" >/dev/null || status=$?

if [[ -f "$report" ]]; then
  cat "$report" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
else
  report=""
fi
{
  echo "report=$report"
  echo "status=$status"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
