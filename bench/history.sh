#!/usr/bin/env bash
#
# bench/history.sh: benchmark `viscan history` and `viscan staged` on real git repositories.
#
# What it does (see bench/README.md for how to read the output):
#   1. installs hyperfine and GNU time if missing; builds viscan (cargo build --release) unless
#      VISCAN_BIN points at a binary;
#   2. history: builds (or reuses) a repository with thousands of commits of real source text
#      (the cargo registry sources, several versions of some crates, and the Python standard
#      library, added in small batches, with edits, renames and deletions, and a few fake
#      VoiceInfra key leaks, some removed again later), packed as a clone is; then times
#      `git cat-file --batch-all-objects --batch` (inflating every object once: the floor of a
#      history scan) and `viscan history` side by side with hyperfine, measures viscan's peak
#      RSS, and checks viscan's findings against what was planted;
#   3. staged: builds (or reuses) a repository with 50,000 tracked files, stages a one-file change,
#      and times `viscan staged` (the pre-commit hook) there, with `git diff --cached --quiet`
#      as a reference;
#   4. prints a summary with PASS/MISS per target. It exits 0 even when a target is missed: it
#      is a benchmark, not a test. It exits non-zero only when nothing could be measured.
#
# Usage: bench/history.sh                 (from any directory; the synthetic repository)
#        bench/history.sh REPO...         (these repositories instead, e.g. clones of real ones)
#        HISTORY_REPO=REPO bench/history.sh
#
# Given repositories (any git directory or work tree, bare or not; "synthetic" names the
# built one) are measured as they are: no recipe, so no expected findings. For each one, one
# hyperfine run times viscan and the two floors, `git cat-file --batch-all-objects --batch`
# (inflating every object once) and `git rev-list --objects --all` (walking every commit and
# tree, reading no blob), and the summary prints viscan's time ratio to each and the peak RSS
# of all three. With VISCAN_BASE set, that binary audits the repository once too and its
# findings are compared with viscan's (path, line, rule, commit, fingerprint).
#
# Environment:
#   VISCAN_BIN       viscan binary to benchmark (default: build and use target/release/viscan)
#   BENCH_DIR        work directory (default /tmp/viscan-bench); the repositories are
#                    $BENCH_DIR/history-repo (bare) and $BENCH_DIR/staged-repo
#   BENCH_PARTS      which parts to run (default "history staged")
#   BENCH_SEED       seed for the repository recipe and the fake leaks (default 1337)
#   HISTORY_REPO     repositories to measure instead of the synthetic one (space-separated;
#                    positional arguments do the same)
#   VISCAN_BASE      another viscan binary whose findings must be the same (default: none)
#   HISTORY_TARGET_RATIO    target for viscan / cat-file on given repositories (default 0.7)
#   HISTORY_TARGET_RSS_MIB  target for viscan's peak RSS on given repositories (default 150)
#   HISTORY_COMMITS  commits in the history repository (default 3000; at least 100)
#   HISTORY_LEAKS    fake leaks planted in the history (default 12)
#   HISTORY_THREADS  viscan history -j (default 2; git cat-file uses one thread)
#   HISTORY_REBUILD  1: rebuild the history repository even if its stamp matches (default 0)
#   RUNS             timed hyperfine runs per command, history part (default 5)
#   STAGED_FILES     tracked files in the staged repository (default 50000)
#   STAGED_RUNS      timed hyperfine runs per command, staged part (default 20; warm-up 3)
#
# Generated keys exist only in the repositories under BENCH_DIR (outside this repo); none is
# printed or written to the manifests.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Inherited git variables (e.g. when run from a hook) would point git and viscan at another
# repository or index.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES

# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------

BENCH_DIR="${BENCH_DIR:-/tmp/viscan-bench}"
BENCH_PARTS="${BENCH_PARTS:-history staged}"
BENCH_SEED="${BENCH_SEED:-1337}"
HISTORY_COMMITS="${HISTORY_COMMITS:-3000}"
HISTORY_LEAKS="${HISTORY_LEAKS:-12}"
HISTORY_THREADS="${HISTORY_THREADS:-2}"
HISTORY_REBUILD="${HISTORY_REBUILD:-0}"
# Read before set_paths, which names the synthetic repository HISTORY_REPO.
GIVEN_REPOS="${HISTORY_REPO:-}"
HISTORY_TARGET_RATIO="${HISTORY_TARGET_RATIO:-0.7}"
HISTORY_TARGET_RSS_MIB="${HISTORY_TARGET_RSS_MIB:-150}"
RUNS="${RUNS:-5}"
STAGED_FILES="${STAGED_FILES:-50000}"
STAGED_RUNS="${STAGED_RUNS:-20}"
STAGED_WARMUP=3

# Targets (DESIGN.md "Speed and memory" and the benchmark issue).
TARGET_RATIO="1.0"     # viscan history mean / git cat-file mean <= 1.0
TARGET_RSS_MIB="200"   # viscan history peak RSS < 200 MiB
TARGET_STAGED_MS="50"  # viscan staged mean < 50 ms
TARGET_STAGED_RATIO="3" # viscan staged mean / git diff --cached --quiet mean <= 3 (issue 11)

# Bump when a recipe changes, so that an old repository is rebuilt, not reused.
HISTORY_REPO_VERSION=2
STAGED_REPO_VERSION=1

# Fixed identity for every commit (dates come from the recipe), so the repositories are
# reproducible and never pick up the user's git identity.
BENCH_GIT_NAME="Bench Author"
BENCH_GIT_EMAIL="bench@example.invalid"

# Paths under BENCH_DIR; set_paths makes them absolute once BENCH_DIR exists.
set_paths() {
    HISTORY_REPO="$BENCH_DIR/history-repo"
    # Stamps and manifests live next to the repositories, never in them.
    HISTORY_STAMP="$BENCH_DIR/history-repo.stamp"
    HISTORY_MARKS="$BENCH_DIR/history-marks.txt"          # fast-import mark -> commit id
    HISTORY_EXPECTED="$BENCH_DIR/history-expected.tsv"    # findings viscan should report (no keys)
    HISTORY_PLANTED="$BENCH_DIR/history-planted.tsv"      # the leaks and their fate (no keys)
    HISTORY_RECIPE="$BENCH_DIR/history-recipe.json"       # operation counts of the recipe
    HISTORY_STATS="$BENCH_DIR/history-repo-stats.txt"     # pack size, objects (after gc)
    HISTORY_OUT="$BENCH_DIR/history-viscan.json"
    HISTORY_HYPERFINE_JSON="$BENCH_DIR/history-hyperfine.json"
    HISTORY_RSS_LOG="$BENCH_DIR/history-viscan-time.log"
    HISTORY_GIT_RSS_LOG="$BENCH_DIR/history-git-time.log"

    STAGED_REPO="$BENCH_DIR/staged-repo"
    STAGED_STAMP="$BENCH_DIR/staged-repo.stamp"
    STAGED_OUT="$BENCH_DIR/staged-viscan.json"
    STAGED_HYPERFINE_JSON="$BENCH_DIR/staged-hyperfine.json"
    STAGED_RSS_LOG="$BENCH_DIR/staged-viscan-time.log"

    SUMMARY="$BENCH_DIR/history-summary.txt"
}

