//! GitHub Actions events: which commits a workflow run scans. [`Event::parse`] reads the event
//! name and payload (`GITHUB_EVENT_NAME`, the JSON file at `GITHUB_EVENT_PATH`); [`choose`]
//! turns the event into a [`Choice`] by asking a [`Graph`] (the checkout's commit graph), so
//! the decision table is tested without git and git2 stays in [`crate::source::git`].
//!
//! | event | commits scanned |
//! |---|---|
//! | `push` | `before..after` |
//! | `push`, all-zero `before` (new branch or tag, first push) | `after`'s commits that are not on the default branch |
//! | `push` where `before` is not an ancestor of `after` (`forced`) | `after`'s commits that are neither in `before` (when present) nor on the default branch |
//! | `push`, all-zero `after` (deletion) | none |
//! | `pull_request`, `pull_request_target` | `base.sha..head.sha` |
//! | `merge_group` | `base_sha..head_sha` |
//! | anything else (`workflow_dispatch`, `schedule`, …) | the full history (every ref) |
//!
//! The default branch is the payload's `repository.default_branch`, else the branch the
//! remote's HEAD names (`origin/HEAD`), and its remote-tracking branch is the one trusted to
//! have been scanned (its pushes were). No other branch is: two branches pushed together each
//! hold the other's commits, and a scan that left out "commits on any other branch" let both
//! runs pass without scanning anything (issue 19). Without a known default branch, every
//! commit of `after` is scanned.
//!
//! A range that is not wholly in the checkout is an error naming `fetch-depth: 0`: a shallow
//! clone (the `actions/checkout` default) would otherwise pass without scanning anything.

use anyhow::{Context, bail};
use serde_json::Value;

use super::git::{RangeCount, RemoteBranch};

/// What a workflow run was triggered by, with the commits that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A push of a branch or tag.
    Push {
        /// The pushed ref, e.g. `refs/heads/main`.
        git_ref: String,
        /// The ref's commit before the push (all zeros when the ref is new).
        before: String,
        /// The ref's commit after the push (all zeros when the ref was deleted).
        after: String,
        /// Whether the push rewrote history.
        forced: bool,
        /// The repository's default branch (`repository.default_branch`), when the payload
        /// names it.
        default_branch: Option<String>,
    },
    /// `pull_request`, `pull_request_target` or `merge_group`: a base and a head.
    Change {
        /// The event name.
        name: String,
        /// What to call it in messages, e.g. `pull request #12`.
        label: String,
        /// The base commit.
        base: String,
        /// The head commit.
        head: String,
    },
    /// Any other event: the full history is scanned.
    Other {
        /// The event name.
        name: String,
        /// `GITHUB_SHA`, when set.
        sha: Option<String>,
    },
}

impl Event {
    /// Reads event `name` from its JSON `payload` (needed for push, pull request and merge
    /// group events). `sha` (`GITHUB_SHA`) stands in for a push payload without `after`.
    pub fn parse(name: &str, payload: Option<&[u8]>, sha: Option<&str>) -> anyhow::Result<Event> {
        let name = name.trim();
        if name.is_empty() {
            bail!("GITHUB_EVENT_NAME is empty");
        }
        if !Event::needs_payload(name) {
            return Ok(Event::Other {
                name: name.to_string(),
                sha: sha.map(str::to_string).filter(|s| !s.is_empty()),
            });
        }
        let Some(payload) = payload else {
            bail!("a {name} event needs its payload: GITHUB_EVENT_PATH is not set");
        };
        let payload: Value = serde_json::from_slice(payload)
            .with_context(|| format!("the {name} event payload is not JSON"))?;
        let text = |pointer: &str| -> anyhow::Result<String> {
            payload
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
                .with_context(|| format!("the {name} event payload has no {pointer}"))
        };
        Ok(match name {
            "push" => Event::Push {
                git_ref: text("/ref")?,
                before: text("/before")?,
                after: match (text("/after"), sha) {
                    (Ok(after), _) => after,
                    (Err(_), Some(sha)) if !sha.is_empty() => sha.to_string(),
                    (Err(error), _) => return Err(error),
                },
                forced: payload
                    .get("forced")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                default_branch: text("/repository/default_branch")
                    .ok()
                    .filter(|b| !b.is_empty()),
            },
            "merge_group" => Event::Change {
                name: name.to_string(),
                label: "merge group".to_string(),
                base: text("/merge_group/base_sha")?,
                head: text("/merge_group/head_sha")?,
            },
            _ => Event::Change {
                name: name.to_string(),
                label: match payload
                    .pointer("/pull_request/number")
                    .and_then(Value::as_u64)
                {
                    Some(number) => format!("pull request #{number}"),
                    None => "pull request".to_string(),
                },
                base: text("/pull_request/base/sha")?,
                head: text("/pull_request/head/sha")?,
            },
        })
    }

