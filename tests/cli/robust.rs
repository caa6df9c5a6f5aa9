//! Hostile and broken inputs (issue 7): each case checks the exact message and exit status, and
//! that the run ends (a watchdog fails any run that hangs) without a panic.
//!
//! Covered elsewhere, not repeated here: a shallow clone, a bare repository and an empty one
//! (`history::bare_and_shallow_clones_and_empty_repositories`), a submodule
//! (`history::submodules_are_skipped_and_lfs_pointers_are_text`), a missing object
//! (`history::corrupt_objects_are_reported_and_the_audit_goes_on`), linked worktrees
//! (`history::linked_worktrees_see_the_whole_repository`, `staged::the_hook_works_in_a_linked_worktree`),
//! the same output with 1 and 8 threads for a files scan
//! (`scan::output_is_identical_with_one_or_many_threads`).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    Keygen, TestDir, TestRepo, VISCAN, bounded, history_hits, hits, json_outcome, viscan_in,
};

const SHORT: Duration = Duration::from_secs(30);

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn env_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key}\n")
}

/// The lines of stderr that are warnings or errors, in order.
fn diagnostics(out: &Output) -> Vec<String> {
    stderr_of(out)
        .lines()
        .filter(|l| l.starts_with("viscan: "))
        .map(str::to_string)
        .collect()
}

#[cfg(unix)]
fn raw(bytes: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes)
}

// ---------------------------------------------------------------------------------------------
// Files: permissions, links, special files, names
// ---------------------------------------------------------------------------------------------

/// How to run viscan so that `chmod 000` really locks it out: as is for a normal user; as root
/// (CI), under `setpriv` without the capabilities that let root ignore permissions. `None`
/// (with the reason) when neither works here.
fn without_root_override(probe: &Path) -> Result<Vec<String>, String> {
    let locked_out = |prefix: &[String]| {
        let mut cmd = Command::new(prefix.first().map_or("cat", String::as_str));
        cmd.args(prefix.iter().skip(1));
        if !prefix.is_empty() {
            cmd.arg("cat");
        }
        cmd.arg(probe)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| !s.success())
    };
    if locked_out(&[]) {
        return Ok(Vec::new());
    }
    let setpriv: Vec<String> = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if locked_out(&setpriv) {
        return Ok(setpriv);
    }
    Err("running as root and `setpriv` cannot drop CAP_DAC_OVERRIDE here".to_string())
}

