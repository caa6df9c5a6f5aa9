//! Hostile trees and repositories (issue 18): files the tree names are never read outside it or
//! through links, what was read is never echoed, an allow marker counts only in a comment, and
//! a NUL byte or an ignore rule does not hide a file.

use std::process::Output;

use crate::util::{Keygen, TestDir, TestRepo, base64, hits, json_outcome};

const ASSIGN: &str = "voiceinfra.api-key.assignment";
const BUNDLE: &str = "voiceinfra.api-key.bundle";

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

use crate::util::output_text as everything;

/// A bundle line that sends `key` to VoiceInfra.
fn bundle_with(key: &str) -> String {
    format!(
        "!function(){{const a={{baseUrl:\"https://api.voiceinfra.ai/v1\",apiKey:\"{key}\"}};fetch(a.baseUrl+\"/calls\",{{headers:{{\"X-API-Key\":a.apiKey}}}})}}();\n"
    )
}

#[cfg(unix)]
#[test]
fn a_symlinked_config_is_refused_without_echoing_its_target() {
    let mut keys = Keygen::new(1801);
    let key = keys.key(32);
    let repo = TestRepo::new();
    repo.commit(&[("app.py", "print('hello')\n")], "init");
    // A credentials-like file outside the repository, and the environment, both hold the key.
    let outside = TestDir::new();
    let creds = outside.write(
        "credentials",
        format!("[default]\nVOICEINFRA_API_KEY = {key}\nnot toml at all {key}\n"),
    );
    for target in [creds.as_path(), std::path::Path::new("/proc/self/environ")] {
        let link = repo.dir.path().join(".viscan.toml");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).expect("symlink");
        for args in [
            &["scan", "."][..],
            &["history", "."][..],
            &["staged"][..],
            &["scan", ".", "--format", "github"][..],
        ] {
            let mut cmd = repo.dir.viscan();
            cmd.args(args)
                .env("VISCAN_TEST_LEAK", &key)
                .env_remove("GIT_DIR")
                .env_remove("GIT_INDEX_FILE");
            let out = cmd.output().expect("run viscan");
            let all = everything(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
            assert!(
                !all.contains(&key[..8]),
                "{args:?} echoed the target: {all}"
            );
            assert!(
                stderr_of(&out).contains(
                    ".viscan.toml: refusing to read this config file: it is a symbolic link"
                ),
                "{args:?}: {all}"
            );
            assert!(
                out.stdout.is_empty(),
                "nothing is scanned after a config error"
            );
        }
    }
}

