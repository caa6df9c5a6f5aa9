//! A finding: one secret found at one place, with everything a report needs. The raw secret
//! lives only in memory (see [`Secret`]); every output uses [`Finding::preview`] or the redacted
//! snippet unless the user asked for `--show-secrets`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

use crate::blob::Origin;

/// How bad a leak is; maps onto SARIF levels and `security-severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub's `security-severity` score (above 9.0 is shown as critical).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

/// How often a rule's findings are true positives (SARIF `precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Precision {
    /// The name SARIF and GitHub expect.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Low => "low",
            Precision::Medium => "medium",
            Precision::High => "high",
            Precision::VeryHigh => "very-high",
        }
    }
}

/// A secret value. `Debug` never shows it; only [`Secret::expose`] does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    bytes: Vec<u8>,
    /// Read back from a JSON report (`viscan report merge`): the id and preview that report
    /// gave. The value itself is then unknown (empty) unless the report was written with
    /// `--show-secrets`.
    reported: Option<Box<(String, String)>>,
}

impl Secret {
    /// Wraps raw secret bytes.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret {
            bytes,
            reported: None,
        }
    }

    /// A secret known from a report by its `id` and `preview`, and by its value only when the
    /// report holds it (`--show-secrets`).
    pub fn from_report(id: String, preview: String, value: Option<Vec<u8>>) -> Secret {
        Secret {
            bytes: value.unwrap_or_default(),
            reported: Some(Box::new((id, preview))),
        }
    }

    /// Whether the raw value is known (always, but for a merged report written without
    /// `--show-secrets`).
    pub fn is_known(&self) -> bool {
        self.reported.is_none() || !self.bytes.is_empty()
    }

    /// The raw secret, for `--show-secrets` and for hashing (empty when not
    /// [`Secret::is_known`]).
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// The key's stable id in reports: the same keyed hash as [`Fingerprint`]s (HMAC-SHA256
    /// with their key, over the value after an empty path, first 8 bytes in hex), so one value
    /// has one id in every file, commit and repository, and the id never reveals the value.
    pub fn id(&self) -> String {
        match &self.reported {
            Some(reported) => reported.0.clone(),
            None => {
                let mut message = Vec::with_capacity(1 + self.bytes.len());
                message.push(0);
                message.extend_from_slice(&self.bytes);
                hex(&hmac_sha256(FINGERPRINT_KEY, &message)[..8])
            }
        }
    }

    /// A preview safe to print: a few leading characters and a mask, never enough to use.
    pub fn redacted(&self) -> String {
        if let Some(reported) = &self.reported {
            return reported.1.clone();
        }
        let text = String::from_utf8_lossy(&self.bytes);
        let num_chars = text.chars().count();
        let shown = match num_chars {
            n if n >= 24 => 4,
            n if n >= 12 => 2,
            _ => 0,
        };
        let head: String = text.chars().take(shown).collect();
        format!("{head}*****")
    }

    /// How a reference (a variable's name, not a secret) is shown: in full up to
    /// [`MAX_NAME_SHOWN`] characters, else its start and end around `…`, so that a snippet
    /// stays short whatever a hostile file names its variables (found by
    /// `fuzz/fuzz_targets/scan_blob.rs`).
    pub fn as_name(&self) -> String {
        if let Some(reported) = &self.reported {
            return reported.1.clone();
        }
        let text = String::from_utf8_lossy(&self.bytes);
        let num_chars = text.chars().count();
        if num_chars <= MAX_NAME_SHOWN {
            return text.into_owned();
        }
        // The end says whose it is (`…VOICEINFRA_API_KEY`), the start how it is exposed.
        let head = MAX_NAME_SHOWN / 3;
        let tail = MAX_NAME_SHOWN - head - 1;
        let start: String = text.chars().take(head).collect();
        let end: String = text.chars().skip(num_chars - tail).collect();
        format!("{start}…{end}")
    }
}

/// The longest reference name shown in full.
pub const MAX_NAME_SHOWN: usize = 64;

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// A 1-based position range in a blob; columns count Unicode code points (an invalid UTF-8
/// sequence counts one, as the U+FFFD lossy decoding makes of it), `end_column` is the column
/// just after the last character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Line of the first character of the secret.
    pub line: usize,
    /// Column of the first character of the secret.
    pub column: usize,
    /// Line of the last character of the secret.
    pub end_line: usize,
    /// Column after the last character of the secret.
    pub end_column: usize,
}

/// A finding's stable identity: rule id + keyed hash of the secret + path, never the line, so
/// it survives edits above the secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(String);

