//! `viscan ci`, `--format github` and the GitHub Action, without GitHub: synthetic event
//! payloads against real repositories (built with the git CLI, then cloned so their branches
//! become `origin/*`, as `actions/checkout` leaves them), the workflow commands and job summary,
//! and the action's own steps (`scripts/action-run.sh`) run with a fake `GITHUB_*` environment.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::util::{Keygen, TestDir, TestRepo, history_hits, json_outcome, viscan};

const ZERO: &str = "0000000000000000000000000000000000000000";
const ASSIGN: &str = "voiceinfra.api-key.assignment";

fn env_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key}\n")
}

/// Variables of the machine running the tests that must not leak into a run.
pub(crate) const OUTSIDE_ENV: &[&str] = &[
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_SHA",
    "GITHUB_WORKSPACE",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_ACTION_PATH",
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "NO_COLOR",
];

/// A checkout of `upstream` made with `git clone ARGS`, as actions/checkout would leave it.
pub(crate) struct Checkout {
    _dir: TestDir,
    pub(crate) path: PathBuf,
}

pub(crate) fn clone(upstream: &TestRepo, args: &[&str]) -> Checkout {
    let dir = TestDir::new();
    let path = dir.path().join("checkout");
    let url = format!("file://{}", upstream.dir.path().display());
    let mut full = vec!["clone", "-q"];
    full.extend_from_slice(args);
    full.push(&url);
    let target = path.to_str().expect("utf-8 temp path");
    full.push(target);
    upstream.git_in(dir.path(), &full);
    Checkout { _dir: dir, path }
}

/// Runs `viscan ci ARGS` in `checkout` for event `name` with `payload`, GitHub-style.
pub(crate) fn ci(
    checkout: &Path,
    name: &str,
    payload: &Value,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let events = TestDir::new();
    let event_path = events.write("event.json", payload.to_string());
    let mut cmd = viscan();
    for name in OUTSIDE_ENV {
        cmd.env_remove(name);
    }
    cmd.current_dir(checkout)
        .arg("ci")
        .args(args)
        .env("GITHUB_EVENT_NAME", name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_WORKSPACE", checkout);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run viscan ci")
}

