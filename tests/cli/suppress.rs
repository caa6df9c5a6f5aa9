//! Suppression, baselines and configuration: fingerprints that survive edits, inline markers,
//! `.viscanignore`, the config allowlist, baselines, custom rules and config errors, on each
//! source (files, history, staged).

use serde_json::Value;

use crate::util::{Keygen, TestDir, TestRepo, hits, json_outcome};

const ASSIGN: &str = "voiceinfra.api-key.assignment";

fn env_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key}\n")
}

fn fingerprints(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect()
}

#[test]
fn fingerprints_ignore_lines_but_not_secrets_or_paths() {
    let mut keys = Keygen::new(300);
    let (key, other) = (keys.key(32), keys.key(32));
    let dir = TestDir::new();
    dir.write("app.env", env_line(&key));
    let (_, first) = dir.scan_json(&[]);
    let print = fingerprints(&first);
    assert_eq!(print.len(), 1);
    assert!(
        print[0].starts_with("voiceinfra.api-key.assignment:") && print[0].ends_with(":app.env")
    );
    assert!(!print[0].contains(&key[..8]));
    dir.write(
        "app.env",
        format!("{}{}", "# padding\n".repeat(50), env_line(&key)),
    );
    let (_, moved) = dir.scan_json(&[]);
    assert_eq!(hits(&moved)[0].1, 51);
    assert_eq!(
        fingerprints(&moved),
        print,
        "inserting lines above keeps the fingerprint"
    );
    dir.write("app.env", env_line(&other));
    let (_, changed) = dir.scan_json(&[]);
    assert_ne!(
        fingerprints(&changed),
        print,
        "another secret, another fingerprint"
    );
    std::fs::rename(dir.path().join("app.env"), dir.path().join("renamed.env")).expect("rename");
    dir.write("renamed.env", env_line(&key));
    let (_, renamed) = dir.scan_json(&[]);
    assert_ne!(
        fingerprints(&renamed),
        print,
        "another path, another fingerprint"
    );
}