#[test]
fn unreadable_files_and_directories_are_errors_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let mut keys = Keygen::new(700);
    let dir = TestDir::new();
    dir.write("ok.env", env_line(&keys.key(32)));
    let file = dir.write("locked.env", env_line(&keys.key(32)));
    dir.write("private/inner.env", env_line(&keys.key(32)));
    for path in [file, dir.path().join("private")] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    let prefix = match without_root_override(&dir.path().join("locked.env")) {
        Ok(prefix) => prefix,
        Err(why) => {
            println!("skipped: {why}: chmod 000 cannot make a file unreadable");
            return;
        }
    };
    let mut cmd = Command::new(prefix.first().map_or(VISCAN, String::as_str));
    cmd.args(prefix.iter().skip(1));
    if !prefix.is_empty() {
        cmd.arg(VISCAN);
    }
    cmd.args(["scan", ".", "--format", "json", "--threads", "1"])
        .current_dir(dir.path());
    let out = bounded(cmd, SHORT);
    let mut messages = diagnostics(&out);
    messages.sort();
    assert_eq!(
        messages,
        [
            "viscan: error: ./locked.env: Permission denied (os error 13)",
            "viscan: error: ./private: Permission denied (os error 13)",
        ],
        "{}",
        stderr_of(&out)
    );
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 2);
    assert_eq!(hits(&report).len(), 1, "ok.env is still scanned");
    assert_eq!(report["summary"]["errors"], true);
    // Let the temp dir be removed.
    std::fs::set_permissions(
        dir.path().join("private"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod back");
}

#[test]
fn broken_symlinks_are_passed_over_in_walks_and_an_error_when_named() {
    let mut keys = Keygen::new(701);
    let dir = TestDir::new();
    dir.write("a.env", env_line(&keys.key(32)));
    std::os::unix::fs::symlink("does/not/exist", dir.path().join("dangling.env")).expect("link");
    let out = viscan_in(dir.path(), &["scan", "--format", "json"], SHORT);
    assert_eq!(diagnostics(&out), Vec::<String>::new());
    let (code, report) = json_outcome(&out);
    assert_eq!((code, hits(&report).len()), (1, 1));

    let out = viscan_in(dir.path(), &["scan", "dangling.env", "a.env"], SHORT);
    assert_eq!(
        diagnostics(&out),
        ["viscan: error: dangling.env: broken symbolic link (its target does not exist)"]
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout_of(&out).contains("1 finding in 1 file"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn symlink_loops_end_with_and_without_following() {
    let mut keys = Keygen::new(702);
    let dir = TestDir::new();
    dir.write("tree/a.env", env_line(&keys.key(32)));
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).expect("link");
    };
    link("loop", "tree/loop"); // points at itself
    link("pong", "tree/ping");
    link("ping", "tree/pong");
    link(".", "tree/self"); // a directory cycle, if it were followed
    std::fs::create_dir(dir.path().join("tree/sub")).expect("mkdir");
    link("..", "tree/sub/up");
    link("tree", "tree-link");
    link("nowhere", "tree/broken");
    link("../a.env", "tree/sub/alias.env"); // the key again, only through a link

    // Walked: links are never followed, so the cycles are never entered.
    let out = viscan_in(dir.path(), &["scan", "tree", "--format", "json"], SHORT);
    assert_eq!(diagnostics(&out), Vec::<String>::new());
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1);
    assert_eq!(hits(&report).len(), 1, "found once: {report}");
    assert_eq!(report["summary"]["files"], 1);

    // Followed (--follow): every loop ends, as a warning naming it; the key is found also
    // through the link to its file.
    for threads in ["1", "8"] {
        let out = viscan_in(
            dir.path(),
            &["scan", "tree", "-L", "-j", threads, "--format", "json"],
            SHORT,
        );
        let mut warnings = diagnostics(&out);
        warnings.sort();
        assert_eq!(
            warnings,
            [
                "viscan: warning: tree/broken: not followed: broken symbolic link (its target \
                 does not exist)",
                "viscan: warning: tree/loop: not followed: symbolic link loop",
                "viscan: warning: tree/ping: not followed: symbolic link loop",
                "viscan: warning: tree/pong: not followed: symbolic link loop",
                "viscan: warning: tree/self: not followed: symbolic link loop (it leads back to \
                 tree)",
                "viscan: warning: tree/sub/up: not followed: symbolic link loop (it leads back \
                 to tree)",
            ]
        );
        let (code, report) = json_outcome(&out);
        assert_eq!(code, 1, "loops and broken links are warnings, not errors");
        let paths: Vec<String> = hits(&report).into_iter().map(|h| h.0).collect();
        assert_eq!(paths, ["tree/a.env", "tree/sub/alias.env"]);
    }

    // Named: followed, once. A directory link is walked (its own links still not followed).
    let out = viscan_in(
        dir.path(),
        &["scan", "tree-link", "--format", "json"],
        SHORT,
    );
    let (code, report) = json_outcome(&out);
    assert_eq!((code, hits(&report).len()), (1, 1), "{}", stderr_of(&out));
    let out = viscan_in(
        dir.path(),
        &["scan", "tree/self", "--format", "json"],
        SHORT,
    );
    let (code, report) = json_outcome(&out);
    assert_eq!((code, hits(&report).len()), (1, 1), "{}", stderr_of(&out));
    // A loop named on the command line cannot be followed: an error, not a hang.
    let out = viscan_in(dir.path(), &["scan", "tree/loop", "tree/ping"], SHORT);
    assert_eq!(
        diagnostics(&out),
        [
            "viscan: error: tree/loop: symbolic link loop",
            "viscan: error: tree/ping: symbolic link loop",
        ]
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fifos_and_devices_never_block() {
    let mut keys = Keygen::new(703);
    let dir = TestDir::new();
    dir.write("a.env", env_line(&keys.key(32)));
    let fifo = dir.path().join("pipe.env");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.env")).expect("link");
    std::os::unix::fs::symlink("/dev/tty", dir.path().join("tty.env")).expect("link");

    // In a walk: a FIFO (nobody ever writes to it) and links to devices are passed over.
    let out = viscan_in(dir.path(), &["scan", "--format", "json"], SHORT);
    assert_eq!(diagnostics(&out), Vec::<String>::new());
    let (code, report) = json_outcome(&out);
    assert_eq!((code, hits(&report).len()), (1, 1));

    // Named: each is a clear error, and the rest is still scanned.
    let out = viscan_in(
        dir.path(),
        &["scan", "pipe.env", "zero.env", "/dev/null", "a.env"],
        SHORT,
    );
    let hint = "is not a regular file (to scan a stream, pipe it to `viscan scan -`)";
    assert_eq!(
        diagnostics(&out),
        [
            format!("viscan: error: pipe.env: not scanned: a named pipe (FIFO) {hint}"),
            format!("viscan: error: zero.env: not scanned: a character device {hint}"),
            format!("viscan: error: /dev/null: not scanned: a character device {hint}"),
        ]
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout_of(&out).contains("1 finding in 1 file"));

    // An endless stream on stdin is read up to the size limit, not forever.
    let mut cmd = Command::new(VISCAN);
    cmd.args(["scan", "-", "--max-file-size", "1M"])
        .current_dir(dir.path())
        .stdin(std::fs::File::open("/dev/zero").expect("/dev/zero"));
    let out = bounded(cmd, SHORT);
    assert_eq!(
        diagnostics(&out),
        ["viscan: warning: <stdin>: skipped: more than 1048576 bytes is over --max-file-size"]
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn file_names_that_are_not_utf8_or_hold_newlines_are_reported_faithfully() {
    let mut keys = Keygen::new(704);
    let (k1, k2, k3) = (keys.key(32), keys.key(32), keys.key(32));
    let dir = TestDir::new();
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    std::fs::write(dir.path().join(raw(b"src/caf\xe9.env")), env_line(&k1)).expect("write");
    std::fs::write(dir.path().join("src/two\nlines.env"), env_line(&k2)).expect("write");
    std::fs::write(dir.path().join("src/\x1b[31mred.env"), env_line(&k3)).expect("write");

    let out = viscan_in(dir.path(), &["scan", "src", "--format", "json"], SHORT);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1);
    let paths: Vec<(Value, Value)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["path"].clone(), f["path_bytes"].clone()))
        .collect();
    assert_eq!(
        paths,
        [
            // "src/\x1b[31mred.env": valid UTF-8, so `path` is exact and no `path_bytes`.
            (Value::from("src/\u{1b}[31mred.env"), Value::Null),
            // Not UTF-8: `path` is lossy, `path_bytes` the exact bytes (base64).
            (
                Value::from("src/caf\u{fffd}.env"),
                Value::from("c3JjL2NhZukuZW52")
            ),
            (Value::from("src/two\nlines.env"), Value::Null),
        ]
    );

    let out = viscan_in(dir.path(), &["scan", "src", "--format", "sarif"], SHORT);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(
        uris,
        [
            "src/%1B%5B31mred.env",
            "src/caf%E9.env",
            "src/two%0Alines.env"
        ]
    );

    // Text: such names are quoted and escaped, so they cannot forge lines or colour the
    // terminal.
    let out = viscan_in(dir.path(), &["scan", "src", "--no-color"], SHORT);
    let text = stdout_of(&out);
    for quoted in [
        r#""src/\e[31mred.env":1:20"#,
        r#""src/caf\xe9.env":1:20"#,
        r#""src/two\nlines.env":1:20"#,
    ] {
        assert!(text.contains(quoted), "{quoted} in {text}");
    }
    assert!(!text.contains('\u{1b}'), "no raw escape in {text:?}");
    assert_eq!(text.lines().filter(|l| l.contains("lines.env")).count(), 2);

    // Messages quote them the same way.
    let out = viscan_in(dir.path(), &["scan", "no\nsuch.env"], SHORT);
    assert_eq!(
        diagnostics(&out),
        [r#"viscan: error: "no\nsuch.env": no such file or directory"#]
    );
}

// ---------------------------------------------------------------------------------------------
// Size: huge files, huge lines, many files, deep trees
// ---------------------------------------------------------------------------------------------

#[test]
fn a_2gb_sparse_file_is_skipped_by_its_size_without_being_read() {
    let mut keys = Keygen::new(705);
    let dir = TestDir::new();
    let path = dir.write("huge.env", env_line(&keys.key(32)));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(2 << 30).expect("sparse 2 GiB");
    let started = Instant::now();
    let out = viscan_in(dir.path(), &["scan", "--format", "json"], SHORT);
    assert!(started.elapsed() < Duration::from_secs(10), "it was read");
    assert_eq!(
        diagnostics(&out),
        [
            "viscan: warning: ./huge.env: skipped: 2147483648 bytes is over --max-file-size \
             (104857600 bytes)"
        ]
    );
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["skipped_large"], 1);
    assert_eq!(report["summary"]["bytes"], 0);
}

#[test]
fn a_50mb_line_is_scanned_with_an_exact_column_and_a_short_snippet() {
    let mut keys = Keygen::new(706);
    let key = keys.key(32);
    let dir = TestDir::new();
    let filler = "var a=b+c;".repeat(2_500_000); // 25 MB on each side
    let call = format!("fetch(u,{{headers:{{\"X-API-Key\":\"{key}\"}}}});");
    let line = format!("{filler}{call}{filler}\n");
    dir.write("dist/app.min.js", &line);
    let out = viscan_in(dir.path(), &["scan", "--format", "json"], SHORT);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1, "{}", stderr_of(&out));
    let finding = &report["findings"][0];
    assert_eq!(finding["line"], 1);
    let column = filler.len() + call.find(&key).expect("key") + 1;
    assert_eq!(finding["column"], column);
    assert_eq!(finding["rule_id"], "voiceinfra.api-key.bundle");
    let snippet = finding["snippet"].as_str().expect("snippet");
    assert!(snippet.chars().count() <= 80, "{snippet}");
}

#[test]
fn a_hundred_thousand_tiny_files() {
    let mut keys = Keygen::new(707);
    let dir = TestDir::new();
    for d in 0..100 {
        let sub = dir.path().join(format!("d{d:02}"));
        std::fs::create_dir(&sub).expect("mkdir");
        for f in 0..1000 {
            std::fs::write(sub.join(format!("f{f:03}.txt")), b"x\n").expect("write");
        }
    }
    dir.write("d42/f500.txt", env_line(&keys.key(32)));
    let out = viscan_in(
        dir.path(),
        &["scan", "--format", "json"],
        Duration::from_secs(120),
    );
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1, "{}", stderr_of(&out));
    assert_eq!(report["summary"]["files"], 100_000);
    assert_eq!(
        hits(&report),
        [(
            "d42/f500.txt".to_string(),
            1,
            "voiceinfra.api-key.assignment".to_string()
        )]
    );
}

