//! The git index-file reader (`.git/index`, `GIT_INDEX_FILE`): versions 2 to 4, path
//! compression, extended flags, the cache-tree extension. A hook reads whatever file git (or
//! something else) left there, so any bytes must give `None` or a consistent index.

#![no_main]

use libfuzzer_sys::fuzz_target;
use viscan::source::git::index_file;

fuzz_target!(|data: &[u8]| {
    if let Some(index) = index_file::parse(data) {
        // Nothing parsed can be larger than the file that held it.
        assert!(index.entries.len() <= data.len() / 40 + 1);
        for entry in &index.entries {
            assert!(
                entry.mode & 0o170000 != 0o040000,
                "directory entries are refused"
            );
        }
    }
});
