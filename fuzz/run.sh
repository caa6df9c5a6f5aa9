#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...]: runs each fuzz target for SECONDS (default 600), one after
# the other, at the lowest CPU priority, and prints executions, coverage and corpus size per
# target (also written to fuzz/target/work/results.txt).
#
# Needs `cargo install cargo-fuzz --locked`. Works on stable: `-s none` (no sanitizer), with
# debug assertions and overflow checks on (`-a`). Everything it writes stays under fuzz/target/
# (git-ignored) except crash artifacts, which cargo fuzz puts in fuzz/artifacts/TARGET/.
#
# Seeds: fuzz/corpus/TARGET/ (committed, small, no real-looking keys: `{{KEY}}` marks where a
# key goes) plus seeds generated here: the templates with deterministic fake keys filled in
# (plain, base64, percent-encoded, UTF-16), and the built-in rule files for config_rules.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
secs="${1:-600}"
shift || true
if (($# > 0)); then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
WORK="$ROOT/fuzz/target/work"
mkdir -p "$WORK"

# Per-target libFuzzer options: longer inputs where size matters (quadratic blow-ups show
# only on long inputs). -timeout turns an input slower than 60 s into a reported hang: generous,
# as the fuzzers run at nice 19 on a shared machine (a 10 s limit fired on a 75-byte input that
# runs in 0.1 s); `stat::slowest_unit_time_sec` in each log shows real slowness.
options() {
    case "$1" in
        scan_blob) echo "-max_len=32768 -dict=$ROOT/fuzz/dict/scan.dict" ;;
        decode | sourcemap) echo "-max_len=32768 -dict=$ROOT/fuzz/dict/scan.dict" ;;
        utf16_text) echo "-max_len=16384" ;;
        *) echo "-max_len=8192" ;;
    esac
}

# Writes generated seeds for target $1 into directory $2.
generate_seeds() {
    local target="$1" dir="$2"
    case "$target" in
        scan_blob | decode)
            python3 - "$ROOT/fuzz/corpus/scan_blob" "$dir" <<'PY'
import base64, hashlib, os, sys, urllib.parse
templates, out = sys.argv[1], sys.argv[2]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
def key(name, n):
    digest = hashlib.sha512(f"viscan-fuzz:{name}:{n}".encode()).digest()
    return "".join(ALNUM[b % len(ALNUM)] for b in digest[:32]) + "9"
for name in sorted(os.listdir(templates)):
    text = open(os.path.join(templates, name), "rb").read().decode()
    k1, k2 = key(name, 1), key(name, 2)
    filled = (text.replace("{{KEY_B64}}", base64.b64encode(k1.encode()).decode())
                  .replace("{{KEY_PCT}}", urllib.parse.quote(k1[:10] + "+/=" + k1[10:], safe=""))
                  .replace("{{KEY2}}", k2).replace("{{KEY}}", k1))
    open(os.path.join(out, name + ".filled"), "wb").write(filled.encode())
    path, _, body = filled.partition("\n")
    open(os.path.join(out, name + ".utf16"), "wb").write(
        (path + "\n").encode() + body.replace("\n", "\r\n").encode("utf-16"))
PY
            ;;
        config_rules)
            cp "$ROOT"/rules/*.toml "$dir"/
            ;;
    esac
}

printf '%-14s %8s %12s %8s %8s %10s %s\n' target seconds executions cov features corpus status \
    | tee "$WORK/results.txt"
failed=0
for target in "${targets[@]}"; do
    corpus="$WORK/corpus/$target"
    seeds="$WORK/seeds/$target"
    mkdir -p "$corpus" "$seeds" "$ROOT/fuzz/corpus/$target"
    generate_seeds "$target" "$seeds"
    log="$WORK/$target.log"
    # shellcheck disable=SC2046 # options() is meant to split into words
    nice -n 19 cargo fuzz run "$target" -s none -a "$corpus" "$ROOT/fuzz/corpus/$target" "$seeds" \
        -- -max_total_time="$secs" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
        $(options "$target") >"$log" 2>&1
    status=$?
    ((status == 0)) || failed=1
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    last="$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)"
    cov="$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")"
    corp="$(sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")"
    verdict=ok
    ((status == 0)) || verdict="FAILED (exit $status, see $log)"
    printf '%-14s %8s %12s %8s %8s %10s %s\n' "$target" "$secs" "${execs:-?}" "${cov:-?}" \
        "${ft:-?}" "${corp:-?}" "$verdict" | tee -a "$WORK/results.txt"
done
exit "$failed"
