//! Git sources, on libgit2 (`git2`), kept behind this one module so the object reader can be
//! swapped if measurements demand it.
//!
//! - [`index_history`] walks the commits to audit and announces each (blob, path) a commit
//!   introduces; it keeps nothing per blob. The app keeps one job per (blob, path class),
//!   sorts them in pack order ([`sort_in_pack_order`]) and reads them with one [`BlobReader`]
//!   per thread.
//! - [`introductions`] walks the same commits again for the few blobs that had findings and
//!   lists every path each was introduced at, with the first commit that did so.
//! - Both visit each (commit, changed path) once, with hash sets, and stop at
//!   [`PathLimits`]: a tree bomb (a million paths in a few reused trees) is cut off with an
//!   error naming the commit, never a stalled run.
//! - [`staged_changes`] compares the index with HEAD for the pre-commit hook ([`staged`]).
//! - [`CommitGraph`] answers the questions `viscan ci` asks to pick a range.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use git2::{
    FileMode, ObjectType, Oid, Repository, RepositoryOpenFlags, Sort, TreeWalkMode, TreeWalkResult,
};

use crate::blob::CommitMeta;

mod at_commit;
mod graph;
/// Public so the fuzz targets (`fuzz/`) can reach its parser; nothing else outside `git` uses it.
pub mod index_file;
mod messages;
mod pack_order;
mod staged;
mod tracked;

use crate::{err, warn};

/// Runs `$diagnostic` only when `$report`: the second walk ([`introductions`]) repeats the
/// first one's commits and would repeat its messages.
macro_rules! report_if {
    ($report:expr, $diagnostic:expr) => {
        if $report {
            $diagnostic;
        }
    };
}
pub use at_commit::{CommitFiles, FileAt};
pub use graph::{CommitGraph, RangeCount, RemoteBranch};
pub use messages::{COMMIT_MESSAGE, Message, TAG_MESSAGE, messages};
pub use staged::{StagedChange, staged_changes};
pub use tracked::tracked_files;

/// Which commits `viscan history` audits.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Repository (any path inside it, a bare repository, or a worktree).
    pub repo: PathBuf,
    /// `A..B`, `A...B`, or a single revision meaning "its ancestors".
    pub range: Option<String>,
    /// Only commits committed at or after this Unix time.
    pub since: Option<i64>,
    /// Only commits reachable from this ref (short or full name).
    pub branch: Option<String>,
    /// When not empty: only commits reachable from one of these revisions and from none of
    /// [`HistoryOptions::exclude`], in place of `range` and `branch` (`viscan ci` sets both).
    pub include: Vec<String>,
    /// Revisions whose ancestry is left out when [`HistoryOptions::include`] is set.
    pub exclude: Vec<String>,
    /// How many paths the walk visits at most.
    pub limits: PathLimits,
}

/// Bounds on the tree entries a history walk visits, so a tree bomb (nested trees reused
/// under many names: 10^9 paths in a few kilobytes) cannot stall an audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathLimits {
    /// Entries visited in one commit's trees; the rest of that commit is not audited.
    pub per_commit: u64,
    /// Entries visited in the whole walk; later commits are not audited.
    pub per_run: u64,
}

impl PathLimits {
    /// Default of [`PathLimits::per_commit`]: twice the files of the largest monorepo
    /// checkouts, about 2 s of walking.
    pub const DEFAULT_PER_COMMIT: u64 = 2_000_000;
    /// Default of [`PathLimits::per_run`].
    pub const DEFAULT_PER_RUN: u64 = 50_000_000;
}

impl Default for PathLimits {
    fn default() -> PathLimits {
        PathLimits {
            per_commit: PathLimits::DEFAULT_PER_COMMIT,
            per_run: PathLimits::DEFAULT_PER_RUN,
        }
    }
}

