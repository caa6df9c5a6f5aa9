//! `viscan ci`: inside GitHub Actions, picks the commits the triggering event brings
//! ([`crate::source::github`] decides, [`CommitGraph`] answers its questions) and audits them
//! with the history scan. It says on stderr which commits it chose and why; a checkout that
//! lacks them is an error naming `fetch-depth: 0`, never a silent pass.
//!
//! Also here: the files a `--format github` run of any command writes besides its annotations
//! ([`write_step_files`]): the job summary and the `findings` step output.

use std::fs::OpenOptions;
use std::io::Write;

use anyhow::{Context, bail};

use super::{CiSettings, HistorySettings, OutputSettings, Run, Settings, history, trust};
use crate::exit::ExitStatus;
use crate::report::{ReportInput, Summary, github};
use crate::source::git::{CommitGraph, HistoryOptions, RangeCount, RemoteBranch};
use crate::source::github::{Event, Graph, Scope};

impl Graph for CommitGraph {
    fn is_shallow(&self) -> bool {
        CommitGraph::is_shallow(self)
    }

    fn commit(&self, rev: &str) -> Option<String> {
        CommitGraph::commit(self, rev)
    }

    fn is_ancestor(&self, ancestor: &str, descendant: &str) -> anyhow::Result<bool> {
        CommitGraph::is_ancestor(self, ancestor, descendant)
    }

    fn remote_branches(&self) -> anyhow::Result<Vec<RemoteBranch>> {
        CommitGraph::remote_branches(self)
    }

    fn remote_head(&self) -> Option<String> {
        CommitGraph::remote_head(self)
    }

    fn count(&self, include: &[String], exclude: &[String]) -> anyhow::Result<RangeCount> {
        CommitGraph::count(self, include, exclude)
    }
}

/// Runs `viscan ci`: reads the event, picks the commits, says which on stderr, scans them.
pub(super) fn run(all: &Settings, settings: &CiSettings) -> anyhow::Result<ExitStatus> {
    let Some(name) = settings.event_name.as_deref().filter(|n| !n.is_empty()) else {
        bail!(
            "GITHUB_EVENT_NAME is not set: `viscan ci` runs inside GitHub Actions (elsewhere, \
             use `viscan history`, or set GITHUB_EVENT_NAME and GITHUB_EVENT_PATH)"
        );
    };
    // Other events scan the full history: their payload is not needed, so not read.
    let payload = match &settings.event_path {
        Some(path) if Event::needs_payload(name) && !path.as_os_str().is_empty() => Some(
            std::fs::read(path)
                .with_context(|| format!("failed to read the event payload {}", path.display()))?,
        ),
        _ => None,
    };
    let event = Event::parse(name, payload.as_deref(), settings.sha.as_deref())?;
    let choice = {
        let graph = CommitGraph::open(&settings.repo)?;
        crate::source::github::choose(&event, &graph)?
    };
    if !all.output.quiet {
        crate::note!("viscan: ci: {}", choice.description);
    }
    // What decides the audit comes from the range's base, not from the change (issue 16).
    let decided = trust::decide_for_ci(all, &settings.repo, &choice.scope)?;
    let ctx = &Run::new(all, decided, &settings.repo)?;
    let options = match choice.scope {
        Scope::Nothing => {
            let summary = Summary {
                num_commits: Some(0),
                ..Summary::default()
            };
            return ctx.finish(Vec::new(), summary, Vec::new());
        }
        Scope::FullHistory => HistoryOptions {
            repo: settings.repo.clone(),
            limits: settings.limits,
            ..HistoryOptions::default()
        },
        Scope::Commits {
            include, exclude, ..
        } => HistoryOptions {
            repo: settings.repo.clone(),
            include,
            exclude,
            limits: settings.limits,
            ..HistoryOptions::default()
        },
    };
    let history_settings = HistorySettings {
        history: options,
        threads: settings.threads,
        max_file_size: settings.max_file_size,
        name: settings.repository_name.clone(),
        more_repos: Vec::new(),
        archives: true,
        max_archive_depth: crate::source::archive::ArchiveLimits::DEFAULT_DEPTH,
    };
    history::run(ctx, &history_settings)
}

/// What `--format github` writes besides the annotations: the Markdown job summary appended
/// to `GITHUB_STEP_SUMMARY` (within [`github::step_summary_budget`]; a failure to write it is
/// only a warning, the report is out already) and `findings=N` (those that fail the run) and
/// `warnings=N` (those that do not) appended to `GITHUB_OUTPUT`
/// (an error when it fails: the action decides the job's result from it).
pub(super) fn write_step_files(
    input: &ReportInput<'_>,
    output: &OutputSettings,
) -> anyhow::Result<()> {
    if let Some(path) = &output.step_summary {
        let existing = std::fs::metadata(path).map_or(0, |m| m.len());
        let markdown = github::step_summary(input, github::step_summary_budget(existing));
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(markdown.as_bytes()));
        if let Err(error) = written {
            crate::warn!(
                "failed to write the job summary {}: {error}",
                path.display()
            );
        }
    }
    if let Some(path) = &output.step_output {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| {
                // Warnings (markers the range added, without --strict) do not fail the job.
                let failing = input.findings.iter().filter(|f| f.fails_run()).count();
                let warnings = input.findings.len() - failing;
                writeln!(file, "findings={failing}\nwarnings={warnings}")
            })
            .with_context(|| format!("failed to write the step output {}", path.display()))?;
    }
    Ok(())
}
