//! Files source: a parallel walk with `ignore` (the walker ripgrep uses). Each walker thread owns
//! one visitor (and so one scan worker) and one reusable read buffer. Hidden files are scanned
//! (`.env`, `.github/`), `.git/` is not, symlinks are not followed (unless `--follow`: then
//! loops and broken links are warnings), oversized files
//! are skipped, and unreadable paths are reported without stopping the walk.
//!
//! Hostile trees are expected: only regular files are ever opened during the walk, and with
//! `O_NONBLOCK`, so a file swapped for a FIFO mid-walk cannot block; FIFOs, devices and sockets
//! are passed over (named on the command line, they are an error: [`unscannable_root`]); a file
//! that vanishes between listing and reading is a warning; nothing is read past the size limit;
//! paths in messages are quoted ([`crate::blob::quote_path`]) so a file name cannot forge output;
//! Ctrl-C ([`crate::interrupt`]) stops the walk.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use std::collections::{HashMap, HashSet};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::blob::{Blob, Origin, quote_path, raw_bytes};
use crate::tree_file;
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
    /// Whether to follow symbolic links met during the walk (`--follow`).
    pub follow_links: bool,
    /// Walker threads.
    pub threads: usize,
    /// Files larger than this many bytes are skipped with a warning.
    pub max_file_size: u64,
    /// Files git tracks under the roots (see [`crate::source::git::tracked_files`]): scanned
    /// even when `.gitignore` matches them, as git itself keeps them; only `.ignore` files and
    /// the caller's `skip` still exclude them (counted in [`FsReport::num_tracked_excluded`]).
    pub tracked: Vec<PathBuf>,
}

/// What the walk saw besides the blobs it handed out.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FsReport {
    /// Files read and handed to the visitor.
    pub num_files: u64,
    /// Files skipped for exceeding the size limit.
    pub num_skipped_large: u64,
    /// Build-output folders directly under a root that ignore rules kept out of the scan.
    pub ignored_build_dirs: Vec<PathBuf>,
    /// Tracked files that `.gitignore` matched and that were scanned all the same.
    pub num_tracked_ignored: u64,
    /// Tracked files that `.ignore` or the caller's `skip` (`.viscanignore`, allowlisted paths)
    /// kept out of the scan.
    pub num_tracked_excluded: u64,
}

#[derive(Default)]
struct Counters {
    num_files: AtomicU64,
    num_skipped_large: AtomicU64,
    visited_build_dirs: Mutex<Vec<PathBuf>>,
    /// Every non-directory entry the walk met, when there are tracked files to check.
    seen: Mutex<HashSet<PathBuf>>,
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
        .follow_links(options.follow_links)
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
        // Paths met by this thread, handed over once when the thread is done (no lock per file).
        let mut seen = SeenPaths {
            local: Vec::new(),
            sink: &counters.seen,
        };
        Box::new(move |entry| {
            if crate::interrupt::requested() {
                return WalkState::Quit;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    report_walk_error(&error, options.follow_links);
                    return WalkState::Continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue; // stdin entries never come from here
            };
            if !options.tracked.is_empty() && !file_type.is_dir() {
                seen.local.push(entry.path().to_path_buf());
            }
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
            // Symlinks are not followed (unless asked), except one named on the command line.
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
    let seen = std::mem::take(&mut *counters.seen.lock().unwrap_or_else(|e| e.into_inner()));
    let (num_tracked_ignored, num_tracked_excluded) =
        scan_tracked_leftovers(options, skip, &seen, &counters, make_visitor);
    let visited = counters.visited_build_dirs.into_inner().unwrap_or_default();
    FsReport {
        num_tracked_ignored,
        num_tracked_excluded,
        num_files: counters.num_files.into_inner(),
        num_skipped_large: counters.num_skipped_large.into_inner(),
        ignored_build_dirs: ignored_build_dirs(&options.roots, &visited),
    }
}

/// One walker thread's share of [`Counters::seen`], merged when the thread drops it.
struct SeenPaths<'a> {
    local: Vec<PathBuf>,
    sink: &'a Mutex<HashSet<PathBuf>>,
}

impl Drop for SeenPaths<'_> {
    fn drop(&mut self) {
        if self.local.is_empty() {
            return;
        }
        if let Ok(mut seen) = self.sink.lock() {
            seen.extend(self.local.drain(..));
        }
    }
}

