//! `viscan history`: real repositories built with the git CLI (fixed author and dates), exact
//! findings with their commits.

use std::time::Duration;

use crate::util::{Keygen, TestDir, TestRepo, base64, history_hits, hits, viscan_in};

const ASSIGN: &str = "voiceinfra.api-key.assignment";

fn env_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key}\n")
}

#[test]
fn deleted_leak_is_found_with_its_commit_and_author() {
    let mut keys = Keygen::new(100);
    let key = keys.key(32);
    let repo = TestRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    let leak = repo.commit(&[(".env", &env_line(&key))], "add env");
    repo.git(&["rm", "-q", ".env"]);
    repo.commit(&[], "remove env");
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        history_hits(&report),
        vec![(".env".into(), 1, ASSIGN.into(), leak, false)]
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["author_name"], "Ada Lovelace");
    assert_eq!(finding["author_email"], "ada@example.com");
    assert_eq!(finding["date"], "2024-01-02T04:06:05+01:00");
    assert_eq!(report["summary"]["commits"], 3);
    let text =
        String::from_utf8_lossy(&repo.viscan(&["history", "--no-color"]).stdout).into_owned();
    assert!(
        text.contains("by Ada Lovelace <ada@example.com> on 2024-01-02T04:06:05+01:00"),
        "{text}"
    );
    assert!(text.contains("no longer at HEAD"), "{text}");
}

#[test]
fn leaks_on_unmerged_branches_tags_and_stash_are_found() {
    let mut keys = Keygen::new(101);
    let (branch_key, tag_key, stash_key, head_key) =
        (keys.key(32), keys.key(32), keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    // Only on an unmerged branch.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let on_branch = repo.commit(&[("feature.env", &env_line(&branch_key))], "feature");
    repo.git(&["checkout", "-q", "main"]);
    // Only in a tagged commit whose branch is gone (annotated tag, peeled).
    repo.git(&["checkout", "-q", "-b", "release"]);
    let tagged = repo.commit(&[("release.env", &env_line(&tag_key))], "release");
    repo.git(&["tag", "-a", "-m", "v1", "v1.0"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "release"]);
    // Only in the stash.
    repo.dir
        .write("README.md", format!("hello\n{}", env_line(&stash_key)));
    repo.git(&["stash", "-q"]);
    // And one still at HEAD.
    let at_head = repo.commit(&[("app.env", &env_line(&head_key))], "app");

    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1);
    let hits = history_hits(&report);
    let stash_commit = repo.git(&["rev-parse", "refs/stash"]);
    assert_eq!(
        hits,
        vec![
            ("README.md".into(), 2, ASSIGN.into(), stash_commit, false),
            ("app.env".into(), 1, ASSIGN.into(), at_head, true),
            (
                "feature.env".into(),
                1,
                ASSIGN.into(),
                on_branch.clone(),
                false
            ),
            ("release.env".into(), 1, ASSIGN.into(), tagged, false),
        ]
    );
    // --branch limits the walk to one ref.
    let (_, report) = repo.history_json(&["--branch", "feature"]);
    assert_eq!(
        history_hits(&report),
        vec![("feature.env".into(), 1, ASSIGN.into(), on_branch, false)]
    );
}

