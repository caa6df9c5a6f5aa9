//! The rule set: rules as written ([`syntax`]) are checked and compiled once into [`Rule`]s and
//! shared by every scan thread as `&RuleSet`. The built-in rules are `rules/*.toml`, embedded at
//! build time.

mod gate;
pub mod syntax;

use std::sync::{Arc, OnceLock};

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

/// Why a rule file could not be loaded. Messages name the file, and the line when known.
#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}{}: rule {id}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        file: String,
        line: Option<usize>,
        id: String,
        message: String,
    },
    #[error("{file}: {message}")]
    Selection { file: String, message: String },
}

/// Rules as written in one file, with that file's text (to turn spans into line numbers).
pub struct RuleSource<'a> {
    /// Name shown in errors (`voiceinfra.toml`, `.viscan.toml`).
    pub file: String,
    /// The file's text.
    pub text: &'a str,
    /// The rules it defines.
    pub rules: Vec<RuleSyntax>,
}

/// Adjustments a config file makes to the rule set.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// Rule ids, or globs like `voiceinfra.*`, to turn off.
    pub disable: Vec<String>,
    /// Rule ids, or globs, turned back on after `disable`.
    pub enable: Vec<String>,
    /// Shortest value for rules that don't set their own.
    pub min_length: Option<usize>,
    /// Entropy threshold for rules that don't set their own.
    pub min_entropy: Option<f64>,
    /// File name used in selection errors.
    pub origin: String,
}

impl RuleOptions {
    /// The `disable` entry that turns rule `id` off (and no `enable` entry turns back on).
    pub fn disabling(&self, id: &str) -> Option<&str> {
        let matches = |pattern: &&String| id_matches(pattern, id);
        if self.enable.iter().any(|p| matches(&p)) {
            return None;
        }
        self.disable.iter().find(matches).map(String::as_str)
    }
}

/// One pattern of a rule, compiled when first used.
///
/// Compiling every built-in regex took ~20 ms of the ~26 ms a run spent before reading anything
/// (`perf` on `viscan scan EMPTY_DIR`), paid by every pre-commit hook although most files hit no
/// keyword. A built-in pattern is compiled by the first scan whose prefilter picks its rule (a
/// test compiles all of them); a pattern from a config file is compiled while loading, so a bad
/// custom regex still stops the run before anything is scanned.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as written.
    text: String,
    /// Literals every match holds, read when the pattern is first needed.
    gate: OnceLock<gate::Gate>,
    compiled: OnceLock<CompiledPattern>,
}

/// A compiled pattern and the capture groups the scanner reads.
#[derive(Debug)]
pub struct CompiledPattern {
    /// The compiled regex.
    pub regex: Regex,
    /// Index of the `secret` group.
    pub secret_group: usize,
    /// Index of the `name` group, if any.
    pub name_group: Option<usize>,
}

impl Pattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `text` may hold a match: `false` when it lacks a literal that every match
    /// contains (see [`gate`]), so that the pattern need not be compiled or run on it.
    pub fn may_match(&self, text: &[u8]) -> bool {
        self.gate
            .get_or_init(|| gate::Gate::of(&self.text))
            .admits(text)
    }

    /// The compiled pattern, compiling it on first use.
    pub fn compiled(&self) -> &CompiledPattern {
        self.compiled.get_or_init(|| {
            compile_pattern(&self.text)
                .expect("built-in patterns compile: builtin_rules_compile compiles every one")
        })
    }
}

