//! Inline allow markers: `viscan:allow` in a comment on a secret's line, `viscan:allow-next-line`
//! in a comment on the line above it, and the markers of other scanners users already have in
//! their code (`gitleaks:allow`, detect-secrets' `pragma: allowlist secret`).
//!
//! A marker counts only inside a *comment*, found by a small tokenizer that knows the comment
//! syntaxes of the languages we scan (`#`, `//`, `/* */`, `<!-- -->`, `--`, `;` at a line's
//! start) and skips string literals: `var t = "viscan:allow"`, a URL query or a source map's
//! `names` do not hide a key. On a long one-line file (a bundle, a map) only a comment within
//! [`LONG_LINE_WINDOW`] bytes of the secret counts, and a secret found in a source map's
//! `sourcesContent` is judged on its own original source and line (see `scan::resolve`).

use super::text::LineIndex;

/// Markers that allow a finding on their own line.
const SAME_LINE: &[&[u8]] = &[
    b"viscan:allow",
    b"gitleaks:allow",
    b"pragma: allowlist secret",
];
/// The marker that allows a finding on the next line.
const NEXT_LINE: &[u8] = b"viscan:allow-next-line";
/// Whether `text` contains any allow marker (any case).
pub fn mentions_marker(text: &[u8]) -> bool {
    SAME_LINE
        .iter()
        .any(|marker| super::context::find_ci(text, marker).is_some())
}

/// On a minified line only this many bytes on each side of the secret count as "its line".
pub const LONG_LINE_WINDOW: usize = 1024;
/// How far before a secret the tokenizer starts reading a long line: beyond that, whether a
/// marker sits in a comment or a string cannot be told cheaply, and markers do not count.
const MAX_TOKENIZED: usize = 1 << 20;

/// The same-line marker in a comment within `window` of `line` (both byte ranges of `text`).
fn same_line_marker(
    text: &[u8],
    line: (usize, usize),
    window: (usize, usize),
) -> Option<&'static str> {
    // Tokenized only when a marker is there: most lines with a secret have none.
    let mut comments_here: Option<Vec<(usize, usize)>> = None;
    for marker in SAME_LINE {
        let mut from = window.0;
        while let Some(at) = super::context::find_ci(&text[from..window.1], marker) {
            let pos = from + at;
            let end = pos + marker.len();
            // `viscan:allow-next-line` is about the next line, not this one.
            let about_next_line =
                *marker == b"viscan:allow" && text[end..line.1].starts_with(b"-next-line");
            let comments = comments_here.get_or_insert_with(|| comments(text, line.0, window.1));
            if !about_next_line && in_comment(comments, pos, end) {
                return std::str::from_utf8(marker).ok();
            }
            from = end;
        }
    }
    None
}

/// Whether a next-line marker sits in a comment on `line`.
fn has_next_line_marker(text: &[u8], line: (usize, usize)) -> bool {
    if line.1 - line.0 > MAX_TOKENIZED {
        return false;
    }
    let mut comments_here: Option<Vec<(usize, usize)>> = None;
    let mut from = line.0;
    while let Some(at) = super::context::find_ci(&text[from..line.1], NEXT_LINE) {
        let pos = from + at;
        let comments = comments_here.get_or_insert_with(|| comments(text, line.0, line.1));
        if in_comment(comments, pos, pos + NEXT_LINE.len()) {
            return true;
        }
        from = pos + NEXT_LINE.len();
    }
    false
}

/// The marker that allows a secret at `secret` (byte range), looking at its line and the line
/// above it.
pub fn allowing(text: &[u8], index: &LineIndex, secret: (usize, usize)) -> Option<&'static str> {
    let line = index.line_bounds(text, secret.0);
    let mut window = line;
    if line.1 - line.0 > 4 * LONG_LINE_WINDOW {
        window.0 = line.0.max(secret.0.saturating_sub(LONG_LINE_WINDOW));
        window.1 = line.1.min(secret.1 + LONG_LINE_WINDOW).max(window.0);
    }
    if secret.0 - line.0 <= MAX_TOKENIZED {
        if let Some(marker) = same_line_marker(text, line, window) {
            return Some(marker);
        }
    }
    if line.0 == 0 {
        return None;
    }
    let above = index.line_bounds(text, line.0 - 1);
    has_next_line_marker(text, above).then_some("viscan:allow-next-line")
}

