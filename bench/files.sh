#!/usr/bin/env bash
#
# bench/files.sh: benchmark `viscan scan` against ripgrep on the same large tree of real source.
#
# What it does (see bench/README.md for how to read the output):
#   1. installs ripgrep, hyperfine and GNU time if missing; builds viscan (cargo build --release)
#      unless VISCAN_BIN points at a binary;
#   2. builds (or reuses) a corpus of several hundred MiB of real source text: copies of the
#      cargo registry sources and the Python standard library, plus a few fake VoiceInfra key
#      leaks planted with a fixed seed, so that the scanner does real work on hits;
#   3. times `rg -c X-API-Key` and `viscan scan` on it with hyperfine (hot cache, same run);
#   4. measures viscan's peak RSS with /usr/bin/time -v;
#   5. prints a summary with PASS/MISS per target. It exits 0 even when a target is missed: it
#      is a benchmark, not a test. It exits non-zero only when nothing could be measured.
#
# Usage: bench/files.sh        (from any directory)
#
# Environment:
#   VISCAN_BIN   viscan binary to benchmark (default: build and use target/release/viscan)
#   BENCH_DIR    work directory (default /tmp/viscan-bench); the corpus is $BENCH_DIR/tree
#   BENCH_MB     corpus size target in MiB (default 400)
#   BENCH_LEAKS  number of fake leaks to plant (default 20)
#   BENCH_SEED   seed for the fake leaks (default 1337)
#   RUNS         timed hyperfine runs per command (default 5)
#   VISCAN_OUT   where viscan writes its JSON report (default $BENCH_DIR/files-viscan.json);
#                must be a regular file: /dev/null is refused (see below)
#
# Generated keys exist only in the corpus under BENCH_DIR (outside the repo); none is printed.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------

BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
BENCH_MB="${BENCH_MB:-400}"
BENCH_LEAKS="${BENCH_LEAKS:-20}"
BENCH_SEED="${BENCH_SEED:-1337}"
RUNS="${RUNS:-5}"

TREE="$BENCH_DIR/tree"
# The stamp lives next to the tree, not in it, so neither tool scans it.
STAMP="$BENCH_DIR/tree.stamp"
# Files kept in BENCH_DIR between runs (all outside the repository).
PLANTED="$BENCH_DIR/files-planted.tsv"      # where the leaks are (path, line, kind; no keys)
HYPERFINE_JSON="$BENCH_DIR/files-hyperfine.json"
RSS_LOG="$BENCH_DIR/files-viscan-time.log"
RG_RSS_LOG="$BENCH_DIR/files-rg-time.log"
SUMMARY="$BENCH_DIR/files-summary.txt"
# A regular file, never -o /dev/null: `-o` writes atomically (temp file + rename), and a
# rename over /dev/null as root would replace the device node on a shared machine. A real
# file also lets us count the findings; it holds ~BENCH_LEAKS of them, so writing it is cheap.
VISCAN_OUT="${VISCAN_OUT:-$BENCH_DIR/files-viscan.json}"

# Targets (from DESIGN.md "Speed and memory" and the benchmark issue).
TARGET_RATIO="1.2"  # viscan mean / rg mean <= 1.2 (issue 13)
TARGET_RSS_MIB="150" # viscan peak RSS < 150 MiB

# Bump when the corpus recipe changes, so that an old corpus is rebuilt, not reused.
CORPUS_VERSION=1

# Files that are not source text (archives, native libraries, bytecode) are left out of the
# copies: both tools skip binaries anyway, and they would only inflate the size target.
COPY_EXCLUDES=(
    .git __pycache__ '*.pyc' '*.pyo' '*.so' '*.so.*' '*.a' '*.o' '*.dll' '*.lib' '*.dylib'
    '*.exe' '*.whl' '*.zip' '*.gz' '*.tgz' '*.xz' '*.bz2' '*.zst' '*.crate'
)

# ---------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------

# corpus_sources: print "NAME<TAB>DIR" for each source tree to copy (those that exist).
corpus_sources() {
    local registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
    local stdlib
    stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
    # Python first: it is the smaller one, so a small BENCH_MB overshoots less.
    if [[ -d "$stdlib" ]]; then
        printf 'python-stdlib\t%s\n' "$stdlib"
    else
        bench_warn "Python stdlib not found at '$stdlib'; skipped"
    fi
    if [[ -d "$registry" ]]; then
        printf 'cargo-registry\t%s\n' "$registry"
    else
        bench_warn "cargo registry sources not found at '$registry'; skipped"
    fi
}

