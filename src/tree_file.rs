//! Reading a file because the *scanned tree* names it (`.viscan.toml`, `.viscanignore` at the
//! root, a source map a bundle points to). The tree is untrusted: a committed symlink could
//! point at `/proc/self/environ` or a credentials file, and `sourceMappingURL=../../..` could
//! climb out of the checkout. So such a file is read only when it is a regular file (not a
//! symlink, FIFO or device), lies inside the root, and is no larger than a cap. Anything else
//! is a [`Refusal`] that names the reason, never the content.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Size cap for config and ignore files found in the tree.
pub const CONFIG_CAP: u64 = 1 << 20;

/// Why a file the tree names was not read.
#[derive(Debug)]
pub enum Refusal {
    /// The path is a symbolic link.
    Symlink,
    /// The path is a directory, FIFO, device or socket.
    NotRegular(&'static str),
    /// The path resolves outside the root.
    Outside,
    /// The file is larger than the cap.
    TooLarge { len: u64, cap: u64 },
    /// It could not be read.
    Io(io::Error),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Symlink => write!(
                f,
                "it is a symbolic link, which viscan does not follow here"
            ),
            Refusal::NotRegular(kind) => write!(f, "it is a {kind}, not a regular file"),
            Refusal::Outside => write!(f, "it is outside the scanned root"),
            Refusal::TooLarge { len, cap } => {
                write!(f, "{len} bytes is over the {cap}-byte limit for this file")
            }
            Refusal::Io(error) => write!(f, "{error}"),
        }
    }
}

/// Reads `path`, a file that lies (or claims to lie) under `root`. `Ok(None)` when nothing is
/// there; a [`Refusal`] when something is there that must not be read.
pub fn read(root: &Path, path: &Path, cap: u64) -> Result<Option<Vec<u8>>, Refusal> {
    let Some(file) = open(root, path, cap)? else {
        return Ok(None);
    };
    let len = file.metadata().map_err(Refusal::Io)?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(len.min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Refusal::TooLarge {
            len: bytes.len() as u64,
            cap,
        });
    }
    Ok(Some(bytes))
}

/// Opens `path` as [`read`] would read it (a regular file inside `root`, at most `cap` bytes
/// when opened), for a caller that reads it its own way. The file may still grow after the
/// check: read it with a bound.
pub fn open(root: &Path, path: &Path, cap: u64) -> Result<Option<File>, Refusal> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Refusal::Io(error)),
    };
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        return Err(Refusal::Symlink);
    }
    if !file_type.is_file() {
        return Err(Refusal::NotRegular(kind_of(&file_type)));
    }
    if !is_inside(root, path) {
        return Err(Refusal::Outside);
    }
    if meta.len() > cap {
        return Err(Refusal::TooLarge {
            len: meta.len(),
            cap,
        });
    }
    // Between the check and the open the path may be swapped: open without following a link
    // and without blocking on a FIFO, then check what was opened.
    let file = open_no_follow(path).map_err(Refusal::Io)?;
    let opened = file.metadata().map_err(Refusal::Io)?;
    if !opened.is_file() {
        return Err(Refusal::NotRegular(kind_of(&opened.file_type())));
    }
    Ok(Some(file))
}

/// Whether `path` (not itself a symlink) resolves to a place under `root`.
fn is_inside(root: &Path, path: &Path) -> bool {
    let (Ok(root), Some(parent), Some(name)) =
        (root.canonicalize(), path.parent(), path.file_name())
    else {
        return false;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    match parent.canonicalize() {
        Ok(parent) => parent.join(name).starts_with(&root),
        Err(_) => false,
    }
}

fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// A file type in words, for messages (`named pipe (FIFO)`, `directory`, …).
pub fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "character device";
        }
        if file_type.is_block_device() {
            return "block device";
        }
        if file_type.is_socket() {
            return "socket";
        }
    }
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_inside_the_root_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("sub/a.txt"), "hello").expect("write");
        std::fs::write(dir.path().join("outside.txt"), "secret").expect("write");

        let read_ok = read(&root, &root.join("sub/a.txt"), 100).expect("readable");
        assert_eq!(read_ok.as_deref(), Some(&b"hello"[..]));
        assert!(matches!(read(&root, &root.join("none"), 100), Ok(None)));
        assert!(matches!(
            read(&root, &root.join("sub/../../outside.txt"), 100),
            Err(Refusal::Outside)
        ));
        assert!(matches!(
            read(&root, &root.join("sub/a.txt"), 3),
            Err(Refusal::TooLarge { len: 5, cap: 3 })
        ));
        assert!(matches!(
            read(&root, &root.join("sub"), 100),
            Err(Refusal::NotRegular("directory"))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/proc/self/environ", root.join("link")).expect("link");
            assert!(matches!(
                read(&root, &root.join("link"), 100),
                Err(Refusal::Symlink)
            ));
        }
    }
}