#[test]
fn a_directory_tree_500_deep() {
    let mut keys = Keygen::new(708);
    let dir = TestDir::new();
    let deep = vec!["d"; 500].join("/");
    dir.write(&format!("{deep}/deep.env"), env_line(&keys.key(32)));
    let out = viscan_in(dir.path(), &["scan", "--format", "json"], SHORT);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1, "{}", stderr_of(&out));
    assert_eq!(
        hits(&report),
        [(
            format!("{deep}/deep.env"),
            1,
            "voiceinfra.api-key.assignment".to_string()
        )]
    );
}

#[test]
fn files_that_change_or_vanish_during_the_scan() {
    let mut keys = Keygen::new(709);
    let key = keys.key(32);
    let dir = TestDir::new();
    dir.write("stable/a.env", env_line(&key));
    for i in 0..2000 {
        dir.write(&format!("churn/f{i}.txt"), "x\n");
    }
    let churn = dir.path().join("churn");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churner = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            // Delete and recreate files, grow one past the size limit, swap one for a FIFO.
            let mut round = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // f7.txt is the FIFO's: writing to a FIFO would wait for a reader.
                for i in (0..2000).filter(|&i| i != 7) {
                    let path = churn.join(format!("f{i}.txt"));
                    if (i + round) % 2 == 0 {
                        let _ = std::fs::remove_file(&path);
                    } else {
                        let _ = std::fs::write(&path, "x\n".repeat(i as usize % 700));
                    }
                }
                let swap = churn.join("f7.txt");
                let _ = std::fs::remove_file(&swap);
                let _ = Command::new("mkfifo").arg(&swap).status();
                round += 1;
            }
        })
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let out = viscan_in(
            dir.path(),
            &["scan", "--format", "json", "--max-file-size", "1K"],
            SHORT,
        );
        for line in diagnostics(&out) {
            let expected = line.ends_with(": vanished during the scan")
                || line.ends_with(": skipped: it became a named pipe (FIFO) during the scan")
                || line.ends_with(
                    ": skipped: it grew over --max-file-size (1024 bytes) during the scan",
                )
                || line.contains(": skipped: ")
                    && line.ends_with("over --max-file-size (1024 bytes)");
            assert!(expected, "unexpected: {line}");
        }
        let (code, report) = json_outcome(&out);
        assert_eq!(hits(&report).len(), 1, "the stable file is always found");
        statuses.push(code);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churner.join().expect("churner");
    assert!(statuses.iter().all(|&s| s == 1), "{statuses:?}");
}

