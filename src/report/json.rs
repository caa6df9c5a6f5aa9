//! JSON and JSON Lines reports.
//!
//! # Format
//!
//! `--format json` writes one document:
//!
//! ```text
//! {
//!   "version": 2,                             [`SCHEMA_VERSION`]; `report merge` reads only this
//!   "findings": [ FINDING, ... ],
//!   "secrets": [ SECRET, ... ],               the distinct keys the findings hold (below)
//!   "rules": [ RULE, ... ],                   the rules the findings come from (below); read
//!                                             back by `report merge` for its SARIF (reports
//!                                             without it still merge)
//!   "summary": {
//!     "findings": 3, "files": 120, "bytes": 52311,
//!     "commits": 40,                          history only; "files" then counts unique blobs
//!     "binary": 2, "skipped_large": 0, "errors": false,   binary: files read as binaries
//!                                             (only their printable strings scanned)
//!     "tracked_ignored": 1, "tracked_excluded": 0,  tracked files that .gitignore matched
//!                                             (scanned anyway), and that .ignore, .viscanignore
//!                                             or the allowlist kept out
//!     "elapsed_seconds": 0.012, "ignored_build_dirs": ["dist"],
//!     "suppressed": { "inline": 1, "ignore_file": 0, "allowlist": 0, "baseline": 2,
//!                     "rules_disabled": 0 },  rules_disabled: findings of rules the config's
//!                                             [rules] disable turns off (full history audits
//!                                             run them anyway to count them; else 0)
//!     "notices": ["this change edits .viscan.toml: …"]  only when there are any: what a range
//!                                             audit says about the files that decide it
//!   }
//! }
//! ```
//!
//! A SECRET is one distinct key (secret value), most severe first:
//!
//! ```text
//! {
//!   "id": "3f2a9c0d1e4b5a67",                 stable: a keyed hash of the value (the same HMAC
//!                                             as fingerprints), never the value; equal in
//!                                             every file, commit and repository
//!   "preview": "Gr4h*****",                   redacted value
//!   "rules": ["voiceinfra.api-key.header"],   rules that found it, sorted
//!   "severity": "critical",                   the highest among its findings
//!   "locations": { "count": 3,                how many findings (places) hold it, and their
//!     "fingerprints": ["RULE:HASH:PATH", …] }, fingerprints, one per finding in report order
//!   "first_seen": SIGHTING | null,            history: the place with the oldest commit date:
//!                                             the exposure started there
//!   "last_seen": SIGHTING | null,             history: the place with the newest commit that
//!                                             introduced (added or re-committed) it; not when it
//!                                             was removed (that is "removed")
//!   "present_at_head": true | false | null,   history: still in HEAD's tree (null for a files
//!                                             scan)
//!   "removed": SIGHTING | null,               history, when present_at_head is false: the
//!                                             commit that removed its last place (deleted or
//!                                             changed the file), with that place's path. null
//!                                             while at HEAD, for a files scan, and when the
//!                                             removal is not known: a place no walked commit
//!                                             removed (a commit message, a file that lives on
//!                                             only in other branches). Removed from HEAD is
//!                                             not gone: it stays in history until purged
//!   "public": false,                          shipped to browsers: found in a front-end bundle,
//!                                             a source map or a browser-public variable
//!   "repositories": ["api", "web"],           where it was found (multi-repository audits and
//!                                             merged reports; [] otherwise)
//!   "secret": "..."                           only with --show-secrets
//! }
//! ```
//!
//! A SIGHTING is `{ "commit", "author_name", "author_email", "date", "path", "repository" }`
//! ("repository" only when known).
//!
//! A RULE is `{ "id", "name", "description", "severity", "precision", "references": [URL] }`
//! (precision: `low|medium|high|very-high`, as in SARIF).
//!
//! `--format jsonl` writes one FINDING per line and nothing else. A FINDING is:
//!
//! ```text
//! {
//!   "rule_id": "voiceinfra.api-key.header",   stable rule id
//!   "rule_name": "...", "severity": "low|medium|high|critical",
//!   "path": "src/client.py",                  as walked, `/`-separated; "<stdin>" for stdin;
//!                                             bytes that are not UTF-8 become U+FFFD
//!   "path_bytes": "c3JjL2NhZukuZW52",         only when the path is not UTF-8: its exact
//!                                             bytes, base64 (standard alphabet, padded)
//!   "archive": {                              only for a member of an archive (path is then
//!     "file": "dist/site.zip",                `dist/site.zip!w.tgz!package/index.js`): the
//!     "members": ["w.tgz", "package/index.js"]  file on disk and the member chain, outermost
//!   },                                        first (names may themselves hold `!`)
//!   "deleted_in_later_layer": true,           only for a file of a container image layer that
//!                                             a later layer deletes or replaces
//!   "line": 12, "column": 19,                 1-based; columns count Unicode code points
//!   "end_line": 12, "end_column": 51,         column just after the secret
//!   "preview": "Gr4h*****",                   redacted value (the env name for public-env)
//!   "snippet": "...",                         ≤ ~80 chars around the value, redacted
//!   "fingerprint": "RULE:HASH:PATH",          stable across edits above the line
//!   "secret_id": "3f2a9c0d1e4b5a67",          the id of its SECRET
//!   "repository": "web",                      only when known (multi-repository audits)
//!   "in_bundle": false,                       found in front-end build output
//!   "via_rule": null,                         rule that matched, when promoted to the bundle
//!                                             or public-env rule
//!   "decoded": ["percent", "base64"],         only when decoded: the decoders that produced the
//!                                             secret from the file's bytes, outermost first
//!                                             (utf-16le, utf-16be, percent, base64, escape,
//!                                             html-entity); line/column point at the encoded text
//!   "original_path": "src/client.ts",         only when known: the original source of a key in a
//!   "original_line": 2, "original_column": 24,  source map's sourcesContent (path/line/column
//!                                             are then the map's), or of a key in a bundle with a
//!                                             source map (inline, or found beside it)
//!   "public_env": "NEXT_PUBLIC_VOICEINFRA_API_KEY",  only for public-env findings: the variable
//!   "binary": true,                           only when found in a binary file's printable
//!                                             strings (line/column count in those strings)
//!   "commit": "9fceb02…", "author_name": "…",  history only: the commit that first introduced
//!   "author_email": "…", "date": "ISO 8601",  this blob at this path, and its author
//!   "present_at_head": false,                 history only: is the same secret in HEAD's tree
//!   "removed": { "commit", "author_name",     history, only when known: the newest walked
//!     "author_email", "date" },               commit that deleted this file or changed it so
//!                                             that this blob left this path (on any branch)
//!   "suppressed_by": { "kind": "marker",      only in range audits, when a suppression the
//!     "place": "new.py:3", "blocking": false, audited change added would hide it: kind marker
//!     "message": "allowed by a marker …" },   (kept as a warning; blocking with --strict),
//!                                             config or ignore-file (not applied: it fails)
//!   "secret": "..."                           only with --show-secrets
//! }
//! ```