# copy_tree SRC DST [EXTRA_EXCLUDE...]: copy SRC's contents into a new directory DST, without
# COPY_EXCLUDES and the extra patterns. tar rather than cp so that excludes apply at any depth.
copy_tree() {
    local src="$1" dst="$2"
    shift 2
    local -a excludes=()
    local pattern
    for pattern in "${COPY_EXCLUDES[@]}" "$@"; do
        excludes+=("--exclude=$pattern")
    done
    mkdir -p "$dst"
    tar -C "$src" "${excludes[@]}" -cf - . | tar -C "$dst" -xf -
}

# corpus_stamp: the text that identifies a corpus built with the current settings.
corpus_stamp() {
    printf 'version=%s target_mib=%s leaks=%s seed=%s\n' \
        "$CORPUS_VERSION" "$BENCH_MB" "$BENCH_LEAKS" "$BENCH_SEED"
}

# build_corpus: make $TREE unless a complete one with the same stamp is already there.
# The tree is NNN/<source>/... : numbered copies of each source until the target is met.
build_corpus() {
    if [[ -d "$TREE" && -f "$STAMP" && "$(cat "$STAMP")" == "$(corpus_stamp)" ]]; then
        bench_log "reusing corpus $TREE ($(corpus_stamp))"
        return 0
    fi
    # Only ever delete a tree that this script made (it writes the stamp before copying).
    if [[ -e "$TREE" ]]; then
        [[ -f "$STAMP" ]] || bench_die "$TREE exists but has no $STAMP: not ours, refusing to delete it"
        bench_log "corpus settings changed or last build incomplete: rebuilding $TREE"
        rm -rf -- "$TREE"
    fi
    mkdir -p "$TREE"
    echo "incomplete" >"$STAMP"

    local -a names=() dirs=()
    local name dir
    while IFS=$'\t' read -r name dir; do
        names+=("$name")
        dirs+=("$dir")
    done < <(corpus_sources)
    ((${#names[@]} > 0)) || bench_die "no source trees to build the corpus from"

    local target_bytes=$((BENCH_MB * BENCH_MIB)) total=0 copy=0 i bytes dst
    local -a extra
    bench_log "building corpus in $TREE (target ${BENCH_MB} MiB)"
    while ((total < target_bytes)); do
        copy=$((copy + 1))
        # Guard against a loop that never reaches the target (e.g. empty sources).
        ((copy <= 1000)) || bench_die "corpus still below target after 1000 copies"
        for i in "${!names[@]}"; do
            ((total < target_bytes)) || break
            dst="$TREE/$(printf '%03d' "$copy")/${names[i]}"
            extra=()
            # The stdlib dir also holds site-packages (whatever pip installed: not the stdlib),
            # the static libpython and its build config.
            [[ "${names[i]}" == python-stdlib ]] && extra=(./site-packages './config-*')
            copy_tree "${dirs[i]}" "$dst" "${extra[@]}"
            bytes="$(du -sb "$dst" | cut -f1)"
            ((bytes > 0)) || bench_die "copy of ${dirs[i]} is empty"
            total=$((total + bytes))
            bench_log "  copied ${names[i]} -> ${dst#"$TREE"/} ($((bytes / BENCH_MIB)) MiB, total $((total / BENCH_MIB)) MiB)"
        done
    done

    plant_leaks
    corpus_stamp >"$STAMP"
}

# plant_leaks: append BENCH_LEAKS fake VoiceInfra key leaks to .py and .rs files of the tree.
# Deterministic for a given tree and BENCH_SEED: files are chosen from a sorted list and keys
# drawn from Python's seeded PRNG. Keys are 32 random alphanumerics, made up here and now:
# nothing in the repo holds one. The manifest records path, line and kind, never the key.
plant_leaks() {
    bench_log "planting $BENCH_LEAKS fake leaks (seed $BENCH_SEED)"
    python3 - "$TREE" "$BENCH_LEAKS" "$BENCH_SEED" "$PLANTED" <<'PY'
import os, random, string, sys

tree, count, seed, manifest = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(seed)

# The four shapes cycle: two Python, two Rust. Each is something viscan's default rules must
# report (DESIGN.md "Detection": Assignment and Header).
SHAPES = [
    (".py", "assignment", 'VOICEINFRA_API_KEY = "{key}"'),
    (".py", "header", 'headers = {{"X-API-Key": "{key}"}}'),
    (".rs", "assignment", 'const VOICEINFRA_API_KEY: &str = "{key}";'),
    (".rs", "header", 'let resp = client.post("https://api.voiceinfra.ai/v1/calls/outbound")'
                      '.header("X-API-Key", "{key}").send()?;'),
]

pools = {".py": [], ".rs": []}
for root, dirs, files in os.walk(tree):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(root, name)
        ext = os.path.splitext(name)[1]
        # Never a symlink: its target may be outside the corpus (e.g. the real cargo registry).
        if ext in pools and not os.path.islink(path):
            pools[ext].append(path)
for ext in pools:
    rng.shuffle(pools[ext])  # then pop(): each leak goes to a different file

alphabet = string.ascii_letters + string.digits
with open(manifest, "w", encoding="utf-8") as out:
    out.write("path\tline\tkind\n")
    for i in range(count):
        ext, kind, template = SHAPES[i % len(SHAPES)]
        if not pools[ext]:
            sys.exit(f"not enough {ext} files in {tree} to plant {count} leaks")
        path = pools[ext].pop()
        key = "".join(rng.choice(alphabet) for _ in range(32))
        with open(path, "rb") as f:
            data = f.read()
        prefix = b"" if not data or data.endswith(b"\n") else b"\n"
        with open(path, "ab") as f:
            f.write(prefix + template.format(key=key).encode() + b"\n")
        line = data.count(b"\n") + len(prefix) + 1
        out.write(f"{os.path.relpath(path, tree)}\t{line}\t{ext[1:]}-{kind}\n")
PY
}

# corpus_stats: set CORPUS_FILES and CORPUS_MIB for the tree.
corpus_stats() {
    CORPUS_FILES="$(find "$TREE" -type f | wc -l)"
    CORPUS_MIB="$(($(du -sb "$TREE" | cut -f1) / BENCH_MIB))"
}

# ---------------------------------------------------------------------------------------
# Benchmark
# ---------------------------------------------------------------------------------------

# The two commands, as arrays (for direct runs) and as quoted strings (for hyperfine and the
# summary). rg -uuu: no ignore files, hidden files, binary files; viscan --no-ignore: the
# same set of files as far as its design allows (it still skips .git/ and binaries).
set_commands() {
    RG_CMD=(rg -c --no-ignore -uuu X-API-Key "$TREE")
    VISCAN_CMD=("$VISCAN" scan --no-ignore --format json -o "$VISCAN_OUT" "$TREE")
    RG_CMD_STR="$(bench_quote "${RG_CMD[@]}")"
    VISCAN_CMD_STR="$(bench_quote "${VISCAN_CMD[@]}")"
}

# measure_memory: one run of each tool under /usr/bin/time -v. This is also the validation
# run: viscan must work (exit 0 or 1) before we spend minutes timing it. Sets VISCAN_RC,
# VISCAN_RSS_KB, RG_RSS_KB, NUM_FINDINGS, NUM_RG_LINES.
measure_memory() {
    # Remove the previous report so a stale one is never counted. Only ever a regular file
    # (main refuses anything else as VISCAN_OUT: deleting /dev/null would be a disaster).
    if [[ -f "$VISCAN_OUT" && ! -L "$VISCAN_OUT" ]]; then
        rm -f -- "$VISCAN_OUT"
    fi
    bench_log "viscan peak RSS: /usr/bin/time -v $VISCAN_CMD_STR"
    bench_measure_rss "$RSS_LOG" "${VISCAN_CMD[@]}"
    VISCAN_RC="$BENCH_RC"
    VISCAN_RSS_KB="$BENCH_RSS_KB"
    case "$VISCAN_RC" in
        0 | 1) ;;
        2) bench_warn "viscan exited 2 (it could not read something, or a usage error); see $RSS_LOG:"
           bench_log_stderr "$RSS_LOG" ;;
        *) bench_log_stderr "$RSS_LOG"
           bench_die "viscan exited $VISCAN_RC (crash or cannot run); see $RSS_LOG" ;;
    esac
    NUM_FINDINGS="$(bench_count_findings "$VISCAN_OUT")"

    bench_log "rg peak RSS (reference): /usr/bin/time -v $RG_CMD_STR"
    bench_measure_rss "$RG_RSS_LOG" "${RG_CMD[@]}"
    RG_RSS_KB="$BENCH_RSS_KB"
    # Lines containing X-API-Key in the whole corpus (planted and pre-existing).
    NUM_RG_LINES="$("${RG_CMD[@]}" | awk -F: '{ n += $NF } END { print n + 0 }')"
}

