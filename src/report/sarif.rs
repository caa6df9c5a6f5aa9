//! SARIF 2.1.0 for GitHub code scanning (serde_sarif).
//!
//! # Format
//!
//! One run. `tool.driver.rules` lists every rule that ran, each with short and full
//! descriptions, help text and markdown (how to rotate and purge), and properties `tags`
//! (`security`, `secret`, …), `security-severity` and `precision`. Each result has `ruleId`,
//! `ruleIndex`, `level`, a message with the redacted value, exactly one physical location with a
//! relative `artifactLocation.uri`, percent-encoded from the path's raw bytes (a name that is not
//! UTF-8 or holds a newline keeps its exact bytes: `caf%E9.env`, `a%0Ab.env`), and a full region
//! (1-based lines and columns,
//! `endColumn` after the last character, `run.columnKind` = `unicodeCodePoints`), and
//! `partialFingerprints["viscan/v1"]`, a digest of the finding's fingerprint (rule id + keyed
//! secret hash + path, never the line; plus the commit for history findings). `properties`
//! carry the fingerprint, `inBundle`, `viaRule`, when known `decoded` (decoders, outermost
//! first), `originalPath`/`originalLine`/`originalColumn` (the original source behind a source
//! map or a mapped bundle; the location stays the file scanned) and `publicEnv`; for a member of
//! an archive the artifact is the archive on disk, the region is the member's, `archiveMembers`
//! lists the member chain (outermost first), `deletedInLaterLayer` marks an image file a later
//! layer deletes, and the message names the member (GitHub shows the
//! artifact and the message, and cannot open a member), and for history
//! findings `commit`, `authorName`,
//! `authorEmail`, `date` and `presentAtHead`; every result carries `secretId`, the id of the key
//! it holds (the JSON report's `secrets[].id`: one result per place, grouped by key), and
//! `repository` when known. `results` is always present, `[]` when clean. The raw secret never appears.
//!
//! GitHub's limits ([`Limits::GITHUB`]: 25,000 results per run, 10 MB gzipped) are checked
//! here: a larger log keeps the most severe results, warns on stderr, and says so in
//! `runs[0].properties` (`truncated`, `totalResults`, `omittedResults`, `truncationReason`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use super::ReportRule as Rule;
use super::{REMEDIATION, ReportInput, message};
use crate::finding::{Finding, Severity};

/// The schema URI GitHub and validators expect.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What GitHub code scanning accepts in one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Results per run.
    pub max_results: usize,
    /// Size of the log once gzipped, in bytes.
    pub max_gzip_bytes: u64,
}

impl Limits {
    /// GitHub's documented limits: 25,000 results per run, 10 MB gzipped per upload.
    pub const GITHUB: Limits = Limits {
        max_results: 25_000,
        max_gzip_bytes: 10_000_000,
    };
}

/// Writes the SARIF log, truncated to what GitHub accepts ([`Limits::GITHUB`]).
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_within(input, Limits::GITHUB, out)
}

/// Writes the SARIF log within `limits`. A log over them keeps the most severe results (in
/// report order), warns on stderr, and says so in `runs[0].properties`: `truncated`,
/// `totalResults`, `omittedResults`, `truncationReason`.
pub fn write_within(
    input: &ReportInput<'_>,
    limits: Limits,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rules: Vec<&Rule> = input.rules.iter().collect();
    let severities: Vec<Severity> = input.findings.iter().map(|f| f.severity).collect();
    let total = severities.len();
    // Results are built one at a time as they are written, and only for the findings kept:
    // a log never sits whole in memory, whatever the number of findings (issue 11).
    let mut render = |kept: &[usize], why: Option<&str>, out: &mut dyn Write| {
        let truncated = why.map(|why| (total, total - kept.len(), why));
        write_log(input, &rules, kept, truncated, out)
    };
    let fitted = fit(&severities, limits, &mut render)?;
    if let Some(why) = &fitted.reason {
        crate::warn!(
            "SARIF: {why}: kept the {} most severe of {total} results (the log's \
             runs[0].properties says so; the JSON report lists them all)",
            fitted.kept.len()
        );
    }
    render(&fitted.kept, fitted.reason.as_deref(), out)
}

