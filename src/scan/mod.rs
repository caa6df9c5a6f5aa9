//! The scanner: a [`Scanner`] holds the compiled rules and prefilter and is shared by all
//! threads; each thread owns a [`Worker`] with reusable scratch buffers ("if doing multi-threaded
//! scanning, use a separate matcher for each thread"). A worker turns one [`Blob`] into findings:
//! prefilter → candidate rules' regexes → value checks → context checks → positions and
//! snippets, the last only for blobs with findings.

pub mod context;
pub mod marker;
pub mod prefilter;
pub mod text;
pub mod value;

use crate::blob::Blob;
use crate::finding::{Finding, Fingerprint, Location, Secret};
use crate::rules::{Rule, RuleKind, RuleSet, Scope};
use context::MatchSite;
use prefilter::Prefilter;
use text::LineIndex;

/// Compiled rules plus the prefilter; build once, share as `&Scanner`.
#[derive(Debug)]
pub struct Scanner {
    rules: RuleSet,
    prefilter: Prefilter,
    /// Globs (relative to the scanned root) of more front-end bundles, from the config.
    extra_bundle_paths: Option<globset::GlobSet>,
}

/// Counters a worker keeps locally; merged at the end of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Blobs scanned.
    pub num_blobs: u64,
    /// Bytes scanned (as stored, before decoding).
    pub num_bytes: u64,
    /// Blobs in which at least one rule ran past the prefilter.
    pub num_blobs_matched_keywords: u64,
}

impl ScanStats {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &ScanStats) {
        self.num_blobs += other.num_blobs;
        self.num_bytes += other.num_bytes;
        self.num_blobs_matched_keywords += other.num_blobs_matched_keywords;
    }
}

impl Scanner {
    /// Builds the prefilter for `rules`.
    pub fn new(rules: RuleSet) -> anyhow::Result<Scanner> {
        let prefilter = Prefilter::new(&rules)?;
        Ok(Scanner {
            rules,
            prefilter,
            extra_bundle_paths: None,
        })
    }

    /// Also treats blobs whose path (relative to the scanned root) matches `globs` as bundles.
    pub fn with_bundle_paths(mut self, globs: Option<globset::GlobSet>) -> Scanner {
        self.extra_bundle_paths = globs;
        self
    }

    /// The rules this scanner runs.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// A worker for one thread.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            scanner: self,
            candidates: vec![false; self.rules.rules().len()],
            seen_keywords: Vec::new(),
            decoded: Vec::new(),
            matches: Vec::new(),
            line_starts: Vec::new(),
            masks: Vec::new(),
            unused_markers: Vec::new(),
            stats: ScanStats::default(),
        }
    }
}

/// A match that passed value and context checks, before positions are computed.
#[derive(Debug, Clone, Copy)]
struct Match {
    rule: usize,
    start: usize,
    end: usize,
}

/// Per-thread scanning state. When possible, a worker should be reused.
pub struct Worker<'s> {
    scanner: &'s Scanner,
    candidates: Vec<bool>,
    seen_keywords: Vec<bool>,
    decoded: Vec<u8>,
    matches: Vec<Match>,
    line_starts: Vec<usize>,
    masks: Vec<(usize, usize)>,
    /// (path, line) of allow markers with no finding to allow, for `--verbose`.
    pub unused_markers: Vec<(String, usize)>,
    /// What this worker has scanned so far.
    pub stats: ScanStats,
}

