//! `viscan staged`: the pre-commit check. Reads only the blobs the index changes against HEAD,
//! scans each whole (so context on unchanged lines counts) and reports only findings on the lines
//! the commit adds.

use std::time::Instant;

use super::history::read_git_blob;
use super::{OutputSettings, StagedSettings, exit_status, write_report};
use crate::blob::{Blob, Origin};
use crate::diag;
use crate::exit::ExitStatus;
use crate::report::{Format, Summary};
use crate::scan::Scanner;
use crate::source::git;

pub(super) fn run(
    scanner: &Scanner,
    settings: &StagedSettings,
    output: &OutputSettings,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let (reader, changes) = git::staged_changes(settings.repo.as_deref())?;
    let mut worker = scanner.worker();
    let mut blob = Blob {
        bytes: Vec::new(),
        origin: Origin::file(""),
    };
    let mut findings = Vec::new();
    let mut found = Vec::new();
    for change in &changes {
        if !read_git_blob(
            &reader,
            change.id,
            &change.path,
            settings.max_file_size,
            &mut blob.bytes,
        ) {
            continue;
        }
        blob.origin = Origin::file(&change.path);
        found.clear();
        worker.scan(&blob, &mut found);
        findings.extend(found.drain(..).filter(|f| {
            u32::try_from(f.location.line)
                .is_ok_and(|line| change.added_lines.binary_search(&line).is_ok())
        }));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let summary = Summary {
        num_files: worker.stats.num_blobs,
        num_bytes: worker.stats.num_bytes,
        had_errors: diag::errored(),
        elapsed: started.elapsed(),
        ..Summary::default()
    };
    write_report(scanner.rules(), &findings, &summary, output)?;
    if !findings.is_empty() && output.format == Format::Text && output.output.is_none() {
        eprintln!(
            "viscan: commit blocked: remove the secrets above from the staged files. \
             `git commit --no-verify` skips this check, but CI runs `viscan history` and will \
             still find them."
        );
    }
    Ok(exit_status(&findings))
}
