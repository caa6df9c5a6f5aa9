//! The rule set: rules as written ([`syntax`]) are checked and compiled once into [`Rule`]s and
//! shared by every scan thread as `&RuleSet`. The built-in rules are `rules/*.toml`, embedded at
//! build time.

pub mod syntax;

use regex::bytes::{Regex, RegexBuilder};
use thiserror::Error;

use crate::finding::{Precision, Severity};
pub use syntax::{ContextCheck, RuleKindSyntax as RuleKind, ScopeSyntax as Scope};
use syntax::{RuleFileSyntax, RuleSyntax};

/// The built-in rule files, in precedence order: (file name, contents).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "voiceinfra.toml",
        include_str!("../../rules/voiceinfra.toml"),
    ),
    ("generic.toml", include_str!("../../rules/generic.toml")),
];

/// Default value constraints.
pub const DEFAULT_MIN_LENGTH: usize = 16;
/// Default longest value.
pub const DEFAULT_MAX_LENGTH: usize = 256;

/// Why a rule file could not be loaded.
#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: rule {id}: {message}")]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
}

/// One compiled pattern.
#[derive(Debug)]
pub struct Pattern {
    /// The compiled regex.
    pub regex: Regex,
    /// Index of the `secret` group.
    pub secret_group: usize,
    /// Index of the `name` group, if any.
    pub name_group: Option<usize>,
}

/// Value constraints after defaults.
#[derive(Debug, Clone, Copy)]
pub struct ValueLimits {
    /// Shortest accepted value, in bytes.
    pub min_length: usize,
    /// Longest accepted value, in bytes.
    pub max_length: usize,
    /// Overrides the alphabet-dependent entropy threshold.
    pub min_entropy: Option<f64>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub precision: Precision,
    pub kind: RuleKind,
    pub scope: Scope,
    /// Lowercased keywords.
    pub keywords: Vec<String>,
    pub patterns: Vec<Pattern>,
    pub value: ValueLimits,
    pub require_any: Vec<ContextCheck>,
    pub reject: Vec<ContextCheck>,
    /// Index of the rule to report under in bundles.
    pub in_bundle: Option<usize>,
    pub example_path: String,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
    pub references: Vec<String>,
    /// The file the rule came from.
    pub file: String,
}

/// All enabled rules, in precedence order.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules embedded in the binary.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::from_files(BUILTIN_FILES)
    }

    /// Parses, checks and compiles rules from (file name, TOML text) pairs.
    pub fn from_files(files: &[(&str, &str)]) -> Result<RuleSet, RuleError> {
        let mut written: Vec<(String, RuleSyntax)> = Vec::new();
        for (file, text) in files {
            let parsed: RuleFileSyntax = toml::from_str(text).map_err(|e| RuleError::Parse {
                file: (*file).to_string(),
                message: e.to_string(),
            })?;
            written.extend(parsed.rules.into_iter().map(|r| (file.to_string(), r)));
        }
        let ids: Vec<String> = written.iter().map(|(_, r)| r.id.clone()).collect();
        let mut rules = Vec::with_capacity(written.len());
        for (index, (file, syntax)) in written.into_iter().enumerate() {
            if ids[..index].contains(&syntax.id) {
                return Err(invalid(&file, &syntax.id, "duplicate rule id"));
            }
            rules.push(compile(file, syntax, &ids)?);
        }
        Ok(RuleSet { rules })
    }

    /// Every rule, in precedence order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn invalid(file: &str, id: &str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        file: file.to_string(),
        id: id.to_string(),
        message: message.into(),
    }
}

