//! `viscan staged`: what the next commit adds. The index is compared with HEAD (the empty tree
//! before the first commit) and each added or changed file comes with the line numbers it adds.
//! The index file is read directly ([`super::index_file`]) so only touched directories are
//! compared; libgit2's diff is the fallback for index features that reader does not handle.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use git2::{Delta, DiffOptions, ObjectType, Oid, Repository};

use super::{BlobReader, as_path, index_file, is_file_mode, skip_hash_verification};

/// One file the next commit adds or changes.
#[derive(Debug, Clone)]
pub struct StagedChange {
    /// Path in the index.
    pub path: PathBuf,
    /// The staged blob (what will be committed, not the working tree).
    pub id: Oid,
    /// 1-based line numbers the commit adds to this file, ascending.
    pub added_lines: Vec<u32>,
}

/// The index compared with HEAD (the empty tree before the first commit). The repository is
/// opened as git does for hooks: from `GIT_DIR`/`GIT_INDEX_FILE` when set (`git commit -a` and
/// `git commit PATH` run hooks against a temporary index), else by discovery from `repo`.
pub fn staged_changes(repo: Option<&Path>) -> anyhow::Result<(BlobReader, Vec<StagedChange>)> {
    skip_hash_verification();
    let index_override = std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from);
    let repo = match repo {
        None => Repository::open_from_env().context("not inside a git repository")?,
        Some(path) => {
            let repo = Repository::discover(path)
                .with_context(|| format!("{}: not a git repository", path.display()))?;
            if let Some(index_file) = &index_override {
                let mut index = git2::Index::open(index_file)
                    .with_context(|| format!("GIT_INDEX_FILE={}", index_file.display()))?;
                repo.set_index(&mut index)?;
            }
            repo
        }
    };
    if repo.is_bare() {
        bail!(
            "{}: a bare repository has no index to check",
            repo.path().display()
        );
    }
    let head_tree = match repo.head() {
        Ok(head) => Some(head.peel_to_tree()?),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(e).context("failed to read HEAD"),
    };
    let index_path = index_override.unwrap_or_else(|| repo.path().join("index"));
    let bytes = std::fs::read(&index_path).ok();
    let parsed = bytes.as_deref().and_then(index_file::parse);
    let changes = match parsed {
        Some(index) => changes_from_index_file(&repo, head_tree.as_ref(), &index)?,
        None => libgit2_changes(&repo, head_tree.as_ref())?,
    };
    drop(head_tree);
    Ok((BlobReader { repo }, changes))
}

/// What differs between HEAD and the index, before added lines are worked out.
#[derive(Default)]
struct TreeChanges {
    /// (path, staged blob, HEAD blob at the same path).
    modified: Vec<(Vec<u8>, Oid, Oid)>,
    /// (path, staged blob) with nothing at that path in HEAD.
    added: Vec<(Vec<u8>, Oid)>,
    /// HEAD blobs whose paths are gone from the index (rename sources).
    deleted: Vec<Oid>,
}

