//! Tar archives (`.tar`, and `.tgz`/`.tar.gz` through a gzip decoder), read as a stream with the
//! `tar` crate: regular files become members; links are named in a warning, never followed.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use super::{Level, Walk, note_unsafe_name};
use crate::blob::Origin;

/// Hands every regular file of the tar stream `reader` to `walk`. `compressed` is the size of
/// the bytes behind `reader` when it inflates them (a `.tgz`): the stream as a whole is then
/// held to the ratio and total limits, since a tar's members have no compressed size of
/// their own.
pub(super) fn expand(
    walk: &mut Walk<'_, '_>,
    reader: impl Read,
    compressed: Option<u64>,
    origin: &Origin,
    level: &Level<'_>,
) {
    let state = Rc::new(GuardState::default());
    let guarded = Guard {
        inner: reader,
        state: Rc::clone(&state),
        limit: compressed.map(|c| {
            let ratio_limit = c
                .max(1)
                .saturating_mul(walk.limits.max_ratio)
                .max(super::RATIO_FLOOR);
            ratio_limit.min(walk.limits.max_total_bytes.saturating_sub(walk.total))
        }),
    };
    let mut archive = ::tar::Archive::new(guarded);
    read_entries(
        walk,
        &mut archive,
        compressed.is_none(),
        &state,
        origin,
        level,
    );
    if compressed.is_some() {
        walk.total += state.num_bytes.get();
    }
}

fn read_entries<R: Read>(
    walk: &mut Walk<'_, '_>,
    archive: &mut ::tar::Archive<R>,
    plain: bool,
    state: &GuardState,
    origin: &Origin,
    level: &Level<'_>,
) {
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(error) => return walk.damaged(origin, error),
    };
    let mut num_entries = 0u64;
    for entry in entries {
        if walk.stopped || crate::interrupt::requested() {
            return;
        }
        num_entries += 1;
        if num_entries > walk.limits.max_entries {
            crate::warn!(
                "{}: archive has more than {} entries; the rest are not read",
                origin.quoted_path(),
                walk.limits.max_entries
            );
            return;
        }
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                return stream_failed(walk, state, origin, error);
            }
        };
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let shown = super::member_origin(origin, name).quoted_path();
            crate::warn!("{shown}: archive member skipped: a link, not followed");
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            continue;
        }
        note_unsafe_name(origin, &name);
        let size = entry.size();
        let read = if size > walk.limits.max_member_size {
            Err(super::Refusal::TooLarge)
        } else {
            // A `.tgz` is budgeted by its stream guard; a plain tar by its members.
            walk.read_member(&mut entry, u64::MAX, plain)
        };
        match read {
            Ok(data) => walk.member(origin, name, data, level),
            Err(super::Refusal::Io(error)) => return stream_failed(walk, state, origin, error),
            Err(refusal) => walk.refused(origin, &name, refusal),
        }
    }
}

/// The stream ended in error: a limit of the guard, or damage.
fn stream_failed(walk: &mut Walk<'_, '_>, state: &GuardState, origin: &Origin, error: io::Error) {
    if state.tripped.get() {
        walk.stopped = true;
        crate::warn!(
            "{}: archive not read to the end: it inflates past the ratio ({}:1) or total ({} \
             bytes) limit (a bomb?)",
            origin.quoted_path(),
            walk.limits.max_ratio,
            walk.limits.max_total_bytes
        );
    } else {
        walk.damaged(origin, error);
    }
}

/// What a [`Guard`] saw, shared with the code that reads through it.
#[derive(Default)]
struct GuardState {
    num_bytes: Cell<u64>,
    tripped: Cell<bool>,
}

/// Counts the bytes a compressed stream inflates to and fails past `limit`.
struct Guard<R> {
    inner: R,
    state: Rc<GuardState>,
    limit: Option<u64>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.state.tripped.get() {
            return Err(io::Error::other("inflation limit reached"));
        }
        let n = self.inner.read(buf)?;
        let num_bytes = self.state.num_bytes.get() + n as u64;
        self.state.num_bytes.set(num_bytes);
        if self.limit.is_some_and(|limit| num_bytes > limit) {
            self.state.tripped.set(true);
            return Err(io::Error::other("inflation limit reached"));
        }
        Ok(n)
    }
}