/// Whether `id` is a well-formed rule id: lowercase dotted segments, at least two.
pub fn is_valid_id(id: &str) -> bool {
    let segments: Vec<&str> = id.split('.').collect();
    segments.len() >= 2
        && segments.iter().all(|s| {
            !s.is_empty()
                && !s.starts_with('-')
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn compile(file: String, syntax: RuleSyntax, ids: &[String]) -> Result<Rule, RuleError> {
    let id = syntax.id.clone();
    if !is_valid_id(&id) {
        return Err(invalid(
            &file,
            &id,
            "id must be lowercase dotted segments like `provider.kind`",
        ));
    }
    if syntax.keywords.is_empty() || syntax.keywords.iter().any(|k| k.trim().is_empty()) {
        return Err(invalid(&file, &id, "needs at least one non-empty keyword"));
    }
    if syntax.patterns.is_empty() {
        return Err(invalid(&file, &id, "needs at least one pattern"));
    }
    let mut patterns = Vec::with_capacity(syntax.patterns.len());
    for text in &syntax.patterns {
        // Bytes, not Unicode: `\s`, `\w` and `[^…]` work on raw bytes (so invalid UTF-8 is
        // fine), and the automata stay small enough to compile quickly.
        let regex = RegexBuilder::new(text)
            .unicode(false)
            .build()
            .map_err(|e| invalid(&file, &id, format!("bad pattern: {e}")))?;
        let group = |name: &str| regex.capture_names().position(|n| n == Some(name));
        let secret_group = group("secret")
            .ok_or_else(|| invalid(&file, &id, format!("pattern has no `secret` group: {text}")))?;
        let name_group = group("name");
        patterns.push(Pattern {
            regex,
            secret_group,
            name_group,
        });
    }
    let value = ValueLimits {
        min_length: syntax.value.min_length.unwrap_or(DEFAULT_MIN_LENGTH),
        max_length: syntax.value.max_length.unwrap_or(DEFAULT_MAX_LENGTH),
        min_entropy: syntax.value.min_entropy,
    };
    if value.min_length == 0 || value.min_length > value.max_length {
        return Err(invalid(
            &file,
            &id,
            "value.min_length must be 1..=max_length",
        ));
    }
    let in_bundle = match &syntax.in_bundle {
        None => None,
        Some(target) => Some(ids.iter().position(|i| i == target).ok_or_else(|| {
            invalid(&file, &id, format!("in_bundle names unknown rule {target}"))
        })?),
    };
    Ok(Rule {
        id,
        name: syntax.name,
        description: syntax.description,
        severity: syntax.severity,
        precision: syntax.precision,
        kind: syntax.kind,
        scope: syntax.scope,
        keywords: syntax
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect(),
        patterns,
        value,
        require_any: syntax.context.require_any,
        reject: syntax.context.reject,
        in_bundle,
        example_path: syntax
            .example_path
            .unwrap_or_else(|| "example.txt".to_string()),
        examples: syntax.examples,
        negative_examples: syntax.negative_examples,
        references: syntax.references,
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        assert!(rules.get("voiceinfra.api-key.header").is_some());
        assert!(rules.get("generic.x-api-key").is_some());
    }

    #[test]
    fn ids_are_checked() {
        assert!(is_valid_id("voiceinfra.api-key.header"));
        assert!(!is_valid_id("VoiceInfra.key"));
        assert!(!is_valid_id("single"));
        assert!(!is_valid_id("a..b"));
    }

    #[test]
    fn duplicate_ids_and_missing_groups_are_errors() {
        let rule = |id: &str, pattern: &str| {
            format!(
                "[[rules]]\nid = \"{id}\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\n\
                 keywords = [\"k\"]\npatterns = ['{pattern}']\nexamples = []\nnegative_examples = []\n"
            )
        };
        let dup = format!(
            "{}{}",
            rule("a.b", "(?P<secret>x)"),
            rule("a.b", "(?P<secret>y)")
        );
        let err = RuleSet::from_files(&[("t.toml", &dup)]).unwrap_err();
        assert!(err.to_string().contains("duplicate rule id"), "{err}");
        let err = RuleSet::from_files(&[("t.toml", &rule("a.b", "x"))]).unwrap_err();
        assert!(err.to_string().contains("no `secret` group"), "{err}");
        let err = RuleSet::from_files(&[("t.toml", &rule("a.b", "(?P<secret>x"))]).unwrap_err();
        assert!(err.to_string().contains("bad pattern"), "{err}");
    }
}