/// Where the results go in the pretty-printed log: the run's `results` key, at its depth.
const RESULTS_SLOT: &str = "\n      \"results\": []";

/// Writes the pretty-printed log with the results of the findings `kept` (indexes into
/// `input.findings`), byte for byte what `serde_json::to_writer_pretty` gives for the whole
/// log, but one result at a time: the log around them is printed with no results, and each
/// result is printed alone and indented to its depth in the slot left for them.
fn write_log(
    input: &ReportInput<'_>,
    rules: &[&Rule],
    kept: &[usize],
    truncated: Option<(usize, usize, &str)>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let skeleton = serde_json::to_string_pretty(&log(input, rules, Vec::new(), truncated))?;
    let slot = match skeleton.find(RESULTS_SLOT) {
        Some(at) if !kept.is_empty() => at + RESULTS_SLOT.len() - 1,
        _ => {
            out.write_all(skeleton.as_bytes())?;
            return out.write_all(b"\n");
        }
    };
    out.write_all(&skeleton.as_bytes()[..slot])?;
    let mut buf = Vec::new();
    for (n, &i) in kept.iter().enumerate() {
        buf.clear();
        serde_json::to_writer_pretty(
            &mut buf,
            &result(&input.findings[i], rules, input.show_secrets),
        )?;
        out.write_all(if n == 0 { b"\n" } else { b",\n" })?;
        // JSON strings hold no raw newline: every newline is between tokens.
        for (k, line) in buf.split(|&b| b == b'\n').enumerate() {
            if k > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"        ")?;
            out.write_all(line)?;
        }
    }
    out.write_all(b"\n      ")?;
    out.write_all(&skeleton.as_bytes()[slot..])?;
    out.write_all(b"\n")
}

/// The results a log that fits keeps (indexes in report order), and why it left some out.
struct Fitted {
    kept: Vec<usize>,
    reason: Option<String>,
}

/// Picks the most severe results (`render` writes a log of the ones it is given, indexes in
/// report order, with the reason for leaving the rest out) until the log is within `limits`.
/// Logs are measured as they are written, never kept.
fn fit(
    severities: &[Severity],
    limits: Limits,
    render: &mut impl FnMut(&[usize], Option<&str>, &mut dyn Write) -> io::Result<()>,
) -> io::Result<Fitted> {
    let total = severities.len();
    let mut by_severity: Vec<usize> = (0..total).collect();
    by_severity.sort_by_key(|&i| std::cmp::Reverse(severities[i]));
    let mut num_kept = total.min(limits.max_results);
    loop {
        let mut kept: Vec<usize> = by_severity[..num_kept].to_vec();
        kept.sort_unstable();
        let reason = if num_kept == total {
            None
        } else if num_kept == limits.max_results {
            Some(format!(
                "GitHub code scanning accepts at most {} results per run",
                limits.max_results
            ))
        } else {
            Some(format!(
                "GitHub code scanning accepts at most {} bytes of gzipped SARIF per upload",
                limits.max_gzip_bytes
            ))
        };
        let mut count = Count(0);
        render(&kept, reason.as_deref(), &mut count)?;
        // Deflate never grows data by more than a few bytes per 16 KiB block.
        let size = count.0;
        let fits_uncompressed = size + size / 1000 + 64 <= limits.max_gzip_bytes;
        let gzip_bytes = if fits_uncompressed {
            0
        } else {
            let mut encoder = gzip_counter();
            render(&kept, reason.as_deref(), &mut encoder)?;
            encoder.finish()?.0
        };
        if fits_uncompressed || gzip_bytes <= limits.max_gzip_bytes || num_kept == 0 {
            return Ok(Fitted { kept, reason });
        }
        // Shrink in proportion, with a margin, and try again.
        let ratio = limits.max_gzip_bytes as f64 / gzip_bytes as f64;
        num_kept = ((num_kept as f64 * ratio * 0.95) as usize).min(num_kept - 1);
    }
}