/// Where a blob was introduced: a path, the first commit that put the blob there, and the
/// newest walked commit that took it away from that path again.
#[derive(Debug, Clone)]
pub struct Introduction {
    /// Path in the commit's tree.
    pub path: PathBuf,
    /// The commit (shared by all its introductions).
    pub commit: Arc<CommitMeta>,
    /// The walked commit with the newest author date that deleted the blob from this path or
    /// replaced it there (on any branch; a merge counts when it drops what one of its parents
    /// had). `None`: no walked commit did.
    pub removed: Option<Arc<CommitMeta>>,
}

/// What [`index_history`] found.
#[derive(Debug)]
pub struct HistoryIndex {
    /// Commits walked.
    pub num_commits: u64,
    /// Blob ids in HEAD's tree (empty for an unborn HEAD).
    pub head_blobs: HashSet<Oid>,
    /// The commits walked, parents first (their messages are scanned too).
    pub commits: Vec<Oid>,
}

fn open(path: &Path) -> anyhow::Result<Repository> {
    Repository::open_ext(
        path,
        RepositoryOpenFlags::empty(),
        std::iter::empty::<&Path>(),
    )
    .with_context(|| format!("{}: not a git repository", path.display()))
}

/// Walks the commits selected by `options`, parents before children, and calls `on_blob`
/// with each (blob id, path) a commit introduces, in walk order: the same blob again when a
/// later commit puts it at another path (a copy, a rename) or back (a revert). A merge
/// introduces only what differs from every parent.
pub fn index_history(
    options: &HistoryOptions,
    mut on_blob: impl FnMut(Oid, &Path),
) -> anyhow::Result<HistoryIndex> {
    let (num_commits, head_blobs, commits) = walk(options, Pass::Index, |_, change| {
        if let Change::Added(path, id) = change {
            on_blob(id, &as_path(path));
        }
    })?;
    Ok(HistoryIndex {
        num_commits,
        head_blobs,
        commits,
    })
}

/// Every path each of `blobs` was introduced at in the commits `options` selects, with the
/// first commit that put it there and the last that removed it, oldest first. The walk is
/// [`index_history`]'s again, with its diagnostics not repeated; only the paths of `blobs` are
/// kept. This walk also looks at what each commit deletes (the first one does not need to):
/// the entries of the trees it already reads, plus the trees of deleted folders.
pub fn introductions(
    options: &HistoryOptions,
    blobs: &HashSet<Oid>,
) -> anyhow::Result<HashMap<Oid, Vec<Introduction>>> {
    let mut found: HashMap<Oid, Vec<Introduction>> = HashMap::new();
    let mut seen: HashMap<(Oid, Vec<u8>), usize> = HashMap::new();
    if blobs.is_empty() {
        return Ok(found);
    }
    let mut removals: HashMap<(Oid, Vec<u8>), Arc<CommitMeta>> = HashMap::new();
    walk(
        options,
        Pass::Introductions,
        |commit, change| match change {
            Change::Added(path, id) => {
                if blobs.contains(&id) && !seen.contains_key(&(id, path.to_vec())) {
                    let list = found.entry(id).or_default();
                    seen.insert((id, path.to_vec()), list.len());
                    list.push(Introduction {
                        path: as_path(path).into_owned(),
                        commit: Arc::clone(commit),
                        removed: None,
                    });
                }
            }
            Change::Removed(path, id) => {
                if blobs.contains(&id) {
                    let newest = removals
                        .entry((id, path.to_vec()))
                        .or_insert_with(|| Arc::clone(commit));
                    if crate::time::parse_date(&commit.date).ok()
                        > crate::time::parse_date(&newest.date).ok()
                    {
                        *newest = Arc::clone(commit);
                    }
                }
            }
        },
    )?;
    for ((id, path), commit) in removals {
        if let Some(&i) = seen.get(&(id, path)) {
            if let Some(introduction) = found.get_mut(&id).and_then(|list| list.get_mut(i)) {
                introduction.removed = Some(commit);
            }
        }
    }
    Ok(found)
}

/// Which walk [`walk`] does: the first one reports problems; the second one ([`introductions`])
/// stays quiet and also reports removals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Index,
    Introductions,
}

