//! The config file: `--config FILE`, else `VISCAN_CONFIG`, else `.viscan.toml` at the scanned
//! root. It quiets findings precisely (allowlists), turns rules off and on, adds custom rules in
//! the `rules/*.toml` format, and sets the scanning knobs. Everything is checked when the file is
//! loaded, before any scanning: an unknown key or a bad regex is an error that names the file,
//! the line and the key.
//!
//! ```toml
//! [scan]
//! max_file_size = "50M"        # like --max-file-size
//! min_length = 20              # shortest secret, for rules that don't set their own
//! min_entropy = 3.8            # entropy threshold, for rules that don't set their own
//! bundle_paths = ["web/public/js/**"]   # more globs that mark front-end bundles
//!
//! [rules]
//! disable = ["voiceinfra.api-key.endpoint"]   # ids or globs (`voiceinfra.*`)
//! enable = []                                 # turned back on after `disable`
//!
//! [allowlist]
//! paths = ["tests/fixtures/**"]   # gitignore-style globs, relative to the scanned root
//! values = ['^vi_test_']          # regexes over the secret value
//! stopwords = ["sandbox"]         # case-insensitive substrings of the secret value
//!
//! [[custom_rules]]                # same fields as a rule in rules/*.toml
//! id = "acme.deploy-token"
//! ...
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::blob::{quote_path, raw_bytes};
use crate::rules::syntax::RuleSyntax;
use crate::rules::{RuleOptions, RuleSource, line_of};
use crate::tree_file;

/// The file name looked for at the scanned root.
pub const DEFAULT_FILE: &str = ".viscan.toml";
/// The environment variable naming a config file.
pub const ENV_VAR: &str = "VISCAN_CONFIG";

/// The config file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSyntax {
    /// Scanning knobs.
    #[serde(default)]
    pub scan: ScanSyntax,
    /// Rule selection.
    #[serde(default)]
    pub rules: RuleSelectionSyntax,
    /// What never to report.
    #[serde(default)]
    pub allowlist: AllowlistSyntax,
    /// Rules added to the built-in ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_rules: Vec<RuleSyntax>,
}

/// `[scan]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSyntax {
    /// Size limit, as `--max-file-size` takes it (`--max-file-size` wins).
    pub max_file_size: Option<String>,
    /// Shortest secret for rules that don't set their own.
    pub min_length: Option<usize>,
    /// Entropy threshold for rules that don't set their own.
    pub min_entropy: Option<f64>,
    /// Extra globs (relative to the scanned root) of front-end bundles.
    #[serde(default)]
    pub bundle_paths: Vec<Spanned<String>>,
}

/// `[rules]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSelectionSyntax {
    /// Rule ids or `*` globs to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Rule ids or globs to turn back on.
    #[serde(default)]
    pub enable: Vec<String>,
}

/// `[allowlist]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSyntax {
    /// Gitignore-style path globs, relative to the scanned root.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes; a secret matching one is not reported.
    #[serde(default)]
    pub values: Vec<Spanned<String>>,
    /// Case-insensitive substrings; a secret containing one is not reported.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// A loaded config: what was written, and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file, if one was found.
    pub path: Option<PathBuf>,
    /// Its text.
    pub text: String,
    /// What it says.
    pub syntax: ConfigSyntax,
    /// Compiled `[allowlist] values`.
    pub allow_values: Vec<regex::bytes::Regex>,
    /// Compiled `[scan] bundle_paths`.
    pub bundle_paths: Option<globset::GlobSet>,
    /// `[scan] max_file_size` in bytes.
    pub max_file_size: Option<u64>,
}

impl Config {
    /// Finds and loads the config: `explicit` (`--config`), else `$VISCAN_CONFIG`, else
    /// `.viscan.toml` in `root`. No file at all is an empty config.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> anyhow::Result<Config> {
        let from_env = std::env::var_os(ENV_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(path) = explicit.map(Path::to_path_buf).or(from_env) {
            // Named by the user: trusted to be what they meant.
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            return Config::parse(&path, text);
        }
        // Named by the scanned tree: read only if it is a regular file inside it.
        let path = root.join(DEFAULT_FILE);
        match read_tree_text(root, &path, "config file")? {
            Some(text) => Config::parse(&path, text),
            None => Ok(Config::default()),
        }
    }