/// `viscan ci --format json`: (exit code, report, stderr).
fn ci_json(checkout: &Path, name: &str, payload: &Value) -> (i32, Value, String) {
    let out = ci(checkout, name, payload, &["--format", "json"], &[]);
    let (code, report) = json_outcome(&out);
    (
        code,
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn push(git_ref: &str, before: &str, after: &str, forced: bool) -> Value {
    json!({ "ref": git_ref, "before": before, "after": after, "forced": forced,
            "created": before == ZERO, "deleted": after == ZERO })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn push_scans_before_to_after() {
    let mut keys = Keygen::new(600);
    let (old, new) = (keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    upstream.commit(&[("old.env", &env_line(&old))], "old leak");
    let before = upstream.commit(&[("README.md", "hello\n")], "docs");
    let leak = upstream.commit(&[("new.env", &env_line(&new))], "new leak");
    let after = upstream.commit(&[("README.md", "hello again\n")], "docs");
    let checkout = clone(&upstream, &[]);

    let (code, report, stderr) = ci_json(
        &checkout.path,
        "push",
        &push("refs/heads/main", &before, &after, false),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "viscan: ci: push to main: scanning {before}..{after} (2 commits)"
        )),
        "{stderr}"
    );
    assert_eq!(
        history_hits(&report),
        vec![("new.env".into(), 1, ASSIGN.into(), leak, true)]
    );
    assert_eq!(report["summary"]["commits"], 2);
}

#[test]
fn new_branch_scans_its_commits_not_on_the_default_branch() {
    let mut keys = Keygen::new(601);
    let (on_main, on_other, on_feature) = (keys.key(32), keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    upstream.commit(&[("main.env", &env_line(&on_main))], "main leak");
    upstream.git(&["checkout", "-q", "-b", "other"]);
    let other_leak = upstream.commit(&[("other.env", &env_line(&on_other))], "other leak");
    upstream.git(&["checkout", "-q", "-b", "feature"]);
    let leak = upstream.commit(&[("feature.env", &env_line(&on_feature))], "feature leak");
    let after = upstream.commit(&[("notes.txt", "wip\n")], "notes");
    upstream.git(&["checkout", "-q", "main"]);
    let checkout = clone(&upstream, &["-b", "feature"]);

    let (code, report, stderr) = ci_json(
        &checkout.path,
        "push",
        &push("refs/heads/feature", ZERO, &after, false),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "viscan: ci: push to feature (new branch): scanning commits of {after} that are not \
             on the default branch main (3 commits)"
        )),
        "{stderr}"
    );
    // Not main's leak; the leak of `other`, which feature was branched from, is scanned:
    // only the default branch is trusted to have been scanned.
    assert_eq!(
        history_hits(&report),
        vec![
            ("feature.env".into(), 1, ASSIGN.into(), leak, true),
            ("other.env".into(), 1, ASSIGN.into(), other_leak, true),
        ]
    );
}

/// A bare "origin" that receives `feature` and `feature-copy` in one push: each run sees the
/// other branch already there, and neither may leave the leak out (issue 19).
#[test]
fn branches_pushed_together_are_each_scanned() {
    let mut keys = Keygen::new(611);
    let key = keys.key(32);
    let work = TestRepo::new();
    work.commit(&[("README.md", "hello\n")], "init");
    let origin = TestDir::new();
    let bare = origin.path().join("origin.git");
    let bare = bare.to_str().expect("utf-8 temp path");
    work.git(&["clone", "-q", "--bare", ".", bare]);
    work.git(&["remote", "add", "origin", bare]);
    work.git(&["checkout", "-q", "-b", "feature"]);
    let leak = work.commit(&[("feature.env", &env_line(&key))], "leak");
    work.git(&["branch", "feature-copy"]);
    work.git(&["push", "-q", "origin", "feature", "feature-copy"]);

    for (branch, payload) in [
        ("feature", json!({})),
        ("feature-copy", json!({ "default_branch": "main" })),
    ] {
        let dir = TestDir::new();
        let checkout = dir.path().join("checkout");
        let target = checkout.to_str().expect("utf-8 temp path");
        work.git_in(dir.path(), &["clone", "-q", "-b", branch, bare, target]);
        let mut event = push(&format!("refs/heads/{branch}"), ZERO, &leak, false);
        event["repository"] = payload;
        let (code, report, stderr) = ci_json(&checkout, "push", &event);
        assert_eq!(code, 1, "{branch}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "push to {branch} (new branch): scanning commits of {leak} that are not on the \
                 default branch main (1 commit)"
            )),
            "{stderr}"
        );
        assert_eq!(
            history_hits(&report),
            vec![("feature.env".into(), 1, ASSIGN.into(), leak.clone(), true)],
            "{branch}"
        );
    }
}

#[test]
fn first_push_of_a_repository_scans_every_commit() {
    let mut keys = Keygen::new(602);
    let key = keys.key(40);
    let upstream = TestRepo::new();
    let first = upstream.commit(&[("config/.env", &env_line(&key))], "first commit");
    let checkout = clone(&upstream, &[]);
    let (code, report, stderr) = ci_json(
        &checkout.path,
        "push",
        &push("refs/heads/main", ZERO, &first, false),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("push to main (new branch): scanning commits of"),
        "{stderr}"
    );
    assert!(stderr.contains("(1 commit)"), "{stderr}");
    assert_eq!(
        history_hits(&report),
        vec![("config/.env".into(), 1, ASSIGN.into(), first, true)]
    );
}

