//! `viscan scan`: the files source, exit codes, encodings, outputs and redaction, run end to end.

use std::path::Path;

use serde_json::Value;

use crate::util::{Keygen, TestDir, hits, line_of};

/// A small project with one finding of each common kind; returns (dir, the raw keys).
fn small_project(seed: u64) -> (TestDir, Vec<String>) {
    let mut keys = Keygen::new(seed);
    let (a, b, c) = (keys.key(32), keys.key(40), keys.key(24));
    let dir = TestDir::new();
    dir.write(".env", format!("VOICEINFRA_API_KEY={a}\nDEBUG=1\n"));
    dir.write(
        "src/client.py",
        format!(
            "import requests\n\nAPI_KEY = \"{b}\"\n\ndef call():\n    return requests.post(\n        \
             \"https://api.voiceinfra.ai/v1/calls/outbound\",\n        headers={{\"X-API-Key\": \
             API_KEY}},\n    )\n"
        ),
    );
    dir.write(
        "docs/setup.md",
        format!(
            "# Setup\n\n```sh\ncurl -X POST https://api.voiceinfra.ai/v1/calls/outbound \\\n  -H \
             'X-API-Key: {c}'\n```\n"
        ),
    );
    (dir, vec![a, b, c])
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn exit_status_is_0_clean_1_findings_2_error() {
    let dir = TestDir::new();
    dir.write("src/app.py", "print('hello')\n");
    assert_eq!(dir.run(&["scan"]).status.code(), Some(0));
    let (dir, _) = small_project(1);
    assert_eq!(dir.run(&["scan"]).status.code(), Some(1));
    let out = dir.run(&["scan", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("does-not-exist: no such file or directory"),
        "{}",
        stderr_of(&out)
    );
    let out = dir.run(&["scan", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn finds_each_kind_at_the_right_place() {
    let (dir, _) = small_project(2);
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![
            (".env".into(), 1, "voiceinfra.api-key.assignment".into()),
            (
                "docs/setup.md".into(),
                5,
                "voiceinfra.api-key.header".into()
            ),
            (
                "src/client.py".into(),
                3,
                "voiceinfra.api-key.indirect".into()
            ),
        ]
    );
    let first = &report["findings"][0];
    assert_eq!(first["column"], 20);
    assert_eq!(first["end_column"], 52);
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn no_output_format_contains_a_raw_secret() {
    let (dir, secrets) = small_project(3);
    for format in ["text", "json", "jsonl", "sarif"] {
        let out = dir.run(&["scan", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
        for secret in &secrets {
            assert!(!all.contains(secret.as_str()), "{format} leaks {secret}");
            // Not even a long piece of it.
            assert!(
                !all.contains(&secret[..12]),
                "{format} leaks part of {secret}"
            );
        }
    }
    let out = dir.run(&["scan", "--format", "json", "--show-secrets"]);
    let shown = stdout_of(&out);
    assert!(secrets.iter().all(|s| shown.contains(s.as_str())));
}

#[test]
fn stdin_is_scanned_as_one_blob() {
    let mut keys = Keygen::new(4);
    let key = keys.key(32);
    let dir = TestDir::new();
    let out = dir
        .viscan()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(format!("x = 1\nVOICEINFRA_API_KEY={key}\n"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        hits(&report),
        vec![("<stdin>".into(), 2, "voiceinfra.api-key.assignment".into())]
    );
}

#[test]
fn ignore_files_hidden_files_and_git_dir() {
    let mut keys = Keygen::new(5);
    let dir = TestDir::new();
    let line = |k: &str| format!("VOICEINFRA_API_KEY={k}\n");
    dir.write(".gitignore", "ignored/\n");
    dir.write(".viscanignore", "vendor/\n");
    dir.write("ignored/a.env", line(&keys.key(32)));
    dir.write("vendor/b.env", line(&keys.key(32)));
    dir.write(".git/config.env", line(&keys.key(32)));
    dir.write(".github/workflows/ci.env", line(&keys.key(32)));
    dir.write(".env", line(&keys.key(32)));
    let (_, report) = dir.scan_json(&[]);
    let paths: Vec<String> = hits(&report).into_iter().map(|h| h.0).collect();
    assert_eq!(paths, vec![".env", ".github/workflows/ci.env"]);

    let (_, report) = dir.scan_json(&["--no-ignore"]);
    let paths: Vec<String> = hits(&report).into_iter().map(|h| h.0).collect();
    assert_eq!(
        paths,
        vec![
            ".env",
            ".github/workflows/ci.env",
            "ignored/a.env",
            "vendor/b.env"
        ]
    );

    // A path named on the command line is scanned even though it is ignored.
    let (_, report) = dir.scan_json(&["ignored/a.env"]);
    assert_eq!(hits(&report).len(), 1);
}

#[test]
fn ignored_build_output_is_mentioned_with_the_command_to_scan_it() {
    let dir = TestDir::new();
    dir.write(".gitignore", "dist/\n");
    dir.write("dist/app.js", "console.log(1)\n");
    let out = dir.run(&["scan"]);
    assert!(
        stdout_of(&out).contains("viscan scan --no-ignore dist"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn binary_files_have_their_strings_scanned_and_utf16_is_decoded() {
    let mut keys = Keygen::new(6);
    let (a, b) = (keys.key(32), keys.key(32));
    let dir = TestDir::new();
    // An executable: code bytes full of control characters, then a string table.
    let code: Vec<u8> = (0u32..6000).map(|i| (i * 37 % 251) as u8).collect();
    let mut binary = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    binary.extend_from_slice(&code);
    binary.extend_from_slice(format!("\0VOICEINFRA_API_KEY={a}\0usage: tool\0").as_bytes());
    binary.extend_from_slice(&code);
    dir.write("bin/tool", &binary);
    // Lines and columns are the file's own: newline bytes count, every other byte is a column.
    let at = binary
        .windows(a.len())
        .position(|w| w == a.as_bytes())
        .expect("key in binary");
    let line = binary[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = binary[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Another binary with no key in it.
    dir.write("bin/other", &code);
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in format!("# settings\r\nVOICEINFRA_API_KEY={b}\r\n").encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    dir.write("config/settings.ini", utf16);
    let (_, report) = dir.scan_json(&[]);
    let assign = "voiceinfra.api-key.assignment".to_string();
    assert_eq!(
        hits(&report),
        vec![
            ("bin/tool".into(), line, assign.clone()),
            ("config/settings.ini".into(), 2, assign)
        ]
    );
    assert_eq!(report["findings"][0]["binary"], true);
    assert_eq!(
        report["findings"][0]["column"],
        (at - line_start + 1) as u64
    );
    assert!(report["findings"][1].get("binary").is_none());
    assert_eq!(report["findings"][1]["column"], 20);
    assert_eq!(report["summary"]["binary"], 2);
}

#[test]
fn crlf_and_invalid_utf8_files_work() {
    let mut keys = Keygen::new(7);
    let (a, b) = (keys.key(32), keys.key(32));
    let dir = TestDir::new();
    dir.write(
        "win.env",
        format!("A=1\r\nVOICEINFRA_API_KEY={a}\r\nB=2\r\n"),
    );
    let mut latin1 = b"# caf\xe9 \xff\xfe settings\n".to_vec();
    latin1.extend_from_slice(b"\xe9\xe9");
    latin1.extend_from_slice(format!(" VOICEINFRA_API_KEY = \"{b}\"\n").as_bytes());
    dir.write("legacy.conf", latin1);
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(
        hits(&report),
        vec![
            (
                "legacy.conf".into(),
                2,
                "voiceinfra.api-key.assignment".into()
            ),
            ("win.env".into(), 2, "voiceinfra.api-key.assignment".into()),
        ]
    );
    let findings = report["findings"].as_array().expect("findings");
    // "éé VOICEINFRA_API_KEY = \"": invalid bytes count one column each.
    assert_eq!(findings[0]["column"], 26);
    assert_eq!(findings[1]["end_column"], 20 + 32);
}

#[test]
fn huge_minified_line_gives_exact_column_and_short_snippet() {
    let mut keys = Keygen::new(8);
    let key = keys.key(32);
    let filler = "var a=function(){return 1};".repeat(200_000);
    let prefix = format!(
        "{filler}fetch(\"https://api.voiceinfra.ai/v1/calls\",{{headers:{{\"X-API-Key\":\""
    );
    let content = format!("{prefix}{key}\"}}}});{filler}");
    let dir = TestDir::new();
    dir.write("web/dist/assets/index-8f3a9c1b.js", &content);
    let (_, report) = dir.scan_json(&[]);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report}");
    let f = &findings[0];
    assert_eq!(f["rule_id"], "voiceinfra.api-key.bundle");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["via_rule"], "voiceinfra.api-key.header");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], prefix.chars().count() as u64 + 1);
    let snippet = f["snippet"].as_str().expect("snippet");
    assert!(snippet.chars().count() <= 80, "{snippet}");
    let out = dir.run(&["scan"]);
    assert!(stdout_of(&out).contains("ships to every visitor"));
}

#[test]
fn symlinks_are_not_followed_unless_named() {
    let mut keys = Keygen::new(9);
    let outside = TestDir::new();
    let target = outside.write(
        "secret.env",
        format!("VOICEINFRA_API_KEY={}\n", keys.key(32)),
    );
    let dir = TestDir::new();
    dir.write("README.md", "hello\n");
    std::os::unix::fs::symlink(&target, dir.path().join("linked.env")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).expect("symlink");
    let (code, report) = dir.scan_json(&[]);
    assert_eq!((code, hits(&report).len()), (0, 0));
    let (code, report) = dir.scan_json(&["linked.env"]);
    assert_eq!((code, hits(&report).len()), (1, 1));
}

#[test]
fn large_files_are_skipped_with_a_warning() {
    let mut keys = Keygen::new(10);
    let dir = TestDir::new();
    let mut big = "# padding\n".repeat(2000);
    big.push_str(&format!("VOICEINFRA_API_KEY={}\n", keys.key(32)));
    dir.write("big.env", big);
    let out = dir.run(&["scan", "--max-file-size", "1K"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr_of(&out).contains("big.env: skipped:"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(dir.run(&["scan"]).status.code(), Some(1));
}

/// Returns a path the test process cannot read, even as root.
fn unreadable_file(dir: &TestDir) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.write("locked.env", "VOICEINFRA_API_KEY=x\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&path).is_err() {
        return path;
    }
    // Root reads anything chmod can lock; reading a process's own memory at offset 0 fails for
    // everyone.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    Path::new("/proc/self/mem").to_path_buf()
}

#[test]
fn unreadable_files_are_reported_and_the_scan_goes_on() {
    let (dir, _) = small_project(11);
    let locked = unreadable_file(&dir);
    let locked = locked.to_string_lossy().into_owned();
    let out = dir.run(&["scan", ".", &locked, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("viscan: error:") && stderr_of(&out).contains("mem")
            || stderr_of(&out).contains("locked.env"),
        "{}",
        stderr_of(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(hits(&report).len(), 3, "the other files were still scanned");
    assert_eq!(report["summary"]["errors"], true);
}

#[test]
fn output_file_is_written_atomically_and_stdout_stays_empty() {
    let (dir, _) = small_project(12);
    let out = dir.run(&["scan", "--format", "sarif", "-o", "out/report.sarif"]);
    assert_eq!(out.status.code(), Some(2), "missing parent dir is an error");
    std::fs::create_dir(dir.path().join("out")).expect("mkdir");
    let out = dir.run(&["scan", "--format", "sarif", "-o", "out/report.sarif"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let sarif: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("out/report.sarif")).expect("report written"),
    )
    .expect("json");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(3)
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .expect("read dir")
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    // Devices are written in place, never replaced.
    let out = dir.run(&["scan", "-o", "/dev/null"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        std::fs::metadata("/dev/null")
            .map(|m| !m.is_file())
            .unwrap_or(false)
    );
}

#[test]
fn clean_sarif_has_an_empty_results_array_and_every_rule() {
    let dir = TestDir::new();
    dir.write("a.txt", "nothing\n");
    let out = dir.run(&["scan", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(0));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["results"], Value::Array(vec![]));
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 10);
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(rule["help"]["markdown"].is_string());
        let tags = rule["properties"]["tags"].as_array().expect("tags");
        assert!(tags.contains(&Value::from("security")));
        assert!(rule["properties"]["security-severity"].is_string());
        assert!(rule["properties"]["precision"].is_string());
    }
}

#[test]
fn sarif_results_have_full_regions_and_line_free_fingerprints() {
    let mut keys = Keygen::new(13);
    let key = keys.key(32);
    let dir = TestDir::new();
    dir.write("app config.env", format!("VOICEINFRA_API_KEY={key}\n"));
    let first: Value =
        serde_json::from_slice(&dir.run(&["scan", "--format", "sarif"]).stdout).expect("json");
    let result = &first["runs"][0]["results"][0];
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "app%20config.env");
    assert_eq!(physical["region"]["startLine"], 1);
    assert_eq!(physical["region"]["startColumn"], 20);
    assert_eq!(physical["region"]["endLine"], 1);
    assert_eq!(physical["region"]["endColumn"], 52);
    let fingerprint = result["partialFingerprints"]["viscan/v1"].clone();
    assert!(fingerprint.is_string());
    // Lines inserted above: same fingerprint.
    dir.write(
        "app config.env",
        format!("# a\n# b\n\nVOICEINFRA_API_KEY={key}\n"),
    );
    let moved: Value =
        serde_json::from_slice(&dir.run(&["scan", "--format", "sarif"]).stdout).expect("json");
    let result = &moved["runs"][0]["results"][0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(result["partialFingerprints"]["viscan/v1"], fingerprint);
}

#[test]
fn output_is_identical_with_one_or_many_threads() {
    let mut keys = Keygen::new(14);
    let dir = TestDir::new();
    for i in 0..200 {
        let body = if i % 7 == 0 {
            format!("VOICEINFRA_API_KEY={}\n", keys.key(32))
        } else {
            format!("value_{i} = {i}\n")
        };
        dir.write(&format!("d{}/f{i}.env", i % 13), body);
    }
    let one = dir.run(&["scan", "--threads", "1", "--format", "jsonl"]);
    let many = dir.run(&["scan", "--threads", "8", "--format", "jsonl"]);
    assert_eq!(stdout_of(&one).lines().count(), 29);
    assert_eq!(stdout_of(&one), stdout_of(&many));
}

#[test]
fn text_report_is_grouped_by_file_with_a_summary() {
    let (dir, _) = small_project(15);
    let out = dir.run(&["scan", "--no-color"]);
    let text = stdout_of(&out);
    insta::with_settings!({filters => vec![(r"in \d+\.\d+s", "in [TIME]")]}, {
        insta::assert_snapshot!("text_report", text);
    });
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn json_report_snapshot() {
    let (dir, _) = small_project(15);
    let out = dir.run(&["scan", "--format", "json"]);
    insta::with_settings!({filters => vec![(r#""elapsed_seconds": [0-9.e-]+"#, r#""elapsed_seconds": "[TIME]""#)]}, {
        insta::assert_snapshot!("json_report", stdout_of(&out));
    });
}

#[test]
fn sarif_report_snapshot() {
    let (dir, _) = small_project(15);
    let out = dir.run(&["scan", "--format", "sarif"]);
    let version = env!("CARGO_PKG_VERSION");
    insta::with_settings!({filters => vec![(version, "[VERSION]")]}, {
        insta::assert_snapshot!("sarif_report", stdout_of(&out));
    });
}

#[test]
fn line_numbers_match_the_source() {
    let mut keys = Keygen::new(16);
    let key = keys.key(40);
    let text = format!(
        "package main\n\nfunc call(r *http.Request) {{\n\tr.Header.Set(\"X-API-Key\", \"{key}\")\n}}\n"
    );
    let dir = TestDir::new();
    dir.write("main.go", &text);
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(
        hits(&report),
        vec![(
            "main.go".into(),
            line_of(&text, &key),
            "voiceinfra.api-key.header".into()
        )]
    );
}

#[test]
fn this_repository_scans_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = crate::util::viscan()
        .args(["scan", root])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
}

#[test]
fn snippets_never_show_a_neighbouring_secret() {
    let mut keys = Keygen::new(17);
    let (a, b) = (keys.key(32), keys.key(32));
    let dir = TestDir::new();
    dir.write(
        "dist/app.min.js",
        format!(
            "var c={{baseUrl:\"https://api.voiceinfra.ai/v1\",apiKey:\"{a}\",secret:\"{b}\"}};"
        ),
    );
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(hits(&report).len(), 2, "{report}");
    let text = report.to_string();
    for secret in [&a, &b] {
        assert!(
            !text.contains(&secret[4..12]),
            "part of {secret} leaked: {text}"
        );
    }
}

/// The files scan shows a spinner line while stderr is a terminal (here a pseudo-terminal made
/// by `script`), cleared before the report; never with `-q`, and never when stderr is not a
/// terminal (hooks, CI logs, pipes).
#[test]
fn progress_is_shown_only_on_a_terminal() {
    let (dir, _) = small_project(11);
    let bin = env!("CARGO_BIN_EXE_viscan");
    let on_terminal = |args: &str| {
        let out = std::process::Command::new("script")
            .args([
                "-qec",
                &format!("'{bin}' scan --no-color {args}"),
                "/dev/null",
            ])
            .current_dir(dir.path())
            .env("TERM", "xterm")
            .output()
            .expect("script (util-linux) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = on_terminal("");
    assert!(shown.contains("files scanned"), "{shown}");
    // Erased (`ESC [2K`) before the report is printed.
    let erased = shown
        .rfind("\u{1b}[2K")
        .expect("the spinner line is erased");
    let report = shown.find("3 findings in 3 files").expect("the report");
    assert!(erased < report, "{shown}");
    assert!(!on_terminal("-q").contains("files scanned"));
    let out = dir.run(&["scan"]);
    assert!(
        !stderr_of(&out).contains("files scanned"),
        "{}",
        stderr_of(&out)
    );
}
