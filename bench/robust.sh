#!/usr/bin/env bash
#
# bench/robust.sh: time and peak memory of `viscan scan` on the large hostile inputs of the
# robustness tests (issue 7), at full size and on the release build:
#   1. one 50 MB line: a minified bundle with one key in the middle;
#   2. 100,000 tiny files in 100 directories, one with a key;
#   3. a 2 GiB sparse file: over --max-file-size (100M), so it must be skipped unread.
# Each case runs once to warm the cache, then once under /usr/bin/time -v; the summary gives
# wall time, peak RSS and a PASS/MISS against a memory bound (bounded memory is the point, not
# speed). Like the other
# benchmarks it exits 0 even when a target is missed, and non-zero only when nothing could be
# measured.
#
# Usage: bench/robust.sh        (from any directory)
#
# Environment:
#   VISCAN_BIN   viscan binary to measure (default: build and use target/release/viscan)
#   BENCH_DIR    work directory (default /tmp/viscan-bench); inputs go to $BENCH_DIR/robust
#
# The key planted in the inputs is made at run time and lives only under BENCH_DIR.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi

BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
WORK="$BENCH_DIR/robust"
SUMMARY="$BENCH_DIR/robust-summary.txt"

[[ -x /usr/bin/time ]] || bench_ensure_tools
bench_build_viscan
mkdir -p "$WORK"

bench_log "making inputs in $WORK (reused when present)"
python3 - "$WORK" <<'PY'
import os, random, sys
work = sys.argv[1]
rng = random.Random(7)
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
key = "".join(rng.choice(alnum) for _ in range(31)) + "7"
line_dir = os.path.join(work, "line", "dist")
if not os.path.exists(os.path.join(line_dir, "app.min.js")):
    os.makedirs(line_dir, exist_ok=True)
    filler = "var a=b+c;" * 2_500_000
    call = 'fetch(u,{headers:{"X-API-Key":"%s"}});' % key
    with open(os.path.join(line_dir, "app.min.js"), "w") as f:
        f.write(filler + call + filler + "\n")
files = os.path.join(work, "files")
if not os.path.exists(os.path.join(files, "d99", "f999.txt")):
    for d in range(100):
        sub = os.path.join(files, "d%02d" % d)
        os.makedirs(sub, exist_ok=True)
        for i in range(1000):
            with open(os.path.join(sub, "f%03d.txt" % i), "w") as f:
                f.write("VOICEINFRA_API_KEY=%s\n" % key if (d, i) == (42, 500) else "x\n")
sparse = os.path.join(work, "sparse")
os.makedirs(sparse, exist_ok=True)
with open(os.path.join(sparse, "huge.env"), "wb") as f:
    f.truncate(2 << 30)
PY

# measure SLUG NAME MAX_RSS_MIB DIR: one run (log in $BENCH_DIR/robust-SLUG.log), one row.
rows=()
measure() {
    local slug="$1" name="$2" max_mib="$3" dir="$4"
    local log="$BENCH_DIR/robust-$slug.log"
    bench_log "measuring: $name"
    # One unmeasured run first, so the wall time is a hot-cache one like the other benchmarks'.
    "$VISCAN" scan "$dir" --format json >/dev/null 2>&1 || true
    bench_measure_rss "$log" "$VISCAN" scan "$dir" --format json
    local mib wall
    mib="$(bench_calc "$BENCH_RSS_KB / 1024")"
    # GNU time's label has colons of its own: "(h:mm:ss or m:ss): 0:00.36".
    wall="$(sed -n 's/^.*Elapsed (wall clock) time .*): //p' "$log" | tail -n 1)"
    rows+=("$(printf '%-22s %10s %12s %8s %6s  %s' "$name" "$wall" "$mib" "$max_mib" \
        "$BENCH_RC" "$(bench_verdict "$mib" '<=' "$max_mib")")")
}

# Bounds: the 50 MB line is held once, plus the line index and decode windows; 100,000 files
# and a skipped sparse file need no more than a small tree's worth.
measure line "50 MB line" 200 "$WORK/line"
measure files "100,000 files" 100 "$WORK/files"
measure sparse "2 GiB sparse (skipped)" 50 "$WORK/sparse"

{
    printf '=== viscan robustness: time and peak memory (%s, %s cores) ===\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)"
    printf 'binary: %s\n\n' "$VISCAN"
    printf '%-22s %10s %12s %8s %6s  %s\n' case wall "peak MiB" "max MiB" exit verdict
    printf '%s\n' "${rows[@]}"
    printf '\nexit: 1 = the planted key was found (50 MB line, 100,000 files); 0 = nothing to find\n'
    printf '(the sparse file is skipped by size: see the warning in %s).\n' \
        "$BENCH_DIR/robust-sparse.log"
} | tee "$SUMMARY"