// ---------------------------------------------------------------------------------------------
// Git: damaged repositories, many refs
// ---------------------------------------------------------------------------------------------

/// The path of loose object `id` in `repo`, made writable.
fn loose_object(repo: &TestRepo, id: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = repo
        .dir
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    path
}

const MISSING: &str = "which is missing from the object database (never fetched, deleted, or \
                       in a damaged pack: `git fsck` tells which)";

#[test]
fn a_corrupt_loose_object_is_reported_and_the_audit_goes_on() {
    let mut keys = Keygen::new(710);
    let repo = TestRepo::new();
    repo.commit(&[("a.txt", "will be corrupted\n")], "one");
    repo.commit(&[("b.env", &env_line(&keys.key(32)))], "two");
    let blob = repo.git(&["rev-parse", "HEAD~1:a.txt"]);
    std::fs::write(loose_object(&repo, &blob), b"this is not zlib data").expect("corrupt");
    let out = viscan_in(repo.dir.path(), &["history", "--format", "json"], SHORT);
    assert_eq!(
        diagnostics(&out),
        [format!(
            "viscan: error: a.txt (blob {blob}): failed to inflate loose object"
        )]
    );
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 2);
    assert_eq!(history_hits(&report).len(), 1, "the rest is still scanned");
}

/// A FIFO named like a pack index (a hostile `.git` handed over as it is) never blocks the
/// audit: pack order reads regular index files only.
#[test]
fn a_fifo_among_pack_indexes_never_blocks_history() {
    let mut keys = Keygen::new(712);
    let repo = TestRepo::new();
    repo.commit(&[("b.env", &env_line(&keys.key(32)))], "leak");
    repo.git(&["gc", "-q"]);
    let fifo = repo
        .dir
        .path()
        .join(".git/objects/pack/pack-0000000000000000000000000000000000000000.idx");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let out = viscan_in(repo.dir.path(), &["history", "--format", "json"], SHORT);
    let (code, report) = json_outcome(&out);
    assert_eq!((code, history_hits(&report).len()), (1, 1), "{report:#}");
}