/// What a commit did to a path: put a blob there (added or changed), or took one away
/// (deleted, or replaced by another blob; reported only in [`Pass::Introductions`]).
#[derive(Debug, Clone, Copy)]
enum Change<'a> {
    Added(&'a [u8], Oid),
    Removed(&'a [u8], Oid),
}

/// Walks the commits selected by `options`, parents before children, and calls `visit` with
/// each change a commit makes (see [`Change`]). Diagnostics go to stderr only in the first
/// pass. Returns the number of commits walked, the blob ids of HEAD's tree and the commits
/// walked, parents first.
fn walk(
    options: &HistoryOptions,
    pass: Pass,
    mut visit: impl FnMut(&Arc<CommitMeta>, Change<'_>),
) -> anyhow::Result<(u64, HashSet<Oid>, Vec<Oid>)> {
    let report = pass == Pass::Index;
    skip_hash_verification();
    let repo = open(&options.repo)?;
    // `viscan ci` (`include`) has checked that its range stays clear of the boundary.
    if report && repo.is_shallow() && options.include.is_empty() {
        warn!(
            "{}: shallow clone: commits before the shallow boundary are not in the repository and \
             are not scanned (fetch the full history with `git fetch --unshallow`)",
            options.repo.display()
        );
    }
    let head_blobs = head_blobs(&repo);
    let mut walk = Walk {
        revwalk: repo.revwalk()?,
        include: Vec::new(),
        exclude: Vec::new(),
    };
    walk.revwalk
        .set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut num_starts = 0;
    if !options.include.is_empty() {
        let resolve = |rev: &str| -> anyhow::Result<Oid> {
            Ok(repo
                .revparse_single(rev)
                .and_then(|object| object.peel_to_commit())
                .with_context(|| format!("commit {rev} is not in the repository"))?
                .id())
        };
        for rev in &options.include {
            walk.push(resolve(rev)?)?;
            num_starts += 1;
        }
        for rev in &options.exclude {
            walk.hide(resolve(rev)?)?;
        }
    } else if let Some(range) = &options.range {
        push_range(&repo, &mut walk, range)?;
        num_starts += 1;
    } else if let Some(branch) = &options.branch {
        let reference = repo
            .resolve_reference_from_short_name(branch)
            .with_context(|| format!("no branch or ref named {branch:?}"))?;
        let commit = reference
            .peel_to_commit()
            .with_context(|| format!("{branch:?} does not point to a commit"))?;
        walk.push(commit.id())?;
        num_starts += 1;
    } else {
        num_starts += push_every_ref(&repo, &mut walk, report);
    }

    let mut budget = Budget {
        limits: options.limits,
        num_run: 0,
        num_commit: 0,
    };
    let mut num_commits = 0u64;
    let mut commits = Vec::new();
    // The last commit walked and its tree: usually the next commit's parent.
    let mut previous: Option<(Oid, git2::Tree<'_>)> = None;
    if num_starts > 0 {
        // libgit2 orders the whole walk before it yields a commit, so one unreadable commit (a
        // truncated or corrupt pack) would end it: then walk what can be read, ourselves.
        let order = match walk.revwalk.by_ref().collect::<Result<Vec<Oid>, _>>() {
            Ok(order) => order,
            Err(error) => {
                report_if!(
                    report,
                    err!(
                        "history walk: {}: auditing the commits that can be read (`git fsck` tells \
                     what is damaged)",
                        error.message()
                    )
                );
                readable_order(&repo, &walk.include, &walk.exclude, report)
            }
        };
        let num_order = order.len();
        for (position, oid) in order.into_iter().enumerate() {
            // Ctrl-C: stop walking; the app reports the run as interrupted.
            if crate::interrupt::requested() {
                break;
            }
            if budget.num_run > budget.limits.per_run {
                report_if!(
                    report,
                    err!(
                        "commit {oid}: the walk visited more than {} paths (--max-paths): this \
                     commit and the {} after it are not audited; raise the bound with \
                     --max-paths",
                        budget.limits.per_run,
                        num_order - position - 1
                    )
                );
                break;
            }
            let commit = match repo.find_commit(oid) {
                Ok(commit) => commit,
                Err(error) => {
                    report_if!(report, err!("commit {oid}: {}", error.message()));
                    continue;
                }
            };
            if options
                .since
                .is_some_and(|since| commit.time().seconds() < since)
            {
                continue;
            }
            num_commits += 1;
            commits.push(oid);
            budget.num_commit = 0;
            match add_commit(&repo, &commit, pass, &mut previous, &mut budget, &mut visit) {
                Err(error) => report_if!(report, err!("commit {oid}: {}", error.message())),
                Ok(Walked::Cut) => report_if!(
                    report,
                    err!(
                        "commit {oid}: its trees hold more than {} paths (--max-paths-per-commit; a \
                     tree bomb?): the rest of this commit is not audited; raise the bound with \
                     --max-paths-per-commit",
                        budget.limits.per_commit
                    )
                ),
                Ok(Walked::Whole) => {}
            }
        }
    }
    Ok((num_commits, head_blobs, commits))
}

/// Pushes the tip of every ref that leads to a commit (branches, remote-tracking branches,
/// tags peeled, the stash, notes) and a detached HEAD. Returns how many were pushed.
fn push_every_ref(repo: &Repository, walk: &mut Walk<'_>, report: bool) -> usize {
    let mut num_pushed = 0;
    let mut push = |oid: Oid| {
        if walk.push(oid).is_ok() {
            num_pushed += 1;
        }
    };
    match repo.references() {
        Ok(references) => {
            for reference in references {
                let reference = match reference {
                    Ok(reference) => reference,
                    Err(error) => {
                        report_if!(report, err!("ref: {}", error.message()));
                        continue;
                    }
                };
                let name = reference.name().unwrap_or("(non-UTF-8 ref)").to_string();
                match reference.peel(ObjectType::Any) {
                    Ok(object) => {
                        if let Some(commit) = object.as_commit() {
                            push(commit.id());
                        }
                    }
                    Err(error) => report_if!(
                        report,
                        err!("ref {name}: {}", unpeelable(repo, &reference, &error))
                    ),
                }
            }
        }
        Err(error) => report_if!(report, err!("listing refs: {}", error.message())),
    }
    if let Ok(head) = repo.head() {
        if let Ok(commit) = head.peel_to_commit() {
            push(commit.id());
        }
    }
    num_pushed
}

/// The revision walk, with the commits it starts from and those whose ancestry it leaves out
/// (libgit2 does not give them back), for [`readable_order`].
struct Walk<'r> {
    revwalk: git2::Revwalk<'r>,
    include: Vec<Oid>,
    exclude: Vec<Oid>,
}

impl Walk<'_> {
    fn push(&mut self, oid: Oid) -> Result<(), git2::Error> {
        self.revwalk.push(oid)?;
        self.include.push(oid);
        Ok(())
    }

    fn hide(&mut self, oid: Oid) -> Result<(), git2::Error> {
        self.revwalk.hide(oid)?;
        self.exclude.push(oid);
        Ok(())
    }
}

/// Every readable commit reachable from `include` and from none of `exclude`, parents before
/// children (a depth-first post-order). Used when libgit2's walk fails: each commit that cannot
/// be read is reported once, and what lies only behind it is not audited.
fn readable_order(repo: &Repository, include: &[Oid], exclude: &[Oid], report: bool) -> Vec<Oid> {
    let mut hidden: HashSet<Oid> = HashSet::new();
    let mut stack: Vec<Oid> = exclude.to_vec();
    while let Some(oid) = stack.pop() {
        if hidden.insert(oid) {
            if let Ok(commit) = repo.find_commit(oid) {
                stack.extend(commit.parent_ids());
            }
        }
    }
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut order = Vec::new();
    for &tip in include {
        // (commit, its parents already pushed): a commit is emitted after all its parents.
        let mut stack = vec![(tip, false)];
        while let Some((oid, expanded)) = stack.pop() {
            if expanded {
                order.push(oid);
                continue;
            }
            if hidden.contains(&oid) || !seen.insert(oid) {
                continue;
            }
            match repo.find_commit(oid) {
                Ok(commit) => {
                    stack.push((oid, true));
                    stack.extend(commit.parent_ids().map(|parent| (parent, false)));
                }
                Err(error) => report_if!(
                    report,
                    err!(
                        "commit {oid}: {}: it and the history behind it are not audited",
                        error.message()
                    )
                ),
            }
        }
    }
    order
}

/// Why a ref could not be followed to a commit, in words: libgit2 only says "cannot be peeled",
/// whether the ref names an object that is missing (a deleted branch tip, a ref copied from
/// another clone) or one that is there but cannot be read (a corrupt or truncated pack).
fn unpeelable(repo: &Repository, reference: &git2::Reference<'_>, error: &git2::Error) -> String {
    let Some(target) = reference.target() else {
        return error.message().to_string();
    };
    match repo.odb().and_then(|odb| odb.read_header(target)) {
        Err(e) if e.code() == git2::ErrorCode::NotFound => {
            // libgit2 also drops a pack it cannot use (truncated, corrupt) and then finds
            // nothing in it.
            format!(
                "points to {target}, which is missing from the object database (never fetched, \
                 deleted, or in a damaged pack: `git fsck` tells which)"
            )
        }
        Err(e) => format!("cannot read {target}: {}", e.message()),
        Ok(_) => match repo.find_object(target, None) {
            Err(e) => format!("cannot read {target}: {}", e.message()),
            Ok(_) => error.message().to_string(),
        },
    }
}

fn push_range(repo: &Repository, walk: &mut Walk<'_>, range: &str) -> anyhow::Result<()> {
    let resolve = |rev: &str| -> anyhow::Result<Oid> {
        let object = repo
            .revparse_single(rev)
            .with_context(|| format!("unknown revision {rev:?} in --range {range:?}"))?;
        Ok(object
            .peel_to_commit()
            .with_context(|| format!("{rev:?} is not a commit"))?
            .id())
    };
    if let Some((from, to)) = range.split_once("...") {
        let (from, to) = (resolve(from)?, resolve(to)?);
        walk.push(from)?;
        walk.push(to)?;
        if let Ok(base) = repo.merge_base(from, to) {
            walk.hide(base)?;
        }
    } else if let Some((from, to)) = range.split_once("..") {
        let to = if to.is_empty() { "HEAD" } else { to };
        walk.push(resolve(to)?)?;
        if !from.is_empty() {
            walk.hide(resolve(from)?)?;
        }
    } else {
        walk.push(resolve(range)?)?;
    }
    Ok(())
}

/// Tree entries visited so far, against [`PathLimits`].
struct Budget {
    limits: PathLimits,
    num_run: u64,
    num_commit: u64,
}

impl Budget {
    /// Counts one visited entry; false once the commit is over its bound.
    fn take(&mut self) -> bool {
        self.num_run += 1;
        self.num_commit += 1;
        self.num_commit <= self.limits.per_commit
    }
}

/// Whether a commit's trees were walked whole or cut off at [`PathLimits::per_commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walked {
    Whole,
    Cut,
}

