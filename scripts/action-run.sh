#!/usr/bin/env bash
# The steps of action.yml (the viscan GitHub Action), kept in one script so that they can be
# run and tested outside GitHub with a fake GITHUB_* environment. action.yml hands every input
# over as an environment variable (INPUT_*, never spliced into a script: no injection).
#
#   action-run.sh prepare  cache key and build directory   outputs: cache-key, cache-prefix, target-dir
#   action-run.sh build    build viscan from this action's source with cargo (version: source),
#                          or use the viscan on PATH (version: path)       output: bin
#   action-run.sh scan     run `viscan ci`: annotations, job summary, SARIF
#                          outputs: findings (written by viscan), sarif-file, checkout-path
#   action-run.sh result   fail the job when there are findings and fail-on-findings is true
#
# Exit status: 0 on success; 1 for findings (result) or bad inputs; viscan's own status (2) when
# the scan could not run as asked (e.g. a shallow checkout): that always fails the job.
set -euo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs as a step of GitHub Actions}"
ACTION_DIR="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"

# Workflow-command message escaping, as @actions/core does it.
escape() {
  local text="$1" percent='%'
  text="${text//"$percent"/%25}"
  text="${text//$'\r'/%0D}"
  text="${text//$'\n'/%0A}"
  printf '%s' "$text"
}

fail() {
  printf '::error title=viscan::%s\n' "$(escape "$1")"
  exit "${2:-1}"
}

# Sets a step output; a value with a line break uses the delimiter form so it cannot add outputs.
output() {
  if [[ "$2" == *$'\n'* || "$2" == *$'\r'* ]]; then
    local delimiter="viscan_${RANDOM}${RANDOM}${RANDOM}"
    printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
  else
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$@" | cut -c1-16
  else
    shasum -a 256 "$@" | cut -c1-16
  fi
}

prepare() {
  local target_dir="${VISCAN_TARGET_DIR:-$HOME/.cache/viscan-action/target}"
  local toolchain=none
  if command -v rustc >/dev/null 2>&1; then
    toolchain="$(rustc --version | sha256 -)"
  fi
  local prefix="viscan-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${toolchain}-"
  output target-dir "$target_dir"
  output cache-prefix "$prefix"
  output cache-key "${prefix}$(sha256 "$ACTION_DIR/Cargo.lock")"
}

build() {
  local bin
  case "${INPUT_VERSION:-source}" in
    source)
      command -v cargo >/dev/null 2>&1 ||
        fail "cargo is not installed: add a Rust toolchain step before this action, or install viscan yourself and set version: path"
      local target_dir="${TARGET_DIR:-$HOME/.cache/viscan-action/target}"
      echo "Building viscan from $ACTION_DIR (cargo build --release --locked)"
      CARGO_TARGET_DIR="$target_dir" cargo build --release --locked --quiet \
        --manifest-path "$ACTION_DIR/Cargo.toml"
      bin="$target_dir/release/viscan"
      if [ ! -f "$bin" ] && [ -f "$bin.exe" ]; then
        bin="$bin.exe" # Windows runners
      fi
      ;;
    path)
      bin="$(command -v viscan)" ||
        fail "version: path, but there is no viscan on PATH (install it first, or use version: source)"
      ;;
    *)
      fail "unknown version '${INPUT_VERSION}': use source (build this action's own source with cargo) or path (a viscan already on PATH)"
      ;;
  esac
  "$bin" --version
  output bin "$bin"
}

scan() {
  : "${VISCAN_BIN:?VISCAN_BIN is not set (the output bin of the build step)}"
  cd "${GITHUB_WORKSPACE:-$PWD}"
  local repo="${INPUT_PATH:-.}"
  [ -d "$repo" ] || fail "path: '$repo' is not a directory of the workspace"
  local repo_abs
  repo_abs="$(cd "$repo" && pwd)"
  local sarif="${INPUT_SARIF:-}"
  case "$sarif" in
    none | false) sarif="" ;;
    "") sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/viscan.sarif" ;;
    /*) ;;
    *) sarif="$PWD/$sarif" ;;
  esac
  local args=(ci "$repo_abs" --format github)
  if [ -n "$sarif" ]; then
    args+=(--sarif "$sarif")
  fi
  case "${INPUT_TRUST_RANGE_CONFIG:-false}" in
    true) args+=(--trust-range-config) ;;
    false) ;;
    *) fail "trust-range-config must be true or false, not '${INPUT_TRUST_RANGE_CONFIG}'" ;;
  esac
  case "${INPUT_STRICT:-false}" in
    true) args+=(--strict) ;;
    false) ;;
    *) fail "strict must be true or false, not '${INPUT_STRICT}'" ;;
  esac
  # Extra options, split on whitespace (line breaks too); no shell evaluation, no globbing.
  local extra=()
  if [ -n "${INPUT_ARGS:-}" ]; then
    read -r -d '' -a extra <<<"$INPUT_ARGS" || true
  fi
  local status=0
  "$VISCAN_BIN" "${args[@]}" ${extra[@]+"${extra[@]}"} || status=$?
  case "$status" in
    0 | 1) ;;
    *) fail "viscan ci could not scan what the event asks for (exit $status): see the error above" "$status" ;;
  esac
  if [ -n "$sarif" ]; then
    output sarif-file "$sarif"
  fi
  output checkout-path "$repo_abs"
}

result() {
  local findings="${FINDINGS:-}"
  [[ "$findings" =~ ^[0-9]+$ ]] || fail "the scan step reported no finding count"
  if [ "$findings" -eq 0 ]; then
    echo "viscan: no secrets found"
    return 0
  fi
  local message="$findings secret(s) found: rotate them (removing a key from the code does not revoke it); the annotations and the job summary say where"
  case "${INPUT_FAIL_ON_FINDINGS:-true}" in
    true) fail "$message" 1 ;;
    false) printf '::warning title=viscan::%s\n' "$(escape "$message"; printf ' (fail-on-findings is false)')" ;;
    *) fail "fail-on-findings must be true or false, not '${INPUT_FAIL_ON_FINDINGS}'" ;;
  esac
}

case "${1:-}" in
  prepare | build | scan | result) "$1" ;;
  *)
    echo "usage: $0 prepare|build|scan|result" >&2
    exit 2
    ;;
esac
