//! Byte-level text helpers: UTF-16 decoding, and offsets to 1-based line/column plus a short
//! snippet window. Positions are computed only for blobs that have findings.

use crate::blob::{Utf16, utf16_order};

/// If `bytes` are UTF-16 text (with or without a byte order mark, see
/// [`crate::blob::utf16_order`]), decodes them into `out` as UTF-8 and returns the byte order.
/// Unpaired surrogates become U+FFFD. Lines and columns counted in the UTF-8 text are those of
/// the UTF-16 file (one code point is one column either way).
pub fn decode_utf16(bytes: &[u8], out: &mut Vec<u8>) -> Option<Utf16> {
    let order = utf16_order(bytes)?;
    let body = match bytes {
        [0xFF, 0xFE, rest @ ..] | [0xFE, 0xFF, rest @ ..] => rest,
        _ => bytes,
    };
    let units = body.chunks_exact(2).map(|pair| match order {
        Utf16::Le => u16::from_le_bytes([pair[0], pair[1]]),
        Utf16::Be => u16::from_be_bytes([pair[0], pair[1]]),
    });
    out.clear();
    out.reserve(body.len() / 2);
    let mut buf = [0u8; 4];
    for ch in char::decode_utf16(units) {
        let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    Some(order)
}

/// Start offsets of every line in a blob, built once per blob with findings.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`, reusing `starts` storage.
    pub fn new(text: &[u8], mut starts: Vec<usize>) -> LineIndex {
        starts.clear();
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex { starts }
    }

    /// Gives the storage back for reuse.
    pub fn into_storage(self) -> Vec<usize> {
        self.starts
    }

    /// 1-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn position(&self, text: &[u8], offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        (line, count_chars(&text[line_start..offset]) + 1)
    }

    /// The line containing byte `offset`, without its line terminator.
    pub fn line_bounds(&self, text: &[u8], offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let mut end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        if end > start && text[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end)
    }
}

/// Characters in `bytes`: what `String::from_utf8_lossy` makes of them, a UTF-8 sequence or an
/// invalid one (one U+FFFD) counting once.
pub fn count_chars(bytes: &[u8]) -> usize {
    count_chars_in(bytes, 0, bytes.len())
}

/// Characters in `text[from..to]`, counted as [`count_chars`] does but looking before `from`
/// to tell a stray continuation byte from one that continues a sequence, so that counts of
/// adjacent ranges add up whatever the cut.
pub fn count_chars_in(text: &[u8], from: usize, to: usize) -> usize {
    (from..to).filter(|&i| is_char_start(text, i)).count()
}

/// Whether byte `i` of `text` starts a character, as lossy UTF-8 decoding sees it: an ASCII
/// byte, a lead byte, or a continuation byte that does not extend a valid prefix of a sequence
/// (a stray Latin-1 `©`, the `80` of an overlong `E0 80`). Each character then shows as one
/// code point, or one U+FFFD, in a snippet. Counting only non-continuation bytes made a run of
/// stray bytes zero columns wide: columns on Latin-1 lines were wrong, and a snippet window
/// over them had no end (found by `fuzz/fuzz_targets/utf16_text.rs`).
fn is_char_start(text: &[u8], i: usize) -> bool {
    let b = text[i];
    if !(0x80..0xC0).contains(&b) {
        return true;
    }
    // Back over at most three continuation bytes to the lead byte.
    for back in 1..=3 {
        let Some(j) = i.checked_sub(back) else {
            return true;
        };
        // (continuation bytes it takes, the range its first one must be in: Unicode table 3-7)
        let (needed, second) = match text[j] {
            0x80..=0xBF => continue,
            0xC2..=0xDF => (1, 0x80..=0xBF),
            0xE0 => (2, 0xA0..=0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80..=0xBF),
            0xED => (2, 0x80..=0x9F),
            0xF0 => (3, 0x90..=0xBF),
            0xF1..=0xF3 => (3, 0x80..=0xBF),
            0xF4 => (3, 0x80..=0x8F),
            _ => return true,
        };
        return back > needed || !second.contains(&text[j + 1]);
    }
    true
}

/// Characters of context shown on each side of a secret in a snippet.
const SNIPPET_CONTEXT: usize = 30;

/// What a snippet shows in place of another secret that falls inside its window.
const MASK: &str = "*****";

/// What a redacted snippet masks besides the secret's own span.
#[derive(Debug, Clone, Copy)]
pub struct Hide<'a> {
    /// The secret's value: every copy of it in the window, and of its span's text (they differ
    /// when the value was decoded), is masked.
    pub value: &'a [u8],
    /// Other secrets' byte ranges, sorted by start: a snippet never shows a neighbour's key.
    pub others: &'a [(usize, usize)],
    /// Whether other copies of the value are masked: not for a reference finding, whose
    /// value is a variable name as written (`process.env.NEXT_PUBLIC_…`), not a secret.
    pub copies: bool,
}

