//! Reports: findings (already sorted and filtered by `app`) written once, in one format, to one
//! writer. Stdout carries only the report; diagnostics go to stderr.
//!
//! Every format renders the same grouped report: the findings (places) and the [`Key`]s they
//! group into (distinct secret values, what an auditor rotates), grouped once by the app.
//!
//! No format ever contains a raw secret unless `show_secrets` is set: findings are written with
//! their redacted preview and redacted snippet.

pub mod github;
pub mod html;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::{self, Write};
use std::time::Duration;

use crate::finding::{Finding, Precision, Severity};
use crate::rules::Rule;

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
    /// One self-contained HTML page for an audit (see [`html`]).
    Html,
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
    /// When the report was made (Unix seconds): exposure durations count up to it.
    pub now: i64,
}

/// One distinct secret value and the findings that hold it: a key to rotate. Grouped once, by
/// the app, after suppression; every format shows the same keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Stable id from the value ([`crate::finding::Secret::id`]), never the value.
    pub id: String,
    /// Indices of its findings in [`ReportInput::findings`], in report order (never empty).
    pub findings: Vec<usize>,
    /// Ids of the rules that found it, sorted.
    pub rules: Vec<std::sync::Arc<str>>,
    /// The highest severity among its findings.
    pub severity: Severity,
    /// History: the finding with the oldest commit date (the exposure started there).
    pub first_seen: Option<usize>,
    /// History: the finding with the newest commit date (the last commit that introduced it).
    pub last_seen: Option<usize>,
    /// History, for a key no longer at HEAD: the finding whose place was removed last
    /// ([`Finding::removed_in`] with the newest date). `None` while at HEAD, and when some
    /// place of the key has no known removal (a commit message, a branch other than HEAD's):
    /// then when it left HEAD is not known.
    pub removed: Option<usize>,
    /// Unix time of `first_seen`'s commit.
    pub first_seen_unix: Option<i64>,
    /// History: whether it is still in HEAD's tree (in any repository).
    pub present_at_head: Option<bool>,
    /// Whether it shipped to browsers: in a front-end bundle, a source map, or a browser-public
    /// environment variable.
    pub public: bool,
    /// The repositories it was found in (multi-repository audits and merged reports), sorted.
    pub repositories: Vec<String>,
}

/// What a report says about a rule: enough for SARIF's rule descriptors, and kept in JSON
/// reports (`rules`) so that `report merge` can describe custom rules it never loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportRule {
    /// Stable id (`provider.kind`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// What it finds.
    pub description: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// How often its findings are true positives.
    pub precision: Precision,
    /// Documentation links.
    #[serde(default)]
    pub references: Vec<String>,
}

impl ReportRule {
    /// The report's view of a loaded rule.
    pub fn of(rule: &Rule) -> ReportRule {
        ReportRule {
            id: rule.id.to_string(),
            name: rule.name.to_string(),
            description: rule.description.clone(),
            severity: rule.severity,
            precision: rule.precision,
            references: rule.references.clone(),
        }
    }

    /// The report's view of every rule of `rules`, in order.
    pub fn all(rules: &crate::rules::RuleSet) -> Vec<ReportRule> {
        rules.rules().iter().map(ReportRule::of).collect()
    }

    /// A stand-in for a rule known only from a finding (a merged report that predates the
    /// `rules` list, made with a custom rule): its name as description, medium precision.
    pub fn from_finding(finding: &Finding) -> ReportRule {
        ReportRule {
            id: finding.rule_id.to_string(),
            name: finding.rule_name.to_string(),
            description: finding.rule_name.to_string(),
            severity: finding.severity,
            precision: Precision::Medium,
            references: Vec::new(),
        }
    }
}

impl Key {
    /// Whole days from `first_seen` to `now`.
    pub fn days_exposed(&self, now: i64) -> Option<i64> {
        self.first_seen_unix
            .map(|since| (now.saturating_sub(since)).max(0) / 86_400)
    }

    /// "Exposed since", as the keys tables show it: `2024-01-02 (9 days)`, `-` without history.
    pub fn since_text(&self, now: i64) -> String {
        match self.first_seen_unix {
            Some(since) => format!(
                "{} ({} days)",
                &crate::time::format_iso8601(since, 0)[..10],
                self.days_exposed(now).unwrap_or(0)
            ),
            None => "-".to_string(),
        }
    }

    /// "At HEAD", as every keys table shows it: `yes`, `removed 2024-01-13` (the day of
    /// [`Key::removed`]), `removed (date unknown)`, or `-` without history. Not escaped.
    pub fn at_head_text(&self, findings: &[Finding]) -> String {
        let removed = self.removed.and_then(|i| findings[i].removed_in.as_deref());
        match (self.present_at_head, removed) {
            (Some(true), _) => "yes".to_string(),
            // The UTC day, as "exposed since" shows it.
            (Some(false), Some(commit)) => match crate::time::parse_date(&commit.date) {
                Ok(unix) => format!("removed {}", &crate::time::format_iso8601(unix, 0)[..10]),
                Err(_) => format!("removed {}", commit.date.get(..10).unwrap_or(&commit.date)),
            },
            (Some(false), None) => "removed (date unknown)".to_string(),
            (None, _) => "-".to_string(),
        }
    }
}

/// Everything a report needs.
pub struct ReportInput<'a> {
    /// Findings in output order.
    pub findings: &'a [Finding],
    /// The keys the findings group into, most severe first.
    pub keys: &'a [Key],
    /// The rules that ran (SARIF lists them all; JSON keeps those its findings use).
    pub rules: &'a [ReportRule],
    /// Totals.
    pub summary: &'a Summary,
    /// Print raw secrets instead of redacted previews.
    pub show_secrets: bool,
    /// Use ANSI colours (text only).
    pub color: bool,
}

impl ReportInput<'_> {
    /// The repositories the keys were found in, sorted, each once: a report covering more
    /// than one shows a repository column.
    pub fn repositories(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .keys
            .iter()
            .flat_map(|k| k.repositories.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Writes `input` as `format` to `out`.
pub fn write(format: Format, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(input, out),
        Format::Json => json::write(input, out),
        Format::Jsonl => json::write_lines(input, out),
        Format::Sarif => sarif::write(input, out),
        Format::Github => github::write(input, out),
        Format::Html => html::write(input, out),
    }
}

/// What a report shows for a finding's value: the preview, or the secret with `--show-secrets`.
pub(crate) fn shown_value(finding: &Finding, show_secrets: bool) -> String {
    // A key read back from a report written without `--show-secrets` has only its preview.
    if show_secrets && finding.secret.is_known() {
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