    /// Whether [`Event::parse`] needs the payload of event `name` to pick the commits.
    pub fn needs_payload(name: &str) -> bool {
        matches!(
            name.trim(),
            "push" | "pull_request" | "pull_request_target" | "merge_group"
        )
    }

    /// The event name, as in `GITHUB_EVENT_NAME`.
    pub fn name(&self) -> &str {
        match self {
            Event::Push { .. } => "push",
            Event::Change { name, .. } | Event::Other { name, .. } => name,
        }
    }
}

/// The commit-graph questions [`choose`] asks; [`crate::source::git::CommitGraph`] answers
/// them for a real repository.
pub trait Graph {
    /// Whether the repository is a shallow clone.
    fn is_shallow(&self) -> bool;
    /// The full id of the commit `rev` names, if the repository has it.
    fn commit(&self, rev: &str) -> Option<String>;
    /// Whether `ancestor` is a proper ancestor of `descendant` (full ids).
    fn is_ancestor(&self, ancestor: &str, descendant: &str) -> anyhow::Result<bool>;
    /// Every remote-tracking branch.
    fn remote_branches(&self) -> anyhow::Result<Vec<RemoteBranch>>;
    /// The branch the remote's HEAD names (`origin/HEAD` → `main`), if the checkout has it.
    fn remote_head(&self) -> Option<String>;
    /// The commits reachable from `include` and from none of `exclude` (full ids).
    fn count(&self, include: &[String], exclude: &[String]) -> anyhow::Result<RangeCount>;
}

/// Which commits to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every commit reachable from any ref.
    FullHistory,
    /// The commits reachable from `include` and from none of `exclude` (full ids).
    Commits {
        /// Tips to walk from.
        include: Vec<String>,
        /// Tips whose ancestry is left out.
        exclude: Vec<String>,
        /// How many commits that is (at least 1).
        num_commits: u64,
    },
    /// Nothing: the event brings no new commits.
    Nothing,
}

/// The scope chosen for an event, and one line saying what it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What to scan.
    pub scope: Scope,
    /// E.g. `push to main: scanning A..B (3 commits)`.
    pub description: String,
}

/// What to tell a user whose checkout lacks the commits the event names.
const FETCH_DEPTH_HINT: &str = "viscan ci needs the history of the range: check out with \
`actions/checkout` and `fetch-depth: 0`";

/// Picks the commits to scan for `event` in the repository `graph` describes.
pub fn choose(event: &Event, graph: &impl Graph) -> anyhow::Result<Choice> {
    match event {
        Event::Push {
            git_ref,
            before,
            after,
            forced,
            default_branch,
        } => choose_push(
            graph,
            git_ref,
            before,
            after,
            *forced,
            default_branch.as_deref(),
        ),
        Event::Change {
            name,
            label,
            base,
            head,
        } => {
            let what = format!("{name} ({label})");
            let pull_target_hint = if name == "pull_request_target" {
                " (pull_request_target checks out the base branch: also set \
                 `ref: ${{ github.event.pull_request.head.sha }}`)"
            } else {
                ""
            };
            let base = present(graph, &what, base, "base", "")?;
            let head = present(graph, &what, head, "head", pull_target_hint)?;
            let range = format!("{base}..{head}");
            commits(graph, &what, range, vec![head], vec![base])
        }
        Event::Other { name, sha } => {
            if graph.is_shallow() {
                bail!(
                    "{name}: the checkout is a shallow clone, so the full history is not there \
                     to audit; {FETCH_DEPTH_HINT}"
                );
            }
            let at = sha
                .as_deref()
                .map(|sha| format!(" at {sha}"))
                .unwrap_or_default();
            Ok(Choice {
                scope: Scope::FullHistory,
                description: format!(
                    "{name}{at}: scanning the full history (every branch, tag and remote ref)"
                ),
            })
        }
    }
}

