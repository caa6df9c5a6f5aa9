#!/usr/bin/env bash
# bench/binaries.sh: the cost of scanning binaries' printable strings (issue 18), as a ratio
# against a build that skipped binaries, measured side by side in one run.
#
#   VISCAN_BASE=/path/to/old/viscan bench/binaries.sh
#
# VISCAN_BASE: the build to compare with (e.g. a release build of da6a00d, before binaries were
# scanned); VISCAN_BIN: the build under test (default: cargo build --release here). Two trees:
#   mixed  the files.sh corpus ($BENCH_DIR/tree, built by bench/files.sh) plus ~150 MiB of the
#          system's shared libraries and executables in native/
#   binary ~1.2 GB of /usr/bin and /usr/lib executables and libraries, nothing else
# Target: mixed within 1.1x of VISCAN_BASE. The binary-only tree shows the worst case.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${VISCAN_BASE:?set VISCAN_BASE to the viscan build to compare with}"
BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
RUNS="${RUNS:-10}"
bench_ensure_tools
bench_build_viscan

if [ ! -d "$BENCH_DIR/tree" ]; then
    BENCH_DIR="$BENCH_DIR" VISCAN_BIN="$VISCAN" RUNS=1 "$BENCH_ROOT/bench/files.sh" >/dev/null
fi
if [ ! -d "$BENCH_DIR/tree/native" ]; then
    mkdir -p "$BENCH_DIR/tree/native"
    find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -name '*.so*' -size -4M | head -300 |
        xargs -I{} cp {} "$BENCH_DIR/tree/native/"
    cp /usr/bin/g* "$BENCH_DIR/tree/native/" 2>/dev/null || true
fi
if [ ! -d "$BENCH_DIR/binaries" ]; then
    mkdir -p "$BENCH_DIR/binaries/lib"
    cp -rL /usr/bin "$BENCH_DIR/binaries/bin" 2>/dev/null || true
    find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -size -20M | head -600 |
        xargs -I{} cp {} "$BENCH_DIR/binaries/lib/" 2>/dev/null || true
fi

for tree in "$BENCH_DIR/tree" "$BENCH_DIR/binaries"; do
    bench_log "tree $tree: $(du -sh "$tree" | cut -f1)"
    hyperfine -N --warmup 2 --runs "$RUNS" -i \
        --export-json "$BENCH_DIR/binaries-$(basename "$tree").json" \
        "$VISCAN_BASE scan -q --no-ignore --format json -o $BENCH_DIR/base.json $tree" \
        "$VISCAN scan -q --no-ignore --format json -o $BENCH_DIR/new.json $tree" >&2
    python3 - "$BENCH_DIR/binaries-$(basename "$tree").json" "$tree" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
base, new = runs[0]["mean"], runs[1]["mean"]
print(f"{sys.argv[2]}: base {base:.3f} s, new {new:.3f} s, ratio {new / base:.2f}x")
PY
done
