//! Zip-family archives (zip, jar, war, apk, aab, ipa, whl, nupkg, vsix), read from memory with
//! the `zip` crate (stored and deflate members; other methods are named in a warning).

use std::io::Cursor;

use super::{Level, Refusal, Walk, note_unsafe_name};
use crate::blob::Origin;

/// Hands every file member of the zip in `bytes` to `walk`.
pub(super) fn expand(walk: &mut Walk<'_, '_>, bytes: &[u8], origin: &Origin, level: &Level<'_>) {
    let mut archive = match ::zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(error) => return walk.damaged(origin, error),
    };
    let num_entries = archive.len() as u64;
    if num_entries > walk.limits.max_entries {
        crate::warn!(
            "{}: archive has {num_entries} entries; only the first {} are read",
            origin.quoted_path(),
            walk.limits.max_entries
        );
    }
    for index in 0..archive.len().min(walk.limits.max_entries as usize) {
        if walk.stopped || crate::interrupt::requested() {
            return;
        }
        let (name, skip) = match archive.by_index_raw(index) {
            Ok(file) => {
                let name = file.name().to_string();
                let skip = if file.is_dir() {
                    Some(None)
                } else if file.is_symlink() {
                    Some(Some("a symbolic link, not followed"))
                } else if file.encrypted() {
                    Some(Some("encrypted, not read"))
                } else {
                    None
                };
                (name, skip)
            }
            Err(error) => return walk.damaged(origin, error),
        };
        match skip {
            Some(None) => continue,
            Some(Some(why)) => {
                let shown = super::member_origin(origin, name).quoted_path();
                crate::warn!("{shown}: archive member skipped: {why}");
                continue;
            }
            None => {}
        }
        note_unsafe_name(origin, &name);
        let read = match archive.by_index(index) {
            Ok(mut file) => {
                let compressed = file.compressed_size();
                let declared = file.size();
                // Sizes are declared up front: a bomb is refused before it inflates (a lying
                // header is still caught while reading).
                if declared > walk.limits.max_member_size {
                    Err(Refusal::TooLarge)
                } else if declared > super::RATIO_FLOOR
                    && declared > compressed.max(1).saturating_mul(walk.limits.max_ratio)
                {
                    Err(Refusal::Ratio)
                } else {
                    walk.read_member(&mut file, compressed, true)
                }
            }
            Err(error) => Err(Refusal::Io(std::io::Error::other(error))),
        };
        match read {
            Ok(data) => walk.member(origin, name, data, level),
            Err(refusal) => walk.refused(origin, &name, refusal),
        }
    }
}
