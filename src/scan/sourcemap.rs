//! Source maps (revision 3): just enough of the format to scan what a map ships and to say
//! where a bundle's bytes came from. A map's `sourcesContent` holds the original files verbatim
//! and is served to every visitor next to the bundle, so each entry is scanned as the file it
//! is; a bundle's `mappings` (base64 VLQ) turn a position in minified code back into the
//! original file, line and column the user has to fix.
//!
//! Maps can be tens of megabytes on one line. Nothing here builds a JSON tree: [`parse`] walks
//! the top-level object once and keeps byte ranges into the map (the `sourcesContent` strings
//! stay where they are until a scan decodes them one at a time), and [`Mappings`] decodes
//! `mappings` lazily, forward only, for lookups made in increasing order.

use memchr::memmem;

/// What a scan needs from a source map: ranges into the map's bytes, plus the source names.
#[derive(Debug, Default)]
pub struct SourceMap {
    /// Original file names, `sourceRoot` applied, in `sources` order (`None`: null entry).
    pub sources: Vec<Option<String>>,
    /// For each source, the byte range of its `sourcesContent` string body (between the
    /// quotes, still JSON-escaped), if the map carries it.
    pub contents: Vec<Option<(usize, usize)>>,
    /// Byte range of the `mappings` string body.
    pub mappings: Option<(usize, usize)>,
}

impl SourceMap {
    /// The name of source `index`, or `?` when the map does not say.
    pub fn source_name(&self, index: usize) -> &str {
        self.sources
            .get(index)
            .and_then(|s| s.as_deref())
            .unwrap_or("?")
    }
}

/// Whether `name` (a lowercase file name) is a source map's: `app.js.map`, `index.css.map`,
/// `main.8f2a9c1b.chunk.js.map`.
pub fn is_map_name(name: &str) -> bool {
    name.ends_with(".map")
}

/// Whether `content` starts like a source map: a JSON object (after an optional `)]}'` line,
/// which some servers prepend against JSON hijacking) with a `"mappings"` key near the start.
pub fn looks_like_map(content: &[u8]) -> bool {
    let body = strip_xssi_prefix(content).trim_ascii_start();
    body.first() == Some(&b'{') && {
        let head = &body[..body.len().min(64 * 1024)];
        memmem::find(head, b"\"mappings\"").is_some()
            || memmem::find(head, b"\"sourcesContent\"").is_some()
    }
}

fn strip_xssi_prefix(content: &[u8]) -> &[u8] {
    match content.strip_prefix(b")]}'") {
        Some(rest) => {
            let nl = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            &rest[nl..]
        }
        None => content,
    }
}

/// Reads the top level of a source map. `None` when `map` is not a JSON object. An index map
/// (`sections`, each with a `map` of its own) yields the sources of every section, in order,
/// and no `mappings`: its contents are scanned, but positions in its bundle are not mapped
/// back. Linear in the map's size.
pub fn parse(map: &[u8]) -> Option<SourceMap> {
    let offset = map.len() - strip_xssi_prefix(map).len();
    let mut json = Json {
        bytes: map,
        at: offset,
    };
    json.skip_ws();
    read_map(&mut json, true)
}

/// Reads one map object at the reader's position; `sections` are followed only when
/// `top_level` (a section's map cannot have sections of its own).
fn read_map(json: &mut Json<'_>, top_level: bool) -> Option<SourceMap> {
    let mut out = SourceMap::default();
    let mut root = String::new();
    let mut sections = Vec::new();
    json.object(|json, key| {
        match key {
            b"sources" => {
                out.sources = json
                    .array_of_strings()?
                    .into_iter()
                    .map(|s| s.map(|(a, b)| unescape_to_string(&json.bytes[a..b])))
                    .collect();
            }
            b"sourcesContent" => out.contents = json.array_of_strings()?,
            b"sourceRoot" if json.peek() == Some(b'"') => {
                let (a, b) = json.string()?;
                root = unescape_to_string(&json.bytes[a..b]);
            }
            b"mappings" if json.peek() == Some(b'"') => out.mappings = Some(json.string()?),
            b"sections" if top_level && json.peek() == Some(b'[') => {
                json.array(|json| {
                    if json.peek() != Some(b'{') {
                        return json.skip_value();
                    }
                    json.object(|json, key| match key {
                        b"map" if json.peek() == Some(b'{') => {
                            sections.push(read_map(json, false)?);
                            Some(())
                        }
                        _ => json.skip_value(),
                    })
                })?;
            }
            _ => json.skip_value()?,
        }
        Some(())
    })?;
    if !root.is_empty() {
        let sep = if root.ends_with('/') { "" } else { "/" };
        for source in out.sources.iter_mut().flatten() {
            if !source.contains("://") && !source.starts_with('/') {
                *source = format!("{root}{sep}{source}");
            }
        }
    }
    if !sections.is_empty() {
        out.mappings = None;
        for section in sections {
            let count = section.sources.len().max(section.contents.len());
            let mut contents = section.contents;
            contents.resize(count, None);
            let mut sources = section.sources;
            sources.resize(count, None);
            out.sources.extend(sources);
            out.contents.extend(contents);
        }
    }
    Some(out)
}

