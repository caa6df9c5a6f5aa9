#!/usr/bin/env bash
#
# bench/bundle.sh: is `viscan scan` linear on one huge minified line? Issue 4 asks for "no
# slowdown on a 50 MB single-line file (linear time, bounded memory)": this generates a 5 MiB
# and a 50 MiB single-line bundle of the same make-up and times viscan on both.
#
# What it does (see bench/README.md):
#   1. installs hyperfine and GNU time if missing; builds viscan (cargo build --release) unless
#      VISCAN_BIN points at a binary;
#   2. generates (or reuses) $BENCH_DIR/bundle-5/dist/assets/index-<hash>.js and
#      $BENCH_DIR/bundle-50/... : one line each, webpack-style modules that are deliberately
#      hard on the scanner: a VoiceInfra mention every ~2 KiB (so keyword windows cover the
#      whole line and every decoder runs on all of it), `X-API-Key` headers given minified
#      identifiers, percent-encoded URLs, `\u002F` escapes, base64 data URIs and base64 values
#      next to VoiceInfra names, and one real-looking fake key per MiB (random, from a fixed
#      seed, never printed);
#   3. times viscan on both with hyperfine (hot cache, same run) and measures peak RSS on the
#      big one with /usr/bin/time -v;
#   4. prints a summary: seconds, MiB/s, the linearity ratio (time per MiB at 50 MiB over time
#      per MiB at 5 MiB; 1.0 is perfectly linear) and peak RSS, with PASS/MISS per target. It
#      exits 0 even when a target is missed: it is a benchmark, not a test.
#
# Usage: bench/bundle.sh        (from any directory)
#
# Environment:
#   VISCAN_BIN   viscan binary to benchmark (default: build and use target/release/viscan)
#   BENCH_DIR    work directory (default /tmp/viscan-bench)
#   BENCH_SEED   seed for the fake keys (default 4242)
#   RUNS         timed hyperfine runs per size (default 3)

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
BENCH_SEED="${BENCH_SEED:-4242}"
RUNS="${RUNS:-3}"

SMALL_MIB=5
BIG_MIB=50
HYPERFINE_JSON="$BENCH_DIR/bundle-hyperfine.json"
RSS_LOG="$BENCH_DIR/bundle-viscan-time.log"
SUMMARY="$BENCH_DIR/bundle-summary.txt"

# Targets: time per MiB may grow at most 25% from 5 to 50 MiB; peak RSS stays within a few
# copies of the file (the blob, its decoded views, the line index).
TARGET_LINEARITY="1.25"
TARGET_RSS_PER_FILE="4"

# Bump when the generator changes, so old bundles are regenerated.
GENERATOR_VERSION=1

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

# generate MIB DIR: write DIR/dist/assets/index-<hash>.js, one line of about MIB MiB, unless a
# bundle from the same generator, size and seed is already there.
generate() {
    local mib="$1" dir="$2"
    local stamp="$dir.stamp" want="version=$GENERATOR_VERSION mib=$mib seed=$BENCH_SEED"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        bench_log "reusing $dir ($want)"
        return 0
    fi
    if [[ -e "$dir" ]]; then
        [[ -f "$stamp" ]] || bench_die "$dir exists but has no $stamp: not ours, refusing to delete it"
        rm -rf -- "$dir"
    fi
    echo "incomplete" >"$stamp"
    mkdir -p "$dir/dist/assets"
    bench_log "generating a ${mib} MiB single-line bundle in $dir"
    python3 - "$dir/dist/assets/index-7c1e9a3f.js" "$mib" "$BENCH_SEED" <<'PY'
import base64, random, sys

path, mib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

def rand(n):
    return "".join(rng.choice(ALNUM) for _ in range(n))

def key():
    while True:
        k = rand(40)
        if any(c.isdigit() for c in k):
            return k

target = mib * 1048576
parts = []
size = 0
module = 1000
next_key = 1048576 // 2
while size < target:
    module += 1
    png = base64.b64encode(bytes(rng.randrange(256) for _ in range(96))).decode()
    text = base64.b64encode(("<svg>%s</svg>" % rand(30)).encode()).decode()
    chunk = (
        '%d:function(e,t,n){"use strict";n.d(t,{Z:function(){return r}});'
        'var o=n(%d),i="https://api.voiceinfra.ai/v1/agents/%s?cursor=%s%%3D%%3D&next=https%%3A%%2F%%2Fapp.acme.io%%2Fcb",'
        'a="\\u002Fcalls\\u002F%s",s="data:image/png;base64,%s",c={voiceinfraIcon:"%s",token:e.t};'
        'function r(e){return fetch(i+a,{headers:{"X-API-Key":e,"X-Request-Id":"%s"}})}'
        'var l=[%s];},'
    ) % (module, module - 1, rand(12), rand(16), rand(10), png, text, rand(24),
         ",".join(str(rng.randrange(100000)) for _ in range(40)))
    if size >= next_key:
        chunk += '%d:function(e,t,n){var k={baseUrl:"https://api.voiceinfra.ai/v1",apiKey:"%s"};t.default=k},' % (module + 500000, key())
        next_key += 1048576
    parts.append(chunk)
    size += len(chunk)
body = "".join(parts)
with open(path, "w") as out:
    out.write('(self.webpackChunkacme=self.webpackChunkacme||[]).push([[179],{' + body + '}]);')
PY
    echo "$want" >"$stamp"
}

