//! Files source: a parallel walk with `ignore` (the walker ripgrep uses). Each walker thread owns
//! one visitor (and so one scan worker) and one reusable read buffer. Hidden files are scanned
//! (`.env`, `.github/`), `.git/` is not, symlinks are not followed, binary and oversized files
//! are skipped, and unreadable paths are reported without stopping the walk.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ignore::{WalkBuilder, WalkState};

use crate::blob::{Blob, Origin};
use crate::{err, warn};

/// Build-output folders where browser-bound keys end up; usually git-ignored.
pub const BUILD_DIRS: &[&str] = &["dist", "build", "out", ".next"];

/// What to walk and how.
#[derive(Debug, Clone)]
pub struct FsOptions {
    /// Files and directories to scan; a path named here is scanned even if ignored.
    pub roots: Vec<PathBuf>,
    /// Whether to disregard `.gitignore` and `.ignore`.
    pub no_ignore: bool,
    /// Walker threads.
    pub threads: usize,
    /// Files larger than this many bytes are skipped with a warning.
    pub max_file_size: u64,
}

/// What the walk saw besides the blobs it handed out.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FsReport {
    /// Files read and handed to the visitor.
    pub num_files: u64,
    /// Files skipped as binary.
    pub num_skipped_binary: u64,
    /// Files skipped for exceeding the size limit.
    pub num_skipped_large: u64,
    /// Build-output folders directly under a root that ignore rules kept out of the scan.
    pub ignored_build_dirs: Vec<PathBuf>,
}

#[derive(Default)]
struct Counters {
    num_files: AtomicU64,
    num_skipped_binary: AtomicU64,
    num_skipped_large: AtomicU64,
    visited_build_dirs: Mutex<Vec<PathBuf>>,
}

/// Walks `options.roots` in parallel. `make_visitor` is called once per walker thread; the
/// visitor it returns sees every readable text file as a blob. `skip(root, path, is_dir)` prunes
/// paths the caller never wants (allowlisted paths, our own config and baseline files).
pub fn walk<F, V>(
    options: &FsOptions,
    skip: &(dyn Fn(&Path, &Path, bool) -> bool + Sync),
    make_visitor: F,
) -> FsReport
where
    F: Fn() -> V + Sync,
    V: FnMut(&Blob) + Send,
{
    let counters = Counters::default();
    let Some((first, rest)) = options.roots.split_first() else {
        return FsReport::default();
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .threads(options.threads.max(1))
        .filter_entry(|entry| {
            !(entry.depth() > 0
                && entry.file_name() == ".git"
                && entry.file_type().is_some_and(|t| t.is_dir()))
        });
    if options.no_ignore {
        builder
            .ignore(false)
            .git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .parents(false);
    }
    builder.build_parallel().run(|| {
        let mut visitor = make_visitor();
        let mut blob = Blob {
            bytes: Vec::new(),
            origin: Origin::file(""),
        };
        let counters = &counters;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    err!("{}", error);
                    return WalkState::Continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue; // stdin entries never come from here
            };
            // What the caller prunes; a path named on the command line is always scanned.
            if entry.depth() > 0
                && skip(
                    root_of(&options.roots, entry.path()),
                    entry.path(),
                    file_type.is_dir(),
                )
            {
                return if file_type.is_dir() {
                    WalkState::Skip
                } else {
                    WalkState::Continue
                };
            }
            if file_type.is_dir() {
                if entry.depth() == 1 && BUILD_DIRS.iter().any(|d| entry.file_name() == *d) {
                    if let Ok(mut visited) = counters.visited_build_dirs.lock() {
                        visited.push(entry.path().to_path_buf());
                    }
                }
                return WalkState::Continue;
            }
            // Symlinks are not followed, except one named on the command line.
            let is_file = file_type.is_file()
                || (entry.depth() == 0 && entry.path().metadata().is_ok_and(|m| m.is_file()));
            if !is_file {
                return WalkState::Continue;
            }
            if read_file(
                entry.path(),
                options.max_file_size,
                &mut blob.bytes,
                counters,
            ) {
                blob.origin = Origin::walked(entry.path(), root_of(&options.roots, entry.path()));
                counters.num_files.fetch_add(1, Ordering::Relaxed);
                visitor(&blob);
            }
            WalkState::Continue
        })
    });
    let visited = counters.visited_build_dirs.into_inner().unwrap_or_default();
    FsReport {
        num_files: counters.num_files.into_inner(),
        num_skipped_binary: counters.num_skipped_binary.into_inner(),
        num_skipped_large: counters.num_skipped_large.into_inner(),
        ignored_build_dirs: ignored_build_dirs(&options.roots, &visited),
    }
}

/// The root (of those given) that `path` was found under.
fn root_of<'a>(roots: &'a [PathBuf], path: &'a Path) -> &'a Path {
    roots
        .iter()
        .filter(|r| path.starts_with(r))
        .max_by_key(|r| r.as_os_str().len())
        .map_or(path, PathBuf::as_path)
}

/// Reads `path` into `buf` unless it is too large, unreadable or binary.
fn read_file(path: &Path, max_size: u64, buf: &mut Vec<u8>, counters: &Counters) -> bool {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) => {
            err!("{}: {}", path.display(), error);
            return false;
        }
    };
    match file.metadata() {
        Ok(meta) if meta.len() > max_size => {
            warn!(
                "{}: skipped: {} bytes is over --max-file-size ({} bytes)",
                path.display(),
                meta.len(),
                max_size
            );
            counters.num_skipped_large.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        Ok(_) => {}
        Err(error) => {
            err!("{}: {}", path.display(), error);
            return false;
        }
    }
    buf.clear();
    // Never read past the limit, even if the file grew after the size check.
    if let Err(error) = file.take(max_size.saturating_add(1)).read_to_end(buf) {
        err!("{}: {}", path.display(), error);
        return false;
    }
    if Blob::looks_binary(buf) {
        counters.num_skipped_binary.fetch_add(1, Ordering::Relaxed);
        return false;
    }
    true
}

fn ignored_build_dirs(roots: &[PathBuf], visited: &[PathBuf]) -> Vec<PathBuf> {
    let mut skipped: Vec<PathBuf> = roots
        .iter()
        .filter(|root| root.is_dir())
        .flat_map(|root| BUILD_DIRS.iter().map(move |d| root.join(d)))
        .filter(|dir| dir.is_dir() && !visited.contains(dir))
        .collect();
    skipped.sort();
    skipped
}
