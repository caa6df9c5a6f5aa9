//! A reader for git's index file (`.git/index`, or `GIT_INDEX_FILE`), versions 2 to 4, with its
//! cache-tree (`TREE`) extension.
//!
//! Why not libgit2's index: it re-hashes the whole file (SHA-1 with collision detection) on every
//! read, and its tree-to-index diff walks every entry of HEAD's tree. With the cache tree, the
//! pre-commit check compares only the directories a commit touches, as `git diff --cached` does:
//! on 50,000 tracked files that is the difference between missing and meeting the 50 ms budget
//! (`bench/history.sh`). Anything this reader does not understand (split or sparse indexes,
//! unmerged entries, SHA-256 repositories) makes it return `None`, and the caller falls back to
//! libgit2.

use std::borrow::Cow;
use std::collections::HashMap;

use git2::Oid;

/// One staged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path from the work tree root, `/`-separated: borrowed from the index bytes, except in
    /// index v4, whose paths are prefix-compressed. Not copying 50,000 paths is most of what
    /// parsing an index costs (`bench/history.sh`, staged part).
    pub path: Cow<'a, [u8]>,
    /// Blob id (or commit id for a gitlink).
    pub id: Oid,
    /// Git file mode (0o100644, 0o100755, 0o120000, 0o160000).
    pub mode: u32,
}

/// The parts of an index the pre-commit check needs.
#[derive(Debug, Default)]
pub struct IndexFile<'a> {
    /// Entries in index order (sorted by path).
    pub entries: Vec<Entry<'a>>,
    /// Directory (`""` for the root, else `a/b`) → tree id, for directories whose cache-tree
    /// entry is valid (unchanged since the tree was last written).
    pub cached_trees: HashMap<Vec<u8>, Oid>,
}

const OID_LEN: usize = 20;
const FLAG_EXTENDED: u16 = 0x4000;
const FLAG_STAGE: u16 = 0x3000;
const NAME_MASK: u16 = 0x0fff;
const EXT_INTENT_TO_ADD: u16 = 0x2000;

/// A cursor over the index bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let len = memchr::memchr(0, self.bytes.get(self.at..)?)?;
        let text = self.take(len)?;
        self.at += 1;
        Some(text)
    }

    /// The offset-encoded varint of index v4 path compression.
    fn varint(&mut self) -> Option<usize> {
        let mut byte = *self.take(1)?.first()?;
        let mut value = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = *self.take(1)?.first()?;
            value = value.checked_add(1)?.checked_shl(7)? | usize::from(byte & 0x7f);
        }
        Some(value)
    }
}

/// Parses an index file; `None` if it uses anything this reader does not handle.
pub fn parse(bytes: &[u8]) -> Option<IndexFile<'_>> {
    // The trailing checksum is not verified: git itself skips that on read.
    let body = bytes.get(..bytes.len().checked_sub(OID_LEN)?)?;
    let mut r = Reader { bytes: body, at: 0 };
    if r.take(4)? != b"DIRC" {
        return None;
    }
    let version = r.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let num_entries = r.u32()? as usize;
    let mut index = IndexFile {
        entries: Vec::with_capacity(num_entries.min(1 << 20)),
        cached_trees: HashMap::new(),
    };
    let mut previous_path: Vec<u8> = Vec::new();
    for _ in 0..num_entries {
        let start = r.at;
        r.take(24)?; // ctime, mtime, dev, ino
        let mode = r.u32()?;
        r.take(12)?; // uid, gid, size
        let id = Oid::from_bytes(r.take(OID_LEN)?).ok()?;
        let flags = r.u16()?;
        if flags & FLAG_STAGE != 0 {
            return None; // unmerged: let libgit2 handle the conflict
        }
        let mut intent_to_add = false;
        if flags & FLAG_EXTENDED != 0 {
            if version < 3 {
                return None;
            }
            intent_to_add = r.u16()? & EXT_INTENT_TO_ADD != 0;
        }
        let path = if version == 4 {
            let strip = r.varint()?;
            let keep = previous_path.len().checked_sub(strip)?;
            previous_path.truncate(keep);
            previous_path.extend_from_slice(r.until_nul()?);
            Cow::Owned(previous_path.clone())
        } else {
            let name_len = usize::from(flags & NAME_MASK);
            let path = if name_len < usize::from(NAME_MASK) {
                let path = r.take(name_len)?;
                r.at += 1; // the NUL
                path
            } else {
                r.until_nul()?
            };
            // Entries are padded with NULs to a multiple of 8 bytes.
            let len = r.at - start;
            r.at = start + len.div_ceil(8) * 8;
            if r.at > body.len() {
                return None;
            }
            Cow::Borrowed(path)
        };
        if mode & 0o170000 == 0o040000 {
            return None; // a sparse-index directory entry
        }
        if !intent_to_add {
            index.entries.push(Entry { path, id, mode });
        }
    }
    while r.at < body.len() {
        let signature = r.take(4)?;
        let size = r.u32()? as usize;
        let data = r.take(size)?;
        match signature {
            b"TREE" => parse_cache_tree(data, &mut index.cached_trees)?,
            b"link" | b"sdir" => return None, // split or sparse index
            [b'A'..=b'Z', ..] => {}           // optional extensions we do not need
            _ => return None,
        }
    }
    Some(index)
}

