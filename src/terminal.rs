//! Untrusted text made safe for a terminal. Snippets, file names, commit authors, ref names and
//! rule names from config files come from whoever wrote the scanned repository: printed raw, an
//! escape sequence in them could erase the finding from the screen (`ESC[1A ESC[2K`), set the
//! window title (OSC) or reorder a line so that it reads as something else (Unicode
//! bidirectional controls, "Trojan Source", CVE-2021-42574). Every human-facing output (the text
//! report, GitHub annotations, stderr messages, `rules show`) passes such text through
//! [`escape`]; machine formats (JSON, SARIF) keep it exact instead.
//!
//! A leaf below every other module (it imports nothing from the crate), so any of them can
//! use it. Our own colour codes are added after escaping, so they are the only escape sequences a
//! report holds.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as is: a C0 or C1 control character (tab and newline
/// included), DEL, or a Unicode bidirectional control (U+061C, U+200E, U+200F, U+202A–U+202E,
/// U+2066–U+2069).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every character that [`needs_escape`] shown as a visible escape: `\t`, `\n`,
/// `\r`, `\e` (ESC), `\x07` (other C0 controls and DEL), `\u{9b}` (C1 controls) and
/// `\u{202e}` (bidirectional controls). Borrowed, untouched, when there is nothing to escape
/// (the common case). Backslashes are kept as they are: the result is for people to read, and
/// is never parsed back: `key\x1b[2K\u{202e}x` shows as `key\e[2K\u{202e}x`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c` to `out`, as [`escape`] shows it.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\x1b' => out.push_str("\\e"),
        c if c.is_ascii_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_marks_are_shown_as_escapes() {
        assert_eq!(escape("a\x1b[1A\x1b[2K"), r"a\e[1A\e[2K");
        assert_eq!(escape("\x07\x00\x7f"), r"\x07\x00\x7f");
        assert_eq!(escape("a\tb\r\nc"), r"a\tb\r\nc");
        assert_eq!(escape("\u{9b}2K\u{85}"), r"\u{9b}2K\u{85}");
        assert_eq!(
            escape("\u{202a}\u{202e}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}"),
            r"\u{202a}\u{202e}\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}"
        );
        // An OSC title sequence ended by BEL.
        assert_eq!(escape("\x1b]0;pwned\x07"), r"\e]0;pwned\x07");
    }

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for text in ["", "plain", r"C:\path\e", "é – ü 漢字 🙂", "\u{a0}\u{200b}"] {
            assert!(
                matches!(escape(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn every_control_is_escaped() {
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            let shown = escape(&c.to_string()).into_owned();
            if needs_escape(c) {
                assert!(shown.starts_with('\\'), "{c:?} → {shown}");
                assert!(!shown.chars().any(needs_escape), "{c:?} → {shown}");
            } else {
                assert_eq!(shown, c.to_string());
            }
        }
    }
}
