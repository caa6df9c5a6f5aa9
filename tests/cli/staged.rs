//! `viscan staged` and `viscan hook install`: real `git commit` runs through the installed hook.

use std::process::Output;

use crate::util::{Keygen, TestRepo};

fn env_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key}\n")
}

/// A repository with viscan's pre-commit hook installed.
fn hooked_repo() -> TestRepo {
    let repo = TestRepo::new();
    let out = repo.viscan(&["hook", "install"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo
}

/// Runs `git commit ARGS` (through the hook) and returns its output.
fn git_commit(repo: &TestRepo, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new("git");
    cmd.arg("commit").args(args).current_dir(repo.dir.path());
    repo.git_env(&mut cmd);
    cmd.output().expect("run git commit")
}

use crate::util::output_text as text;

#[test]
fn first_commit_with_a_leak_is_blocked_and_a_clean_one_goes_through() {
    let mut keys = Keygen::new(200);
    let repo = hooked_repo();
    repo.dir.write("notes.txt", "first\n");
    repo.dir.write(
        "app/settings.env",
        format!("DEBUG=1\n{}", env_line(&keys.key(32))),
    );
    repo.git(&["add", "-A"]);
    let out = git_commit(&repo, &["-q", "-m", "first"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("app/settings.env:2:20"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("--no-verify"), "{}", text(&out));
    // Nothing was committed.
    assert!(repo.git(&["rev-list", "--all"]).is_empty());
    repo.git(&["rm", "-q", "--cached", "app/settings.env"]);
    let out = git_commit(&repo, &["-q", "-m", "first"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_leak_on_an_unchanged_line_does_not_block() {
    let mut keys = Keygen::new(201);
    let repo = TestRepo::new();
    repo.commit(
        &[("legacy.env", &format!("A=1\n{}", env_line(&keys.key(32))))],
        "old leak",
    );
    let repo = {
        let out = repo.viscan(&["hook", "install"]);
        assert_eq!(out.status.code(), Some(0));
        repo
    };
    let existing = std::fs::read_to_string(repo.dir.path().join("legacy.env")).expect("read");
    repo.dir.write("legacy.env", format!("{existing}B=2\n"));
    repo.git(&["add", "legacy.env"]);
    let out = git_commit(&repo, &["-q", "-m", "touch"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn context_from_unchanged_lines_counts() {
    let mut keys = Keygen::new(202);
    let repo = hooked_repo();
    repo.commit(
        &[("client.py", "BASE_URL = \"https://api.voiceinfra.ai/v1\"\n")],
        "client",
    );
    // The added line is only a secret because of the VoiceInfra host on the unchanged line
    // above it: the whole staged file is scanned, only the added line is reported.
    let key = keys.key(32);
    repo.dir.write(
        "client.py",
        format!("BASE_URL = \"https://api.voiceinfra.ai/v1\"\nTOKEN = \"{key}\"\n"),
    );
    repo.git(&["add", "client.py"]);
    let out = repo.viscan(&["staged", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        crate::util::hits(&report),
        vec![("client.py".into(), 2, "voiceinfra.api-key.endpoint".into())]
    );
    let out = git_commit(&repo, &["-q", "-m", "token"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn commit_all_and_commit_path_use_their_temporary_index() {
    let mut keys = Keygen::new(203);
    let repo = hooked_repo();
    repo.commit(&[("a.env", "A=1\n"), ("b.env", "B=1\n")], "init");
    // `git commit -a`: the change is only in the working tree, not staged.
    repo.dir
        .write("a.env", format!("A=1\n{}", env_line(&keys.key(32))));
    let out = git_commit(&repo, &["-q", "-a", "-m", "all"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a.env:2:20"), "{}", text(&out));
    repo.git(&["checkout", "--", "a.env"]);
    // `git commit PATH`.
    repo.dir
        .write("b.env", format!("B=1\n{}", env_line(&keys.key(32))));
    let out = git_commit(&repo, &["-q", "-m", "path", "b.env"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("b.env:2:20"), "{}", text(&out));
}

#[test]
fn the_staged_content_is_checked_not_the_working_tree() {
    let mut keys = Keygen::new(204);
    let repo = hooked_repo();
    repo.commit(&[("app.env", "A=1\n")], "init");
    // Stage a clean change, then put a leak in the working tree only (like `git add -p`).
    repo.dir.write("app.env", "A=1\nB=2\n");
    repo.git(&["add", "app.env"]);
    repo.dir
        .write("app.env", format!("A=1\nB=2\n{}", env_line(&keys.key(32))));
    let out = git_commit(&repo, &["-q", "-m", "clean part"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // And the other way round: a staged leak, cleaned in the working tree only.
    let mut keys = Keygen::new(205);
    repo.dir
        .write("app.env", format!("A=1\nB=2\n{}", env_line(&keys.key(32))));
    repo.git(&["add", "app.env"]);
    repo.dir.write("app.env", "A=1\nB=2\n");
    let out = git_commit(&repo, &["-q", "-m", "leaky part"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("app.env:3:20"), "{}", text(&out));
}

#[test]
fn renames_without_changes_and_deletions_pass() {
    let mut keys = Keygen::new(206);
    let repo = TestRepo::new();
    repo.commit(&[("old.env", &env_line(&keys.key(32)))], "legacy leak");
    repo.viscan(&["hook", "install"]);
    repo.git(&["mv", "old.env", "new.env"]);
    let out = git_commit(&repo, &["-q", "-m", "rename"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    repo.git(&["rm", "-q", "new.env"]);
    let out = git_commit(&repo, &["-q", "-m", "delete"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn hook_install_respects_foreign_hooks_and_core_hooks_path() {
    let repo = TestRepo::new();
    let hooks = repo.dir.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho mine\n").expect("write");
    let out = repo.viscan(&["hook", "install"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not written by viscan"));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).expect("read"),
        "#!/bin/sh\necho mine\n"
    );
    let out = repo.viscan(&["hook", "install", "--force"]);
    assert_eq!(out.status.code(), Some(0));
    // Re-installing over our own hook needs no --force.
    assert_eq!(repo.viscan(&["hook", "install"]).status.code(), Some(0));
    // core.hooksPath is honoured (relative to the work tree).
    repo.git(&["config", "core.hooksPath", "githooks"]);
    assert_eq!(repo.viscan(&["hook", "install"]).status.code(), Some(0));
    let script = std::fs::read_to_string(repo.dir.path().join("githooks/pre-commit"))
        .expect("hook in core.hooksPath");
    assert!(script.contains("viscan"));
}

#[test]
fn the_hook_works_in_a_linked_worktree() {
    let mut keys = Keygen::new(207);
    let repo = hooked_repo();
    repo.commit(&[("README.md", "hello\n")], "init");
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
    std::fs::write(worktree.join("wt.env"), env_line(&keys.key(32))).expect("write");
    repo.git_in(&worktree, &["add", "wt.env"]);
    let mut cmd = std::process::Command::new("git");
    cmd.args(["commit", "-q", "-m", "wt"])
        .current_dir(&worktree);
    repo.git_env(&mut cmd);
    let out = cmd.output().expect("git commit");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("wt.env:1:20"), "{}", text(&out));
    std::fs::remove_dir_all(worktree).expect("cleanup");
}

/// Runs `viscan staged --format json` and returns (path, line, rule) of its findings.
fn staged_hits(repo: &TestRepo) -> Vec<(String, u64, String)> {
    let (_, report) = crate::util::json_outcome(&repo.viscan(&["staged", "--format", "json"]));
    crate::util::hits(&report)
}

#[test]
fn a_renamed_and_edited_file_counts_as_modified() {
    let mut keys = Keygen::new(208);
    let repo = TestRepo::new();
    let body: String = (1..=20).map(|i| format!("SETTING_{i}={i}\n")).collect();
    repo.commit(
        &[("old.env", &format!("{}{body}", env_line(&keys.key(32))))],
        "legacy leak",
    );
    std::fs::create_dir(repo.dir.path().join("config")).expect("mkdir");
    repo.git(&["mv", "old.env", "config/new.env"]);
    let moved = std::fs::read_to_string(repo.dir.path().join("config/new.env")).expect("read");
    let new_key = keys.key(32);
    repo.dir.write(
        "config/new.env",
        format!("{moved}VOICEINFRA_WEBHOOK_SECRET={new_key}\n"),
    );
    repo.git(&["add", "-A"]);
    // The old leak on line 1 moved with the file: not added by this commit. Line 22 is.
    assert_eq!(
        staged_hits(&repo),
        vec![(
            "config/new.env".into(),
            22,
            "voiceinfra.webhook-secret".into()
        )]
    );
}

#[test]
fn index_versions_and_split_indexes_give_the_same_answer() {
    let mut keys = Keygen::new(209);
    let repo = TestRepo::new();
    repo.commit(
        &[
            ("a/one.env", "A=1\n"),
            ("b/two.env", "B=1\n"),
            ("c.txt", "c\n"),
        ],
        "init",
    );
    repo.dir
        .write("b/two.env", format!("B=1\n{}", env_line(&keys.key(32))));
    repo.dir
        .write("d/new.env", format!("# new\n{}", env_line(&keys.key(32))));
    repo.git(&["add", "-A"]);
    let expected = vec![
        (
            "b/two.env".to_string(),
            2,
            "voiceinfra.api-key.assignment".to_string(),
        ),
        (
            "d/new.env".to_string(),
            2,
            "voiceinfra.api-key.assignment".to_string(),
        ),
    ];
    assert_eq!(staged_hits(&repo), expected, "index v2 with a cache tree");
    repo.git(&["update-index", "--index-version", "4"]);
    assert_eq!(staged_hits(&repo), expected, "index v4");
    repo.git(&["update-index", "--index-version", "3"]);
    repo.git(&["add", "--intent-to-add", "-N", "."]);
    assert_eq!(staged_hits(&repo), expected, "index v3");
    // Neither our reader nor libgit2 reads split indexes: a clear error, never a silent pass.
    repo.git(&["update-index", "--split-index"]);
    let out = repo.viscan(&["staged"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("split index"), "{stderr}");
}