#[test]
fn force_push_scans_only_the_rewritten_commits() {
    let mut keys = Keygen::new(603);
    let (base_key, old_key, new_key) = (keys.key(32), keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    let base = upstream.commit(&[("base.env", &env_line(&base_key))], "base");
    upstream.git(&["checkout", "-q", "-b", "feature"]);
    let before = upstream.commit(&[("old.env", &env_line(&old_key))], "old work");
    upstream.git(&["tag", "old-tip"]);
    // Rewrite feature: drop the old commit, add a new one on the same base.
    upstream.git(&["reset", "-q", "--hard", &base]);
    let after = upstream.commit(&[("new.env", &env_line(&new_key))], "new work");
    upstream.git(&["checkout", "-q", "main"]);
    let event = push("refs/heads/feature", &before, &after, true);

    // The old tip is unreachable upstream, so the checkout does not have it.
    let checkout = clone(&upstream, &["--no-tags", "-b", "feature"]);
    let (code, report, stderr) = ci_json(&checkout.path, "push", &event);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "viscan: ci: push to feature (forced): scanning commits of {after} that are not on \
             the default branch main (the old tip {before} is gone) (1 commit)"
        )),
        "{stderr}"
    );
    assert_eq!(
        history_hits(&report),
        vec![("new.env".into(), 1, ASSIGN.into(), after.clone(), true)]
    );

    // With the old tip present (a tag keeps it), it is left out too.
    let checkout = clone(&upstream, &["-b", "feature"]);
    let (code, report, stderr) = ci_json(&checkout.path, "push", &event);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "push to feature (forced): scanning commits of {after} outside {before} that are not \
             on the default branch main (1 commit)"
        )),
        "{stderr}"
    );
    assert_eq!(
        history_hits(&report),
        vec![("new.env".into(), 1, ASSIGN.into(), after, true)]
    );
}

#[test]
fn pull_request_scans_base_to_head() {
    let mut keys = Keygen::new(604);
    let (on_main, on_branch) = (keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    upstream.commit(&[("README.md", "hello\n")], "init");
    upstream.git(&["checkout", "-q", "-b", "feature"]);
    let leak = upstream.commit(&[("src/app.env", &env_line(&on_branch))], "feature leak");
    let head = upstream.commit(&[("src/more.txt", "more\n")], "more");
    upstream.git(&["checkout", "-q", "main"]);
    let base = upstream.commit(&[("main.env", &env_line(&on_main))], "main moves on");
    let checkout = clone(&upstream, &[]);
    let payload = json!({
        "number": 42,
        "pull_request": { "number": 42, "base": { "sha": base, "ref": "main" },
                          "head": { "sha": head, "ref": "feature" } }
    });
    for event in ["pull_request", "pull_request_target"] {
        let (code, report, stderr) = ci_json(&checkout.path, event, &payload);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "viscan: ci: {event} (pull request #42): scanning {base}..{head} (2 commits)"
            )),
            "{stderr}"
        );
        // The checkout's HEAD is main here, which does not hold the branch's key.
        assert_eq!(
            history_hits(&report),
            vec![("src/app.env".into(), 1, ASSIGN.into(), leak.clone(), false)]
        );
    }
    // pull_request_target checks out the base: a head the checkout lacks is named.
    let missing = json!({ "pull_request": { "base": { "sha": base }, "head": { "sha": "1234567890123456789012345678901234567890" } } });
    let out = ci(&checkout.path, "pull_request_target", &missing, &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.contains("commit 1234567890123456789012345678901234567890 (the event's head) is not in the repository")
            && text.contains("fetch-depth: 0")
            && text.contains("ref: ${{ github.event.pull_request.head.sha }}"),
        "{text}"
    );
}