/// Key for the secret hash. Public, but it makes our hashes useless as a lookup table for hashes
/// other tools publish, and the path mixed in below acts as a per-file salt.
const FINGERPRINT_KEY: &[u8] = b"viscan fingerprint v1";

impl Fingerprint {
    /// A fingerprint as a report wrote it (`viscan report merge`).
    pub fn from_report(text: String) -> Fingerprint {
        Fingerprint(text)
    }

    /// Fingerprint of `secret` found by `rule_id` at `path`.
    pub fn new(rule_id: &str, secret: &[u8], path: &str) -> Fingerprint {
        let mut salted = Vec::with_capacity(path.len() + 1 + secret.len());
        salted.extend_from_slice(path.as_bytes());
        salted.push(0);
        salted.extend_from_slice(secret);
        let secret_hash = hex(&hmac_sha256(FINGERPRINT_KEY, &salted)[..8]);
        Fingerprint(format!("{rule_id}:{secret_hash}:{path}"))
    }

    /// The fingerprint as written in reports and baselines.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fixed-length digest of the fingerprint and, for history findings, the commit (so the
    /// same leak introduced by two commits stays two results), for SARIF `partialFingerprints`.
    pub fn digest(&self, commit: Option<&str>) -> String {
        let mut hasher = Sha256::new().chain_update(self.0.as_bytes());
        if let Some(commit) = commit {
            hasher = hasher.chain_update(b"\0").chain_update(commit.as_bytes());
        }
        hex(&hasher.finalize()[..16])
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// HMAC-SHA256 (RFC 2104) over `message`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One secret found at one place.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Id of the rule that reports it (after bundle promotion), shared with the rule.
    pub rule_id: Arc<str>,
    /// Human name of that rule, shared with the rule.
    pub rule_name: Arc<str>,
    /// Severity of that rule.
    pub severity: Severity,
    /// When promoted to the bundle rule: the rule that matched first.
    pub via_rule: Option<Arc<str>>,
    /// Where the blob came from.
    pub origin: Origin,
    /// Where the secret is in the blob.
    pub location: Location,
    /// The secret itself (in memory only).
    pub secret: Secret,
    /// Whether the secret is a reference to a public env variable rather than a value
    /// (nothing to redact: the name is not secret).
    pub is_reference: bool,
    /// The text around the secret on its line, at most ~80 characters, secret redacted.
    pub snippet: String,
    /// The same window with the secret shown, kept for `--show-secrets` (empty without it:
    /// see `Scanner::with_raw_snippets`).
    pub snippet_raw: String,
    /// Whether the blob is a front-end bundle (shipped to browsers).
    pub in_bundle: bool,
    /// Stable identity for baselines and SARIF.
    pub fingerprint: Fingerprint,
    /// For history findings: whether the same secret is still in HEAD's tree.
    pub present_at_head: Option<bool>,
    /// For history findings: the newest walked commit that deleted this blob from this path or
    /// replaced it there ([`crate::source::git::Introduction::removed`]); `None` when no walked
    /// commit did (still there, a commit message, or not known).
    pub removed_in: Option<std::sync::Arc<crate::blob::CommitMeta>>,
    /// The inline marker that allows this finding (`viscan:allow`…), if any.
    pub allow_marker: Option<&'static str>,
    /// Decoders that turned the stored bytes into the secret, outermost first (`utf-16le`,
    /// `percent`, `base64`, `escape`, `html-entity`); empty when it is stored as written.
    pub decoded: Vec<&'static str>,
    /// Where the secret is in the original source: inside a source map's `sourcesContent`, or
    /// (through the map's mappings) the source a bundle was built from.
    /// Boxed, like `added_suppression`: rare, and every finding would carry its size (issue 11).
    pub original: Option<Box<OriginalLocation>>,
    /// The browser-public environment variable that exposes the key (`NEXT_PUBLIC_…`), for
    /// findings of the public-env rule.
    pub public_env: Option<String>,
    /// Found in a binary file's printable strings (see [`crate::blob::Encoding::Binary`]).
    pub binary: bool,
    /// A suppression that the audited change itself added (`viscan ci`, `history --range`):
    /// shown, never silently applied (issue 16).
    pub added_suppression: Option<Box<AddedSuppression>>,
}

/// A suppression added by the change under audit that would hide a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedSuppression {
    /// What would hide it: `marker`, `config` or `ignore-file`.
    pub kind: &'static str,
    /// Where that suppression is: `new.py:3`, `.viscan.toml:2`, `.viscanignore`.
    pub place: String,
    /// Whether the finding still fails the run: a config or ignore-file change from the range
    /// is not applied (it does), an inline marker is (it does not, unless `--strict`).
    pub blocking: bool,
}

