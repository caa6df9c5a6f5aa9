//! Rules as written in `rules/*.toml` and in config files' `[[custom_rules]]`: plain serde types,
//! checked and compiled into [`super::Rule`] by [`super::RuleSet`].

use serde::{Deserialize, Serialize};

use crate::finding::{Precision, Severity};

/// One rules file: `[[rules]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileSyntax {
    /// The rules, in precedence order.
    pub rules: Vec<RuleSyntax>,
}

/// One rule as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSyntax {
    /// Stable id, `provider.kind[.detail]`, lowercase.
    pub id: String,
    /// Short human name.
    pub name: String,
    /// What the rule finds and why it matters.
    pub description: String,
    /// How bad a finding is.
    pub severity: Severity,
    /// How often findings are true positives.
    #[serde(default = "default_precision")]
    pub precision: Precision,
    /// What the `secret` group captures.
    #[serde(default)]
    pub kind: RuleKindSyntax,
    /// Which blobs the rule applies to.
    #[serde(default)]
    pub scope: ScopeSyntax,
    /// Lowercase keywords; the rule runs only on blobs containing one (case-insensitively).
    pub keywords: Vec<String>,
    /// Byte regexes, each with a `secret` group and optionally a `name` group (with their
    /// place in the file, for error messages).
    pub patterns: Vec<toml::Spanned<String>>,
    /// Constraints on the secret value.
    #[serde(default)]
    pub value: ValueSyntax,
    /// Context the match must (or must not) have.
    #[serde(default)]
    pub context: ContextSyntax,
    /// Rule id to report under when the blob is a front-end bundle.
    #[serde(default)]
    pub in_bundle: Option<String>,
    /// Rule id to report under when the `name` group is a browser-public env variable
    /// (`NEXT_PUBLIC_…`, `VITE_…`): the build inlines the value into the bundle.
    #[serde(default)]
    pub in_public_env: Option<String>,
    /// Path the examples are scanned as (default `example.txt`).
    #[serde(default)]
    pub example_path: Option<String>,
    /// Snippets this rule must report.
    pub examples: Vec<String>,
    /// Snippets this rule must not report.
    pub negative_examples: Vec<String>,
    /// Links for the SARIF help text.
    #[serde(default)]
    pub references: Vec<String>,
}

fn default_precision() -> Precision {
    Precision::Medium
}

/// What a rule's `secret` group captures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKindSyntax {
    /// The secret value itself.
    #[default]
    Literal,
    /// An identifier whose literal value is assigned elsewhere in the same blob.
    Indirect,
    /// A reference that exposes a secret (a public env variable name); no value checks.
    Reference,
}

/// Which blobs a rule applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeSyntax {
    /// Every blob.
    #[default]
    Any,
    /// Only front-end bundles and source maps.
    Bundle,
}

/// Constraints on a secret value (see `scan::value`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSyntax {
    /// Shortest accepted value (default 16).
    pub min_length: Option<usize>,
    /// Longest accepted value (default 256).
    pub max_length: Option<usize>,
    /// Minimum Shannon entropy in bits per character (default: depends on the alphabet).
    pub min_entropy: Option<f64>,
}

/// Context checks, by name (see `scan::context`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSyntax {
    /// At least one of these must hold (empty: no requirement).
    #[serde(default)]
    pub require_any: Vec<ContextCheck>,
    /// None of these may hold.
    #[serde(default)]
    pub reject: Vec<ContextCheck>,
    /// Kept only when the scanned tree, repository or staged change integrates VoiceInfra
    /// (some blob names it): project-level context for files that never name it (issue 13).
    #[serde(default)]
    pub require_project: bool,
}

/// A named context check, implemented in `scan::context`. Weak ties are overridden by a name
/// or value format that says the key belongs to another service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextCheck {
    /// The pattern's `name` group names VoiceInfra.
    NamesVoiceinfra,
    /// The blob mentions the `X-VoiceInfra-Signature` header (weak tie).
    SignatureHeaderInFile,
    /// An enclosing block names VoiceInfra (a less-indented opener, section header or heading
    /// comment; siblings don't count), or VoiceInfra is named earlier on the line (weak tie).
    VoiceinfraScope,
    /// The VoiceInfra host appears within ~10 lines, cut to the enclosing config block (weak
    /// tie).
    VoiceinfraHostNearby,
    /// The nearest vendor mention around the match is another vendor's URL.
    OtherVendorHost,
    /// The blob is an API client's collection or environment (Postman, Insomnia, Bruno, REST
    /// client, by file name) that mentions the VoiceInfra host anywhere (weak tie).
    VoiceinfraApiClient,
    /// The blob verifies an HMAC-SHA256 signature read from a request header, the way
    /// VoiceInfra's webhook signature is checked, and names no other vendor's signature header
    /// (weak tie).
    HmacSignatureCheck,
}