# measure_time: hyperfine, both commands in one run so their ratio is comparable on a
# shared machine. Sets RG_MEAN, RG_SD, VISCAN_MEAN, VISCAN_SD (seconds).
measure_time() {
    bench_hyperfine "$HYPERFINE_JSON" rg "$RG_CMD_STR" viscan "$VISCAN_CMD_STR"
    RG_MEAN="$(bench_hyperfine_stat "$HYPERFINE_JSON" 0 mean)"
    RG_SD="$(bench_hyperfine_stat "$HYPERFINE_JSON" 0 stddev)"
    VISCAN_MEAN="$(bench_hyperfine_stat "$HYPERFINE_JSON" 1 mean)"
    VISCAN_SD="$(bench_hyperfine_stat "$HYPERFINE_JSON" 1 stddev)"
}

# print_summary: the final block on stdout (also saved to $SUMMARY).
print_summary() {
    local ratio rss_mib rg_rss_mib ratio_verdict rss_verdict
    ratio="$(bench_calc "$VISCAN_MEAN / $RG_MEAN")"
    rss_mib="$(bench_calc "$VISCAN_RSS_KB / 1024")"
    rg_rss_mib="$(bench_calc "$RG_RSS_KB / 1024")"
    ratio_verdict="$(bench_verdict "$ratio" '<=' "$TARGET_RATIO")"
    rss_verdict="$(bench_verdict "$rss_mib" '<' "$TARGET_RSS_MIB")"
    {
        echo
        echo "=== viscan files benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores) ==="
        printf 'corpus      %s: %s files, %s MiB, %s planted leaks (%s)\n' \
            "$TREE" "$CORPUS_FILES" "$CORPUS_MIB" "$BENCH_LEAKS" "$PLANTED"
        printf 'ripgrep     mean %8.3f s  +- %.3f  (%s runs, hot cache)\n' "$RG_MEAN" "$RG_SD" "$RUNS"
        printf 'viscan      mean %8.3f s  +- %.3f  (%s runs, hot cache)\n' "$VISCAN_MEAN" "$VISCAN_SD" "$RUNS"
        printf 'ratio       viscan/rg  %6s x     target <= %s x     %s\n' "$ratio" "$TARGET_RATIO" "$ratio_verdict"
        printf 'peak RSS    viscan     %6s MiB   target <  %s MiB   %s   (rg: %s MiB)\n' \
            "$rss_mib" "$TARGET_RSS_MIB" "$rss_verdict" "$rg_rss_mib"
        printf 'findings    viscan reported %s (exit %s); planted %s; rg counts %s lines with X-API-Key\n' \
            "$NUM_FINDINGS" "$VISCAN_RC" "$BENCH_LEAKS" "$NUM_RG_LINES"
        if [[ "$NUM_FINDINGS" =~ ^[0-9]+$ ]] && ((NUM_FINDINGS < BENCH_LEAKS)); then
            echo "            NOTE: fewer findings than planted leaks: viscan may be skipping work (see $PLANTED)"
        elif [[ ! "$NUM_FINDINGS" =~ ^[0-9]+$ ]]; then
            echo "            NOTE: could not count findings in $VISCAN_OUT (missing, or unknown JSON shape)"
        fi
        echo "commands"
        echo "  rg:     $RG_CMD_STR"
        echo "  viscan: $VISCAN_CMD_STR"
        echo "  rss:    /usr/bin/time -v $VISCAN_CMD_STR"
        echo "details   $HYPERFINE_JSON, $RSS_LOG"
    } | tee "$SUMMARY"
}

