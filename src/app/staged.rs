//! `viscan staged`: the pre-commit check. Reads only the blobs the index changes against HEAD,
//! scans each whole (so context on unchanged lines counts) and reports only findings on the lines
//! the commit adds.

use super::history::read_git_blob;
use super::{Run, StagedSettings};
use crate::blob::{Blob, Origin};
use crate::exit::ExitStatus;
use crate::report::{Format, Summary};
use crate::source::git;

pub(super) fn run(ctx: &Run<'_>, settings: &StagedSettings) -> anyhow::Result<ExitStatus> {
    let output = ctx.output;
    let (reader, changes) = git::staged_changes(settings.repo.as_deref())?;
    let mut worker = ctx.scanner.worker();
    let mut blob = Blob {
        bytes: Vec::new(),
        origin: Origin::file(""),
    };
    let mut findings = Vec::new();
    let mut found = Vec::new();
    for change in &changes {
        if crate::interrupt::requested() {
            break;
        }
        if !read_git_blob(
            &reader,
            change.id,
            &change.path,
            ctx.max_file_size,
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
    ctx.scanner
        .keep_project_findings(&mut findings, &worker.stats);
    let summary = Summary {
        num_files: worker.stats.num_blobs,
        num_bytes: worker.stats.num_bytes,
        num_binary: worker.stats.num_binary,
        ..Summary::default()
    };
    let status = ctx.finish(
        findings,
        summary,
        std::mem::take(&mut worker.unused_markers),
    )?;
    let blocked = status == ExitStatus::Findings;
    if blocked
        && output.format == Format::Text
        && output.output.is_none()
        && output.baseline_out.is_none()
    {
        crate::note!(
            "viscan: commit blocked: remove the secrets above from the staged files. \
             `git commit --no-verify` skips this check, but CI runs `viscan history` and will \
             still find them."
        );
    }
    Ok(status)
}
