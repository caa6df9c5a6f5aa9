//! `viscan report merge`: JSON reports made elsewhere (a CI matrix job per repository) read
//! back into findings ([`crate::report::json::read`]) and reported once, in any format, with
//! the keys grouped across them: the same key in three repositories is one key with three
//! repositories.

use std::path::Path;

use anyhow::Context;

use super::{MergeSettings, Settings, exit_status, write_report};
use crate::config::Config;
use crate::exit::ExitStatus;
use crate::report::{Summary, json};
use crate::rules::RuleSet;

/// The name a report's findings get when they name no repository: the file's stem
/// (`reports/web.json` → `web`).
fn report_name(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

pub(super) fn run(settings: &Settings, merge: &MergeSettings) -> anyhow::Result<ExitStatus> {
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    for path in &merge.reports {
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        let (more, totals) = json::read(&bytes, &report_name(path))
            .with_context(|| format!("{}", path.display()))?;
        findings.extend(more);
        summary.num_files += totals.num_files;
        summary.num_bytes += totals.num_bytes;
        summary.num_binary += totals.num_binary;
        summary.num_skipped_large += totals.num_skipped_large;
        summary.had_errors |= totals.had_errors;
        summary.notices.extend(totals.notices);
        if let Some(commits) = totals.num_commits {
            summary.num_commits = Some(summary.num_commits.unwrap_or(0) + commits);
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.now = super::now();
    // SARIF lists the rules: the built-in ones (custom rules of the original runs are not in
    // the reports; their results still carry their rule ids).
    let config = Config::default();
    let (custom, options) = config.rule_parts();
    let rules = RuleSet::load(custom, &options)?;
    write_report(&rules, &findings, &summary, &settings.output)?;
    Ok(exit_status(&findings))
}