# bench_git ARGS...: git with the fixed identity and no user or system configuration
# (hooks, templates, fsmonitor, a default branch name...), so the repositories are the same
# on every machine.
bench_git() {
    GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
        GIT_AUTHOR_NAME="$BENCH_GIT_NAME" GIT_AUTHOR_EMAIL="$BENCH_GIT_EMAIL" \
        GIT_COMMITTER_NAME="$BENCH_GIT_NAME" GIT_COMMITTER_EMAIL="$BENCH_GIT_EMAIL" \
        git "$@"
}

# remove_ours DIR STAMP: delete DIR if it exists, but only when its STAMP file says that this
# script made it (the stamp is written before anything goes into DIR).
remove_ours() {
    local dir="$1" stamp="$2"
    [[ -e "$dir" ]] || return 0
    [[ -f "$stamp" ]] || bench_die "$dir exists but has no $stamp: not ours, refusing to delete it"
    rm -rf -- "$dir"
}

# ---------------------------------------------------------------------------------------
# Part 1: history repository
# ---------------------------------------------------------------------------------------

# history_sources: set CRATES_DIR (the registry's sources) and STDLIB_DIR; either may be empty.
history_sources() {
    CRATES_DIR="${CARGO_HOME:-$HOME/.cargo}/registry/src"
    [[ -d "$CRATES_DIR" ]] || {
        bench_warn "cargo registry sources not found at '$CRATES_DIR'; skipped"
        CRATES_DIR=""
    }
    STDLIB_DIR="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
    [[ -d "$STDLIB_DIR" ]] || {
        bench_warn "Python stdlib not found at '$STDLIB_DIR'; skipped"
        STDLIB_DIR=""
    }
    [[ -n "$CRATES_DIR$STDLIB_DIR" ]] || bench_die "no source trees to build the history from"
}

# history_stamp: the text that identifies a history repository built with the current
# settings and sources (a new crate in the registry or another Python changes the repository).
history_stamp() {
    local crates=0
    if [[ -n "$CRATES_DIR" ]]; then
        crates="$(find "$CRATES_DIR" -mindepth 2 -maxdepth 2 -type d | wc -l)"
    fi
    printf 'version=%s commits=%s leaks=%s seed=%s crate_dirs=%s stdlib=%s\n' \
        "$HISTORY_REPO_VERSION" "$HISTORY_COMMITS" "$HISTORY_LEAKS" "$BENCH_SEED" "$crates" \
        "${STDLIB_DIR:-none}"
}

# build_history_repo: make $HISTORY_REPO unless one with the same stamp is there.
build_history_repo() {
    local stamp
    stamp="$(history_stamp)"
    if [[ "$HISTORY_REBUILD" != 1 && -d "$HISTORY_REPO" && -f "$HISTORY_STAMP" &&
        "$(cat "$HISTORY_STAMP")" == "$stamp" ]]; then
        if [[ -f "$HISTORY_MARKS" && -f "$HISTORY_EXPECTED" && -f "$HISTORY_RECIPE" ]]; then
            bench_log "reusing history repository $HISTORY_REPO ($stamp)"
            [[ -f "$HISTORY_STATS" ]] || history_repo_stats >"$HISTORY_STATS"
            return 0
        fi
    fi
    if [[ -e "$HISTORY_REPO" ]]; then
        bench_log "settings changed, HISTORY_REBUILD=1 or last build incomplete: rebuilding $HISTORY_REPO"
    fi
    remove_ours "$HISTORY_REPO" "$HISTORY_STAMP"
    echo "incomplete" >"$HISTORY_STAMP"

    local started=$SECONDS
    # Bare: only objects, as the history scan sees them. No bitmaps (git gc writes them for
    # bare repositories by default; a clone has none), no automatic gc during the runs.
    bench_git init -q --bare -b main "$HISTORY_REPO"
    bench_git -C "$HISTORY_REPO" config repack.writeBitmaps false
    bench_git -C "$HISTORY_REPO" config gc.auto 0

    bench_log "building history: $HISTORY_COMMITS commits with git fast-import (seed $BENCH_SEED)"
    write_history_stream | bench_git -C "$HISTORY_REPO" fast-import --quiet \
        --export-marks="$HISTORY_MARKS" || bench_die "git fast-import failed"
    # Pack it like a clone: a clone's pack comes from pack-objects' delta search (default window
    # and depth, not --aggressive). Plain `git gc` would keep fast-import's own pack as it is:
    # its blob deltas are against whatever blob came before in the stream (poor, up to 50 deep),
    # which makes the pack ~40% larger and `cat-file --batch-all-objects` ~2x slower than a
    # clone's. -f recomputes every delta; gc then packs refs and writes the commit-graph.
    bench_log "imported in $((SECONDS - started)) s; packing: git repack -a -d -f, git gc"
    bench_git -C "$HISTORY_REPO" repack -a -d -f -q || bench_die "git repack failed"
    bench_git -C "$HISTORY_REPO" gc --quiet || bench_die "git gc failed"
    history_repo_stats >"$HISTORY_STATS"
    bench_log "history repository ready in $((SECONDS - started)) s"
    echo "$stamp" >"$HISTORY_STAMP"
}

# write_history_stream: the fast-import stream of the whole history, on stdout. Also writes
# the manifests (expected findings, planted leaks, recipe counts). Deterministic for given
# sources, settings and seed: files are listed sorted and every choice comes from one seeded
# PRNG. Keys are 32 random alphanumerics made up here and now; they go only into the stream.
write_history_stream() {
    python3 - "$HISTORY_COMMITS" "$HISTORY_LEAKS" "$BENCH_SEED" "$CRATES_DIR" "$STDLIB_DIR" \
        "$HISTORY_EXPECTED" "$HISTORY_PLANTED" "$HISTORY_RECIPE" \
        "$BENCH_GIT_NAME" "$BENCH_GIT_EMAIL" <<'PY'
import hashlib, json, os, random, re, string, sys

(n_commits, n_leaks, seed, crates_dir, stdlib_dir, expected_path, planted_path, recipe_path,
 git_name, git_email) = sys.argv[1:]
N, L = int(n_commits), int(n_leaks)
rng = random.Random(int(seed))
out = sys.stdout.buffer
MAX_BYTES = 1 << 20          # larger files are left out (generated tables, archives)
START = 1700000000           # first commit date (2023-11-14), one commit per hour after it
counts = {k: 0 for k in ("files_added", "add_commits", "edit_commits", "files_edited",
                         "file_renames", "dir_renames", "file_deletes", "dir_deletes",
                         "upgrades", "leaks_planted", "leak_lines_removed",
                         "leak_files_renamed", "leak_files_deleted")}

def log(msg):
    print("[bench]   " + msg, file=sys.stderr)

# ---- sources ---------------------------------------------------------------------------

def text_files(top, prefix, skip_top=()):
    """(dest path, source path, executable) of every text file under top, sorted."""
    found = []
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__") and not (
            root == top and (d in skip_top or d.startswith("config-"))))
        for name in sorted(names):
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path) or name.endswith((".pyc", ".pyo")):
                continue
            st = os.stat(path)
            if st.st_size > MAX_BYTES:
                continue
            with open(path, "rb") as f:
                if b"\0" in f.read(8192):   # binary
                    continue
            rel = os.path.relpath(path, top).replace(os.sep, "/")
            found.append((f"{prefix}/{rel}", path, bool(st.st_mode & 0o111)))
    return found