impl Worker<'_> {
    /// Scans one blob and appends its findings to `out`.
    pub fn scan(&mut self, blob: &Blob, out: &mut Vec<Finding>) {
        self.stats.num_blobs += 1;
        self.stats.num_bytes += blob.bytes.len() as u64;
        let mut decoded = std::mem::take(&mut self.decoded);
        let text: &[u8] = if text::decode_utf16_bom(&blob.bytes, &mut decoded) {
            &decoded
        } else {
            &blob.bytes
        };
        self.scan_text(blob, text, out);
        self.decoded = decoded;
    }

    fn scan_text(&mut self, blob: &Blob, text: &[u8], out: &mut Vec<Finding>) {
        let any_rule =
            self.scanner
                .prefilter
                .candidates(text, &mut self.candidates, &mut self.seen_keywords);
        let has_markers = self.scanner.prefilter.saw_marker(&self.seen_keywords);
        let first_new = out.len();
        if any_rule {
            self.stats.num_blobs_matched_keywords += 1;
            self.find_all(blob, text, out);
        }
        if has_markers {
            self.note_unused_markers(blob, text, &out[first_new..]);
        }
    }

    /// Lines allowed by a marker where no finding is, for `--verbose`.
    fn note_unused_markers(&mut self, blob: &Blob, text: &[u8], found: &[Finding]) {
        let index = LineIndex::new(text, std::mem::take(&mut self.line_starts));
        for line in marker::allowed_lines(text, &index) {
            if !found.iter().any(|f| f.location.line == line) {
                self.unused_markers.push((blob.origin.display_path(), line));
            }
        }
        self.line_starts = index.into_storage();
    }

    fn find_all(&mut self, blob: &Blob, text: &[u8], out: &mut Vec<Finding>) {
        let rules = self.scanner.rules.rules();
        let within_root = blob.origin.display_within_root();
        let path = within_root.as_str();
        let in_bundle = context::is_bundle(path, text)
            || self
                .scanner
                .extra_bundle_paths
                .as_ref()
                .is_some_and(|globs| globs.is_match(&blob.origin.within_root));
        self.matches.clear();
        for (index, rule) in rules.iter().enumerate() {
            if !self.candidates[index] || (rule.scope == Scope::Bundle && !in_bundle) {
                continue;
            }
            find_matches(index, rule, text, &mut self.matches);
        }
        if self.matches.is_empty() {
            return;
        }
        // The same span found by several rules is reported once, by the first rule listed.
        self.matches.sort_by_key(|m| (m.start, m.end, m.rule));
        self.matches.dedup_by_key(|m| (m.start, m.end));

        let index = LineIndex::new(text, std::mem::take(&mut self.line_starts));
        // Spans that snippets must mask: every secret (public env names are not secrets).
        self.masks.clear();
        self.masks.extend(
            self.matches
                .iter()
                .filter(|m| rules[m.rule].kind != RuleKind::Reference)
                .map(|m| (m.start, m.end)),
        );
        let mut places = Places {
            index: &index,
            starts: text::Cursor::default(),
            ends: text::Cursor::default(),
            masks: &self.masks,
        };
        for m in &self.matches {
            out.push(make_finding(
                rules,
                m,
                blob,
                path,
                text,
                &mut places,
                in_bundle,
            ));
        }
        self.line_starts = index.into_storage();
    }
}

/// Runs every pattern of `rule` over `text` and keeps the matches that pass its checks.
fn find_matches(index: usize, rule: &Rule, text: &[u8], out: &mut Vec<Match>) {
    for pattern in &rule.patterns {
        for caps in pattern.regex.captures_iter(text) {
            let (Some(whole), Some(secret)) = (caps.get(0), caps.get(pattern.secret_group)) else {
                continue;
            };
            // The whole identifier, not just the part the pattern needed: `OPENAI_API_KEY`
            // for a `_API_KEY` capture, so context checks can see whose key it is.
            let name = pattern
                .name_group
                .and_then(|g| caps.get(g))
                .map(|m| context::identifier_around(text, m.start(), m.end()));
            if name.is_some_and(is_non_secret_name) {
                continue;
            }
            let span = match rule.kind {
                RuleKind::Literal => (secret.start(), secret.end()),
                RuleKind::Reference => (secret.start(), secret.end()),
                RuleKind::Indirect => {
                    if text.get(secret.end()) == Some(&b'(') {
                        continue; // a call, not a variable
                    }
                    match context::resolve_identifier(text, secret.as_bytes(), secret.start()) {
                        Some(span) => span,
                        None => continue,
                    }
                }
            };
            if rule.kind != RuleKind::Reference
                && value::judge(&text[span.0..span.1], &rule.value) != value::Verdict::Secret
            {
                continue;
            }
            let site = MatchSite {
                haystack: text,
                start: whole.start(),
                end: whole.end(),
                name,
                value: &text[span.0..span.1],
            };
            let required = rule.require_any.is_empty()
                || rule.require_any.iter().any(|&c| context::holds(c, &site));
            let rejected = rule.reject.iter().any(|&c| context::holds(c, &site));
            if required && !rejected {
                out.push(Match {
                    rule: index,
                    start: span.0,
                    end: span.1,
                });
            }
        }
    }
}