/// A forward-only reader over JSON bytes: strings are returned as byte ranges of their bodies.
struct Json<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A string; returns the range of its body (escapes left in place).
    fn string(&mut self) -> Option<(usize, usize)> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            let rel = memchr::memchr2(b'"', b'\\', &self.bytes[self.at..])?;
            self.at += rel;
            if self.bytes[self.at] == b'\\' {
                self.at += 2;
                if self.at > self.bytes.len() {
                    return None;
                }
            } else {
                let end = self.at;
                self.at += 1;
                return Some((start, end));
            }
        }
    }

    /// `{ "key": value, … }`: calls `value(self, key)` with the reader at each value, which
    /// it must consume.
    fn object(&mut self, mut value: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        self.sequence(b'{', b'}', |json| {
            let (a, b) = json.string()?;
            json.skip_ws();
            json.expect(b':')?;
            json.skip_ws();
            let bytes = json.bytes;
            value(json, &bytes[a..b])
        })
    }

    /// `[ value, … ]`: calls `item(self)` with the reader at each item, which it must consume.
    fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.sequence(b'[', b']', item)
    }

    /// `open item, item … close`, the items separated by commas and whitespace.
    fn sequence(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.expect(open)?;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.at += 1;
            return Some(());
        }
        loop {
            self.skip_ws();
            item(self)?;
            self.skip_ws();
            match self.next()? {
                b',' => continue,
                b if b == close => return Some(()),
                _ => return None,
            }
        }
    }

    /// `[ "…" | null, … ]`: the string bodies, `None` for nulls (and anything else).
    fn array_of_strings(&mut self) -> Option<Vec<Option<(usize, usize)>>> {
        let mut out = Vec::new();
        self.array(|json| {
            if json.peek() == Some(b'"') {
                out.push(Some(json.string()?));
            } else {
                json.skip_value()?;
                out.push(None);
            }
            Some(())
        })?;
        Some(out)
    }

    /// Skips one value of any type, nested ones included, without recursion.
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            self.skip_ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    self.at += 1;
                    depth += 1;
                    continue;
                }
                b'}' | b']' => {
                    // Closes a container opened here (a separator or the caller's closer
                    // otherwise, which is not ours to take).
                    if depth == 0 {
                        return Some(());
                    }
                    self.at += 1;
                    depth -= 1;
                }
                b',' | b':' if depth > 0 => {
                    self.at += 1;
                    continue;
                }
                _ => {
                    // A number, true, false or null.
                    let start = self.at;
                    while self.peek().is_some_and(|b| {
                        !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' | b':')
                    }) {
                        self.at += 1;
                    }
                    if self.at == start {
                        return None;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }
}

/// Bytes of view between two checkpoints of a decoded JSON string.
const CHECKPOINT_EVERY: usize = 4096;