def version_key(version):
    nums = [int(x) for x in re.findall(r"\d+", version)[:3]]
    return nums + [0] * (3 - len(nums)), version

crates = {}   # name -> [(version, dir)]
if crates_dir:
    seen_dirs = set()
    for index in sorted(os.listdir(crates_dir)):
        index_dir = os.path.join(crates_dir, index)
        if not os.path.isdir(index_dir):
            continue
        for entry in sorted(os.listdir(index_dir)):
            m = re.match(r"^(.+?)-(\d+\.\d+\.\d+.*)$", entry)
            path = os.path.join(index_dir, entry)
            if not m or entry in seen_dirs or not os.path.isdir(path):
                continue
            seen_dirs.add(entry)
            crates.setdefault(m.group(1), []).append((m.group(2), path))
for versions in crates.values():
    versions.sort(key=lambda v: version_key(v[0]))

first_units, upgrades, multi_prefixes = [], [], set()
for name in sorted(crates):
    versions = crates[name]
    prefix = f"rust/{name}"
    unit = text_files(versions[0][1], prefix)
    if len(versions) > 1:
        multi_prefixes.add(prefix + "/")
        first_units.append((0, prefix, unit))  # 0: at the front, so upgrades come later
        for version, path in versions[1:]:
            upgrades.append((name, version, prefix, text_files(path, prefix)))
    else:
        first_units.append((1, prefix, unit))
if stdlib_dir:
    # One unit per package; the top-level modules are one more. site-packages is whatever pip
    # installed (not the stdlib); lib-dynload and config-* hold native libraries.
    entries = sorted(os.listdir(stdlib_dir))
    for entry in entries:
        path = os.path.join(stdlib_dir, entry)
        if entry in ("site-packages", "lib-dynload", "__pycache__") or entry.startswith("config-"):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            first_units.append((1, f"python/Lib/{entry}", text_files(path, f"python/Lib/{entry}")))
    first_units.append((1, "python/Lib", text_files(stdlib_dir, "python/Lib", skip_top=set(entries))))
front = [u for u in first_units if u[0] == 0]
rest = [u for u in first_units if u[0] == 1]
rng.shuffle(rest)
queue = [f for _, _, unit in front + rest for f in unit]
queue.reverse()   # pop() from the end
total_files = len(queue)
if total_files == 0:
    sys.exit("no source files found")
log(f"{total_files} source files from {len(crates)} crates"
    f"{' and the Python stdlib' if stdlib_dir else ''}; {len(upgrades)} crate upgrades")

# ---- the tree at the tip of the branch -------------------------------------------------

class Tree:
    def __init__(self):
        self.paths, self.pos = [], {}
        self.src, self.data, self.exe = {}, {}, {}

    def add(self, path, src=None, exe=False, data=None):
        if path not in self.pos:
            self.pos[path] = len(self.paths)
            self.paths.append(path)
        self.src[path], self.exe[path] = src, exe
        self.data.pop(path, None)
        if data is not None:
            self.data[path] = data

    def remove(self, path):
        i = self.pos.pop(path)
        last = self.paths.pop()
        if last != path:
            self.paths[i] = last
            self.pos[last] = i
        self.src.pop(path)
        self.exe.pop(path)
        self.data.pop(path, None)

    def move(self, old, new):
        src, exe, data = self.src[old], self.exe[old], self.data.get(old)
        self.remove(old)
        self.add(new, src, exe, data)

    def content(self, path):
        if path in self.data:
            return self.data[path]
        with open(self.src[path], "rb") as f:
            return f.read()

    def under(self, directory):
        d = directory + "/"
        return sorted(p for p in self.paths if p.startswith(d))

    def exists(self, path):
        """True if path is a file or a directory in the tree."""
        d = path + "/"
        return path in self.pos or any(p.startswith(d) for p in self.paths)

tree = Tree()
keys = {}        # path -> [(key, kind)] planted there and still present
seen = set()     # (path, blob hash) of blobs with keys already introduced at that path
expected = []    # (commit mark, path, line, kind, key) that viscan history should report
planted = []     # dicts: mark, path, line, kind, fate
schedule = {}    # commit index -> [action]

def pick(pred, tries=200):
    """A random path of the tree that satisfies pred, or None."""
    if not tree.paths:
        return None
    for _ in range(tries):
        path = tree.paths[rng.randrange(len(tree.paths))]
        if pred(path):
            return path
    return None

def unprotected(path):
    return path not in keys

# ---- fast-import stream ----------------------------------------------------------------

def quote(path):
    """A path as a C-style quoted string (fast-import accepts it everywhere; R needs it)."""
    out = bytearray(b'"')
    for b in path.encode("utf-8", "surrogateescape"):
        if b in b'"\\':
            out += b"\\" + bytes([b])
        elif b < 0x20 or b >= 0x7f:
            out += b"\\%03o" % b
        else:
            out.append(b)
    out += b'"'
    return bytes(out)

ops = []   # byte chunks of the current commit's file changes

def op_modify(path):
    data = tree.content(path)
    mode = b"100755" if tree.exe[path] else b"100644"
    ops.append(b"M %s inline %s\ndata %d\n" % (mode, quote(path), len(data)) + data + b"\n")
    introduce(path)

def op_delete(path):
    ops.append(b"D %s\n" % quote(path))

def op_rename(old, new):
    ops.append(b"R %s %s\n" % (quote(old), quote(new)))

def write_commit(i, message):
    t = START + i * 3600 + (i * 7919) % 1800
    ident = f"{git_name} <{git_email}> {t} +0000".encode()
    msg = message.encode("utf-8", "surrogateescape") + b"\n"
    out.write(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s"
              % (i + 1, ident, ident, len(msg), msg))
    for chunk in ops:
        out.write(chunk)
    out.write(b"\n")
    ops.clear()

def introduce(path):
    """Record the findings viscan should report for the blob now at path (if it has keys)."""
    if path not in keys:
        return
    data = tree.content(path)
    h = hashlib.sha1(data).digest()
    if (path, h) in seen:
        return
    seen.add((path, h))
    lines = data.split(b"\n")
    for key, kind in keys[path]:
        line = next(n + 1 for n, text in enumerate(lines) if key.encode() in text)
        expected.append((CURRENT[0] + 1, path, line, kind, key))

CURRENT = [0]

# ---- operations ------------------------------------------------------------------------