impl AddedSuppression {
    /// The sentence every format shows.
    pub fn describe(&self) -> String {
        match self.kind {
            "marker" => format!("allowed by a marker added in this change ({})", self.place),
            _ => format!(
                "hidden by a suppression added in this change ({})",
                self.place
            ),
        }
    }
}

/// A position in an original source file named by a source map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalLocation {
    /// The source's name as the map gives it (`sourceRoot` applied), e.g. `../src/client.ts`
    /// or `webpack://app/./src/client.ts`.
    pub path: String,
    /// 1-based line in that source.
    pub line: usize,
    /// 1-based column in that source.
    pub column: usize,
}

impl Finding {
    /// What to print in place of the secret.
    pub fn preview(&self) -> String {
        if self.is_reference {
            self.secret.as_name()
        } else {
            self.secret.redacted()
        }
    }

    /// Whether this finding fails the run: all do, but a key that an inline marker added by
    /// the audited change allows (without `--strict`), which is a warning.
    pub fn fails_run(&self) -> bool {
        self.added_suppression
            .as_ref()
            .is_none_or(|added| added.blocking)
    }

    /// The sort key that makes output deterministic whatever the thread count.
    pub fn sort_key(&self) -> (&Origin, Location, &str) {
        (&self.origin, self.location, &self.rule_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn fingerprint_depends_on_rule_secret_and_path_only() {
        let a = Fingerprint::new("voiceinfra.api-key.header", b"s3cr3tvalue", "src/a.py");
        assert_eq!(
            a,
            Fingerprint::new("voiceinfra.api-key.header", b"s3cr3tvalue", "src/a.py")
        );
        assert_ne!(
            a,
            Fingerprint::new("voiceinfra.api-key.header", b"s3cr3tvaluf", "src/a.py")
        );
        assert_ne!(
            a,
            Fingerprint::new("voiceinfra.api-key.header", b"s3cr3tvalue", "src/b.py")
        );
        assert!(!a.as_str().contains("s3cr3t"));
    }

    #[test]
    fn secret_id_depends_on_the_value_only_and_hides_it() {
        let id = Secret::new(b"s3cr3tvalue".to_vec()).id();
        assert_eq!(id, Secret::new(b"s3cr3tvalue".to_vec()).id());
        assert_ne!(id, Secret::new(b"s3cr3tvaluf".to_vec()).id());
        assert_eq!(id.len(), 16);
        assert!(!id.contains("s3cr3t"));
        // Keyed like a fingerprint: the hash of the value at an empty path.
        let fingerprint = Fingerprint::new("r", b"s3cr3tvalue", "");
        assert_eq!(fingerprint.as_str(), format!("r:{id}:"));
        let reported = Secret::from_report(id.clone(), "s3*****".into(), None);
        assert_eq!((reported.id(), reported.redacted()), (id, "s3*****".into()));
        assert!(!reported.is_known());
    }

    #[test]
    fn redaction_never_shows_more_than_a_prefix() {
        let secret = Secret::new(b"Gr4hTxoF54Fzbka8FRCztUjAwyuh1vauWv1zh87m".to_vec());
        assert_eq!(secret.redacted(), "Gr4h*****");
        assert_eq!(Secret::new(b"abcdefgh".to_vec()).redacted(), "*****");
        assert!(!format!("{secret:?}").contains("FRCzt"));
    }

    /// Regression (fuzz/scan_blob): a 300-character variable name made a snippet of 350.
    #[test]
    fn long_reference_names_are_shown_by_their_ends() {
        let short = Secret::new(b"NEXT_PUBLIC_VOICEINFRA_API_KEY".to_vec());
        assert_eq!(short.as_name(), "NEXT_PUBLIC_VOICEINFRA_API_KEY");
        let long = format!("NEXT_PUBLIC_{}VOICEINFRA_API_KEY", "L".repeat(300));
        let shown = Secret::new(long.into_bytes()).as_name();
        assert_eq!(shown.chars().count(), MAX_NAME_SHOWN);
        assert!(shown.starts_with("NEXT_PUBLIC_LLL"), "{shown}");
        assert!(shown.ends_with("LLLVOICEINFRA_API_KEY"), "{shown}");
        assert_eq!(shown.matches('…').count(), 1, "{shown}");
    }
}