#[test]
fn a_truncated_pack_is_reported_and_what_can_be_read_is_audited() {
    let mut keys = Keygen::new(711);
    let repo = TestRepo::new();
    for i in 0..5 {
        repo.commit(
            &[(&format!("f{i}.txt"), &"packed text\n".repeat(200 + i))],
            "old",
        );
    }
    let packed_tip = repo.git(&["rev-parse", "HEAD"]);
    let packed_blobs: Vec<String> = (0..5)
        .map(|i| repo.git(&["rev-parse", &format!("HEAD:f{i}.txt")]))
        .collect();
    repo.git(&["gc", "-q"]);
    let leak = repo.commit(&[("b.env", &env_line(&keys.key(32)))], "new, loose");
    let pack_dir = repo.dir.path().join(".git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .expect("pack dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack");
    let len = std::fs::metadata(&pack).expect("pack").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&pack)
        .expect("open pack")
        .set_len(len / 2)
        .expect("truncate");
    let out = viscan_in(repo.dir.path(), &["history", "--format", "json"], SHORT);
    // libgit2 drops the damaged pack, and its walk fails at the first commit in it; viscan then
    // walks the readable commits itself: the new, loose commit is audited.
    let not_found = |id: &str| format!("object not found - no match for id ({id})");
    let expected = vec![
        format!(
            "viscan: error: history walk: {}: auditing the commits that can be read (`git \
             fsck` tells what is damaged)",
            not_found(&packed_tip)
        ),
        format!(
            "viscan: error: commit {packed_tip}: {}: it and the history behind it are not \
             audited",
            not_found(&packed_tip)
        ),
    ];
    // The loose commit's tree still names the packed blobs: each is reported.
    let mut blobs: Vec<String> = (0..5)
        .map(|i| {
            let id = &packed_blobs[i];
            format!("viscan: error: f{i}.txt (blob {id}): {}", not_found(id))
        })
        .collect();
    let mut messages = diagnostics(&out);
    let mut tail = messages.split_off(2.min(messages.len()));
    tail.sort();
    blobs.sort();
    assert_eq!(messages, expected);
    assert_eq!(tail, blobs);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 2);
    assert_eq!(
        history_hits(&report),
        [(
            "b.env".into(),
            1,
            "voiceinfra.api-key.assignment".into(),
            leak,
            true
        )]
    );
}

#[test]
fn a_ref_to_a_missing_object_is_reported_and_the_audit_goes_on() {
    let mut keys = Keygen::new(712);
    let repo = TestRepo::new();
    repo.commit(&[("b.env", &env_line(&keys.key(32)))], "one");
    let ghost = "0000000000000000000000000000000000000001";
    std::fs::write(
        repo.dir.path().join(".git/refs/heads/ghost"),
        format!("{ghost}\n"),
    )
    .expect("write ref");
    let out = viscan_in(repo.dir.path(), &["history", "--format", "json"], SHORT);
    assert_eq!(
        diagnostics(&out),
        [format!(
            "viscan: error: ref refs/heads/ghost: points to {ghost}, {MISSING}"
        )]
    );
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 2);
    assert_eq!(history_hits(&report).len(), 1);
}

