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
    /// The same path relative to the scan root it was found under (the file name when the root
    /// is a file). Classification looks at this, so a checkout that happens to live under
    /// `/home/ci/build/` does not make every file look like build output.
    pub within_root: PathBuf,
    /// For history findings: the commit that first introduced this blob at this path.
    pub commit: Option<Arc<CommitMeta>>,
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
            within_root: path.strip_prefix("./").unwrap_or(&path).to_path_buf(),
            path,
            commit: None,
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
            path: path.to_path_buf(),
            within_root,
            commit: None,
        }
    }

    /// [`Origin::within_root`] as `/`-separated text.
    pub fn display_within_root(&self) -> String {
        self.within_root
            .to_string_lossy()
            .replace(std::path::MAIN_SEPARATOR, "/")
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