/// 1-based lines that markers in `text` allow (a same-line marker's own line, the line after a
/// next-line marker), for listing unused markers.
pub fn allowed_lines(text: &[u8], index: &LineIndex) -> Vec<usize> {
    let mut lines = Vec::new();
    for marker in SAME_LINE.iter().chain(std::iter::once(&NEXT_LINE)) {
        let mut from = 0;
        while let Some(at) = super::context::find_ci(&text[from..], marker) {
            let pos = from + at;
            let line = index.line_of(pos);
            let bounds = index.line_bounds(text, pos);
            if *marker == NEXT_LINE {
                if has_next_line_marker(text, bounds) {
                    lines.push(line + 1);
                }
            } else if bounds.1 - bounds.0 <= MAX_TOKENIZED
                && same_line_marker(text, bounds, bounds).is_some()
            {
                lines.push(line);
            }
            from = pos + marker.len();
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// Whether `[start, end)` lies inside one of `comments`.
fn in_comment(comments: &[(usize, usize)], start: usize, end: usize) -> bool {
    comments.iter().any(|&(a, b)| a <= start && end <= b)
}

/// The comments in `text[from..to]` (one line, or its start up to a window's end), as byte
/// ranges of `text`. String literals (`"…"`, `'…'`, `` `…` ``, with backslash escapes) hide
/// comment starts; a quote with no closing quote later on the line is an ordinary character
/// (an apostrophe in prose, a Rust lifetime).
fn comments(text: &[u8], from: usize, to: usize) -> Vec<(usize, usize)> {
    let line = &text[from..to];
    let mut found = Vec::new();
    // Quote kinds known to have no closing quote in the rest of the line.
    let mut unclosed = [false; 3];
    let mut i = 0;
    while i < line.len() {
        let comment_end = comment_at(line, i);
        if let Some(end) = comment_end {
            found.push((from + i, from + end));
            i = end;
            continue;
        }
        let b = line[i];
        let quote = match b {
            b'"' => Some(0),
            b'\'' => Some(1),
            b'`' => Some(2),
            _ => None,
        };
        if let Some(kind) = quote.filter(|k| !unclosed[*k]) {
            match closing_quote(line, i + 1, b) {
                Some(close) => {
                    i = close + 1;
                    continue;
                }
                None => unclosed[kind] = true,
            }
        }
        i += 1;
    }
    found
}

/// Where the comment starting at `line[i]` ends, if one starts there: `#` and `--` at a word's
/// start, `//` after a blank or a statement's end (not in `https://`), `;` as a line's first
/// non-blank, `/* … */` and `<!-- … -->`.
fn comment_at(line: &[u8], i: usize) -> Option<usize> {
    let rest = &line[i..];
    let before = i.checked_sub(1).map(|j| line[j]);
    let blank = |c: u8| c == b' ' || c == b'\t';
    let at_word_start = before.is_none_or(blank);
    let to_line_end = match rest[0] {
        b'#' => at_word_start,
        b'/' if rest.starts_with(b"//") => {
            before.is_none_or(|c| blank(c) || matches!(c, b';' | b')' | b'}' | b']' | b','))
        }
        b'-' if rest.starts_with(b"--") => at_word_start && rest.get(2).is_none_or(|&c| blank(c)),
        // Only a blank run can precede it; checked last, and only for `;`, to stay linear.
        b';' => line[..i].iter().rev().all(|&c| blank(c)),
        _ => false,
    };
    if to_line_end {
        return Some(line.len());
    }
    let (open, close): (&[u8], &[u8]) = match rest[0] {
        b'/' if rest.starts_with(b"/*") => (b"/*", b"*/"),
        b'<' if rest.starts_with(b"<!--") => (b"<!--", b"-->"),
        _ => return None,
    };
    let body = &rest[open.len()..];
    Some(memchr::memmem::find(body, close).map_or(line.len(), |e| i + open.len() + e + close.len()))
}

/// The index of the quote that closes a string opened before `from`, skipping backslash
/// escapes.
fn closing_quote(line: &[u8], mut from: usize, quote: u8) -> Option<usize> {
    while let Some(at) = memchr::memchr2(quote, b'\\', &line[from..]) {
        let pos = from + at;
        if line[pos] == quote {
            return Some(pos);
        }
        from = pos + 2;
        if from > line.len() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(text: &str, secret: &str) -> Option<&'static str> {
        let at = text.find(secret).expect("secret in text");
        let index = LineIndex::new(text.as_bytes(), Vec::new());
        allowing(text.as_bytes(), &index, (at, at + secret.len()))
    }

    #[test]
    fn markers_on_the_line_and_above() {
        assert_eq!(
            allowed("KEY=s3cr3t # viscan:allow\n", "s3cr3t"),
            Some("viscan:allow")
        );
        assert_eq!(
            allowed("KEY=s3cr3t // gitleaks:allow\n", "s3cr3t"),
            Some("gitleaks:allow")
        );
        assert_eq!(
            allowed("k = 's3cr3t'  # pragma: allowlist secret\n", "s3cr3t"),
            Some("pragma: allowlist secret")
        );
        assert_eq!(
            allowed("# viscan:allow-next-line\nKEY=s3cr3t\n", "s3cr3t"),
            Some("viscan:allow-next-line")
        );
        assert_eq!(
            allowed("KEY=s3cr3t # viscan:allow-next-line\n", "s3cr3t"),
            None
        );
        assert_eq!(allowed("# viscan:allow\n\nKEY=s3cr3t\n", "s3cr3t"), None);
    }

    #[test]
    fn markers_count_only_in_comments() {
        for text in [
            "KEY = 's3cr3t'; var t = \"viscan:allow\";\n",
            "KEY = 's3cr3t'; var t = 'gitleaks:allow';\n",
            "url = \"https://h/?k=s3cr3t&viscan:allow\"\n",
            "URL=https://h/#viscan:allow?k=s3cr3t\n",
            "k = `s3cr3t viscan:allow`\n",
            "{\"names\":[\"viscan:allow\"],\"k\":\"s3cr3t\"}\n",
            "x = \"// viscan:allow\" + 's3cr3t'\n",
            "x = \"a\\\" # viscan:allow\" + 's3cr3t'\n",
        ] {
            assert_eq!(allowed(text, "s3cr3t"), None, "{text}");
        }
        for text in [
            "KEY='s3cr3t' # viscan:allow\n",
            "KEY=s3cr3t\t# viscan:allow\n",
            "const k = 's3cr3t'; // viscan:allow\n",
            "const k = 's3cr3t';// viscan:allow\n",
            "k := \"s3cr3t\" /* viscan:allow */\n",
            "<key>s3cr3t</key> <!-- viscan:allow -->\n",
            "select 's3cr3t' -- viscan:allow\n",
            "fn f<'a>(x: &'a str) -> &'a str { \"s3cr3t\" } // viscan:allow\n",
            "# it's fine: viscan:allow\nnope\n",
        ] {
            let secret = if text.contains("s3cr3t") {
                "s3cr3t"
            } else {
                "nope"
            };
            let expected = if secret == "nope" {
                None
            } else {
                Some("viscan:allow")
            };
            assert_eq!(allowed(text, secret), expected, "{text}");
        }
        assert_eq!(
            allowed("x = 'viscan:allow-next-line'\nKEY=s3cr3t\n", "s3cr3t"),
            None
        );
    }

    #[test]
    fn on_a_long_line_only_a_nearby_comment_counts() {
        let filler = "a=1;".repeat(2000);
        let near = format!("{filler}var k=\"s3cr3t\";/* viscan:allow */{filler}\n");
        assert_eq!(allowed(&near, "s3cr3t"), Some("viscan:allow"));
        let far = format!("/* viscan:allow */{filler}var k=\"s3cr3t\";{filler}\n");
        assert_eq!(allowed(&far, "s3cr3t"), None);
        let in_string = format!("{filler}var k=\"s3cr3t\",t=\"/* viscan:allow */\";{filler}\n");
        assert_eq!(allowed(&in_string, "s3cr3t"), None);
    }

    #[test]
    fn lists_the_lines_markers_allow() {
        let text = b"a # viscan:allow\n# viscan:allow-next-line\nb\nc\n";
        let index = LineIndex::new(text, Vec::new());
        assert_eq!(allowed_lines(text, &index), vec![1, 3]);
    }
}
