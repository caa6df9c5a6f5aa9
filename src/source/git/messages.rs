//! Commit and annotated-tag messages: text a person typed, where keys get pasted too
//! (`debug: curl -H "X-API-Key: …"`). `viscan history` and `viscan ci` scan the messages of
//! the commits they walk, and of the annotated tags that point at those commits, as blobs
//! whose path-like location is [`COMMIT_MESSAGE`] or `tag-message:NAME` (issue 16).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{ObjectType, Oid};

use crate::blob::CommitMeta;

/// The location of a key found in a commit message.
pub const COMMIT_MESSAGE: &str = "commit-message";

/// The location prefix of a key found in an annotated tag's message (`tag-message:v1.0`).
pub const TAG_MESSAGE: &str = "tag-message:";

/// One message to scan.
#[derive(Debug, Clone)]
pub struct Message {
    /// `commit-message`, or `tag-message:NAME`.
    pub location: PathBuf,
    /// The commit it belongs to: the commit itself, or the one the tag points at (with the
    /// tagger as author and the tag's date).
    pub commit: Arc<CommitMeta>,
    /// The message, as stored.
    pub text: Vec<u8>,
}

/// Hands `found` the messages of `commits`, and of every annotated tag that points (through
/// any chain of tags) at one of them, one at a time (never all at once: issue 11). Unreadable
/// objects are reported as errors and left out.
pub fn messages(
    repo: &Path,
    commits: &[Oid],
    mut found: impl FnMut(Message),
) -> anyhow::Result<()> {
    let repo = super::open(repo)?;
    for &oid in commits {
        match repo.find_commit(oid) {
            Ok(commit) => found(Message {
                location: PathBuf::from(COMMIT_MESSAGE),
                commit: Arc::new(super::commit_meta(&commit)),
                text: commit.message_raw_bytes().to_vec(),
            }),
            Err(error) => crate::err!("commit {oid}: {}", error.message()),
        }
    }
    // Sorted ids rather than a hash set: 20 bytes a commit (issue 11).
    let mut walked: Vec<Oid> = commits.to_vec();
    walked.sort_unstable();
    let mut tags = Vec::new();
    let listed = repo.tag_foreach(|id, name| {
        tags.push((id, String::from_utf8_lossy(name).into_owned()));
        true
    });
    if let Err(error) = listed {
        crate::err!("listing tags: {}", error.message());
    }
    for (id, name) in tags {
        // Lightweight tags point at the commit directly: they have no message.
        let Ok(tag) = repo.find_tag(id) else {
            continue;
        };
        let Ok(target) = tag.as_object().peel(ObjectType::Commit) else {
            continue;
        };
        if walked.binary_search(&target.id()).is_err() {
            continue;
        }
        let (author_name, author_email, date) = match tag.tagger() {
            Some(tagger) => (
                String::from_utf8_lossy(tagger.name_bytes()).into_owned(),
                String::from_utf8_lossy(tagger.email_bytes()).into_owned(),
                crate::time::format_iso8601(
                    tagger.when().seconds(),
                    tagger.when().offset_minutes(),
                ),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        let short = name.strip_prefix("refs/tags/").unwrap_or(&name);
        found(Message {
            location: PathBuf::from(format!("{TAG_MESSAGE}{short}")),
            commit: Arc::new(CommitMeta {
                id: target.id().to_string(),
                author_name,
                author_email,
                date,
            }),
            text: tag.message_bytes().unwrap_or_default().to_vec(),
        });
    }
    Ok(())
}
