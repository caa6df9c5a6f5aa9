#!/usr/bin/env bash
#
# bench/scale.sh: how viscan's memory grows (issue 11), on two synthetic series.
#
#   1. Unique blobs: bare repositories made with `git fast-import` (then `git repack -a -d`),
#      SCALE_BLOBS unique blobs each (default 10,000 / 100,000 / 1,000,000): 100 small files
#      rewritten per commit in one of 100 directories (so N/100 commits), plus a fake
#      VoiceInfra key in a new `.env` file at 10 points of the history. Each is audited with
#      `viscan history -j SCALE_THREADS --format json` and read with
#      `git cat-file --batch-all-objects --batch`, one after the other, under
#      `/usr/bin/time` (wall, CPU, peak RSS).
#   2. Commits: SCALE_COMMITS commits (default 10,000 / 100,000 / 300,000) of one new blob
#      each, the per-commit cost (the walk's commit list, commit metadata, messages).
#   3. Findings in one file: SCALE_FINDINGS lines `VOICEINFRA_API_KEY_i=<random key>` (default
#      10,000 / 100,000 / 1,000,000) in one `.env` file, scanned with `viscan scan` once per
#      format in SCALE_FORMATS (default `text sarif`), report written to a file.
#
# It prints peak RSS per point and the slopes between points: bytes of peak RSS per unique
# blob, and per finding. Keys are random from BENCH_SEED, made at run time, and live only
# under $BENCH_DIR (default /tmp/viscan-bench). Inputs are reused once made.
#
# Usage: bench/scale.sh
#        SCALE_BLOBS="10000 100000" SCALE_FINDINGS="10000 100000" bench/scale.sh   (quick)
#
# Environment: VISCAN_BIN, BENCH_DIR, BENCH_SEED (default 7), SCALE_BLOBS, SCALE_COMMITS,
# SCALE_FINDINGS, SCALE_FORMATS, SCALE_THREADS (default 2), SCALE_PARTS (default
# `blobs commits findings`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
BENCH_SEED="${BENCH_SEED:-7}"
SCALE_BLOBS="${SCALE_BLOBS:-10000 100000 1000000}"
SCALE_FINDINGS="${SCALE_FINDINGS:-10000 100000 1000000}"
SCALE_FORMATS="${SCALE_FORMATS:-text sarif}"
SCALE_THREADS="${SCALE_THREADS:-2}"
SCALE_COMMITS="${SCALE_COMMITS:-10000 100000 300000}"
SCALE_PARTS="${SCALE_PARTS:-blobs commits findings}"
if [[ "${1:-}" == "--help" ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
fi
mkdir -p "$BENCH_DIR"
bench_ensure_tools
bench_build_viscan
summary="$BENCH_DIR/scale-summary.txt"

# gen_blobs N [PER_COMMIT]: fast-import stream of N unique blobs, PER_COMMIT (default 100)
# files rewritten per commit (see the header), on stdout.
gen_blobs() {
    python3 - "$1" "$BENCH_SEED" "${2:-100}" <<'EOF'
import random, sys
n, seed, per_commit = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
out = sys.stdout.buffer
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
num_dirs = 100
num_commits = max(1, n // per_commit)
leaks = set(range(num_commits // 11, num_commits, max(1, num_commits // 10)))
for c in range(num_commits):
    d = c % num_dirs
    parts = []
    for j in range(per_commit):
        data = b"# file %d/%d rev %d\nvalue = %d\n" % (d, j, c, rnd.getrandbits(63))
        parts.append(b"M 100644 inline d%03d/f%03d.txt\ndata %d\n%s\n" % (d, j, len(data), data))
    if c in leaks:
        key = "".join(rnd.choice(alnum) for _ in range(32))
        data = ("VOICEINFRA_API_KEY=%s\n" % key).encode()
        parts.append(b"M 100644 inline leaks/c%06d.env\ndata %d\n%s\n" % (c, len(data), data))
    msg = b"commit %d\n" % c
    out.write(b"commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s"
              % (1700000000 + c * 3600, len(msg), msg))
    out.write(b"".join(parts) + b"\n")
EOF
}

# gen_findings N: N lines, each one fake key, on stdout.
gen_findings() {
    python3 - "$1" "$BENCH_SEED" <<'EOF'
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
w = sys.stdout.write
for i in range(n):
    w("VOICEINFRA_API_KEY_%d=%s\n" % (i, "".join(rnd.choice(alnum) for _ in range(32))))
EOF
}

# measure OUT_VAR CMD...: runs CMD under /usr/bin/time; sets OUT_VAR to "wall cpu rss_kib".
measure() {
    local var="$1" log
    shift
    log="$(mktemp)"
    /usr/bin/time -o "$log" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
    # The last line: time writes "Command exited with non-zero status 1" before it.
    read -r wall user sys rss < <(tail -n 1 "$log")
    rm -f "$log"
    printf -v "$var" '%s %s %s' "$wall" "$(bench_calc "$user + $sys")" "$rss"
}

# slopes LABEL UNIT "n1 rss1" "n2 rss2" ...: bytes of peak RSS per UNIT between points.
slopes() {
    local label="$1" unit="$2" prev_n="" prev_rss="" first_n="" first_rss="" n rss
    shift 2
    for point in "$@"; do
        read -r n rss <<<"$point"
        if [[ -n "$prev_n" ]]; then
            printf '  slope %-12s %9s -> %9s: %8s bytes per %s\n' "$label" "$prev_n" "$n" \
                "$(bench_calc "($rss - $prev_rss) * 1024 / ($n - $prev_n)")" "$unit"
        else
            first_n="$n" first_rss="$rss"
        fi
        prev_n="$n" prev_rss="$rss"
    done
    if [[ -n "$first_n" && "$first_n" != "$prev_n" ]]; then
        printf '  slope %-12s %9s -> %9s: %8s bytes per %s (whole series)\n' "$label" "$first_n" \
            "$prev_n" "$(bench_calc "($prev_rss - $first_rss) * 1024 / ($prev_n - $first_n)")" "$unit"
    fi
}

# history_point N PER_COMMIT: makes (once) and measures a repository of N unique blobs,
# PER_COMMIT per commit; prints a table row and sets vr (viscan's peak RSS in KiB).
history_point() {
    local n="$1" per_commit="$2" repo stamp commits report found v g vw vc gw gc gr
    repo="$BENCH_DIR/scale-blobs-$n"
    stamp="$n $BENCH_SEED"
    if ((per_commit != 100)); then
        repo="$repo-per-$per_commit"
        stamp="$n $per_commit $BENCH_SEED"
    fi
    if [[ "$(cat "$repo.stamp" 2>/dev/null)" != "$stamp" ]]; then
        bench_log "making $repo ($n blobs, $per_commit per commit)"
        rm -rf "$repo"
        git init -q --bare "$repo"
        gen_blobs "$n" "$per_commit" | git -C "$repo" fast-import --quiet
        git -C "$repo" repack -a -d -q
        echo "$stamp" >"$repo.stamp"
    fi
    commits="$(git -C "$repo" rev-list --count --all)"
    report="$repo.json"
    # Warm the page cache, then measure both, one after the other.
    git -C "$repo" cat-file --batch-all-objects --batch >/dev/null
    measure v "$VISCAN" history "$repo" -j "$SCALE_THREADS" --format json -o "$report"
    measure g git -C "$repo" cat-file --batch-all-objects --batch
    read -r vw vc vr <<<"$v"
    read -r gw gc gr <<<"$g"
    found="$(bench_count_findings "$report")"
    printf '%9s %7s | %8s %8s %10s | %8s %8s %10s | %6s %6s %s\n' "$n" "$commits" \
        "$vw" "$vc" "$vr" "$gw" "$gc" "$gr" "$(bench_calc "$vw / $gw")" \
        "$(bench_calc "$vc / $gc")" "$found"
}

# history_series TITLE PER_COMMIT UNIT N...: a table of history_point rows and its slopes.
history_series() {
    local title="$1" per_commit="$2" unit="$3" n
    local -a points=()
    shift 3
    printf -- '--- %s: viscan history -j %s vs git cat-file --batch-all-objects --batch ---\n' \
        "$title" "$SCALE_THREADS"
    printf '%9s %7s | %8s %8s %10s | %8s %8s %10s | %6s %6s %s\n' blobs commits \
        "wall s" "cpu s" "RSS KiB" "git wall" "git cpu" "git RSS" "wall x" "cpu x" findings
    for n in "$@"; do
        history_point "$n" "$per_commit"
        points+=("$n $vr")
    done
    slopes "history" "$unit" "${points[@]}"
}

{
    printf '=== viscan scale benchmark (%s, %s cores) ===\n' "$(date -u +%FT%TZ)" "$(nproc)"
    printf 'binary      %s\n' "$VISCAN"
    if [[ " $SCALE_PARTS " == *" blobs "* ]]; then
        history_series "unique blobs (100 per commit)" 100 "unique blob" $SCALE_BLOBS
    fi
    if [[ " $SCALE_PARTS " == *" commits "* ]]; then
        history_series "commits (one new blob each)" 1 commit $SCALE_COMMITS
    fi
    if [[ " $SCALE_PARTS " == *" findings "* ]]; then
        printf -- '--- findings in one file: viscan scan --format F -o FILE ---\n'
        printf '%9s %6s | %8s %8s %10s\n' findings format "wall s" "cpu s" "RSS KiB"
        for format in $SCALE_FORMATS; do
            points=()
            for n in $SCALE_FINDINGS; do
                dir="$BENCH_DIR/scale-findings-$n"
                if [[ "$(cat "$dir.stamp" 2>/dev/null)" != "$n $BENCH_SEED" ]]; then
                    bench_log "making $dir ($n keys)"
                    rm -rf "$dir"
                    mkdir -p "$dir"
                    gen_findings "$n" >"$dir/keys.env"
                    echo "$n $BENCH_SEED" >"$dir.stamp"
                fi
                measure v "$VISCAN" scan --max-file-size 1000000000 --format "$format" \
                    -o "$BENCH_DIR/scale-findings-$n.$format" "$dir"
                read -r vw vc vr <<<"$v"
                printf '%9s %6s | %8s %8s %10s\n' "$n" "$format" "$vw" "$vc" "$vr"
                points+=("$n $vr")
            done
            slopes "$format" "finding" "${points[@]}"
        done
    fi
} | tee "$summary"
bench_log "summary in $summary"