/// Compiles one pattern; the error says what is wrong with it.
fn compile_pattern(text: &str) -> Result<CompiledPattern, String> {
    // Bytes, not Unicode: `\s`, `\w` and `[^…]` work on raw bytes (so invalid UTF-8 is fine),
    // and the automata stay small enough to compile quickly.
    let regex = RegexBuilder::new(text)
        .unicode(false)
        .build()
        .map_err(|e| format!("bad pattern: {e}"))?;
    let group = |name: &str| regex.capture_names().position(|n| n == Some(name));
    let secret_group =
        group("secret").ok_or_else(|| format!("pattern has no `secret` group: {text}"))?;
    let name_group = group("name");
    Ok(CompiledPattern {
        regex,
        secret_group,
        name_group,
    })
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
    /// Shared with every finding of the rule (a finding holds a pointer, not a copy: issue 11).
    pub id: Arc<str>,
    pub name: Arc<str>,
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
    /// Findings are kept only when the scan as a whole integrates VoiceInfra.
    pub require_project: bool,
    /// Index of the rule to report under in bundles.
    pub in_bundle: Option<usize>,
    /// Index of the rule to report under when the value is bound to a browser-public env
    /// variable (`NEXT_PUBLIC_…`).
    pub in_public_env: Option<usize>,
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
    /// The rules embedded in the binary, all enabled.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::load(Vec::new(), &RuleOptions::default())
    }

    /// Parses, checks and compiles rules from (file name, TOML text) pairs.
    pub fn from_files(files: &[(&str, &str)]) -> Result<RuleSet, RuleError> {
        let sources = parse_files(files)?;
        RuleSet::from_sources(sources, 0, &RuleOptions::default())
    }

    /// The built-in rules followed by `extra` ones (a config file's custom rules), adjusted by
    /// `options`.
    pub fn load(extra: Vec<RuleSource<'_>>, options: &RuleOptions) -> Result<RuleSet, RuleError> {
        let mut sources = parse_files(BUILTIN_FILES)?;
        let num_builtin = sources.len();
        sources.extend(extra);
        RuleSet::from_sources(sources, num_builtin, options)
    }

    /// Compiles `sources`; the patterns of the first `num_lazy` (the built-in files) are
    /// compiled when first used (see [`Pattern`]).
    fn from_sources(
        sources: Vec<RuleSource<'_>>,
        num_lazy: usize,
        options: &RuleOptions,
    ) -> Result<RuleSet, RuleError> {
        let ids: Vec<String> = sources
            .iter()
            .flat_map(|s| s.rules.iter().map(|r| r.id.clone()))
            .collect();
        let selected = |id: &str| options.disabling(id).is_none();
        for pattern in options.disable.iter().chain(&options.enable) {
            if !ids.iter().any(|id| id_matches(pattern, id)) {
                return Err(RuleError::Selection {
                    file: options.origin.clone(),
                    message: format!("no rule matches {pattern:?} (see `viscan rules list`)"),
                });
            }
        }
        let enabled: Vec<String> = ids.iter().filter(|id| selected(id)).cloned().collect();
        let mut rules = Vec::with_capacity(enabled.len());
        let mut index = 0;
        for (number, source) in sources.into_iter().enumerate() {
            let lazy = number < num_lazy;
            for syntax in source.rules {
                if ids[..index].contains(&syntax.id) {
                    return Err(invalid(&source.file, None, &syntax.id, "duplicate rule id"));
                }
                index += 1;
                if selected(&syntax.id) {
                    rules.push(compile(
                        &source.file,
                        source.text,
                        syntax,
                        &ids,
                        &enabled,
                        options,
                        lazy,
                    )?);
                }
            }
        }
        Ok(RuleSet { rules })
    }

    /// Every rule, in precedence order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| &*r.id == id)
    }

    /// Compiles every pattern not compiled yet (`rules check`, tests).
    pub fn compile_all(&self) {
        for rule in &self.rules {
            for pattern in &rule.patterns {
                pattern.compiled();
            }
        }
    }
}

fn invalid(file: &str, line: Option<usize>, id: &str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        file: file.to_string(),
        line,
        id: id.to_string(),
        message: message.into(),
    }
}

fn parse_files<'a>(files: &[(&str, &'a str)]) -> Result<Vec<RuleSource<'a>>, RuleError> {
    files
        .iter()
        .map(|(file, text)| {
            let parsed: RuleFileSyntax = toml::from_str(text).map_err(|e| RuleError::Parse {
                file: (*file).to_string(),
                message: e.to_string(),
            })?;
            Ok(RuleSource {
                file: (*file).to_string(),
                text,
                rules: parsed.rules,
            })
        })
        .collect()
}

/// Whether `pattern` (an id, or an id glob with `*`) names rule `id`.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == id,
        Some((prefix, suffix)) => {
            id.len() >= prefix.len() + suffix.len()
                && id.starts_with(prefix)
                && id.ends_with(suffix)
        }
    }
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
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

