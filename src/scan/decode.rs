//! Decoded views: the text a program would see after undoing an encoding, so that rules match
//! keys that are percent-encoded in a URL (`?api_key=…%2B…`), escaped in JSON or JavaScript
//! (`\u002B`, `\x2d`, `\/`), written with HTML entities (`&quot;apiKey&quot;:…`) or stored as
//! base64 (Kubernetes `Secret` data, a base64 value next to a VoiceInfra key name).
//!
//! A [`View`] is decoded bytes plus a [`Mapping`] back to the bytes it was decoded from (the blob
//! or another view), so a finding is reported where the *encoded* text is in the file, and the
//! decoders that produced it are recorded on the finding. Decoding is never done blindly: the
//! scanner decodes only windows around keyword hits (or all of a small file, or a Kubernetes
//! Secret), views nest at most [`MAX_DEPTH`] deep, and a blob's views together hold at most
//! [`MAX_VIEW_BYTES`] bytes and [`MAX_PIECES`] decoded pieces, so hostile input costs time and
//! memory linear in its size.

use crate::scan::context::names_voiceinfra;
use crate::scan::sourcemap;

/// Deepest nesting of views (a percent-encoded base64 value holding JSON escapes is three).
pub const MAX_DEPTH: usize = 3;
/// Decoded bytes a blob's views may hold in total.
pub const MAX_VIEW_BYTES: usize = 64 << 20;
/// Decoded pieces a blob's views may record in total.
pub const MAX_PIECES: usize = 1 << 20;
/// Bytes decoded on each side of a keyword hit.
pub const WINDOW_RADIUS: usize = 4096;
/// Blobs up to this size are decoded whole rather than in windows (source files, manifests).
pub const WHOLE_BLOB: usize = 64 * 1024;
/// Shortest base64 token worth decoding, and shortest text it must decode to.
const MIN_BASE64_LEN: usize = 16;
const MIN_BASE64_DECODED: usize = 12;
/// How far after a VoiceInfra name (on its line) a base64 value counts as "next to" it.
const NAME_REACH: usize = 256;
/// What precedes each request and response in a Burp Suite XML export made with its default
/// setting: the whole HTTP message in base64, the `X-API-Key` line included (issue 13).
const BURP_BASE64: &[u8] = b"base64=\"true\"><![CDATA[";

/// A decoder; findings record the names of those that produced them, outermost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// `%2B` in URLs and form bodies.
    Percent,
    /// Base64 (standard or URL-safe alphabet).
    Base64,
    /// JSON/JavaScript string escapes: `\u002B`, `\u{2B}`, `\x2B`, `\/`.
    Escape,
    /// HTML character references: `&quot;`, `&#43;`, `&#x2B;`.
    HtmlEntity,
}

impl Decoding {
    /// The name reports use (`decoded: ["percent"]`).
    pub fn as_str(self) -> &'static str {
        match self {
            Decoding::Percent => "percent",
            Decoding::Base64 => "base64",
            Decoding::Escape => "escape",
            Decoding::HtmlEntity => "html-entity",
        }
    }
}

/// A run of view bytes a decoder produced from a run of parent bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Byte range in the view.
    pub view: (usize, usize),
    /// Byte range in the parent it was decoded from.
    pub parent: (usize, usize),
    /// The decoder.
    pub decoding: Decoding,
}

/// How offsets in a view map to offsets in its parent.
#[derive(Debug)]
pub enum Mapping {
    /// View offset 0 is parent offset `base`; bytes map one to one except inside `pieces`
    /// (sorted, disjoint), whose bytes map proportionally onto their parent range.
    Pieces {
        /// Parent offset of view offset 0.
        base: usize,
        /// The decoded runs.
        pieces: Vec<Piece>,
    },
    /// The body of a JSON string literal at `base` in the parent, unescaped; mapped back
    /// exactly by re-reading the escapes from the nearest checkpoint (see
    /// [`sourcemap::string_offset`]).
    JsonString {
        /// Parent range of the string body.
        body: (usize, usize),
        /// `(view offset, body offset)` checkpoints.
        checkpoints: Vec<(usize, usize)>,
    },
}

