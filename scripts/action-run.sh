#!/usr/bin/env bash
# The steps of action.yml (the viscan GitHub Action), kept in one script so that they can be
# run and tested outside GitHub with a fake GITHUB_* environment. action.yml hands every input
# over as an environment variable (INPUT_*, never spliced into a script: no injection).
#
#   action-run.sh prepare  cache key and build directory   outputs: cache-key, cache-prefix, target-dir
#   action-run.sh build    download a release binary (version: latest or vX.Y.Z, checked against
#                          SHA256SUMS), build this action's source with cargo (version: source),
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
    latest | v[0-9]*.[0-9]*.[0-9]*)
      [[ "$INPUT_VERSION" =~ ^(latest|v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?)$ ]] ||
        fail "unknown version '${INPUT_VERSION}': use latest, vX.Y.Z, source or path"
      download "$INPUT_VERSION"
      bin="$DOWNLOADED"
      ;;
    *)
      fail "unknown version '${INPUT_VERSION}': use latest or vX.Y.Z (a release binary), source (build this action's own source with cargo) or path (a viscan already on PATH)"
      ;;
  esac
  "$bin" --version
  output bin "$bin"
}

# The release archive for this runner (the names scripts/release-archive.sh writes).
release_target() {
  case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
    Linux/X64 | Linux/x86_64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64) echo aarch64-unknown-linux-musl ;;
    macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) fail "no viscan release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: use version: source" ;;
  esac
}

# download VERSION: fetches the release archive for this runner and SHA256SUMS, checks the
# archive against it (a mismatch or a missing entry fails before anything is unpacked or run),
# unpacks it into the tool cache and sets DOWNLOADED to the binary's path (not printed: `fail`
# must reach the log, not a command substitution). A vX.Y.Z download is cached;
# `latest` is fetched each time. The base URL is GitHub's releases page;
# VISCAN_TEST_RELEASE_URL replaces it for the test suite, and only with a loopback address.
download() {
  local version="$1" target asset base dir
  target="$(release_target)"
  asset="viscan-$target.tar.gz"
  [[ "$target" == *windows* ]] && asset="viscan-$target.zip"
  base="https://github.com/viscan/viscan/releases"
  if [ -n "${VISCAN_TEST_RELEASE_URL:-}" ]; then
    [[ "$VISCAN_TEST_RELEASE_URL" =~ ^http://(127\.[0-9.]+|localhost)(:[0-9]+)?(/.*)?$ ]] ||
      fail "VISCAN_TEST_RELEASE_URL is for the test suite and must be a loopback URL"
    base="${VISCAN_TEST_RELEASE_URL%/}"
  fi
  if [ "$version" = latest ]; then
    dir="$base/latest/download"
  else
    dir="$base/download/$version"
  fi
  local cache="${RUNNER_TOOL_CACHE:-${HOME:-/tmp}/.cache}/viscan/$version/$target"
  local exe="$cache/viscan-$target/viscan"
  [[ "$target" == *windows* ]] && exe="$exe.exe"
  if [ "$version" != latest ] && [ -x "$exe" ]; then
    echo "Using the cached viscan $version ($target)"
    DOWNLOADED="$exe"
    return
  fi
  local tmp
  tmp="$(mktemp -d)"
  echo "Downloading viscan $version for $target from $dir"
  curl --fail --silent --show-error --location --retry 2 --max-time 120 \
    -o "$tmp/SHA256SUMS" "$dir/SHA256SUMS" ||
    fail "cannot download $dir/SHA256SUMS: is $version a published viscan release?"
  curl --fail --silent --show-error --location --retry 2 --max-time 300 \
    -o "$tmp/$asset" "$dir/$asset" ||
    fail "cannot download $dir/$asset: the release has no binary for $target (use version: source)"
  local expected actual
  expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }' "$tmp/SHA256SUMS")"
  [ -n "$expected" ] || fail "SHA256SUMS of $version has no entry for $asset: nothing was run"
  if command -v sha256sum >/dev/null 2>&1; then
    actual="$(sha256sum "$tmp/$asset" | cut -d' ' -f1)"
  else
    actual="$(shasum -a 256 "$tmp/$asset" | cut -d' ' -f1)"
  fi
  [ "$expected" = "$actual" ] ||
    fail "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was run"
  rm -rf "$cache"
  mkdir -p "$cache"
  case "$asset" in
    *.zip) unzip -q "$tmp/$asset" -d "$cache" ;;
    *) tar -xzf "$tmp/$asset" -C "$cache" ;;
  esac
  rm -rf "$tmp"
  [ -f "$exe" ] || fail "$asset holds no viscan-$target/$(basename "$exe")"
  chmod +x "$exe"
  DOWNLOADED="$exe"
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