use std::io::{self, Write};

use serde::Serialize;

use super::{Key, ReportInput, shown_snippet, shown_value};
use crate::finding::Finding;

/// The version of the JSON document written here; `report merge` rejects any other.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    severity: &'a str,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<JsonArchive<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted_in_later_layer: bool,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    preview: String,
    snippet: &'a str,
    fingerprint: &'a str,
    secret_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    in_bundle: bool,
    via_rule: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    decoded: &'a [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    original_path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_env: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    binary: bool,
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
    removed: Option<JsonCommit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed_by: Option<JsonAdded<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// A commit, as a finding's `removed` names it.
#[derive(Serialize, serde::Deserialize)]
struct JsonCommit<'a> {
    commit: std::borrow::Cow<'a, str>,
    author_name: std::borrow::Cow<'a, str>,
    author_email: std::borrow::Cow<'a, str>,
    date: std::borrow::Cow<'a, str>,
}

impl<'a> JsonCommit<'a> {
    fn new(commit: &'a crate::blob::CommitMeta) -> JsonCommit<'a> {
        JsonCommit {
            commit: commit.id.as_str().into(),
            author_name: commit.author_name.as_str().into(),
            author_email: commit.author_email.as_str().into(),
            date: commit.date.as_str().into(),
        }
    }
}

/// Where an archive member sits: the file on disk and the member chain.
#[derive(Serialize)]
struct JsonArchive<'a> {
    file: String,
    members: &'a [String],
}

/// A suppression the audited change added (see [`crate::finding::AddedSuppression`]).
#[derive(Serialize)]
struct JsonAdded<'a> {
    kind: &'a str,
    place: &'a str,
    blocking: bool,
    message: String,
}