#[test]
fn merge_renames_and_identical_blobs() {
    let mut keys = Keygen::new(102);
    let (key, other) = (keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let leak = repo.commit(&[("config/app.env", &env_line(&key))], "leak on branch");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("main.txt", "main work\n")], "main work");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    // A rename introduces the blob at a new path: a second finding, by the rename commit.
    repo.git(&["mv", "config/app.env", "config/prod.env"]);
    let renamed = repo.commit(&[], "rename");
    // The same content committed again elsewhere later is the same blob: scanned once.
    let copy = repo.commit(&[("backup/app.env", &env_line(&key))], "copy");
    // A different secret, for contrast.
    let second = repo.commit(&[("other.env", &env_line(&other))], "other");

    let (_, report) = repo.history_json(&[]);
    assert_eq!(
        history_hits(&report),
        vec![
            ("backup/app.env".into(), 1, ASSIGN.into(), copy, true),
            ("config/app.env".into(), 1, ASSIGN.into(), leak, true),
            ("config/prod.env".into(), 1, ASSIGN.into(), renamed, true),
            ("other.env".into(), 1, ASSIGN.into(), second, true),
        ]
    );
    // README, main.txt, the leaked blob (once, though it sits at three paths), other.env.
    assert_eq!(report["summary"]["files"], 4);
    // SARIF keeps one result per commit and path, with distinct fingerprints.
    let out = repo.viscan(&["history", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    let mut prints: Vec<&str> = results
        .iter()
        .map(|r| r["partialFingerprints"]["viscan/v1"].as_str().expect("fp"))
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), 4);
    assert!(results[0]["properties"]["commit"].is_string());
}

#[test]
fn ranges_and_since_narrow_the_walk() {
    let mut keys = Keygen::new(103);
    let (early, late) = (keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    let first = repo.commit(&[("a.env", &env_line(&early))], "early leak");
    let middle = repo.commit(&[("README.md", "x\n")], "docs");
    let last = repo.commit(&[("b.env", &env_line(&late))], "late leak");

    let (_, report) = repo.history_json(&["--range", &format!("{first}..HEAD")]);
    assert_eq!(
        history_hits(&report),
        vec![("b.env".into(), 1, ASSIGN.into(), last.clone(), true)]
    );
    assert_eq!(report["summary"]["commits"], 2);
    // A range that excludes the leak reports nothing and exits 0.
    let (code, report) = repo.history_json(&["--range", &format!("{first}..{middle}")]);
    assert_eq!((code, history_hits(&report).len()), (0, 0));
    // A single revision means it and its ancestors.
    let (_, report) = repo.history_json(&["--range", &middle]);
    assert_eq!(history_hits(&report).len(), 1);
    // The symmetric form.
    let (_, report) = repo.history_json(&["--range", &format!("{middle}...{last}")]);
    assert_eq!(history_hits(&report).len(), 1);
    // --since: the test clock puts commit N at base + 60 s × N (2024-01-02T03:04:05Z + …).
    let (_, report) = repo.history_json(&["--since", "2024-01-02T03:06:30Z"]);
    assert_eq!(report["summary"]["commits"], 1);
    assert_eq!(history_hits(&report).len(), 1);
    // Bad ranges are errors.
    let out = repo.viscan(&["history", "--range", "nope..HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown revision"));
}

#[test]
fn bare_and_shallow_clones_and_empty_repositories() {
    let mut keys = Keygen::new(104);
    let (old, new) = (keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    repo.commit(&[("a.env", &env_line(&old))], "one");
    repo.commit(&[("b.txt", "b\n")], "two");
    repo.commit(&[("c.env", &env_line(&new))], "three");
    let parent = repo.dir.path().parent().expect("parent").to_path_buf();
    let unique = repo
        .dir
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();

    let bare = parent.join(format!("{unique}-bare.git"));
    repo.git(&["clone", "-q", "--bare", ".", bare.to_str().expect("utf-8")]);
    let out = repo.viscan(&["history", bare.to_str().expect("utf-8"), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(history_hits(&report).len(), 2, "bare");

    let shallow = parent.join(format!("{unique}-shallow"));
    let url = format!("file://{}", repo.dir.path().display());
    repo.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        shallow.to_str().expect("utf-8"),
    ]);
    let out = repo.viscan(&[
        "history",
        shallow.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        stderr.matches("shallow clone").count(),
        1,
        "warned once: {stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // Only the tip commit exists: it holds both files, so both secrets are found in it.
    assert_eq!(report["summary"]["commits"], 1);
    assert_eq!(history_hits(&report).len(), 2);

    let empty = TestRepo::new();
    let (code, report) = empty.history_json(&[]);
    assert_eq!((code, history_hits(&report).len()), (0, 0));
    for dir in [bare, shallow] {
        std::fs::remove_dir_all(dir).expect("cleanup");
    }
}

#[test]
fn submodules_are_skipped_and_lfs_pointers_are_text() {
    let mut keys = Keygen::new(105);
    let key = keys.key(32);
    let sub = TestRepo::new();
    sub.commit(&[("inner.env", &env_line(&key))], "inner");
    let repo = TestRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    let sub_path = sub.dir.path().to_str().expect("utf-8").to_string();
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &sub_path,
        "vendor/sub",
    ]);
    repo.commit(&[], "add submodule");
    let lfs = format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 12345\n",
        keys.hex(64)
    );
    repo.commit(&[("assets/model.bin", &lfs)], "lfs pointer");
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        history_hits(&report).len(),
        0,
        "the submodule's own history is not walked"
    );
    // README, .gitmodules, the LFS pointer (scanned as text).
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn corrupt_objects_are_reported_and_the_audit_goes_on() {
    let mut keys = Keygen::new(106);
    let key = keys.key(32);
    let repo = TestRepo::new();
    repo.commit(&[("a.txt", "will be corrupted\n")], "one");
    repo.commit(&[("b.env", &env_line(&key))], "two");
    let blob = repo.git(&["rev-parse", "HEAD~1:a.txt"]);
    let object = repo
        .dir
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&object).expect("remove loose object");
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(history_hits(&report).len(), 1, "the rest is still scanned");
    assert_eq!(report["summary"]["errors"], true);
}

