//! Suppression: what is dropped between the scan and the report, and why. In order:
//!
//! 1. inline markers (`viscan:allow` on the line, `viscan:allow-next-line` above it, also
//!    `gitleaks:allow` and `pragma: allowlist secret`), found by the scanner;
//! 2. `.viscanignore` at the scanned root (or `--ignore-file`): gitignore-style path globs and
//!    fingerprint lines, `#` comments;
//! 3. the config's `[allowlist]`: path globs, value regexes, stopwords;
//! 4. `--baseline FILE`: findings already known (by fingerprint, whatever the commit).
//!
//! Full history audits also count the findings of rules the config's `[rules] disable` turns
//! off ([`Suppressed::rules_disabled`]): the app runs those rules anyway and drops their
//! findings before anything else here, so such a finding counts there even when a marker
//! or an ignore entry would also hide it. In range audits, what the audited change itself adds
//! is not applied silently: see `app::trust` (issue 16).
//!
//! Each entry remembers whether it matched anything, so `--verbose` can list the stale ones.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::finding::Finding;

/// The ignore file looked for at the scanned root.
pub const IGNORE_FILE: &str = ".viscanignore";

/// How many findings each kind of suppression dropped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// By an inline marker.
    pub inline: u64,
    /// By `.viscanignore` (paths or fingerprints).
    pub ignore_file: u64,
    /// By the config's `[allowlist]`.
    pub allowlist: u64,
    /// By the baseline.
    pub baseline: u64,
    /// Of rules the config's `[rules] disable` turns off (counted by full history audits, which
    /// run those rules anyway and drop their findings here).
    pub rules_disabled: u64,
}

impl Suppressed {
    /// All suppressed findings.
    pub fn total(&self) -> u64 {
        self.inline + self.ignore_file + self.allowlist + self.baseline + self.rules_disabled
    }
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// An inline allow marker.
    Marker,
    /// The ignore file; the matching entry's `file:line`.
    IgnoreFile(String),
    /// The config's allowlist; the matching glob's `file:line` when it is a path glob.
    Allowlist(Option<String>),
    /// The baseline.
    Baseline,
}

/// Gitignore-style globs with a "was used" flag per glob.
struct PathGlobs {
    matcher: Gitignore,
    /// (original glob, file:line, used)
    entries: Vec<(String, String, AtomicBool)>,
}

impl PathGlobs {
    fn new(root: &Path, globs: &[(String, String)]) -> anyhow::Result<PathGlobs> {
        let mut builder = GitignoreBuilder::new(root);
        for (glob, place) in globs {
            builder
                .add_line(None, glob)
                .with_context(|| format!("{place}: bad path glob {glob:?}"))?;
        }
        Ok(PathGlobs {
            matcher: builder.build()?,
            entries: globs
                .iter()
                .map(|(g, place)| (g.clone(), place.clone(), AtomicBool::new(false)))
                .collect(),
        })
    }

    /// Whether `path` (relative to the root) or one of its parents matches a glob.
    fn matches(&self, path: &Path, is_dir: bool) -> bool {
        self.matched(path, is_dir).is_some()
    }

    /// The place (`file:line`) of the glob that matches `path` or one of its parents.
    fn matched(&self, path: &Path, is_dir: bool) -> Option<&str> {
        if self.entries.is_empty() {
            return None;
        }
        match self.matcher.matched_path_or_any_parents(path, is_dir) {
            ignore::Match::Ignore(glob) => {
                let entry = self.entries.iter().find(|e| e.0 == glob.original())?;
                entry.2.store(true, Ordering::Relaxed);
                Some(&entry.1)
            }
            _ => None,
        }
    }

    fn unused(&self) -> impl Iterator<Item = String> + '_ {
        self.entries
            .iter()
            .filter(|e| !e.2.load(Ordering::Relaxed))
            .map(|e| format!("{}: path glob {:?} matched nothing", e.1, e.0))
    }
}

/// A `.viscanignore` file, parsed.
pub struct IgnoreFile {
    globs: PathGlobs,
    /// (fingerprint, file:line, used)
    fingerprints: Vec<(String, String, AtomicBool)>,
}