fn choose_push(
    graph: &impl Graph,
    git_ref: &str,
    before: &str,
    after: &str,
    forced: bool,
    default_branch: Option<&str>,
) -> anyhow::Result<Choice> {
    let (kind, name) = match (
        git_ref.strip_prefix("refs/heads/"),
        git_ref.strip_prefix("refs/tags/"),
    ) {
        (Some(branch), _) => ("branch", branch),
        (_, Some(tag)) => ("tag", tag),
        _ => ("ref", git_ref),
    };
    let what = format!("push to {name}");
    if is_zero(after) {
        return Ok(Choice {
            scope: Scope::Nothing,
            description: format!("{what}: the {kind} was deleted; nothing to scan"),
        });
    }
    let after = present(graph, &what, after, "after", "")?;
    // The default branch: what it holds was scanned when it was pushed there. Other branches
    // are not trusted (one push can bring several, each holding the others' commits).
    let default_branch = default_branch
        .map(str::to_string)
        .or_else(|| graph.remote_head());
    let (trusted, not_on): (Vec<String>, String) = match &default_branch {
        Some(default) if kind == "branch" && name == default => {
            (Vec::new(), "(the default branch)".to_string())
        }
        Some(default) => {
            let mut tips: Vec<String> = graph
                .remote_branches()?
                .into_iter()
                .filter(|b| b.branch == *default)
                .map(|b| b.commit)
                .collect();
            tips.sort();
            tips.dedup();
            let not_on = if tips.is_empty() {
                format!("(the default branch {default} is not in the checkout)")
            } else {
                format!("that are not on the default branch {default}")
            };
            (tips, not_on)
        }
        None => (Vec::new(), "(no default branch is known)".to_string()),
    };
    if is_zero(before) {
        let what = format!("{what} (new {kind})");
        let description = format!("commits of {after} {not_on}");
        return commits(graph, &what, description, vec![after], trusted);
    }
    let before_id = graph.commit(before);
    match before_id {
        Some(before) if before == after => Ok(Choice {
            scope: Scope::Nothing,
            description: format!(
                "{what}: {before}..{after} brings no new commits; nothing to scan"
            ),
        }),
        Some(before) if graph.is_ancestor(&before, &after)? => commits(
            graph,
            &what,
            format!("{before}..{after}"),
            vec![after],
            vec![before],
        ),
        Some(before) => {
            let what = format!("{what} (forced)");
            let description = format!("commits of {after} outside {before} {not_on}");
            let mut exclude = trusted;
            exclude.push(before);
            commits(graph, &what, description, vec![after], exclude)
        }
        // A force push leaves the old tip unreachable, so the checkout does not have it.
        None if forced => {
            let what = format!("{what} (forced)");
            let description = format!("commits of {after} {not_on} (the old tip {before} is gone)");
            commits(graph, &what, description, vec![after], trusted)
        }
        None => Err(missing(graph, &what, before, "before", "")),
    }
}

/// The full id of `id`, or an error saying the checkout lacks it.
fn present(
    graph: &impl Graph,
    what: &str,
    id: &str,
    role: &str,
    hint: &str,
) -> anyhow::Result<String> {
    graph
        .commit(id)
        .ok_or_else(|| missing(graph, what, id, role, hint))
}

/// The error for a commit the event names but the checkout lacks.
fn missing(graph: &impl Graph, what: &str, id: &str, role: &str, hint: &str) -> anyhow::Error {
    let why = if graph.is_shallow() {
        "the checkout is a shallow clone"
    } else {
        "the checkout does not have it"
    };
    anyhow::anyhow!(
        "{what}: commit {id} (the event's {role}) is not in the repository: {why}; \
         {FETCH_DEPTH_HINT}{hint}"
    )
}

/// A scope of commits, checked against the shallow boundary and counted.
fn commits(
    graph: &impl Graph,
    what: &str,
    description: String,
    include: Vec<String>,
    exclude: Vec<String>,
) -> anyhow::Result<Choice> {
    let count = graph.count(&include, &exclude)?;
    if let Some(boundary) = count.shallow_boundary {
        bail!(
            "{what}: {description} reach past commit {boundary}, where the shallow clone's history \
             ends; {FETCH_DEPTH_HINT}"
        );
    }
    if count.num_commits == 0 {
        return Ok(Choice {
            scope: Scope::Nothing,
            description: format!("{what}: {description}: no new commits; nothing to scan"),
        });
    }
    let num_commits = count.num_commits;
    Ok(Choice {
        scope: Scope::Commits {
            include,
            exclude,
            num_commits,
        },
        description: format!(
            "{what}: scanning {description} ({num_commits} commit{})",
            if num_commits == 1 { "" } else { "s" }
        ),
    })
}

