//! The audit report (issue 12): findings grouped into keys to rotate in every format, the HTML
//! page (checked in headless Chromium when it is installed), `report merge` and the purge file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::util::{Keygen, TestDir, TestRepo, bounded, json_outcome};

/// 2024-01-02T03:05:05Z, the first test commit, plus ten days: "now" for exposure durations.
const NOW: &str = "1705028705";

/// A repository with 3 distinct keys in 5 places: one copied (two files, both at HEAD), one
/// deleted from HEAD (committed, removed, re-committed elsewhere, removed again), one in a
/// front-end bundle.
pub struct Audit {
    pub repo: TestRepo,
    /// [copied, deleted, bundled]
    pub keys: [String; 3],
    /// The commit that removed the deleted key's last place (`legacy/old.env`).
    pub removed_by: String,
}

fn env_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key}\n")
}

fn bundle(key: &str) -> String {
    format!("const vi={{baseUrl:\"https://api.voiceinfra.ai/v1\",apiKey:\"{key}\"}};\n")
}

impl Audit {
    pub fn new(seed: u64) -> Audit {
        let mut keygen = Keygen::new(seed);
        let keys = [keygen.key(32), keygen.key(32), keygen.key(40)];
        let repo = TestRepo::new();
        repo.commit(&[(".env", &env_line(&keys[0]))], "env");
        repo.commit(
            &[
                ("config/prod.env", &env_line(&keys[0])),
                ("old.env", &env_line(&keys[1])),
            ],
            "copy, and another key",
        );
        repo.git(&["rm", "-q", "old.env"]);
        repo.commit(&[], "remove old.env");
        repo.commit(&[("legacy/old.env", &env_line(&keys[1]))], "recommit");
        repo.git(&["rm", "-q", "legacy/old.env"]);
        let removed_by = repo.commit(&[], "remove it again");
        repo.commit(&[("dist/app.min.js", &bundle(&keys[2]))], "ship");
        Audit {
            repo,
            keys,
            removed_by,
        }
    }

    /// `viscan history ARGS` at the fixed "now".
    pub fn history(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = self.repo.dir.viscan();
        cmd.arg("history")
            .args(args)
            .env("SOURCE_DATE_EPOCH", NOW)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
        cmd.output().expect("run viscan")
    }

    pub fn assert_no_key(&self, what: &str, text: &str) {
        for key in &self.keys {
            assert!(!text.contains(key.as_str()), "{what} shows a key:\n{text}");
            assert!(
                !text.contains(&key[4..16]),
                "{what} shows part of a key:\n{text}"
            );
        }
    }
}

/// The secret whose findings are at exactly these paths.
fn secret_at<'a>(report: &'a Value, paths: &[&str]) -> &'a Value {
    let findings = report["findings"].as_array().expect("findings");
    let secrets = report["secrets"].as_array().expect("secrets");
    let wanted: BTreeSet<&str> = paths.iter().copied().collect();
    secrets
        .iter()
        .find(|s| {
            let at: BTreeSet<&str> = findings
                .iter()
                .filter(|f| f["secret_id"] == s["id"])
                .map(|f| f["path"].as_str().expect("path"))
                .collect();
            at == wanted
        })
        .unwrap_or_else(|| panic!("no secret at exactly {paths:?}: {report:#}"))
}