#[test]
fn toml_errors_give_the_place_not_the_content() {
    let mut keys = Keygen::new(1802);
    let key = keys.key(32);
    let dir = TestDir::new();
    dir.write("a.txt", "hello\n");
    for config in [
        format!("VOICEINFRA_API_KEY={key} and more\n"),
        format!("[scan]\nmin_length = \"{key}\"\n"),
        format!("[scan]\n{key} = 1\n"),
    ] {
        dir.write(".viscan.toml", &config);
        let out = dir.run(&["scan", "."]);
        let all = everything(&out);
        assert_eq!(out.status.code(), Some(2), "{all}");
        assert!(all.contains(".viscan.toml:"), "{all}");
        assert!(!all.contains(&key[..8]), "echoed: {all}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_or_special_ignore_file_is_not_applied() {
    let mut keys = Keygen::new(1803);
    let key = keys.key(32);
    let dir = TestDir::new();
    dir.write("app.env", format!("VOICEINFRA_API_KEY={key}\n"));
    // Would hide everything if it were read.
    let outside = TestDir::new();
    let ignore_all = outside.write("ignore", "*\n");
    std::os::unix::fs::symlink(&ignore_all, dir.path().join(".viscanignore")).expect("symlink");
    let out = dir.run(&["scan", ".", "--format", "json"]);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1, "{}", stderr_of(&out));
    assert_eq!(hits(&report), vec![("app.env".into(), 1, ASSIGN.into())]);
    assert!(
        stderr_of(&out).contains(".viscanignore: refusing to read this ignore file"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_source_map_reference_outside_the_root_is_refused() {
    let mut keys = Keygen::new(1804);
    let key = keys.key(32);
    let parent = TestDir::new();
    // A map outside the scanned root whose `sources` names must not appear anywhere.
    parent.write(
        "outside.js.map",
        r#"{"version":3,"sources":["OUTSIDE-SECRET-NAME.ts"],"mappings":"AAAA"}"#,
    );
    let bundle = format!(
        "{}//# sourceMappingURL=../../../outside.js.map\n",
        bundle_with(&key)
    );
    parent.write("site/dist/assets/app.js", &bundle);
    let mut cmd = parent.viscan();
    cmd.args(["scan", "site", "--format", "json"]);
    let out = cmd.output().expect("run");
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("site/dist/assets/app.js".into(), 1, BUNDLE.into())]
    );
    assert!(report["findings"][0].get("original_path").is_none());
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("source map") && stderr.contains("outside the scanned root"),
        "{stderr}"
    );
    assert!(!everything(&out).contains("OUTSIDE-SECRET-NAME"));
    // `/proc/self/pagemap` through `../`: refused at once, never read.
    let bundle = format!(
        "{}//# sourceMappingURL=../../../../../../../../../../proc/self/pagemap\n",
        bundle_with(&key)
    );
    parent.write("site/dist/assets/app.js", &bundle);
    let started = std::time::Instant::now();
    let out = parent.run(&["scan", "site", "--format", "json"]);
    assert_eq!(json_outcome(&out).0, 1);
    assert!(started.elapsed().as_secs() < 20);
    assert!(stderr_of(&out).contains("not read"), "{}", stderr_of(&out));
}

#[test]
fn an_allow_marker_outside_a_comment_does_not_hide_a_key() {
    let mut keys = Keygen::new(1805);
    let (a, b, c, d) = (keys.key(32), keys.key(32), keys.key(32), keys.key(32));
    let dir = TestDir::new();
    dir.write(
        "src/client.js",
        format!(
            "const VOICEINFRA_API_KEY = \"{a}\"; var t = \"viscan:allow\";\n\
             const voiceinfraApiKey = '{b}'; const u = 'https://h/?q=1#gitleaks:allow';\n\
             const VOICEINFRA_WEBHOOK_SECRET = \"{c}\"; // viscan:allow\n"
        ),
    );
    // A source map whose dependency source carries a detect-secrets pragma on the one JSON
    // line: it must not hide the key in the app's own source.
    let app = format!("export const VOICEINFRA_API_KEY = \"{d}\";\n");
    let map = format!(
        "{{\"version\":3,\"sources\":[\"node_modules/dep/index.js\",\"src/app.ts\"],\"sourcesContent\":[{},{}],\"names\":[\"viscan:allow\"],\"mappings\":\"AAAA\"}}",
        serde_json::to_string("const k = 1; // pragma: allowlist secret\n").expect("json"),
        serde_json::to_string(&app).expect("json"),
    );
    dir.write("web/dist/app.js.map", &map);
    let (code, report) = dir.scan_json(&["."]);
    assert_eq!(code, 1);
    let got = hits(&report);
    assert_eq!(
        got,
        vec![
            ("src/client.js".into(), 1, ASSIGN.into()),
            ("src/client.js".into(), 2, ASSIGN.into()),
            ("web/dist/app.js.map".into(), 1, BUNDLE.into()),
        ],
        "{report:#}"
    );
    assert_eq!(report["summary"]["suppressed"]["inline"], 1);
    // A marker in a comment on the key's own line in the original source still counts.
    let app = format!("export const VOICEINFRA_API_KEY = \"{d}\"; // viscan:allow\n");
    let map = format!(
        "{{\"version\":3,\"sources\":[\"src/app.ts\"],\"sourcesContent\":[{}],\"mappings\":\"AAAA\"}}",
        serde_json::to_string(&app).expect("json"),
    );
    dir.write("web/dist/app.js.map", &map);
    let (_, report) = dir.scan_json(&["."]);
    assert_eq!(report["summary"]["suppressed"]["inline"], 2);
}

#[test]
fn one_nul_byte_does_not_hide_a_file() {
    let mut keys = Keygen::new(1806);
    let (a, b) = (keys.key(32), keys.key(32));
    let bundle = format!("/*\0*/{}", bundle_with(&a));
    let env = format!("# \0\nVOICEINFRA_API_KEY={b}\n");
    let expected: Vec<(String, u64, String)> = vec![
        (".env".into(), 2, ASSIGN.into()),
        ("dist/app.js".into(), 1, BUNDLE.into()),
    ];

    let dir = TestDir::new();
    dir.write("dist/app.js", &bundle);
    dir.write(".env", &env);
    let (code, report) = dir.scan_json(&["--no-ignore", "."]);
    assert_eq!(code, 1);
    assert_eq!(hits(&report), expected);
    assert!(report["findings"][0].get("binary").is_none());

    let repo = TestRepo::new();
    repo.commit(&[("README.md", "demo\n")], "init");
    repo.dir.write("dist/app.js", &bundle);
    repo.dir.write(".env", &env);
    repo.git(&["add", "-f", "dist/app.js", ".env"]);
    let (code, report) = json_outcome(&repo.viscan(&["staged", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(hits(&report), expected, "staged");
    repo.commit(&[], "add");
    let (code, report) = repo.history_json(&["."]);
    assert_eq!(code, 1);
    assert_eq!(hits(&report), expected, "history");
}

#[test]
fn tracked_files_are_scanned_even_when_gitignore_matches_them() {
    let mut keys = Keygen::new(1807);
    let (a, b, c) = (keys.key(32), keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    repo.dir.write(".gitignore", "*.env\nlocal/\n");
    repo.dir
        .write("prod.env", format!("VOICEINFRA_API_KEY={a}\n"));
    repo.dir
        .write("local/dev.env", format!("VOICEINFRA_API_KEY={b}\n"));
    repo.git(&["add", ".gitignore"]);
    repo.git(&["add", "-f", "prod.env", "local/dev.env"]);
    repo.commit(&[], "init");
    // Untracked and ignored: still skipped, as before.
    repo.dir
        .write("scratch.env", format!("VOICEINFRA_API_KEY={c}\n"));
    // `*` in a nested `.ignore`: the owner excluded it on purpose; say so.
    repo.dir.write("local/.ignore", "*\n");
    let out = repo.viscan(&["scan", ".", "--format", "json"]);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 1);
    assert_eq!(hits(&report), vec![("prod.env".into(), 1, ASSIGN.into())]);
    assert_eq!(report["summary"]["tracked_ignored"], 1);
    assert_eq!(report["summary"]["tracked_excluded"], 1);
    let out = repo.viscan(&["scan", ".", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 tracked file matched by .gitignore was scanned"),
        "{text}"
    );
    assert!(
        text.contains("excluded: 1 tracked file by .ignore"),
        "{text}"
    );
}

#[test]
fn a_kubernetes_secret_with_only_base64_is_decoded() {
    let mut keys = Keygen::new(1808);
    let key = keys.key(32);
    let env = format!("VOICEINFRA_API_KEY={key}\nLOG_LEVEL=info\n");
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dialer\ntype: Opaque\ndata:\n  app.env: {}\n",
        base64(env.as_bytes())
    );
    let dir = TestDir::new();
    dir.write("k8s/secret.yaml", &secret);
    let (code, report) = dir.scan_json(&["."]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("k8s/secret.yaml".into(), 7, ASSIGN.into())]
    );
    assert_eq!(report["findings"][0]["decoded"][0], "base64");
}

#[test]
fn source_map_source_names_are_escaped_in_human_output() {
    let mut keys = Keygen::new(1809);
    let key = keys.key(32);
    let app = format!("export const VOICEINFRA_API_KEY = \"{key}\";\n");
    let name = "src/app.ts\n::error::forged\u{1b}[2J\u{202e}";
    let map = format!(
        "{{\"version\":3,\"sources\":[{}],\"sourcesContent\":[{}],\"mappings\":\"AAAA\"}}",
        serde_json::to_string(name).expect("json"),
        serde_json::to_string(&app).expect("json"),
    );
    let dir = TestDir::new();
    dir.write("web/dist/app.js.map", &map);
    for format in ["text", "github"] {
        let out = dir.run(&["scan", ".", "--no-color", "--format", format]);
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'),
            "{stdout}"
        );
        assert!(
            !stdout.lines().any(|l| l.starts_with("::error::forged")),
            "{format}: {stdout}"
        );
        assert!(stdout.contains("web/dist/app.js.map"), "{stdout}");
    }
    // JSON keeps the exact name.
    let (_, report) = dir.scan_json(&["."]);
    assert_eq!(report["findings"][0]["original_path"], name);
}