def comment(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in (".rs", ".c", ".h", ".cc", ".cpp", ".js", ".ts", ".go", ".java", ".css"):
        return b"//"
    return b"#"

def edit(path, i):
    lines = tree.content(path).split(b"\n")
    c = comment(path)
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        if r < 0.35 or len(lines) < 12:      # append a block copied from the file
            start = rng.randrange(len(lines))
            block = lines[start:start + rng.randint(1, 8)]
            tail = lines.pop() if lines and lines[-1] == b"" else None
            lines += [c + b" revision %d" % i] + block
            if tail is not None:
                lines.append(tail)
        elif r < 0.6:                         # insert a comment line
            lines.insert(rng.randrange(len(lines)), c + b" TODO(r%d): review this" % i)
        elif r < 0.85:                        # modify a line
            n = rng.randrange(len(lines))
            lines[n] = lines[n] + b"  " + c + b" changed in r%d" % i
        else:                                 # delete a few lines
            n = rng.randrange(len(lines) - 6)
            del lines[n:n + rng.randint(1, 5)]
    tree.data[path] = b"\n".join(lines)
    op_modify(path)

def new_name(path):
    d, base = path.rsplit("/", 1)
    stem, ext = os.path.splitext(base)
    for candidate in (f"{d}/legacy/{base}", f"{d}/{stem}_old{ext}", f"{d}/{stem}_v2{ext}",
                      f"{d}/moved/{base}"):
        # Free, and its directory is not a file.
        if not tree.exists(candidate) and candidate.rsplit("/", 1)[0] not in tree.pos:
            return candidate
    return None

def rename_file(old, new):
    op_rename(old, new)
    tree.move(old, new)
    if old in keys:
        keys[new] = keys.pop(old)
        introduce(new)

def regular_commit(i):
    """One ordinary commit: add a batch, edit, rename or delete."""
    adding_until = int(N * 0.85)
    if queue and (not tree.paths or rng.random() < 0.5 or i >= adding_until):
        expected_adds = max(1.0, (adding_until - i) * 0.5)
        k = max(1, round(len(queue) / expected_adds * rng.uniform(0.5, 1.5)))
        batch = [queue.pop() for _ in range(min(k, len(queue)))]
        for path, src, exe in batch:
            tree.add(path, src, exe)
            op_modify(path)
        counts["add_commits"] += 1
        counts["files_added"] += len(batch)
        top = os.path.commonpath([p for p, _, _ in batch]) if len(batch) > 1 else batch[0][0]
        return f"Add {len(batch)} file{'s' if len(batch) > 1 else ''} under {top}"
    r = rng.random()
    if r < 0.78:
        paths = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            path = pick(lambda p: unprotected(p) and p not in paths)
            if path:
                edit(path, i)
                paths.append(path)
        if paths:
            counts["edit_commits"] += 1
            counts["files_edited"] += len(paths)
            return f"Update {paths[0]}" + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")
    elif r < 0.86:
        old = pick(unprotected)
        new = old and new_name(old)
        if new:
            rename_file(old, new)
            counts["file_renames"] += 1
            return f"Rename {old} to {new}"
    elif r < 0.88:
        path = pick(lambda p: unprotected(p) and p.count("/") >= 3)
        if path:
            d = path.rsplit("/", 1)[0]
            inside = tree.under(d)
            new = d + "_old"
            if len(inside) <= 300 and not any(p in keys for p in inside) and not tree.exists(new):
                op_rename(d, new)
                for p in inside:
                    tree.move(p, new + p[len(d):])
                counts["dir_renames"] += 1
                return f"Move {d}/ to {new}/"
    elif r < 0.97:
        path = pick(unprotected)
        if path:
            op_delete(path)
            tree.remove(path)
            counts["file_deletes"] += 1
            return f"Remove {path}"
    else:
        path = pick(lambda p: unprotected(p) and p.count("/") >= 3)
        if path:
            d = path.rsplit("/", 1)[0]
            inside = tree.under(d)
            if len(inside) <= 100 and not any(p in keys for p in inside):
                op_delete(d)
                for p in inside:
                    tree.remove(p)
                counts["dir_deletes"] += 1
                return f"Remove {d}/"
    # Nothing applicable (rare): touch a file so that the commit is not empty.
    path = pick(unprotected)
    if path:
        edit(path, i)
        counts["edit_commits"] += 1
        counts["files_edited"] += 1
        return f"Update {path}"
    return "Empty commit"

SHAPES = [
    (".py", "py-assignment", 'VOICEINFRA_API_KEY = "{key}"'),
    (".py", "py-header", 'headers = {{"X-API-Key": "{key}"}}'),
    (".rs", "rs-assignment", 'const VOICEINFRA_API_KEY: &str = "{key}";'),
    (".rs", "rs-header", 'let resp = client.post("https://api.voiceinfra.ai/v1/calls/outbound")'
                         '.header("X-API-Key", "{key}").send()?;'),
]
# What happens to leak j later: kept to HEAD, line removed, file renamed, file deleted.
FATES = ["kept", "line-removed", "renamed", "file-deleted"]
ALPHABET = string.ascii_letters + string.digits

def plant(i, j):
    ext, kind, template = SHAPES[j % len(SHAPES)]
    path = pick(lambda p: p.endswith(ext) and unprotected(p)
                and not any(p.startswith(m) for m in multi_prefixes))
    if not path:
        return None
    key = "".join(rng.choice(ALPHABET) for _ in range(32))
    before = tree.content(path)
    sep = b"" if not before or before.endswith(b"\n") else b"\n"
    tree.data[path] = before + sep + template.format(key=key).encode() + b"\n"
    keys[path] = [(key, kind)]
    op_modify(path)
    line = before.count(b"\n") + len(sep) + 1
    record = {"mark": i + 1, "path": path, "line": line, "kind": kind, "fate": FATES[j % 4]}
    planted.append(record)
    counts["leaks_planted"] += 1
    if record["fate"] != "kept":
        later = min(N - 1, i + rng.randint(5, 40))
        if later > i:
            schedule.setdefault(later, []).append(("follow-up", record, before))
        else:
            record["fate"] = "kept"
    return f"Configure VoiceInfra client in {path}"

def follow_up(i, record, before):
    path = record["path"]
    if path not in keys:
        record["fate"] += " (skipped: file gone)"
        return None
    if record["fate"] == "line-removed":
        del keys[path]
        tree.data[path] = before
        op_modify(path)
        counts["leak_lines_removed"] += 1
        return f"Remove hard-coded API key from {path}"
    if record["fate"] == "renamed":
        new = new_name(path)
        if not new:
            record["fate"] = "kept (rename failed)"
            return None
        rename_file(path, new)
        record["fate"] = f"renamed to {new} in :{i + 1}"
        counts["leak_files_renamed"] += 1
        return f"Rename {path} to {new}"
    del keys[path]
    op_delete(path)
    tree.remove(path)
    counts["leak_files_deleted"] += 1
    return f"Remove {path}"

def upgrade(i, name, version, prefix, files):
    op_delete(prefix)
    for p in tree.under(prefix):
        tree.remove(p)
    for path, src, exe in files:   # nothing is left under prefix: no clashes
        tree.add(path, src, exe)
        op_modify(path)
    counts["upgrades"] += 1
    return f"Upgrade {name} to {version}"

# Leaks spread over 10%..90% of the history; crate upgrades over 45%..80%.
for j in range(L):
    at = int(N * (0.1 + 0.8 * j / max(1, L - 1))) if L > 1 else N // 2
    schedule.setdefault(at, []).append(("plant", j))
for k, u in enumerate(upgrades):
    at = int(N * (0.45 + 0.35 * k / max(1, len(upgrades) - 1))) if len(upgrades) > 1 else N // 2
    schedule.setdefault(at, []).append(("upgrade",) + u)

for i in range(N):
    CURRENT[0] = i
    messages = []
    for action in schedule.pop(i, []):
        if action[0] == "plant":
            msg = plant(i, action[1])
        elif action[0] == "follow-up":
            msg = follow_up(i, action[1], action[2])
        else:
            msg = upgrade(i, *action[1:])
        if msg is None:   # not possible yet (e.g. no .rs file so far): try the next commit
            if i + 1 < N:
                schedule.setdefault(i + 1, []).append(action)
        else:
            messages.append(msg)
    if not messages:
        messages.append(regular_commit(i))
    write_commit(i, "\n\n".join(messages))
    if (i + 1) % 500 == 0:
        log(f"{i + 1}/{N} commits, {len(tree.paths)} files at the tip")
out.flush()
if queue:
    log(f"WARNING: {len(queue)} source files were never added")

head_keys = {key for ks in keys.values() for key, _ in ks}
with open(expected_path, "w", encoding="utf-8") as f:
    f.write("mark\tpath\tline\tkind\tpresent_at_head\n")
    for mark, path, line, kind, key in expected:
        f.write(f"{mark}\t{path}\t{line}\t{kind}\t{str(key in head_keys).lower()}\n")
with open(planted_path, "w", encoding="utf-8") as f:
    f.write("mark\tpath\tline\tkind\tfate\n")
    for r in planted:
        f.write(f"{r['mark']}\t{r['path']}\t{r['line']}\t{r['kind']}\t{r['fate']}\n")
counts.update(source_files=total_files, files_at_tip=len(tree.paths), commits=N,
              expected_findings=len(expected),
              expected_at_head=sum(1 for e in expected if e[4] in head_keys))
with open(recipe_path, "w", encoding="utf-8") as f:
    json.dump(counts, f, indent=1)
log("recipe: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
PY
}

# history_repo_stats: "commits objects blobs pack_bytes inflated_bytes" of the history repo.
history_repo_stats() {
    local commits pack_kib
    commits="$(git -C "$HISTORY_REPO" rev-list --count --all)"
    pack_kib="$(git -C "$HISTORY_REPO" count-objects -v | sed -n 's/^size-pack: //p')"
    git -C "$HISTORY_REPO" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
        awk -v commits="$commits" -v pack="$((pack_kib * 1024))" '
            { n++; bytes += $2; if ($1 == "blob") blobs++ }
            END { printf "%d %d %d %d %d\n", commits, n, blobs, pack, bytes }'
}

# measure_repo REPO OUT LOG_PREFIX: peak RSS of viscan (also the run that checks it works and
# writes the JSON report OUT) and of both floors, then one hyperfine run of all three. Sets
# M_RC, M_RSS_KB, M_GIT_RSS_KB, M_WALK_RSS_KB, M_GIT_MEAN/SD, M_WALK_MEAN/SD, M_MEAN/SD and the
# command strings GIT_CMD_STR, WALK_CMD_STR, HISTORY_CMD_STR.
measure_repo() {
    local repo="$1" out="$2" prefix="$3"
    GIT_CMD_STR="git -C $(printf '%q' "$repo") cat-file --batch-all-objects --batch >/dev/null"
    WALK_CMD_STR="git -C $(printf '%q' "$repo") rev-list --objects --all >/dev/null"
    HISTORY_CMD=("$VISCAN" history "$repo" -j "$HISTORY_THREADS" --format json -o "$out")
    HISTORY_CMD_STR="$(bench_quote "${HISTORY_CMD[@]}")"

    # Never a stale report: remove the last one (a regular file of ours).
    rm -f -- "$out"
    bench_log "viscan history peak RSS: /usr/bin/time -v $HISTORY_CMD_STR"
    bench_measure_rss "$prefix-viscan-time.log" "${HISTORY_CMD[@]}"
    M_RC="$BENCH_RC"
    M_RSS_KB="$BENCH_RSS_KB"
    check_viscan_rc "$M_RC" "$prefix-viscan-time.log"

    bench_log "git floors' peak RSS (reference)"
    bench_measure_rss "$prefix-git-time.log" git -C "$repo" cat-file --batch-all-objects --batch
    M_GIT_RSS_KB="$BENCH_RSS_KB"
    bench_measure_rss "$prefix-walk-time.log" git -C "$repo" rev-list --objects --all
    M_WALK_RSS_KB="$BENCH_RSS_KB"

    # hyperfine runs each command through a shell, which the redirection needs; it subtracts
    # the shell's own start-up time.
    bench_hyperfine "$prefix-hyperfine.json" git "$GIT_CMD_STR" walk "$WALK_CMD_STR" \
        viscan "$HISTORY_CMD_STR"
    M_GIT_MEAN="$(bench_hyperfine_stat "$prefix-hyperfine.json" 0 mean)"
    M_GIT_SD="$(bench_hyperfine_stat "$prefix-hyperfine.json" 0 stddev)"
    M_WALK_MEAN="$(bench_hyperfine_stat "$prefix-hyperfine.json" 1 mean)"
    M_WALK_SD="$(bench_hyperfine_stat "$prefix-hyperfine.json" 1 stddev)"
    M_MEAN="$(bench_hyperfine_stat "$prefix-hyperfine.json" 2 mean)"
    M_SD="$(bench_hyperfine_stat "$prefix-hyperfine.json" 2 stddev)"
}

# measure_history: measure_repo on the synthetic repository, checked against its recipe.
measure_history() {
    read -r REPO_COMMITS REPO_OBJECTS REPO_BLOBS REPO_PACK_BYTES REPO_INFLATED_BYTES <"$HISTORY_STATS"
    measure_repo "$HISTORY_REPO" "$HISTORY_OUT" "$BENCH_DIR/history"
    HISTORY_RC="$M_RC"
    HISTORY_CHECK="$(check_history_report)"
}

# print_floors: the lines every history summary shares (time, ratios, peak RSS), from
# measure_repo's results; TARGET_RATIO and TARGET_RSS_MIB are the targets.
print_floors() {
    local ratio walk_ratio rss_mib
    ratio="$(bench_calc "$M_MEAN / $M_GIT_MEAN")"
    walk_ratio="$(bench_calc "$M_MEAN / $M_WALK_MEAN")"
    rss_mib="$(bench_calc "$M_RSS_KB / 1024")"
    printf 'git         mean %8.3f s  +- %.3f  (%s runs, hot cache)  cat-file --batch-all-objects --batch\n' \
        "$M_GIT_MEAN" "$M_GIT_SD" "$RUNS"
    printf 'walk        mean %8.3f s  +- %.3f  (%s runs, hot cache)  rev-list --objects --all\n' \
        "$M_WALK_MEAN" "$M_WALK_SD" "$RUNS"
    printf 'viscan      mean %8.3f s  +- %.3f  (%s runs, hot cache)  history -j %s\n' \
        "$M_MEAN" "$M_SD" "$RUNS" "$HISTORY_THREADS"
    printf 'ratio       viscan/git %6s x     target <= %s x     %s   (viscan/walk %s x)\n' \
        "$ratio" "$TARGET_RATIO" "$(bench_verdict "$ratio" '<=' "$TARGET_RATIO")" "$walk_ratio"
    printf 'peak RSS    viscan     %6s MiB   target <= %s MiB   %s   (cat-file %s MiB, rev-list %s MiB)\n' \
        "$rss_mib" "$TARGET_RSS_MIB" "$(bench_verdict "$rss_mib" '<=' "$TARGET_RSS_MIB")" \
        "$(bench_calc "$M_GIT_RSS_KB / 1024")" "$(bench_calc "$M_WALK_RSS_KB / 1024")"
}

# findings_key REPORT: one sorted line per finding of a viscan JSON report (path, line,
# column, rule, commit, fingerprint, present at HEAD), to compare two binaries' findings.
findings_key() {
    python3 - "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
keys = ("path", "line", "column", "rule_id", "commit", "fingerprint", "present_at_head")
for line in sorted(json.dumps([f.get(k) for k in keys]) for f in doc["findings"]):
    print(line)
PY
}

# measure_given REPO: measure a repository given on the command line and print its summary.
measure_given() {
    local repo name prefix out base_out same="" stats commits objects blobs inflated pack_kib
    repo="$(cd "$1" && pwd -P)" || bench_die "not a directory: $1"
    git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || bench_die "not a git repository: $repo"
    name="$(basename "$repo" .git)"
    prefix="$BENCH_DIR/history-given-$name"
    out="$prefix-viscan.json"
    commits="$(git -C "$repo" rev-list --count --all)"
    pack_kib="$(git -C "$repo" count-objects -v | awk '/^size-pack:/ { p = $2 } END { print p + 0 }')"
    stats="$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
        awk '{ n++; bytes += $2; if ($1 == "blob") blobs++ } END { printf "%d %d %d", n, blobs, bytes }')"
    read -r objects blobs inflated <<<"$stats"
    measure_repo "$repo" "$out" "$prefix"
    if [[ -n "${VISCAN_BASE:-}" ]]; then
        base_out="$prefix-base.json"
        rm -f -- "$base_out"
        bench_log "findings of VISCAN_BASE=$VISCAN_BASE"
        "$VISCAN_BASE" history "$repo" -j "$HISTORY_THREADS" --format json -o "$base_out" -q || true
        if cmp -s <(findings_key "$out") <(findings_key "$base_out"); then
            same="same as VISCAN_BASE"
        else
            same="DIFFERENT from VISCAN_BASE ($base_out)"
        fi
    fi
    {
        echo
        echo "=== viscan history on $name ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)) ==="
        printf 'repo        %s\n' "$repo"
        printf '            %s commits, %s objects (%s blobs), pack %s MiB, %s MiB inflated\n' \
            "$commits" "$objects" "$blobs" "$(bench_calc "$pack_kib / 1024")" \
            "$(bench_calc "$inflated / $BENCH_MIB")"
        print_floors
        printf 'findings    %s (exit %s) %s\n' "$(findings_key "$out" 2>/dev/null | wc -l)" "$M_RC" "$same"
        echo "commands"
        echo "  git:    $GIT_CMD_STR"
        echo "  walk:   $WALK_CMD_STR"
        echo "  viscan: $HISTORY_CMD_STR"
        echo "details   $prefix-hyperfine.json, $prefix-*-time.log"
    } | tee -a "$SUMMARY"
}

