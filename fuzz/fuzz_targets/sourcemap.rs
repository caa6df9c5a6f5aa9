//! The source-map reader: the top-level JSON walk of `parse`, string unescaping and the
//! offset mapping back into the escaped string, lazy VLQ `mappings` lookups, and finding a
//! bundle's `sourceMappingURL` and inline `data:` payload. Every range it hands out must lie
//! inside the map, and mapping decoded offsets back must stay in the string and go forward.

#![no_main]

use libfuzzer_sys::fuzz_target;
use viscan::scan::sourcemap::{self, Mappings};

fuzz_target!(|data: &[u8]| {
    let _ = sourcemap::looks_like_map(data);
    if let Some(map) = sourcemap::parse(data) {
        for (index, content) in map.contents.iter().enumerate() {
            let _ = map.source_name(index);
            let Some((from, to)) = *content else {
                continue;
            };
            assert!(from <= to && to <= data.len(), "{from}..{to}");
            let body = &data[from..to];
            let mut out = Vec::new();
            let mut checkpoints = Vec::new();
            sourcemap::unescape_string(body, &mut out, &mut checkpoints);
            let step = (out.len() / 128).max(1);
            let mut last = 0;
            for offset in (0..=out.len()).step_by(step) {
                let start = sourcemap::string_offset(body, &checkpoints, offset, false);
                let end = sourcemap::string_offset(body, &checkpoints, offset, true);
                assert!(
                    start <= end && end <= body.len(),
                    "{offset} -> {start}, {end}"
                );
                assert!(start >= last, "{offset} goes backwards");
                last = start;
            }
        }
        if let Some((from, to)) = map.mappings {
            assert!(from <= to && to <= data.len(), "{from}..{to}");
            let mut mappings = Mappings::new(&data[from..to]);
            for line in 0..4 {
                for column in [0, 1, 7, 64, 1 << 20] {
                    let _ = mappings.lookup(line, column);
                }
            }
            // Out of order: starts over, must still answer.
            let _ = mappings.lookup(0, 0);
        }
    }
    if let Some(url) = sourcemap::mapping_url(data) {
        assert!(url.0 <= url.1 && url.1 <= data.len(), "{url:?}");
        if let Some(payload) = sourcemap::inline_payload(data, url) {
            assert!(
                payload.0 <= payload.1 && payload.1 <= data.len(),
                "{payload:?}"
            );
        }
    }
    let mut at = 0;
    while at < data.len() {
        let before = at;
        if sourcemap::vlq(data, &mut at).is_none() {
            at = before + 1;
        }
        assert!(at > before);
    }
});
