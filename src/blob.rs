//! A blob is one unit of content to scan (a file, stdin, a git object) plus where it came
//! from. Sources produce blobs; the scanner never touches the file system itself.

use std::path::PathBuf;
use std::sync::Arc;

/// Content to scan and its origin.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The raw bytes, exactly as stored (not decoded).
    pub bytes: Vec<u8>,
    /// Where the bytes came from.
    pub origin: Origin,
}

impl Blob {
    /// Whether the content is read as a binary: see [`Encoding::of`].
    pub fn looks_binary(bytes: &[u8]) -> bool {
        Encoding::of(bytes) == Encoding::Binary
    }
}

/// How the scanner reads a blob's bytes. A NUL byte alone does not make a file binary: a
/// bundle starting `/*\0*/` still runs in Node and a `.env` with one NUL still loads, so a
/// few NULs in text are read as spaces; a real binary (an executable, an app package,
/// Hermes bytecode) still holds string tables where keys sit, so its printable runs are
/// scanned, like `strings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Text as it is (UTF-8, Latin-1, anything without NULs).
    Text,
    /// UTF-16 text (see [`utf16_order`]).
    Utf16(Utf16),
    /// Text with a few NUL bytes: NULs and other control bytes (bar tab, newline, carriage
    /// return, form feed) are at most one in [`NUL_TEXT_RATIO`] of the first 8 KiB (of 1 KiB
    /// for shorter files). NULs are read as spaces.
    TextWithNuls,
    /// Anything else with a NUL in the first 8 KiB: only printable ASCII runs of at least
    /// [`MIN_STRING_LEN`] bytes are scanned.
    Binary,
}

/// Text with NULs keeps at most one NUL or other control byte in this many bytes.
pub const NUL_TEXT_RATIO: usize = 64;
/// The shortest printable run scanned in a binary (as `strings -n 8`).
pub const MIN_STRING_LEN: usize = 8;

impl Encoding {
    /// Classifies `bytes` by their first 8 KiB.
    pub fn of(bytes: &[u8]) -> Encoding {
        let head = &bytes[..bytes.len().min(8192)];
        if memchr::memchr(0, head).is_none() {
            return Encoding::Text;
        }
        if let Some(order) = utf16_order(bytes) {
            return Encoding::Utf16(order);
        }
        let controls = head
            .iter()
            .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
            .count();
        // Short files get the allowance of a 1 KiB one: a one-line `.env` with a NUL is text.
        if controls * NUL_TEXT_RATIO <= head.len().max(1024) {
            Encoding::TextWithNuls
        } else {
            Encoding::Binary
        }
    }
}

/// `bytes` with every NUL turned into a space, into `out` (offsets are kept).
pub fn nuls_as_spaces(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(bytes.iter().map(|&b| if b == 0 { b' ' } else { b }));
}

/// The printable strings of a binary, in place: `out` gets `bytes` with every byte outside a
/// run of at least [`MIN_STRING_LEN`] printable ASCII characters (or tabs) turned into a
/// space, except newlines, which stay: offsets and line numbers are those of the file (git
/// counts a binary's lines the same way, so the hook's added-lines filter still applies).
pub fn printable_strings(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend(bytes.iter().map(|&b| if b == b'\n' { b'\n' } else { b' ' }));
    let printable = |b: u8| matches!(b, b'\t' | 0x20..=0x7E);
    let mut i = 0;
    while i < bytes.len() {
        if !printable(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && printable(bytes[i]) {
            i += 1;
        }
        if i - start >= MIN_STRING_LEN {
            out[start..i].copy_from_slice(&bytes[start..i]);
        }
    }
}

/// The byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little-endian (what Windows tools write).
    Le,
    /// Big-endian.
    Be,
}

impl Utf16 {
    /// The name findings record for this decoding.
    pub fn as_str(self) -> &'static str {
        match self {
            Utf16::Le => "utf-16le",
            Utf16::Be => "utf-16be",
        }
    }
}