/// Issue 19: the same content at `a.txt` and at a path that reveals its key (a source map, a
/// Kubernetes Secret), added in one pull request. The blob was scanned once, as `a.txt`, and
/// the run passed with `findings=0`.
#[test]
fn a_decoy_copy_does_not_pass_a_pull_request() {
    let mut keys = Keygen::new(612);
    let key = keys.key(32);
    let map = format!(
        "{{\"version\":3,\"sources\":[\"src/client.ts\"],\"sourcesContent\":[{}],\"mappings\":\"AAAA\"}}",
        serde_json::to_string(&format!(
            "const client = new VoiceInfraClient({{ apiKey: \"{key}\" }});\n"
        ))
        .expect("a string serialises")
    );
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: voiceinfra-dialer\ndata:\n  dialer.env: {}\n",
        crate::util::base64(format!("VOICEINFRA_API_KEY={key}\n").as_bytes())
    );
    // The map's text names VoiceInfra and its key even as `a.txt`; the Secret's is base64.
    for (path, content, num_findings) in [
        ("dist/app.js.map", &map, 2),
        ("k8s/secret.yaml", &secret, 1),
    ] {
        let upstream = TestRepo::new();
        let base = upstream.commit(&[("README.md", "hello\n")], "init");
        upstream.git(&["checkout", "-q", "-b", "feature"]);
        let head = upstream.commit(&[("a.txt", content), (path, content)], "copies");
        upstream.git(&["checkout", "-q", "main"]);
        let checkout = clone(&upstream, &[]);
        let payload = json!({ "pull_request": { "number": 3, "base": { "sha": base },
                                                "head": { "sha": head } } });
        let files = TestDir::new();
        let outputs = files.write("outputs.txt", "");
        let out = ci(
            &checkout.path,
            "pull_request",
            &payload,
            &[],
            &[("GITHUB_OUTPUT", outputs.to_str().expect("utf-8"))],
        );
        assert_eq!(out.status.code(), Some(1), "{path}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("::error file={path},line=")),
            "{path}: {}",
            stdout(&out)
        );
        assert_eq!(
            stdout(&out).contains(" file=a.txt,line="),
            num_findings == 2,
            "{path}: {}",
            stdout(&out)
        );
        assert_eq!(
            std::fs::read_to_string(&outputs).expect("outputs"),
            format!("findings={num_findings}\nwarnings=0\n"),
            "{path}"
        );
    }
}

#[test]
fn shallow_checkouts_fail_naming_fetch_depth() {
    let mut keys = Keygen::new(605);
    let (old, new) = (keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    upstream.commit(&[("old.env", &env_line(&old))], "one");
    let before = upstream.commit(&[("README.md", "x\n")], "two");
    let after = upstream.commit(&[("new.env", &env_line(&new))], "three");

    // actions/checkout's default: depth 1. `before` is not there.
    let shallow = clone(&upstream, &["--depth", "1"]);
    let out = ci(
        &shallow.path,
        "push",
        &push("refs/heads/main", &before, &after, false),
        &[],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "never a silent pass");
    let text = stderr(&out);
    assert!(
        text.contains(&format!("push to main: commit {before} (the event's before) is not in the repository: the checkout is a shallow clone"))
            && text.contains("`fetch-depth: 0`"),
        "{text}"
    );
    assert!(stdout(&out).is_empty(), "no report: {}", stdout(&out));
    // A new branch: the walk runs into the clone's boundary.
    let out = ci(
        &shallow.path,
        "push",
        &push("refs/heads/main", ZERO, &after, false),
        &[],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "reach past commit {after}, where the shallow clone's history ends"
        )),
        "{}",
        stderr(&out)
    );
    // A full audit of a shallow clone would only see its tip.
    let out = ci(&shallow.path, "schedule", &json!({}), &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fetch-depth: 0"), "{}", stderr(&out));

    // Deep enough for the range: scanned, and no shallow-clone warning.
    let deeper = clone(&upstream, &["--depth", "2"]);
    let (code, report, text) = ci_json(
        &deeper.path,
        "push",
        &push("refs/heads/main", &before, &after, false),
    );
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains("warning"), "{text}");
    assert_eq!(
        history_hits(&report),
        vec![("new.env".into(), 1, ASSIGN.into(), after, true)]
    );
}

