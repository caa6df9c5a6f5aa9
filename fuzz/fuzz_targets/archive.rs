//! The archive readers (`source::archive`): zip, tar, tgz, gzip and container images, from
//! arbitrary bytes. The first byte picks the name the bytes are read under (so each reader is
//! reached); the limits are small, so a bomb shows as a slow unit, not as an out-of-memory.

#![no_main]

use libfuzzer_sys::fuzz_target;
use viscan::blob::{Blob, Origin};
use viscan::source::archive::{self, ArchiveLimits, ArchiveStats};

const NAMES: &[&str] = &["a.zip", "a.tgz", "a.tar", "a.js.gz", "a.jar", "a.tar.gz"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[pick as usize % NAMES.len()];
    let blob = Blob {
        bytes: bytes.to_vec(),
        origin: Origin::walked(std::path::Path::new(name), std::path::Path::new("")),
    };
    let limits = ArchiveLimits {
        max_depth: 3,
        max_member_size: 1 << 20,
        max_total_bytes: 4 << 20,
        max_ratio: 1000,
        max_entries: 1000,
    };
    let mut stats = ArchiveStats::default();
    let mut total = 0u64;
    let mut num_members = 0u64;
    archive::expand(&blob, &limits, &mut stats, &mut |member, siblings| {
        // A map lookup among the siblings stays within the archive and its limits.
        if let Some(map) = siblings.source_map(&member.origin, "a.js.map") {
            assert!(map.len() as u64 <= limits.max_member_size);
        }
        // Every member keeps the outer file and names its chain; no member passes the limits.
        assert_eq!(member.origin.path, blob.origin.path);
        assert!(!member.origin.members.is_empty());
        assert!(member.origin.members.len() <= 3 + 2);
        assert!(member.bytes.len() as u64 <= limits.max_member_size.max(1 << 20));
        total += member.bytes.len() as u64;
        num_members += 1;
    });
    assert_eq!(num_members, stats.num_members);
    // Config blobs (Env, history) are made, not inflated: allow them some room on top.
    assert!(total <= limits.max_total_bytes + 2 * limits.max_member_size);
});