/// An all-zero id: "no commit" in push payloads.
fn is_zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    /// A fake commit graph: each commit with its parents.
    #[derive(Default)]
    struct Fake {
        parents: HashMap<String, Vec<String>>,
        remotes: Vec<RemoteBranch>,
        head: Option<String>,
        shallow: HashSet<String>,
    }

    impl Fake {
        fn commit(mut self, id: &str, parents: &[&str]) -> Fake {
            self.parents
                .insert(id.into(), parents.iter().map(|p| p.to_string()).collect());
            self
        }

        fn remote(mut self, branch: &str, commit: &str) -> Fake {
            self.remotes.push(RemoteBranch {
                remote: "origin".into(),
                branch: branch.into(),
                commit: commit.into(),
            });
            self
        }

        fn ancestry(&self, tips: &[String]) -> HashSet<String> {
            let mut seen = HashSet::new();
            let mut todo: Vec<String> = tips.to_vec();
            while let Some(id) = todo.pop() {
                if let Some(parents) = self.parents.get(&id) {
                    if seen.insert(id.clone()) {
                        todo.extend(parents.iter().cloned());
                    }
                }
            }
            seen
        }
    }

    impl Graph for Fake {
        fn is_shallow(&self) -> bool {
            !self.shallow.is_empty()
        }
        fn commit(&self, rev: &str) -> Option<String> {
            self.parents.contains_key(rev).then(|| rev.to_string())
        }
        fn is_ancestor(&self, ancestor: &str, descendant: &str) -> anyhow::Result<bool> {
            Ok(ancestor != descendant
                && self.ancestry(&[descendant.to_string()]).contains(ancestor))
        }
        fn remote_branches(&self) -> anyhow::Result<Vec<RemoteBranch>> {
            Ok(self.remotes.clone())
        }
        fn remote_head(&self) -> Option<String> {
            self.head.clone()
        }
        fn count(&self, include: &[String], exclude: &[String]) -> anyhow::Result<RangeCount> {
            let hidden = self.ancestry(exclude);
            let walked: Vec<String> = self
                .ancestry(include)
                .into_iter()
                .filter(|id| !hidden.contains(id))
                .collect();
            Ok(RangeCount {
                num_commits: walked.len() as u64,
                shallow_boundary: walked.into_iter().find(|id| self.shallow.contains(id)),
            })
        }
    }

    const ZERO: &str = "0000000000000000000000000000000000000000";

    fn push(git_ref: &str, before: &str, after: &str, forced: bool) -> Event {
        Event::Push {
            git_ref: git_ref.into(),
            before: before.into(),
            after: after.into(),
            forced,
            default_branch: None,
        }
    }

    /// a ← b ← c on main (the remote's HEAD); c ← d ← e on feature.
    fn graph() -> Fake {
        let mut fake = Fake::default()
            .commit("a", &[])
            .commit("b", &["a"])
            .commit("c", &["b"])
            .commit("d", &["c"])
            .commit("e", &["d"])
            .remote("main", "c")
            .remote("feature", "e");
        fake.head = Some("main".into());
        fake
    }

    fn scope(choice: &Choice) -> (Vec<&str>, Vec<&str>, u64) {
        match &choice.scope {
            Scope::Commits {
                include,
                exclude,
                num_commits,
            } => (
                include.iter().map(String::as_str).collect(),
                exclude.iter().map(String::as_str).collect(),
                *num_commits,
            ),
            other => panic!("not a commit scope: {other:?}"),
        }
    }

    #[test]
    fn push_scans_before_to_after() {
        let choice = choose(&push("refs/heads/feature", "c", "e", false), &graph()).expect("ok");
        assert_eq!(scope(&choice), (vec!["e"], vec!["c"], 2));
        assert_eq!(
            choice.description,
            "push to feature: scanning c..e (2 commits)"
        );
    }

    #[test]
    fn new_branch_scans_commits_not_on_the_default_branch() {
        let choice = choose(&push("refs/heads/feature", ZERO, "e", false), &graph()).expect("ok");
        assert_eq!(scope(&choice), (vec!["e"], vec!["c"], 2));
        assert_eq!(
            choice.description,
            "push to feature (new branch): scanning commits of e that are not on the default \
             branch main (2 commits)"
        );
        // The first push of a repository: the default branch itself, so every commit.
        let mut first = Fake::default().commit("a", &[]).remote("main", "a");
        first.head = Some("main".into());
        let choice = choose(&push("refs/heads/main", ZERO, "a", false), &first).expect("ok");
        assert_eq!(scope(&choice), (vec!["a"], vec![], 1));
        // No default branch known: every commit of the new branch.
        first.head = None;
        let choice = choose(&push("refs/heads/x", ZERO, "a", false), &first).expect("ok");
        assert_eq!(scope(&choice), (vec!["a"], vec![], 1));
        assert!(choice.description.contains("(no default branch is known)"));
    }

    #[test]
    fn branches_pushed_together_do_not_excuse_each_other() {
        // feature and feature-copy arrive in one push: both remote-tracking branches exist
        // when each run starts.
        let g = graph().remote("feature-copy", "e");
        for branch in ["refs/heads/feature", "refs/heads/feature-copy"] {
            let choice = choose(&push(branch, ZERO, "e", false), &g).expect("ok");
            assert_eq!(scope(&choice), (vec!["e"], vec!["c"], 2), "{branch}");
        }
        // The payload's default branch wins over the remote's HEAD.
        let mut event = push("refs/heads/feature-copy", ZERO, "e", false);
        if let Event::Push { default_branch, .. } = &mut event {
            *default_branch = Some("feature".into());
        }
        assert_eq!(choose(&event, &g).expect("ok").scope, Scope::Nothing);
        let payload = br#"{"ref": "refs/heads/x", "before": "c", "after": "e",
            "repository": {"default_branch": "trunk"}}"#;
        assert!(matches!(
            Event::parse("push", Some(payload), None).expect("parse"),
            Event::Push { default_branch: Some(b), .. } if b == "trunk"
        ));
    }

    #[test]
    fn force_push_scans_only_the_new_commits() {
        // feature rewritten: c ← x replaces c ← d ← e; the old tip e is still known.
        let g = graph().commit("x", &["c"]);
        let choice = choose(&push("refs/heads/feature", "e", "x", true), &g).expect("ok");
        assert_eq!(scope(&choice), (vec!["x"], vec!["c", "e"], 1));
        assert!(choice.description.starts_with("push to feature (forced)"));
        // The old tip is gone from the checkout.
        let choice = choose(&push("refs/heads/feature", "f00d", "x", true), &g).expect("ok");
        assert_eq!(scope(&choice), (vec!["x"], vec!["c"], 1));
    }

    #[test]
    fn missing_commits_and_shallow_boundaries_are_errors_naming_fetch_depth() {
        let mut g = graph();
        g.shallow.insert("d".into());
        g.parents.remove("c");
        let error = choose(&push("refs/heads/feature", "c", "e", false), &g)
            .expect_err("before is missing");
        let text = format!("{error:#}");
        assert!(
            text.contains("fetch-depth: 0") && text.contains("shallow"),
            "{text}"
        );
        // The new-branch walk runs into the boundary.
        let error =
            choose(&push("refs/heads/feature", ZERO, "e", false), &g).expect_err("boundary");
        assert!(format!("{error:#}").contains("fetch-depth: 0"));
        let error = choose(
            &Event::Other {
                name: "schedule".into(),
                sha: None,
            },
            &g,
        )
        .expect_err("shallow full history");
        assert!(format!("{error:#}").contains("fetch-depth: 0"));
    }

    #[test]
    fn empty_ranges_and_deletions_scan_nothing() {
        let choice = choose(&push("refs/heads/main", "c", "c", false), &graph()).expect("ok");
        assert_eq!(choice.scope, Scope::Nothing);
        let choice = choose(&push("refs/heads/feature", "e", ZERO, false), &graph()).expect("ok");
        assert_eq!(choice.scope, Scope::Nothing);
        // A new branch made from main without new commits.
        let choice = choose(&push("refs/heads/copy", ZERO, "c", false), &graph()).expect("ok");
        assert_eq!(choice.scope, Scope::Nothing);
    }

    #[test]
    fn pull_requests_scan_base_to_head() {
        let payload = br#"{"number": 7, "pull_request": {"number": 7,
            "base": {"sha": "c"}, "head": {"sha": "e"}}}"#;
        let event = Event::parse("pull_request", Some(payload), Some("m")).expect("parse");
        let choice = choose(&event, &graph()).expect("ok");
        assert_eq!(scope(&choice), (vec!["e"], vec!["c"], 2));
        assert_eq!(
            choice.description,
            "pull_request (pull request #7): scanning c..e (2 commits)"
        );
    }

    #[test]
    fn other_events_scan_the_full_history() {
        let event = Event::parse("workflow_dispatch", None, Some("e")).expect("parse");
        let choice = choose(&event, &graph()).expect("ok");
        assert_eq!(choice.scope, Scope::FullHistory);
    }

    #[test]
    fn payloads_are_read_strictly() {
        let payload = br#"{"ref": "refs/heads/main", "before": "c", "after": "e", "forced": true}"#;
        assert_eq!(
            Event::parse("push", Some(payload), None).expect("parse"),
            push("refs/heads/main", "c", "e", true)
        );
        assert!(Event::parse("push", None, None).is_err());
        assert!(Event::parse("push", Some(b"{}"), None).is_err());
        assert!(Event::parse("pull_request", Some(b"not json"), None).is_err());
        assert!(Event::parse("", None, None).is_err());
    }
}