/// The text around `secret` (byte range) on its line: at most [`SNIPPET_CONTEXT`] characters on
/// each side, with `…` where the line was cut and the secret replaced by `replacement`. With
/// `hide` (a redacted snippet), whatever it names inside the window is masked too.
pub fn snippet(
    text: &[u8],
    line: (usize, usize),
    secret: (usize, usize),
    replacement: &str,
    hide: Option<Hide<'_>>,
) -> String {
    let (line_start, line_end) = line;
    let secret_end = secret.1.min(line_end).max(secret.0);
    let before = char_boundary_back(text, line_start, secret.0, SNIPPET_CONTEXT);
    let after = char_boundary_forward(text, secret_end, line_end, SNIPPET_CONTEXT);
    let mut out = String::new();
    if before > line_start {
        out.push('…');
    }
    // What to mask in the window: the other secrets, and every other copy of this one (a value
    // repeated on its line, `KEY="v" # was "v"`, is not a match but must not show through;
    // found by `fuzz/fuzz_targets/scan_blob.rs`), as written and as decoded (a base64 value
    // with the plain key beside it; found by `tests/cli/props.rs`).
    let mut masks: Vec<(usize, usize)> = Vec::new();
    if let Some(hide) = hide {
        let first = hide.others.partition_point(|o| o.1 <= before);
        masks.extend(
            hide.others[first..]
                .iter()
                .take_while(|o| o.0 < after)
                .copied(),
        );
        let written = &text[secret.0..secret.1];
        let decoded = Some(hide.value).filter(|value| *value != written);
        let needles = std::iter::once(written).chain(decoded);
        for needle in needles.filter(|_| hide.copies) {
            if needle.is_empty() {
                continue;
            }
            let from = before.saturating_sub(needle.len());
            let to = after.saturating_add(needle.len()).min(text.len());
            masks.extend(
                memchr::memmem::find_iter(&text[from..to], needle)
                    .map(|i| (from + i, from + i + needle.len()))
                    .filter(|&(start, _)| start != secret.0),
            );
        }
    }
    masks.sort_unstable();
    let piece = |from: usize, to: usize, out: &mut String| {
        let mut at = from;
        for &(start, end) in &masks {
            if start >= to {
                break;
            }
            let (mut start, mut end) = (start.max(at), end.min(to));
            if start >= end {
                continue;
            }
            // Whole characters: a mask that cut one would leave its other bytes to show as
            // U+FFFD, several per character (found by `fuzz/fuzz_targets/utf16_text.rs`).
            while start > at && !is_char_start(text, start) {
                start -= 1;
            }
            while end < to && !is_char_start(text, end) {
                end += 1;
            }
            // Touching or overlapping masks show as one: a window of many short copies
            // stays short (found by `fuzz/fuzz_targets/utf16_text.rs`).
            if start > at || !out.ends_with(MASK) {
                out.push_str(&String::from_utf8_lossy(&text[at..start]));
                out.push_str(MASK);
            }
            at = end;
        }
        out.push_str(&String::from_utf8_lossy(&text[at..to]));
    };
    let mut head = String::new();
    piece(before, secret.0, &mut head);
    out.push_str(head.trim_start());
    out.push_str(replacement);
    let mut tail = String::new();
    piece(secret_end, after, &mut tail);
    out.push_str(tail.trim_end());
    if after < line_end {
        out.push('…');
    }
    out.replace('\t', " ")
}

/// Line/column lookups for increasing offsets: counting characters from the previous offset on
/// the same line instead of from the line start keeps many findings on one minified line linear.
#[derive(Default)]
pub struct Cursor {
    line: usize,
    offset: usize,
    column: usize,
    /// Whether to count `astral` too (only when a source map will be asked).
    utf16: bool,
    /// Characters outside the Basic Multilingual Plane before `offset` on the line: they count
    /// one column but two UTF-16 units, the unit source maps count in.
    astral: usize,
}

impl Cursor {
    /// A cursor that also counts UTF-16 columns ([`Cursor::utf16_column`]).
    pub fn counting_utf16() -> Cursor {
        Cursor {
            utf16: true,
            ..Cursor::default()
        }
    }

    /// 1-based line and column of byte `offset`.
    pub fn position(&mut self, index: &LineIndex, text: &[u8], offset: usize) -> (usize, usize) {
        let line = index.line_of(offset);
        if line == self.line && offset >= self.offset && self.line != 0 {
            self.column += count_chars_in(text, self.offset, offset);
            if self.utf16 {
                self.astral += count_astral(&text[self.offset..offset]);
            }
        } else {
            let (line, column) = index.position(text, offset);
            self.column = column;
            self.line = line;
            if self.utf16 {
                let (line_start, _) = index.line_bounds(text, offset);
                self.astral = count_astral(&text[line_start..offset]);
            }
        }
        self.offset = offset;
        (self.line, self.column)
    }

