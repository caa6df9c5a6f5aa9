#!/usr/bin/env bash
#
# bench/html_size.sh: the size of the `--format html` audit page (issue 12; target: at most
# 2 MB for 10,000 findings), for `viscan scan` and `viscan history`, in three shapes:
#
#   10        one file, 10 distinct keys (10 findings)
#   10k-100   100 files of the same 100 keys: 10,000 findings, 100 keys of 100 places each
#   10k-10k   100 files of 100 keys each: 10,000 findings, 10,000 distinct keys
#
# History: the same files, one commit per file (100 commits, fixed authors and dates; the
# 10-finding shape is one commit). Last, the worst case for history: 10k-10kc, 10,000 keys
# each added by a commit of its own (`git fast-import`), so the Commits table has 10,000 rows. Keys are random from BENCH_SEED, made at run time, and
# live only under $BENCH_DIR (default /tmp/viscan-bench/html). Prints one line per report:
# command, shape, findings, bytes.
#
# Usage: bench/html_size.sh            Environment: VISCAN_BIN, BENCH_DIR, BENCH_SEED (7)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench/html}"
BENCH_SEED="${BENCH_SEED:-7}"
VISCAN_BIN="${VISCAN_BIN:-$BENCH_ROOT/target/release/viscan}"
[[ -x "$VISCAN_BIN" ]] || bench_die "no viscan binary at $VISCAN_BIN (cargo build --release)"

# make_tree DIR FILES LINES DISTINCT: FILES files of LINES `VOICEINFRA_API_KEY_i=KEY` lines;
# DISTINCT=1 gives every line its own key, else every file holds the same LINES keys.
make_tree() {
    python3 - "$@" "$BENCH_SEED" <<'EOF'
import os, random, string, sys
root, files, lines, distinct, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
rng = random.Random(seed)
alnum = string.ascii_letters + string.digits
def key():
    # As the value checks want it: a digit, no run of five equal letters in any case, no
    # placeholder word.
    while True:
        k = "".join(rng.choice(alnum) for _ in range(32))
        low = k.lower()
        if (any(c.isdigit() for c in k) and not any(len(set(low[i:i + 5])) == 1 for i in range(28))
                and not any(w in low for w in ("your", "xxx", "todo", "fake", "test", "123456",
                    "abcdef", "qwerty", "example", "sample", "dummy", "insert", "replace"))):
            return k
shared = [key() for _ in range(lines)]
os.makedirs(root, exist_ok=True)
for f in range(files):
    keys = [key() for _ in range(lines)] if distinct else shared
    with open(os.path.join(root, f"f{f:03}.env"), "w") as out:
        out.writelines(f"VOICEINFRA_API_KEY_{i}={k}\n" for i, k in enumerate(keys))
EOF
}

# make_repo DIR: a repository whose commit i adds DIR's i-th file (from the tree DIR.files).
make_repo() {
    local repo="$1" n=0
    git init -q "$repo"
    for file in "$repo.files"/*.env; do
        n=$((n + 1))
        cp "$file" "$repo/"
        git -C "$repo" add "$(basename "$file")"
        GIT_AUTHOR_NAME="Dev $((n % 7))" GIT_AUTHOR_EMAIL="dev$((n % 7))@example.com" \
            GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com \
            GIT_AUTHOR_DATE="$((1700000000 + n * 86400)) +0000" \
            GIT_COMMITTER_DATE="$((1700000000 + n * 86400)) +0000" \
            git -C "$repo" commit -q -m "add $(basename "$file")"
    done
}

mkdir -p "$BENCH_DIR"
for shape in "10 1 10 1" "10k-100 100 100 0" "10k-10k 100 100 1"; do
    read -r name files lines distinct <<<"$shape"
    tree="$BENCH_DIR/$name"
    if [[ ! -d "$tree" ]]; then
        make_tree "$tree" "$files" "$lines" "$distinct"
        make_tree "$tree-repo.files" "$files" "$lines" "$distinct"
        make_repo "$tree-repo"
    fi
    for command in scan history; do
        target="$name"
        [[ $command == history ]] && target="$name-repo"
        out="$BENCH_DIR/$name-$command.html"
        # Relative paths, as an audit run from the checkout's parent would show them.
        (cd "$BENCH_DIR" && SOURCE_DATE_EPOCH=1710000000 "$VISCAN_BIN" "$command" "$target" \
            --format html -o "$out" -q) || true
        findings=$(grep -o 'id="num-places">[0-9]*' "$out" | grep -o '[0-9]*$')
        printf '%-8s %-8s %6s findings %9d bytes  %s\n' "$command" "$name" "$findings" "$(stat -c %s "$out")" "$out"
    done
done

# The worst case: one commit per key (10,000 commits, one new file each).
repo="$BENCH_DIR/10k-10kc-repo"
if [[ ! -d "$repo" ]]; then
    git init -q "$repo"
    python3 - "$BENCH_SEED" <<'EOF' | git -C "$repo" fast-import --quiet
import random, string, sys
rng = random.Random(int(sys.argv[1]))
alnum = string.ascii_letters + string.digits
words = ("your", "xxx", "todo", "fake", "test", "123456", "abcdef", "qwerty", "example",
         "sample", "dummy", "insert", "replace")
def key():
    while True:
        k = "".join(rng.choice(alnum) for _ in range(32))
        low = k.lower()
        if (any(c.isdigit() for c in k) and not any(len(set(low[i:i + 5])) == 1 for i in range(28))
                and not any(w in low for w in words)):
            return k
for n in range(10000):
    data, msg, when = f"VOICEINFRA_API_KEY={key()}\n", f"add f{n:05}.env\n", 1600000000 + n * 3600
    sys.stdout.write(f"commit refs/heads/main\nmark :{n + 1}\n"
                     f"author Dev {n % 7} <dev{n % 7}@example.com> {when} +0000\n"
                     f"committer ci <ci@example.com> {when} +0000\ndata {len(msg)}\n{msg}")
    if n:
        sys.stdout.write(f"from :{n}\n")
    sys.stdout.write(f"M 100644 inline k/f{n:05}.env\ndata {len(data)}\n{data}\n")
EOF
    git -C "$repo" symbolic-ref HEAD refs/heads/main
fi
out="$BENCH_DIR/10k-10kc-history.html"
# --max-paths: 10,000 commits of a folder that grows to 10,000 files is 50 million entries.
(cd "$BENCH_DIR" && SOURCE_DATE_EPOCH=1640000000 "$VISCAN_BIN" history 10k-10kc-repo \
    --max-paths 100000000 --format html -o "$out" -q) || true
findings=$(grep -o 'id="num-places">[0-9]*' "$out" | grep -o '[0-9]*$')
printf '%-8s %-8s %6s findings %9d bytes  %s\n' history 10k-10kc "$findings" "$(stat -c %s "$out")" "$out"