/// Whether `bytes` are UTF-16 text, and in which byte order: a byte order mark, or, without
/// one, the NUL-interleaved look of mostly-ASCII text (PowerShell `Out-File`, .NET and
/// `reg export` write it): in the first 8 KiB, at least 90% of the 16-bit units hold a
/// printable or whitespace character below U+0100 with its zero byte on the same side.
/// Binary formats full of small 16-bit numbers rarely keep printable low bytes that
/// consistently.
pub fn utf16_order(bytes: &[u8]) -> Option<Utf16> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some(Utf16::Le),
        [0xFE, 0xFF, ..] => return Some(Utf16::Be),
        _ => {}
    }
    // Every file is asked: settle nearly all of them in O(1). The first unit of UTF-16 text
    // below U+0100 has a zero byte; text in any 8-bit encoding does not start with one.
    if !matches!(bytes, [0, _, _, _, ..] | [_, 0, _, _, ..]) {
        return None;
    }
    let head = &bytes[..bytes.len().min(8192) & !1];
    let units = head.len() / 2;
    let text = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7E | 0xA0..=0xFF);
    let (mut le, mut be) = (0, 0);
    for pair in head.chunks_exact(2) {
        match (pair[0], pair[1]) {
            (b, 0) if text(b) => le += 1,
            (0, b) if text(b) => be += 1,
            _ => {}
        }
    }
    if le * 10 >= units * 9 {
        Some(Utf16::Le)
    } else if be * 10 >= units * 9 {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// Where a blob came from; findings carry it into reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// For a multi-repository audit (`history REPO...`, `report merge`): the repository's
    /// name. First, so findings sort by repository.
    pub repository: Option<Arc<str>>,
    /// Path as the user would write it: relative to the scan root when walked from a relative
    /// root, `<stdin>` for standard input.
    pub path: PathBuf,
    /// The same path relative to the scan root it was found under (the file name when the root
    /// is a file). Classification looks at this, so a checkout that happens to live under
    /// `/home/ci/build/` does not make every file look like build output.
    pub within_root: PathBuf,
    /// For history findings: the commit that first introduced this blob at this path.
    pub commit: Option<Arc<CommitMeta>>,
    /// For a member of an archive at `path`: the member names from the outermost in
    /// (`["pkg.tgz", "package/dist/index.js"]`); empty for a file of its own.
    pub members: Vec<String>,
    /// For a file in a container image layer: a later layer deletes or replaces it, so the
    /// image's file system no longer shows it, though its bytes still ship in the image.
    pub shadowed: bool,
}

/// Who committed what, when: the git metadata a history finding carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitMeta {
    /// Full hex commit id.
    pub id: String,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author date, ISO 8601 with the author's UTC offset.
    pub date: String,
}

impl Origin {
    /// An origin for a path that is its own root (stdin, a rule example).
    pub fn file(path: impl Into<PathBuf>) -> Origin {
        let path = path.into();
        Origin {
            repository: None,
            within_root: path.strip_prefix("./").unwrap_or(&path).to_path_buf(),
            path,
            commit: None,
            members: Vec::new(),
            shadowed: false,
        }
    }

    /// An origin for `path`, found by walking `root`.
    pub fn walked(path: &std::path::Path, root: &std::path::Path) -> Origin {
        let within_root = match path.strip_prefix(root) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
            _ => path
                .file_name()
                .map_or_else(|| path.to_path_buf(), PathBuf::from),
        };
        Origin {
            repository: None,
            path: path.to_path_buf(),
            within_root,
            commit: None,
            members: Vec::new(),
            shadowed: false,
        }
    }

    /// [`Origin::within_root`] as `/`-separated text.
    pub fn display_within_root(&self) -> String {
        self.within_root
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/")
    }

    /// The path as text, with `/` separators and any non-UTF-8 bytes replaced; an archive
    /// member's path is followed by its member chain (`site.zip!pkg.tgz!package/index.js`).
    pub fn display_path(&self) -> String {
        let text = self.path.to_string_lossy();
        let text = text.strip_prefix("./").unwrap_or(&text);
        let mut text = text.replace(std::path::MAIN_SEPARATOR, "/");
        for member in &self.members {
            text.push('!');
            text.push_str(member);
        }
        text
    }

    /// The path's raw bytes as [`Origin::display_path`] shows them (`./` dropped, `/`
    /// separators, the member chain after `!`s), with nothing replaced: what JSON's
    /// `path_bytes` encodes.
    pub fn path_bytes(&self) -> Vec<u8> {
        let mut bytes = self.file_path_bytes();
        for member in &self.members {
            bytes.push(b'!');
            bytes.extend_from_slice(member.as_bytes());
        }
        bytes
    }

    /// The bytes of the file on disk (for an archive member: the outer archive), as
    /// [`Origin::path_bytes`] writes them but without the member chain: SARIF's artifact.
    pub fn file_path_bytes(&self) -> Vec<u8> {
        let bytes = raw_bytes(&self.path);
        let bytes = bytes.strip_prefix(b"./").unwrap_or(&bytes);
        if std::path::MAIN_SEPARATOR == '/' {
            bytes.to_vec()
        } else {
            bytes
                .iter()
                .map(|&b| if b == b'\\' { b'/' } else { b })
                .collect()
        }
    }

    /// The path for people and terminals (text report, messages): as is when it is printable
    /// UTF-8, else quoted and escaped (see [`quote_path`]).
    pub fn quoted_path(&self) -> String {
        quote_path(&self.path_bytes())
    }
}