/// The whole log around `results`; `truncated` is (total results, results left out, why).
fn log(
    input: &ReportInput<'_>,
    rules: &[&Rule],
    results: Vec<SarifResult>,
    truncated: Option<(usize, usize, &str)>,
) -> Sarif {
    let descriptors: Vec<ReportingDescriptor> = rules.iter().map(|r| descriptor(r)).collect();
    let driver = ToolComponent::builder()
        .name("viscan")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/viscan/viscan")
        .rules(descriptors)
        .build();
    let mut properties = BTreeMap::new();
    if let Some((total, omitted, why)) = truncated {
        properties.insert("truncated".to_string(), json!(true));
        properties.insert("totalResults".to_string(), json!(total));
        properties.insert("omittedResults".to_string(), json!(omitted));
        properties.insert("truncationReason".to_string(), json!(why));
    }
    let invocations = vec![
        Invocation::builder()
            .execution_successful(!input.summary.had_errors)
            .build(),
    ];
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .invocations(invocations);
    let run = if properties.is_empty() {
        run.build()
    } else {
        run.properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
    };
    Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// A writer that only counts the bytes written to it.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Counts what is written to it once gzipped at the default level, as `upload-sarif`
/// compresses it.
fn gzip_counter() -> flate2::write::GzEncoder<Count> {
    flate2::write::GzEncoder::new(Count(0), flate2::Compression::default())
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

fn level_name(severity: Severity) -> &'static str {
    match level(severity) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut extra = BTreeMap::new();
    extra.insert(
        "security-severity".to_string(),
        json!(rule.severity.security_severity()),
    );
    extra.insert("precision".to_string(), json!(rule.precision.as_str()));
    extra.insert("severity".to_string(), json!(rule.severity.as_str()));
    let provider = rule.id.split('.').next().unwrap_or("generic");
    let tags = vec![
        "security".to_string(),
        "secret".to_string(),
        "external/cwe/cwe-798".to_string(),
        provider.to_string(),
    ];
    let references: String = rule
        .references
        .iter()
        .map(|r| format!("\n- <{r}>"))
        .collect();
    let help_markdown = format!(
        "**{}**\n\n{}\n\n### How to fix\n\n1. **Rotate** the key in the VoiceInfra dashboard \
         (a leaked key stays leaked: deleting the line is not enough).\n2. Load it from the \
         environment (`VOICEINFRA_API_KEY`) or a secrets manager; never from front-end code.\n3. \
         **Purge** it from history (`git filter-repo --replace-text`) if the repository was ever \
         shared, and rebuild any published bundles.{}",
        rule.name,
        rule.description,
        if references.is_empty() {
            String::new()
        } else {
            format!("\n\n### References\n{references}")
        }
    );
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.id.replace(['.', '-'], "_"))
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.name.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(rule.description.clone())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(format!("{}\n\n{}", rule.description, REMEDIATION))
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(rule.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(extra)
                .build(),
        )
        .build()
}

/// The message, plus where inside an archive the finding is: GitHub shows the archive file.
fn member_message(finding: &Finding, text: String) -> String {
    if finding.origin.members.is_empty() {
        return text;
    }
    format!(
        "{text} (in archive member {}, line {}, column {})",
        finding.origin.members.join("!"),
        finding.location.line,
        finding.location.column
    )
}