/// Files and added lines from HEAD to a parsed index, comparing only the directories whose
/// cache-tree entry is missing or differs from HEAD. Exact renames and copies bring no lines;
/// a new file at least half similar to a deleted or modified one counts as modified from it
/// (git's default rename threshold); any other new file adds all its lines.
fn changes_from_index_file(
    repo: &Repository,
    head_tree: Option<&git2::Tree<'_>>,
    index: &index_file::IndexFile<'_>,
) -> anyhow::Result<Vec<StagedChange>> {
    let mut found = TreeChanges::default();
    compare_dir(repo, b"", head_tree, &index.entries, index, &mut found)?;
    let mut changes = Vec::new();
    for (path, new, old) in &found.modified {
        let added_lines = added_lines(repo, Some(*old), *new)?;
        changes.push((path.clone(), *new, added_lines));
    }
    let sources: Vec<Oid> = found
        .deleted
        .iter()
        .copied()
        .chain(found.modified.iter().map(|(_, _, old)| *old))
        .collect();
    let mut comparisons_left = RENAME_LIMIT;
    for (path, new) in &found.added {
        if sources.contains(new) {
            continue; // an exact rename or copy: no new content
        }
        let mut best: Option<(f64, Vec<u32>)> = None;
        for &source in &sources {
            if comparisons_left == 0 {
                break;
            }
            comparisons_left -= 1;
            let (similarity, lines) = similarity(repo, source, *new)?;
            if similarity >= 0.5 && best.as_ref().is_none_or(|(s, _)| similarity > *s) {
                best = Some((similarity, lines));
            }
        }
        let added_lines = match best {
            Some((_, lines)) => lines,
            None => added_lines(repo, None, *new)?,
        };
        changes.push((path.clone(), *new, added_lines));
    }
    let mut changes: Vec<StagedChange> = changes
        .into_iter()
        .filter(|(_, _, lines)| !lines.is_empty())
        .map(|(path, id, added_lines)| StagedChange {
            path: as_path(&path).into_owned(),
            id,
            added_lines,
        })
        .collect();
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// Most rename-candidate comparisons per commit (git's `diff.renameLimit` is of this order).
const RENAME_LIMIT: usize = 200;

const MODE_GITLINK: u32 = 0o160000;

fn is_regular_file(mode: u32) -> bool {
    matches!(mode, 0o100644 | 0o100755 | 0o100664)
}

/// Compares the index entries under directory `prefix` (`""` or `a/b/`) with HEAD's tree for
/// that directory, skipping it whole when its cache-tree entry says it is unchanged.
fn compare_dir(
    repo: &Repository,
    prefix: &[u8],
    head: Option<&git2::Tree<'_>>,
    entries: &[index_file::Entry<'_>],
    index: &index_file::IndexFile<'_>,
    found: &mut TreeChanges,
) -> Result<(), git2::Error> {
    let key = prefix.strip_suffix(b"/").unwrap_or(prefix);
    if let (Some(head), Some(cached)) = (head, index.cached_trees.get(key)) {
        if head.id() == *cached {
            return Ok(());
        }
    }
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut i = 0;
    while i < entries.len() {
        let rel = &entries[i].path[prefix.len()..];
        if let Some(slash) = memchr::memchr(b'/', rel) {
            let name = &rel[..slash];
            let group = &entries[i..];
            let len = group
                .iter()
                .take_while(|e| {
                    let r = &e.path[prefix.len()..];
                    r.len() > slash && r[..slash] == *name && r[slash] == b'/'
                })
                .count();
            let subtree = match head.and_then(|h| h.get_name_bytes(name)) {
                Some(e) if e.kind() == Some(ObjectType::Tree) => Some(repo.find_tree(e.id())?),
                _ => None,
            };
            let mut sub_prefix = prefix.to_vec();
            sub_prefix.extend_from_slice(name);
            sub_prefix.push(b'/');
            compare_dir(
                repo,
                &sub_prefix,
                subtree.as_ref(),
                &group[..len],
                index,
                found,
            )?;
            seen.insert(name);
            i += len.max(1);
            continue;
        }
        let entry = &entries[i];
        seen.insert(rel);
        i += 1;
        if entry.mode == MODE_GITLINK || !is_regular_file(entry.mode) {
            continue;
        }
        match head.and_then(|h| h.get_name_bytes(rel)) {
            Some(old) if old.id() == entry.id => {}
            Some(old) if old.kind() == Some(ObjectType::Blob) => {
                found
                    .modified
                    .push((entry.path.to_vec(), entry.id, old.id()));
            }
            _ => found.added.push((entry.path.to_vec(), entry.id)),
        }
    }
    if let Some(head) = head {
        for old in head.iter() {
            if !seen.contains(old.name_bytes()) {
                collect_blobs(repo, &old, &mut found.deleted)?;
            }
        }
    }
    Ok(())
}

/// Every blob id under a tree entry (the entry itself if it is a blob).
fn collect_blobs(
    repo: &Repository,
    entry: &git2::TreeEntry<'_>,
    out: &mut Vec<Oid>,
) -> Result<(), git2::Error> {
    match entry.kind() {
        Some(ObjectType::Blob) => out.push(entry.id()),
        Some(ObjectType::Tree) => {
            for child in repo.find_tree(entry.id())?.iter() {
                collect_blobs(repo, &child, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// 1-based numbers of the lines `new` adds to `old` (all of them without `old`).
fn added_lines(repo: &Repository, old: Option<Oid>, new: Oid) -> Result<Vec<u32>, git2::Error> {
    let new_blob = repo.find_blob(new)?;
    let Some(old) = old else {
        let content = new_blob.content();
        let num_lines = memchr::memchr_iter(b'\n', content).count()
            + usize::from(content.last().is_some_and(|&b| b != b'\n'));
        return Ok((1..=u32::try_from(num_lines).unwrap_or(u32::MAX)).collect());
    };
    let old_blob = repo.find_blob(old)?;
    let mut options = DiffOptions::new();
    // Binaries too: the scanner reads their strings, and a NUL must not hide a file's lines.
    options.context_lines(0).force_text(true);
    // An empty path, not none: libgit2 names path-less blobs "file" and then reads the index
    // and .gitattributes to pick a diff driver for that name, which costs more than the diff.
    let no_path = Some(Path::new(""));
    let patch =
        git2::Patch::from_blobs(&old_blob, no_path, &new_blob, no_path, Some(&mut options))?;
    let mut lines = Vec::new();
    for hunk in 0..patch.num_hunks() {
        for line in 0..patch.num_lines_in_hunk(hunk)? {
            let line = patch.line_in_hunk(hunk, line)?;
            if let (true, Some(number)) = (line.origin() == '+', line.new_lineno()) {
                lines.push(number);
            }
        }
    }
    Ok(lines)
}

/// How much of `new` comes from `old` (shared lines over the longer side's lines), and the lines
/// `new` adds to it.
fn similarity(repo: &Repository, old: Oid, new: Oid) -> Result<(f64, Vec<u32>), git2::Error> {
    let count = |id: Oid| -> Result<usize, git2::Error> {
        let blob = repo.find_blob(id)?;
        let content = blob.content();
        Ok(memchr::memchr_iter(b'\n', content).count()
            + usize::from(content.last().is_some_and(|&b| b != b'\n')))
    };
    let (old_lines, new_lines) = (count(old)?, count(new)?);
    let added = added_lines(repo, Some(old), new)?;
    let longer = old_lines.max(new_lines).max(1);
    let shared = new_lines.saturating_sub(added.len());
    Ok((shared as f64 / longer as f64, added))
}

/// Files and added lines from HEAD (or nothing) to the index, with libgit2's diff (rename and
/// copy detection included). The fallback for indexes [`index_file`] does not read.
fn libgit2_changes(
    repo: &Repository,
    head_tree: Option<&git2::Tree<'_>>,
) -> anyhow::Result<Vec<StagedChange>> {
    let index = repo.index().map_err(|e| {
        let hint = if e.message().contains("'link'") {
            " (a split index, core.splitIndex, is not supported: run \
             `git update-index --no-split-index`)"
        } else {
            ""
        };
        anyhow::anyhow!("failed to read the index: {}{hint}", e.message())
    })?;
    let mut options = DiffOptions::new();
    options
        .ignore_submodules(true)
        .context_lines(0)
        .force_text(true);
    let mut diff = repo.diff_tree_to_index(head_tree, Some(&index), Some(&mut options))?;
    diff.find_similar(Some(
        git2::DiffFindOptions::new().renames(true).copies(true),
    ))?;

    let changes: RefCell<Vec<StagedChange>> = RefCell::new(Vec::new());
    let by_path: RefCell<HashMap<PathBuf, usize>> = RefCell::new(HashMap::new());
    diff.foreach(
        &mut |delta, _| {
            let new = delta.new_file();
            let wanted = !matches!(delta.status(), Delta::Deleted | Delta::Unmodified)
                && is_file_mode(new.mode());
            if let (true, Some(path)) = (wanted, new.path()) {
                let mut changes = changes.borrow_mut();
                by_path
                    .borrow_mut()
                    .insert(path.to_path_buf(), changes.len());
                changes.push(StagedChange {
                    path: path.to_path_buf(),
                    id: new.id(),
                    added_lines: Vec::new(),
                });
            }
            true
        },
        None,
        None,
        Some(&mut |delta, _hunk, line| {
            if line.origin() == '+' {
                if let (Some(path), Some(number)) = (delta.new_file().path(), line.new_lineno()) {
                    if let Some(&i) = by_path.borrow().get(path) {
                        changes.borrow_mut()[i].added_lines.push(number);
                    }
                }
            }
            true
        }),
    )?;
    let mut changes = changes.into_inner();
    for change in &mut changes {
        change.added_lines.sort_unstable();
        change.added_lines.dedup();
    }
    // A pure rename or copy brings no new lines.
    changes.retain(|c| !c.added_lines.is_empty());
    Ok(changes)
}