    /// Parses and checks config `text` read from `path`.
    pub fn parse(path: &Path, text: String) -> anyhow::Result<Config> {
        let name = path.display().to_string();
        let syntax: ConfigSyntax = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}", describe_toml_error(&name, &text, &e)))?;
        let allow_values = syntax
            .allowlist
            .values
            .iter()
            .map(|value| {
                regex::bytes::RegexBuilder::new(value.get_ref())
                    .unicode(false)
                    .build()
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{name}:{}: allowlist.values: bad regex {:?}: {e}",
                            line_of(&text, value.span().start),
                            value.get_ref()
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let bundle_paths = if syntax.scan.bundle_paths.is_empty() {
            None
        } else {
            let mut builder = globset::GlobSetBuilder::new();
            for glob in &syntax.scan.bundle_paths {
                builder.add(globset::Glob::new(glob.get_ref()).map_err(|e| {
                    anyhow::anyhow!(
                        "{name}:{}: scan.bundle_paths: {e}",
                        line_of(&text, glob.span().start)
                    )
                })?);
            }
            Some(builder.build()?)
        };
        for glob in &syntax.allowlist.paths {
            globset::Glob::new(glob.get_ref().trim_start_matches('/').trim_end_matches('/'))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{name}:{}: allowlist.paths: {e}",
                        line_of(&text, glob.span().start)
                    )
                })?;
        }
        let max_file_size = match &syntax.scan.max_file_size {
            None => None,
            Some(size) => Some(
                parse_size(size).map_err(|e| anyhow::anyhow!("{name}: scan.max_file_size: {e}"))?,
            ),
        };
        if let Some(entropy) = syntax.scan.min_entropy {
            if !(0.0..=8.0).contains(&entropy) {
                bail!("{name}: scan.min_entropy must be between 0 and 8 bits per character");
            }
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            text,
            syntax,
            allow_values,
            bundle_paths,
            max_file_size,
        })
    }

    /// Rule adjustments and custom rules, for [`crate::rules::RuleSet::load`].
    pub fn rule_parts(&self) -> (Vec<RuleSource<'_>>, RuleOptions) {
        let file = self
            .path
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        let sources = if self.syntax.custom_rules.is_empty() {
            Vec::new()
        } else {
            vec![RuleSource {
                file: file.clone(),
                text: &self.text,
                rules: self.syntax.custom_rules.clone(),
            }]
        };
        let options = RuleOptions {
            disable: self.syntax.rules.disable.clone(),
            enable: self.syntax.rules.enable.clone(),
            min_length: self.syntax.scan.min_length,
            min_entropy: self.syntax.scan.min_entropy,
            origin: file,
        };
        (sources, options)
    }

    /// The effective config as TOML, for `viscan config show`.
    pub fn to_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.syntax.clone();
        shown
            .scan
            .max_file_size
            .get_or_insert_with(|| DEFAULT_MAX_FILE_SIZE.to_string());
        let source = match &self.path {
            Some(path) => format!("# from {}\n", path.display()),
            None => "# no config file found: defaults\n".to_string(),
        };
        Ok(format!("{source}{}", toml::to_string_pretty(&shown)?))
    }
}

/// Reads a text file the scanned tree names (`.viscan.toml`, `.viscanignore`) through
/// [`tree_file::read`]: `None` when there is none; an error that names the path and the reason
/// (never the content) when it is a symlink, not a regular file, outside `root`, over
/// [`tree_file::CONFIG_CAP`] or not UTF-8.
pub fn read_tree_text(root: &Path, path: &Path, what: &str) -> anyhow::Result<Option<String>> {
    let shown = || quote_path(&raw_bytes(path));
    match tree_file::read(root, path, tree_file::CONFIG_CAP) {
        Ok(None) => Ok(None),
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{}: {what} is not UTF-8 text", shown())),
        Err(refusal) => bail!("{}: refusing to read this {what}: {refusal}", shown()),
    }
}

/// A TOML error as `file:line:column: message`, without the offending line: the file may not
/// be a config at all (a symlink to a credentials file, say), and the error must not print
/// what it holds. Quoted values in the message are elided and the rest escaped for a terminal.
pub fn describe_toml_error(name: &str, text: &str, error: &toml::de::Error) -> String {
    let place = match error.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            let line_start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let column = text
                .get(line_start..span.start.min(text.len()))
                .map_or(1, |s| s.chars().count() + 1);
            format!("{name}:{line}:{column}")
        }
        None => name.to_string(),
    };
    format!("{place}: {}", content_free(error.message()))
}

/// `message` with quoted values (`"…"`, `'…'`) elided, names in backticks over 24 characters
/// redacted to their first 4, control characters escaped and at most 200 characters in all.
fn content_free(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                // Skip to the matching quote: the value may be a secret.
                for inner in chars.by_ref() {
                    if inner == c {
                        break;
                    }
                }
                out.push(c);
                out.push('…');
                out.push(c);
            }
            '`' => {
                let name: String = chars.by_ref().take_while(|&inner| inner != '`').collect();
                out.push('`');
                // A long name may be a value in the wrong place (a credentials file read
                // as TOML): shown redacted, as secrets are.
                if name.chars().count() > 24 {
                    out.extend(name.chars().take(4));
                    out.push_str("*****");
                } else {
                    out.push_str(&name);
                }
                out.push('`');
            }
            c if crate::terminal::needs_escape(c) => crate::terminal::push_escaped(&mut out, c),
            c => out.push(c),
        }
        if out.chars().count() > 200 {
            out.push('…');
            break;
        }
    }
    out
}

/// `--max-file-size` when neither flag nor config sets it.
pub const DEFAULT_MAX_FILE_SIZE: &str = "100M";

/// Parses `123`, `64K`, `10M`, `1G` (powers of 1024; a trailing `B`/`iB` is allowed).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let trimmed = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, multiplier) = match trimmed.chars().last() {
        Some('K') => (&trimmed[..trimmed.len() - 1], 1u64 << 10),
        Some('M') => (&trimmed[..trimmed.len() - 1], 1 << 20),
        Some('G') => (&trimmed[..trimmed.len() - 1], 1 << 30),
        _ => (trimmed, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("invalid size {text:?}: use bytes or a K, M or G suffix"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        Config::parse(Path::new("cfg.toml"), text.to_string())
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("10MB"), Ok(10 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let err = parse("[scan]\nmax_file_size = \"1M\"\nbogus = 1\n").unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.starts_with("cfg.toml:3:1: ") && text.contains("unknown field `bogus`"),
            "{text}"
        );
        let err = parse("[allowlist]\nvalues = [\n  'ok',\n  '(unclosed',\n]\n").unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.starts_with("cfg.toml:4: allowlist.values: bad regex"),
            "{text}"
        );
    }

    #[test]
    fn empty_config_is_the_default() {
        let config = parse("").expect("empty config");
        assert!(config.allow_values.is_empty());
        assert!(
            config
                .to_toml()
                .expect("toml")
                .contains("max_file_size = \"100M\"")
        );
    }
}