/// Calls `visit` with each (path, blob id) `commit` introduces: what differs from every
/// parent; in [`Pass::Introductions`], also with what it removes compared with any parent.
///
/// `previous` is the commit walked before and its tree, replaced by this one's: in a linear
/// history it is the parent, whose commit and tree then need not be read again (libgit2's
/// object cache is off, see [`configure`]).
fn add_commit<'r>(
    repo: &'r Repository,
    commit: &git2::Commit<'r>,
    pass: Pass,
    previous: &mut Option<(Oid, git2::Tree<'r>)>,
    budget: &mut Budget,
    visit: &mut impl FnMut(&Arc<CommitMeta>, Change<'_>),
) -> Result<Walked, git2::Error> {
    let tree = commit.tree()?;
    let before = previous.replace((commit.id(), tree.clone()));
    let meta = Arc::new(commit_meta(commit));
    let removals = pass == Pass::Introductions;
    if commit.parent_count() <= 1 {
        // A parent that cannot be read (a damaged pack, walked around by `readable_order`,
        // which reported it) counts as empty: all of this commit's tree is new as far as the
        // audit can tell.
        let parent_tree = match (commit.parent_count(), before) {
            (0, _) => None,
            (_, Some((id, parent_tree))) if commit.parent_id(0).ok() == Some(id) => {
                Some(parent_tree)
            }
            _ => commit.parent(0).and_then(|p| p.tree()).ok(),
        };
        let mut diff = TreeDiff {
            repo,
            removals,
            budget,
            changed: &mut |change: Change<'_>| visit(&meta, change),
        };
        return diff.trees(parent_tree.as_ref(), &tree, &mut Vec::new());
    }
    // A merge: what differs from every parent.
    let mut walked = Walked::Whole;
    let mut common: Option<HashSet<(Vec<u8>, Oid)>> = None;
    for i in 0..commit.parent_count() {
        let parent_tree = commit.parent(i).and_then(|p| p.tree()).ok();
        let mut changed = HashSet::new();
        let mut diff = TreeDiff {
            repo,
            removals,
            budget,
            changed: &mut |change: Change<'_>| match change {
                Change::Added(path, id) => {
                    if common
                        .as_ref()
                        .is_none_or(|c| c.contains(&(path.to_vec(), id)))
                    {
                        changed.insert((path.to_vec(), id));
                    }
                }
                // Gone from the merge, though this parent had it.
                Change::Removed(..) => visit(&meta, change),
            },
        };
        if diff.trees(parent_tree.as_ref(), &tree, &mut Vec::new())? == Walked::Cut {
            walked = Walked::Cut;
        }
        common = Some(changed);
    }
    let mut introduced: Vec<_> = common.unwrap_or_default().into_iter().collect();
    introduced.sort();
    for (path, id) in introduced {
        visit(&meta, Change::Added(&path, id));
    }
    Ok(walked)
}