#[test]
fn linked_worktrees_see_the_whole_repository() {
    let mut keys = Keygen::new(107);
    let key = keys.key(32);
    let repo = TestRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    repo.git(&["checkout", "-q", "-b", "side"]);
    let leak = repo.commit(&[("side.env", &env_line(&key))], "side leak");
    repo.git(&["checkout", "-q", "main"]);
    let parent = repo.dir.path().parent().expect("parent").to_path_buf();
    let unique = repo
        .dir
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let worktree = parent.join(format!("{unique}-wt"));
    repo.git(&[
        "worktree",
        "add",
        "-q",
        worktree.to_str().expect("utf-8"),
        "-b",
        "wt",
    ]);
    let out = repo.viscan(&[
        "history",
        worktree.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        history_hits(&report),
        vec![("side.env".into(), 1, ASSIGN.into(), leak, false)]
    );
    std::fs::remove_dir_all(worktree).expect("cleanup");
}

/// A blob whose findings depend on its path, and the path that reveals them.
struct PathDependent {
    what: &'static str,
    path: &'static str,
    content: String,
}

/// One case per path feature detection reads (`scan::PathClass`): a source map by name, a
/// source map by content, a Kubernetes `Secret`, a bundle by folder, a page in build output,
/// and a bundle by a configured glob.
fn path_dependent(key: &str) -> Vec<PathDependent> {
    let map = format!(
        "{{\"version\":3,\"sources\":[\"src/client.ts\"],\"sourcesContent\":[{}],\"mappings\":\"AAAA\"}}",
        serde_json::to_string(&format!(
            "const client = new VoiceInfraClient({{ apiKey: \"{key}\" }});\n"
        ))
        .expect("a string serialises")
    );
    let minified_like =
        format!("var e={{baseUrl:\"https://api.voiceinfra.ai/v1\",apiKey:\"{key}\"}};\n");
    vec![
        PathDependent {
            what: "source map by name",
            path: "dist/app.js.map",
            content: map.clone(),
        },
        PathDependent {
            what: "source map by content",
            path: "styles/site.map",
            content: map,
        },
        PathDependent {
            what: "Kubernetes Secret",
            path: "k8s/secret.yaml",
            content: format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: voiceinfra-dialer\ndata:\n  dialer.env: {}\n",
                base64(format!("VOICEINFRA_API_KEY={key}\n").as_bytes())
            ),
        },
        PathDependent {
            what: "bundle by folder",
            path: "dist/app.js",
            content: minified_like.clone(),
        },
        PathDependent {
            what: "page in build output",
            path: "web/dist/index.html",
            content: format!("<script>window.__ENV__={minified_like}</script>\n"),
        },
        PathDependent {
            what: "bundle by configured glob",
            path: "web/js/app.js",
            content: minified_like,
        },
    ]
}