/// Decodes a JSON string body into `out` (UTF-8; bad escapes and lone surrogates become
/// U+FFFD) and records `(out offset, body offset)` checkpoints every few KiB, so that
/// [`string_offset`] can map a decoded offset back to the body exactly without a per-byte
/// table.
pub fn unescape_string(body: &[u8], out: &mut Vec<u8>, checkpoints: &mut Vec<(usize, usize)>) {
    out.clear();
    out.reserve(body.len());
    checkpoints.clear();
    checkpoints.push((0, 0));
    let mut at = 0;
    let mut next_checkpoint = CHECKPOINT_EVERY;
    while at < body.len() {
        if out.len() >= next_checkpoint {
            checkpoints.push((out.len(), at));
            next_checkpoint = out.len() + CHECKPOINT_EVERY;
        }
        // Copy the run up to the next escape in one go (looking no further than the next
        // checkpoint, so a long run without escapes is searched once, not once per checkpoint).
        let window = &body[at..body.len().min(at + CHECKPOINT_EVERY)];
        let run = memchr::memchr(b'\\', window).unwrap_or(window.len());
        if run > 0 {
            out.extend_from_slice(&body[at..at + run]);
            at += run;
            continue;
        }
        let (len, decoded) = escape_at(body, at);
        let mut buf = [0u8; 4];
        out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
        at += len;
    }
}

/// The escape at `body[at]` (a backslash): its length in the body and the character it stands
/// for.
fn escape_at(body: &[u8], at: usize) -> (usize, char) {
    let Some(&kind) = body.get(at + 1) else {
        return (1, char::REPLACEMENT_CHARACTER);
    };
    let simple = match kind {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'/' => Some('/'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        _ => None,
    };
    if let Some(c) = simple {
        return (2, c);
    }
    if kind != b'u' {
        return (2, char::REPLACEMENT_CHARACTER);
    }
    let Some(unit) = hex_u16(body.get(at + 2..at + 6)) else {
        return (2, char::REPLACEMENT_CHARACTER);
    };
    if (0xD800..0xDC00).contains(&unit) && body.get(at + 6..at + 8) == Some(b"\\u") {
        if let Some(low) = hex_u16(body.get(at + 8..at + 12)) {
            if (0xDC00..0xE000).contains(&low) {
                let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                return (
                    12,
                    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
                );
            }
        }
    }
    (
        6,
        char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER),
    )
}

fn hex_u16(digits: Option<&[u8]>) -> Option<u16> {
    let digits = digits?;
    let text = std::str::from_utf8(digits).ok()?;
    u16::from_str_radix(text, 16).ok()
}

fn unescape_to_string(body: &[u8]) -> String {
    let mut out = Vec::new();
    let mut checkpoints = Vec::new();
    unescape_string(body, &mut out, &mut checkpoints);
    String::from_utf8_lossy(&out).into_owned()
}

/// The body offset of decoded offset `offset` (made by [`unescape_string`] with these
/// checkpoints). An offset inside the bytes of one escape maps to the escape's start, or, for
/// an end offset (`is_end`), to its end.
pub fn string_offset(
    body: &[u8],
    checkpoints: &[(usize, usize)],
    offset: usize,
    is_end: bool,
) -> usize {
    let index = checkpoints
        .partition_point(|&(decoded, _)| decoded <= offset)
        .saturating_sub(1);
    let (mut decoded, mut at) = checkpoints.get(index).copied().unwrap_or((0, 0));
    while decoded < offset && at < body.len() {
        let (len, width) = if body[at] == b'\\' {
            let (len, c) = escape_at(body, at);
            (len, c.len_utf8())
        } else {
            (1, 1)
        };
        if decoded + width > offset {
            // Inside one escape's decoded bytes.
            return if is_end { at + len } else { at };
        }
        decoded += width;
        at += len;
    }
    at
}

/// Value of one base64 digit as source maps use them, or `None`.
fn base64_digit(b: u8) -> Option<i64> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as i64)
}

/// Decodes one base64 VLQ number at `*at` in `bytes` and moves `*at` past it. Each digit holds
/// five bits, least significant group first, and bit 6 says another digit follows; the lowest
/// bit of the result is the sign. `None` on a bad digit, a truncated number or overflow.
pub fn vlq(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let mut value: i64 = 0;
    let mut shift = 0u32;
    loop {
        let digit = base64_digit(*bytes.get(*at)?)?;
        *at += 1;
        if shift > 60 {
            return None;
        }
        value |= (digit & 0x1F).wrapping_shl(shift);
        shift += 5;
        if digit & 0x20 == 0 {
            break;
        }
    }
    let magnitude = value >> 1;
    Some(if value & 1 == 1 {
        -magnitude
    } else {
        magnitude
    })
}