/// Tracked files the walk never met (ignore rules pruned them): those that only `.gitignore`
/// (or git's excludes) matched are read and handed to a visitor; those that an `.ignore` file or
/// `skip` excludes are counted. Returns (scanned, excluded).
fn scan_tracked_leftovers<F, V>(
    options: &FsOptions,
    skip: &(dyn Fn(&Path, &Path, bool) -> bool + Sync),
    seen: &HashSet<PathBuf>,
    counters: &Counters,
    make_visitor: F,
) -> (u64, u64)
where
    F: Fn() -> V + Sync,
    V: FnMut(&Blob) + Send,
{
    let (mut scanned, mut excluded) = (0, 0);
    let mut visitor = None;
    let mut dot_ignores = DotIgnores::default();
    let mut blob = Blob {
        bytes: Vec::new(),
        origin: Origin::file(""),
    };
    for path in &options.tracked {
        if crate::interrupt::requested() {
            break;
        }
        if seen.contains(path) {
            continue;
        }
        // Deleted from the work tree but still in the index, or no longer a regular file.
        if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let root = root_of(&options.roots, path);
        if skip(root, path, false) || dot_ignores.excludes(root, path) {
            excluded += 1;
            continue;
        }
        if read_file(path, options.max_file_size, &mut blob.bytes, counters) {
            blob.origin = Origin::walked(path, root);
            counters.num_files.fetch_add(1, Ordering::Relaxed);
            visitor.get_or_insert_with(&make_visitor)(&blob);
            scanned += 1;
        }
    }
    (scanned, excluded)
}

/// `.ignore` files (the walker's own ignore files, beside `.gitignore`), loaded on demand.
#[derive(Default)]
struct DotIgnores {
    by_dir: HashMap<PathBuf, Option<Gitignore>>,
}

impl DotIgnores {
    /// Whether an `.ignore` file in a folder from `path`'s up to `root` excludes `path`: the
    /// deepest file with an opinion decides, as in the walk.
    fn excludes(&mut self, root: &Path, path: &Path) -> bool {
        for dir in path.ancestors().skip(1) {
            let matcher = self.by_dir.entry(dir.to_path_buf()).or_insert_with(|| {
                let file = dir.join(".ignore");
                if !std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()) {
                    return None;
                }
                let mut builder = GitignoreBuilder::new(dir);
                builder.add(&file);
                builder.build().ok()
            });
            if let Some(matcher) = matcher {
                match matcher.matched_path_or_any_parents(path, false) {
                    ignore::Match::Ignore(_) => return true,
                    ignore::Match::Whitelist(_) => return false,
                    ignore::Match::None => {}
                }
            }
            if dir == root {
                break;
            }
        }
        false
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

/// Why a path named on the command line cannot be scanned, as the message to print, or `None`
/// when it can: it exists and is (or links to) a regular file or a directory. A FIFO would
/// block until some writer came and a device may never end, so neither is read; the message
/// says to pipe a stream to `viscan scan -` instead.
pub fn unscannable_root(path: &Path) -> Option<String> {
    let shown = quote_path(&raw_bytes(path));
    let is_link = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta.file_type().is_symlink(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Some(format!("{shown}: no such file or directory"));
        }
        Err(error) => return Some(format!("{shown}: {error}")),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(error) if is_link && error.kind() == io::ErrorKind::NotFound => {
            return Some(format!(
                "{shown}: broken symbolic link (its target does not exist)"
            ));
        }
        Err(error) if is_link && is_loop(&error) => {
            return Some(format!("{shown}: symbolic link loop"));
        }
        Err(error) => return Some(format!("{shown}: {error}")),
    };
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    Some(format!(
        "{shown}: not scanned: a {} is not a regular file (to scan a stream, pipe it to \
         `viscan scan -`)",
        tree_file::kind_of(&meta.file_type())
    ))
}

#[cfg(unix)]
fn is_loop(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::ELOOP)
}

#[cfg(not(unix))]
fn is_loop(_: &io::Error) -> bool {
    false
}

/// Prints a walk error. Following links, a link that leads nowhere (a loop, or a target that
/// does not exist) holds nothing to scan, so it is a warning; anything else may hide a
/// secret that went unread, so it is an error.
fn report_walk_error(error: &ignore::Error, following: bool) {
    match following.then(|| dead_link(error)).flatten() {
        Some((path, why)) => warn!("{path}: not followed: {why}"),
        None => err!("{}", describe(error)),
    }
}