#[test]
fn ten_thousand_refs() {
    let mut keys = Keygen::new(713);
    let repo = TestRepo::new();
    let mut commits = Vec::new();
    for i in 0..10 {
        let body = if i == 4 {
            env_line(&keys.key(32))
        } else {
            format!("n = {i}\n")
        };
        commits.push(repo.commit(&[(&format!("f{i}.env"), &body)], "c"));
    }
    // 10,000 tags and branches, spread over the commits, written the way git packs them.
    let mut packed = String::from("# pack-refs with: peeled fully-peeled sorted\n");
    let mut names: Vec<String> = (0..5000)
        .map(|i| format!("refs/heads/b{i:05}"))
        .chain((0..5000).map(|i| format!("refs/tags/t{i:05}")))
        .collect();
    names.sort();
    for (i, name) in names.iter().enumerate() {
        packed.push_str(&format!("{} {name}\n", commits[i % commits.len()]));
    }
    std::fs::write(repo.dir.path().join(".git/packed-refs"), packed).expect("packed-refs");
    assert_eq!(repo.git(&["for-each-ref"]).lines().count(), 10_001);
    let out = viscan_in(
        repo.dir.path(),
        &["history", "--format", "json"],
        Duration::from_secs(60),
    );
    assert_eq!(diagnostics(&out), Vec::<String>::new());
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["commits"], 10);
    assert_eq!(history_hits(&report).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Nothing lost: threads, closed pipes, a full disk, Ctrl-C
// ---------------------------------------------------------------------------------------------

#[test]
fn one_thread_and_64_threads_give_identical_reports() {
    let mut keys = Keygen::new(714);
    let repo = TestRepo::new();
    for round in 0..6 {
        let files: Vec<(String, String)> = (0..40)
            .map(|i| {
                let body = if (i + round) % 9 == 0 {
                    env_line(&keys.key(32))
                } else {
                    format!("value_{i} = {round}\n")
                };
                (format!("d{}/f{i}.env", i % 7), body)
            })
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_str()))
            .collect();
        repo.commit(&files, "round");
    }
    for command in [&["scan", "."][..], &["history"]] {
        let run = |threads: &str| {
            let mut args = command.to_vec();
            args.extend(["--format", "jsonl", "--threads", threads]);
            let out = viscan_in(repo.dir.path(), &args, SHORT);
            assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
            stdout_of(&out)
        };
        let one = run("1");
        assert!(one.lines().count() >= 4, "{one}");
        assert_eq!(one, run("64"), "{command:?}");
        assert_eq!(one, run("3"), "{command:?}");
    }
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut keys = Keygen::new(715);
    let repo = TestRepo::new();
    let many: String = (0..3000)
        .map(|i| format!("VOICEINFRA_API_KEY_{i}={}\n", keys.key(32)))
        .collect();
    repo.commit(&[("many.env", &many)], "many");
    let cases: &[&[&str]] = &[
        &["scan", "."],
        &["scan", ".", "--format", "json"],
        &["scan", ".", "--format", "sarif"],
        &["history"],
        &["history", "--format", "jsonl"],
        &["rules", "list"],
        &["rules", "show", "voiceinfra.api-key.header"],
        &["rules", "check", "--verbose"],
        &["config", "show"],
    ];
    for args in cases {
        // `| head -1`: one line read, then the pipe is closed.
        let mut child = Command::new(VISCAN)
            .args(*args)
            .current_dir(repo.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).expect("read") == 1 && byte[0] != b'\n' {}
        drop(stdout);
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
        assert_eq!(stderr_of(&out), "", "{args:?}");
        // `| head -0`: closed before anything was written.
        let mut child = Command::new(VISCAN)
            .args(*args)
            .current_dir(repo.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
        assert_eq!(stderr_of(&out), "", "{args:?}");
    }
}

/// `viscan ARGS` in `dir` with the file size limit (`ulimit -f`) at `blocks` 512-byte blocks,
/// and SIGXFSZ ignored so that a write past it fails with EFBIG, as a full disk fails with
/// ENOSPC: no privileges needed, and the same error path.
fn with_file_size_limit(dir: &Path, blocks: u32, args: &[&str]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""
        ))
        .arg(VISCAN)
        .args(args)
        .current_dir(dir);
    bounded(cmd, SHORT)
}