const MODE_TREE: i32 = 0o040000;

fn is_blob_mode(mode: i32) -> bool {
    matches!(mode, 0o100644 | 0o100755 | 0o100664)
}

/// One tree-to-tree comparison: the repository, whether removals are wanted, the path budget
/// and where changes go.
struct TreeDiff<'a, F: FnMut(Change<'_>)> {
    repo: &'a Repository,
    removals: bool,
    budget: &'a mut Budget,
    changed: &'a mut F,
}

impl<F: FnMut(Change<'_>)> TreeDiff<'_, F> {
    /// Reports every file added or changed from `old` to `new` and, when `removals`, every
    /// file deleted or replaced; gitlinks (submodules) and symlinks are left out. Stops when
    /// the budget runs out.
    ///
    /// A direct tree walk that descends only into subtrees whose ids differ, as `git diff-tree`
    /// does. libgit2's tree-to-tree diff flattens both trees entry by entry, which made a
    /// 3,000 commit history 9x slower than inflating every object (`bench/history.sh`).
    /// Removals cost a pass over the entries of the old trees it already holds, plus reading
    /// deleted folders' trees.
    fn trees(
        &mut self,
        old: Option<&git2::Tree<'_>>,
        new: &git2::Tree<'_>,
        prefix: &mut Vec<u8>,
    ) -> Result<Walked, git2::Error> {
        for entry in new.iter() {
            if !self.budget.take() {
                return Ok(Walked::Cut);
            }
            let name = entry.name_bytes();
            let previous = old.and_then(|t| t.get_name_bytes(name));
            if previous.as_ref().is_some_and(|p| p.id() == entry.id()) {
                continue; // identical blob or subtree
            }
            let mode = entry.filemode();
            let depth = prefix.len();
            prefix.extend_from_slice(name);
            let mut old_subtree = None;
            if let Some(previous) = &previous {
                if previous.filemode() == MODE_TREE && (mode == MODE_TREE || self.removals) {
                    old_subtree = Some(self.repo.find_tree(previous.id())?);
                } else if self.removals && is_blob_mode(previous.filemode()) {
                    (self.changed)(Change::Removed(prefix, previous.id()));
                }
            }
            if mode == MODE_TREE {
                prefix.push(b'/');
                let walked = self.trees(
                    old_subtree.as_ref(),
                    &self.repo.find_tree(entry.id())?,
                    prefix,
                )?;
                if walked == Walked::Cut {
                    return Ok(Walked::Cut);
                }
            } else {
                if let Some(gone) = old_subtree.filter(|_| self.removals) {
                    // A folder replaced by a file: everything in it is gone.
                    prefix.push(b'/');
                    if self.deleted(&gone, prefix)? == Walked::Cut {
                        return Ok(Walked::Cut);
                    }
                    prefix.truncate(depth + name.len());
                }
                if is_blob_mode(mode) {
                    (self.changed)(Change::Added(prefix, entry.id()));
                }
            }
            prefix.truncate(depth);
        }
        if let Some(old) = old.filter(|_| self.removals) {
            for entry in old.iter() {
                if new.get_name_bytes(entry.name_bytes()).is_some() {
                    continue;
                }
                if self.removed(&entry, prefix)? == Walked::Cut {
                    return Ok(Walked::Cut);
                }
            }
        }
        Ok(Walked::Whole)
    }

    /// Reports `entry` (at `prefix`) as removed: a file, or every file of a deleted folder.
    fn removed(
        &mut self,
        entry: &git2::TreeEntry<'_>,
        prefix: &mut Vec<u8>,
    ) -> Result<Walked, git2::Error> {
        if !self.budget.take() {
            return Ok(Walked::Cut);
        }
        let depth = prefix.len();
        prefix.extend_from_slice(entry.name_bytes());
        if entry.filemode() == MODE_TREE {
            prefix.push(b'/');
            if self.deleted(&self.repo.find_tree(entry.id())?, prefix)? == Walked::Cut {
                return Ok(Walked::Cut);
            }
        } else if is_blob_mode(entry.filemode()) {
            (self.changed)(Change::Removed(prefix, entry.id()));
        }
        prefix.truncate(depth);
        Ok(Walked::Whole)
    }

    /// Reports every file of `tree` (a deleted folder, at `prefix`) as removed.
    fn deleted(
        &mut self,
        tree: &git2::Tree<'_>,
        prefix: &mut Vec<u8>,
    ) -> Result<Walked, git2::Error> {
        for entry in tree.iter() {
            if self.removed(&entry, prefix)? == Walked::Cut {
                return Ok(Walked::Cut);
            }
        }
        Ok(Walked::Whole)
    }
}

/// `bytes` (a path from a tree) as a path, borrowed where the platform allows.
#[cfg(unix)]
fn as_path(bytes: &[u8]) -> Cow<'_, Path> {
    use std::os::unix::ffi::OsStrExt;
    Cow::Borrowed(Path::new(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn as_path(bytes: &[u8]) -> Cow<'_, Path> {
    Cow::Owned(PathBuf::from(String::from_utf8_lossy(bytes).into_owned()))
}

fn is_file_mode(mode: FileMode) -> bool {
    matches!(
        mode,
        FileMode::Blob | FileMode::BlobExecutable | FileMode::BlobGroupWritable
    )
}

/// Blob ids of HEAD's tree, to tell whether a secret is still present at HEAD.
fn head_blobs(repo: &Repository) -> HashSet<Oid> {
    let mut blobs = HashSet::new();
    let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) else {
        return blobs;
    };
    let _ = tree.walk(TreeWalkMode::PreOrder, |_, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            blobs.insert(entry.id());
        }
        TreeWalkResult::Ok
    });
    blobs
}

