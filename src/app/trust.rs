//! What decides a range audit (`viscan ci`, `viscan history --range A..B`), and what it does
//! not trust (issue 16): the change under audit must not be able to switch the audit off.
//!
//! - `.viscan.toml` and `.viscanignore` are read as git blobs from the range's *base* commit
//!   (the push's `before`, the pull request's base), never from its head or the working tree.
//!   When the range changes one of them, a notice says so (stderr, a `::notice` in the github
//!   format, the job summary), and each finding the head version would hide is reported as
//!   "hidden by a suppression added in this change", naming the file (and line where known).
//!   `--trust-range-config` applies the head version instead; the notice stays.
//! - An inline marker that allows a key which the base version of its file did not hold was
//!   added by the change: the finding is kept, as a warning ("allowed by a marker added in
//!   this change"); `--strict` makes it fail the run.
//! - A file the workflow names (`--config`, `$VISCAN_CONFIG`, `--ignore-file`, `--baseline`)
//!   is trusted as given: workflow files need review of their own (CODEOWNERS).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Decided, Settings};
use crate::allow::{Allow, IGNORE_FILE, IgnoreFile, Reason};
use crate::config::{self, Config};
use crate::finding::{AddedSuppression, Finding};
use crate::rules::RuleOptions;
use crate::source::git::{COMMIT_MESSAGE, CommitFiles, FileAt, TAG_MESSAGE};
use crate::source::github::Scope;
use crate::tree_file::CONFIG_CAP;

/// The commits a range audit compares: what was there before the change, and its tip.
#[derive(Debug, Clone)]
pub(super) struct Range {
    /// The commit whose files are trusted; `None` when the range starts at a root commit
    /// (nothing before it to trust: the defaults apply).
    pub(super) base: Option<String>,
    /// The tip of the change.
    pub(super) head: String,
}

impl Range {
    /// The range of `history --range`: `A..B` (base `A`) and `A...B` (base: their merge base);
    /// `None` for a single revision, which audits all its ancestors like a full audit.
    pub(super) fn of_history(repo: &Path, range: &str) -> anyhow::Result<Option<Range>> {
        let files = CommitFiles::open(repo)?;
        let resolve = |rev: &str| {
            let rev = if rev.is_empty() { "HEAD" } else { rev };
            files
                .commit(rev)
                .with_context(|| format!("unknown revision {rev:?} in --range {range:?}"))
        };
        if let Some((from, to)) = range.split_once("...") {
            let (from, to) = (resolve(from)?, resolve(to)?);
            return Ok(Some(Range {
                base: files.merge_base(&from, &to),
                head: to,
            }));
        }
        if let Some((from, to)) = range.split_once("..") {
            if from.is_empty() {
                return Ok(None);
            }
            return Ok(Some(Range {
                base: Some(resolve(from)?),
                head: resolve(to)?,
            }));
        }
        Ok(None)
    }

    /// The range `viscan ci` chose: commits of `include` and of none of `exclude`. The base is
    /// the one excluded tip (push `before`, pull request base), or with several (a new
    /// branch) the merge base of the head with the first.
    pub(super) fn of_commits(
        repo: &Path,
        include: &[String],
        exclude: &[String],
    ) -> anyhow::Result<Option<Range>> {
        let Some(head) = include.first() else {
            return Ok(None);
        };
        let base = match exclude {
            [] => None,
            [only] => Some(only.clone()),
            [first, ..] => CommitFiles::open(repo)?.merge_base(head, first),
        };
        Ok(Some(Range {
            base,
            head: head.clone(),
        }))
    }
}

/// A decision file (`.viscan.toml` or `.viscanignore`) that the range changes.
#[derive(Debug, Clone)]
struct Change {
    /// The file's name at the repository root.
    file: &'static str,
    /// Whether the head version is applied (`--trust-range-config`).
    trusted: bool,
}

/// What the head versions of changed decision files would hide, when they are not applied.
struct HeadFilters {
    /// The head config's rule selection (`[rules] disable`).
    rules: RuleOptions,
    /// The head config's text, to find the line of a `disable` entry.
    config_text: String,
    /// The head config and ignore file as suppression.
    allow: Allow,
}

/// The range checks a run applies to its findings (see the module docs).
pub(crate) struct RangeCheck {
    repo: PathBuf,
    base: Option<String>,
    head_filters: Option<HeadFilters>,
    strict: bool,
    changes: Vec<Change>,
}

