#!/usr/bin/env bash
#
# bench/treebomb.sh: `viscan history` on a tree bomb (issue 19): one blob at FANOUT^3 paths
# through three reused trees (a few kilobytes of objects), plus a fake key beside it.
#
# What it does:
#   1. builds viscan (cargo build --release) unless VISCAN_BIN points at a binary;
#   2. builds $BENCH_DIR/treebomb-N (N = FANOUT^3) with git plumbing (mktree, commit-tree):
#      root → FANOUT trees → FANOUT trees → FANOUT names of one blob, and `zz.env` with a
#      fake key made at run time;
#   3. runs `viscan history --format json` under `/usr/bin/time -v`: wall time, peak RSS,
#      and whether the key was found; PASS/MISS against TARGET_SECONDS.
#
# Usage: bench/treebomb.sh                 (10^6 paths, target 10 s)
#        FANOUT=47 TARGET_SECONDS=2 bench/treebomb.sh   (about 10^5 paths)
#
# Environment: VISCAN_BIN, BENCH_DIR (default /tmp/viscan-bench), FANOUT (default 100),
# TARGET_SECONDS (default 10).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

FANOUT="${FANOUT:-100}"
TARGET_SECONDS="${TARGET_SECONDS:-10}"
BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
num_paths=$((FANOUT * FANOUT * FANOUT))
repo="$BENCH_DIR/treebomb-$num_paths"
bin="${VISCAN_BIN:-}"
if [[ -z "$bin" ]]; then
    (cd "$here/.." && cargo build --release --quiet)
    bin="$here/../target/release/viscan"
fi

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE="@1704164645 +0000" GIT_COMMITTER_DATE="@1704164645 +0000"
if [[ ! -f "$repo/.built" ]]; then
    rm -rf "$repo"
    git init -q --bare "$repo"
    leaf=$(printf 'x\n' | git -C "$repo" hash-object -w --stdin)
    key=$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
    env_blob=$(printf 'VOICEINFRA_API_KEY=%s\n' "$key" | git -C "$repo" hash-object -w --stdin)
    entry="100644 blob $leaf"
    for level in 2 1 0; do
        tree=$(
            for ((i = 0; i < FANOUT; i++)); do printf '%s\tn%dx%03d\n' "$entry" "$level" "$i"; done
            if ((level == 0)); then printf '100644 blob %s\tzz.env\n' "$env_blob"; fi
        )
        entry="040000 tree $(printf '%s\n' "$tree" | git -C "$repo" mktree)"
    done
    commit=$(echo bomb | git -C "$repo" commit-tree "${entry##* }")
    git -C "$repo" update-ref refs/heads/main "$commit"
    touch "$repo/.built"
fi
bench_log "repository: $repo ($num_paths paths + zz.env; .git is $(du -sh "$repo" | cut -f1))"

log="$BENCH_DIR/treebomb-time.log"
set +e
/usr/bin/time -v "$bin" history --format json "$repo" >"$BENCH_DIR/treebomb-report.json" 2>"$log"
status=$?
set -e
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$log")
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
seconds=$(awk -v t="$wall" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')
found=$(grep -c '"path": *"zz.env"' "$BENCH_DIR/treebomb-report.json" || true)
echo "command:  /usr/bin/time -v $bin history --format json $repo"
echo "exit:     $status (1 = the key was found)"
echo "wall:     $wall ($seconds s)"
echo "peak RSS: $rss KiB"
echo "zz.env findings: $found"
if [[ "$status" == 1 && "$found" -ge 1 ]] && awk -v s="$seconds" -v t="$TARGET_SECONDS" 'BEGIN { exit !(s <= t) }'; then
    echo "PASS: $num_paths paths in ${seconds}s <= ${TARGET_SECONDS}s"
else
    echo "MISS: $num_paths paths: ${seconds}s (target ${TARGET_SECONDS}s), exit $status"
fi
