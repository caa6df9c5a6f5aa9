//! `viscan history`: the history index is walked on the calling thread, then `threads` rayon
//! workers, each with its own repository handle and scan worker, read and scan every new blob
//! the walk announced, in pack order. Each blob is read once per path class it appears under
//! ([`PathClass`]: a copy at `a.txt` must not hide what `dist/app.js.map` reveals, issue 19).
//! When the walk is done, the blobs with findings are looked up again
//! ([`git::introductions`]) and each finding is copied to every path of its class the blob was
//! introduced at, attributed to the first commit that introduced it there, and marked present
//! at HEAD or not.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use git2::Oid;

use super::{HistorySettings, Run};
use crate::blob::{Blob, Origin, quote_path, raw_bytes};
use crate::exit::ExitStatus;
use crate::finding::{Finding, Fingerprint};
use crate::report::{Summary, text::human_bytes};
use crate::scan::{PathClass, ScanStats, Scanner};
use crate::source::archive::{self, ArchiveLimits, ArchiveStats};
use crate::source::git::{self, BlobReader, Skipped};

/// What one worker thread produced.
#[derive(Default)]
struct Part {
    /// Findings of each (blob, path class) that had any, located at the first path of the
    /// class.
    by_blob: Vec<((Oid, PathClass), Vec<Finding>)>,
    stats: ScanStats,
    /// Allow markers with nothing to allow (first path of their blob).
    unused_markers: Vec<(String, usize)>,
}

pub(super) fn run(ctx: &Run<'_>, settings: &HistorySettings) -> anyhow::Result<ExitStatus> {
    let (mut findings, mut summary, mut unused_markers) = collect(ctx, settings)?;
    // `history REPO...`: the same scanner and suppressions, one report.
    for repo in &settings.more_repos {
        let one = HistorySettings {
            history: git::HistoryOptions {
                repo: repo.clone(),
                ..settings.history.clone()
            },
            name: None,
            more_repos: Vec::new(),
            ..settings.clone()
        };
        let (more, totals, unused) = collect(ctx, &one)?;
        findings.extend(more);
        unused_markers.extend(unused);
        summary.num_files += totals.num_files;
        summary.num_bytes += totals.num_bytes;
        summary.num_binary += totals.num_binary;
        summary.num_commits =
            Some(summary.num_commits.unwrap_or(0) + totals.num_commits.unwrap_or(0));
    }
    ctx.finish(findings, summary, unused_markers)
}

/// The repository's name in reports: `settings.name`, else its directory's name (`.git` and a
/// `.git` suffix dropped).
fn repository_name(settings: &HistorySettings, git_dir: &Path) -> Arc<str> {
    if let Some(name) = &settings.name {
        return Arc::from(name.as_str());
    }
    let dir = match git_dir.file_name() {
        Some(name) if name == ".git" => git_dir.parent().unwrap_or(git_dir),
        _ => git_dir,
    };
    let name = dir
        .file_name()
        .map_or_else(|| dir.to_string_lossy(), |n| n.to_string_lossy());
    Arc::from(name.strip_suffix(".git").unwrap_or(&name))
}

/// One repository's findings, totals and unused allow markers.
type Audited = (Vec<Finding>, Summary, Vec<(String, usize)>);