# check_viscan_rc RC LOG: exit 0 or 1 is fine, 2 warns, anything else (a crash) stops here.
check_viscan_rc() {
    case "$1" in
        0 | 1) ;;
        2) bench_warn "viscan exited 2 (it could not read something, or a usage error); see $2:"
           bench_log_stderr "$2" ;;
        *) bench_log_stderr "$2"
           bench_die "viscan exited $1 (crash or cannot run); see $2" ;;
    esac
}

# check_history_report: compare viscan's JSON report with the expected findings. Prints
# "reported commits blobs matched missing unexpected at_head expected expected_at_head"
# ("?" for what cannot be read).
check_history_report() {
    python3 - "$HISTORY_OUT" "$HISTORY_EXPECTED" "$HISTORY_MARKS" <<'PY' 2>/dev/null || echo "? ? ? ? ? ? ? ? ?"
import csv, sys
report_path, expected_path, marks_path = sys.argv[1:]
marks = {}
with open(marks_path) as f:
    for line in f:
        mark, oid = line.split()
        marks[mark.lstrip(":")] = oid
with open(expected_path, encoding="utf-8") as f:
    rows = list(csv.DictReader(f, delimiter="\t"))
expected = {(marks[r["mark"]], r["path"], int(r["line"])) for r in rows}
expected_at_head = sum(1 for r in rows if r["present_at_head"] == "true")
try:
    import json
    doc = json.load(open(report_path, encoding="utf-8"))
    findings, summary = doc["findings"], doc.get("summary", {})
    reported = {(f.get("commit"), f.get("path"), f.get("line")) for f in findings}
    at_head = sum(1 for f in findings if f.get("present_at_head"))
    print(len(findings), summary.get("commits", "?"), summary.get("files", "?"),
          len(reported & expected), len(expected - reported), len(reported - expected),
          at_head, len(expected), expected_at_head)
except (OSError, ValueError, KeyError, TypeError):
    print("?", "?", "?", "?", "?", "?", "?", len(expected), expected_at_head)
PY
}