impl Mapping {
    /// The parent offset of view offset `offset`; an `is_end` offset (exclusive end of a span)
    /// rounds up inside a decoded piece, a start rounds down.
    pub fn to_parent(&self, parent: &[u8], offset: usize, is_end: bool) -> usize {
        match self {
            Mapping::Pieces { base, pieces } => {
                // The last piece starting before (end: strictly before) the offset.
                let index = pieces.partition_point(|p| {
                    if is_end {
                        p.view.0 < offset
                    } else {
                        p.view.0 <= offset
                    }
                });
                let Some(piece) = index.checked_sub(1).map(|i| pieces[i]) else {
                    return base + offset;
                };
                let inside = if is_end {
                    offset <= piece.view.1
                } else {
                    offset < piece.view.1
                };
                if inside && piece.decoding == Decoding::Base64 {
                    // Exact: byte k of a base64 run starts in character 4(k/3) + k%3 and
                    // ends in the next one.
                    let k = offset - piece.view.0;
                    let chars = match (is_end, k) {
                        (true, 0) => 0,
                        // The whole token, padding included.
                        (true, k) if k == piece.view.1 - piece.view.0 => {
                            piece.parent.1 - piece.parent.0
                        }
                        (true, k) => 4 * ((k - 1) / 3) + (k - 1) % 3 + 2,
                        (false, k) => 4 * (k / 3) + k % 3,
                    };
                    (piece.parent.0 + chars).min(piece.parent.1)
                } else if inside {
                    let view_len = (piece.view.1 - piece.view.0).max(1);
                    let parent_len = piece.parent.1 - piece.parent.0;
                    let scaled = (offset - piece.view.0) * parent_len;
                    let delta = if is_end {
                        scaled.div_ceil(view_len)
                    } else {
                        scaled / view_len
                    };
                    piece.parent.0 + delta
                } else {
                    piece.parent.1 + (offset - piece.view.1)
                }
            }
            Mapping::JsonString { body, checkpoints } => {
                let text = &parent[body.0..body.1];
                body.0 + sourcemap::string_offset(text, checkpoints, offset, is_end)
            }
        }
    }

    /// The decoded pieces overlapping view range `from..to`.
    pub fn pieces_in(&self, from: usize, to: usize) -> &[Piece] {
        match self {
            Mapping::Pieces { pieces, .. } => {
                let first = pieces.partition_point(|p| p.view.1 <= from);
                let last = pieces.partition_point(|p| p.view.0 < to.max(from + 1));
                &pieces[first..last.max(first)]
            }
            Mapping::JsonString { .. } => &[],
        }
    }
}

/// What a view is, which decides how its findings are treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewKind {
    /// Made by [`decode`]: a finding counts only if a decoded piece is part of its match (the
    /// parent already reported everything else), and records the pieces' decoders.
    Decoded,
    /// One `sourcesContent` entry of a source map: the original file `name`, scanned whole.
    Source {
        /// The original file's name as the map gives it.
        name: String,
    },
    /// A source map decoded from an inline `data:` URL: parsed, not scanned itself.
    InlineMap,
}

/// Decoded bytes and where they came from.
#[derive(Debug)]
pub struct View {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// How offsets map back to the parent.
    pub mapping: Mapping,
    /// The view this one was decoded from; `None`: the blob's text.
    pub parent: Option<usize>,
    /// What it is.
    pub kind: ViewKind,
    /// Nesting depth: 1 for a view of the blob's text.
    pub depth: usize,
}

