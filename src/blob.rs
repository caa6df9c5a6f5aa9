//! A blob is one unit of content to scan (a file, stdin, later a git object) plus where it came
//! from. Sources produce blobs; the scanner never touches the file system itself.

use std::path::PathBuf;

/// Content to scan and its origin.
#[derive(Debug, Clone)]
pub struct Blob {
    /// The raw bytes, exactly as stored (not decoded).
    pub bytes: Vec<u8>,
    /// Where the bytes came from.
    pub origin: Origin,
}

impl Blob {
    /// Whether the content looks binary: a NUL byte in the first 8 KiB, unless it is UTF-16
    /// text with a byte order mark.
    pub fn looks_binary(bytes: &[u8]) -> bool {
        if matches!(bytes, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) {
            return false;
        }
        memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
    }
}

/// Where a blob came from; findings carry it into reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Path as the user would write it: relative to the scan root when walked from a relative
    /// root, `<stdin>` for standard input.
    pub path: PathBuf,
}

impl Origin {
    /// An origin for a file path.
    pub fn file(path: impl Into<PathBuf>) -> Origin {
        Origin { path: path.into() }
    }

    /// The path as text, with `/` separators and any non-UTF-8 bytes replaced.
    pub fn display_path(&self) -> String {
        let text = self.path.to_string_lossy();
        let text = text.strip_prefix("./").unwrap_or(&text);
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_detection_spares_utf16() {
        assert!(Blob::looks_binary(b"\x7fELF\x02\x01\0\0"));
        assert!(!Blob::looks_binary(b"plain text"));
        assert!(!Blob::looks_binary(b"\xff\xfek\0e\0y\0"));
    }

    #[test]
    fn display_paths_drop_dot_slash() {
        assert_eq!(Origin::file("./src/a.py").display_path(), "src/a.py");
    }
}