# ---------------------------------------------------------------------------------------
# Part 2: staged repository
# ---------------------------------------------------------------------------------------

# The file changed and staged before the runs, and its change (a fake leak, so that the
# validation run shows that viscan read the staged blob and reported the added line).
staged_target() {
    local i=$((STAGED_FILES / 2))
    printf 'pkg%03d/sub%02d/mod%05d.py\n' $((i / 1000)) $(((i / 25) % 40)) "$i"
}

staged_stamp() {
    printf 'version=%s files=%s seed=%s\n' "$STAGED_REPO_VERSION" "$STAGED_FILES" "$BENCH_SEED"
}

# build_staged_repo: make $STAGED_REPO (one commit of STAGED_FILES small Python files in
# pkgNNN/subNN/modNNNNN.py, checked out) unless one with the same stamp is there.
build_staged_repo() {
    if [[ -d "$STAGED_REPO/.git" && -f "$STAGED_STAMP" && "$(cat "$STAGED_STAMP")" == "$(staged_stamp)" ]]; then
        bench_log "reusing staged repository $STAGED_REPO ($(staged_stamp))"
        return 0
    fi
    remove_ours "$STAGED_REPO" "$STAGED_STAMP"
    echo "incomplete" >"$STAGED_STAMP"
    local started=$SECONDS
    bench_log "building staged repository: $STAGED_FILES files, one commit"
    bench_git init -q -b main "$STAGED_REPO"
    bench_git -C "$STAGED_REPO" config gc.auto 0
    python3 - "$STAGED_FILES" "$BENCH_GIT_NAME" "$BENCH_GIT_EMAIL" <<'PY' |
import sys
n, name, email = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = sys.stdout.buffer
msg = b"Import %d modules\n" % n
ident = f"{name} <{email}> 1700000000 +0000".encode()
out.write(b"commit refs/heads/main\nmark :1\nauthor %s\ncommitter %s\ndata %d\n%s"
          % (ident, ident, len(msg), msg))
for i in range(n):
    path = "pkg%03d/sub%02d/mod%05d.py" % (i // 1000, (i // 25) % 40, i)
    data = (f'"""Module {i}."""\n\nLIMIT_{i} = {i * 7 % 1000}\n\n\n'
            f"def handler_{i}(value):\n    return value + LIMIT_{i}\n").encode()
    out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
out.write(b"\n")
PY
        bench_git -C "$STAGED_REPO" fast-import --quiet || bench_die "git fast-import failed"
    # Check out the commit: writes the index and the working tree, as a clone would.
    bench_git -C "$STAGED_REPO" reset -q --hard main
    bench_log "staged repository ready in $((SECONDS - started)) s"
    staged_stamp >"$STAGED_STAMP"
}

# stage_change: reset the staged repository to its commit, then change one file and stage it.
stage_change() {
    local target
    target="$(staged_target)"
    bench_git -C "$STAGED_REPO" reset -q --hard main
    python3 - "$STAGED_REPO/$target" "$BENCH_SEED" <<'PY'
import random, string, sys
rng = random.Random(int(sys.argv[2]) + 1)
key = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(f'\n\nVOICEINFRA_API_KEY = "{key}"\n')
PY
    bench_git -C "$STAGED_REPO" add -- "$target"
    local staged
    staged="$(git -C "$STAGED_REPO" diff --cached --name-only)"
    [[ "$staged" == "$target" ]] || bench_die "staged change is not just $target: $staged"
    STAGED_TARGET="$target"
    STAGED_TRACKED="$(git -C "$STAGED_REPO" ls-files | wc -l)"
}

# measure_staged: validation/RSS run and hyperfine, inside the repository (as a hook runs).
measure_staged() {
    # The timed command writes its text report to stdout, as the hook does (hyperfine discards
    # it); the validation run writes JSON to a file so the findings can be counted.
    STAGED_CMD=("$VISCAN" staged)
    STAGED_JSON_CMD=("$VISCAN" staged --format json -o "$STAGED_OUT")
    STAGED_GIT_CMD=(git diff --cached --quiet)
    STAGED_CMD_STR="$(bench_quote "${STAGED_CMD[@]}")"
    STAGED_GIT_CMD_STR="$(bench_quote "${STAGED_GIT_CMD[@]}")"

    local back="$PWD"
    cd "$STAGED_REPO"
    rm -f -- "$STAGED_OUT"
    bench_log "viscan staged (in $STAGED_REPO): /usr/bin/time -v $(bench_quote "${STAGED_JSON_CMD[@]}")"
    bench_measure_rss "$STAGED_RSS_LOG" "${STAGED_JSON_CMD[@]}"
    STAGED_RC="$BENCH_RC"
    STAGED_RSS_KB="$BENCH_RSS_KB"
    check_viscan_rc "$STAGED_RC" "$STAGED_RSS_LOG"
    STAGED_FINDINGS="$(bench_count_findings "$STAGED_OUT")"
    STAGED_BLOBS="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["files"])' \
        "$STAGED_OUT" 2>/dev/null || echo "?")"

    BENCH_HF_WARMUP="$STAGED_WARMUP" BENCH_HF_RUNS="$STAGED_RUNS" BENCH_HF_NO_SHELL=1 \
        bench_hyperfine "$STAGED_HYPERFINE_JSON" viscan "$STAGED_CMD_STR" git "$STAGED_GIT_CMD_STR"
    cd "$back"
    STAGED_MEAN="$(bench_hyperfine_stat "$STAGED_HYPERFINE_JSON" 0 mean)"
    STAGED_SD="$(bench_hyperfine_stat "$STAGED_HYPERFINE_JSON" 0 stddev)"
    STAGED_GIT_MEAN="$(bench_hyperfine_stat "$STAGED_HYPERFINE_JSON" 1 mean)"
    STAGED_GIT_SD="$(bench_hyperfine_stat "$STAGED_HYPERFINE_JSON" 1 stddev)"
}

# ---------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------

has_part() { [[ " $BENCH_PARTS " == *" $1 "* ]]; }

# recipe VALUE...: print fields of the history recipe (JSON) separated by spaces.
recipe() {
    python3 -c '
import json, sys
recipe = json.load(open(sys.argv[1]))
print(" ".join(str(recipe.get(k, "?")) for k in sys.argv[2:]))
' "$HISTORY_RECIPE" "$@" 2>/dev/null || echo "?"
}

print_history_summary() {
    local reported v_commits v_blobs matched missing unexpected at_head expected expected_at_head
    read -r reported v_commits v_blobs matched missing unexpected at_head expected expected_at_head \
        <<<"$HISTORY_CHECK"

    printf 'repo        %s (bare; git repack -a -d -f, git gc)\n' "$HISTORY_REPO"
    printf '            %s commits, %s objects (%s blobs), pack %s MiB, %s MiB inflated\n' \
        "$REPO_COMMITS" "$REPO_OBJECTS" "$REPO_BLOBS" "$(bench_calc "$REPO_PACK_BYTES / $BENCH_MIB")" \
        "$(bench_calc "$REPO_INFLATED_BYTES / $BENCH_MIB")"
    local -a r
    read -r -a r <<<"$(recipe source_files add_commits edit_commits files_edited file_renames \
        dir_renames file_deletes dir_deletes upgrades files_at_tip leaks_planted \
        leak_lines_removed leak_files_renamed leak_files_deleted)"
    printf '            recipe: %s source files added in %s commits; %s edit commits (%s files);\n' \
        "${r[0]-?}" "${r[1]-?}" "${r[2]-?}" "${r[3]-?}"
    printf '            %s file and %s directory renames; %s file and %s directory deletions;\n' \
        "${r[4]-?}" "${r[5]-?}" "${r[6]-?}" "${r[7]-?}"
    printf '            %s crate upgrades; %s files at the tip\n' "${r[8]-?}" "${r[9]-?}"
    printf '            leaks: %s planted; later %s lines removed, %s files renamed, %s files deleted (%s)\n' \
        "${r[10]-?}" "${r[11]-?}" "${r[12]-?}" "${r[13]-?}" "$HISTORY_PLANTED"
    print_floors
    printf 'findings    viscan reported %s (exit %s); expected %s (%s)\n' \
        "$reported" "$HISTORY_RC" "$expected" "$HISTORY_EXPECTED"
    printf '            %s match (commit, path, line), %s missing, %s unexpected; %s present at HEAD (expected %s)\n' \
        "$matched" "$missing" "$unexpected" "$at_head" "$expected_at_head"
    printf 'scanned     viscan: %s commits, %s blobs; repo: %s commits, %s blobs\n' \
        "$v_commits" "$v_blobs" "$REPO_COMMITS" "$REPO_BLOBS"
    if [[ "$missing" != 0 || "$unexpected" != 0 || "$v_commits" != "$REPO_COMMITS" ]]; then
        echo "            NOTE: viscan's findings or counts differ from the recipe: check before trusting the time"
    fi
}

print_staged_summary() {
    local mean_ms sd_ms git_ms git_sd_ms verdict ratio ratio_verdict
    mean_ms="$(bench_calc "$STAGED_MEAN * 1000")"
    sd_ms="$(bench_calc "$STAGED_SD * 1000")"
    git_ms="$(bench_calc "$STAGED_GIT_MEAN * 1000")"
    git_sd_ms="$(bench_calc "$STAGED_GIT_SD * 1000")"
    ratio="$(bench_calc "$STAGED_MEAN / $STAGED_GIT_MEAN")"
    verdict="$(bench_verdict "$mean_ms" '<' "$TARGET_STAGED_MS")"
    ratio_verdict="$(bench_verdict "$ratio" '<=' "$TARGET_STAGED_RATIO")"
    printf 'repo        %s: %s tracked files, 1 staged change (%s, 1 fake leak)\n' \
        "$STAGED_REPO" "$STAGED_TRACKED" "$STAGED_TARGET"
    printf 'viscan      mean %8s ms +- %s  (%s runs, warm-up %s, no shell)  staged   target < %s ms   %s\n' \
        "$mean_ms" "$sd_ms" "$STAGED_RUNS" "$STAGED_WARMUP" "$TARGET_STAGED_MS" "$verdict"
    printf 'git         mean %8s ms +- %s  (reference, same run)  diff --cached --quiet\n' \
        "$git_ms" "$git_sd_ms"
    printf 'ratio       viscan/git %6s x     target <= %s x     %s\n' \
        "$ratio" "$TARGET_STAGED_RATIO" "$ratio_verdict"
    printf 'findings    viscan staged reported %s (exit %s), expected 1; %s blob(s) scanned; peak RSS %s MiB\n' \
        "$STAGED_FINDINGS" "$STAGED_RC" "$STAGED_BLOBS" "$(bench_calc "$STAGED_RSS_KB / 1024")"
    if [[ "$STAGED_FINDINGS" != 1 ]]; then
        echo "            NOTE: expected exactly 1 finding (the staged fake leak)"
    fi
}

print_summary() {
    {
        echo
        echo "=== viscan history benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores) ==="
        if has_part history; then
            print_history_summary
        fi
        if has_part staged; then
            echo "--- staged (pre-commit) ---"
            print_staged_summary
        fi
        echo "commands"
        if has_part history; then
            echo "  git:    $GIT_CMD_STR"
            echo "  walk:   $WALK_CMD_STR"
            echo "  viscan: $HISTORY_CMD_STR"
            echo "  rss:    /usr/bin/time -v $HISTORY_CMD_STR"
        fi
        if has_part staged; then
            echo "  staged: cd $(printf '%q' "$STAGED_REPO") && $STAGED_CMD_STR     (and: $STAGED_GIT_CMD_STR)"
        fi
        echo "details"
        if has_part history; then
            echo "  $HISTORY_HYPERFINE_JSON, $HISTORY_RSS_LOG, $HISTORY_STATS"
        fi
        if has_part staged; then
            echo "  $STAGED_HYPERFINE_JSON, $STAGED_RSS_LOG"
        fi
    } | tee -a "$SUMMARY"
}

main() {
    case "${1:-}" in
        -h | --help)
            sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            return 0
            ;;
    esac
    # Repositories to measure instead of the synthetic one: arguments, else HISTORY_REPO.
    local -a given=("$@")
    if ((${#given[@]} == 0)) && [[ -n "$GIVEN_REPOS" ]]; then
        read -r -a given <<<"$GIVEN_REPOS"
    fi
    local part
    for part in $BENCH_PARTS; do
        [[ "$part" == history || "$part" == staged ]] || bench_die "BENCH_PARTS: unknown part '$part' (history, staged)"
    done
    [[ -n "${BENCH_PARTS// /}" ]] || bench_die "BENCH_PARTS is empty"
    if [[ ! "$HISTORY_COMMITS" =~ ^[0-9]+$ ]] || ((HISTORY_COMMITS < 100)); then
        bench_die "HISTORY_COMMITS must be an integer >= 100: $HISTORY_COMMITS"
    fi
    [[ "$HISTORY_LEAKS" =~ ^[0-9]+$ ]] || bench_die "HISTORY_LEAKS must be an integer: $HISTORY_LEAKS"
    [[ "$HISTORY_THREADS" =~ ^[1-9][0-9]*$ ]] || bench_die "HISTORY_THREADS must be a positive integer: $HISTORY_THREADS"
    [[ "$BENCH_SEED" =~ ^[0-9]+$ ]] || bench_die "BENCH_SEED must be an integer: $BENCH_SEED"
    [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || bench_die "RUNS must be a positive integer: $RUNS"
    if [[ ! "$STAGED_FILES" =~ ^[0-9]+$ ]] || ((STAGED_FILES < 2)); then
        bench_die "STAGED_FILES must be an integer >= 2: $STAGED_FILES"
    fi
    [[ "$STAGED_RUNS" =~ ^[1-9][0-9]*$ ]] || bench_die "STAGED_RUNS must be a positive integer: $STAGED_RUNS"

    bench_ensure_tools
    bench_build_viscan
    mkdir -p "$BENCH_DIR"
    BENCH_DIR="$(cd "$BENCH_DIR" && pwd -P)"
    set_paths
    : >"$SUMMARY"

    if ((${#given[@]} > 0)); then
        # Real repositories: the issue 11 targets (redmine, express).
        TARGET_RATIO="$HISTORY_TARGET_RATIO"
        TARGET_RSS_MIB="$HISTORY_TARGET_RSS_MIB"
        local repo
        for repo in "${given[@]}"; do
            if [[ "$repo" == synthetic ]]; then
                BENCH_PARTS=history print_synthetic
            else
                measure_given "$repo"
            fi
        done
        return 0
    fi
    print_synthetic
}

# print_synthetic: build, measure and summarise the synthetic repositories (BENCH_PARTS).
print_synthetic() {
    if has_part history; then
        history_sources
        build_history_repo
        measure_history
    fi
    if has_part staged; then
        build_staged_repo
        stage_change
        measure_staged
    fi
    print_summary
}

main "$@"
