#!/usr/bin/env bash
#
# bench/archives.sh: what archives and `viscan site` cost (issue 14), on the release build:
#   1. a zip of 300 MB of zeros in one member (refused from its header: size, then ratio);
#   2. a zip of 300 members of 1 MiB of zeros (each under the ratio floor: all inflated);
#   3. a tree of real text (Python's standard library, ~40 MB) as a folder, a .zip and a .tgz:
#      files/s, MB/s and peak memory of the archive against the folder;
#   4. `viscan site` on a loopback site (python3 -m http.server on 127.0.0.1) of 400 scripts,
#      at the default concurrency (4) and one request at a time.
# Each case runs once to warm the cache, then once under /usr/bin/time; the table gives wall
# seconds and peak RSS. Exits 0 even when a number is poor; non-zero only when nothing ran.
#
# Usage: bench/archives.sh    (needs python3, zip, tar, /usr/bin/time)
#
# Environment:
#   VISCAN_BIN   viscan binary (default: build and use target/release/viscan)
#   BENCH_DIR    work directory (default /tmp/viscan-bench); inputs go to $BENCH_DIR/archives
#   PY_LIB       the text tree to pack (default: /usr/lib/python3.N of python3)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${VISCAN_BIN:-}" ]]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    VISCAN_BIN="$ROOT/target/release/viscan"
fi
WORK="${BENCH_DIR:-/tmp/viscan-bench}/archives"
PY_LIB="${PY_LIB:-$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')}"
mkdir -p "$WORK"
cd "$WORK"

if [[ ! -f zeros300.zip ]]; then
    python3 - <<'EOF'
import zipfile
with zipfile.ZipFile('zeros300.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('zeros.bin', 'w', force_zip64=True) as f:
        block = bytes(1 << 20)
        for _ in range(300):
            f.write(block)
with zipfile.ZipFile('zeros300x1m.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for i in range(300):
        z.writestr(f'z/{i:03}.bin', bytes(1 << 20))
EOF
fi
if [[ ! -d corpus ]]; then
    mkdir corpus
    cp -r "$PY_LIB" corpus/py
    # A tree without archives, so the folder scan shows what opening archives costs a tree
    # that has none (the stdlib's own test archives would be opened otherwise).
    find corpus -name __pycache__ -prune -exec rm -rf {} +
    find corpus -type f \( -name '*.zip' -o -name '*.tar' -o -name '*.gz' -o -name '*.tgz' \
        -o -name '*.whl' -o -name '*.jar' -o -name '*.egg' \) -delete
    (cd corpus && zip -qr ../corpus.zip . && tar czf ../corpus.tgz .)
fi
if [[ ! -d site ]]; then
    python3 - <<'EOF'
import glob, os
os.makedirs('site/assets')
files = sorted(glob.glob('corpus/py/**/*.py', recursive=True))[:400]
tags = []
for i, f in enumerate(files):
    data = open(f, 'rb').read().replace(b'*/', b'* /')
    name = f'assets/chunk-{i:04}.js'
    open('site/' + name, 'wb').write(b'/*' + data + b'*/\nexport const x=1;\n')
    tags.append(f'<script type="module" src="/{name}"></script>')
open('site/index.html', 'w').write('<!doctype html><html><head>' + ''.join(tags) + '</head></html>')
EOF
fi

measure() { # NAME ARGS...: one warm-up, then wall seconds and peak RSS (MiB)
    local name="$1"
    shift
    "$VISCAN_BIN" "$@" >/dev/null 2>&1 || true
    /usr/bin/time -f '%e %M' -o time.txt "$VISCAN_BIN" "$@" >/dev/null 2>stderr.txt || true
    # The last line: /usr/bin/time first says "Command exited with non-zero status N".
    read -r secs kib < <(tail -n 1 time.txt)
    printf '%-34s %8s s %8.1f MiB   %s\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)" \
        "$(grep -m1 -o 'warning: .*' stderr.txt | cut -c1-70 || true)"
}

echo "viscan: $VISCAN_BIN"
measure "zip, 300 MB zeros, one member" scan zeros300.zip
measure "  same, --max-file-size 1G" scan --max-file-size 1G zeros300.zip
measure "zip, 300 x 1 MiB zeros" scan zeros300x1m.zip
measure "tree ($(du -sm corpus | cut -f1) MB, $(find corpus -type f | wc -l) files)" scan corpus
measure "  same, --no-archives" scan --no-archives corpus
measure "  as corpus.zip" scan --max-file-size 2G corpus.zip
measure "  as corpus.tgz" scan --max-file-size 2G corpus.tgz

port=$((20000 + RANDOM % 20000))
python3 -m http.server -b 127.0.0.1 "$port" -d site >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
sleep 1
# 807 requests: the page, 400 scripts, their 400 NAME.js.map guesses (404) and 6 manifest guesses.
measure "site, 400 scripts ($(du -sm site | cut -f1) MB)" site --max-requests 1000 "http://127.0.0.1:$port/"
measure "  same, --concurrency 1" site --max-requests 1000 --concurrency 1 "http://127.0.0.1:$port/"