const CONFIG: &str = "[scan]\nbundle_paths = [\"web/js/**\"]\n";

/// (rule id, line) of what `viscan scan` finds in `content` at `path` alone.
fn found_alone(path: &str, content: &str) -> Vec<(String, u64)> {
    let dir = TestDir::new();
    dir.write(".viscan.toml", CONFIG);
    dir.write(path, content);
    let (_, report) = dir.scan_json(&["--no-ignore"]);
    hits(&report)
        .into_iter()
        .map(|(_, line, rule)| (rule, line))
        .collect()
}

/// (rule id, line, commit) of the history findings at `path`.
fn history_at(report: &serde_json::Value, path: &str) -> Vec<(String, u64, String)> {
    history_hits(report)
        .into_iter()
        .filter(|hit| hit.0 == path)
        .map(|(_, line, rule, commit, _)| (rule, line, commit))
        .collect()
}

/// Issue 19: a blob was scanned once, as the first path it was seen at, and its findings
/// copied to its other paths. For every path feature detection reads, a copy of the content
/// at an earlier path (same commit) or in an earlier commit must change nothing: each path
/// reports what `viscan scan` reports for it alone, with the commit that put it there.
#[test]
fn a_decoy_copy_never_hides_what_a_path_reveals() {
    let mut keys = Keygen::new(120);
    let key = keys.key(32);
    for case in path_dependent(&key) {
        let revealed = found_alone(case.path, &case.content);
        let decoyed = found_alone("a.txt", &case.content);
        assert!(!revealed.is_empty(), "{}: nothing to reveal", case.what);
        assert_ne!(revealed, decoyed, "{}: the path changes nothing", case.what);
        for earlier_commit in [false, true] {
            let repo = TestRepo::new();
            repo.commit(&[(".viscan.toml", CONFIG)], "config");
            let (decoy_commit, commit) = if earlier_commit {
                let decoy = repo.commit(&[("a.txt", &case.content)], "decoy");
                (decoy, repo.commit(&[(case.path, &case.content)], "real"))
            } else {
                let both = repo.commit(
                    &[("a.txt", &case.content), (case.path, &case.content)],
                    "both",
                );
                (both.clone(), both)
            };
            let (code, report) = repo.history_json(&[]);
            assert_eq!(code, 1, "{}: {report:#}", case.what);
            let with = |found: &[(String, u64)], commit: &str| -> Vec<(String, u64, String)> {
                found
                    .iter()
                    .map(|(rule, line)| (rule.clone(), *line, commit.to_string()))
                    .collect()
            };
            let context = format!(
                "{} (decoy in an earlier commit: {earlier_commit})",
                case.what
            );
            assert_eq!(
                history_at(&report, case.path),
                with(&revealed, &commit),
                "{context}"
            );
            assert_eq!(
                history_at(&report, "a.txt"),
                with(&decoyed, &decoy_commit),
                "{context}"
            );
        }
    }
}

/// Builds a tree bomb in `repo` with git's plumbing: `fanout[0]` × `fanout[1]` × … names
/// that all lead, through one reused tree per level, to the same blob; plus `extra` entries
/// (`MODE TYPE ID\tNAME` lines) at the root. Returns the commit, on top of HEAD, that `main`
/// now points to.
pub fn tree_bomb(repo: &TestRepo, leaf: &str, fanout: &[usize], extra: &[String]) -> String {
    let mut entry = format!("100644 blob {leaf}");
    for (level, &n) in fanout.iter().enumerate().rev() {
        let mut lines: Vec<String> = (0..n)
            .map(|i| format!("{entry}\tn{level}x{i:03}\n"))
            .collect();
        if level == 0 {
            lines.extend(extra.iter().map(|e| format!("{e}\n")));
        }
        let tree = git_stdin(repo, &["mktree"], &lines.concat());
        entry = format!("040000 tree {tree}");
    }
    let root = entry.rsplit(' ').next().expect("tree id").to_string();
    let commit = git_stdin(repo, &["commit-tree", &root, "-p", "HEAD"], "bomb\n");
    repo.git(&["update-ref", "refs/heads/main", &commit]);
    commit
}

