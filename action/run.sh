#!/usr/bin/env bash
# The logic of the scimdrift GitHub Action (action.yml at the repository
# root). Every input arrives as an environment variable (INPUT_*), never
# pasted into a script by an expression, so no input can inject shell code.
#
#   run.sh cache-key   writes `key` and `root` (where scimdrift is installed)
#                      to $GITHUB_OUTPUT
#   run.sh install     cargo install --locked from $GITHUB_ACTION_PATH into root
#   run.sh check       scimdrift validate, then scimdrift check; writes the
#                      outputs exit-code, status, report-json and sarif, the
#                      annotations and the job summary; exits 0 whatever the
#                      check found (the `finish` step fails the job after the
#                      SARIF upload)
#   run.sh finish      exits with $EXIT_CODE, saying why
#
# crates/scimdrift-cli/tests/it/action.rs runs `check` against a simulated
# instance with a faked GITHUB_* environment.
set -euo pipefail

die() {
  echo "::error title=scimdrift action::$1"
  exit 1
}

output() {
  printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
}

summary() {
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    printf '%s\n' "$@" >> "$GITHUB_STEP_SUMMARY"
  fi
}

action_path() {
  local path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
  [ -f "$path/crates/scimdrift-cli/Cargo.toml" ] || die "no scimdrift sources at $path"
  printf '%s' "$path"
}

cache_key() {
  local path hash
  path=$(action_path)
  # The ref names the version; the hash of the sources makes a moving ref
  # (a branch) rebuild when it moves.
  hash=$(cd "$path" && find Cargo.toml Cargo.lock rust-toolchain.toml crates -type f \
    \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' -o -name 'rust-toolchain.toml' \) \
    -not -path '*/tests/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  local ref="${GITHUB_ACTION_REF:-local}"
  ref="${ref//[^A-Za-z0-9._-]/_}"
  output key "scimdrift-${RUNNER_OS:-unknown}-${ref}-${hash}"
  output root "${RUNNER_TEMP:?RUNNER_TEMP is not set}/scimdrift"
}

install() {
  local path root
  path=$(action_path)
  root="${SCIMDRIFT_ROOT:?SCIMDRIFT_ROOT is not set}"
  # From the action's own directory, so its rust-toolchain.toml applies.
  (cd "$path" && cargo install --locked --quiet --path crates/scimdrift-cli --root "$root")
  "$root/bin/scimdrift" --version
}

# The file name each report format is written to.
report_file() {
  case "$1" in
    json) echo report.json ;;
    sarif) echo report.sarif ;;
    markdown) echo report.md ;;
    junit) echo report.xml ;;
    csv) echo report.csv ;;
    openmetrics) echo report.prom ;;
    human) echo report.txt ;;
    owners) echo owners ;;
    *) return 1 ;;
  esac
}

check() {
  local bin="${SCIMDRIFT_BIN:-scimdrift}"
  local mode="${INPUT_MODE:-pr}"
  local dir="${INPUT_OUTPUT_DIR:-scimdrift-report}"
  command -v "$bin" > /dev/null || die "cannot run \`$bin\`: install step missing?"
  case "$mode" in
    pr | scheduled) ;;
    *) die "input mode must be \`pr\` or \`scheduled\`, not \`$mode\`" ;;
  esac
  mkdir -p "$dir"

  local common=()
  if [ -n "${INPUT_POLICIES:-}" ]; then
    common+=(--policies "$INPUT_POLICIES")
  fi

  # 1. validate: no network; a broken policy stops here with exit 4.
  local code=0
  "$bin" validate "${common[@]}" > "$dir/validate.txt" 2>&1 || code=$?
  cat "$dir/validate.txt"
  if [ "$code" -ne 0 ]; then
    output exit-code "$code"
    output status invalid
    summary "## scimdrift: the policies do not validate (exit $code)" "" '```' \
      "$(head -c 60000 "$dir/validate.txt")" '```'
    return 0
  fi

  # 2. check.
  local args=(check "${common[@]}" --format github --output "json=$dir/report.json")
  local format file formats=()
  # Comma- or space-separated; json is always written (the outputs read it).
  local raw="${INPUT_FORMATS-json,sarif,markdown}"
  read -r -a formats <<< "${raw//,/ }" || true
  for format in "${formats[@]}"; do
    [ "$format" = json ] && continue
    file=$(report_file "$format") || die "unknown format \`$format\` in input formats"
    args+=(--output "$format=$dir/$file")
  done
  if [ -n "${INPUT_SNAPSHOT:-}" ]; then
    args+=(--snapshot "$INPUT_SNAPSHOT")
  fi
  if [ -n "${INPUT_FAIL_ON:-}" ]; then
    args+=(--fail-on "$INPUT_FAIL_ON")
  fi
  if [ "$mode" = pr ]; then
    local base="${INPUT_BASE_REF:-}"
    if [ -z "$base" ]; then
      [ -n "${GITHUB_BASE_REF:-}" ] || die "mode pr needs input base-ref outside pull_request events"
      base="origin/$GITHUB_BASE_REF"
    fi
    args+=(--base "$base" --fail-on-introduced-only)
  elif [ -n "${INPUT_STATE_DIR:-}" ]; then
    args+=(--state-dir "$INPUT_STATE_DIR" --fail-on-new)
  fi
  # extra-args: split on whitespace only (no globbing, no evaluation).
  local extra=()
  read -r -a extra <<< "${INPUT_EXTRA_ARGS:-}" || true
  args+=("${extra[@]}")

  code=0
  "$bin" "${args[@]}" || code=$?
  output exit-code "$code"
  local status=error
  if [ -f "$dir/report.json" ]; then
    status=$(grep -o -m1 '"status": *"[a-z]*"' "$dir/report.json" | sed 's/.*"\([a-z]*\)"$/\1/')
    output report-json "$dir/report.json"
  fi
  if [ -f "$dir/report.sarif" ]; then
    output sarif "$dir/report.sarif"
  fi
  output status "${status:-error}"
  if [ "$status" = error ] || [ ! -f "$dir/report.json" ]; then
    summary "## scimdrift: the check failed (exit $code)" "" \
      "See the step's log for the error."
  fi
  return 0
}

finish() {
  local code="${EXIT_CODE:-1}"
  case "$code" in
    0) echo "scimdrift: clean" ;;
    2) echo "::error title=scimdrift::drift (exit 2): see the annotations and the job summary" ;;
    3) echo "::error title=scimdrift::the live data is incomplete (exit 3): nothing was concluded" ;;
    4) echo "::error title=scimdrift::invalid input (exit 4): see the log" ;;
    *) echo "::error title=scimdrift::scimdrift failed (exit $code): see the log" ;;
  esac
  exit "$code"
}

case "${1:-}" in
  cache-key) cache_key ;;
  install) install ;;
  check) check ;;
  finish) finish ;;
  *) die "usage: run.sh cache-key|install|check|finish" ;;
esac
