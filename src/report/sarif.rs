//! SARIF 2.1.0 for GitHub code scanning (serde_sarif).
//!
//! # Format
//!
//! One run. `tool.driver.rules` lists every rule that ran, each with short and full
//! descriptions, help text and markdown (how to rotate and purge), and properties `tags`
//! (`security`, `secret`, …), `security-severity` and `precision`. Each result has `ruleId`,
//! `ruleIndex`, `level`, a message with the redacted value, exactly one physical location with a
//! relative, percent-encoded `artifactLocation.uri` and a full region (1-based lines and columns,
//! `endColumn` after the last character, `run.columnKind` = `unicodeCodePoints`), and
//! `partialFingerprints["viscan/v1"]`, a digest of the finding's fingerprint (rule id + keyed
//! secret hash + path, never the line; plus the commit for history findings). `properties`
//! carry the fingerprint, `inBundle`, `viaRule`, and for history findings `commit`, `authorName`,
//! `authorEmail`, `date` and `presentAtHead`. `results` is always present, `[]` when clean. The raw secret never appears.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, PhysicalLocation,
    PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::{REMEDIATION, ReportInput, message};
use crate::finding::{Finding, Severity};
use crate::rules::Rule;

/// The schema URI GitHub and validators expect.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes the SARIF log.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<&Rule> = input.rules.rules().iter().collect();
    let descriptors: Vec<ReportingDescriptor> = rules.iter().map(|r| descriptor(r)).collect();
    let results: Vec<SarifResult> = input
        .findings
        .iter()
        .map(|f| result(f, &rules, input.show_secrets))
        .collect();
    let driver = ToolComponent::builder()
        .name("viscan")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/viscan/viscan")
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![
            Invocation::builder()
                .execution_successful(!input.summary.had_errors)
                .build(),
        ])
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
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
                        .uri(path_to_uri(&relative_to_cwd(
                            &finding.origin.display_path(),
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
    if let Some(via) = &finding.via_rule {
        extra.insert("viaRule".to_string(), json!(via));
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
    // Findings only come from these rules, so the index is always found.
    let rule_index = rules
        .iter()
        .position(|r| r.id == finding.rule_id)
        .unwrap_or_default() as i64;
    SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .rule_index(rule_index)
        .level(level(finding.severity))
        .message(
            Message::builder()
                .text(message(finding, show_secrets))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(extra).build())
        .build()
}

/// GitHub resolves URIs against the repository root, where CI runs us: an absolute path under
/// the working directory becomes relative to it.
fn relative_to_cwd(path: &str) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_string();
    };
    match std::path::Path::new(path).strip_prefix(&cwd) {
        Ok(rel) if path.starts_with('/') => rel.to_string_lossy().replace('\\', "/"),
        _ => path.to_string(),
    }
}

/// A relative URI reference for a `/`-separated path: unreserved characters and `/` kept, the
/// rest percent-encoded. Absolute paths become `file://` URIs.
pub fn path_to_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    if path.starts_with('/') {
        uri.push_str("file://");
    }
    for &b in path.as_bytes() {
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

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(path_to_uri("src/app config.py"), "src/app%20config.py");
        assert_eq!(path_to_uri("/tmp/x#1.env"), "file:///tmp/x%231.env");
        assert_eq!(path_to_uri("<stdin>"), "%3Cstdin%3E");
    }
}
