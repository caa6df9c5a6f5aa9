//! Byte-level text helpers: UTF-16 decoding, and offsets to 1-based line/column plus a short
//! snippet window. Positions are computed only for blobs that have findings.

/// If `bytes` start with a UTF-16 byte order mark, decodes them into `out` as UTF-8 and returns
/// true. Unpaired surrogates become U+FFFD.
pub fn decode_utf16_bom(bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let little_endian = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return false,
    };
    let units = bytes[2..].chunks_exact(2).map(|pair| {
        if little_endian {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    out.clear();
    out.reserve(bytes.len() / 2);
    let mut buf = [0u8; 4];
    for ch in char::decode_utf16(units) {
        let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    true
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

/// Characters in `bytes`: UTF-8 sequences count once, invalid bytes once each.
pub fn count_chars(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .filter(|&&b| (b as i8) >= -0x40) // not a UTF-8 continuation byte
        .count()
}

/// Characters of context shown on each side of a secret in a snippet.
const SNIPPET_CONTEXT: usize = 30;

/// What a snippet shows in place of another secret that falls inside its window.
const MASK: &str = "*****";

/// The text around `secret` (byte range) on its line: at most [`SNIPPET_CONTEXT`] characters on
/// each side, with `…` where the line was cut and the secret replaced by `replacement`. Any part
/// of another secret (`others`, byte ranges sorted by start) inside the window is masked too, so
/// a snippet never shows a neighbour's key.
pub fn snippet(
    text: &[u8],
    line: (usize, usize),
    secret: (usize, usize),
    replacement: &str,
    others: &[(usize, usize)],
) -> String {
    let (line_start, line_end) = line;
    let secret_end = secret.1.min(line_end).max(secret.0);
    let before = char_boundary_back(text, line_start, secret.0, SNIPPET_CONTEXT);
    let after = char_boundary_forward(text, secret_end, line_end, SNIPPET_CONTEXT);
    let mut out = String::new();
    if before > line_start {
        out.push('…');
    }
    let piece = |from: usize, to: usize, out: &mut String| {
        let mut at = from;
        let first = others.partition_point(|o| o.1 <= from);
        for &(start, end) in &others[first..] {
            if start >= to {
                break;
            }
            let (start, end) = (start.max(at), end.min(to));
            if start >= end {
                continue;
            }
            out.push_str(&String::from_utf8_lossy(&text[at..start]));
            out.push_str(MASK);
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
}

impl Cursor {
    /// 1-based line and column of byte `offset`.
    pub fn position(&mut self, index: &LineIndex, text: &[u8], offset: usize) -> (usize, usize) {
        let line = index.line_of(offset);
        if line == self.line && offset >= self.offset && self.line != 0 {
            self.column += count_chars(&text[self.offset..offset]);
        } else {
            let (line, column) = index.position(text, offset);
            self.column = column;
            self.line = line;
        }
        self.offset = offset;
        (self.line, self.column)
    }
}

fn char_boundary_back(text: &[u8], floor: usize, from: usize, chars: usize) -> usize {
    let mut pos = from;
    let mut seen = 0;
    while pos > floor && seen < chars {
        pos -= 1;
        if (text[pos] as i8) >= -0x40 {
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
        while pos < ceiling && (text[pos] as i8) < -0x40 {
            pos += 1;
        }
        seen += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let s = snippet(text, (0, text.len()), (at, at + 11), "SE*****", &[]);
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
        let s = snippet(text, (0, text.len()), first, "FI*****", &[first, second]);
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
        assert!(decode_utf16_bom(&bytes, &mut out));
        assert_eq!(out, "key=é".as_bytes());
    }
}