/// Decides the config and ignore file of a range audit, and the checks that go with it.
pub(super) fn decide(settings: &Settings, repo: &Path, range: &Range) -> anyhow::Result<Decided> {
    let filters = &settings.filters;
    let trusted = filters.trust_range_config;
    let files = CommitFiles::open(repo)?;
    let read = |commit: Option<&str>, name: &str| -> anyhow::Result<Option<FileAt>> {
        match commit {
            Some(commit) => files.file_at(commit, Path::new(name), CONFIG_CAP),
            None => Ok(None),
        }
    };
    let head = Some(range.head.as_str());
    let base = range.base.as_deref();
    let mut changes = Vec::new();

    let explicit_config = filters.config.is_some()
        || std::env::var_os(config::ENV_VAR).is_some_and(|v| !v.is_empty());
    let (config, head_config) = if explicit_config {
        (Config::discover(filters.config.as_deref(), repo)?, None)
    } else {
        let (at_base, at_head) = (
            read(base, config::DEFAULT_FILE)?,
            read(head, config::DEFAULT_FILE)?,
        );
        let base_config = parse_config(at_base.as_ref(), "base")?;
        if at_base.as_ref().map(|f| &f.id) == at_head.as_ref().map(|f| &f.id) {
            (base_config, None)
        } else {
            changes.push(Change {
                file: config::DEFAULT_FILE,
                trusted,
            });
            let head_config = parse_config(at_head.as_ref(), "head");
            match (trusted, head_config) {
                (true, head_config) => (head_config?, None),
                (false, Ok(head_config)) => (base_config, Some(head_config)),
                (false, Err(error)) => {
                    crate::warn!("{error:#}; the base version applies");
                    (base_config, None)
                }
            }
        }
    };

    let explicit_ignore = filters.ignore_file.is_some() || filters.no_ignore_file;
    let (ignore_file, head_ignore) = if explicit_ignore {
        let file = if filters.no_ignore_file && filters.ignore_file.is_none() {
            None
        } else {
            IgnoreFile::discover(filters.ignore_file.as_deref(), repo)?
        };
        (file, None)
    } else {
        let (at_base, at_head) = (read(base, IGNORE_FILE)?, read(head, IGNORE_FILE)?);
        let base_file = parse_ignore(at_base.as_ref(), repo)?;
        if at_base.as_ref().map(|f| &f.id) == at_head.as_ref().map(|f| &f.id) {
            (base_file, None)
        } else {
            changes.push(Change {
                file: IGNORE_FILE,
                trusted,
            });
            let head_file = parse_ignore(at_head.as_ref(), repo)?;
            if trusted {
                (head_file, None)
            } else {
                (base_file, head_file)
            }
        }
    };

    // What the untrusted head versions would hide, judged with the head's whole config (an
    // unchanged file is the same at base and head).
    let head_filters = if trusted || changes.is_empty() {
        None
    } else {
        let head_config = head_config.unwrap_or_else(|| config.clone());
        let (_, rules) = head_config.rule_parts();
        let allow = Allow::new(&head_config, head_ignore, None, repo)?;
        Some(HeadFilters {
            rules,
            config_text: head_config.text,
            allow,
        })
    };
    let notices = changes
        .iter()
        .map(|change| notice(change, range.base.as_deref()))
        .collect();
    Ok(Decided {
        config,
        ignore_file,
        range: Some(RangeCheck {
            repo: repo.to_path_buf(),
            base: range.base.clone(),
            head_filters,
            strict: filters.strict,
            changes,
        }),
        notices,
        count_disabled_rules: false,
    })
}

/// Decides what `viscan ci` applies to `scope`: the range's base files for a range, the
/// working tree's for a full audit (nothing is compared there).
pub(super) fn decide_for_ci(
    settings: &Settings,
    repo: &Path,
    scope: &Scope,
) -> anyhow::Result<Decided> {
    let range = match scope {
        Scope::Commits {
            include, exclude, ..
        } => Range::of_commits(repo, include, exclude)?,
        Scope::FullHistory | Scope::Nothing => None,
    };
    match range {
        Some(range) => decide(settings, repo, &range),
        None => {
            let config = Config::discover(settings.filters.config.as_deref(), repo)?;
            Decided::from_tree(settings, config, repo)
        }
    }
}

