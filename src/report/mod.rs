//! Reports: findings (already sorted and filtered by `app`) written once, in one format, to one
//! writer. Stdout carries only the report; diagnostics go to stderr.
//!
//! No format ever contains a raw secret unless `show_secrets` is set: findings are written with
//! their redacted preview and redacted snippet.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::{self, Write};
use std::time::Duration;

use crate::finding::Finding;
use crate::rules::RuleSet;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, grouped by file.
    Text,
    /// One JSON document (see [`json`] for the schema).
    Json,
    /// One JSON object per finding per line.
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations (see [`github`]; the app adds the job summary).
    Github,
}

/// Totals for the closing summary.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Files (or, for history, unique blobs) scanned.
    pub num_files: u64,
    /// Commits walked (history only).
    pub num_commits: Option<u64>,
    /// Bytes scanned.
    pub num_bytes: u64,
    /// Binary files (or blobs) of which only printable strings were scanned.
    pub num_binary: u64,
    /// Files skipped as too large.
    pub num_skipped_large: u64,
    /// Whether something could not be read (the run exits 2).
    pub had_errors: bool,
    /// Wall time of the scan.
    pub elapsed: Duration,
    /// Tracked files that `.gitignore` matched, scanned all the same (git keeps them).
    pub num_tracked_ignored: u64,
    /// Tracked files that `.ignore` or `.viscanignore` (or an allowlisted path) kept out.
    pub num_tracked_excluded: u64,
    /// Git-ignored build-output folders the scan did not enter.
    pub ignored_build_dirs: Vec<String>,
    /// Findings dropped by inline markers, the ignore file, the allowlist and the baseline.
    pub suppressed: crate::allow::Suppressed,
    /// What the report must say about the audit itself: a decision file the audited range
    /// changes (issue 16). Shown in every format.
    pub notices: Vec<String>,
}

/// Everything a report needs.
pub struct ReportInput<'a> {
    /// Findings in output order.
    pub findings: &'a [Finding],
    /// The rules that ran (SARIF lists them all).
    pub rules: &'a RuleSet,
    /// Totals.
    pub summary: &'a Summary,
    /// Print raw secrets instead of redacted previews.
    pub show_secrets: bool,
    /// Use ANSI colours (text only).
    pub color: bool,
}

/// Writes `input` as `format` to `out`.
pub fn write(format: Format, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(input, out),
        Format::Json => json::write(input, out),
        Format::Jsonl => json::write_lines(input, out),
        Format::Sarif => sarif::write(input, out),
        Format::Github => github::write(input, out),
    }
}

/// What a report shows for a finding's value: the preview, or the secret with `--show-secrets`.
pub(crate) fn shown_value(finding: &Finding, show_secrets: bool) -> String {
    if show_secrets {
        String::from_utf8_lossy(finding.secret.expose()).into_owned()
    } else {
        finding.preview()
    }
}

/// The snippet a report shows.
pub(crate) fn shown_snippet(finding: &Finding, show_secrets: bool) -> &str {
    if show_secrets {
        &finding.snippet_raw
    } else {
        &finding.snippet
    }
}

/// The one-line message for a finding, shared by every format.
pub(crate) fn message(finding: &Finding, show_secrets: bool) -> String {
    let value = shown_value(finding, show_secrets);
    let message = if finding.is_reference {
        format!(
            "{}: the build inlines {value} into the browser bundle, so the key ships to every \
             visitor even though the source holds no literal",
            finding.rule_name
        )
    } else if finding.in_bundle {
        format!(
            "{} ({value}): this key ships to every visitor of the site; rotate it",
            finding.rule_name
        )
    } else if let Some(variable) = &finding.public_env {
        format!(
            "{} ({value}): {variable} is browser-public, so the build inlines this key into the \
             bundle and it ships to every visitor; rotate it",
            finding.rule_name
        )
    } else {
        format!("{} ({value})", finding.rule_name)
    };
    let message = if finding.decoded.is_empty() {
        message
    } else {
        format!("{message} [decoded: {}]", finding.decoded.join(", "))
    };
    match &finding.added_suppression {
        Some(added) => format!("{message} [{}]", added.describe()),
        None => message,
    }
}

/// Remediation shared by every rule's help text.
pub(crate) const REMEDIATION: &str = "Rotate the key in the VoiceInfra dashboard now: anyone who \
has read this file, its git history or a built bundle can place calls on your account. Then \
load it from the environment (VOICEINFRA_API_KEY) or a secrets manager, and purge it from git \
history (git filter-repo) if the repository was ever shared. Never ship it in front-end code: \
call VoiceInfra from your server.";