impl<'a> JsonFinding<'a> {
    fn new(finding: &'a Finding, show_secrets: bool) -> JsonFinding<'a> {
        JsonFinding {
            rule_id: &finding.rule_id,
            rule_name: &finding.rule_name,
            severity: finding.severity.as_str(),
            path: finding.origin.display_path(),
            path_bytes: {
                let bytes = finding.origin.path_bytes();
                std::str::from_utf8(&bytes).is_err().then(|| base64(&bytes))
            },
            archive: (!finding.origin.members.is_empty()).then(|| JsonArchive {
                file: String::from_utf8_lossy(&finding.origin.file_path_bytes()).into_owned(),
                members: &finding.origin.members,
            }),
            deleted_in_later_layer: finding.origin.shadowed,
            line: finding.location.line,
            column: finding.location.column,
            end_line: finding.location.end_line,
            end_column: finding.location.end_column,
            preview: finding.preview(),
            snippet: shown_snippet(finding, show_secrets),
            fingerprint: finding.fingerprint.as_str(),
            secret_id: finding.secret.id(),
            repository: finding.origin.repository.as_deref(),
            in_bundle: finding.in_bundle,
            via_rule: finding.via_rule.as_deref(),
            decoded: &finding.decoded,
            original_path: finding.original.as_ref().map(|o| o.path.as_str()),
            original_line: finding.original.as_ref().map(|o| o.line),
            original_column: finding.original.as_ref().map(|o| o.column),
            public_env: finding.public_env.as_deref(),
            binary: finding.binary,
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
            removed: finding.removed_in.as_deref().map(JsonCommit::new),
            suppressed_by: finding.added_suppression.as_ref().map(|added| JsonAdded {
                kind: added.kind,
                place: &added.place,
                blocking: added.blocking,
                message: added.describe(),
            }),
            secret: (show_secrets && finding.secret.is_known())
                .then(|| String::from_utf8_lossy(finding.secret.expose()).into_owned()),
        }
    }
}

#[derive(Serialize)]
struct JsonSecret<'a> {
    id: &'a str,
    preview: String,
    rules: Vec<&'a str>,
    severity: &'a str,
    locations: JsonLocations<'a>,
    first_seen: Option<JsonSighting<'a>>,
    last_seen: Option<JsonSighting<'a>>,
    present_at_head: Option<bool>,
    removed: Option<JsonSighting<'a>>,
    public: bool,
    repositories: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

#[derive(Serialize)]
struct JsonLocations<'a> {
    count: usize,
    fingerprints: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonSighting<'a> {
    commit: &'a str,
    author_name: &'a str,
    author_email: &'a str,
    date: &'a str,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
}

impl<'a> JsonSighting<'a> {
    /// Where `finding`'s commit (or `commit`) saw it.
    fn new(finding: &'a Finding) -> Option<JsonSighting<'a>> {
        JsonSighting::at(finding, finding.origin.commit.as_ref()?)
    }

    fn at(finding: &'a Finding, commit: &'a crate::blob::CommitMeta) -> Option<JsonSighting<'a>> {
        Some(JsonSighting {
            commit: &commit.id,
            author_name: &commit.author_name,
            author_email: &commit.author_email,
            date: &commit.date,
            path: finding.origin.display_path(),
            repository: finding.origin.repository.as_deref(),
        })
    }
}