impl IgnoreFile {
    /// Loads `path` (`explicit`), or `.viscanignore` in `root` if it exists.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> anyhow::Result<Option<IgnoreFile>> {
        if let Some(path) = explicit {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read ignore file {}", path.display()))?;
            return IgnoreFile::parse(path, &text, root).map(Some);
        }
        // Named by the scanned tree: one that cannot be read safely is not applied (which can
        // only show more findings), with a warning.
        let path = root.join(IGNORE_FILE);
        match crate::config::read_tree_text(root, &path, "ignore file") {
            Ok(Some(text)) => IgnoreFile::parse(&path, &text, root).map(Some),
            Ok(None) => Ok(None),
            Err(error) => {
                crate::warn!("{error:#}; it is not applied");
                Ok(None)
            }
        }
    }

    /// Parses ignore-file `text`; globs are relative to `root`.
    pub fn parse(path: &Path, text: &str, root: &Path) -> anyhow::Result<IgnoreFile> {
        let mut globs = Vec::new();
        let mut fingerprints = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            let place = format!("{}:{}", path.display(), number + 1);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if looks_like_fingerprint(line) {
                fingerprints.push((line.to_string(), place, AtomicBool::new(false)));
            } else {
                globs.push((line.to_string(), place));
            }
        }
        Ok(IgnoreFile {
            globs: PathGlobs::new(root, &globs)?,
            fingerprints,
        })
    }
}

/// `rule.id:0123456789abcdef:path` — a rule id, a 16-hex hash, a path.
fn looks_like_fingerprint(line: &str) -> bool {
    let mut parts = line.splitn(3, ':');
    let (Some(rule), Some(hash), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    crate::rules::is_valid_id(rule)
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !path.is_empty()
}

/// One known finding in a baseline file. Never the secret: a redacted preview only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// `rule:hash:path`, the identity that is matched.
    pub fingerprint: String,
    /// Rule id.
    pub rule_id: String,
    /// Path.
    pub path: String,
    /// First commit that introduced it (history baselines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// That commit's author date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Redacted value.
    pub preview: String,
}

/// A baseline file: known findings that `--baseline` hides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Entries sorted by fingerprint, then commit, without duplicates.
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    /// A baseline of `findings`, sorted and deduplicated so that the same findings always give
    /// the same bytes.
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.as_str().to_string(),
                rule_id: f.rule_id.to_string(),
                path: f.origin.display_within_root(),
                commit: f.origin.commit.as_ref().map(|c| c.id.clone()),
                date: f.origin.commit.as_ref().map(|c| c.date.clone()),
                preview: f.preview(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: 1,
            findings: entries,
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        serde_json::from_slice(&text)
            .with_context(|| format!("{}: not a viscan baseline", path.display()))
    }

    /// The file's bytes: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// Everything that can suppress a finding, built once per run.
pub struct Allow {
    ignore_file: Option<IgnoreFile>,
    allow_paths: PathGlobs,
    values: Vec<regex::bytes::Regex>,
    stopwords: Vec<String>,
    baseline: std::collections::HashSet<String>,
    /// Files the walk must not scan: our own config and baseline.
    pub own_files: Vec<PathBuf>,
}

impl Allow {
    /// Builds the suppression set for a scan rooted at `root`.
    pub fn new(
        config: &Config,
        ignore_file: Option<IgnoreFile>,
        baseline: Option<(PathBuf, Baseline)>,
        root: &Path,
    ) -> anyhow::Result<Allow> {
        let config_name = config
            .path
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        let allow_paths: Vec<(String, String)> = config
            .syntax
            .allowlist
            .paths
            .iter()
            .map(|g| {
                let line = crate::rules::line_of(&config.text, g.span().start);
                (g.get_ref().clone(), format!("{config_name}:{line}"))
            })
            .collect();
        let mut own_files: Vec<PathBuf> = config.path.iter().cloned().collect();
        let baseline = match baseline {
            Some((path, baseline)) => {
                own_files.push(path);
                baseline
                    .findings
                    .into_iter()
                    .map(|e| e.fingerprint)
                    .collect()
            }
            None => Default::default(),
        };
        Ok(Allow {
            ignore_file,
            allow_paths: PathGlobs::new(root, &allow_paths)?,
            values: config.allow_values.clone(),
            stopwords: config
                .syntax
                .allowlist
                .stopwords
                .iter()
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            baseline,
            own_files,
        })
    }

