//! The decoders that turn encoded text into views: percent-encoding, JSON/JS escapes, HTML
//! character references and base64 (plus the windowing around keyword hits). Besides "no
//! panic": the decoded view is never longer than its source, its pieces are ordered and in
//! range, and mapping view offsets back to the source stays in range and never goes backwards
//! (findings in decoded text are reported at the encoded bytes).
//!
//! Input: the first byte picks `all_base64` (a Kubernetes Secret decodes every base64 value),
//! the rest is the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use viscan::scan::decode::{self, Mapping};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, src)) = data.split_first() else {
        return;
    };
    let mut out = Vec::new();
    let mut pieces = Vec::new();
    let mut blocks = Vec::new();
    decode::decode(
        src,
        0,
        src.len(),
        flags & 1 == 1,
        &mut out,
        &mut pieces,
        &mut blocks,
    );
    assert!(out.len() <= src.len(), "{} > {}", out.len(), src.len());
    for block in &blocks {
        let (from, to) = block.parent;
        assert!(from <= to && to <= src.len(), "{:?}", block.parent);
        assert!(block.bytes.len() <= to - from);
    }
    let mut previous = (0, 0);
    for piece in &pieces {
        assert!(
            piece.view.0 <= piece.view.1 && piece.view.1 <= out.len(),
            "{piece:?}"
        );
        assert!(
            piece.parent.0 <= piece.parent.1 && piece.parent.1 <= src.len(),
            "{piece:?}"
        );
        assert!(
            piece.view.0 >= previous.0 && piece.parent.0 >= previous.1,
            "{piece:?}"
        );
        previous = (piece.view.1, piece.parent.1);
    }
    let mapping = Mapping::Pieces { base: 0, pieces };
    let step = (out.len() / 256).max(1);
    let (mut last_start, mut last_end) = (0, 0);
    for offset in (0..=out.len()).step_by(step) {
        let start = mapping.to_parent(src, offset, false);
        let end = mapping.to_parent(src, offset, true);
        assert!(
            start <= src.len() && end <= src.len(),
            "{offset} -> {start}, {end}"
        );
        assert!(start <= end, "{offset} -> {start}, {end}");
        assert!(
            start >= last_start && end >= last_end,
            "{offset} goes backwards"
        );
        (last_start, last_end) = (start, end);
        let _ = mapping.pieces_in(offset, offset + step);
    }

    let mut decoded = Vec::new();
    if decode::decode_base64(src, &mut decoded) {
        assert!(decoded.len() <= src.len());
    }
    let hits: Vec<usize> = src
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'k')
        .map(|(i, _)| i)
        .collect();
    let mut windows = Vec::new();
    decode::windows(&hits, src.len(), &mut windows);
    for pair in windows.windows(2) {
        assert!(pair[0].1 < pair[1].0, "windows overlap: {windows:?}");
    }
    let _ = decode::is_k8s_secret("secret.yaml", src);
});