/// The quoted path and why, when `error` is a followed link that leads nowhere.
fn dead_link(error: &ignore::Error) -> Option<(String, String)> {
    match error {
        ignore::Error::WithDepth { err, .. } => dead_link(err),
        ignore::Error::Loop { ancestor, child } => Some((
            quote_path(&raw_bytes(child)),
            format!(
                "symbolic link loop (it leads back to {})",
                quote_path(&raw_bytes(ancestor))
            ),
        )),
        ignore::Error::WithPath { path, err } => {
            let io = err.io_error()?;
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            let why = if is_link && is_loop(io) {
                "symbolic link loop"
            } else if is_link && io.kind() == io::ErrorKind::NotFound {
                "broken symbolic link (its target does not exist)"
            } else {
                return None;
            };
            Some((quote_path(&raw_bytes(path)), why.to_string()))
        }
        _ => None,
    }
}

/// A walk error as `path: what went wrong`, the path quoted like every other.
fn describe(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithDepth { err, .. } => describe(err),
        ignore::Error::WithPath { path, err } => {
            format!("{}: {}", quote_path(&raw_bytes(path)), describe(err))
        }
        ignore::Error::Loop { child, .. } => {
            format!("{}: symbolic link loop", quote_path(&raw_bytes(child)))
        }
        other => other.to_string(),
    }
}

/// Opens `path` for reading without ever blocking: with `O_NONBLOCK`, opening a FIFO returns
/// at once (the caller then sees it is not a regular file); regular files ignore the flag.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// Reads `path` into `buf` unless it is too large or unreadable (binaries are read too: the
/// scanner reads their printable strings).
///
/// A file smaller than [`FIRST_READ`] (most source files) is read without asking its size: the
/// `fstat` per file cost ~5% of a files scan (`strace -c` on `bench/files.sh`: 20,000 `statx`
/// beside 50,000 `read`s, where `rg` makes none). A larger file, an empty one and a failed read
/// are checked as before: the size limit before reading the rest, and what the path became
/// when it is no regular file any more.
fn read_file(path: &Path, max_size: u64, buf: &mut Vec<u8>, counters: &Counters) -> bool {
    let shown = || quote_path(&raw_bytes(path));
    let mut file = match open_nonblocking(path) {
        Ok(file) => file,
        // Listed by the walk, gone when opened: there is nothing left to scan.
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            warn!("{}: vanished during the scan", shown());
            return false;
        }
        Err(error) => {
            err!("{}: {}", shown(), error);
            return false;
        }
    };
    buf.clear();
    // Never read past the limit, even if the file grew after the walk listed it.
    let first = FIRST_READ.min(max_size.saturating_add(1));
    let read = (&mut file).take(first).read_to_end(buf);
    let whole = matches!(read, Ok(n) if n > 0 && (n as u64) < first);
    if whole {
        return true;
    }
    let meta = match file.metadata() {
        Ok(meta) => meta,
        Err(error) => {
            err!("{}: {}", shown(), error);
            return false;
        }
    };
    // The walk saw a regular file (or a link to one), but that was a moment ago.
    if !meta.is_file() {
        warn!(
            "{}: skipped: it became a {} during the scan",
            shown(),
            tree_file::kind_of(&meta.file_type())
        );
        return false;
    }
    if let Err(error) = read {
        err!("{}: {}", shown(), error);
        return false;
    }
    if meta.len() > max_size {
        warn!(
            "{}: skipped: {} bytes is over --max-file-size ({} bytes)",
            shown(),
            meta.len(),
            max_size
        );
        counters.num_skipped_large.fetch_add(1, Ordering::Relaxed);
        return false;
    }
    // One allocation of the right size: growing by doubling could hold twice the file.
    buf.reserve(
        usize::try_from(meta.len())
            .unwrap_or(0)
            .saturating_sub(buf.len()),
    );
    let rest = max_size.saturating_add(1).saturating_sub(buf.len() as u64);
    if let Err(error) = file.take(rest).read_to_end(buf) {
        err!("{}: {}", shown(), error);
        return false;
    }
    if buf.len() as u64 > max_size {
        warn!(
            "{}: skipped: it grew over --max-file-size ({} bytes) during the scan",
            shown(),
            max_size
        );
        counters.num_skipped_large.fetch_add(1, Ordering::Relaxed);
        return false;
    }
    true
}

