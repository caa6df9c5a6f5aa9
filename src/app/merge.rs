//! `viscan report merge`: JSON reports made elsewhere (a CI matrix job per repository) read
//! back into findings ([`crate::report::json::read`]) and reported once, in any format, with
//! the keys grouped across them: the same key in three repositories is one key with three
//! repositories.

use std::path::Path;

use anyhow::Context;

use super::{MergeSettings, Settings, exit_status, write_report};
use crate::config::Config;
use crate::exit::ExitStatus;
use crate::report::{ReportRule, Summary, json};
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
    let mut described: Vec<ReportRule> = Vec::new();
    for path in &merge.reports {
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        let (more, totals, rules) = json::read(&bytes, &report_name(path))
            .with_context(|| format!("{}", path.display()))?;
        findings.extend(more);
        described.extend(rules);
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
    let config = Config::default();
    let (custom, options) = config.rule_parts();
    let builtin = RuleSet::load(custom, &options)?;
    let rules = merged_rules(&builtin, described, &findings);
    write_report(&rules, &findings, &summary, &settings.output)?;
    Ok(exit_status(&findings))
}

/// The rules a merged report lists (SARIF's `tool.driver.rules`): the built-in ones, each as
/// the reports describe it when they do (a config may have changed it), then the reports'
/// custom rules, then a stand-in ([`ReportRule::from_finding`]) for any rule a finding names
/// that no report describes (reports written before JSON kept `rules`). The first report
/// that describes a rule wins.
fn merged_rules(
    builtin: &RuleSet,
    described: Vec<ReportRule>,
    findings: &[crate::finding::Finding],
) -> Vec<ReportRule> {
    let mut rules = ReportRule::all(builtin);
    let mut from_reports: Vec<ReportRule> = Vec::new();
    for rule in described {
        if !from_reports.iter().any(|r| r.id == rule.id) {
            from_reports.push(rule);
        }
    }
    for rule in from_reports {
        match rules.iter_mut().find(|r| r.id == rule.id) {
            Some(known) => *known = rule,
            None => rules.push(rule),
        }
    }
    for finding in findings {
        if !rules.iter().any(|r| *r.id == *finding.rule_id) {
            rules.push(ReportRule::from_finding(finding));
        }
    }
    rules
}