    /// The 1-based column of the last [`Cursor::position`] in UTF-16 code units (when made by
    /// [`Cursor::counting_utf16`]; else the column).
    pub fn utf16_column(&self) -> usize {
        self.column + self.astral
    }
}

/// Four-byte UTF-8 sequences (characters above U+FFFF) in `bytes`.
fn count_astral(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b >= 0xF0).count()
}

fn char_boundary_back(text: &[u8], floor: usize, from: usize, chars: usize) -> usize {
    let mut pos = from;
    let mut seen = 0;
    while pos > floor && seen < chars {
        pos -= 1;
        if is_char_start(text, pos) {
            seen += 1;
        }
    }
    pos
}

fn char_boundary_forward(text: &[u8], from: usize, ceiling: usize, chars: usize) -> usize {
    let mut pos = from;
    let mut seen = 0;
    while pos < ceiling && seen < chars {
        pos += 1;
        while pos < ceiling && !is_char_start(text, pos) {
            pos += 1;
        }
        seen += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hide(value: &[u8]) -> Option<Hide<'_>> {
        Some(Hide {
            value,
            others: &[],
            copies: true,
        })
    }

    /// Regression (fuzz/scan_blob): a second, unmatched copy of the secret on its line showed
    /// in the redacted snippet.
    #[test]
    fn snippets_mask_every_copy_of_the_secret() {
        let text = b"KEY=\"SECRETVALUE9\" # old: SECRETVALUE9, SECRETVALUE";
        let at = 5;
        let s = snippet(
            text,
            (0, text.len()),
            (at, at + 12),
            "SE*****",
            hide(b"SECRETVALUE9"),
        );
        assert_eq!(s, "KEY=\"SE*****\" # old: *****, SECRETV…");
        // Cut by the window's edge: the visible part is masked.
        let mut text = b"KEY=\"SECRETVALUE9\"".to_vec();
        text.extend_from_slice(&[b' '; 24]);
        text.extend_from_slice(b"SECRETVALUE9 and more text after it");
        let s = snippet(
            &text,
            (0, text.len()),
            (at, at + 12),
            "SE*****",
            hide(b"SECRETVALUE9"),
        );
        assert!(!s.contains("SECRET"), "{s}");
        // Copies side by side are one mask.
        let copies = b"k=\"ABCDEFGH\" ABCDEFGHABCDEFGHABCDEFGH.";
        let s = snippet(
            copies,
            (0, copies.len()),
            (3, 11),
            "AB*****",
            hide(b"ABCDEFGH"),
        );
        assert_eq!(s, "k=\"AB*****\" *****.");
        // A mask covers whole characters, never leaving the rest of one as U+FFFD.
        let cut = "k=\"ÿ\" ÿÿ ÿ".as_bytes();
        // (The "secret" here is the first byte of `ÿ`: its second byte still shows as U+FFFD.)
        let s = snippet(cut, (0, cut.len()), (3, 4), "R*****", hide(&cut[3..4]));
        assert_eq!(s, "k=\"R*****\u{fffd}\" ***** *****");
        // A decoded secret (base64 here): copies of its plain value are masked too
        // (found by tests/cli/props.rs).
        let encoded = b"KEY: U0VDUkVUVkFMVUU5 # was SECRETVALUE9";
        let s = snippet(
            encoded,
            (0, encoded.len()),
            (5, 21),
            "SE*****",
            hide(b"SECRETVALUE9"),
        );
        assert_eq!(s, "KEY: SE***** # was *****");
        // With --show-secrets the copies stay.
        let s = snippet(&text, (0, text.len()), (at, at + 12), "SECRETVALUE9", None);
        assert!(s.contains("SECRETVALUE9") && !s.contains("*****"), "{s}");
    }

    /// Regression (fuzz/utf16_text): stray continuation bytes (Latin-1 `©` is 0xA9) counted
    /// zero columns, and a snippet window over a run of them took the whole line.
    #[test]
    fn stray_continuation_bytes_are_one_column_each() {
        let mut text = vec![0xA9; 5000];
        text.extend_from_slice(b"KEY=SECRETVALUE");
        text.extend(std::iter::repeat_n(0xA9, 5000));
        let index = LineIndex::new(&text, Vec::new());
        let at = 5004;
        assert_eq!(index.position(&text, at), (1, 5005));
        let mut cursor = Cursor::default();
        assert_eq!(cursor.position(&index, &text, 2500), (1, 2501));
        assert_eq!(cursor.position(&index, &text, at), (1, 5005));
        let s = snippet(
            &text,
            (0, text.len()),
            (at, at + 11),
            "SE*****",
            hide(b"SECRETVALUE"),
        );
        assert!(s.chars().count() <= 70, "{} chars", s.chars().count());
        // A valid two-byte character is still one column, however the range is cut.
        let text = "é=KEY".as_bytes();
        assert_eq!(count_chars(text), 5);
        assert_eq!(count_chars_in(text, 0, 1) + count_chars_in(text, 1, 6), 5);
        // As many columns as lossy decoding makes characters, for any bytes (fuzz/utf16_text:
        // an overlong `E0 80` is two U+FFFD, and was counted as one).
        for bytes in [
            &b"\xe0\x80\x80a"[..],
            b"\xed\xa0\x80",
            b"\xf0\x80\x80\x80",
            b"\xf4\x90\x80",
            b"\xe1\x80a\xc3",
            b"\xc0\x80\xff\xa9\xa9",
            "ok é 😀 ₩".as_bytes(),
        ] {
            let lossy = String::from_utf8_lossy(bytes).chars().count();
            assert_eq!(count_chars(bytes), lossy, "{bytes:x?}");
        }
    }

    #[test]
    fn positions_count_characters_and_handle_crlf() {
        let text = "a\r\nxé = KEY\r\n".as_bytes();
        let index = LineIndex::new(text, Vec::new());
        let at = text.windows(3).position(|w| w == b"KEY").expect("KEY");
        assert_eq!(index.position(text, at), (2, 6));
        let (start, end) = index.line_bounds(text, at);
        assert_eq!(&text[start..end], "xé = KEY".as_bytes());
    }

    #[test]
    fn snippet_is_a_short_window_on_long_lines() {
        let mut line = "x".repeat(5000);
        line.push_str("SECRETVALUE");
        line.push_str(&"y".repeat(5000));
        let text = line.as_bytes();
        let at = 5000;
        let s = snippet(
            text,
            (0, text.len()),
            (at, at + 11),
            "SE*****",
            hide(b"SECRETVALUE"),
        );
        assert!(s.chars().count() <= 80, "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("SE*****") && !s.contains("SECRETVALUE"));
    }

    #[test]
    fn snippets_mask_neighbouring_secrets() {
        let text = b"{apiKey:\"FIRSTSECRET1\",secret:\"SECONDSECRET2\"}";
        let find = |needle: &[u8]| {
            let at = text
                .windows(needle.len())
                .position(|w| w == needle)
                .expect("in text");
            (at, at + needle.len())
        };
        let (first, second) = (find(b"FIRSTSECRET1"), find(b"SECONDSECRET2"));
        let others = [first, second];
        let hide = Hide {
            value: b"FIRSTSECRET1",
            others: &others,
            copies: true,
        };
        let s = snippet(text, (0, text.len()), first, "FI*****", Some(hide));
        assert_eq!(s, "{apiKey:\"FI*****\",secret:\"*****\"}");
        assert!(!s.contains("SECOND"));
    }

    #[test]
    fn cursor_matches_direct_positions() {
        let text = "aé b\nxyzé é é\n".as_bytes();
        let index = LineIndex::new(text, Vec::new());
        let mut cursor = Cursor::default();
        for offset in [0, 1, 4, 6, 8, 12, 13, 3] {
            assert_eq!(
                cursor.position(&index, text, offset),
                index.position(text, offset)
            );
        }
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "key=é".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let mut out = Vec::new();
        assert_eq!(decode_utf16(&bytes, &mut out), Some(Utf16::Le));
        assert_eq!(out, "key=é".as_bytes());
    }

    #[test]
    fn utf16_without_bom_is_decoded_in_either_order() {
        let text = "VOICEINFRA_API_KEY=é😀x\r\n";
        let mut out = Vec::new();
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode_utf16(&le, &mut out), Some(Utf16::Le));
        assert_eq!(out, text.as_bytes());
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_utf16(&be, &mut out), Some(Utf16::Be));
        assert_eq!(out, text.as_bytes());
        assert_eq!(decode_utf16(b"plain", &mut out), None);
    }

    #[test]
    fn cursor_counts_utf16_units_for_source_maps() {
        let text = "a😀b😀c\nd".as_bytes();
        let index = LineIndex::new(text, Vec::new());
        let mut cursor = Cursor::counting_utf16();
        let c = text.iter().position(|&b| b == b'c').expect("c");
        assert_eq!(cursor.position(&index, text, c), (1, 5));
        assert_eq!(cursor.utf16_column(), 7);
        let b = text.iter().position(|&b| b == b'b').expect("b");
        assert_eq!(cursor.position(&index, text, b), (1, 3));
        assert_eq!(cursor.utf16_column(), 4);
    }
}