fn result(finding: &Finding, rules: &[&Rule], show_secrets: bool) -> SarifResult {
    let loc = &finding.location;
    let region = Region::builder()
        .start_line(loc.line as i64)
        .start_column(loc.column as i64)
        .end_line(loc.end_line as i64)
        .end_column(loc.end_column as i64)
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(path_to_uri(relative_bytes_to_cwd(
                            &finding.origin.file_path_bytes(),
                        )))
                        .build(),
                )
                .region(region)
                .build(),
        )
        .build();
    let mut fingerprints = BTreeMap::new();
    let commit = finding.origin.commit.as_deref();
    fingerprints.insert(
        "viscan/v1".to_string(),
        finding.fingerprint.digest(commit.map(|c| c.id.as_str())),
    );
    let mut extra = BTreeMap::new();
    extra.insert(
        "fingerprint".to_string(),
        json!(finding.fingerprint.as_str()),
    );
    extra.insert("severity".to_string(), json!(finding.severity.as_str()));
    extra.insert("inBundle".to_string(), json!(finding.in_bundle));
    if finding.binary {
        extra.insert("binary".to_string(), json!(true));
    }
    if let Some(via) = &finding.via_rule {
        extra.insert("viaRule".to_string(), json!(&**via));
    }
    if !finding.decoded.is_empty() {
        extra.insert("decoded".to_string(), json!(finding.decoded));
    }
    if let Some(original) = &finding.original {
        extra.insert("originalPath".to_string(), json!(original.path));
        extra.insert("originalLine".to_string(), json!(original.line));
        extra.insert("originalColumn".to_string(), json!(original.column));
    }
    if !finding.origin.members.is_empty() {
        // The artifact is the archive on disk; the member chain says where inside it.
        extra.insert("archiveMembers".to_string(), json!(finding.origin.members));
    }
    if finding.origin.shadowed {
        extra.insert("deletedInLaterLayer".to_string(), json!(true));
    }
    if let Some(variable) = &finding.public_env {
        extra.insert("publicEnv".to_string(), json!(variable));
    }
    if let Some(commit) = commit {
        extra.insert("commit".to_string(), json!(commit.id));
        extra.insert("authorName".to_string(), json!(commit.author_name));
        extra.insert("authorEmail".to_string(), json!(commit.author_email));
        extra.insert("date".to_string(), json!(commit.date));
    }
    if let Some(present) = finding.present_at_head {
        extra.insert("presentAtHead".to_string(), json!(present));
    }
    // The key it holds (the JSON `secrets[].id`): one result per place, grouped by this.
    extra.insert("secretId".to_string(), json!(finding.secret.id()));
    if let Some(repository) = &finding.origin.repository {
        extra.insert("repository".to_string(), json!(repository.as_ref()));
    }
    // Findings only come from these rules, so the index is always found.
    let rule_index = rules
        .iter()
        .position(|r| *r.id == *finding.rule_id)
        .unwrap_or_default() as i64;
    // A key allowed by a marker the audited change added: a result GitHub shows as
    // suppressed in source, rather than no result at all.
    let suppressions: Vec<Suppression> = finding
        .added_suppression
        .iter()
        .filter(|added| added.kind == "marker")
        .map(|added| {
            Suppression::builder()
                .kind(json!("inSource"))
                .justification(added.describe())
                .build()
        })
        .collect();
    if let Some(added) = &finding.added_suppression {
        extra.insert("suppressedBy".to_string(), json!(added.kind));
        extra.insert("suppressedAt".to_string(), json!(added.place));
    }
    let mut result = SarifResult::builder()
        .rule_id(finding.rule_id.to_string())
        .rule_index(rule_index)
        .level(level(finding.severity))
        .message(
            Message::builder()
                .text(member_message(finding, message(finding, show_secrets)))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(extra).build())
        .build();
    if !suppressions.is_empty() {
        result.suppressions = Some(suppressions);
    }
    result
}