main() {
    case "${1:-}" in
        -h | --help)
            sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            return 0
            ;;
        "") ;;
        *) bench_die "no arguments expected (settings come from the environment; see --help)" ;;
    esac
    [[ "$BENCH_MB" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_MB must be a positive integer: $BENCH_MB"
    [[ "$BENCH_LEAKS" =~ ^[0-9]+$ ]] || bench_die "BENCH_LEAKS must be an integer: $BENCH_LEAKS"
    [[ "$BENCH_SEED" =~ ^[0-9]+$ ]] || bench_die "BENCH_SEED must be an integer: $BENCH_SEED"
    [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || bench_die "RUNS must be a positive integer: $RUNS"
    # viscan replaces its -o file by renaming a temp file over it: never point it (or our
    # clean-up) at a device, a symlink or a directory.
    if [[ -L "$VISCAN_OUT" || (-e "$VISCAN_OUT" && ! -f "$VISCAN_OUT") ]]; then
        bench_die "VISCAN_OUT must be a regular file path (not /dev/null, a device or a symlink): $VISCAN_OUT"
    fi

    bench_ensure_tools
    # Build first: it also fills the cargo registry that the corpus copies.
    bench_build_viscan
    mkdir -p "$BENCH_DIR"
    build_corpus
    corpus_stats
    bench_log "corpus: $CORPUS_FILES files, $CORPUS_MIB MiB in $TREE"
    set_commands
    measure_memory
    measure_time
    print_summary
}

main "$@"