/// Bytes read before a file's size is asked for (see [`read_file`]).
const FIRST_READ: u64 = 64 << 10;

/// Reads the source map `reference` refers to, relative to the bundle at `origin`: the
/// `sourceMappingURL` of the bundle (`app.js.map`, `../maps/app.js.map`, with any `?query` or
/// `#fragment` dropped) or the conventional `NAME.js.map`. URLs with a scheme, absolute paths
/// and missing files give `None`, quietly: a bundle without its map is normal. The bundle is
/// untrusted, so the map is read through [`tree_file::read`]: a reference that leaves the
/// scanned root, a symlink, a FIFO or device, or a map over `max_size` is refused with a
/// warning that names the bundle and the reason.
pub fn read_source_map(origin: &Origin, reference: &str, max_size: u64) -> Option<Vec<u8>> {
    let reference = reference.split(['?', '#']).next().unwrap_or(reference);
    if reference.is_empty()
        || reference.contains(':')
        || reference.starts_with('/')
        || reference.starts_with('\\')
    {
        return None;
    }
    let bundle = &origin.path;
    let path = bundle.parent()?.join(percent_decoded(reference));
    // The scanned root: the bundle's path less its path within the root.
    let depth = origin.within_root.components().count();
    let root = bundle.ancestors().nth(depth.max(1))?;
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    match tree_file::read(root, &path, max_size) {
        Ok(bytes) => bytes,
        Err(refusal) => {
            warn!(
                "{}: source map {} not read: {refusal}",
                origin.quoted_path(),
                quote_path(reference.as_bytes())
            );
            None
        }
    }
}

/// `%20` and friends in a relative URL, as file names.
fn percent_decoded(reference: &str) -> String {
    let bytes = reference.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file the walk listed can be something else by the time it is opened: a FIFO must be
    /// skipped without waiting for a writer, a vanished file passed over.
    #[test]
    #[cfg(unix)]
    fn a_file_that_became_a_fifo_or_vanished_is_skipped_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("was-a-file.env");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let counters = Counters::default();
        let mut buf = Vec::new();
        assert!(!read_file(&fifo, 1 << 20, &mut buf, &counters));
        let gone = dir.path().join("gone.env");
        assert!(!read_file(&gone, 1 << 20, &mut buf, &counters));
        assert_eq!(counters.num_files.into_inner(), 0);
    }

    /// Files below and above the first read, empty files and files over the size limit: the
    /// bytes are read whole or not at all, and the limit counts.
    #[test]
    fn files_of_every_size_are_read_whole_or_skipped_for_their_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let counters = Counters::default();
        let mut buf = Vec::new();
        let first = usize::try_from(FIRST_READ).expect("small");
        for len in [0, 1, first - 1, first, first + 1, 3 * first + 7] {
            let path = dir.path().join(format!("f{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).expect("write");
            assert!(read_file(&path, 1 << 20, &mut buf, &counters), "{len}");
            assert!(buf == bytes, "{len} bytes read as {}", buf.len());
            let limit = len as u64;
            assert!(
                read_file(&path, limit, &mut buf, &counters),
                "{len} at its own size"
            );
            if len > 0 {
                assert!(
                    !read_file(&path, limit - 1, &mut buf, &counters),
                    "{len} over"
                );
            }
        }
        assert_eq!(counters.num_skipped_large.into_inner(), 5);
    }

    #[test]
    fn named_paths_that_cannot_be_scanned_say_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing");
        assert!(
            unscannable_root(&missing)
                .expect("missing")
                .ends_with("missing: no such file or directory")
        );
        assert_eq!(unscannable_root(dir.path()), None);
        #[cfg(unix)]
        {
            let link = dir.path().join("dangling");
            std::os::unix::fs::symlink("nowhere", &link).expect("symlink");
            assert!(
                unscannable_root(&link)
                    .expect("dangling")
                    .ends_with("dangling: broken symbolic link (its target does not exist)")
            );
            let message = unscannable_root(Path::new("/dev/null")).expect("device");
            assert!(
                message.contains("a character device is not a regular file"),
                "{message}"
            );
        }
    }
}