/// Names whose last word says the value is not the secret itself (`VOICEINFRA_KEY_ID`,
/// `voiceinfraApiKeyHeader`, `token_url`), and the `X-API-Key` header name itself: the header
/// rules own `X-API-Key: value` (they know which vendor it is sent to), so a `key`-like name
/// pattern must not take it over.
fn is_non_secret_name(name: &[u8]) -> bool {
    const LAST_WORDS: &[&[u8]] = &[
        b"id",
        b"ids",
        b"name",
        b"names",
        b"path",
        b"file",
        b"url",
        b"uri",
        b"header",
        b"env",
        b"var",
        b"length",
        b"len",
        b"type",
        b"prefix",
        b"field",
        b"ttl",
        b"version",
        b"format",
        b"hint",
        b"label",
        b"description",
        b"pattern",
        b"regex",
        b"count",
        b"size",
        b"enabled",
        b"expiry",
        b"expires",
        b"hash",
        b"location",
        b"param",
        b"arn",
        b"ref",
        b"placeholder",
    ];
    if name.eq_ignore_ascii_case(b"x-api-key") {
        return true;
    }
    let word = last_word(name).to_ascii_lowercase();
    LAST_WORDS.iter().any(|w| word == *w)
}

/// The last word of an identifier in snake, kebab, dotted or camel case.
fn last_word(name: &[u8]) -> &[u8] {
    let end = name
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(0, |i| i + 1);
    let name = &name[..end];
    let segment_start = name
        .iter()
        .rposition(|b| !b.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let segment = &name[segment_start..];
    // camelCase: the last lowercase→uppercase step starts the last word.
    let camel = segment
        .windows(2)
        .rposition(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .map_or(0, |i| i + 1);
    &segment[camel..]
}

/// Where findings of one blob are: line index, incremental cursors, spans to mask.
struct Places<'a> {
    index: &'a LineIndex,
    starts: text::Cursor,
    ends: text::Cursor,
    masks: &'a [(usize, usize)],
}

fn make_finding(
    rules: &[Rule],
    m: &Match,
    blob: &Blob,
    path: &str,
    text: &[u8],
    places: &mut Places<'_>,
    in_bundle: bool,
) -> Finding {
    let matched = &rules[m.rule];
    let (reported, via_rule) = match matched.in_bundle {
        Some(bundle_rule) if in_bundle && bundle_rule != m.rule => {
            (&rules[bundle_rule], Some(matched.id.clone()))
        }
        _ => (matched, None),
    };
    let (line, column) = places.starts.position(places.index, text, m.start);
    let (end_line, end_column) = places.ends.position(places.index, text, m.end);
    let secret = Secret::new(text[m.start..m.end].to_vec());
    let is_reference = matched.kind == RuleKind::Reference;
    let preview = if is_reference {
        String::from_utf8_lossy(secret.expose()).into_owned()
    } else {
        secret.redacted()
    };
    let bounds = places.index.line_bounds(text, m.start);
    let snippet = text::snippet(text, bounds, (m.start, m.end), &preview, places.masks);
    let snippet_raw = text::snippet(
        text,
        bounds,
        (m.start, m.end),
        &String::from_utf8_lossy(secret.expose()),
        &[],
    );
    Finding {
        rule_id: reported.id.clone(),
        rule_name: reported.name.clone(),
        severity: reported.severity,
        via_rule,
        origin: blob.origin.clone(),
        location: Location {
            line,
            column,
            end_line,
            end_column,
        },
        fingerprint: Fingerprint::new(&reported.id, secret.expose(), path),
        secret,
        is_reference,
        snippet,
        snippet_raw,
        in_bundle,
        present_at_head: None,
        allow_marker: marker::allowing(text, places.index, (m.start, m.end)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_words_of_identifiers() {
        assert_eq!(last_word(b"VOICEINFRA_API_KEY_ID"), b"ID");
        assert_eq!(last_word(b"voiceinfraApiKeyHeader"), b"Header");
        assert_eq!(last_word(b"voiceinfraAPIKeyID"), b"ID");
        assert_eq!(last_word(b"voice-infra.token"), b"token");
        assert!(is_non_secret_name(b"voiceinfra_api_key_id"));
        assert!(!is_non_secret_name(b"VOICEINFRA_API_KEY_PAID"));
        assert!(!is_non_secret_name(b"voiceinfraApiKey"));
        assert!(is_non_secret_name(b"X-Api-Key"));
    }
}