/// The metadata a finding carries for `commit`.
fn commit_meta(commit: &git2::Commit<'_>) -> CommitMeta {
    let author = commit.author();
    let when = author.when();
    CommitMeta {
        id: commit.id().to_string(),
        author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        date: crate::time::format_iso8601(when.seconds(), when.offset_minutes()),
    }
}

/// libgit2 re-hashes every object it reads (SHA-1 with collision detection), a quarter of a
/// history scan's time; `git cat-file` does not. Corrupt (undecompressable) and missing objects
/// are still reported.
fn skip_hash_verification() {
    git2::opts::strict_hash_verification(false);
}

/// Pack bytes mapped at once, all handles together. The default (8 GiB on 64-bit) maps a whole
/// pack, and every page read counts in the resident set: redmine's 111 MiB pack, a kernel's
/// 4 GiB one.
const PACK_MAPPED_BYTES: usize = 64 << 20;
/// One pack window (default 1 GiB): small enough for several to fit in [`PACK_MAPPED_BYTES`].
const PACK_WINDOW_BYTES: usize = 32 << 20;

/// Bounds libgit2's process-wide memory (issue 11). Called once by `app::run` before any
/// thread starts: libgit2's options are plain globals.
///
/// libgit2's object cache (trees and commits) is turned off. Its default, 256 MiB (~2.5x
/// that once trees are parsed), was most of a history audit's memory; a small one is slower
/// than none: once full, each store evicts by scanning the cache's hash table from its start,
/// which the evictions empty (`cache_store` was 46% of the CPU on 100,000 one-change
/// commits). Without it, `bench/scale.sh`: 100,000 commits 9.7 s CPU and 95 MiB instead of
/// 36 s and 156 MiB (16 MiB cache); 1,000,000 blobs 5.1 s and 175 MiB instead of 5.8 s and
/// 216 MiB. Trees are read again from the pack, whose own delta-base cache stays.
pub fn configure() {
    git2::opts::enable_caching(false);
    // SAFETY: these only set libgit2 globals, and run while the process has one thread.
    unsafe {
        let _ = git2::opts::set_mwindow_size(PACK_WINDOW_BYTES);
        let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_BYTES);
    }
}