/// Audits one repository: its findings (each naming the repository), totals and unused
/// allow markers, not yet filtered or reported.
pub(super) fn collect(ctx: &Run<'_>, settings: &HistorySettings) -> anyhow::Result<Audited> {
    let started = Instant::now();
    let scanner = &ctx.scanner;
    let max_file_size = ctx.max_file_size;
    let git_dir = git::git_dir(&settings.history.repo)?;
    let repository = repository_name(settings, &git_dir.canonicalize().unwrap_or(git_dir.clone()));
    let progress = Progress::new(ctx.output.quiet);
    let scanned = index_and_scan(scanner, settings, max_file_size, &git_dir, &progress)?;
    let Scanned {
        index,
        parts,
        num_jobs,
        walked_head_blobs: walked,
    } = scanned;
    progress.finish();
    if ctx.output.verbose {
        crate::note!(
            "viscan: {} commits, {num_jobs} unique (blob, path class) pairs in {:.3}s",
            index.num_commits,
            started.elapsed().as_secs_f64()
        );
    }
    let mut stats = ScanStats::default();
    let mut by_blob: HashMap<(Oid, PathClass), Vec<Finding>> = HashMap::new();
    let mut unused_markers = Vec::new();
    for part in parts {
        stats.merge(&part.stats);
        by_blob.extend(part.by_blob);
        unused_markers.extend(part.unused_markers);
    }

    let mut message_findings = scan_messages(scanner, &settings.history.repo, &index.commits)?;

    // Present at HEAD: the secret is found in a blob of HEAD's tree. HEAD blobs outside the
    // walked commits (a --range) are scanned too, but only when there is something to look up.
    let mut head_secrets: HashSet<Vec<u8>> = by_blob
        .iter()
        .filter(|((id, _), _)| index.head_blobs.contains(id))
        .flat_map(|(_, found)| found.iter().map(|f| f.secret.expose().to_vec()))
        .collect();
    if !by_blob.is_empty() || !message_findings.is_empty() {
        let rest: Vec<(Oid, PathBuf)> = index
            .head_blobs
            .iter()
            .filter(|id| !walked.contains(id))
            .map(|&id| (id, PathBuf::from(id.to_string())))
            .collect();
        let rest = Mutex::new(rest.into_iter());
        let part = scan_jobs(
            scanner,
            &git_dir,
            max_file_size,
            // Named by id, these blobs have no name that says archive.
            None,
            &Progress::new(true),
            || rest.lock().ok().and_then(|mut jobs| jobs.next()),
        );
        head_secrets.extend(
            part.by_blob
                .iter()
                .flat_map(|(_, found)| found.iter().map(|f| f.secret.expose().to_vec())),
        );
    }

    // The index is done with: free it before the second walk and the report.
    let num_commits = index.num_commits;
    drop(index);
    // Only blobs with findings need their paths: walk again for those.
    let with_findings: HashSet<Oid> = by_blob.keys().map(|(id, _)| *id).collect();
    let introductions = if crate::interrupt::requested() {
        HashMap::new()
    } else {
        git::introductions(&settings.history, &with_findings)?
    };
    let mut findings = Vec::new();
    for (id, introductions) in &introductions {
        for introduction in introductions {
            let class = scanner.path_class(&introduction.path);
            let Some(found) = by_blob.get(&(*id, class)) else {
                continue;
            };
            for finding in found {
                let mut copy = finding.clone();
                copy.origin = Origin {
                    repository: Some(Arc::clone(&repository)),
                    commit: Some(Arc::clone(&introduction.commit)),
                    members: std::mem::take(&mut copy.origin.members),
                    shadowed: copy.origin.shadowed,
                    ..Origin::file(&introduction.path)
                };
                copy.fingerprint = Fingerprint::new(
                    &copy.rule_id,
                    copy.secret.expose(),
                    &copy.origin.display_path(),
                );
                copy.present_at_head = Some(head_secrets.contains(copy.secret.expose()));
                copy.removed_in = introduction.removed.clone();
                findings.push(copy);
            }
        }
    }
    for finding in &mut message_findings {
        finding.present_at_head = Some(head_secrets.contains(finding.secret.expose()));
        finding.origin.repository = Some(Arc::clone(&repository));
    }
    findings.append(&mut message_findings);
    let summary = Summary {
        num_files: stats.num_blobs,
        num_commits: Some(num_commits),
        num_bytes: stats.num_bytes,
        num_binary: stats.num_binary,
        ..Summary::default()
    };
    ctx.scanner.keep_project_findings(&mut findings, &stats);
    Ok((findings, summary, unused_markers))
}

