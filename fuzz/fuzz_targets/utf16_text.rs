//! UTF-16 decoding and the byte-to-position helpers every finding goes through: the BOM
//! decoder against the standard library's lossy decoder, and line index, incremental cursor and
//! snippet windows at arbitrary offsets of arbitrary bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use viscan::blob::{Blob, Utf16, utf16_order};
use viscan::scan::text::{self, Cursor, LineIndex};

fuzz_target!(|data: &[u8]| {
    // UTF-16: same text as the standard library, always valid UTF-8, for exactly the inputs
    // `utf16_order` calls UTF-16 (a byte order mark, or NUL-interleaved text without one).
    let mut out = Vec::new();
    let decoded = text::decode_utf16(data, &mut out);
    assert_eq!(decoded, utf16_order(data));
    if let Some(order) = decoded {
        let body = match data {
            [0xFF, 0xFE, rest @ ..] | [0xFE, 0xFF, rest @ ..] => rest,
            _ => data,
        };
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|p| match order {
                Utf16::Le => u16::from_le_bytes([p[0], p[1]]),
                Utf16::Be => u16::from_be_bytes([p[0], p[1]]),
            })
            .collect();
        assert_eq!(
            std::str::from_utf8(&out).expect("decoded UTF-16 is UTF-8"),
            String::from_utf16_lossy(&units)
        );
        assert!(!Blob::looks_binary(data));
    }

    // Positions: the first 8 bytes pick offsets, the rest is the text.
    if data.len() < 8 {
        return;
    }
    let (picks, text) = data.split_at(8);
    // Columns count what lossy decoding shows: one per code point or U+FFFD.
    assert_eq!(
        text::count_chars(text),
        String::from_utf8_lossy(text).chars().count()
    );
    let index = LineIndex::new(text, Vec::new());
    let mut cursor = Cursor::default();
    let mut offsets: Vec<usize> = picks
        .chunks_exact(2)
        .map(|p| usize::from(u16::from_le_bytes([p[0], p[1]])) % (text.len() + 1))
        .collect();
    offsets.sort_unstable();
    for &offset in &offsets {
        let (line, column) = index.position(text, offset);
        assert_eq!(cursor.position(&index, text, offset), (line, column));
        assert_eq!(
            line,
            text[..offset].iter().filter(|&&b| b == b'\n').count() + 1
        );
        assert!(column >= 1 && column <= offset + 1);
        let (start, end) = index.line_bounds(text, offset);
        assert!(start <= offset && start <= end && end <= text.len());
    }
    // A snippet around (first, second) on the first one's line, the others as masks.
    let (from, to) = (offsets[0], offsets[1]);
    let bounds = index.line_bounds(text, from);
    let masks: Vec<(usize, usize)> = vec![(offsets[2].min(offsets[3]), offsets[3])];
    let hide = text::Hide {
        value: &text[from..to],
        others: &masks,
        copies: true,
    };
    let snippet = text::snippet(text, bounds, (from, to), "R*****", Some(hide));
    // 30 characters each side, each shown as one character (an invalid sequence as one
    // U+FFFD), except that a masked copy of a one-byte "secret" shows as five `*` (touching
    // ones merge): bounded by the window, whatever the line's length.
    assert!(snippet.chars().count() <= 6 * 60 + 6 + 2, "{snippet:?}");
});