    /// Whether the walk can skip `path` (relative to the scanned root) altogether.
    pub fn skips_path(&self, path: &Path, is_dir: bool) -> bool {
        self.ignore_file
            .as_ref()
            .is_some_and(|f| f.globs.matches(path, is_dir))
            || self.allow_paths.matches(path, is_dir)
    }

    /// Drops suppressed findings; returns what is left and the counts. A finding that carries
    /// an [`crate::finding::AddedSuppression`] is kept: the change under audit added what would
    /// hide it.
    pub fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, Suppressed) {
        let mut suppressed = Suppressed::default();
        let kept = findings
            .into_iter()
            .filter(|f| {
                if f.added_suppression.is_some() {
                    return true;
                }
                let counter = match self.reason(f) {
                    None => return true,
                    Some(Reason::Marker) => &mut suppressed.inline,
                    Some(Reason::IgnoreFile(_)) => &mut suppressed.ignore_file,
                    Some(Reason::Allowlist(_)) => &mut suppressed.allowlist,
                    Some(Reason::Baseline) => &mut suppressed.baseline,
                };
                *counter += 1;
                false
            })
            .collect();
        (kept, suppressed)
    }

    /// Why `finding` is suppressed, if it is.
    pub fn reason(&self, finding: &Finding) -> Option<Reason> {
        if finding.allow_marker.is_some() {
            return Some(Reason::Marker);
        }
        let path = &finding.origin.within_root;
        if let Some(file) = &self.ignore_file {
            let fingerprint = finding.fingerprint.as_str();
            if let Some(entry) = file.fingerprints.iter().find(|e| e.0 == fingerprint) {
                entry.2.store(true, Ordering::Relaxed);
                return Some(Reason::IgnoreFile(entry.1.clone()));
            }
            if let Some(place) = file.globs.matched(path, false) {
                return Some(Reason::IgnoreFile(place.to_string()));
            }
        }
        if let Some(place) = self.allow_paths.matched(path, false) {
            return Some(Reason::Allowlist(Some(place.to_string())));
        }
        if !finding.is_reference {
            let secret = finding.secret.expose();
            let lower = secret.to_ascii_lowercase();
            if self.values.iter().any(|r| r.is_match(secret))
                || self
                    .stopwords
                    .iter()
                    .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
            {
                return Some(Reason::Allowlist(None));
            }
        }
        if self.baseline.contains(finding.fingerprint.as_str()) {
            return Some(Reason::Baseline);
        }
        None
    }

    /// Ignore-file and allowlist entries that matched nothing (for `--verbose`).
    pub fn unused(&self) -> Vec<String> {
        let mut unused: Vec<String> = Vec::new();
        if let Some(file) = &self.ignore_file {
            unused.extend(file.globs.unused());
            unused.extend(
                file.fingerprints
                    .iter()
                    .filter(|e| !e.2.load(Ordering::Relaxed))
                    .map(|e| format!("{}: fingerprint {} matched nothing", e.1, e.0)),
            );
        }
        unused.extend(self.allow_paths.unused());
        unused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_files_split_globs_from_fingerprints() {
        let text = "# comment\n\nvendor/\n*.generated.js\nvoiceinfra.api-key.header:0123456789abcdef:src/a.py\n";
        let file =
            IgnoreFile::parse(Path::new(".viscanignore"), text, Path::new("/r")).expect("parses");
        assert_eq!(file.fingerprints.len(), 1);
        assert_eq!(file.globs.entries.len(), 2);
        assert!(file.globs.matches(Path::new("vendor/lib/x.js"), false));
        assert!(file.globs.matches(Path::new("web/app.generated.js"), false));
        assert!(!file.globs.matches(Path::new("src/vendor.js"), false));
        let unused: Vec<String> = file.globs.unused().collect();
        assert!(unused.is_empty(), "{unused:?}");
    }

    #[test]
    fn fingerprint_lines_are_recognised() {
        assert!(looks_like_fingerprint(
            "generic.x-api-key:00ff00ff00ff00ff:a/b c.py"
        ));
        assert!(!looks_like_fingerprint("src/*.py"));
        assert!(!looks_like_fingerprint("a.b:xyz:path"));
    }
}
