//! The files git tracks under a scanned directory, for `viscan scan`: a tracked file is part of
//! the repository whatever `.gitignore` says (`git add -f`), so the files walk must not skip it
//! just because an ignore rule matches its path.

use std::path::{Path, PathBuf};

use git2::Repository;

/// Tracked regular files (and executables) under `root`, named as a walk from `root` names them
/// (`root.join(relative path)`). `None` when `root` is not inside a git work tree or its index
/// cannot be read (a scan then goes on as a plain directory walk).
pub fn tracked_files(root: &Path) -> Option<Vec<PathBuf>> {
    let repo = Repository::discover(root).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    let within = root.canonicalize().ok()?;
    let prefix = within.strip_prefix(&workdir).ok()?.to_path_buf();
    let index = repo.index().ok()?;
    let mut files = Vec::new();
    for entry in index.iter() {
        // Regular files and executables; no symlinks, submodules, or unmerged stages.
        let stage = (entry.flags >> 12) & 0x3;
        if !matches!(entry.mode, 0o100644 | 0o100755) || stage != 0 {
            continue;
        }
        let Some(path) = path_of(&entry.path) else {
            continue;
        };
        if let Ok(rel) = path.strip_prefix(&prefix) {
            files.push(root.join(rel));
        }
    }
    Some(files)
}

/// An index path (bytes, `/`-separated) as a path.
fn path_of(bytes: &[u8]) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(PathBuf::from)
    }
}
