//! `viscan rules`: the rule self-check runs every example, and list/show work.

use crate::util::viscan;

#[test]
fn rules_check_passes_on_the_builtin_rules() {
    let out = viscan()
        .args(["rules", "check", "--verbose"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 problems"), "{stdout}");
}

#[test]
fn rules_list_names_every_rule_id() {
    let out = viscan().args(["rules", "list"]).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in [
        "voiceinfra.webhook-secret",
        "voiceinfra.api-key.assignment",
        "voiceinfra.api-key.header",
        "voiceinfra.api-key.indirect",
        "voiceinfra.api-key.endpoint",
        "voiceinfra.api-key.public-env",
        "voiceinfra.api-key.bundle",
        "generic.x-api-key",
    ] {
        assert!(stdout.contains(id), "{id} missing from:\n{stdout}");
    }
}

#[test]
fn rules_show_prints_one_rule_and_rejects_unknown_ids() {
    let out = viscan()
        .args(["rules", "show", "voiceinfra.api-key.bundle"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("severity:    critical"), "{stdout}");
    let out = viscan()
        .args(["rules", "show", "nope.nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule with id"));
}