impl<'a> JsonSecret<'a> {
    fn new(key: &'a Key, findings: &'a [Finding], show_secrets: bool) -> JsonSecret<'a> {
        let first = &findings[key.findings[0]];
        JsonSecret {
            id: &key.id,
            preview: first.preview(),
            rules: key.rules.iter().map(|r| &**r).collect(),
            severity: key.severity.as_str(),
            locations: JsonLocations {
                count: key.findings.len(),
                fingerprints: key
                    .findings
                    .iter()
                    .map(|&i| findings[i].fingerprint.as_str())
                    .collect(),
            },
            first_seen: key.first_seen.and_then(|i| JsonSighting::new(&findings[i])),
            last_seen: key.last_seen.and_then(|i| JsonSighting::new(&findings[i])),
            present_at_head: key.present_at_head,
            removed: key
                .removed
                .and_then(|i| JsonSighting::at(&findings[i], findings[i].removed_in.as_deref()?)),
            public: key.public,
            repositories: &key.repositories,
            secret: (show_secrets && first.secret.is_known()).then(|| shown_value(first, true)),
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
    binary: u64,
    skipped_large: u64,
    tracked_ignored: u64,
    tracked_excluded: u64,
    errors: bool,
    elapsed_seconds: f64,
    ignored_build_dirs: &'a [String],
    suppressed: crate::allow::Suppressed,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notices: &'a [String],
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    secrets: Vec<JsonSecret<'a>>,
    rules: Vec<&'a super::ReportRule>,
    summary: JsonSummary<'a>,
}

/// Writes the JSON document.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let summary = input.summary;
    let report = JsonReport {
        version: SCHEMA_VERSION,
        findings: input
            .findings
            .iter()
            .map(|f| JsonFinding::new(f, input.show_secrets))
            .collect(),
        secrets: input
            .keys
            .iter()
            .map(|k| JsonSecret::new(k, input.findings, input.show_secrets))
            .collect(),
        rules: used_rules(input),
        summary: JsonSummary {
            findings: input.findings.len(),
            files: summary.num_files,
            commits: summary.num_commits,
            bytes: summary.num_bytes,
            binary: summary.num_binary,
            skipped_large: summary.num_skipped_large,
            tracked_ignored: summary.num_tracked_ignored,
            tracked_excluded: summary.num_tracked_excluded,
            errors: summary.had_errors,
            elapsed_seconds: (summary.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            ignored_build_dirs: &summary.ignored_build_dirs,
            suppressed: summary.suppressed,
            notices: &summary.notices,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// The rules `input`'s findings come from, in rule order.
fn used_rules<'a>(input: &ReportInput<'a>) -> Vec<&'a super::ReportRule> {
    let used: std::collections::HashSet<&str> =
        input.findings.iter().map(|f| &*f.rule_id).collect();
    input
        .rules
        .iter()
        .filter(|r| used.contains(r.id.as_str()))
        .collect()
}

/// Standard base64 with padding (RFC 4648), for `path_bytes`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes one finding per line.
pub fn write_lines(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in input.findings {
        serde_json::to_writer(&mut *out, &JsonFinding::new(finding, input.show_secrets))?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (raw, encoded) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
            (b"\xff\xfe\n", "//4K"),
        ] {
            assert_eq!(base64(raw), encoded);
        }
    }
}

/// Why a JSON report cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not shaped like a viscan report.
    #[error("not a viscan JSON report: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A report of another schema version.
    #[error(
        "report schema version {0}, but this viscan reads version {SCHEMA_VERSION} only: \
         write the report again with this viscan (`--format json`)"
    )]
    Version(u64),
}

/// The parts of a report `report merge` reads back.
#[derive(serde::Deserialize)]
struct ReadReport {
    version: u64,
    findings: Vec<ReadFinding>,
    /// Absent from reports written before it was added (still version 2).
    #[serde(default)]
    rules: Vec<super::ReportRule>,
    summary: ReadSummary,
}

#[derive(serde::Deserialize)]
struct ReadSummary {
    #[serde(default)]
    files: u64,
    #[serde(default)]
    commits: Option<u64>,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    binary: u64,
    #[serde(default)]
    skipped_large: u64,
    #[serde(default)]
    errors: bool,
    #[serde(default)]
    notices: Vec<String>,
}

#[derive(serde::Deserialize)]
struct ReadFinding {
    rule_id: String,
    rule_name: String,
    severity: crate::finding::Severity,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    preview: String,
    snippet: String,
    fingerprint: String,
    secret_id: String,
    repository: Option<String>,
    in_bundle: bool,
    via_rule: Option<String>,
    #[serde(default)]
    decoded: Vec<String>,
    original_path: Option<String>,
    original_line: Option<usize>,
    original_column: Option<usize>,
    public_env: Option<String>,
    #[serde(default)]
    binary: bool,
    commit: Option<String>,
    author_name: Option<String>,
    author_email: Option<String>,
    date: Option<String>,
    present_at_head: Option<bool>,
    removed: Option<JsonCommit<'static>>,
    suppressed_by: Option<ReadAdded>,
    secret: Option<String>,
}

#[derive(serde::Deserialize)]
struct ReadAdded {
    kind: String,
    place: String,
    blocking: bool,
}

/// The `'static` name of a known decoder or suppression kind (findings keep `&'static str`).
fn known(name: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|known| *known == name)
}

/// What [`read`] gives back: findings, totals, and the rules the report describes.
pub type ReadBack = (Vec<Finding>, super::Summary, Vec<super::ReportRule>);