/// GitHub resolves URIs against the repository root, where CI runs us: an absolute path under
/// the working directory becomes relative to it.
pub(crate) fn relative_to_cwd(path: &str) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_string();
    };
    match std::path::Path::new(path).strip_prefix(&cwd) {
        Ok(rel) if path.starts_with('/') => rel.to_string_lossy().replace('\\', "/"),
        _ => path.to_string(),
    }
}

/// [`relative_to_cwd`] on a path's raw bytes, which may not be UTF-8.
fn relative_bytes_to_cwd(path: &[u8]) -> Vec<u8> {
    let cwd = match std::env::current_dir() {
        Ok(cwd) if path.starts_with(b"/") => crate::blob::raw_bytes(&cwd),
        _ => return path.to_vec(),
    };
    let cwd = cwd.strip_suffix(b"/").unwrap_or(&cwd);
    match path.strip_prefix(cwd) {
        Some(rest) if rest.len() > 1 && rest[0] == b'/' => rest[1..].to_vec(),
        _ => path.to_vec(),
    }
}

/// A relative URI reference for a `/`-separated path: unreserved characters and `/` kept, the
/// rest percent-encoded byte by byte, so a name that is not UTF-8 (or holds a newline) keeps
/// its exact bytes (`%FF`, `%0A`). Absolute paths become `file://` URIs.
pub fn path_to_uri(path: impl AsRef<[u8]>) -> String {
    let path = path.as_ref();
    let mut uri = String::with_capacity(path.len());
    if path.starts_with(b"/") {
        uri.push_str("file://");
    }
    for &b in path {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Incompressible bytes, `n` per kept result.
    fn noise(kept: &[usize], n: usize) -> Vec<u8> {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut bytes = Vec::new();
        for _ in 0..kept.len() * n {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(state as u8);
        }
        bytes
    }

    #[test]
    fn logs_over_the_limits_keep_the_most_severe_results() {
        use Severity::*;
        let severities = [Low, Critical, Medium, High, Low, Critical];
        let limits = Limits {
            max_results: 3,
            max_gzip_bytes: 1_000_000,
        };
        let mut seen = Vec::new();
        let fitted = fit(&severities, limits, &mut |kept, why, out| {
            seen.push((kept.to_vec(), why.map(str::to_string)));
            out.write_all(b"{}")
        })
        .expect("fit");
        assert_eq!(fitted.kept.len(), 3);
        // Critical, critical, high, in report order.
        assert_eq!(seen[0].0, vec![1, 3, 5]);
        assert!(
            fitted
                .reason
                .expect("truncated")
                .contains("at most 3 results")
        );

        // Each result is 10 KB of noise: only ~9 fit in 100 KB gzipped.
        let limits = Limits {
            max_results: 25_000,
            max_gzip_bytes: 100_000,
        };
        let severities = vec![High; 40];
        let mut noisy = |kept: &[usize], _: Option<&str>, out: &mut dyn Write| {
            out.write_all(&noise(kept, 10_000))
        };
        let fitted = fit(&severities, limits, &mut noisy).expect("fit");
        let mut encoder = gzip_counter();
        noisy(&fitted.kept, None, &mut encoder).expect("gzip");
        assert!(encoder.finish().expect("gzip").0 <= 100_000);
        assert!(
            (5..10).contains(&fitted.kept.len()),
            "{}",
            fitted.kept.len()
        );
        assert!(fitted.reason.expect("truncated").contains("gzipped"));

        // Within the limits: untouched.
        let fitted = fit(&severities, limits, &mut |kept, _, out| {
            out.write_all(&vec![b' '; kept.len()])
        })
        .expect("fit");
        assert_eq!((fitted.kept.len(), fitted.reason), (40, None));
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(path_to_uri("src/app config.py"), "src/app%20config.py");
        assert_eq!(path_to_uri("/tmp/x#1.env"), "file:///tmp/x%231.env");
        assert_eq!(path_to_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(path_to_uri(b"a\nb/\xff.env"), "a%0Ab/%FF.env");
    }
}