/// One decoded mapping segment: a generated column and, when mapped, where it came from (all
/// 0-based, as in the format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Column in the generated line (UTF-16 code units).
    pub generated_column: i64,
    /// Index into `sources`, line and column in that source; `None` for unmapped segments.
    pub original: Option<(usize, i64, i64)>,
}

/// Lazy, forward-only lookups in a `mappings` string: decoding resumes where the previous
/// lookup stopped, so lookups in increasing (line, column) order cost one pass in total. A
/// lookup behind the previous one starts over.
pub struct Mappings<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
    /// Where the current line's segments end (its `;`, or the end of the text).
    line_end: usize,
    state: (i64, i64, i64, i64),
    best: Option<Segment>,
    pending: Option<Segment>,
    last_query: (usize, i64),
}

impl<'a> Mappings<'a> {
    /// A reader over the `mappings` string body.
    pub fn new(text: &'a [u8]) -> Mappings<'a> {
        Mappings {
            text,
            at: 0,
            line: 0,
            line_end: memchr::memchr(b';', text).unwrap_or(text.len()),
            state: (0, 0, 0, 0),
            best: None,
            pending: None,
            last_query: (0, 0),
        }
    }

    /// The segment that covers generated `line` and `column` (0-based, UTF-16 units): the last
    /// segment on that line starting at or before the column, if it is mapped.
    pub fn lookup(&mut self, line: usize, column: i64) -> Option<Segment> {
        if (line, column) < self.last_query {
            *self = Mappings::new(self.text);
        }
        self.last_query = (line, column);
        // Move to the line, carrying the source/line/column state across lines.
        while self.line < line {
            // A segment decoded ahead belongs to the line we leave; its state is applied.
            self.pending = None;
            // Segments of skipped lines still move the running source/line/column state.
            while self.at < self.line_end {
                self.segment(self.line_end)?;
            }
            if self.line_end >= self.text.len() {
                return None;
            }
            self.at = self.line_end + 1;
            self.line += 1;
            self.line_end = memchr::memchr(b';', &self.text[self.at..])
                .map_or(self.text.len(), |i| self.at + i);
            self.state.0 = 0;
            self.best = None;
        }
        loop {
            let next = match self.pending.take() {
                Some(seg) => seg,
                None if self.at < self.line_end => self.segment(self.line_end)?,
                None => break,
            };
            if next.generated_column > column {
                self.pending = Some(next);
                break;
            }
            self.best = Some(next);
        }
        self.best.filter(|s| s.original.is_some())
    }

    /// Decodes the segment at `self.at` (which is before `end`, the line's end) and the comma
    /// after it.
    fn segment(&mut self, end: usize) -> Option<Segment> {
        let mut fields = [0i64; 5];
        let mut count = 0;
        while self.at < end && self.text[self.at] != b',' {
            if count == 5 {
                return None;
            }
            fields[count] = vlq(self.text, &mut self.at)?;
            count += 1;
        }
        if self.at < end {
            self.at += 1; // the comma
        }
        // Wrapping: hostile maps may hold any numbers; a wrong position beats a panic.
        self.state.0 = self.state.0.wrapping_add(fields[0]);
        let original = if count >= 4 {
            self.state.1 = self.state.1.wrapping_add(fields[1]);
            self.state.2 = self.state.2.wrapping_add(fields[2]);
            self.state.3 = self.state.3.wrapping_add(fields[3]);
            usize::try_from(self.state.1)
                .ok()
                .map(|source| (source, self.state.2, self.state.3))
        } else {
            None
        };
        Some(Segment {
            generated_column: self.state.0,
            original,
        })
    }
}

/// The `sourceMappingURL` of a bundle, as a byte range: the value of the `//# sourceMappingURL=…`
/// (or `//@ …`, or CSS `/*# … */`) comment that bundlers write as the last line. Only the last
/// non-blank line is looked at: finding it is one backward byte search, where searching a
/// 50 MB single-line bundle for the marker would cost a pass of its own.
pub fn mapping_url(bundle: &[u8]) -> Option<(usize, usize)> {
    let end = bundle.len() - (bundle.len() - bundle.trim_ascii_end().len());
    let start = memchr::memrchr(b'\n', &bundle[..end]).map_or(0, |i| i + 1);
    let line = &bundle[start..end];
    let indent = line.len() - line.trim_ascii_start().len();
    let comment = &line[indent..];
    let marker = [&b"//# "[..], b"//@ ", b"/*# ", b"/*@ "]
        .iter()
        .find_map(|m| comment.strip_prefix(*m))?
        .strip_prefix(b"sourceMappingURL=")?;
    let from = end - marker.len();
    let len = marker
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'"' || b == b'\'' || b == b'*')
        .unwrap_or(marker.len());
    (len > 0).then_some((from, from + len))
}