#[test]
fn a_full_disk_on_output_leaves_the_old_file_and_no_partial_one() {
    let mut keys = Keygen::new(716);
    let dir = TestDir::new();
    let many: String = (0..20)
        .map(|i| format!("VOICEINFRA_API_KEY_{i}={}\n", keys.key(32)))
        .collect();
    dir.write("src/a.env", many);
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    dir.write("out/report.sarif", "the previous report\n");
    dir.write("out/baseline.json", "the previous baseline\n");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
            .expect("out")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The SARIF log (every rule's help text) is far over 2 KiB.
    let out = with_file_size_limit(
        dir.path(),
        4,
        &["scan", "src", "--format", "sarif", "-o", "out/report.sarif"],
    );
    assert_eq!(
        diagnostics(&out),
        ["viscan: error: failed to write out/report.sarif: File too large (os error 27)"]
    );
    assert_eq!(out.status.code(), Some(2));
    let out = with_file_size_limit(
        dir.path(),
        1,
        &["baseline", "scan", "src", "-o", "out/baseline.json"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert_eq!(
        diagnostics(&out),
        ["viscan: error: failed to write out/baseline.json: File too large (os error 27)"]
    );
    // Readers still see the old files, whole; no temporary file is left behind.
    assert_eq!(listing(), ["baseline.json", "report.sarif"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/report.sarif")).expect("read"),
        "the previous report\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/baseline.json")).expect("read"),
        "the previous baseline\n"
    );
    // A device is written in place (renaming over it would replace it): the error still shows.
    let out = viscan_in(dir.path(), &["scan", "src", "-o", "/dev/full"], SHORT);
    assert_eq!(
        diagnostics(&out),
        ["viscan: error: failed to write /dev/full: No space left on device (os error 28)"]
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ctrl_c_stops_the_scan_and_writes_no_report() {
    let mut keys = Keygen::new(717);
    let dir = TestDir::new();
    dir.write("a.env", env_line(&keys.key(32)));
    let mut child = Command::new(VISCAN)
        // `missing` makes viscan say something once Ctrl-C is handled (the handler is
        // installed before the paths are checked); stdin then keeps it busy until we close it.
        .args([
            "scan",
            "missing",
            "-",
            ".",
            "--format",
            "json",
            "-o",
            "report.json",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stderr = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"no such file or directory\n") {
        assert_eq!(
            stderr.read(&mut byte).expect("read stderr"),
            1,
            "ended early"
        );
        seen.push(byte[0]);
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    use std::io::Write as _;
    stdin
        .write_all(env_line(&keys.key(32)).as_bytes())
        .expect("write stdin");
    drop(stdin);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("read stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130), "{rest}");
    assert_eq!(
        rest,
        "viscan: interrupted: the report is incomplete and was not written\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.env"], "no report, no temporary file");
}

// ---------------------------------------------------------------------------------------------
// No secret leaves
// ---------------------------------------------------------------------------------------------

/// Fails if any 12-character piece of any secret is in `text` (`what` names the stream).
fn assert_no_secret(secrets: &[String], text: &[u8], what: &str) {
    let text = String::from_utf8_lossy(text);
    for secret in secrets {
        for piece in secret.as_bytes().windows(12) {
            let piece = std::str::from_utf8(piece).expect("ascii");
            assert!(!text.contains(piece), "{what} shows {piece:?}:\n{text}");
        }
    }
}

#[test]
fn no_command_or_format_prints_a_secret_unless_asked() {
    let mut keys = Keygen::new(718);
    let secrets: Vec<String> = (0..8).map(|_| keys.key(32)).collect();
    let repo = TestRepo::new();
    let s = &secrets;
    repo.commit(
        &[
            (".env", &format!("VOICEINFRA_API_KEY={}\n", s[0])),
            (
                "src/client.py",
                &format!(
                    "API_KEY = \"{}\"  # was \"{}\"\nrequests.post(\"https://api.voiceinfra.ai/v1\", \
                     headers={{\"X-API-Key\": API_KEY}})\n",
                    s[1], s[1]
                ),
            ),
            (
                "dist/assets/index-3f9a1c7e.js",
                &format!("fetch(u,{{headers:{{\"X-API-Key\":\"{}\"}}}});\n", s[2]),
            ),
            (
                "docs/setup.md",
                &format!(
                    "curl https://api.voiceinfra.ai/v1/calls?api_key={}%2B{} -H 'X-API-Key: {}'\n",
                    &s[3][..16],
                    &s[3][16..],
                    s[3]
                ),
            ),
        ],
        "leaks",
    );
    repo.git(&["rm", "-q", ".env"]);
    repo.commit(&[("old.txt", "gone\n")], "remove the env file");
    // Something staged for the pre-commit check, in UTF-16 to go through the decoder too.
    let staged: Vec<u8> = std::iter::once([0xFF, 0xFE])
        .flatten()
        .chain(
            format!("VOICEINFRA_WEBHOOK_SECRET={}\r\n", s[4])
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(repo.dir.path().join("hook.env"), staged).expect("write");
    repo.git(&["add", "hook.env"]);
    std::fs::write(
        repo.dir.path().join(".viscan.toml"),
        "[allowlist]\nstopwords = [\"sandbox\"]\n",
    )
    .expect("config");
    let event = repo.dir.path().join("event.json");
    std::fs::write(&event, "{}").expect("event");

    let dir = repo.dir.path();
    let run = |args: &[&str], envs: &[(&str, &Path)]| {
        let mut cmd = Command::new(VISCAN);
        cmd.args(args)
            .current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GITHUB_ACTIONS");
        for (name, value) in envs {
            cmd.env(name, value);
        }
        bounded(cmd, SHORT)
    };
    let formats = ["text", "json", "jsonl", "sarif", "github"];
    let out_file = dir.join("report.out");
    let mut num_findings_seen = 0;
    for source in [&["scan", "."][..], &["history"], &["staged"]] {
        for format in formats {
            for verbose in [false, true] {
                let mut args = source.to_vec();
                args.extend(["--format", format]);
                if verbose {
                    args.push("-v");
                }
                let out = run(&args, &[]);
                let what = format!("{args:?}");
                assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr_of(&out));
                assert_no_secret(secrets.as_slice(), &out.stdout, &format!("{what} stdout"));
                assert_no_secret(secrets.as_slice(), &out.stderr, &format!("{what} stderr"));
                num_findings_seen += 1;
            }
            let mut args = source.to_vec();
            args.extend(["--format", format, "-o", "report.out"]);
            let out = run(&args, &[]);
            assert!(out.stdout.is_empty());
            assert_no_secret(
                secrets.as_slice(),
                &std::fs::read(&out_file).expect("report written"),
                &format!("{args:?} -o"),
            );
        }
        let mut args = vec!["baseline"];
        args.extend_from_slice(source);
        args.extend(["-o", "baseline.json"]);
        let out = run(&args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
        assert_no_secret(secrets.as_slice(), &out.stdout, "baseline stdout");
        assert_no_secret(secrets.as_slice(), &out.stderr, "baseline stderr");
        assert_no_secret(
            secrets.as_slice(),
            &std::fs::read(dir.join("baseline.json")).expect("baseline"),
            &format!("{args:?} file"),
        );
    }
    assert_eq!(num_findings_seen, 30);

    // `viscan ci` writes annotations, a SARIF file, the job summary and step outputs.
    let summary = dir.join("summary.md");
    let outputs = dir.join("outputs.txt");
    let out = run(
        &[
            "ci",
            "--event-name",
            "workflow_dispatch",
            "--sarif",
            "ci.sarif",
        ],
        &[
            ("GITHUB_EVENT_PATH", event.as_path()),
            ("GITHUB_STEP_SUMMARY", summary.as_path()),
            ("GITHUB_OUTPUT", outputs.as_path()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "ci: {}", stderr_of(&out));
    assert_no_secret(secrets.as_slice(), &out.stdout, "ci stdout");
    assert_no_secret(secrets.as_slice(), &out.stderr, "ci stderr");
    for file in ["ci.sarif", "summary.md", "outputs.txt"] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
        assert_no_secret(secrets.as_slice(), &bytes, file);
    }

    for args in [
        &["rules", "list"][..],
        &["rules", "show", "voiceinfra.api-key.header"],
        &["rules", "check", "--verbose"],
        &["config", "show"],
    ] {
        let out = run(args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_no_secret(secrets.as_slice(), &out.stdout, &format!("{args:?}"));
        assert_no_secret(secrets.as_slice(), &out.stderr, &format!("{args:?}"));
    }

    // The check can fail: asked for, the secrets are there.
    let out = run(&["scan", ".", "--format", "json", "--show-secrets"], &[]);
    let shown = stdout_of(&out);
    for secret in &secrets[1..4] {
        assert!(
            shown.contains(secret.as_str()),
            "{secret} with --show-secrets"
        );
    }
    let out = run(&["history", "--format", "json", "--show-secrets"], &[]);
    assert!(
        stdout_of(&out).contains(secrets[0].as_str()),
        "deleted .env"
    );
    let out = run(&["staged", "--show-secrets"], &[]);
    assert!(stdout_of(&out).contains(secrets[4].as_str()));
}