fn ids(report: &Value) -> BTreeSet<String> {
    report["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn three_keys_in_five_places_are_three_secrets_issue_12() {
    let audit = Audit::new(1200);
    let (code, report) = json_outcome(&audit.history(&["--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(report["version"], 2);
    assert_eq!(report["findings"].as_array().expect("findings").len(), 5);
    assert_eq!(report["secrets"].as_array().expect("secrets").len(), 3);
    assert_eq!(ids(&report).len(), 3);
    audit.assert_no_key("JSON", &report.to_string());

    let repo_name = audit
        .repo
        .dir
        .path()
        .canonicalize()
        .expect("canonical")
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let copied = secret_at(&report, &[".env", "config/prod.env"]);
    let deleted = secret_at(&report, &["old.env", "legacy/old.env"]);
    let bundled = secret_at(&report, &["dist/app.min.js"]);
    for (secret, count, at_head, public) in [
        (copied, 2, true, false),
        (deleted, 2, false, false),
        (bundled, 1, true, true),
    ] {
        assert_eq!(secret["locations"]["count"], count, "{secret:#}");
        assert_eq!(secret["present_at_head"], at_head, "{secret:#}");
        assert_eq!(secret["public"], public, "{secret:#}");
        assert_eq!(secret["repositories"], serde_json::json!([repo_name]));
        // The fingerprints are those of its findings.
        let mut expected: Vec<&Value> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["secret_id"] == secret["id"])
            .map(|f| &f["fingerprint"])
            .collect();
        let mut listed: Vec<&Value> = secret["locations"]["fingerprints"]
            .as_array()
            .expect("fingerprints")
            .iter()
            .collect();
        expected.sort_by_key(|v| v.to_string());
        listed.sort_by_key(|v| v.to_string());
        assert_eq!(listed, expected);
    }
    assert_eq!(bundled["severity"], "critical");
    assert_eq!(copied["first_seen"]["path"], ".env");
    assert_eq!(copied["first_seen"]["date"], "2024-01-02T04:05:05+01:00");
    assert_eq!(copied["last_seen"]["path"], "config/prod.env");
    assert_eq!(deleted["first_seen"]["path"], "old.env");
    assert_eq!(deleted["last_seen"]["path"], "legacy/old.env");
    assert_eq!(deleted["first_seen"]["author_name"], "Ada Lovelace");
    // Removed: the commit that took its last place away (old.env went two commits earlier).
    assert_eq!(deleted["removed"]["commit"], audit.removed_by.as_str());
    assert_eq!(deleted["removed"]["path"], "legacy/old.env");
    assert_eq!(deleted["removed"]["date"], "2024-01-02T04:09:05+01:00");
    assert_eq!(copied["removed"], Value::Null);
    assert_eq!(bundled["removed"], Value::Null);
    // Each place says when it left: old.env at the third commit.
    let old_env = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == "old.env")
        .expect("old.env");
    assert_eq!(old_env["removed"]["date"], "2024-01-02T04:07:05+01:00");
    // JSON keeps the rules its findings come from (for `report merge`).
    let rule_ids: BTreeSet<&str> = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let used: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule"))
        .collect();
    assert_eq!(rule_ids, used);
    assert!(
        report["rules"][0]["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    // Most severe first: the bundled key.
    assert_eq!(report["secrets"][0]["id"], bundled["id"]);

    // SARIF: one result per place, each naming its key.
    let sarif: Value =
        serde_json::from_slice(&audit.history(&["--format", "sarif"]).stdout).expect("SARIF");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    let sarif_ids: BTreeSet<String> = results
        .iter()
        .map(|r| {
            r["properties"]["secretId"]
                .as_str()
                .expect("secretId")
                .to_string()
        })
        .collect();
    assert_eq!(sarif_ids, ids(&report));
}

#[test]
fn text_report_ends_with_the_keys_to_rotate_table() {
    let audit = Audit::new(1201);
    let out = audit.history(&["--no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    audit.assert_no_key("text", &text);
    let preview = |key: &str| format!("{}*****", &key[..4]);
    // Exposed since its first commit: the copied key exactly ten days before "now", the others
    // a few minutes later.
    let table = text
        .split("\n3 keys to rotate:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no keys table at the end:\n{text}"));
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "KEY",
                "SEVERITY",
                "EXPOSED SINCE",
                "PLACES",
                "AT HEAD",
                "BROWSERS"
            ],
            vec![
                &preview(&audit.keys[2]),
                "critical",
                "2024-01-02 (9 days)",
                "1",
                "yes",
                "yes"
            ],
            vec![
                &preview(&audit.keys[0]),
                "high",
                "2024-01-02 (10 days)",
                "2",
                "yes",
                "no"
            ],
            vec![
                &preview(&audit.keys[1]),
                "high",
                "2024-01-02 (9 days)",
                "2",
                "removed 2024-01-02",
                "no"
            ],
        ],
        "{text}"
    );
}

#[test]
fn github_job_summary_has_the_keys_to_rotate_table_issue_12() {
    let audit = Audit::new(1206);
    let out_dir = TestDir::new();
    let summary = out_dir.path().join("summary.md");
    std::fs::write(&summary, "").expect("summary");
    let mut cmd = audit.repo.dir.viscan();
    cmd.args(["history", "--format", "github"])
        .env("SOURCE_DATE_EPOCH", NOW)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    let out = cmd.output().expect("run viscan");
    assert_eq!(out.status.code(), Some(1));
    let markdown = std::fs::read_to_string(&summary).expect("summary");
    audit.assert_no_key("the job summary", &markdown);
    let code = |key: &str| format!("<code>{}&#42;&#42;&#42;&#42;&#42;</code>", &key[..4]);
    let table = markdown
        .split("\n#### 3 keys to rotate\n\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no keys table:\n{markdown}"));
    let rows: Vec<&str> = table.lines().take_while(|l| l.starts_with('|')).collect();
    assert_eq!(
        rows,
        [
            "| Key | Severity | Exposed since | Places | At HEAD | Browsers |".to_string(),
            "| --- | --- | --- | --- | --- | --- |".to_string(),
            format!(
                "| {} | critical | 2024-01-02 (9 days) | 1 | yes | **yes** |",
                code(&audit.keys[2])
            ),
            format!(
                "| {} | high | 2024-01-02 (10 days) | 2 | yes | no |",
                code(&audit.keys[0])
            ),
            format!(
                "| {} | high | 2024-01-02 (9 days) | 2 | removed 2024-01-02 | no |",
                code(&audit.keys[1])
            ),
        ],
        "{markdown}"
    );
    // Then the places, one row each.
    let places = markdown.split("\n#### Places\n").nth(1).expect("places");
    assert_eq!(
        places
            .lines()
            .filter(|l| l.starts_with("| high |") || l.starts_with("| critical |"))
            .count(),
        5,
        "{markdown}"
    );
}

#[test]
fn a_files_scan_groups_keys_without_history_fields() {
    let mut keygen = Keygen::new(1202);
    let key = keygen.key(32);
    let dir = TestDir::new();
    dir.write("a.env", env_line(&key));
    dir.write("b/c.env", env_line(&key));
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let secrets = report["secrets"].as_array().expect("secrets");
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["locations"]["count"], 2);
    assert_eq!(secrets[0]["present_at_head"], Value::Null);
    assert_eq!(secrets[0]["first_seen"], Value::Null);
    assert_eq!(secrets[0]["repositories"], serde_json::json!([]));
    assert!(secrets[0].get("secret").is_none());
    // With --show-secrets, and only then, the key itself.
    let (_, shown) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(shown["secrets"][0]["secret"], key.as_str());
    assert_eq!(shown["secrets"][0]["id"], secrets[0]["id"]);
    let text = String::from_utf8_lossy(&dir.run(&["scan", "--no-color"]).stdout).into_owned();
    assert!(text.contains("\n1 key to rotate:\n"), "{text}");
}

