//! Inline allow markers: `viscan:allow` in a comment on a secret's line, `viscan:allow-next-line`
//! on the line above it, and the markers of other scanners users already have in their code
//! (`gitleaks:allow`, detect-secrets' `pragma: allowlist secret`). Any comment syntax works: the
//! marker is looked for as text on the line.

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
const LONG_LINE_WINDOW: usize = 1024;

/// The marker on `line` (byte range) that applies to it, if any.
fn same_line_marker(text: &[u8], line: (usize, usize)) -> Option<&'static str> {
    let bytes = &text[line.0..line.1];
    for marker in SAME_LINE {
        let mut from = 0;
        while let Some(at) = super::context::find_ci(&bytes[from..], marker) {
            let end = from + at + marker.len();
            // `viscan:allow-next-line` is about the next line, not this one.
            let about_next_line =
                *marker == b"viscan:allow" && bytes[end..].starts_with(b"-next-line");
            if !about_next_line {
                return std::str::from_utf8(marker).ok();
            }
            from = end;
        }
    }
    None
}

/// The marker that allows a secret at `secret` (byte range), looking at its line and the line
/// above it.
pub fn allowing(text: &[u8], index: &LineIndex, secret: (usize, usize)) -> Option<&'static str> {
    let (mut start, mut end) = index.line_bounds(text, secret.0);
    if end - start > 4 * LONG_LINE_WINDOW {
        start = start.max(secret.0.saturating_sub(LONG_LINE_WINDOW));
        end = end.min(secret.1 + LONG_LINE_WINDOW);
    }
    if let Some(marker) = same_line_marker(text, (start, end)) {
        return Some(marker);
    }
    let line_start = index.line_bounds(text, secret.0).0;
    if line_start == 0 {
        return None;
    }
    let (above_start, above_end) = index.line_bounds(text, line_start - 1);
    super::context::find_ci(&text[above_start..above_end], NEXT_LINE)
        .map(|_| "viscan:allow-next-line")
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
            let (line_start, line_end) = index.line_bounds(text, pos);
            let is_next_line = *marker == NEXT_LINE;
            if is_next_line {
                lines.push(line + 1);
            } else if same_line_marker(text, (line_start, line_end)).is_some() {
                lines.push(line);
            }
            from = pos + marker.len();
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
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
    fn lists_the_lines_markers_allow() {
        let text = b"a # viscan:allow\n# viscan:allow-next-line\nb\nc\n";
        let index = LineIndex::new(text, Vec::new());
        assert_eq!(allowed_lines(text, &index), vec![1, 3]);
    }
}
