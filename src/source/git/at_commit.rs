//! Files as a given commit stores them, for the checks that must not trust the audited change:
//! `viscan ci` and `viscan history --range` read `.viscan.toml` and `.viscanignore` from the
//! range's base commit, and ask whether a key allowed by an inline marker was already in the
//! base version of its file ([`issue 16`](https://github.com/viscan/viscan/issues/16)).
//!
//! Only regular files (and executables) are read, under a size cap, as git blobs: a symlink or
//! a submodule at that path is refused, the working tree is never looked at.

use std::path::Path;

use anyhow::Context;
use git2::{ObjectType, Oid, Repository};

/// A file read from a commit's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAt {
    /// The blob id (hex): equal ids mean equal content.
    pub id: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A repository opened to read files at commits. One per thread (git2 handles are not `Sync`).
pub struct CommitFiles {
    repo: Repository,
}

impl CommitFiles {
    /// Opens the repository containing `path`.
    pub fn open(path: &Path) -> anyhow::Result<CommitFiles> {
        Ok(CommitFiles {
            repo: super::open(path)?,
        })
    }

    /// The full id of the commit `rev` names (tags peeled), if the repository has it.
    pub fn commit(&self, rev: &str) -> Option<String> {
        let object = self.repo.revparse_single(rev).ok()?;
        Some(object.peel_to_commit().ok()?.id().to_string())
    }

    /// The best common ancestor of commits `a` and `b`, if they have one.
    pub fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let a = Oid::from_str(a).ok()?;
        let b = Oid::from_str(b).ok()?;
        self.repo.merge_base(a, b).ok().map(|oid| oid.to_string())
    }

    /// The file at `path` (relative to the repository root) in `commit`'s tree: `None` when
    /// there is no such entry; an error when the entry is not a regular file (a symlink, a
    /// directory, a submodule) or is larger than `cap` bytes.
    pub fn file_at(&self, commit: &str, path: &Path, cap: u64) -> anyhow::Result<Option<FileAt>> {
        let shown = || format!("{} at commit {commit}", path.display());
        let tree = self
            .repo
            .revparse_single(commit)
            .and_then(|object| object.peel_to_tree())
            .with_context(|| format!("commit {commit} is not in the repository"))?;
        let entry = match tree.get_path(path) {
            Ok(entry) => entry,
            Err(error) if error.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(error) => return Err(error).with_context(shown),
        };
        let regular = entry.kind() == Some(ObjectType::Blob)
            && matches!(entry.filemode(), 0o100644 | 0o100755 | 0o100664);
        if !regular {
            anyhow::bail!(
                "{}: refusing to read it: it is not a regular file (mode {:o})",
                shown(),
                entry.filemode()
            );
        }
        let blob = self.repo.find_blob(entry.id()).with_context(shown)?;
        let len = blob.content().len() as u64;
        if len > cap {
            anyhow::bail!(
                "{}: refusing to read it: {len} bytes is over the {cap}-byte limit for this file",
                shown()
            );
        }
        Ok(Some(FileAt {
            id: entry.id().to_string(),
            bytes: blob.content().to_vec(),
        }))
    }
}
