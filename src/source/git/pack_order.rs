//! Where each object lies in the repository's packs, so a history audit can read blobs in pack
//! order (issue 11).
//!
//! A pack stores most blobs as deltas against a nearby version, and libgit2 keeps only 16 MiB
//! of resolved delta bases. Read in the order the walk meets them (oldest first), nearly every
//! blob rebuilds a long delta chain: redmine's 86,000 blobs took 8.6 s of CPU to read that way
//! and 1.65 s in pack order (same libgit2 handle, one thread). Pack order is the order
//! `pack-objects` wrote, bases before their deltas, so a chain's base is usually still cached.
//!
//! The offsets come from the packs' `.idx` files (version 2: a sorted table of ids, then
//! 32-bit offsets, then 64-bit ones for packs over 2 GiB), read as a stream merged with the
//! sorted list of wanted ids: nothing of the index is held beyond the answer, which matters
//! for a 10-million-object repository whose index is 300 MB.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use git2::Oid;

/// Where an object lies: (pack number, offset in that pack). Objects in no pack (loose, or in
/// an index this module cannot read) sort last.
pub type PackPosition = (u32, u64);

/// Position of an object found in no pack.
pub const NOT_PACKED: PackPosition = (u32::MAX, 0);

/// The pack position of each of `ids` (sorted, no duplicates), in the same order, from the
/// `.idx` files under `git_dir/objects/pack`. An unreadable index only costs order: its
/// objects are reported as [`NOT_PACKED`].
pub fn pack_positions(git_dir: &Path, ids: &[Oid]) -> Vec<PackPosition> {
    debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let mut positions = vec![NOT_PACKED; ids.len()];
    let Ok(entries) = std::fs::read_dir(git_dir.join("objects").join("pack")) else {
        return positions;
    };
    // Regular files only: a FIFO named `*.idx` in a hostile repository would block the open.
    let mut indexes: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
        .collect();
    indexes.sort();
    for (number, index) in indexes.iter().enumerate() {
        // One pack's failure leaves its objects unordered, never the audit broken.
        let _ = locate_in(index, number as u32, ids, &mut positions);
    }
    positions
}

/// Fills in `positions` for the `ids` that pack index `path` (number `number`) holds.
fn locate_in(
    path: &Path,
    number: u32,
    ids: &[Oid],
    positions: &mut [PackPosition],
) -> std::io::Result<()> {
    let mut file = BufReader::with_capacity(1 << 16, File::open(path)?);
    let mut header = [0u8; 8];
    file.read_exact(&mut header)?;
    if header != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
        return Err(std::io::Error::other("not a version 2 pack index"));
    }
    let mut fanout = [0u8; 1024];
    file.read_exact(&mut fanout)?;
    let num_objects = u64::from(u32::from_be_bytes([
        fanout[1020],
        fanout[1021],
        fanout[1022],
        fanout[1023],
    ]));

    // Merge the sorted id table with the sorted wanted ids: (wanted index, table index).
    let mut found: Vec<(usize, u64)> = Vec::new();
    let mut wanted = 0;
    let mut id = [0u8; 20];
    // Where the reader is: seeks are relative, so those within the buffer cost nothing.
    let mut at = 8 + 1024;
    for row in 0..num_objects {
        if wanted == ids.len() {
            break;
        }
        file.read_exact(&mut id)?;
        at += 20;
        while wanted < ids.len() && ids[wanted].as_bytes() < &id[..] {
            wanted += 1;
        }
        if wanted < ids.len() && ids[wanted].as_bytes() == &id[..] {
            found.push((wanted, row));
            wanted += 1;
        }
    }

    // The 32-bit offsets follow the ids and their CRCs; `found` is in table order.
    let offsets_at = 8 + 1024 + num_objects * 24;
    let large_at = offsets_at + num_objects * 4;
    let mut large = Vec::new();
    let mut word = [0u8; 4];
    for &(wanted, row) in &found {
        let target = offsets_at + row * 4;
        file.seek_relative(target as i64 - at as i64)?;
        file.read_exact(&mut word)?;
        at = target + 4;
        let offset = u32::from_be_bytes(word);
        if offset & 0x8000_0000 == 0 {
            positions[wanted] = (number, u64::from(offset));
        } else {
            large.push((wanted, u64::from(offset & 0x7fff_ffff)));
        }
    }
    let mut wide = [0u8; 8];
    for (wanted, slot) in large {
        // Not in table order: an absolute seek each (only packs over 2 GiB have any).
        file.seek(SeekFrom::Start(large_at + slot * 8))?;
        file.read_exact(&mut wide)?;
        positions[wanted] = (number, u64::from_be_bytes(wide));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    }

    #[test]
    fn positions_match_git_show_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = git2::Repository::init_bare(dir.path()).expect("init");
        let mut ids: Vec<Oid> = (0..300)
            .map(|i| repo.blob(format!("blob {i}\n").as_bytes()).expect("blob"))
            .collect();
        // `repack` packs what a ref reaches: one commit whose tree holds every blob.
        let mut tree = repo.treebuilder(None).expect("tree builder");
        for (i, id) in ids.iter().enumerate() {
            tree.insert(format!("f{i}"), *id, 0o100644).expect("entry");
        }
        let tree = repo.find_tree(tree.write().expect("tree")).expect("tree");
        let who = git2::Signature::new("T", "t@example.invalid", &git2::Time::new(0, 0))
            .expect("signature");
        repo.commit(Some("refs/heads/main"), &who, &who, "m", &tree, &[])
            .expect("commit");
        git(dir.path(), &["repack", "-a", "-d", "-q"]);
        // One object stays loose: it is in no pack.
        let loose_text = "loose\n";
        let loose = repo.blob(loose_text.as_bytes()).expect("blob");
        ids.push(loose);
        ids.sort();
        let positions = pack_positions(dir.path(), &ids);

        let pack_dir = dir.path().join("objects/pack");
        let idx = std::fs::read_dir(&pack_dir)
            .expect("pack dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .expect("an index");
        let shown = Command::new("git")
            .arg("show-index")
            .current_dir(dir.path())
            .stdin(File::open(idx).expect("idx"))
            .output()
            .expect("git show-index");
        let mut expected = std::collections::HashMap::new();
        for line in String::from_utf8(shown.stdout).expect("utf-8").lines() {
            let mut words = line.split_whitespace();
            let offset: u64 = words.next().expect("offset").parse().expect("number");
            let id = Oid::from_str(words.next().expect("id")).expect("id");
            expected.insert(id, offset);
        }
        for (id, position) in ids.iter().zip(&positions) {
            if *id == loose {
                assert_eq!(*position, NOT_PACKED);
            } else {
                assert_eq!(*position, (0, expected[id]), "{id}");
            }
        }
    }
}