main() {
    case "${1:-}" in
        -h | --help) usage; exit 0 ;;
        "") ;;
        *) bench_die "no arguments expected (settings come from the environment; see --help)" ;;
    esac
    [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || bench_die "RUNS must be a positive integer: $RUNS"
    bench_ensure_tools
    bench_build_viscan
    mkdir -p "$BENCH_DIR"
    local small="$BENCH_DIR/bundle-$SMALL_MIB" big="$BENCH_DIR/bundle-$BIG_MIB"
    generate "$SMALL_MIB" "$small"
    generate "$BIG_MIB" "$big"
    local small_bytes big_bytes
    small_bytes="$(stat -c %s "$small/dist/assets/index-7c1e9a3f.js")"
    big_bytes="$(stat -c %s "$big/dist/assets/index-7c1e9a3f.js")"

    # -q: the summary line is not what we measure; the JSON report is small (one finding per
    # MiB) and goes to a regular file (never -o /dev/null: -o renames over its target).
    local -a small_cmd=("$VISCAN" scan -q --format json -o "$BENCH_DIR/bundle-5.json" "$small")
    local -a big_cmd=("$VISCAN" scan -q --format json -o "$BENCH_DIR/bundle-50.json" "$big")
    bench_log "peak RSS: /usr/bin/time -v $(bench_quote "${big_cmd[@]}")"
    bench_measure_rss "$RSS_LOG" "${big_cmd[@]}"
    ((BENCH_RC <= 1)) || {
        bench_log_stderr "$RSS_LOG"
        bench_die "viscan exited $BENCH_RC on the 50 MiB bundle; see $RSS_LOG"
    }
    local rss_kb="$BENCH_RSS_KB"
    BENCH_HF_RUNS="$RUNS" bench_hyperfine "$HYPERFINE_JSON" \
        "${SMALL_MIB}MiB" "$(bench_quote "${small_cmd[@]}")" \
        "${BIG_MIB}MiB" "$(bench_quote "${big_cmd[@]}")"

    local t_small t_big sd_small sd_big
    t_small="$(bench_hyperfine_stat "$HYPERFINE_JSON" 0 mean)"
    sd_small="$(bench_hyperfine_stat "$HYPERFINE_JSON" 0 stddev)"
    t_big="$(bench_hyperfine_stat "$HYPERFINE_JSON" 1 mean)"
    sd_big="$(bench_hyperfine_stat "$HYPERFINE_JSON" 1 stddev)"
    local mib_small mib_big linearity rss_mib rss_per_file
    mib_small="$(bench_calc "$small_bytes / $BENCH_MIB")"
    mib_big="$(bench_calc "$big_bytes / $BENCH_MIB")"
    linearity="$(bench_calc "($t_big / $mib_big) / ($t_small / $mib_small)")"
    rss_mib="$(bench_calc "$rss_kb / 1024")"
    rss_per_file="$(bench_calc "$rss_mib / $mib_big")"
    local found_small found_big
    found_small="$(bench_count_findings "$BENCH_DIR/bundle-5.json")"
    found_big="$(bench_count_findings "$BENCH_DIR/bundle-50.json")"
    {
        echo "=== viscan single-line bundle benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores) ==="
        printf 'small       %6s MiB  mean %7.3f s +- %.3f  (%s MiB/s, %s findings)\n' \
            "$mib_small" "$t_small" "$sd_small" "$(bench_calc "$mib_small / $t_small")" "$found_small"
        printf 'big         %6s MiB  mean %7.3f s +- %.3f  (%s MiB/s, %s findings)\n' \
            "$mib_big" "$t_big" "$sd_big" "$(bench_calc "$mib_big / $t_big")" "$found_big"
        printf 'linearity   %s x time per MiB (big / small)   target <= %s x   %s\n' \
            "$linearity" "$TARGET_LINEARITY" "$(bench_verdict "$linearity" '<=' "$TARGET_LINEARITY")"
        printf 'peak RSS    %s MiB on the big one = %s x its size   target <= %s x   %s\n' \
            "$rss_mib" "$rss_per_file" "$TARGET_RSS_PER_FILE" \
            "$(bench_verdict "$rss_per_file" '<=' "$TARGET_RSS_PER_FILE")"
        echo "commands"
        echo "  small: $(bench_quote "${small_cmd[@]}")"
        echo "  big:   $(bench_quote "${big_cmd[@]}")"
        echo "details   $HYPERFINE_JSON, $RSS_LOG"
    } | tee "$SUMMARY"
}

main "$@"
