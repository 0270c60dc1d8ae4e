#!/usr/bin/env bash
# Lints the migration files a pull request adds, with squawk, and writes a Markdown report.
# Inputs (env): BASE_REF (the pull request's base branch), SQUAWK_VERSION.
# Outputs ($GITHUB_OUTPUT): report=<path of the Markdown report>, failed=true|false.
set -euo pipefail

range="origin/${BASE_REF}...HEAD"
report="${RUNNER_TEMP:-/tmp}/sql-lint.md"
failed=false

mapfile -t added < <(git diff --name-only --diff-filter=A "$range" -- 'migrations/**/*.sql')
# Edits, renames and deletions of shipped files: the runner checksums applied files and refuses them.
mapfile -t changed < <(git diff --name-only --diff-filter=MDR "$range" -- 'migrations/**/*.sql')

{
  echo "### SQL lint"
  echo
  if ((${#added[@]} == 0)); then
    echo "No new migration files."
  else
    echo "New migration files (the runner applies them on the next deploy of each stack):"
    echo
    printf -- '- `%s`\n' "${added[@]}"
  fi
} >"$report"

if ((${#changed[@]} > 0)); then
  failed=true
  {
    echo
    echo "**Shipped migration files changed.** Applied migrations are immutable (the runner refuses a"
    echo "checksum change); add a new file instead:"
    echo
    printf -- '- `%s`\n' "${changed[@]}"
  } >>"$report"
fi

# Each file runs in one transaction, except those whose first line is `-- gaia:no-transaction`
# (CREATE INDEX CONCURRENTLY and friends): lint each group under the matching assumption.
in_transaction=()
no_transaction=()
for file in "${added[@]}"; do
  if [[ "$(head -n 1 "$file" | tr -d '\r')" == "-- gaia:no-transaction" ]]; then
    no_transaction+=("$file")
  else
    in_transaction+=("$file")
  fi
done

lint() {
  local output status=0
  output=$(npx --yes "squawk-cli@${SQUAWK_VERSION}" --pg-version=15.0 "$@" 2>&1) || status=$?
  printf '%s\n' "$output"
  {
    echo
    echo '```'
    printf '%s\n' "$output"
    echo '```'
  } >>"$report"
  return "$status"
}

if ((${#in_transaction[@]} > 0)); then
  echo >>"$report"
  echo "squawk, files run in a transaction:" >>"$report"
  lint --assume-in-transaction "${in_transaction[@]}" || failed=true
fi
if ((${#no_transaction[@]} > 0)); then
  echo >>"$report"
  echo "squawk, \`-- gaia:no-transaction\` files:" >>"$report"
  lint "${no_transaction[@]}" || failed=true
fi

if [[ "$failed" == false ]]; then
  printf '\nNo findings.\n' >>"$report"
fi
{
  echo "report=$report"
  echo "failed=$failed"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
