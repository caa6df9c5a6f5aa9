//! JSON and JSON Lines reports.
//!
//! # Format
//!
//! `--format json` writes one document:
//!
//! ```text
//! {
//!   "version": 1,
//!   "findings": [ FINDING, ... ],
//!   "summary": {
//!     "findings": 3, "files": 120, "bytes": 52311,
//!     "commits": 40,                          history only; "files" then counts unique blobs
//!     "skipped_binary": 2, "skipped_large": 0, "errors": false,
//!     "elapsed_seconds": 0.012, "ignored_build_dirs": ["dist"],
//!     "suppressed": { "inline": 1, "ignore_file": 0, "allowlist": 0, "baseline": 2 }
//!   }
//! }
//! ```
//!
//! `--format jsonl` writes one FINDING per line and nothing else. A FINDING is:
//!
//! ```text
//! {
//!   "rule_id": "voiceinfra.api-key.header",   stable rule id
//!   "rule_name": "...", "severity": "low|medium|high|critical",
//!   "path": "src/client.py",                  as walked, `/`-separated; "<stdin>" for stdin
//!   "line": 12, "column": 19,                 1-based; columns count Unicode code points
//!   "end_line": 12, "end_column": 51,         column just after the secret
//!   "preview": "Gr4h*****",                   redacted value (the env name for public-env)
//!   "snippet": "...",                         ≤ ~80 chars around the value, redacted
//!   "fingerprint": "RULE:HASH:PATH",          stable across edits above the line
//!   "in_bundle": false,                       found in front-end build output
//!   "via_rule": null,                         rule that matched, when promoted to the bundle rule
//!   "commit": "9fceb02…", "author_name": "…",  history only: the commit that first introduced
//!   "author_email": "…", "date": "ISO 8601",  this blob at this path, and its author
//!   "present_at_head": false,                 history only: is the same secret in HEAD's tree
//!   "secret": "..."                           only with --show-secrets
//! }
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::{ReportInput, shown_snippet};
use crate::finding::Finding;

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    severity: &'a str,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    preview: String,
    snippet: &'a str,
    fingerprint: &'a str,
    in_bundle: bool,
    via_rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    present_at_head: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl<'a> JsonFinding<'a> {
    fn new(finding: &'a Finding, show_secrets: bool) -> JsonFinding<'a> {
        JsonFinding {
            rule_id: &finding.rule_id,
            rule_name: &finding.rule_name,
            severity: finding.severity.as_str(),
            path: finding.origin.display_path(),
            line: finding.location.line,
            column: finding.location.column,
            end_line: finding.location.end_line,
            end_column: finding.location.end_column,
            preview: finding.preview(),
            snippet: shown_snippet(finding, show_secrets),
            fingerprint: finding.fingerprint.as_str(),
            in_bundle: finding.in_bundle,
            via_rule: finding.via_rule.as_deref(),
            commit: finding.origin.commit.as_ref().map(|c| c.id.as_str()),
            author_name: finding
                .origin
                .commit
                .as_ref()
                .map(|c| c.author_name.as_str()),
            author_email: finding
                .origin
                .commit
                .as_ref()
                .map(|c| c.author_email.as_str()),
            date: finding.origin.commit.as_ref().map(|c| c.date.as_str()),
            present_at_head: finding.present_at_head,
            secret: show_secrets
                .then(|| String::from_utf8_lossy(finding.secret.expose()).into_owned()),
        }
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    findings: usize,
    files: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    commits: Option<u64>,
    bytes: u64,
    skipped_binary: u64,
    skipped_large: u64,
    errors: bool,
    elapsed_seconds: f64,
    ignored_build_dirs: &'a [String],
    suppressed: crate::allow::Suppressed,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary<'a>,
}

/// Writes the JSON document.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let summary = input.summary;
    let report = JsonReport {
        version: 1,
        findings: input
            .findings
            .iter()
            .map(|f| JsonFinding::new(f, input.show_secrets))
            .collect(),
        summary: JsonSummary {
            findings: input.findings.len(),
            files: summary.num_files,
            commits: summary.num_commits,
            bytes: summary.num_bytes,
            skipped_binary: summary.num_skipped_binary,
            skipped_large: summary.num_skipped_large,
            errors: summary.had_errors,
            elapsed_seconds: (summary.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            ignored_build_dirs: &summary.ignored_build_dirs,
            suppressed: summary.suppressed,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// Writes one finding per line.
pub fn write_lines(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in input.findings {
        serde_json::to_writer(&mut *out, &JsonFinding::new(finding, input.show_secrets))?;
        writeln!(out)?;
    }
    Ok(())
}
