#!/usr/bin/env bash
# Validates SARIF files with Microsoft's SARIF multitool and its GitHub rules
# (`--rule-kind "Sarif;Gh"`: what GitHub code scanning's ingestion requires). The multitool
# always exits 0, so its error-level results are counted here; warnings are printed. A broken
# log is checked first, to prove the tool really reports errors.
# Usage: check_sarif_multitool.sh FILE...
set -euo pipefail

VERSION=5.7.0
TOOLS="${VISCAN_CI_TOOLS:-$HOME/.cache/viscan-ci}/sarif-multitool-$VERSION"
BIN="$TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -f "$BIN" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --loglevel=error \
    "@microsoft/sarif-multitool@$VERSION"
fi
# npm 11 does not run the package's postinstall script, which is what marks it executable.
chmod u+x "$BIN"
# The multitool is a self-contained .NET program; it needs no ICU in invariant mode.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
"$BIN" --version

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# validate FILE EXPECT: runs the GitHub rules on FILE; EXPECT is "clean" or "errors".
validate() {
  local file="$1" expect="$2" out="$WORK/validation.sarif"
  rm -f "$out"
  if ! "$BIN" validate "$file" --rule-kind "Sarif;Gh" --level "Error;Warning" --max-file-size-in-kb 102400 \
    -o "$out" --log ForceOverwrite >"$WORK/log" 2>&1; then
    cat "$WORK/log" >&2
    echo "$file: the SARIF multitool failed" >&2
    return 1
  fi
  python3 - "$file" "$out" "$expect" <<'PY'
import json
import sys

name, validation, expect = sys.argv[1:]
log = json.load(open(validation))
results = [r for run in log.get("runs", []) for r in run.get("results", [])]
errors = 0
for result in results:
    level = result.get("level", "warning")
    errors += level == "error"
    message = result.get("message", {})
    print(f"{name}: {level} {result.get('ruleId')}: {message.get('id', '')} {message.get('arguments', '')}")
if expect == "errors":
    if not errors:
        sys.exit(f"{name}: the multitool found no error in a broken log: is it really checking?")
    print(f"{name}: broken on purpose, and the multitool says so ({errors} errors)")
elif errors:
    sys.exit(f"{name}: {errors} error-level results from the SARIF multitool (Sarif;Gh)")
else:
    print(f"{name}: SARIF multitool (Sarif;Gh): no errors, {len(results)} warnings")
PY
}

# A log GitHub would reject (a rule without help), from the first file.
python3 - "$1" "$WORK/broken.sarif" <<'PY'
import json
import sys

log = json.load(open(sys.argv[1]))
del log["runs"][0]["tool"]["driver"]["rules"][0]["help"]
json.dump(log, open(sys.argv[2], "w"))
PY
validate "$WORK/broken.sarif" errors
for file in "$@"; do
  validate "$file" clean
done