fn compile(
    file: &str,
    text_of_file: &str,
    syntax: RuleSyntax,
    ids: &[String],
    enabled: &[String],
    options: &RuleOptions,
    lazy: bool,
) -> Result<Rule, RuleError> {
    let id = syntax.id.clone();
    if !is_valid_id(&id) {
        return Err(invalid(
            file,
            None,
            &id,
            "id must be lowercase dotted segments like `provider.kind`",
        ));
    }
    if syntax.keywords.is_empty() || syntax.keywords.iter().any(|k| k.trim().is_empty()) {
        return Err(invalid(
            file,
            None,
            &id,
            "needs at least one non-empty keyword",
        ));
    }
    if syntax.patterns.is_empty() {
        return Err(invalid(file, None, &id, "needs at least one pattern"));
    }
    let mut patterns = Vec::with_capacity(syntax.patterns.len());
    for spanned in &syntax.patterns {
        let text = spanned.get_ref();
        let compiled = if lazy {
            OnceLock::new()
        } else {
            let line = Some(line_of(text_of_file, spanned.span().start));
            OnceLock::from(compile_pattern(text).map_err(|e| invalid(file, line, &id, e))?)
        };
        patterns.push(Pattern {
            text: text.clone(),
            gate: OnceLock::new(),
            compiled,
        });
    }
    let value = ValueLimits {
        min_length: syntax
            .value
            .min_length
            .or(options.min_length)
            .unwrap_or(DEFAULT_MIN_LENGTH),
        max_length: syntax.value.max_length.unwrap_or(DEFAULT_MAX_LENGTH),
        min_entropy: syntax.value.min_entropy.or(options.min_entropy),
    };
    if value.min_length == 0 || value.min_length > value.max_length {
        return Err(invalid(
            file,
            None,
            &id,
            "value.min_length must be 1..=max_length",
        ));
    }
    // Index among the enabled rules; a disabled target rule means no promotion.
    let promotion = |key: &str, target: &Option<String>| match target {
        None => Ok(None),
        Some(target) if !ids.contains(target) => Err(invalid(
            file,
            None,
            &id,
            format!("{key} names unknown rule {target}"),
        )),
        Some(target) => Ok(enabled.iter().position(|i| i == target)),
    };
    let in_bundle = promotion("in_bundle", &syntax.in_bundle)?;
    let in_public_env = promotion("in_public_env", &syntax.in_public_env)?;
    Ok(Rule {
        id: id.into(),
        name: syntax.name.into(),
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
        require_project: syntax.context.require_project,
        in_bundle,
        in_public_env,
        example_path: syntax
            .example_path
            .unwrap_or_else(|| "example.txt".to_string()),
        examples: syntax.examples,
        negative_examples: syntax.negative_examples,
        references: syntax.references,
        file: file.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabling_names_the_entry_unless_enable_turns_the_rule_back_on() {
        let options = RuleOptions {
            disable: vec!["voiceinfra.*".into()],
            enable: vec!["voiceinfra.webhook-secret".into()],
            ..RuleOptions::default()
        };
        assert_eq!(
            options.disabling("voiceinfra.api-key.header"),
            Some("voiceinfra.*")
        );
        assert_eq!(options.disabling("voiceinfra.webhook-secret"), None);
        assert_eq!(options.disabling("generic.x-api-key"), None);
    }

    #[test]
    fn builtin_rules_compile() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        // Each pattern, with its `secret` group: at run time they compile lazily.
        for rule in rules.rules() {
            for pattern in &rule.patterns {
                compile_pattern(pattern.as_str())
                    .unwrap_or_else(|e| panic!("rule {}: {e}", rule.id));
            }
        }
        assert!(rules.get("voiceinfra.api-key.header").is_some());
        assert!(rules.get("generic.x-api-key").is_some());
    }

    #[test]
    fn gates_admit_every_example_their_pattern_matches() {
        let rules = RuleSet::builtin().expect("built-in rules compile");
        let mut num_closed = 0;
        for rule in rules.rules() {
            for example in rule.examples.iter().chain(&rule.negative_examples) {
                for pattern in &rule.patterns {
                    let text = example.as_bytes();
                    let matches = pattern.compiled().regex.is_match(text);
                    let admitted = pattern.may_match(text);
                    assert!(
                        admitted || !matches,
                        "rule {}: gate of {} rejects {example:?}",
                        rule.id,
                        pattern.as_str()
                    );
                    num_closed += usize::from(!admitted);
                }
            }
        }
        // The gates do close: most patterns of a rule cannot match most examples.
        assert!(num_closed > 500, "only {num_closed} gates closed");
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