/// Reads a `--format json` report back into findings, totals and rules (`viscan report merge`).
/// Findings without a repository are given `default_repository`. Values stay redacted (a
/// [`crate::finding::Secret`] known by its id and preview) unless the report holds them
/// (`--show-secrets`); a snippet is then redacted again, so that merging without
/// `--show-secrets` shows no secret.
pub fn read(bytes: &[u8], default_repository: &str) -> Result<ReadBack, ReadError> {
    #[derive(serde::Deserialize)]
    struct Version {
        version: u64,
    }
    let version: Version = serde_json::from_slice(bytes)?;
    if version.version != u64::from(SCHEMA_VERSION) {
        return Err(ReadError::Version(version.version));
    }
    let report: ReadReport = serde_json::from_slice(bytes)?;
    debug_assert_eq!(report.version, u64::from(SCHEMA_VERSION));
    let default_repository: std::sync::Arc<str> = std::sync::Arc::from(default_repository);
    let mut repositories: Vec<std::sync::Arc<str>> = vec![default_repository.clone()];
    let mut findings = Vec::with_capacity(report.findings.len());
    for read in report.findings {
        let repository = match read.repository {
            Some(name) => match repositories.iter().find(|r| ***r == *name) {
                Some(known) => known.clone(),
                None => {
                    let name: std::sync::Arc<str> = std::sync::Arc::from(name);
                    repositories.push(name.clone());
                    name
                }
            },
            None => default_repository.clone(),
        };
        let commit = read.commit.map(|id| {
            std::sync::Arc::new(crate::blob::CommitMeta {
                id,
                author_name: read.author_name.unwrap_or_default(),
                author_email: read.author_email.unwrap_or_default(),
                date: read.date.unwrap_or_default(),
            })
        });
        let is_reference = read.public_env.is_some() && read.via_rule.is_none();
        let snippet = match &read.secret {
            Some(value) if !value.is_empty() && !is_reference => {
                read.snippet.replace(value.as_str(), &read.preview)
            }
            _ => read.snippet.clone(),
        };
        let snippet_raw = read.snippet;
        findings.push(Finding {
            rule_id: read.rule_id.into(),
            rule_name: read.rule_name.into(),
            severity: read.severity,
            via_rule: read.via_rule.map(Into::into),
            origin: crate::blob::Origin {
                repository: Some(repository),
                commit,
                ..crate::blob::Origin::file(read.path)
            },
            location: crate::finding::Location {
                line: read.line,
                column: read.column,
                end_line: read.end_line,
                end_column: read.end_column,
            },
            secret: crate::finding::Secret::from_report(
                read.secret_id,
                read.preview,
                read.secret.map(String::into_bytes),
            ),
            is_reference,
            snippet,
            snippet_raw,
            in_bundle: read.in_bundle,
            fingerprint: crate::finding::Fingerprint::from_report(read.fingerprint),
            present_at_head: read.present_at_head,
            removed_in: read.removed.map(|c| {
                std::sync::Arc::new(crate::blob::CommitMeta {
                    id: c.commit.into_owned(),
                    author_name: c.author_name.into_owned(),
                    author_email: c.author_email.into_owned(),
                    date: c.date.into_owned(),
                })
            }),
            allow_marker: None,
            decoded: read
                .decoded
                .iter()
                .filter_map(|d| {
                    known(
                        d,
                        &[
                            "utf-16le",
                            "utf-16be",
                            "percent",
                            "base64",
                            "escape",
                            "html-entity",
                        ],
                    )
                })
                .collect(),
            original: match (read.original_path, read.original_line, read.original_column) {
                (Some(path), Some(line), Some(column)) => {
                    Some(Box::new(crate::finding::OriginalLocation {
                        path,
                        line,
                        column,
                    }))
                }
                _ => None,
            },
            public_env: read.public_env,
            binary: read.binary,
            added_suppression: read.suppressed_by.and_then(|added| {
                Some(Box::new(crate::finding::AddedSuppression {
                    kind: known(&added.kind, &["marker", "config", "ignore-file"])?,
                    place: added.place,
                    blocking: added.blocking,
                }))
            }),
        });
    }
    let totals = report.summary;
    let summary = super::Summary {
        num_files: totals.files,
        num_commits: totals.commits,
        num_bytes: totals.bytes,
        num_binary: totals.binary,
        num_skipped_large: totals.skipped_large,
        had_errors: totals.errors,
        notices: totals.notices,
        ..super::Summary::default()
    };
    Ok((findings, summary, report.rules))
}