#[test]
fn empty_ranges_exit_0_with_a_message() {
    let mut keys = Keygen::new(606);
    let key = keys.key(32);
    let upstream = TestRepo::new();
    let tip = upstream.commit(&[("a.env", &env_line(&key))], "leak");
    let checkout = clone(&upstream, &[]);
    let cases = [
        (
            push("refs/heads/main", &tip, &tip, false),
            format!("push to main: {tip}..{tip} brings no new commits; nothing to scan"),
        ),
        (
            push("refs/heads/gone", &tip, ZERO, false),
            "push to gone: the branch was deleted; nothing to scan".to_string(),
        ),
        (
            push("refs/heads/copy", ZERO, &tip, false),
            format!(
                "push to copy (new branch): commits of {tip} that are not on the default branch \
                 main: no new commits; nothing to scan"
            ),
        ),
        (
            push("refs/tags/v1.0", ZERO, &tip, false),
            "push to v1.0 (new tag)".to_string(),
        ),
    ];
    for (payload, message) in cases {
        let (code, report, stderr) = ci_json(&checkout.path, "push", &payload);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains(&message), "{message:?} not in {stderr}");
        assert_eq!(report["findings"], json!([]));
        assert_eq!(report["summary"]["commits"], 0);
    }
    // The github format still writes its summary and outputs.
    let files = TestDir::new();
    let summary = files.write("summary.md", "");
    let outputs = files.write("outputs.txt", "");
    let out = ci(
        &checkout.path,
        "push",
        &push("refs/heads/main", &tip, &tip, false),
        &[],
        &[
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8")),
            ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8")),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&outputs).expect("outputs"),
        "findings=0\nwarnings=0\n"
    );
    let markdown = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        markdown.starts_with("### viscan: no findings\n"),
        "{markdown}"
    );
}

#[test]
fn other_events_scan_the_full_history() {
    let mut keys = Keygen::new(607);
    let (on_main, on_branch) = (keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    let main_leak = upstream.commit(&[("main.env", &env_line(&on_main))], "main");
    upstream.git(&["checkout", "-q", "-b", "side"]);
    let side_leak = upstream.commit(&[("side.env", &env_line(&on_branch))], "side");
    upstream.git(&["checkout", "-q", "main"]);
    let checkout = clone(&upstream, &[]);
    for event in ["workflow_dispatch", "schedule", "release"] {
        let out = ci(
            &checkout.path,
            event,
            &json!({}),
            &["--format", "json"],
            &[("GITHUB_SHA", &main_leak)],
        );
        let (code, report) = json_outcome(&out);
        assert_eq!(code, 1);
        assert!(
            stderr(&out).contains(&format!(
                "viscan: ci: {event} at {main_leak}: scanning the full history (every branch, tag \
                 and remote ref)"
            )),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            history_hits(&report),
            vec![
                ("main.env".into(), 1, ASSIGN.into(), main_leak.clone(), true),
                (
                    "side.env".into(),
                    1,
                    ASSIGN.into(),
                    side_leak.clone(),
                    false
                ),
            ]
        );
    }
}

#[test]
fn ci_outside_github_actions_is_a_usage_error() {
    let repo = TestRepo::new();
    repo.commit(&[("README.md", "x\n")], "init");
    let mut cmd = viscan();
    for name in OUTSIDE_ENV {
        cmd.env_remove(name);
    }
    let out = cmd
        .current_dir(repo.dir.path())
        .arg("ci")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("GITHUB_EVENT_NAME is not set"),
        "{}",
        stderr(&out)
    );
    let out = ci(
        repo.dir.path(),
        "push",
        &json!({"ref": "refs/heads/main"}),
        &[],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the push event payload has no /before"));
}

#[test]
fn ci_writes_annotations_job_summary_outputs_and_sarif() {
    let mut keys = Keygen::new(608);
    let key = keys.key(32);
    let upstream = TestRepo::new();
    let before = upstream.commit(&[("README.md", "hello\n")], "init");
    let leak = upstream.commit(&[(".env", &env_line(&key))], "leak");
    let checkout = clone(&upstream, &[]);
    let files = TestDir::new();
    let summary = files.write("summary.md", "# Earlier output of this step\n");
    let outputs = files.write("outputs.txt", "");
    let sarif = files.path().join("viscan.sarif");
    let out = ci(
        &checkout.path,
        "push",
        &push("refs/heads/main", &before, &leak, false),
        &["--sarif", sarif.to_str().expect("utf-8")],
        &[
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8")),
            ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8")),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let short = &leak[..12];
    assert_eq!(
        lines[0],
        format!(
            "::error file=.env,line=1,col=20,endColumn=52,title=VoiceInfra API key assigned to a \
             VoiceInfra-named setting (voiceinfra.api-key.assignment)::VoiceInfra API key \
             assigned to a VoiceInfra-named setting ({}*****); introduced by commit {short} (Ada \
             Lovelace <ada@example.com>, 2024-01-02T04:06:05+01:00); still present at HEAD. \
             Rotate this key: removing it from the code does not revoke it.",
            &key[..4]
        )
    );
    assert!(
        lines[1].starts_with("viscan: 1 finding in 1 file; scanned 1 blob in 1 commit"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&outputs).expect("outputs"),
        "findings=1\nwarnings=0\n"
    );
    let markdown = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        markdown.starts_with("# Earlier output of this step\n### viscan: 1 finding\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!(
            "| high | <code>voiceinfra.api-key.assignment</code> | <code>.env:1:20</code> | \
             <code>{}&#42;&#42;&#42;&#42;&#42;</code> | <code>{short}</code> Ada Lovelace, \
             2024-01-02T04:06:05+01:00 |\n",
            &key[..4]
        )),
        "{markdown}"
    );
    assert!(!markdown.contains(&key) && !text.contains(&key));
    let log: Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("sarif written")).expect("json");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["properties"]["commit"], json!(leak));
    assert!(!String::from_utf8_lossy(&std::fs::read(&sarif).expect("sarif")).contains(&key));
}