/// Scans the messages of the walked commits and of the annotated tags that point at them
/// (issue 16): a key pasted into a message is a finding at `commit-message` (or
/// `tag-message:NAME`), line within the message, attributed to the commit.
fn scan_messages(scanner: &Scanner, repo: &Path, commits: &[Oid]) -> anyhow::Result<Vec<Finding>> {
    let mut worker = scanner.worker();
    let mut findings = Vec::new();
    git::messages(repo, commits, |message| {
        let blob = Blob {
            bytes: message.text,
            origin: Origin {
                commit: Some(message.commit),
                ..Origin::file(message.location)
            },
        };
        worker.scan(&blob, &mut findings);
    })?;
    Ok(findings)
}

/// What [`index_and_scan`] found.
struct Scanned {
    index: git::HistoryIndex,
    parts: Vec<Part>,
    /// Unique (blob, path class) pairs read.
    num_jobs: usize,
    /// The blobs of HEAD's tree the walk met (the others are looked at separately).
    walked_head_blobs: HashSet<Oid>,
}

/// Walks history on this thread, collecting each (blob, path) the walk announces, keeps one
/// per (blob, path class) (the first path the walk met it under), then reads and scans them
/// on the pool in pack order: read in the order the walk meets them (oldest first), blobs
/// rebuild long delta chains over and over (issue 11, see [`git::sort_in_pack_order`]). A job
/// is a blob id and an interned path: 24 bytes, in a sorted vector rather than a hash set
/// (issue 11); each path is kept once.
fn index_and_scan(
    scanner: &Scanner,
    settings: &HistorySettings,
    max_file_size: u64,
    git_dir: &Path,
    progress: &Progress,
) -> anyhow::Result<Scanned> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .context("failed to start scanning threads")?;
    let mut paths = PathTable::default();
    let mut jobs: Vec<(Oid, u32)> = Vec::new();
    let index = git::index_history(&settings.history, |id, path| {
        jobs.push((id, paths.intern(path)));
    })?;
    let paths = paths.into_paths();
    let classes: Vec<PathClass> = paths.iter().map(|p| scanner.path_class(p)).collect();
    // Stable: among the paths of one class, the first the walk met stays first.
    jobs.sort_by_key(|&(id, path)| (id, classes[path as usize]));
    jobs.dedup_by_key(|&mut (id, path)| (id, classes[path as usize]));
    drop(classes);
    jobs.shrink_to_fit();
    progress.found_blobs(jobs.len() as u64);
    progress.walked(index.num_commits);
    let walked_head_blobs = jobs
        .iter()
        .map(|&(id, _)| id)
        .filter(|id| index.head_blobs.contains(id))
        .collect();
    git::sort_in_pack_order(git_dir, &mut jobs, |&(id, _)| id);

    // Workers take jobs one at a time, so all of them read the same stretch of the pack and
    // share libgit2's cache of delta bases (one per pack, shared by every handle).
    let next = AtomicUsize::new(0);
    let parts = Mutex::new(Vec::new());
    pool.in_place_scope(|scope| {
        for _ in 0..settings.threads {
            scope.spawn(|_| {
                let next = || {
                    let &(id, path) = jobs.get(next.fetch_add(1, Ordering::Relaxed))?;
                    Some((id, paths[path as usize].as_path()))
                };
                let archives = settings.archives.then(|| ArchiveLimits {
                    max_depth: settings.max_archive_depth,
                    ..ArchiveLimits::new(max_file_size)
                });
                let part = scan_jobs(scanner, git_dir, max_file_size, archives, progress, next);
                if let Ok(mut parts) = parts.lock() {
                    parts.push(part);
                }
            });
        }
    });
    Ok(Scanned {
        index,
        parts: parts.into_inner().unwrap_or_default(),
        num_jobs: jobs.len(),
        walked_head_blobs,
    })
}

/// Each distinct path once, numbered in order of first use.
#[derive(Default)]
struct PathTable {
    numbers: HashMap<PathBuf, u32>,
}