/// Runs git in `repo` with `input` on stdin; returns stdout, trimmed.
fn git_stdin(repo: &TestRepo, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut cmd = std::process::Command::new("git");
    cmd.args(args)
        .current_dir(repo.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    repo.git_env(&mut cmd);
    let mut child = cmd.spawn().expect("run git");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to git");
    let out = child.wait_with_output().expect("git output");
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `viscan ARGS` in `repo`, failing when it takes more than `limit`: (exit code,
/// stdout, stderr).
fn viscan_within(repo: &TestRepo, args: &[&str], limit: Duration) -> (i32, String, String) {
    let out = viscan_in(repo.dir.path(), args, limit);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (
        out.status.code().expect("exit code"),
        text(&out.stdout),
        text(&out.stderr),
    )
}

/// Issue 19: one blob at 10^5 paths through three reused trees (a few kilobytes of objects)
/// took minutes with a linear search per path; the walk is now linear in the paths.
#[test]
fn a_tree_bomb_is_walked_in_linear_time_and_a_key_beside_it_is_found() {
    let mut keys = Keygen::new(121);
    let repo = TestRepo::new();
    repo.commit(
        &[("leaf.txt", "x\n"), ("k.env", &env_line(&keys.key(32)))],
        "init",
    );
    let leaf = repo.git(&["rev-parse", "HEAD:leaf.txt"]);
    let key_blob = repo.git(&["rev-parse", "HEAD:k.env"]);
    let bomb = tree_bomb(
        &repo,
        &leaf,
        &[10, 100, 100],
        &[format!("100644 blob {key_blob}\tzz.env")],
    );
    let (code, out, err) = viscan_within(
        &repo,
        &["history", "--format", "json"],
        Duration::from_secs(30),
    );
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        history_at(&report, "zz.env"),
        vec![(ASSIGN.to_string(), 1, bomb)]
    );
}

/// The walk's bounds: a commit over `--max-paths-per-commit` is cut off, and commits after
/// the walk passed `--max-paths` are not audited; both are errors that name the commit.
#[test]
fn path_bounds_cut_the_walk_with_an_error_naming_the_commit() {
    let mut keys = Keygen::new(122);
    let repo = TestRepo::new();
    repo.commit(&[("leaf.txt", "x\n")], "init");
    let leaf = repo.git(&["rev-parse", "HEAD:leaf.txt"]);
    let bomb = tree_bomb(&repo, &leaf, &[10, 10, 100], &[]);
    let late = repo.commit(&[("late.env", &env_line(&keys.key(32)))], "late leak");

    let (code, out, err) = viscan_within(
        &repo,
        &[
            "history",
            "--format",
            "json",
            "--max-paths-per-commit",
            "1000",
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "commit {bomb}: its trees hold more than 1000 paths"
        )),
        "{err}"
    );
    assert!(err.contains("--max-paths-per-commit"), "{err}");
    // The cut is only that commit: the later leak is found.
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(history_at(&report, "late.env").len(), 1, "{report:#}");

    let (code, out, err) = viscan_within(
        &repo,
        &["history", "--format", "json", "--max-paths", "5000"],
        Duration::from_secs(30),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "commit {late}: the walk visited more than 5000 paths (--max-paths): this commit \
             and the 0 after it are not audited"
        )),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(history_at(&report, "late.env").is_empty(), "{report:#}");
}