// --- HTML ------------------------------------------------------------------------------------

/// The `data-secret-id`s of a page, in order.
fn secret_ids_in(html: &str) -> Vec<String> {
    html.split("data-secret-id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("closing quote")].to_string())
        .collect()
}

/// Asserts a page loads nothing from anywhere.
fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    for reference in [
        " src=", " href=", "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed",
    ] {
        assert!(
            !lower.contains(reference),
            "the page references {reference}:\n{html}"
        );
    }
    assert!(html.contains("content=\"default-src 'none';"), "no CSP");
}

#[test]
fn html_report_is_one_self_contained_redacted_page() {
    let audit = Audit::new(1203);
    let (_, report) = json_outcome(&audit.history(&["--format", "json"]));
    let out = audit.history(&["--format", "html"]);
    assert_eq!(out.status.code(), Some(1));
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    audit.assert_no_key("HTML", &html);
    assert_self_contained(&html);
    let page_ids = secret_ids_in(&html);
    assert_eq!(page_ids.len(), 3, "{html}");
    assert_eq!(page_ids.into_iter().collect::<BTreeSet<_>>(), ids(&report));
    assert!(html.contains("<b id=\"num-keys\">3</b>"), "{html}");
    assert!(html.contains("<b id=\"num-places\">5</b>"), "{html}");
    assert!(html.contains("<b id=\"num-public\">1</b>"), "{html}");
    // The rows, as the text table has them: value, severity, places, first seen, days,
    // browsers, at HEAD (with the removal date when it is known).
    let id_at = |paths: &[&str]| {
        secret_at(&report, paths)["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let preview = |key: &str| format!("{}*****", &key[..4]);
    assert_eq!(
        key_row(&html, &id_at(&["old.env", "legacy/old.env"])),
        [
            preview(&audit.keys[1]).as_str(),
            "high",
            "2",
            "2024-01-02",
            "9",
            "no",
            "removed 2024-01-02"
        ]
    );
    assert_eq!(
        key_row(&html, &id_at(&["dist/app.min.js"])),
        [
            preview(&audit.keys[2]).as_str(),
            "critical",
            "1",
            "2024-01-02",
            "9",
            "yes",
            "yes"
        ]
    );
    // The places, and the commit that removed the key, are in the page as text.
    let short = &audit.removed_by[..8];
    assert!(
        html.contains(&format!("removed from HEAD by {short}</details>")),
        "{html}"
    );
    assert!(html.contains("<h2>Commits</h2>"), "{html}");
    assert!(
        html.contains(&format!("<td>{short}<td>2024-01-02<td>Ada Lovelace")),
        "{html}"
    );
    assert!(html.contains("\nconfig/prod.env:1 "), "{html}");
    assert!(html.contains("Settings → API Keys"), "{html}");
    assert!(html.contains("revoke the old key"), "{html}");
    assert!(html.contains("git filter-repo --replace-text"), "{html}");
}

#[test]
fn html_escapes_file_names_and_snippets() {
    let mut keygen = Keygen::new(1204);
    let key = keygen.key(32);
    let dir = TestDir::new();
    let name = "x<script>alert(1)<\\script>\".env";
    dir.write(
        name,
        format!("VOICEINFRA_API_KEY={key} # </script><img src=x onerror=alert(2)>\n"),
    );
    let out = dir.run(&["scan", "--format", "html"]);
    assert_eq!(out.status.code(), Some(1));
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(!html.contains(&key));
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert_eq!(html.matches("</script").count(), 1, "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("x&lt;script&gt;alert(1)"), "{html}");
    assert!(
        html.contains("# &lt;/script&gt;&lt;img src=x onerror"),
        "{html}"
    );
    assert_eq!(secret_ids_in(&html).len(), 1);
}

/// A test that needs `tool` skips with a note when it is missing, but fails in CI
/// (`VISCAN_TEST_REQUIRE_TOOLS=1`, set by `.ci/run`, which installs it).
fn skip_without(tool: &str, install: &str, what: &str) {
    assert!(
        std::env::var_os("VISCAN_TEST_REQUIRE_TOOLS").is_none(),
        "{tool} is required here (VISCAN_TEST_REQUIRE_TOOLS): {install}"
    );
    eprintln!("note: {tool} is not installed ({install}): skipping {what}");
}

/// Headless Chromium, if installed (`apt-get install -y chromium`; `.ci/run` installs it).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The DOM after scripts ran, for `url`.
fn dump_dom(browser: &Path, profile: &Path, url: &str) -> String {
    let mut cmd = std::process::Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(["--dump-dom", url]);
    let out = bounded(cmd, Duration::from_secs(120));
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 DOM")
}

/// The opening tags of the key elements in a DOM.
fn key_tags(dom: &str) -> Vec<&str> {
    dom.split("<details ")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').expect("tag end")])
        .filter(|tag| tag.contains("data-secret-id=\""))
        .collect()
}

/// The classes of a key's opening tag.
fn classes(tag: &str) -> Vec<&str> {
    tag.split("class=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
        .split(' ')
        .collect()
}

/// The row (`<summary>` text) of the key with this id, columns split at tabs.
fn key_row<'a>(html: &'a str, id: &str) -> Vec<&'a str> {
    let at = html
        .find(&format!("data-secret-id=\"{id}\""))
        .unwrap_or_else(|| panic!("no key {id}"));
    let rest = &html[at..];
    let start = rest.find("<summary>").expect("summary") + "<summary>".len();
    let end = rest.find("</summary>").expect("summary end");
    rest[start..end].split('\t').collect()
}

#[test]
fn html_renders_in_headless_chromium_and_filters_issue_12() {
    let Some(browser) = chromium() else {
        skip_without(
            "chromium",
            "apt-get install -y chromium",
            "the browser test of the HTML report",
        );
        return;
    };
    let audit = Audit::new(1205);
    let (_, report) = json_outcome(&audit.history(&["--format", "json"]));
    let out_dir = TestDir::new();
    let page = out_dir.path().join("audit.html");
    let out = audit.history(&["--format", "html", "-o", page.to_str().expect("UTF-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let url = format!("file://{}", page.display());
    let profile = out_dir.path().join("profile");

    let dom = dump_dom(&browser, &profile, &url);
    let tags = key_tags(&dom);
    assert_eq!(tags.len(), 3, "{dom}");
    assert_eq!(
        secret_ids_in(&tags.join(" "))
            .into_iter()
            .collect::<BTreeSet<_>>(),
        ids(&report)
    );
    assert!(tags.iter().all(|t| !t.contains("hidden")), "{dom}");
    // The script ran: the filters are shown and count the keys.
    assert!(dom.contains("3 of 3 keys shown"), "{dom}");
    assert!(!dom.contains("<form id=\"filters\" hidden"), "{dom}");
    // Closed keys are not enhanced yet; their place lines name the commit only.
    assert!(!dom.contains("(2024-01-02, Ada Lovelace)"), "{dom}");

    // A filter from the URL: only the key shipped to browsers stays.
    let dom = dump_dom(&browser, &profile, &format!("{url}#public=1"));
    let tags = key_tags(&dom);
    assert_eq!(tags.len(), 3, "{dom}");
    let shown: Vec<&&str> = tags.iter().filter(|t| !t.contains("hidden")).collect();
    assert_eq!(shown.len(), 1, "{dom}");
    assert!(classes(shown[0]).contains(&"p"), "{dom}");
    assert!(dom.contains("1 of 3 keys shown"), "{dom}");
    // Still at HEAD: the copied and the bundled key.
    let dom = dump_dom(&browser, &profile, &format!("{url}#head=1"));
    assert!(dom.contains("2 of 3 keys shown"), "{dom}");
    let dom = dump_dom(&browser, &profile, &format!("{url}#severity=critical"));
    assert!(dom.contains("1 of 3 keys shown"), "{dom}");

    // An opened key: the script adds each place's date and author from the Commits table.
    let html = std::fs::read_to_string(&page).expect("page");
    let opened = out_dir.path().join("opened.html");
    std::fs::write(&opened, html.replace("<details ", "<details open ")).expect("write");
    let dom = dump_dom(&browser, &profile, &format!("file://{}", opened.display()));
    assert!(
        dom.contains("\n.env:1 ")
            && dom.contains(" (2024-01-02, Ada Lovelace) VOICEINFRA_API_KEY="),
        "{dom}"
    );
}

// --- Many repositories -----------------------------------------------------------------------

/// Two repositories sharing one key, each with a key of its own: [shared, web's, api's].
fn two_repositories(seed: u64) -> (TestRepo, TestRepo, [String; 3]) {
    let mut keygen = Keygen::new(seed);
    let keys = [keygen.key(32), keygen.key(32), keygen.key(32)];
    let web = TestRepo::new();
    web.commit(
        &[
            (".env", &env_line(&keys[0])),
            ("web.env", &env_line(&keys[1])),
        ],
        "web",
    );
    let api = TestRepo::new();
    // The same path as in web: still two files.
    api.commit(&[(".env", &env_line(&keys[0]))], "api");
    api.commit(&[("api.env", &env_line(&keys[2]))], "api key");
    (web, api, keys)
}

fn repositories_of(report: &Value) -> Vec<(u64, Vec<String>)> {
    let mut out: Vec<(u64, Vec<String>)> = report["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| {
            (
                s["locations"]["count"].as_u64().expect("count"),
                s["repositories"]
                    .as_array()
                    .expect("repositories")
                    .iter()
                    .map(|r| r.as_str().expect("name").to_string())
                    .collect(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn merging_two_repositories_reports_groups_a_shared_key_issue_12() {
    let (web, api, keys) = two_repositories(1210);
    let reports = TestDir::new();
    let report_of = |repo: &TestRepo, name: &str| {
        let path = reports.path().join(format!("{name}.json"));
        let out = repo.viscan(&[
            "history",
            "--name",
            name,
            "--format",
            "json",
            "-o",
            path.to_str().expect("UTF-8"),
        ]);
        assert_eq!(out.status.code(), Some(1));
        path
    };
    let (web_report, api_report) = (report_of(&web, "web"), report_of(&api, "api"));
    let merge = |format: &str| {
        reports.run(&[
            "report",
            "merge",
            web_report.to_str().expect("UTF-8"),
            api_report.to_str().expect("UTF-8"),
            "--format",
            format,
        ])
    };
    let (code, merged) = json_outcome(&merge("json"));
    assert_eq!(code, 1);
    assert_eq!(merged["findings"].as_array().expect("findings").len(), 4);
    let want = vec![
        (1, vec!["api".to_string()]),
        (1, vec!["web".to_string()]),
        (2, vec!["api".to_string(), "web".to_string()]),
    ];
    assert_eq!(repositories_of(&merged), want);
    // The shared key keeps the id both reports gave it.
    let (_, alone) = json_outcome(&web.viscan(&["history", "--format", "json"]));
    let shared_id = &merged["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .find(|s| s["locations"]["count"] == 2)
        .expect("shared")["id"];
    assert!(
        alone["secrets"]
            .as_array()
            .expect("secrets")
            .iter()
            .any(|s| &s["id"] == shared_id)
    );
    let all_outputs = [merge("json"), merge("text"), merge("html"), merge("sarif")];
    for out in &all_outputs {
        let text = String::from_utf8_lossy(&out.stdout);
        for key in &keys {
            assert!(!text.contains(key.as_str()), "merge shows a key:\n{text}");
        }
    }
    let text = String::from_utf8_lossy(&all_outputs[1].stdout).into_owned();
    assert!(text.contains("\n3 keys to rotate:\n"), "{text}");
    assert!(text.contains("4 findings in 4 files;"), "{text}");
    assert!(text.contains("REPOSITORIES"), "{text}");
    assert!(text.contains("api, web"), "{text}");
    let html = String::from_utf8_lossy(&all_outputs[2].stdout).into_owned();
    assert_eq!(
        secret_ids_in(&html).into_iter().collect::<BTreeSet<_>>(),
        ids(&merged)
    );
    assert_self_contained(&html);
    let sarif: Value = serde_json::from_slice(&all_outputs[3].stdout).expect("SARIF");
    assert_eq!(
        sarif["runs"][0]["results"]
            .as_array()
            .expect("results")
            .len(),
        4
    );

    // `history REPO REPO` gives the same keys in one run.
    let (code, both) = json_outcome(&reports.run(&[
        "history",
        web.dir.path().to_str().expect("UTF-8"),
        api.dir.path().to_str().expect("UTF-8"),
        "--format",
        "json",
    ]));
    assert_eq!(code, 1);
    assert_eq!(ids(&both), ids(&merged));
    let name = |repo: &TestRepo| {
        repo.dir
            .path()
            .canonicalize()
            .expect("canonical")
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned()
    };
    let mut pair = vec![name(&web), name(&api)];
    pair.sort();
    assert!(
        repositories_of(&both).contains(&(2, pair)),
        "{:?}",
        repositories_of(&both)
    );
}

#[test]
fn html_repository_filter_in_headless_chromium_issue_12() {
    let Some(browser) = chromium() else {
        skip_without(
            "chromium",
            "apt-get install -y chromium",
            "the browser test of the repository filter",
        );
        return;
    };
    let (web, api, _) = two_repositories(1211);
    let out_dir = TestDir::new();
    let page = out_dir.path().join("both.html");
    let out = out_dir.run(&[
        "history",
        web.dir.path().to_str().expect("UTF-8"),
        api.dir.path().to_str().expect("UTF-8"),
        "--format",
        "html",
        "-o",
        page.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let name = api
        .dir
        .path()
        .canonicalize()
        .expect("canonical")
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let profile = out_dir.path().join("profile");
    let url = format!("file://{}", page.display());
    let dom = dump_dom(&browser, &profile, &url);
    assert!(dom.contains("3 of 3 keys shown"), "{dom}");
    // api holds the shared key and its own.
    let dom = dump_dom(&browser, &profile, &format!("{url}#repository={name}"));
    assert!(dom.contains("2 of 3 keys shown"), "{dom}");
    let shown: Vec<&str> = key_tags(&dom)
        .into_iter()
        .filter(|t| !t.contains("hidden"))
        .collect();
    assert_eq!(shown.len(), 2, "{dom}");
    // With several repositories, each place line names its repository.
    assert!(
        dom.contains(&format!("</summary>{name}: api.env:1 ")),
        "{dom}"
    );
}

#[test]
fn merge_rejects_reports_of_another_schema_version() {
    let dir = TestDir::new();
    dir.write(
        "old.json",
        r#"{"version": 1, "findings": [], "summary": {"findings": 0}}"#,
    );
    dir.write("garbage.json", "not json");
    let out = dir.run(&["report", "merge", "old.json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("old.json: report schema version 1, but this viscan reads version 2"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let out = dir.run(&["report", "merge", "garbage.json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("garbage.json: not a viscan JSON report"),
        "{stderr}"
    );
}

// --- Purge -----------------------------------------------------------------------------------

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

#[test]
fn replace_text_file_lists_each_key_once_with_mode_0600() {
    let audit = Audit::new(1220);
    let out_dir = TestDir::new();
    let file = out_dir.path().join("keys.txt");
    let out = audit.history(&[
        "--format",
        "json",
        "--replace-text-file",
        file.to_str().expect("UTF-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    // The report itself stays redacted; only the file holds the keys.
    audit.assert_no_key("the report", &String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("holds the 3 keys themselves (mode 0600)"),
        "{stderr}"
    );
    let mut want: Vec<String> = audit
        .keys
        .iter()
        .map(|k| format!("literal:{k}==>***REMOVED-VOICEINFRA-KEY***"))
        .collect();
    want.sort();
    let written = std::fs::read_to_string(&file).expect("replace-text file");
    assert_eq!(written.lines().collect::<Vec<_>>(), want);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Not written unless asked.
    let plain = audit.history(&["--format", "json"]);
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("mode 0600"));
}

#[test]
fn replace_text_file_leaves_out_encoded_keys_with_a_warning() {
    let mut keygen = Keygen::new(1222);
    let (plain, encoded) = (keygen.key(32), keygen.key(32));
    let env = format!("VOICEINFRA_API_KEY={encoded}\nLOG_LEVEL=info\n");
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dialer\ntype: Opaque\ndata:\n  app.env: {}\n",
        crate::util::base64(env.as_bytes())
    );
    let dir = TestDir::new();
    dir.write("k8s/secret.yaml", &secret);
    dir.write(".env", env_line(&plain));
    let out_dir = TestDir::new();
    let file = out_dir.path().join("keys.txt");
    let out = dir.run(&["scan", "--replace-text-file", file.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("k8s/secret.yaml:7: this key is stored encoded (base64)"),
        "{stderr}"
    );
    assert!(stderr.contains("holds the 1 key themselves"), "{stderr}");
    assert!(!stderr.contains(&encoded) && !stderr.contains(&plain));
    let written = std::fs::read_to_string(&file).expect("replace-text file");
    assert_eq!(
        written,
        format!("literal:{plain}==>***REMOVED-VOICEINFRA-KEY***\n")
    );
}

#[test]
fn git_filter_repo_with_the_replace_text_file_leaves_a_clean_history_issue_12() {
    if !on_path("git-filter-repo") {
        skip_without(
            "git-filter-repo",
            "pip install git-filter-repo",
            "the end-to-end purge test",
        );
        return;
    }
    let audit = Audit::new(1221);
    let work = TestDir::new();
    let file = work.path().join("keys.txt");
    let out = audit.history(&["--replace-text-file", file.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(1));
    // The procedure: a fresh clone, rewritten.
    let clone = work.path().join("clone");
    audit.repo.git_in(
        work.path(),
        &[
            "clone",
            "-q",
            "--no-local",
            audit.repo.dir.path().to_str().expect("UTF-8"),
            clone.to_str().expect("UTF-8"),
        ],
    );
    audit.repo.git_in(
        &clone,
        &[
            "filter-repo",
            "--quiet",
            "--replace-text",
            file.to_str().expect("UTF-8"),
        ],
    );
    let out = crate::util::viscan_in(
        &clone,
        &["history", "--format", "json"],
        Duration::from_secs(60),
    );
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["secrets"], serde_json::json!([]));
    assert_eq!(report["summary"]["commits"], 6);
    // The rewrite kept the files, with the keys replaced.
    let bundle = std::fs::read_to_string(clone.join("dist/app.min.js")).expect("bundle");
    assert!(
        bundle.contains("apiKey:\"***REMOVED-VOICEINFRA-KEY***\""),
        "{bundle}"
    );
    // Before the rewrite the same clone would not have been clean: the original is not.
    let (code, _) = json_outcome(&audit.history(&["--format", "json"]));
    assert_eq!(code, 1);
}

// --- Removal from HEAD -----------------------------------------------------------------------

/// The secret whose preview is that of `key`.
fn secret_of<'a>(report: &'a Value, key: &str) -> &'a Value {
    let preview = format!("{}*****", &key[..4]);
    report["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .find(|s| s["preview"] == preview.as_str())
        .unwrap_or_else(|| panic!("no secret {preview}: {report:#}"))
}

#[test]
fn a_key_removed_from_head_says_when_or_that_it_is_not_known_issue_12() {
    let mut keygen = Keygen::new(1230);
    let [edited, foldered, branched, kept] = [
        keygen.key(32),
        keygen.key(32),
        keygen.key(32),
        keygen.key(32),
    ];
    let repo = TestRepo::new();
    repo.commit(
        &[
            (".env", &env_line(&edited)),
            ("deploy/prod/app.env", &env_line(&foldered)),
            ("kept.env", &env_line(&kept)),
        ],
        "keys",
    );
    // Edited: the file changes but still holds the key (a new blob), then loses it.
    repo.commit(
        &[(".env", &format!("{}LOG_LEVEL=info\n", env_line(&edited)))],
        "log level",
    );
    let edited_out = repo.commit(&[(".env", "LOG_LEVEL=info\n")], "use the environment");
    // A whole folder deleted.
    repo.git(&["rm", "-q", "-r", "deploy"]);
    let folder_out = repo.commit(&[], "drop deploy/");
    // Only ever on another branch: not at HEAD, but no commit removed it.
    repo.git(&["checkout", "-q", "-b", "experiment"]);
    repo.commit(&[("exp.env", &env_line(&branched))], "experiment");
    repo.git(&["checkout", "-q", "-"]);
    repo.commit(&[("README", "docs\n")], "docs");

    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1);
    let edited_key = secret_of(&report, &edited);
    assert_eq!(edited_key["present_at_head"], false);
    assert_eq!(edited_key["locations"]["count"], 2);
    assert_eq!(edited_key["removed"]["commit"], edited_out.as_str());
    assert_eq!(edited_key["removed"]["path"], ".env");
    let foldered_key = secret_of(&report, &foldered);
    assert_eq!(foldered_key["removed"]["commit"], folder_out.as_str());
    assert_eq!(foldered_key["removed"]["path"], "deploy/prod/app.env");
    let branched_key = secret_of(&report, &branched);
    assert_eq!(branched_key["present_at_head"], false);
    assert_eq!(branched_key["removed"], Value::Null);
    let kept_key = secret_of(&report, &kept);
    assert_eq!(kept_key["present_at_head"], true);
    assert_eq!(kept_key["removed"], Value::Null);
    // The first version of .env was replaced by the second (which still held the key).
    let first_env = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == ".env" && f["commit"] != edited_out.as_str())
        .expect("first .env");
    assert!(first_env["removed"]["commit"].is_string(), "{first_env:#}");

    // The HTML says the same, honestly when the date is not known.
    let out = repo.viscan(&["history", "--format", "html"]);
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    let row = |key: &Value| key_row(&html, key["id"].as_str().expect("id")).join("|");
    assert!(row(edited_key).ends_with("|removed 2024-01-02"), "{html}");
    assert!(
        row(branched_key).ends_with("|removed (date unknown)"),
        "{html}"
    );
    assert!(row(kept_key).ends_with("|yes"), "{html}");
    // The removed key's bar ends before the right edge; the unknown one runs to now.
    let tag = |key: &Value| {
        let id = key["id"].as_str().expect("id");
        key_tags(&html)
            .into_iter()
            .find(|t| t.contains(id))
            .expect("tag")
            .to_string()
    };
    assert!(tag(edited_key).contains(";--e:"), "{html}");
    assert!(!tag(branched_key).contains("--e:"), "{html}");
    assert!(classes(&tag(branched_key)).contains(&"g"));

    // A merged report keeps it; an older v2 report without "removed" still merges (unknown).
    let reports = TestDir::new();
    let path = reports.path().join("r.json");
    std::fs::write(&path, report.to_string()).expect("write");
    let (_, merged) =
        json_outcome(&reports.run(&["report", "merge", "r.json", "--format", "json"]));
    assert_eq!(
        secret_of(&merged, &edited)["removed"]["commit"],
        edited_out.as_str()
    );
    let mut old = report.clone();
    for finding in old["findings"].as_array_mut().expect("findings") {
        finding.as_object_mut().expect("object").remove("removed");
    }
    old.as_object_mut().expect("object").remove("rules");
    std::fs::write(&path, old.to_string()).expect("write");
    let (code, merged) =
        json_outcome(&reports.run(&["report", "merge", "r.json", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(secret_of(&merged, &edited)["removed"], Value::Null);
    assert_eq!(secret_of(&merged, &edited)["present_at_head"], false);
}

// --- Size ------------------------------------------------------------------------------------

/// The page for 10,000 findings must stay under 2 MB, also when every finding is its own key
/// (the worst case: nothing shared between rows).
const MAX_HTML_BYTES_10K: usize = 2_000_000;

/// A key the value checks accept: no run of five equal letters in any case (`bbBbB`).
fn accepted_key(keygen: &mut Keygen) -> String {
    loop {
        let key = keygen.key(32);
        let lower = key.to_ascii_lowercase().into_bytes();
        if !lower.windows(5).any(|w| w.iter().all(|&b| b == w[0])) {
            return key;
        }
    }
}

/// 100 files of 100 `VOICEINFRA_API_KEY_i=KEY` lines, each key distinct: 10,000 keys.
fn ten_thousand_keys(keygen: &mut Keygen) -> Vec<(String, String)> {
    (0..100)
        .map(|f| {
            let text: String = (0..100)
                .map(|i| format!("VOICEINFRA_API_KEY_{i}={}\n", accepted_key(keygen)))
                .collect();
            (format!("config/f{f:03}.env"), text)
        })
        .collect()
}

fn assert_small_page(what: &str, out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(1), "{what}");
    let html = String::from_utf8_lossy(&out.stdout);
    let places = html
        .split("<b id=\"num-places\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or("none");
    assert_eq!(
        places,
        "10000",
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        html.matches("<details data-secret-id=\"").count(),
        10_000,
        "{what}"
    );
    assert!(
        html.len() <= MAX_HTML_BYTES_10K,
        "{what}: {} bytes for 10,000 distinct keys",
        html.len()
    );
}

#[test]
fn html_for_10000_distinct_keys_stays_under_2_mb_issue_12() {
    let mut keygen = Keygen::new(1240);
    let files = ten_thousand_keys(&mut keygen);
    let dir = TestDir::new();
    for (path, text) in &files {
        dir.write(path, text);
    }
    assert_small_page("scan", &dir.run(&["scan", "--format", "html"]));

    // History: one commit per file.
    let repo = TestRepo::new();
    for (path, text) in &files {
        repo.commit(&[(path.as_str(), text.as_str())], path);
    }
    assert_small_page("history", &repo.viscan(&["history", "--format", "html"]));
}

// --- Merged SARIF rules ------------------------------------------------------------------------

/// A config with one custom rule (five generated examples, as `rules check` wants).
fn custom_rule_config(keygen: &mut Keygen) -> String {
    let examples: Vec<String> = (0..5)
        .map(|_| format!("'ACME_DEPLOY_TOKEN={}'", keygen.key(24)))
        .collect();
    format!(
        "[[custom_rules]]\nid = \"acme.deploy-token\"\nname = \"ACME deploy token\"\n\
         description = \"An ACME deploy token.\"\nseverity = \"medium\"\nkeywords = [\"acme_deploy\"]\n\
         patterns = ['''(?i)acme_deploy_token\\s*=\\s*[\"']?(?P<secret>[A-Za-z0-9]{{16,64}})''']\n\
         examples = [{}]\nnegative_examples = ['ACME_DEPLOY_TOKEN=${{TOKEN}}', \
         'ACME_DEPLOY_TOKEN=<token>', 'acme_deploy_token = os.environ', \
         'ACME_DEPLOY_TOKEN=xxxxxxxxxxxxxxxx', 'ACME_DEPLOY_TOKEN=']\n",
        examples.join(", ")
    )
}

/// The rule descriptors of a SARIF log, by id, and the rule each result points at.
fn sarif_rules(sarif: &Value) -> (Vec<&Value>, Vec<(&str, &Value)>) {
    let run = &sarif["runs"][0];
    let rules: Vec<&Value> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .collect();
    let results = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            (r["ruleId"].as_str().expect("ruleId"), rules[index])
        })
        .collect();
    (rules, results)
}

#[test]
fn merged_sarif_describes_the_custom_rules_of_the_reports_issue_12() {
    let mut keygen = Keygen::new(1250);
    let acme = TestDir::new();
    acme.write(".viscan.toml", custom_rule_config(&mut keygen));
    acme.write(
        "deploy.env",
        format!("ACME_DEPLOY_TOKEN={}\n", keygen.key(24)),
    );
    acme.write(".env", env_line(&keygen.key(32)));
    let reports = TestDir::new();
    let report = reports.path().join("acme.json");
    let out = acme.run(&[
        "scan",
        ".",
        "--format",
        "json",
        "-o",
        report.to_str().expect("UTF-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON");
    assert_eq!(written["findings"].as_array().expect("findings").len(), 2);

    let merge = || {
        let out = reports.run(&["report", "merge", "acme.json", "--format", "sarif"]);
        assert_eq!(out.status.code(), Some(1));
        serde_json::from_slice::<Value>(&out.stdout).expect("SARIF")
    };
    let sarif = merge();
    let (rules, results) = sarif_rules(&sarif);
    assert_eq!(results.len(), 2);
    for (id, rule) in &results {
        assert_eq!(rule["id"], *id, "each result's ruleIndex names its rule");
    }
    let acme_rule = rules
        .iter()
        .find(|r| r["id"] == "acme.deploy-token")
        .expect("the custom rule is listed");
    assert_eq!(acme_rule["shortDescription"]["text"], "ACME deploy token");
    assert_eq!(
        acme_rule["fullDescription"]["text"],
        "An ACME deploy token."
    );
    assert_eq!(acme_rule["properties"]["security-severity"], "5.5");
    // The built-in rules are still there.
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "voiceinfra.api-key.assignment")
    );

    // A report written before JSON kept "rules": a stand-in from the finding.
    let mut old = written.clone();
    old.as_object_mut().expect("object").remove("rules");
    std::fs::write(&report, old.to_string()).expect("write");
    let sarif = merge();
    let (_, results) = sarif_rules(&sarif);
    let (_, stand_in) = results
        .iter()
        .find(|(id, _)| *id == "acme.deploy-token")
        .expect("result");
    assert_eq!(stand_in["id"], "acme.deploy-token");
    assert_eq!(stand_in["shortDescription"]["text"], "ACME deploy token");
    assert_eq!(stand_in["properties"]["severity"], "medium");
}