#[test]
fn github_annotations_escape_paths() {
    let mut keys = Keygen::new(609);
    let dir = TestDir::new();
    dir.write("odd,name:100%.env", env_line(&keys.key(32)));
    dir.write("line\nbreak.env", env_line(&keys.key(32)));
    let out = dir.run(&["scan", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let files: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("::error file="))
        .map(|l| l.split(',').next().expect("file property"))
        .collect();
    assert_eq!(files, vec!["line%0Abreak.env", "odd%2Cname%3A100%25.env"]);
    // Every command stays on its own line.
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn github_annotations_stop_at_ten_per_level() {
    let mut keys = Keygen::new(610);
    let dir = TestDir::new();
    for i in 0..12 {
        dir.write(&format!("k{i:02}.env"), env_line(&keys.key(32)));
    }
    for i in 0..2 {
        dir.write(
            &format!("vendor{i}.sh"),
            format!(
                "curl https://api.mapsvendor.com/v1/tiles -H 'x-api-key: {}'\n",
                keys.key(24)
            ),
        );
    }
    let out = dir.run(&["scan", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("::error "), 10, "{text}");
    assert_eq!(count("::notice file="), 2, "{text}");
    assert!(
        text.contains(
            "::notice title=viscan::2 more findings not annotated: GitHub shows at most 10 \
             annotations of each level per step."
        ),
        "{text}"
    );
    assert!(
        text.contains("\nviscan: 14 findings in 14 files; scanned 14 files"),
        "{text}"
    );
}

#[test]
fn job_summary_stays_under_the_step_limit() {
    let mut keys = Keygen::new(611);
    let dir = TestDir::new();
    let lines: String = (0..1000).map(|_| env_line(&keys.key(32))).collect();
    dir.write("keys.env", &lines);
    let files = TestDir::new();
    // Earlier output of the same step already fills most of the 1 MiB.
    let earlier = "x".repeat(900 * 1024) + "\n";
    let summary = files.write("summary.md", &earlier);
    let mut cmd = dir.viscan();
    for name in OUTSIDE_ENV {
        cmd.env_remove(name);
    }
    let out = cmd
        .args(["scan", "--format", "github", "keys.env"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let markdown = std::fs::read_to_string(&summary).expect("summary");
    let added = &markdown[earlier.len()..];
    assert!(
        markdown.len() <= 1024 * 1024 - 64 * 1024,
        "{}",
        markdown.len()
    );
    assert!(
        added.starts_with("### viscan: 1000 findings\n"),
        "{}",
        &added[..200]
    );
    let rows = added.lines().filter(|l| l.starts_with("| high |")).count();
    assert!((100..1000).contains(&rows), "{rows} rows");
    assert!(
        added.contains(&format!(
            "_…and {} more findings, left out to keep this summary under",
            1000 - rows
        )),
        "{added}"
    );
    assert!(
        added
            .trim_end()
            .ends_with("if the repository was ever shared.")
    );
    assert!(!added.contains(&lines[19..51]), "a full key in the summary");
}

#[test]
fn sarif_over_25000_results_keeps_the_most_severe() {
    let mut keys = Keygen::new(612);
    let dir = TestDir::new();
    for part in 0..4 {
        let lines: String = (0..6260).map(|_| env_line(&keys.key(32))).collect();
        dir.write(&format!("keys{part}.env"), lines);
    }
    for i in 0..3 {
        dir.write(
            &format!("vendor{i}.sh"),
            format!(
                "curl https://api.mapsvendor.com/v1/tiles -H 'x-api-key: {}'\n",
                keys.key(24)
            ),
        );
    }
    let out = dir.run(&["scan", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 25_000);
    assert!(
        results.iter().all(|r| r["level"] == "error"),
        "the low ones go first"
    );
    // Every line is a finding, bar the odd random key the value checks turn down.
    let total = run["properties"]["totalResults"].as_u64().expect("total");
    assert!((25_000..=4 * 6260 + 3).contains(&total), "{total}");
    assert_eq!(run["properties"]["truncated"], true);
    assert_eq!(run["properties"]["omittedResults"], total - 25_000);
    assert!(
        stderr(&out).contains("at most 25000 results per run"),
        "{}",
        stderr(&out)
    );
}

/// Runs `scripts/action-run.sh STEP` with a fake GitHub Actions environment; returns the output
/// and what the step wrote to `GITHUB_OUTPUT`.
pub(crate) fn action_step(step: &str, runner: &TestDir, env: &[(&str, &str)]) -> (Output, String) {
    let outputs = runner.path().join(format!("{step}-outputs.txt"));
    std::fs::write(&outputs, "").expect("outputs file");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-run.sh");
    let mut cmd = std::process::Command::new("bash");
    for name in OUTSIDE_ENV {
        cmd.env_remove(name);
    }
    cmd.arg(&script)
        .arg(step)
        .current_dir(runner.path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .env("RUNNER_TEMP", runner.path())
        .env("VISCAN_BIN", env!("CARGO_BIN_EXE_viscan"));
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("run bash");
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    (out, written)
}

#[test]
fn action_steps_scan_annotate_and_set_the_job_result() {
    let mut keys = Keygen::new(613);
    let key = keys.key(32);
    let upstream = TestRepo::new();
    let before = upstream.commit(&[("README.md", "hello\n")], "init");
    let after = upstream.commit(&[("app/.env", &env_line(&key))], "leak");
    let checkout = clone(&upstream, &[]);
    let runner = TestDir::new();
    let event = runner.write(
        "event.json",
        push("refs/heads/main", &before, &after, false).to_string(),
    );
    let summary = runner.write("summary.md", "");
    let workspace = checkout.path.to_str().expect("utf-8");
    let github = [
        ("GITHUB_WORKSPACE", workspace),
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
        ("GITHUB_SHA", after.as_str()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8")),
    ];

    // The scan step itself passes with findings, so the upload step still runs.
    let mut env = github.to_vec();
    // Split on any whitespace, as a folded or literal YAML block gives it.
    env.push(("INPUT_ARGS", "--threads 1\n  -q"));
    let (out, outputs) = action_step("scan", &runner, &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sarif = runner.path().join("viscan.sarif");
    assert_eq!(
        outputs,
        format!(
            "findings=1\nwarnings=0\nsarif-file={}\ncheckout-path={}\n",
            sarif.display(),
            std::fs::canonicalize(&checkout.path)
                .expect("abs")
                .display()
        )
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("::error file=app/.env,line=1,col=20,endColumn=52,title="),
        "{text}"
    );
    // `args` reached viscan: -q silences the range line.
    assert!(!stderr(&out).contains("viscan: ci:"), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&summary)
            .expect("summary")
            .contains("app/.env:1:20")
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(1));

    // `sarif: none` writes no report and sets no sarif-file output.
    let mut env = github.to_vec();
    env.push(("INPUT_SARIF", "none"));
    let (out, outputs) = action_step("scan", &runner, &env);
    assert_eq!(out.status.code(), Some(0));
    assert!(!outputs.contains("sarif-file="), "{outputs}");

    // The result step fails the job on findings, unless told not to.
    let (out, _) = action_step(
        "result",
        &runner,
        &[("FINDINGS", "1"), ("INPUT_FAIL_ON_FINDINGS", "true")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("::error title=viscan::1 secret(s) found"),
        "{}",
        stdout(&out)
    );
    let (out, _) = action_step(
        "result",
        &runner,
        &[("FINDINGS", "1"), ("INPUT_FAIL_ON_FINDINGS", "false")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("::warning title=viscan::1 secret(s) found"),
        "{}",
        stdout(&out)
    );
    let (out, _) = action_step("result", &runner, &[("FINDINGS", "0")]);
    assert_eq!(out.status.code(), Some(0));
    let (out, _) = action_step("result", &runner, &[("FINDINGS", "")]);
    assert_eq!(out.status.code(), Some(1), "no count is not a pass");
}

#[test]
fn action_scan_step_fails_on_a_shallow_checkout() {
    let mut keys = Keygen::new(614);
    let upstream = TestRepo::new();
    let before = upstream.commit(&[("README.md", "hello\n")], "init");
    let after = upstream.commit(&[(".env", &env_line(&keys.key(32)))], "leak");
    let checkout = clone(&upstream, &["--depth", "1"]);
    let runner = TestDir::new();
    let event = runner.write(
        "event.json",
        push("refs/heads/main", &before, &after, false).to_string(),
    );
    let (out, outputs) = action_step(
        "scan",
        &runner,
        &[
            ("GITHUB_WORKSPACE", checkout.path.to_str().expect("utf-8")),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fetch-depth: 0"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("::error title=viscan::viscan ci could not scan"),
        "{}",
        stdout(&out)
    );
    assert_eq!(outputs, "");
}

#[test]
fn action_build_step_finds_viscan_on_path() {
    let runner = TestDir::new();
    let bin = runner.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_viscan"), bin.join("viscan")).expect("symlink");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (out, outputs) = action_step(
        "build",
        &runner,
        &[("INPUT_VERSION", "path"), ("PATH", &path)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(outputs, format!("bin={}\n", bin.join("viscan").display()));
    assert!(stdout(&out).starts_with("viscan "), "{}", stdout(&out));
    let (out, outputs) = action_step("build", &runner, &[("INPUT_VERSION", "latest%")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("::error title=viscan::unknown version 'latest%25'"),
        "{}",
        stdout(&out)
    );
    assert_eq!(outputs, "");
}

#[test]
fn readme_workflows_are_the_files_actionlint_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let section = readme
        .split("\n## GitHub Actions\n")
        .nth(1)
        .expect("a GitHub Actions section")
        .split("\n## ")
        .next()
        .expect("section");
    let blocks: Vec<&str> = section
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().expect("closed block"))
        .filter(|b| b.contains("\njobs:\n"))
        .collect();
    let files: Vec<String> = ["viscan.yml", "viscan-audit.yml"]
        .iter()
        .map(|f| std::fs::read_to_string(root.join("docs/workflows").join(f)).expect("workflow"))
        .collect();
    assert_eq!(blocks, files);
}
