#!/usr/bin/env bash
# Tries .pre-commit-hooks.yaml for real with the pre-commit framework (pip), offline:
# `viscan-system` with the binary on PATH, and `viscan` (language: rust), which pre-commit builds
# from this repository with `cargo install`. Each must block a staged leak and pass a clean index.
# Usage: pre_commit_hooks.sh REPO_ROOT VISCAN_BINARY
set -euo pipefail

ROOT="$1"
VISCAN="$2"
if ! command -v pre-commit >/dev/null 2>&1; then
  python3 -m pip install --quiet 'pre-commit>=3.2'
fi
pre-commit --version

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PRE_COMMIT_HOME="$WORK/cache"
BIN="$WORK/bin"
mkdir -p "$BIN"
ln -s "$VISCAN" "$BIN/viscan"

KEY="$(python3 -c 'import random,string; r=random.Random(7); print("".join(r.choice(string.ascii_letters+string.digits) for _ in range(31))+"7")')"

check_hook() {
  local hook="$1" path="$2" repo="$WORK/repo-$1"
  export CARGO_TARGET_DIR
  git init -q -b main "$repo"
  (
    cd "$repo"
    git config user.email ci@example.com
    git config user.name CI
    echo "VOICEINFRA_API_KEY=$KEY" > .env
    git add .env
    set +e
    PATH="$path" pre-commit try-repo "$ROOT" "$hook" > "$WORK/$hook.log" 2>&1
    status=$?
    set -e
    if [ "$status" -eq 0 ] || ! grep -q '.env:1:20' "$WORK/$hook.log"; then
      cat "$WORK/$hook.log"
      echo "pre-commit hook $hook did not block a staged leak (exit $status)" >&2
      exit 1
    fi
    git rm -q --cached .env
    echo "hello" > README.md
    git add README.md
    if ! PATH="$path" pre-commit try-repo "$ROOT" "$hook" > "$WORK/$hook-clean.log" 2>&1; then
      cat "$WORK/$hook-clean.log"
      echo "pre-commit hook $hook failed on a clean commit" >&2
      exit 1
    fi
  )
  echo "pre-commit hook $hook: blocks a leak, passes a clean commit"
}

check_hook viscan-system "$BIN:$PATH"
# language: rust builds viscan itself (no binary on PATH needed). Sharing our target directory
# lets its `cargo install` reuse the release build CI already made.
CARGO_TARGET_DIR="$ROOT/target" check_hook viscan "$PATH"