/// Reads blobs by id. Not shareable between threads: open one per thread.
pub struct BlobReader {
    repo: Repository,
}

/// Why a blob was not handed out.
#[derive(Debug, PartialEq, Eq)]
pub enum Skipped {
    /// Larger than the size limit.
    TooLarge(usize),
}

impl BlobReader {
    /// Opens the repository at `git_dir`.
    pub fn open(git_dir: &Path) -> anyhow::Result<BlobReader> {
        Ok(BlobReader {
            repo: open(git_dir)?,
        })
    }

    /// Copies blob `id` into `buf`, unless it is over `max_size`.
    pub fn read(
        &self,
        id: Oid,
        max_size: u64,
        buf: &mut Vec<u8>,
    ) -> Result<Result<(), Skipped>, git2::Error> {
        let blob = self.repo.find_blob(id)?;
        let content = blob.content();
        if content.len() as u64 > max_size {
            return Ok(Err(Skipped::TooLarge(content.len())));
        }
        buf.clear();
        buf.extend_from_slice(content);
        Ok(Ok(()))
    }
}

/// Sorts `items` in the order their objects (`id_of`) lie in the repository's packs, loose
/// objects last: blobs read in this order rebuild far fewer delta chains ([`pack_order`]).
pub fn sort_in_pack_order<T>(git_dir: &Path, items: &mut [T], id_of: impl Fn(&T) -> Oid) {
    let mut ids: Vec<Oid> = items.iter().map(&id_of).collect();
    ids.sort_unstable();
    ids.dedup();
    let positions = pack_order::pack_positions(git_dir, &ids);
    items.sort_by_cached_key(|item| {
        ids.binary_search(&id_of(item))
            .map_or(pack_order::NOT_PACKED, |i| positions[i])
    });
}

/// The git directory of the repository containing `path`.
pub fn git_dir(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(open(path)?.path().to_path_buf())
}

/// Where git looks for hooks in the repository containing `path`: `core.hooksPath` (relative
/// to the work tree) or the common git directory's `hooks/` (shared by linked worktrees).
pub fn hooks_dir(path: &Path) -> anyhow::Result<PathBuf> {
    let repo = Repository::discover(path)
        .with_context(|| format!("{}: not a git repository", path.display()))?;
    let configured = repo
        .config()
        .ok()
        .and_then(|config| config.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => repo.workdir().unwrap_or_else(|| repo.path()).join(dir),
        None => repo.commondir().join("hooks"),
    })
}
