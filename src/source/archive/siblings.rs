//! A member's siblings: the other members of the archive it was read from, where its source
//! map is looked for (its `sourceMappingURL`, else `NAME.js.map`), as a bundle on disk finds
//! the map beside it. Only members of the same archive are reachable: a reference is resolved
//! from the member's folder, and one that is absolute, names a scheme (`http:`, `data:`) or
//! climbs above the archive's top (`../../x`) finds nothing.
//!
//! The maps are collected on the first lookup only (a bundle with a finding to place), in one
//! pass over the archive: a tar stream has no index, and the map may come after its bundle.
//! That pass reads only members named `*.map`, within the member size, ratio and inflation
//! limits, and keeps at most [`MAPS_KEPT`] bytes of them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::{ArchiveLimits, Kind, RATIO_FLOOR};
use crate::blob::Origin;

/// Bytes of source maps kept from one archive for lookups.
pub const MAPS_KEPT: u64 = 64 << 20;

/// The archive a member came from, to look its source map up in.
pub struct Siblings<'a> {
    /// The archive's kind and bytes; `None` where a member has no siblings (a single gzip
    /// file, an image config's `Env`).
    source: Option<(Kind, &'a [u8])>,
    limits: ArchiveLimits,
    /// The archive's `*.map` members by name, collected on the first lookup.
    maps: RefCell<Option<HashMap<String, Vec<u8>>>>,
}

impl<'a> Siblings<'a> {
    /// The members of the archive `bytes` of `kind`.
    pub(super) fn new(kind: Kind, bytes: &'a [u8], limits: &ArchiveLimits) -> Siblings<'a> {
        Siblings {
            source: (kind != Kind::Gzip).then_some((kind, bytes)),
            limits: *limits,
            maps: RefCell::new(None),
        }
    }

    /// No siblings at all.
    pub(super) fn none(limits: &ArchiveLimits) -> Siblings<'a> {
        Siblings {
            source: None,
            limits: *limits,
            maps: RefCell::new(None),
        }
    }

    /// The bytes of the source map that `reference` (as a bundle member writes it) names,
    /// if it is a member of the same archive.
    pub fn source_map(&self, member: &Origin, reference: &str) -> Option<Vec<u8>> {
        let (kind, bytes) = self.source?;
        let wanted = resolve(member.members.last()?, reference)?;
        let mut maps = self.maps.borrow_mut();
        let maps = maps.get_or_insert_with(|| collect_maps(kind, bytes, &self.limits));
        maps.get(&wanted).cloned()
    }
}

/// The member name `reference` names, seen from member `member`; `None` when it leaves the
/// archive or is not a plain relative path.
fn resolve(member: &str, reference: &str) -> Option<String> {
    let reference = reference.split(['?', '#']).next().unwrap_or_default();
    if reference.is_empty()
        || reference.contains(':')
        || reference.starts_with('/')
        || reference.starts_with('\\')
    {
        return None;
    }
    let mut parts: Vec<&str> = normalise(member).split('/').collect();
    parts.pop();
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// A member name as looked up: without a leading `./`.
fn normalise(name: &str) -> &str {
    name.strip_prefix("./").unwrap_or(name)
}

fn is_map(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".map")
}

/// The `*.map` members of an archive, within the limits (see the module docs).
fn collect_maps(kind: Kind, bytes: &[u8], limits: &ArchiveLimits) -> HashMap<String, Vec<u8>> {
    let mut maps = Kept {
        maps: HashMap::new(),
        num_bytes: 0,
        max: limits.max_member_size,
    };
    match kind {
        Kind::Zip => zip_maps(bytes, limits, &mut maps),
        Kind::Tar => tar_maps(bytes, limits, &mut maps),
        Kind::TarGz => {
            // The stream as a whole is held to the ratio and total limits, as when it is read.
            let cap = (bytes.len() as u64)
                .max(1)
                .saturating_mul(limits.max_ratio)
                .max(RATIO_FLOOR)
                .min(limits.max_total_bytes);
            let inflated = flate2::read::MultiGzDecoder::new(bytes).take(cap);
            tar_maps(inflated, limits, &mut maps);
        }
        Kind::Gzip => {}
    }
    maps.maps
}

/// Maps collected so far and what they hold.
struct Kept {
    maps: HashMap<String, Vec<u8>>,
    num_bytes: u64,
    /// Largest map read (the member size limit).
    max: u64,
}

impl Kept {
    /// Reads one map member unless it or the kept maps would pass their limits.
    fn read(&mut self, name: &str, reader: impl Read) {
        let mut data = Vec::new();
        if reader.take(self.max + 1).read_to_end(&mut data).is_err()
            || data.len() as u64 > self.max
            || self.num_bytes + data.len() as u64 > MAPS_KEPT
        {
            return;
        }
        self.num_bytes += data.len() as u64;
        self.maps.insert(normalise(name).to_string(), data);
    }
}

fn zip_maps(bytes: &[u8], limits: &ArchiveLimits, kept: &mut Kept) {
    let Ok(mut archive) = ::zip::ZipArchive::new(Cursor::new(bytes)) else {
        return;
    };
    for index in 0..archive.len().min(limits.max_entries as usize) {
        let Ok(file) = archive.by_index(index) else {
            continue;
        };
        let name = file.name().to_string();
        let (declared, compressed) = (file.size(), file.compressed_size());
        if !file.is_file()
            || !is_map(&name)
            || declared > limits.max_member_size
            || (declared > RATIO_FLOOR
                && declared > compressed.max(1).saturating_mul(limits.max_ratio))
        {
            continue;
        }
        kept.read(&name, file);
    }
}

fn tar_maps(reader: impl Read, limits: &ArchiveLimits, kept: &mut Kept) {
    let mut archive = ::tar::Archive::new(reader);
    let Ok(entries) = archive.entries() else {
        return;
    };
    for entry in entries.take(limits.max_entries as usize) {
        let Ok(entry) = entry else { return };
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if !entry.header().entry_type().is_file()
            || !is_map(&name)
            || entry.size() > limits.max_member_size
        {
            continue;
        }
        kept.read(&name, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_within_the_archive_only() {
        let at = |m: &str, r: &str| resolve(m, r);
        assert_eq!(
            at("package/dist/index.js", "index.js.map").as_deref(),
            Some("package/dist/index.js.map")
        );
        assert_eq!(
            at("./dist/a.js", "../maps/a.js.map?v=1").as_deref(),
            Some("maps/a.js.map")
        );
        assert_eq!(at("a.js", "./a.js.map").as_deref(), Some("a.js.map"));
        assert_eq!(at("dist/a.js", "../../a.js.map"), None);
        assert_eq!(at("a.js", "../a.js.map"), None);
        assert_eq!(at("dist/a.js", "/dist/a.js.map"), None);
        assert_eq!(at("dist/a.js", "https://cdn.example/a.js.map"), None);
        assert_eq!(at("dist/a.js", "data:application/json;base64,e30="), None);
        assert_eq!(at("dist/a.js", ""), None);
    }
}