/// The sentence announcing that the range changes `change.file`.
fn notice(change: &Change, base: Option<&str>) -> String {
    let base = match base {
        Some(base) => format!("the base commit {}", &base[..base.len().min(12)]),
        None => "the defaults (the range has no base commit)".to_string(),
    };
    if change.trusted {
        format!(
            "this change edits {}: its new version is applied (--trust-range-config); findings \
             it hides are not reported",
            change.file
        )
    } else {
        format!(
            "this change edits {}: the version of {base} applies; findings the new version \
             would hide are reported as hidden by a suppression added in this change \
             (--trust-range-config applies it)",
            change.file
        )
    }
}

fn parse_config(file: Option<&FileAt>, which: &str) -> anyhow::Result<Config> {
    let Some(file) = file else {
        return Ok(Config::default());
    };
    let text = String::from_utf8(file.bytes.clone()).map_err(|_| {
        anyhow::anyhow!(
            "{} at the range's {which}: not UTF-8 text",
            config::DEFAULT_FILE
        )
    })?;
    Config::parse(Path::new(config::DEFAULT_FILE), text)
}

fn parse_ignore(file: Option<&FileAt>, root: &Path) -> anyhow::Result<Option<IgnoreFile>> {
    let Some(file) = file else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&file.bytes);
    IgnoreFile::parse(Path::new(IGNORE_FILE), &text, root).map(Some)
}

impl RangeCheck {
    /// Whether the range changes a decision file that `--strict` then refuses: a trusted one
    /// (an untrusted one fails through the findings it would hide).
    pub(super) fn strict_refuses(&self) -> bool {
        self.strict && self.changes.iter().any(|c| c.trusted)
    }

    /// Marks the findings allowed by an inline marker that the change added: the marker's
    /// file did not hold the key at the base commit (or the key is in a message of the range).
    pub(super) fn mark_added_markers(&self, findings: &mut [Finding]) {
        let files = match CommitFiles::open(&self.repo) {
            Ok(files) => files,
            Err(error) => {
                crate::err!("{error:#}");
                return;
            }
        };
        for finding in findings.iter_mut().filter(|f| f.allow_marker.is_some()) {
            let path = &finding.origin.within_root;
            let is_message = path == Path::new(COMMIT_MESSAGE)
                || path.to_string_lossy().starts_with(TAG_MESSAGE);
            let at_base = match (&self.base, is_message) {
                (Some(base), false) => files.file_at(base, path, u64::MAX).unwrap_or_else(|e| {
                    crate::warn!("{e:#}");
                    None
                }),
                _ => None,
            };
            let was_there = at_base.is_some_and(|file| {
                memchr::memmem::find(&file.bytes, finding.secret.expose()).is_some()
            });
            if !was_there {
                finding.added_suppression = Some(Box::new(AddedSuppression {
                    kind: "marker",
                    place: format!(
                        "{}:{}",
                        finding.origin.display_path(),
                        finding.location.line
                    ),
                    blocking: self.strict,
                }));
            }
        }
    }

    /// Marks the findings (left after the applied suppression) that the head versions of the
    /// changed decision files would hide.
    pub(super) fn mark_hidden_by_head(&self, findings: &mut [Finding]) {
        let Some(head) = &self.head_filters else {
            return;
        };
        for finding in findings
            .iter_mut()
            .filter(|f| f.added_suppression.is_none())
        {
            let hidden = if let Some(pattern) = head.rules.disabling(&finding.rule_id) {
                let quoted = format!("\"{pattern}\"");
                let place = match head.config_text.find(&quoted) {
                    Some(at) => format!(
                        "{}:{}: [rules] disable {quoted}",
                        config::DEFAULT_FILE,
                        crate::rules::line_of(&head.config_text, at)
                    ),
                    None => format!("{}: [rules] disable {quoted}", config::DEFAULT_FILE),
                };
                Some(("config", place))
            } else {
                match head.allow.reason(finding) {
                    Some(Reason::IgnoreFile(place)) => Some(("ignore-file", place)),
                    Some(Reason::Allowlist(place)) => Some((
                        "config",
                        place.unwrap_or_else(|| format!("{}: [allowlist]", config::DEFAULT_FILE)),
                    )),
                    _ => None,
                }
            };
            if let Some((kind, place)) = hidden {
                finding.added_suppression = Some(Box::new(AddedSuppression {
                    kind,
                    place,
                    blocking: true,
                }));
            }
        }
    }
}