/// The windows of a `len`-byte text worth decoding, given keyword hit offsets (ascending):
/// [`WINDOW_RADIUS`] bytes around each hit, merged; or all of it when it is small.
pub fn windows(hits: &[usize], len: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    if len <= WHOLE_BLOB {
        if len > 0 {
            out.push((0, len));
        }
        return;
    }
    for &hit in hits {
        let (from, to) = (
            hit.saturating_sub(WINDOW_RADIUS),
            (hit + WINDOW_RADIUS).min(len),
        );
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
}

/// Whether a blob is a Kubernetes `Secret` manifest (YAML or JSON), whose `data:` values are
/// base64 by definition: every base64 value in it is decoded.
pub fn is_k8s_secret(name: &str, text: &[u8]) -> bool {
    super::PathClass::of(name).is_manifest() && is_k8s_secret_content(text)
}

/// Whether `text` declares a Kubernetes `Secret` (`kind: Secret`), whatever its file name.
pub fn is_k8s_secret_content(text: &[u8]) -> bool {
    [
        &b"kind: Secret"[..],
        b"kind: \"Secret\"",
        b"kind: 'Secret'",
        b"\"kind\": \"Secret\"",
        b"\"kind\":\"Secret\"",
    ]
    .iter()
    .any(|m| memchr::memmem::find(text, m).is_some())
}

/// A base64 value that decoded to several lines of text (a config file in a Kubernetes
/// Secret): scanned as a document of its own, since splicing it into the middle of its
/// parent's line would break the structure context checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The base64 token's range in the parent.
    pub parent: (usize, usize),
    /// The decoded text.
    pub bytes: Vec<u8>,
}

/// Decodes `src[from..to]` into `out`, recording in `pieces` (parent offsets, i.e. offsets in
/// `src`) what each decoder produced. Undoes percent-encoding, JSON/JS escapes and HTML
/// character references everywhere; decodes a base64 token when it is at least
/// [`MIN_BASE64_LEN`] long, decodes to text, and either `all_base64` is set (a Kubernetes
/// Secret) or it follows a VoiceInfra name on the same line. A single-line base64 value is
/// decoded in place (`NAME: <value>` keeps its name); a multi-line one goes to `blocks` and
/// stays encoded in the window. `out` holds the decoded window when `pieces` is not empty, and
/// stays empty (unallocated) otherwise. Returns whether anything was decoded. One pass, linear
/// in the window.
pub fn decode(
    src: &[u8],
    from: usize,
    to: usize,
    all_base64: bool,
    out: &mut Vec<u8>,
    pieces: &mut Vec<Piece>,
    blocks: &mut Vec<Block>,
) -> bool {
    out.clear();
    pieces.clear();
    blocks.clear();
    let mut scratch = Vec::new();
    let mut armed_until = 0;
    // Text is copied into `out` lazily, up to each decoded piece: a window where nothing is
    // decoded costs no copy and no allocation.
    let mut copied_to = from;
    let mut emit = |out: &mut Vec<u8>,
                    pieces: &mut Vec<Piece>,
                    bytes: &[u8],
                    parent: (usize, usize),
                    decoding: Decoding| {
        if out.capacity() == 0 {
            // Decoding never lengthens text: one allocation of the window's size.
            out.reserve_exact(to - from);
        }
        out.extend_from_slice(&src[copied_to..parent.0]);
        push_piece(out, pieces, bytes, parent, decoding);
        copied_to = parent.1;
    };
    let mut at = from;
    while at < to {
        let b = src[at];
        let decoded: Option<(usize, Decoding)> = match b {
            b'%' => percent_at(src, at, to).map(|byte| {
                scratch.clear();
                scratch.push(byte);
                (3, Decoding::Percent)
            }),
            b'\\' => {
                if src.get(at + 1) == Some(&b'\\') && at + 1 < to {
                    // An escaped backslash: `\\u0041` is not an escape of `A`.
                    at += 2;
                    continue;
                }
                escape_at(src, at, to).map(|(len, c)| {
                    scratch.clear();
                    push_char(&mut scratch, c);
                    (len, Decoding::Escape)
                })
            }
            b'&' => entity_at(src, at, to).map(|(len, c)| {
                scratch.clear();
                push_char(&mut scratch, c);
                (len, Decoding::HtmlEntity)
            }),
            _ if is_base64_byte(b) && (at == from || !is_base64_byte(src[at - 1])) => {
                let end = token_end(src, at, to);
                let token = &src[at..end];
                if names_voiceinfra(token) {
                    // Only the next few hundred bytes are searched for the line's end: a
                    // minified bundle is one line, and names recur all along it.
                    let reach = to.min(end + NAME_REACH);
                    armed_until =
                        memchr::memchr(b'\n', &src[end..reach]).map_or(reach, |i| end + i);
                } else if (all_base64 || at < armed_until || src[from..at].ends_with(BURP_BASE64))
                    && token.len() >= MIN_BASE64_LEN
                    && !src[from.max(at.saturating_sub(7))..at].ends_with(b"base64,")
                    && decode_base64(token, &mut scratch)
                    && is_text(&scratch)
                {
                    if scratch.trim_ascii_end().contains(&b'\n') {
                        // Stays encoded here; scanned as a document of its own.
                        blocks.push(Block {
                            parent: (at, end),
                            bytes: std::mem::take(&mut scratch),
                        });
                    } else {
                        emit(out, pieces, &scratch, (at, end), Decoding::Base64);
                    }
                }
                at = end;
                continue;
            }
            _ => None,
        };
        match decoded {
            Some((len, decoding)) => {
                emit(out, pieces, &scratch, (at, at + len), decoding);
                at += len;
            }
            None => at += 1,
        }
    }
    if !pieces.is_empty() {
        out.extend_from_slice(&src[copied_to..to]);
    }
    !pieces.is_empty() || !blocks.is_empty()
}

