//! Issue 16: the gate cannot be switched off by the change it judges. Range audits (`ci`,
//! `history --range`) read `.viscan.toml` and `.viscanignore` from the range's base, report
//! what a changed version would hide, and show markers the range adds; keys in commit and tag
//! messages are found; full audits say what each suppression source hid.

use std::path::Path;

use serde_json::{Value, json};

use crate::ci::{Checkout, action_step, ci, clone, push};
use crate::util::{Keygen, TestDir, TestRepo, json_outcome};

const ASSIGN: &str = "voiceinfra.api-key.assignment";
const DISABLE_ALL: &str = "[rules]\ndisable = [\"voiceinfra.*\"]\n";

fn py_line(key: &str, comment: &str) -> String {
    format!("VOICEINFRA_API_KEY = \"{key}\"{comment}\n")
}

/// (path, suppressed_by.kind or "", blocking or true) of every finding.
fn verdicts(report: &Value) -> Vec<(String, String, bool)> {
    let mut all: Vec<(String, String, bool)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let by = &f["suppressed_by"];
            (
                f["path"].as_str().expect("path").to_string(),
                by["kind"].as_str().unwrap_or_default().to_string(),
                by["blocking"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    all.sort();
    all
}

fn finding<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding at {path}: {report:#}"))
}

/// The push of the issue: one commit adds a key with `# viscan:allow`, a plain one, and a
/// config that disables every VoiceInfra rule. Returns (checkout, before, after).
fn disarming_push(keys: &mut Keygen) -> (TestRepo, Checkout, String, String) {
    let upstream = TestRepo::new();
    let before = upstream.commit(&[("README.md", "hello\n")], "init");
    let after = upstream.commit(
        &[
            ("new.py", &py_line(&keys.key(32), "  # viscan:allow")),
            ("other.py", &py_line(&keys.key(32), "")),
            (".viscan.toml", DISABLE_ALL),
        ],
        "add client",
    );
    let checkout = clone(&upstream, &[]);
    (upstream, checkout, before, after)
}

fn run_json(checkout: &Path, event: &str, payload: &Value, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = ci(checkout, event, payload, &args, &[]);
    let (code, report) = json_outcome(&out);
    (
        code,
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn issue_16_a_push_cannot_disable_the_gate_with_its_own_config_and_markers() {
    let mut keys = Keygen::new(1600);
    let (_upstream, checkout, before, after) = disarming_push(&mut keys);
    let payload = push("refs/heads/main", &before, &after, false);

    let (code, report, stderr) = run_json(&checkout.path, "push", &payload, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        verdicts(&report),
        vec![
            ("new.py".into(), "marker".into(), false),
            ("other.py".into(), "config".into(), true),
        ]
    );
    let other = &finding(&report, "other.py")["suppressed_by"];
    assert_eq!(
        other["place"],
        ".viscan.toml:2: [rules] disable \"voiceinfra.*\""
    );
    assert!(
        other["message"]
            .as_str()
            .expect("message")
            .starts_with("hidden by a suppression added in this change"),
        "{other}"
    );
    assert_eq!(
        finding(&report, "new.py")["suppressed_by"]["place"],
        "new.py:1"
    );
    let notices = report["summary"]["notices"].to_string();
    assert!(
        notices.contains("this change edits .viscan.toml"),
        "{notices}"
    );
    assert!(
        stderr.contains("this change edits .viscan.toml"),
        "{stderr}"
    );

    // The github format: a notice, a warning for the marker, an error for the rest, and the
    // job summary says the same.
    let dir = TestDir::new();
    let summary = dir.path().join("summary.md");
    let out = ci(
        &checkout.path,
        "push",
        &payload,
        &[],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8"))],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::notice title=viscan::this change edits .viscan.toml"),
        "{stdout}"
    );
    assert!(stdout.contains("::warning file=new.py,line=1"), "{stdout}");
    assert!(
        stdout.contains("allowed by a marker added in this change"),
        "{stdout}"
    );
    assert!(stdout.contains("::error file=other.py,line=1"), "{stdout}");
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(
        md.contains("**Note:** this change edits .viscan.toml"),
        "{md}"
    );
    assert!(
        md.contains("allowed by a marker added in this change"),
        "{md}"
    );
    assert!(
        md.contains("hidden by a suppression added in this change"),
        "{md}"
    );

    // SARIF: the marker's finding is a result with an in-source suppression; the other not.
    let sarif_dir = TestDir::new();
    let sarif_path = sarif_dir.path().join("out.sarif");
    let out = ci(
        &checkout.path,
        "push",
        &payload,
        &["--sarif", sarif_path.to_str().expect("utf-8")],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(&sarif_path).expect("sarif")).expect("json");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let by_uri = |uri: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri)
            .unwrap_or_else(|| panic!("no result for {uri}"))
    };
    assert_eq!(by_uri("new.py")["suppressions"][0]["kind"], "inSource");
    assert!(by_uri("other.py").get("suppressions").is_none());
}

#[test]
fn issue_16_trusting_the_range_config_applies_it_and_still_says_so() {
    let mut keys = Keygen::new(1601);
    let (_upstream, checkout, before, after) = disarming_push(&mut keys);
    let payload = push("refs/heads/main", &before, &after, false);
    let (code, report, stderr) =
        run_json(&checkout.path, "push", &payload, &["--trust-range-config"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(verdicts(&report), vec![]);
    let notices = report["summary"]["notices"].to_string();
    assert!(
        notices.contains("this change edits .viscan.toml: its new version is applied"),
        "{notices}"
    );
    assert!(stderr.contains("--trust-range-config"), "{stderr}");

    // --strict refuses a trusted config change.
    let (code, _, stderr) = run_json(
        &checkout.path,
        "push",
        &payload,
        &["--trust-range-config", "--strict"],
    );
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn issue_16_a_marker_added_by_the_range_warns_and_fails_only_with_strict() {
    let mut keys = Keygen::new(1602);
    let (old, new) = (keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    // A key allowed before the range: not the change's doing.
    let before = upstream.commit(
        &[("old.py", &py_line(&old, "  # viscan:allow"))],
        "old test fixture",
    );
    let after = upstream.commit(
        &[
            ("new.py", &py_line(&new, "  # viscan:allow")),
            (
                "old.py",
                &format!("# moved\n{}", py_line(&old, "  # viscan:allow")),
            ),
        ],
        "new fixture",
    );
    let checkout = clone(&upstream, &[]);
    let payload = push("refs/heads/main", &before, &after, false);

    let (code, report, stderr) = run_json(&checkout.path, "push", &payload, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        verdicts(&report),
        vec![("new.py".into(), "marker".into(), false)]
    );
    assert_eq!(
        report["summary"]["suppressed"]["inline"], 1,
        "old.py stays allowed"
    );

    let (code, report, stderr) = run_json(&checkout.path, "push", &payload, &["--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        verdicts(&report),
        vec![("new.py".into(), "marker".into(), true)]
    );
}

#[test]
fn issue_16_a_pull_request_is_judged_by_its_base_ignore_file_and_config() {
    let mut keys = Keygen::new(1603);
    let (kept, hidden) = (keys.key(32), keys.key(32));
    let upstream = TestRepo::new();
    upstream.commit(&[(".viscanignore", "# nothing yet\n")], "init");
    let base = upstream.git(&["rev-parse", "HEAD"]);
    upstream.git(&["checkout", "-q", "-b", "feature"]);
    let head = upstream.commit(
        &[
            ("src/app.py", &py_line(&kept, "")),
            ("fixtures/keys.py", &py_line(&hidden, "")),
            (".viscanignore", "# nothing yet\nfixtures/\n"),
        ],
        "feature",
    );
    upstream.git(&["checkout", "-q", "main"]);
    let checkout = clone(&upstream, &[]);
    let payload = json!({
        "number": 7,
        "pull_request": { "number": 7, "base": { "sha": base, "ref": "main" },
                          "head": { "sha": head, "ref": "feature" } }
    });
    let (code, report, stderr) = run_json(&checkout.path, "pull_request", &payload, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        verdicts(&report),
        vec![
            ("fixtures/keys.py".into(), "ignore-file".into(), true),
            ("src/app.py".into(), String::new(), true),
        ]
    );
    assert_eq!(
        finding(&report, "fixtures/keys.py")["suppressed_by"]["place"],
        ".viscanignore:2"
    );
    assert!(
        report["summary"]["notices"]
            .to_string()
            .contains("this change edits .viscanignore"),
        "{report:#}"
    );

    // The working tree's version is not read either: a checkout of the head holds it.
    let (code, report, _) = run_json(
        &checkout.path,
        "pull_request",
        &payload,
        &["--trust-range-config"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        verdicts(&report),
        vec![("src/app.py".into(), String::new(), true)]
    );
    assert_eq!(report["summary"]["suppressed"]["ignore_file"], 1);
}

#[test]
fn issue_16_history_range_reads_the_config_of_its_base() {
    let mut keys = Keygen::new(1604);
    let (_upstream, checkout, before, _after) = disarming_push(&mut keys);
    let out = crate::util::viscan()
        .current_dir(&checkout.path)
        .args(["history", "--format", "json", "--range"])
        .arg(format!("{before}..HEAD"))
        .output()
        .expect("run viscan");
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1);
    assert_eq!(
        verdicts(&report),
        vec![
            ("new.py".into(), "marker".into(), false),
            ("other.py".into(), "config".into(), true),
        ]
    );
}

#[test]
fn issue_16_full_audits_count_what_each_suppression_source_hid() {
    let mut keys = Keygen::new(1605);
    let repo = TestRepo::new();
    repo.commit(
        &[
            ("marked.py", &py_line(&keys.key(32), "  # viscan:allow")),
            ("vendor/lib.py", &py_line(&keys.key(32), "")),
            ("fixtures/a.py", &py_line(&keys.key(32), "")),
            ("plain.py", &py_line(&keys.key(32), "")),
            (".viscanignore", "vendor/\n"),
            (
                ".viscan.toml",
                "[rules]\ndisable = [\"voiceinfra.api-key.header\"]\n\n[allowlist]\npaths = [\"fixtures/\"]\n",
            ),
        ],
        "init",
    );
    repo.commit(
        &[],
        &format!("debug: curl -H \"X-API-Key: {}\"", keys.key(32)),
    );
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        verdicts(&report),
        vec![("plain.py".into(), String::new(), true)]
    );
    assert_eq!(
        report["summary"]["suppressed"],
        json!({ "inline": 1, "ignore_file": 1, "allowlist": 1, "baseline": 0,
                "rules_disabled": 1 })
    );
    let out = repo.viscan(&["history"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "hidden: 1 by inline allow markers, 1 by .viscanignore, 1 by the config allowlist, \
             1 by rules the config disables"
        ),
        "{text}"
    );

    let (code, report) = repo.history_json(&["--no-suppress"]);
    assert_eq!(code, 1);
    let paths: Vec<String> = verdicts(&report).into_iter().map(|v| v.0).collect();
    assert_eq!(
        paths,
        vec![
            "commit-message",
            "fixtures/a.py",
            "marked.py",
            "plain.py",
            "vendor/lib.py"
        ]
    );
    assert_eq!(report["summary"]["suppressed"]["rules_disabled"], 0);
}

#[test]
fn issue_16_keys_in_commit_and_tag_messages_are_found_with_their_commit() {
    let mut keys = Keygen::new(1606);
    let (in_commit, in_tag) = (keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    let first = repo.commit(&[("README.md", "hi\n")], "init");
    let debug = repo.commit(
        &[("README.md", "hi again\n")],
        &format!("debug\n\ncurl -H \"X-API-Key: {in_commit}\" https://api.voiceinfra.ai/v1/calls"),
    );
    repo.git(&[
        "tag",
        "-a",
        "v1.0",
        &first,
        "-m",
        &format!("release\n\nVOICEINFRA_API_KEY={in_tag}"),
    ]);
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let message = finding(&report, "commit-message");
    assert_eq!(message["commit"], debug.as_str());
    assert_eq!(message["line"], 3);
    assert_eq!(message["rule_id"], "voiceinfra.api-key.header");
    let tag = finding(&report, "tag-message:v1.0");
    assert_eq!(tag["commit"], first.as_str());
    assert_eq!(tag["line"], 3);
    assert_eq!(tag["rule_id"], ASSIGN);

    // Text, SARIF and github formats name the same place and commit.
    let text = String::from_utf8_lossy(&repo.viscan(&["history"]).stdout).into_owned();
    assert!(text.contains("commit-message:3:"), "{text}");
    assert!(text.contains(&format!("commit {}", &debug[..12])), "{text}");
    let github = String::from_utf8_lossy(&repo.viscan(&["history", "--format", "github"]).stdout)
        .into_owned();
    assert!(
        github.contains("::error file=commit-message,line=3"),
        "{github}"
    );
    assert!(
        github.contains("file=tag-message%3Av1.0,line=3"),
        "{github}"
    );
    let sarif: Value =
        serde_json::from_slice(&repo.viscan(&["history", "--format", "sarif"]).stdout)
            .expect("sarif");
    let uris: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        .collect();
    assert!(uris.contains(&&json!("commit-message")), "{uris:?}");

    // A range that does not hold the commit leaves its message out.
    let (code, report) = repo.history_json(&["--range", &format!("{debug}..HEAD")]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn issue_16_action_inputs_strict_and_trust_range_config_reach_viscan() {
    let mut keys = Keygen::new(1607);
    let upstream = TestRepo::new();
    let before = upstream.commit(&[("README.md", "hello\n")], "init");
    let after = upstream.commit(
        &[("new.py", &py_line(&keys.key(32), "  # viscan:allow"))],
        "fixture",
    );
    let checkout = clone(&upstream, &[]);
    let runner = TestDir::new();
    let event = runner.write(
        "event.json",
        push("refs/heads/main", &before, &after, false).to_string(),
    );
    let workspace = checkout.path.to_str().expect("utf-8");
    let github = [
        ("GITHUB_WORKSPACE", workspace),
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
        ("INPUT_SARIF", "none"),
    ];
    // A marker the push adds is a warning: the job passes.
    let (out, outputs) = action_step("scan", &runner, &github);
    assert_eq!(out.status.code(), Some(0));
    assert!(outputs.starts_with("findings=0\nwarnings=1\n"), "{outputs}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::warning file=new.py"),
        "{out:?}"
    );
    // strict: it fails.
    let runner = TestDir::new();
    let mut env = github.to_vec();
    env.push(("INPUT_STRICT", "true"));
    let (_, outputs) = action_step("scan", &runner, &env);
    assert!(outputs.starts_with("findings=1\nwarnings=0\n"), "{outputs}");
    // A bad value is refused.
    let runner = TestDir::new();
    let mut env = github.to_vec();
    env.push(("INPUT_TRUST_RANGE_CONFIG", "yes"));
    let (out, _) = action_step("scan", &runner, &env);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("trust-range-config must be true or false")
            || String::from_utf8_lossy(&out.stderr)
                .contains("trust-range-config must be true or false"),
        "{out:?}"
    );
}

#[test]
fn issue_16_messages_are_escaped_for_terminals() {
    let mut keys = Keygen::new(1608);
    let repo = TestRepo::new();
    repo.commit(
        &[("README.md", "hi\n")],
        &format!(
            "evil \u{1b}[2K\u{1b}[1A curl -H \"X-API-Key: {}\"",
            keys.key(32)
        ),
    );
    let out = repo.viscan(&["history"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\\e[2K\\e[1A curl"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}