#[test]
fn inline_markers_on_files() {
    let mut keys = Keygen::new(301);
    let dir = TestDir::new();
    dir.write(
        "a.env",
        format!(
            "VOICEINFRA_API_KEY={} # viscan:allow\n# viscan:allow-next-line\nVOICEINFRA_API_KEY={}\n\
             VOICEINFRA_API_KEY={} # gitleaks:allow\nVOICEINFRA_API_KEY={} # pragma: allowlist secret\n\
             VOICEINFRA_API_KEY={}\n",
            keys.key(32),
            keys.key(32),
            keys.key(32),
            keys.key(32),
            keys.key(32)
        ),
    );
    dir.write("b.py", "x = 1  # viscan:allow\n");
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(hits(&report), vec![("a.env".into(), 6, ASSIGN.into())]);
    assert_eq!(report["summary"]["suppressed"]["inline"], 4);
    let out = dir.run(&["scan", "-v"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("unused: b.py:1: allow marker with no finding to allow"),
        "{stderr}"
    );
}

#[test]
fn ignore_file_globs_and_fingerprints() {
    let mut keys = Keygen::new(302);
    let dir = TestDir::new();
    dir.write("fixtures/keys.env", env_line(&keys.key(32)));
    dir.write("src/known.env", env_line(&keys.key(32)));
    dir.write("src/new.env", env_line(&keys.key(32)));
    let (_, report) = dir.scan_json(&[]);
    let known = report["findings"][1]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    assert!(known.ends_with(":src/known.env"));
    dir.write(
        ".viscanignore",
        format!("# test fixtures\nfixtures/\n\n{known}\nnothing-here/\n"),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("src/new.env".into(), 1, ASSIGN.into())]
    );
    assert_eq!(report["summary"]["suppressed"]["ignore_file"], 1);
    let out = dir.run(&["scan", "-v"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains(".viscanignore:5: path glob \"nothing-here/\" matched nothing"),
        "{stderr}"
    );
    // --ignore-file names another file; --no-ignore turns the default one off.
    dir.write("other-ignore", "src/\n");
    let (_, report) = dir.scan_json(&["--ignore-file", "other-ignore"]);
    assert_eq!(
        hits(&report),
        vec![("fixtures/keys.env".into(), 1, ASSIGN.into())]
    );
    let (_, report) = dir.scan_json(&["--no-ignore"]);
    assert_eq!(hits(&report).len(), 3);
}

#[test]
fn config_allowlist_rules_and_knobs() {
    let mut keys = Keygen::new(303);
    let dir = TestDir::new();
    let sandbox = format!("vi_sandbox_{}", keys.key(24));
    dir.write("a.env", env_line(&sandbox));
    dir.write("tests/b.env", env_line(&keys.key(32)));
    dir.write("c.env", env_line(&format!("vi_test_{}", keys.key(24))));
    dir.write(
        "d.py",
        format!(
            "BASE = \"https://api.voiceinfra.ai/v1\"\nTOKEN = \"{}\"\n",
            keys.key(32)
        ),
    );
    dir.write("e.env", env_line(&keys.key(18)));
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(hits(&report).len(), 5, "{report}");
    dir.write(
        ".viscan.toml",
        "[scan]\nmin_length = 20\n\n[rules]\ndisable = [\"voiceinfra.api-key.endpoint\"]\n\n\
         [allowlist]\npaths = [\"tests/\"]\nvalues = ['^vi_test_']\nstopwords = [\"SANDBOX\"]\n",
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!((code, hits(&report)), (0, vec![]), "{report}");
    // tests/ is pruned from the walk (never read), so only the value and stopword entries
    // count as suppressed findings.
    assert_eq!(report["summary"]["suppressed"]["allowlist"], 2);
    // The same config given explicitly, and through the environment.
    std::fs::rename(dir.path().join(".viscan.toml"), dir.path().join("cfg.toml")).expect("mv");
    let (code, _) = dir.scan_json(&["--config", "cfg.toml"]);
    assert_eq!(code, 0);
    let out = dir
        .viscan()
        .args(["scan", "--format", "json"])
        .env("VISCAN_CONFIG", "cfg.toml")
        .output()
        .expect("run");
    assert_eq!(json_outcome(&out).0, 0);
    let shown = dir.run(&["config", "show", "--config", "cfg.toml"]);
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    assert!(
        shown.contains("# from cfg.toml") && shown.contains("min_length = 20"),
        "{shown}"
    );
    assert!(shown.contains("max_file_size = \"100M\""), "{shown}");
}

#[test]
fn config_errors_name_the_file_the_line_and_the_key() {
    let dir = TestDir::new();
    dir.write("a.txt", "hello\n");
    let cases: &[(&str, &str)] = &[
        ("[scan]\nmax_file_sise = \"1M\"\n", "cfg.toml:2:1: "),
        (
            "[scan]\nmax_file_sise = \"1M\"\n",
            "unknown field `max_file_sise`",
        ),
        (
            "[allowlist]\nvalues = [\n  'ok',\n  '([unclosed',\n]\n",
            "cfg.toml:4: allowlist.values: bad regex",
        ),
        (
            "[rules]\ndisable = [\"voiceinfra.nope\"]\n",
            "no rule matches \"voiceinfra.nope\"",
        ),
        (
            "[scan]\nmax_file_size = \"lots\"\n",
            "scan.max_file_size: invalid size",
        ),
        (
            "[scan]\nbundle_paths = [\"a/{b\"]\n",
            "cfg.toml:2: scan.bundle_paths",
        ),
        (
            "[[custom_rules]]\nid = \"acme.token\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"high\"\nkeywords = [\"acme\"]\npatterns = [\n  '(?P<secret>[a-z]+',\n]\nexamples = []\nnegative_examples = []\n",
            "cfg.toml:8: rule acme.token: bad pattern",
        ),
        ("not toml at all [", "cfg.toml"),
    ];
    for (config, expected) in cases {
        dir.write("cfg.toml", config);
        let out = dir.run(&["scan", "--config", "cfg.toml"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{config}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{config}: expected {expected:?} in {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "nothing is scanned after a config error"
        );
    }
    let out = dir.run(&["scan", "--config", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

#[test]
fn custom_rules_run_and_their_examples_are_checked() {
    let mut keys = Keygen::new(304);
    let dir = TestDir::new();
    let rule = |example: &str| {
        format!(
            "[[custom_rules]]\nid = \"acme.deploy-token\"\nname = \"ACME deploy token\"\n\
             description = \"An ACME deploy token.\"\nseverity = \"medium\"\nkeywords = [\"acme_deploy\"]\n\
             patterns = ['''(?i)acme_deploy_token\\s*=\\s*[\"']?(?P<secret>[A-Za-z0-9]{{16,64}})''']\n\
             examples = [{example}]\nnegative_examples = ['ACME_DEPLOY_TOKEN=${{TOKEN}}', 'ACME_DEPLOY_TOKEN=<token>', \
             'acme_deploy_token = os.environ', 'ACME_DEPLOY_TOKEN=xxxxxxxxxxxxxxxx', 'ACME_DEPLOY_TOKEN=']\n"
        )
    };
    let fake: Vec<String> = (0..5)
        .map(|_| format!("'ACME_DEPLOY_TOKEN={}'", keys.key(24)))
        .collect();
    dir.write(".viscan.toml", rule(&fake.join(", ")));
    let out = dir.run(&["rules", "check", "--verbose"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("11 rules"));
    dir.write(
        "deploy.sh",
        format!("export ACME_DEPLOY_TOKEN={}\n", keys.key(24)),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![("deploy.sh".into(), 1, "acme.deploy-token".into())]
    );
    // An example the rule does not match fails the check.
    dir.write(
        ".viscan.toml",
        rule(&format!("{}, 'nothing to see'", fake[..4].join(", "))),
    );
    let out = dir.run(&["rules", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("acme.deploy-token: example 5 is not reported"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn baselines_are_byte_identical_and_hide_only_known_findings() {
    let mut keys = Keygen::new(305);
    let (known, fresh) = (keys.key(32), keys.key(32));
    let dir = TestDir::new();
    dir.write("config/app.env", format!("A=1\n{}", env_line(&known)));
    dir.write("b.env", env_line(&keys.key(32)));
    let out = dir.run(&["baseline", "scan", ".", "-o", "base.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = std::fs::read(dir.path().join("base.json")).expect("baseline");
    let text = String::from_utf8_lossy(&first).into_owned();
    assert!(
        !text.contains(&known) && !text.contains(&known[..8]),
        "no secret in the baseline"
    );
    assert_eq!(
        dir.run(&["baseline", "scan", ".", "-o", "base.json"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        std::fs::read(dir.path().join("base.json")).expect("baseline"),
        first
    );
    // The baselined tree is clean; the summary says what was hidden.
    let (code, report) = dir.scan_json(&["--baseline", "base.json"]);
    assert_eq!((code, hits(&report).len()), (0, 0));
    assert_eq!(report["summary"]["suppressed"]["baseline"], 2);
    let text_out = dir.run(&["scan", "--baseline", "base.json"]);
    assert!(String::from_utf8_lossy(&text_out.stdout).contains("hidden: 2 by the baseline"));
    // Moving the secret down 50 lines keeps it baselined; copying it to a new file does not; a
    // new leak is reported.
    dir.write(
        "config/app.env",
        format!("A=1\n{}{}", "# note\n".repeat(50), env_line(&known)),
    );
    dir.write("config/copy.env", env_line(&known));
    dir.write("c.env", env_line(&fresh));
    let (code, report) = dir.scan_json(&["--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        vec![
            ("c.env".into(), 1, ASSIGN.into()),
            ("config/copy.env".into(), 1, ASSIGN.into()),
        ]
    );
    // Default output name.
    assert_eq!(dir.run(&["baseline", "scan"]).status.code(), Some(0));
    assert!(dir.path().join(".viscan-baseline.json").is_file());
    // A file that is not a baseline is an error.
    dir.write("bad.json", "{\"nope\": 1}");
    assert_eq!(
        dir.run(&["scan", "--baseline", "bad.json"]).status.code(),
        Some(2)
    );
}

#[test]
fn suppression_on_history_and_staged() {
    let mut keys = Keygen::new(306);
    let repo = TestRepo::new();
    repo.commit(
        &[
            (
                "allowed.env",
                &format!("VOICEINFRA_API_KEY={} # viscan:allow\n", keys.key(32)),
            ),
            ("fixtures/x.env", &env_line(&keys.key(32))),
            ("old.env", &env_line(&keys.key(32))),
        ],
        "first",
    );
    repo.dir.write(".viscanignore", "fixtures/\n");
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        crate::util::hits(&report),
        vec![("old.env".into(), 1, ASSIGN.into())]
    );
    assert_eq!(report["summary"]["suppressed"]["inline"], 1);
    assert_eq!(report["summary"]["suppressed"]["ignore_file"], 1);
    // A history baseline: entries carry the commit; they match the same leak at any commit.
    let out = repo.viscan(&["baseline", "history", "-o", "hist.json"]);
    assert_eq!(out.status.code(), Some(0));
    let baseline: Value =
        serde_json::from_slice(&std::fs::read(repo.dir.path().join("hist.json")).expect("read"))
            .expect("json");
    assert!(baseline["findings"][0]["commit"].is_string());
    let (code, _) = repo.history_json(&["--baseline", "hist.json"]);
    assert_eq!(code, 0);
    // Staged: the baseline and markers apply to the pre-commit check too.
    repo.dir.write(
        "new.env",
        format!("VOICEINFRA_API_KEY={} # viscan:allow\n", keys.key(32)),
    );
    repo.git(&["add", "new.env"]);
    let out = repo.viscan(&["staged", "--format", "json"]);
    let (code, report) = json_outcome(&out);
    assert_eq!(
        (code, report["summary"]["suppressed"]["inline"].as_u64()),
        (0, Some(1))
    );
    // ... and .viscanignore, the config allowlist and a staged baseline.
    repo.git(&["reset", "-q"]);
    repo.dir.write("fixtures/y.env", env_line(&keys.key(32)));
    repo.dir.write(
        "sandbox.env",
        env_line(&format!("vi_sandbox_{}", keys.key(24))),
    );
    repo.dir.write("leak.env", env_line(&keys.key(32)));
    repo.dir
        .write(".viscan.toml", "[allowlist]\nstopwords = [\"sandbox\"]\n");
    repo.git(&["add", "fixtures/y.env", "sandbox.env", "leak.env"]);
    let (code, report) = json_outcome(&repo.viscan(&["staged", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(
        crate::util::hits(&report),
        vec![("leak.env".into(), 1, ASSIGN.into())]
    );
    assert_eq!(report["summary"]["suppressed"]["ignore_file"], 1);
    assert_eq!(report["summary"]["suppressed"]["allowlist"], 1);
    let out = repo.viscan(&["baseline", "staged", "-o", "staged.json"]);
    assert_eq!(out.status.code(), Some(0));
    let out = repo.viscan(&["staged", "--format", "json", "--baseline", "staged.json"]);
    let (code, report) = json_outcome(&out);
    assert_eq!(
        (code, report["summary"]["suppressed"]["baseline"].as_u64()),
        (0, Some(1))
    );
}

#[test]
fn config_bundle_paths_mark_more_bundles() {
    let mut keys = Keygen::new(307);
    let dir = TestDir::new();
    dir.write(
        "web/js/app.js",
        format!(
            "const headers = {{ \"X-API-Key\": \"{}\" }};\n",
            keys.key(32)
        ),
    );
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(
        report["findings"][0]["rule_id"],
        "voiceinfra.api-key.header"
    );
    dir.write(".viscan.toml", "[scan]\nbundle_paths = [\"web/js/**\"]\n");
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(
        report["findings"][0]["rule_id"],
        "voiceinfra.api-key.bundle"
    );
    assert_eq!(report["findings"][0]["severity"], "critical");
}