/// Appends decoded bytes, merging with the previous piece when both are adjacent and of one
/// kind (a run of `%E2%82%AC`), so long encoded runs cost one piece.
fn push_piece(
    out: &mut Vec<u8>,
    pieces: &mut Vec<Piece>,
    bytes: &[u8],
    parent: (usize, usize),
    decoding: Decoding,
) {
    let start = out.len();
    out.extend_from_slice(bytes);
    match pieces.last_mut() {
        // Base64 runs stay one per token: their offsets are mapped exactly, per token.
        Some(last)
            if last.decoding == decoding
                && decoding != Decoding::Base64
                && last.view.1 == start
                && last.parent.1 == parent.0 =>
        {
            last.view.1 = out.len();
            last.parent.1 = parent.1;
        }
        _ => pieces.push(Piece {
            view: (start, out.len()),
            parent,
            decoding,
        }),
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn hex_value(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex_number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + hex_value(d)?))
}

/// A character worth decoding: not a control character (decoding `%0A` or `\u0000` would only
/// change the line structure rules rely on).
fn printable(c: char) -> bool {
    !c.is_control()
}

/// `%XX` at `at`: the byte, if it is printable ASCII or part of a UTF-8 sequence.
fn percent_at(src: &[u8], at: usize, to: usize) -> Option<u8> {
    if at + 3 > to {
        return None;
    }
    let byte = u8::try_from(hex_value(src[at + 1])? * 16 + hex_value(src[at + 2])?).ok()?;
    (byte >= 0x80 || printable(byte as char)).then_some(byte)
}

