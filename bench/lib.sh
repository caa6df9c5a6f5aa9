# shellcheck shell=bash
#
# bench/lib.sh: helpers shared by the viscan benchmarks (files.sh, history.sh).
#
# Source it from a benchmark script that already runs under `set -euo pipefail`:
#
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Everything here is a function or a variable prefixed with `bench_`/`BENCH_`, so a
# benchmark script can define its own names freely. Nothing here runs on load except
# computing BENCH_ROOT (the repository root). All progress output goes to stderr; stdout is
# kept for the final summary so it can be redirected on its own.

# Repository root, found from this file's own location (bench/lib.sh -> ..), so the
# benchmarks work from any current directory.
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# One MiB; sizes and RSS are reported in MiB everywhere.
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly BENCH_MIB=1048576

# ---------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------

# bench_log MSG...: progress line on stderr.
bench_log() { printf '[bench] %s\n' "$*" >&2; }

# bench_warn MSG...: warning on stderr.
bench_warn() { printf '[bench] WARNING: %s\n' "$*" >&2; }

# bench_die MSG...: error on stderr, then exit 1. Used only when there is nothing to measure
# (a tool cannot be installed, the binary does not run); missed targets never exit non-zero.
bench_die() {
    printf '[bench] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------

# bench_ensure_tools: make sure rg, hyperfine, /usr/bin/time (GNU time, for -v) and python3
# (JSON parsing, corpus helpers) exist, installing the missing ones with apt-get. `apt-get
# update` runs only if the first install attempt fails (the package lists may be missing or stale).
bench_ensure_tools() {
    local -a missing=()
    command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
    command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
    # Not `command -v time`: that finds the shell keyword, which has no -v.
    [[ -x /usr/bin/time ]] || missing+=(time)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    ((${#missing[@]} == 0)) && return 0

    bench_log "installing: ${missing[*]}"
    local -a sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 || bench_die "need root or sudo to install: ${missing[*]}"
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y "${missing[@]}" >&2; then
        bench_log "install failed; running apt-get update once and retrying"
        "${sudo[@]}" apt-get update >&2 || bench_die "apt-get update failed"
        "${sudo[@]}" apt-get install -y "${missing[@]}" >&2 || bench_die "cannot install: ${missing[*]}"
    fi
}

# bench_build_viscan: set the global VISCAN to the viscan binary to benchmark.
# VISCAN_BIN overrides it (no build then); otherwise `cargo build --release` runs in the repo
# root and the binary is <target dir>/release/viscan (CARGO_TARGET_DIR is honoured).
bench_build_viscan() {
    if [[ -n "${VISCAN_BIN:-}" ]]; then
        VISCAN="$VISCAN_BIN"
        bench_log "using VISCAN_BIN=$VISCAN (not building)"
    else
        command -v cargo >/dev/null 2>&1 || bench_die "cargo not found (or set VISCAN_BIN)"
        bench_log "building viscan: cargo build --release (in $BENCH_ROOT)"
        (cd "$BENCH_ROOT" && cargo build --release >&2) || bench_die "cargo build --release failed"
        local target_dir="${CARGO_TARGET_DIR:-$BENCH_ROOT/target}"
        # A relative CARGO_TARGET_DIR is relative to the directory cargo ran in.
        [[ "$target_dir" == /* ]] || target_dir="$BENCH_ROOT/$target_dir"
        VISCAN="$target_dir/release/viscan"
    fi
    [[ -x "$VISCAN" ]] || bench_die "viscan binary not found or not executable: $VISCAN"
    # Absolute path, so the printed commands can be pasted from any directory.
    VISCAN="$(cd "$(dirname "$VISCAN")" && pwd -P)/$(basename "$VISCAN")"
}

# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------

# bench_quote WORD...: print the words as one shell-quoted command line (for hyperfine, which
# runs each command through a shell, and for the summary, so it can be copied and pasted).
bench_quote() {
    local out="" word
    for word in "$@"; do
        out+="${out:+ }$(printf '%q' "$word")"
    done
    printf '%s\n' "$out"
}

# bench_hyperfine JSON_OUT NAME1 CMD1 NAME2 CMD2 ...: run hyperfine on the (name, command)
# pairs (commands already quoted with bench_quote) and export the results to JSON_OUT.
#   - warmup 1 run per command: both tools are measured with a hot page cache. We never drop
#     caches: the machine is shared, and hot-vs-hot is the comparison we want anyway.
#   - --ignore-failure: rg and viscan both exit 1 when they find something, and they must.
#   - RUNS (default 5) timed runs per command.
# For one call, these can be changed with variables set on the call itself (bash makes them
# local to the function), e.g. `BENCH_HF_WARMUP=3 BENCH_HF_RUNS=20 BENCH_HF_NO_SHELL=1 bench_hyperfine ...`:
#   BENCH_HF_WARMUP    warm-up runs per command (default 1)
#   BENCH_HF_RUNS      timed runs per command (default RUNS, else 5)
#   BENCH_HF_NO_SHELL  1: run the commands without a shell (hyperfine -N), for commands of a few
#                      milliseconds where the shell's own start-up would be noise. The commands
#                      must then be plain words (no redirections or pipes).
# hyperfine's own table goes to stderr with the other progress output.
bench_hyperfine() {
    local json_out="$1"
    shift
    local -a args=(--warmup "${BENCH_HF_WARMUP:-1}" --runs "${BENCH_HF_RUNS:-${RUNS:-5}}"
        --ignore-failure --export-json "$json_out")
    if [[ "${BENCH_HF_NO_SHELL:-0}" == 1 ]]; then
        args+=(-N)
    fi
    while (($# >= 2)); do
        args+=(--command-name "$1" "$2")
        shift 2
    done
    bench_log "hyperfine ${args[*]}"
    hyperfine "${args[@]}" >&2 || bench_die "hyperfine failed"
}

# bench_hyperfine_stat JSON INDEX FIELD: print one statistic (mean, stddev, median, min, max,
# in seconds) of the INDEX-th (0-based) command of a hyperfine JSON export. hyperfine has no
# stddev for a single run (null): that prints 0.
bench_hyperfine_stat() {
    python3 -c '
import json, sys
result = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print("%.4f" % (result.get(sys.argv[3]) or 0))
' "$1" "$2" "$3"
}

# bench_log_stderr LOG: print the first lines of what the timed command itself wrote to stderr
# in a bench_measure_rss LOG (the part before GNU time's own report).
bench_log_stderr() {
    awk '/^(Command exited with non-zero status|Command terminated by signal|\tCommand being timed)/ { exit }
         { print }' "$1" | head -n 20 >&2
}

# bench_measure_rss LOG CMD...: run CMD once under `/usr/bin/time -v`, with its stdout
# discarded and its stderr and time's report in LOG. Sets globals:
#   BENCH_RC      the command's exit status
#   BENCH_RSS_KB  its peak resident set size in KiB ("Maximum resident set size")
#   BENCH_WALL    its elapsed wall-clock time as time printed it (h:mm:ss or m:ss.ss)
# shellcheck disable=SC2034 # the BENCH_* results are read by the caller
bench_measure_rss() {
    local log="$1"
    shift
    BENCH_RC=0
    # GNU time exits with the command's own status (or 127/126 when it cannot run it).
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || BENCH_RC=$?
    BENCH_RSS_KB="$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$log" | tail -n 1)"
    BENCH_WALL="$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time[^:]*: //p' "$log" | tail -n 1)"
    [[ -n "$BENCH_RSS_KB" ]] || bench_die "no 'Maximum resident set size' in $log"
}

# ---------------------------------------------------------------------------------------
# Arithmetic and verdicts (bash has no floating point: awk does it)
# ---------------------------------------------------------------------------------------

# bench_calc EXPR: evaluate an awk arithmetic expression and print it with 2 decimals.
bench_calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# bench_verdict VALUE OP TARGET: print PASS if `VALUE OP TARGET` holds (OP is <, <=, >, >=),
# else MISS; UNKNOWN if VALUE is not a number (e.g. a failed measurement).
bench_verdict() {
    awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
        if (v !~ /^[0-9.]+$/) { print "UNKNOWN"; exit }
        ok = (op == "<" && v < t) || (op == "<=" && v <= t) || (op == ">" && v > t) || (op == ">=" && v >= t)
        print (ok ? "PASS" : "MISS")
    }'
}

# bench_count_findings FILE: print how many findings a viscan JSON/JSONL report holds, or "?"
# when the file is missing or its shape is unknown. Tolerant on purpose: the report schema
# may still change, and this is only a sanity check (did viscan find the planted leaks?).
bench_count_findings() {
    python3 - "$1" <<'PY' 2>/dev/null || echo "?"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    doc = json.loads(text)
except ValueError:  # JSON Lines: one finding per line
    print(sum(1 for line in text.splitlines() if line.strip()))
    sys.exit()
if isinstance(doc, list):
    print(len(doc))
elif isinstance(doc, dict):
    for key in ("findings", "results", "matches"):
        if isinstance(doc.get(key), list):
            print(len(doc[key]))
            break
    else:
        print("?")
else:
    print("?")
PY
}
