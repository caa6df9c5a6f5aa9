//! The commit-graph questions `viscan ci` asks before it scans: is a commit there, is one an
//! ancestor of another, which remote-tracking branches exist and which one `origin/HEAD` names, and how many commits a range
//! holds and whether it runs into a shallow clone's boundary. Answered here so that git2 stays
//! inside [`crate::source::git`]; the choice itself is made in [`crate::source::github`].

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use git2::{Oid, ReferenceType, Repository};

/// A repository opened to answer questions about its commits. One per thread (git2 handles are
/// not `Sync`).
pub struct CommitGraph {
    repo: Repository,
    /// Commits at a shallow clone's boundary: present, but their parents are not.
    boundary: HashSet<Oid>,
}

/// A remote-tracking branch (`refs/remotes/REMOTE/BRANCH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteBranch {
    /// The remote's name, e.g. `origin`.
    pub remote: String,
    /// The branch name on the remote, e.g. `main` or `feature/x`.
    pub branch: String,
    /// The full id of the commit it points to.
    pub commit: String,
}

/// What walking a range found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeCount {
    /// Commits in the range.
    pub num_commits: u64,
    /// A commit of the range whose parents a shallow clone cut off, if any: the range goes on
    /// past it, into history that is not in the repository.
    pub shallow_boundary: Option<String>,
}

impl CommitGraph {
    /// Opens the repository containing `path`.
    pub fn open(path: &Path) -> anyhow::Result<CommitGraph> {
        let repo = Repository::open_ext(
            path,
            git2::RepositoryOpenFlags::empty(),
            std::iter::empty::<&Path>(),
        )
        .with_context(|| format!("{}: not a git repository", path.display()))?;
        // `shallow` lists the boundary commits, one hex id per line (gitformat-shallow).
        let boundary = std::fs::read_to_string(repo.commondir().join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| Oid::from_str(line.trim()).ok())
            .collect();
        Ok(CommitGraph { repo, boundary })
    }

    /// Whether the repository is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow() || !self.boundary.is_empty()
    }

    /// The full id of the commit `rev` names (tags peeled), if the repository has it.
    pub fn commit(&self, rev: &str) -> Option<String> {
        let object = self.repo.revparse_single(rev).ok()?;
        Some(object.peel_to_commit().ok()?.id().to_string())
    }

    /// Whether `ancestor` is a proper ancestor of `descendant` (both full commit ids).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> anyhow::Result<bool> {
        let ancestor = Oid::from_str(ancestor).with_context(|| format!("bad id {ancestor:?}"))?;
        let descendant =
            Oid::from_str(descendant).with_context(|| format!("bad id {descendant:?}"))?;
        self.repo
            .graph_descendant_of(descendant, ancestor)
            .with_context(|| format!("failed to compare commits {ancestor} and {descendant}"))
    }

    /// Every remote-tracking branch that points to a commit; symbolic refs (`origin/HEAD`) are
    /// left out, as they only repeat another branch.
    pub fn remote_branches(&self) -> anyhow::Result<Vec<RemoteBranch>> {
        let mut branches = Vec::new();
        let references = self
            .repo
            .references_glob("refs/remotes/*")
            .context("failed to list remote-tracking branches")?;
        for reference in references {
            let reference = reference.context("failed to read a remote-tracking branch")?;
            if reference.kind() == Some(ReferenceType::Symbolic) {
                continue;
            }
            let Some((remote, branch)) = reference
                .name()
                .ok()
                .and_then(|name| name.strip_prefix("refs/remotes/"))
                .and_then(|rest| rest.split_once('/'))
            else {
                continue;
            };
            if branch == "HEAD" {
                continue;
            }
            let (remote, branch) = (remote.to_string(), branch.to_string());
            if let Ok(commit) = reference.peel_to_commit() {
                branches.push(RemoteBranch {
                    remote,
                    branch,
                    commit: commit.id().to_string(),
                });
            }
        }
        Ok(branches)
    }

    /// The branch `origin/HEAD` names (`refs/remotes/origin/HEAD` → `main`), if any.
    pub fn remote_head(&self) -> Option<String> {
        let reference = self.repo.find_reference("refs/remotes/origin/HEAD").ok()?;
        let target = reference.symbolic_target().ok()??;
        Some(target.strip_prefix("refs/remotes/origin/")?.to_string())
    }

    /// Walks the commits reachable from `include` and from none of `exclude` (full ids).
    pub fn count(&self, include: &[String], exclude: &[String]) -> anyhow::Result<RangeCount> {
        let mut walk = self
            .repo
            .revwalk()
            .context("failed to start a history walk")?;
        for id in include {
            walk.push(Oid::from_str(id)?)
                .with_context(|| format!("commit {id} is not in the repository"))?;
        }
        for id in exclude {
            walk.hide(Oid::from_str(id)?)
                .with_context(|| format!("commit {id} is not in the repository"))?;
        }
        let mut count = RangeCount::default();
        for oid in walk {
            let oid = oid.context("failed to walk the range")?;
            count.num_commits += 1;
            if count.shallow_boundary.is_none() && self.is_cut_off(oid) {
                count.shallow_boundary = Some(oid.to_string());
            }
        }
        Ok(count)
    }

    /// Whether a shallow clone cut off a parent of `oid`. The `shallow` file also lists a root
    /// commit that happens to sit at the clone's depth, so the raw object's `parent` lines are
    /// checked against what the object database holds.
    fn is_cut_off(&self, oid: Oid) -> bool {
        if !self.boundary.contains(&oid) {
            return false;
        }
        let Ok(odb) = self.repo.odb() else {
            return true;
        };
        let Ok(object) = odb.read(oid) else {
            return true;
        };
        let data = object.data();
        let header = data
            .split(|&b| b == b'\n')
            .take_while(|line| !line.is_empty());
        let mut parents = header.filter_map(|line| line.strip_prefix(b"parent "));
        parents.any(|hex| {
            std::str::from_utf8(hex)
                .ok()
                .and_then(|hex| Oid::from_str(hex.trim()).ok())
                .is_none_or(|parent| !odb.exists(parent))
        })
    }
}