impl PathTable {
    /// The number of `path`, added if new.
    fn intern(&mut self, path: &Path) -> u32 {
        if let Some(&number) = self.numbers.get(path) {
            return number;
        }
        let number = u32::try_from(self.numbers.len()).unwrap_or(u32::MAX);
        self.numbers.insert(path.to_path_buf(), number);
        number
    }

    /// The paths, indexed by number.
    fn into_paths(self) -> Vec<PathBuf> {
        let mut paths = vec![PathBuf::new(); self.numbers.len()];
        for (path, number) in self.numbers {
            paths[number as usize] = path;
        }
        paths
    }
}

/// Scans jobs until `next` runs dry, with one repository handle and one worker.
fn scan_jobs<P: AsRef<Path>>(
    scanner: &Scanner,
    git_dir: &Path,
    max_file_size: u64,
    archives: Option<ArchiveLimits>,
    progress: &Progress,
    next: impl Fn() -> Option<(Oid, P)>,
) -> Part {
    let mut part = Part::default();
    let reader = match BlobReader::open(git_dir) {
        Ok(reader) => reader,
        Err(error) => {
            crate::err!("{error:#}");
            return part;
        }
    };
    let mut worker = scanner.worker();
    let mut blob = Blob {
        bytes: Vec::new(),
        origin: Origin::file(""),
    };
    while let Some((id, path)) = next() {
        // After Ctrl-C, stop reading: the app reports the run as interrupted.
        if crate::interrupt::requested() {
            break;
        }
        let path = path.as_ref();
        if !read_git_blob(&reader, id, path, max_file_size, &mut blob.bytes) {
            continue;
        }
        progress.scanned_blob(blob.bytes.len() as u64);
        blob.origin = Origin::file(path);
        let mut found = Vec::new();
        // An archive blob's members are scanned instead (issue 14).
        let mut num = ArchiveStats::default();
        let opened = archives.as_ref().is_some_and(|limits| {
            archive::expand(&blob, limits, &mut num, &mut |member, siblings| {
                super::scan_member(&mut worker, member, siblings, &mut found)
            })
        });
        if !opened {
            worker.scan(&blob, &mut found);
        }
        if !found.is_empty() {
            part.by_blob.push(((id, scanner.path_class(path)), found));
        }
    }
    part.stats = worker.stats;
    part.unused_markers = worker.unused_markers;
    part
}

/// Reads git blob `id` (found at `path`) into `buf`. Unreadable objects are reported as errors
/// and oversized blobs as warnings; returns whether there is text to scan.
pub(super) fn read_git_blob(
    reader: &BlobReader,
    id: Oid,
    path: &Path,
    max_size: u64,
    buf: &mut Vec<u8>,
) -> bool {
    match reader.read(id, max_size, buf) {
        Ok(Ok(())) => true,
        Ok(Err(Skipped::TooLarge(size))) => {
            crate::warn!(
                "{} (blob {id}): skipped: {size} bytes is over --max-file-size ({max_size} bytes)",
                quote_path(&raw_bytes(path))
            );
            false
        }
        Err(error) => {
            crate::err!(
                "{} (blob {id}): {}",
                quote_path(&raw_bytes(path)),
                error.message()
            );
            false
        }
    }
}

/// A progress line on stderr (blobs found and scanned, bytes, commits) when stderr is a
/// terminal and not `-q`; otherwise it does nothing.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    num_found: AtomicU64,
    num_bytes: AtomicU64,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        Progress {
            bar: super::progress::spinner(quiet, "{spinner} {msg} [{elapsed}]"),
            num_found: AtomicU64::new(0),
            num_bytes: AtomicU64::new(0),
        }
    }

    fn found_blobs(&self, num: u64) {
        self.num_found.fetch_add(num, Ordering::Relaxed);
    }

    fn walked(&self, num_commits: u64) {
        if let Some(bar) = &self.bar {
            bar.println(format!("walked {num_commits} commits"));
        }
    }

    fn scanned_blob(&self, bytes: u64) {
        let total = self.num_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!(
                "{}/{} blobs scanned, {}",
                bar.position(),
                self.num_found.load(Ordering::Relaxed),
                human_bytes(total)
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