/// `\uXXXX` (with a following low surrogate), `\u{X…}`, `\xXX` or `\/` at `at`: its length and
/// the character.
fn escape_at(src: &[u8], at: usize, to: usize) -> Option<(usize, char)> {
    let rest = &src[at..to];
    let c = match rest.get(1)? {
        b'/' => return Some((2, '/')),
        b'x' => (4, char::from_u32(hex_number(rest.get(2..4)?)?)?),
        b'u' if rest.get(2) == Some(&b'{') => {
            let close = rest.iter().take(10).position(|&b| b == b'}')?;
            (close + 1, char::from_u32(hex_number(&rest[3..close])?)?)
        }
        b'u' => {
            let unit = hex_number(rest.get(2..6)?)?;
            if (0xD800..0xDC00).contains(&unit) {
                if rest.get(6..8) != Some(b"\\u") {
                    return None;
                }
                let low = hex_number(rest.get(8..12)?)?;
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                (12, char::from_u32(code)?)
            } else {
                (6, char::from_u32(unit)?)
            }
        }
        _ => return None,
    };
    printable(c.1).then_some(c)
}

/// An HTML character reference at `at`: `&#43;`, `&#x2B;`, or a named one that can occur in a
/// key or around it.
fn entity_at(src: &[u8], at: usize, to: usize) -> Option<(usize, char)> {
    let rest = &src[at..to.min(at + 12)];
    let semi = rest.iter().position(|&b| b == b';')?;
    let name = &rest[1..semi];
    let c = if let Some(num) = name.strip_prefix(b"#") {
        let code = match num.first() {
            Some(b'x' | b'X') => hex_number(&num[1..])?,
            _ => {
                if num.is_empty() || num.len() > 7 {
                    return None;
                }
                num.iter()
                    .try_fold(0u32, |acc, &d| Some(acc * 10 + (d as char).to_digit(10)?))?
            }
        };
        char::from_u32(code)?
    } else {
        match name {
            b"quot" | b"QUOT" => '"',
            b"amp" | b"AMP" => '&',
            b"lt" | b"LT" => '<',
            b"gt" | b"GT" => '>',
            b"apos" => '\'',
            b"sol" => '/',
            b"equals" => '=',
            b"plus" => '+',
            b"colon" => ':',
            b"lowbar" => '_',
            b"period" => '.',
            b"comma" => ',',
            b"num" => '#',
            b"percnt" => '%',
            b"dollar" => '$',
            b"lbrace" | b"lcub" => '{',
            b"rbrace" | b"rcub" => '}',
            b"lsqb" | b"lbrack" => '[',
            b"rsqb" | b"rbrack" => ']',
            b"nbsp" => ' ',
            _ => return None,
        }
    };
    printable(c).then_some((semi + 1, c))
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// End of the base64-alphabet run at `at`, with up to two `=` of padding.
fn token_end(src: &[u8], at: usize, to: usize) -> usize {
    let mut end = at;
    while end < to && is_base64_byte(src[end]) {
        end += 1;
    }
    let mut padding = 0;
    while end < to && padding < 2 && src[end] == b'=' {
        end += 1;
        padding += 1;
    }
    end
}

/// Decodes standard or URL-safe base64 (padding optional) into `out`. False for a mixed
/// alphabet or an impossible length.
pub fn decode_base64(token: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let body = token
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(&token[..0], |i| &token[..=i]);
    let standard = body.iter().any(|&b| b == b'+' || b == b'/');
    let url_safe = body.iter().any(|&b| b == b'-' || b == b'_');
    if (standard && url_safe) || body.len() % 4 == 1 || token.len() - body.len() > 2 {
        return false;
    }
    out.reserve(body.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in body {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    true
}

/// Whether decoded bytes are text worth scanning: UTF-8 without control characters other than
/// whitespace, and long enough that random binary almost never passes.
fn is_text(bytes: &[u8]) -> bool {
    bytes.len() >= MIN_BASE64_DECODED
        && std::str::from_utf8(bytes).is_ok_and(|s| {
            s.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, all_base64: bool) -> (String, Vec<Piece>) {
        let mut out = Vec::new();
        let mut pieces = Vec::new();
        let mut blocks = Vec::new();
        decode(
            text.as_bytes(),
            0,
            text.len(),
            all_base64,
            &mut out,
            &mut pieces,
            &mut blocks,
        );
        assert!(blocks.is_empty(), "{text}");
        if pieces.is_empty() {
            assert!(out.is_empty(), "nothing decoded, nothing copied");
            return (text.to_string(), pieces);
        }
        (String::from_utf8(out).expect("utf-8"), pieces)
    }

    fn b64(text: &str) -> String {
        crate::report::json::base64(text.as_bytes())
    }

    #[test]
    fn undoes_each_encoding_and_maps_back() {
        let text = "u=https://x?k=ab%2Bcd%2F&q=1 \"k\\u002Bv\\/w\\x2d\" &quot;z&#43;&#x2F;&amp;";
        let (out, pieces) = run(text, false);
        assert_eq!(out, "u=https://x?k=ab+cd/&q=1 \"k+v/w-\" \"z+/&");
        let kinds: Vec<&str> = pieces.iter().map(|p| p.decoding.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "percent",
                "percent",
                "escape",
                "escape",
                "escape",
                "html-entity",
                "html-entity"
            ]
        );
        let mapping = Mapping::Pieces { base: 0, pieces };
        let view_at = |needle: &str| out.find(needle).expect("in view");
        let raw_at = |needle: &str| text.find(needle).expect("in text");
        assert_eq!(
            mapping.to_parent(b"", view_at("ab+"), false),
            raw_at("ab%2B")
        );
        assert_eq!(
            mapping.to_parent(b"", view_at("cd/") + 3, true),
            raw_at("&q=1")
        );
        assert_eq!(
            mapping.to_parent(b"", view_at("&q=1"), false),
            raw_at("&q=1")
        );
        assert_eq!(
            mapping.to_parent(b"", view_at("w-"), false),
            raw_at("w\\x2d")
        );
        assert_eq!(
            mapping.to_parent(b"", view_at("w-") + 2, true),
            raw_at("\" &quot;")
        );
        assert_eq!(
            mapping.pieces_in(view_at("ab+"), view_at("ab+") + 2).len(),
            0
        );
        assert_eq!(
            mapping.pieces_in(view_at("ab+"), view_at("ab+") + 3).len(),
            1
        );
    }

    #[test]
    fn leaves_lookalikes_alone() {
        for text in [
            "printf(\"%s %d\", a)",
            "C:\\\\users\\\\x2d",
            "a && b; &nbsp x &unknown;",
            "100% sure",
            "\\u{110000}",
            "%0A%00",
        ] {
            let (out, pieces) = run(text, false);
            assert_eq!(out, text, "{text}");
            assert!(pieces.is_empty(), "{text}");
        }
    }

    #[test]
    fn base64_only_next_to_a_voiceinfra_name_or_in_secrets() {
        // Names and values are joined at run time, so this file does not hold a finding.
        let (name, key) = ("VOICEINFRA_API_KEY", "hT3kQ9zX4pL2mN8vB6cR1sW7");
        let inner = format!("{name}={key}");
        let encoded = b64(&inner);
        let (out, _) = run(&format!("config: {encoded}\n"), false);
        assert!(out.contains(&encoded), "not next to a name: left alone");
        let (out, _) = run(&format!("config: {encoded}\n"), true);
        assert!(out.contains(&inner), "a Secret's values are decoded");
        let (out, pieces) = run(&format!("{name}_B64: {}\n", b64(key)), false);
        assert!(out.contains(key), "{out}");
        assert_eq!(pieces.len(), 1);
        // A key that happens to be valid base64 decodes to binary: left alone.
        let random = "8jzPde0IgxLd6GncfBAepfJBd0Kh8oOO";
        let (out, pieces) = run(&format!("{name}: {random}\n"), false);
        assert!(pieces.is_empty(), "{out}");
        // Data URIs and other lines are not "next to" the name.
        let svg = b64("<svg xmlns='http://www.w3.org/2000/svg'></svg>");
        let (_, pieces) = run(
            &format!("voiceinfra: {{logo: \"data:image/svg+xml;base64,{svg}\"}}"),
            false,
        );
        assert!(pieces.is_empty());
        let (_, pieces) = run(&format!("VOICEINFRA_URL=x\nother: {encoded}\n"), false);
        assert!(pieces.is_empty());
    }

    #[test]
    fn multi_line_base64_becomes_a_block_of_its_own() {
        let doc = "voiceinfra:\n  region: eu\n";
        let text = format!("data:\n  config.yaml: {}\n", b64(doc));
        let (mut out, mut pieces, mut blocks) = (Vec::new(), Vec::new(), Vec::new());
        assert!(decode(
            text.as_bytes(),
            0,
            text.len(),
            true,
            &mut out,
            &mut pieces,
            &mut blocks
        ));
        assert!(
            out.is_empty(),
            "left encoded in the window: nothing else decoded"
        );
        assert!(pieces.is_empty());
        let at = text.find(&b64(doc)).expect("token");
        assert_eq!(
            blocks,
            [Block {
                parent: (at, at + b64(doc).len()),
                bytes: doc.as_bytes().to_vec()
            }]
        );
    }

    #[test]
    fn base64_offsets_map_to_the_characters_that_encode_them() {
        // "0123456789" → MDEyMzQ1Njc4OQ==; byte 4 ('4') is in characters 5 and 6.
        let mapping = Mapping::Pieces {
            base: 0,
            pieces: vec![Piece {
                view: (0, 10),
                parent: (0, 16),
                decoding: Decoding::Base64,
            }],
        };
        assert_eq!(mapping.to_parent(b"", 4, false), 5);
        assert_eq!(mapping.to_parent(b"", 5, true), 7);
        assert_eq!(mapping.to_parent(b"", 3, false), 4);
        assert_eq!(mapping.to_parent(b"", 3, true), 4);
        assert_eq!(mapping.to_parent(b"", 9, true), 12);
        assert_eq!(mapping.to_parent(b"", 10, true), 16, "padding included");
        assert_eq!(mapping.to_parent(b"", 0, false), 0);
    }

    #[test]
    fn base64_decoder_handles_both_alphabets() {
        let mut out = Vec::new();
        assert!(decode_base64(b"aGVsbG8gd29ybGQ=", &mut out));
        assert_eq!(out, b"hello world");
        assert!(decode_base64(b"aGVsbG8gd29ybGQ", &mut out));
        assert_eq!(out, b"hello world");
        assert!(decode_base64(b"-_-_", &mut out));
        assert_eq!(out, [0xfb, 0xff, 0xbf]);
        assert!(!decode_base64(b"+_ab", &mut out), "mixed alphabets");
        assert!(!decode_base64(b"abcde", &mut out), "impossible length");
    }

    #[test]
    fn windows_merge_and_small_texts_are_whole() {
        let mut out = Vec::new();
        windows(&[10, 20], 1000, &mut out);
        assert_eq!(out, [(0, 1000)]);
        windows(&[], 0, &mut out);
        assert!(out.is_empty());
        let len = 1_000_000;
        windows(&[100_000, 102_000, 500_000], len, &mut out);
        assert_eq!(
            out,
            [
                (100_000 - WINDOW_RADIUS, 102_000 + WINDOW_RADIUS),
                (500_000 - WINDOW_RADIUS, 500_000 + WINDOW_RADIUS)
            ]
        );
    }

    #[test]
    fn kubernetes_secrets_by_name_and_content() {
        assert!(is_k8s_secret(
            "secret.yaml",
            b"apiVersion: v1\nkind: Secret\n"
        ));
        assert!(is_k8s_secret("s.json", b"{\"kind\":\"Secret\"}"));
        assert!(!is_k8s_secret("secret.py", b"kind: Secret"));
        assert!(!is_k8s_secret("cm.yaml", b"kind: ConfigMap"));
    }
}
