#!/usr/bin/env bash
# Lints the migration files a pull request adds, with squawk, and writes a Markdown report.
# Inputs (env): BASE_REF (the pull request's base branch), SQUAWK_VERSION.
# Outputs ($GITHUB_OUTPUT): report=<path of the Markdown report>, failed=true|false.
set -euo pipefail

base="origin/${BASE_REF:-}"
# Without the base (a shallow checkout, an unset BASE_REF) every diff below would be empty and the
# lint would pass having checked nothing.
if [[ -z "${BASE_REF:-}" ]] || ! git rev-parse --verify --quiet "${base}^{commit}" >/dev/null ||
  ! git merge-base "$base" HEAD >/dev/null 2>&1; then
  what="$base"
  [[ -n "${BASE_REF:-}" ]] || what="(BASE_REF is not set)"
  echo "::error::The pull request's base $what or its merge base with HEAD is not in this checkout, so the new migration files cannot be found. Check out with fetch-depth: 0 and set BASE_REF to the base branch." >&2
  exit 1
fi
range="${base}...HEAD"
report="${RUNNER_TEMP:-/tmp}/sql-lint.md"
failed=false

# Captured first (not read through a process substitution) so that a failing git stops the script.
added_list=$(git diff --name-only --diff-filter=A "$range" -- 'migrations/**/*.sql')
# Edits, renames and deletions of shipped files: the runner checksums applied files and refuses them.
changed_list=$(git diff --name-only --diff-filter=MDR "$range" -- 'migrations/**/*.sql')
mapfile -t added < <(printf '%s' "$added_list" | sed '/^$/d')
mapfile -t changed < <(printf '%s' "$changed_list" | sed '/^$/d')

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