/// The cache-tree extension: pre-order entries of `name NUL count SP subtrees LF [oid]`.
fn parse_cache_tree(data: &[u8], trees: &mut HashMap<Vec<u8>, Oid>) -> Option<()> {
    let mut r = Reader { bytes: data, at: 0 };
    let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
    while r.at < data.len() {
        let name = r.until_nul()?;
        let line_end = memchr::memchr(b'\n', data.get(r.at..)?)?;
        let line = std::str::from_utf8(r.take(line_end)?).ok()?;
        r.at += 1;
        let (count, subtrees) = line.split_once(' ')?;
        let count: i64 = count.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        // Where this entry sits: under the innermost parent that still expects children.
        while stack.last().is_some_and(|(_, remaining)| *remaining == 0) {
            stack.pop();
        }
        let mut path = match stack.last_mut() {
            Some((parent, remaining)) => {
                *remaining -= 1;
                let mut path = parent.clone();
                if !path.is_empty() {
                    path.push(b'/');
                }
                path
            }
            None => Vec::new(),
        };
        path.extend_from_slice(name);
        if count >= 0 {
            trees.insert(path.clone(), Oid::from_bytes(r.take(OID_LEN)?).ok()?);
        }
        stack.push((path, subtrees));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a v2 index with the given (path, id byte, mode) entries and raw extensions.
    fn index_v2(entries: &[(&str, u8, u32)], extensions: &[u8]) -> Vec<u8> {
        let mut out = b"DIRC".to_vec();
        out.extend_from_slice(&2u32.to_be_bytes());
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for (path, id, mode) in entries {
            let start = out.len();
            out.extend_from_slice(&[0; 24]);
            out.extend_from_slice(&mode.to_be_bytes());
            out.extend_from_slice(&[0; 12]);
            out.extend_from_slice(&[*id; 20]);
            out.extend_from_slice(&(path.len() as u16).to_be_bytes());
            out.extend_from_slice(path.as_bytes());
            out.push(0);
            while (out.len() - start) % 8 != 0 {
                out.push(0);
            }
        }
        out.extend_from_slice(extensions);
        out.extend_from_slice(&[0; 20]);
        out
    }

    #[test]
    fn parses_entries_and_cache_tree() {
        let mut tree = Vec::new();
        tree.extend_from_slice(b"\x002 1\n");
        tree.extend_from_slice(&[7; 20]);
        tree.extend_from_slice(b"src\x00-1 0\n");
        let mut ext = b"TREE".to_vec();
        ext.extend_from_slice(&(tree.len() as u32).to_be_bytes());
        ext.extend_from_slice(&tree);
        let bytes = index_v2(
            &[("README.md", 1, 0o100644), ("src/main.rs", 2, 0o100755)],
            &ext,
        );
        let index = parse(&bytes).expect("parses");
        assert_eq!(index.entries.len(), 2);
        assert_eq!(&*index.entries[1].path, b"src/main.rs");
        assert_eq!(index.entries[1].mode, 0o100755);
        assert_eq!(index.entries[1].id, Oid::from_bytes(&[2; 20]).expect("oid"));
        assert_eq!(index.cached_trees.len(), 1, "src is invalidated");
        assert_eq!(
            index.cached_trees.get(&b""[..]),
            Some(&Oid::from_bytes(&[7; 20]).expect("oid"))
        );
    }

    #[test]
    fn rejects_what_it_does_not_handle_and_never_panics() {
        let good = index_v2(&[("a", 1, 0o100644)], b"");
        assert!(parse(&good).is_some());
        for cut in 0..good.len() {
            let _ = parse(&good[..cut]);
        }
        let mut split = b"link".to_vec();
        split.extend_from_slice(&0u32.to_be_bytes());
        assert!(parse(&index_v2(&[("a", 1, 0o100644)], &split)).is_none());
        assert!(parse(b"NOPE").is_none());
    }
}