/// A path's bytes, exactly (on Unix); other systems' paths are Unicode already.
pub fn raw_bytes(path: &std::path::Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// A path as one unambiguous line of text: unchanged when it is valid UTF-8, without a
/// character that [`crate::terminal::needs_escape`] matches and not starting with `"`; otherwise
/// in double quotes, with `\\` and `\"` escaped, controls and bidirectional marks shown as
/// [`crate::terminal::escape`] shows them (`\n`, `\e`, `\u{202e}`), and `\xff` for each byte
/// that is not UTF-8, as `git` quotes such names. A file name can then neither forge a line of
/// output nor send escape sequences to the terminal, and two different names never print the
/// same.
pub fn quote_path(bytes: &[u8]) -> String {
    use crate::terminal::{needs_escape, push_escaped};
    match std::str::from_utf8(bytes) {
        // A name starting with `"` is quoted too, so it cannot pose as a quoted one.
        Ok(text) if !text.starts_with('"') && !text.chars().any(needs_escape) => {
            return text.to_string();
        }
        _ => {}
    }
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c => push_escaped(&mut out, c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_nuls_do_not_make_a_file_binary() {
        let bundle = format!("/*\0*/{}", "var a=1;\n".repeat(20));
        assert_eq!(Encoding::of(bundle.as_bytes()), Encoding::TextWithNuls);
        assert_eq!(Encoding::of(b"# \0\nKEY=value\n"), Encoding::TextWithNuls);
        let env = format!("# \0\n{}", "KEY=value\n".repeat(8));
        assert_eq!(Encoding::of(env.as_bytes()), Encoding::TextWithNuls);
        assert_eq!(Encoding::of(b"plain"), Encoding::Text);
        let mut out = Vec::new();
        nuls_as_spaces(b"a\0b", &mut out);
        assert_eq!(out, b"a b");
    }

    #[test]
    fn binaries_keep_their_printable_strings() {
        let mut out = Vec::new();
        printable_strings(b"\x7fELF\0\0short\0a long string\x01\x02tiny", &mut out);
        assert_eq!(out, b"            a long string      ");
        printable_strings(b"\x01\nVOICEINFRA_KEY=x\x02\n", &mut out);
        assert_eq!(out, b" \nVOICEINFRA_KEY=x \n");
    }

    #[test]
    fn binary_detection_spares_utf16() {
        // A real binary: far more control bytes than text with a stray NUL.
        let elf: Vec<u8> = b"\x7fELF\x02\x01\0\0"
            .iter()
            .copied()
            .cycle()
            .take(4096)
            .collect();
        assert!(Blob::looks_binary(&elf));
        assert!(!Blob::looks_binary(b"plain text"));
        assert!(!Blob::looks_binary(b"\xff\xfek\0e\0y\0"));
        assert!(!Blob::looks_binary(b"k\0e\0y\0=\0v\0\r\0\n\0"));
        assert!(!Blob::looks_binary(b"\0k\0e\0y\0=\0v"));
        let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0"
            .iter()
            .copied()
            .cycle()
            .take(4096)
            .collect();
        assert!(Blob::looks_binary(&png));
    }

    #[test]
    fn utf16_without_a_bom_is_recognised_by_its_nuls() {
        let le: Vec<u8> = "VOICEINFRA_API_KEY=x\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "VOICEINFRA_API_KEY=x\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16_order(&le), Some(Utf16::Le));
        assert_eq!(utf16_order(&be), Some(Utf16::Be));
        assert_eq!(utf16_order(b"plain ascii text"), None);
        // Little-endian 16-bit counters: NULs, but not text.
        let table: Vec<u8> = (0u16..400).flat_map(u16::to_le_bytes).collect();
        assert_eq!(utf16_order(&table), None);
    }

    #[test]
    fn paths_that_could_forge_output_are_quoted() {
        assert_eq!(quote_path(b"src/a.py"), "src/a.py");
        assert_eq!(quote_path("dir/é.env".as_bytes()), "dir/é.env");
        assert_eq!(quote_path(b"a\nb.env"), r#""a\nb.env""#);
        assert_eq!(quote_path(b"x\x1b[2J\"\\.env"), r#""x\e[2J\"\\.env""#);
        assert_eq!(quote_path("a\u{200f}b".as_bytes()), r#""a\u{200f}b""#);
        assert_eq!(quote_path(b"bad\xff\xfe.env"), r#""bad\xff\xfe.env""#);
        assert_eq!(quote_path("a\u{202e}b".as_bytes()), r#""a\u{202e}b""#);
        // Valid names with backslashes or quotes stay as they are.
        assert_eq!(quote_path(br#"a\"b"#), r#"a\"b"#);
        assert_eq!(quote_path(br#""a\nb""#), r#""\"a\\nb\"""#);
    }

    #[test]
    fn display_paths_drop_dot_slash() {
        assert_eq!(Origin::file("./src/a.py").display_path(), "src/a.py");
    }

    #[test]
    fn within_root_is_relative_to_the_walk_root() {
        let origin = Origin::walked(
            std::path::Path::new("/ci/build/app/src/a.js"),
            std::path::Path::new("/ci/build/app"),
        );
        assert_eq!(origin.display_within_root(), "src/a.js");
        let origin = Origin::walked(
            std::path::Path::new("/ci/build/a.js"),
            std::path::Path::new("/ci/build/a.js"),
        );
        assert_eq!(origin.display_within_root(), "a.js");
    }
}