/// For a `data:application/json;base64,…` URL at `url` in `bundle`: the range of the base64
/// payload.
pub fn inline_payload(bundle: &[u8], url: (usize, usize)) -> Option<(usize, usize)> {
    let text = &bundle[url.0..url.1];
    if !text.starts_with(b"data:") {
        return None;
    }
    let comma = memchr::memchr(b',', text)?;
    let meta = &text[..comma];
    (memmem::find(meta, b"json").is_some() && meta.ends_with(b";base64"))
        .then_some((url.0 + comma + 1, url.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlq_decodes_hand_checked_values() {
        // A=0, C=1, D=-1, E=2, 2H=123 (from the format's worked examples), gB=16, hB=-16.
        for (text, expected) in [
            ("A", 0),
            ("C", 1),
            ("D", -1),
            ("E", 2),
            ("2H", 123),
            ("gB", 16),
            ("hB", -16),
            ("+/D", 2047),
            ("//D", -2047),
        ] {
            let mut at = 0;
            assert_eq!(vlq(text.as_bytes(), &mut at), Some(expected), "{text}");
            assert_eq!(at, text.len(), "{text}");
        }
        let mut at = 0;
        assert_eq!(vlq(b"g", &mut at), None, "truncated");
        let mut at = 0;
        assert_eq!(vlq(b"!", &mut at), None, "bad digit");
    }

    #[test]
    fn mappings_follow_relative_fields_across_lines() {
        // Line 0: col 0 → src 0 line 0 col 0; col 4 → src 0 line 0 col 6; col 9 → src 1 line 2
        // col 0 (relative: +1 source, +2 lines, -6 columns).
        // Line 1: col 2 → (state carries over) src 1 line 3 col 4; col 5: unmapped.
        let text = b"AAAA,IAAM,KCEN;EACI,G";
        let mut m = Mappings::new(text);
        let at = |seg: Option<Segment>| seg.and_then(|s| s.original);
        assert_eq!(at(m.lookup(0, 0)), Some((0, 0, 0)));
        assert_eq!(at(m.lookup(0, 5)), Some((0, 0, 6)));
        assert_eq!(at(m.lookup(0, 9)), Some((1, 2, 0)));
        assert_eq!(at(m.lookup(0, 500)), Some((1, 2, 0)));
        assert_eq!(m.lookup(1, 1), None, "before the line's first segment");
        assert_eq!(at(m.lookup(1, 3)), Some((1, 3, 4)));
        assert_eq!(m.lookup(1, 6), None, "an unmapped segment");
        // Going backwards starts over.
        assert_eq!(at(m.lookup(0, 4)), Some((0, 0, 6)));
        assert_eq!(m.lookup(7, 0), None, "past the last line");
    }

    #[test]
    fn parses_the_top_level_and_skips_the_rest() {
        let map = br#")]}'
{"version":3,"file":"a.js","sourceRoot":"webpack://app","sources":["./src/a.ts",null,"x\u002fb.ts"],
 "x_extra":{"nested":[1,2,{"k":"]}"}],"t":true},"names":["a"],
 "sourcesContent":["const a = \"k\";\n",null],"mappings":"AAAA;AACA"}"#;
        let parsed = parse(map).expect("a map");
        assert_eq!(
            parsed.sources,
            vec![
                Some("webpack://app/./src/a.ts".to_string()),
                None,
                Some("webpack://app/x/b.ts".to_string())
            ]
        );
        let (a, b) = parsed.contents[0].expect("content");
        assert_eq!(&map[a..b], br#"const a = \"k\";\n"#);
        assert_eq!(parsed.contents[1], None);
        let (a, b) = parsed.mappings.expect("mappings");
        assert_eq!(&map[a..b], b"AAAA;AACA");
        assert!(parse(b"[1,2]").is_none());
        assert!(parse(b"{\"a\":").is_none());
        assert!(looks_like_map(map));
        assert!(!looks_like_map(b"var a = {\"mappings\": 1}"));
    }

    #[test]
    fn index_maps_yield_the_sources_of_every_section() {
        let map = br#"{"version":3,"file":"app.js","sections":[
 {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.ts","b.ts"],
  "sourcesContent":["const a = 1;\n"],"mappings":"AAAA"}},
 {"offset":{"line":9,"column":0},"url":"https://cdn.example.com/c.js.map"},
 {"offset":{"line":20,"column":0},"map":{"version":3,"sourceRoot":"src","sources":["d.ts"],
  "sourcesContent":["const d = 4;\n"],"mappings":"AAAA",
  "sections":[{"map":{"sources":["nested.ts"],"sourcesContent":["x"]}}]}}]}"#;
        let parsed = parse(map).expect("an index map");
        assert_eq!(
            parsed.sources,
            vec![
                Some("a.ts".to_string()),
                Some("b.ts".to_string()),
                Some("src/d.ts".to_string())
            ],
            "a section's own sections are not followed"
        );
        let contents: Vec<Option<&[u8]>> = parsed
            .contents
            .iter()
            .map(|c| c.map(|(a, b)| &map[a..b]))
            .collect();
        assert_eq!(
            contents,
            vec![
                Some(&br"const a = 1;\n"[..]),
                None,
                Some(&br"const d = 4;\n"[..])
            ]
        );
        assert_eq!(
            parsed.mappings, None,
            "positions are not mapped in index maps"
        );
        assert!(parse(br#"{"sections":[{"map":{"sources":["a"]"#).is_none());
    }

    #[test]
    fn decoded_offsets_map_back_to_the_escaped_body() {
        let body = br#"a\"b\u00e9c\ud83d\ude00d\ne"#;
        let mut out = Vec::new();
        let mut checkpoints = Vec::new();
        unescape_string(body, &mut out, &mut checkpoints);
        assert_eq!(out, "a\"béc😀d\ne".as_bytes());
        // Body offsets by hand: a=0 \"=1 b=3 \u00e9=4 c=10 \ud83d\ude00=11 d=23 \n=24 e=26;
        // decoded: a=0 "=1 b=2 é=3 c=5 😀=6 d=10 \n=11 e=12.
        for (decoded, raw) in [(2, 3), (3, 4), (4, 4), (5, 10), (6, 11), (10, 23), (12, 26)] {
            assert_eq!(
                string_offset(body, &checkpoints, decoded, false),
                raw,
                "{decoded}"
            );
        }
        assert_eq!(
            string_offset(body, &checkpoints, 8, true),
            23,
            "end inside the emoji"
        );
        // Checkpoints on a long body.
        let long: Vec<u8> = b"ab\\n".repeat(10_000);
        unescape_string(&long, &mut out, &mut checkpoints);
        assert!(checkpoints.len() > 3);
        assert_eq!(
            string_offset(&long, &checkpoints, 3 * 5000, false),
            4 * 5000
        );
    }

    #[test]
    fn finds_the_mapping_url_and_inline_payloads() {
        let js = b"var a=1;\n//# sourceMappingURL=a.js.map\n";
        let (s, e) = mapping_url(js).expect("url");
        assert_eq!(&js[s..e], b"a.js.map");
        let js = b"x;\n/*# sourceMappingURL=data:application/json;charset=utf-8;base64,eyJ9 */";
        let url = mapping_url(js).expect("url");
        let (s, e) = inline_payload(js, url).expect("payload");
        assert_eq!(&js[s..e], b"eyJ9");
        assert!(mapping_url(b"var sourceMappingURL=1").is_none());
        assert!(
            mapping_url(b"//# sourceMappingURL=a.map\nvar a = 1;\n").is_none(),
            "not last"
        );
        let css = b".a{}\n/*# sourceMappingURL=app.css.map */\n\n";
        let (s, e) = mapping_url(css).expect("css");
        assert_eq!(&css[s..e], b"app.css.map");
    }
}
