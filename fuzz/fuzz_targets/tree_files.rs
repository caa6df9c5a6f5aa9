//! Discovery of the files a scanned tree names (`.viscan.toml`, `.viscanignore`, a source map a
//! bundle points to) on generated trees: regular files, symlinks to a sentinel file outside the
//! root and to files inside it, FIFOs, directories, nested folders and `../` references. Checks
//! beyond "no panic, no hang" (a FIFO opened blocking would hang): nothing outside the root is
//! ever read, and no error message ever holds the sentinel's content.

#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use viscan::allow::IgnoreFile;
use viscan::config::Config;
use viscan::tree_file;

/// What the file outside the root holds; it must never come back.
const SENTINEL: &str = "OUTSIDE-SENTINEL-9f3c";

/// The names a tree can use: the ones viscan looks for, maps, and folders to nest them in.
const NAMES: &[&str] = &[
    ".viscan.toml",
    ".viscanignore",
    "app.js.map",
    "maps/app.js.map",
    "dist",
    "dist/app.js.map",
    "dist/maps/app.js.map",
];

fn make_fifo(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) {
            // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
            unsafe {
                libc::mkfifo(c.as_ptr(), 0o600);
            }
        }
    }
}

fn build(root: &Path, outside: &Path, ops: &[u8], content: &[u8]) {
    for op in ops.chunks(2) {
        let (kind, name) = (
            op[0] % 7,
            op.get(1).copied().unwrap_or(0) as usize % NAMES.len(),
        );
        let path = root.join(NAMES[name]);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = match kind {
            0 => write_nonblocking(&path, content),
            1 => symlink(outside, &path),
            2 => symlink(&root.join(NAMES[(name + 1) % NAMES.len()]), &path),
            3 => {
                make_fifo(&path);
                Ok(())
            }
            4 => std::fs::create_dir_all(&path),
            5 => symlink(Path::new("../outside.txt"), &path),
            // A folder link out of the root: `dist/../..` games go through it.
            _ => symlink(outside.parent().unwrap_or(outside), &path),
        };
    }
}

/// Writes a file without blocking: an earlier op may have left a FIFO at the path, and a
/// plain write would wait for a reader forever (the harness's hang, not viscan's).
fn write_nonblocking(path: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)?.write_all(content)
}

fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, link)
    }
    #[cfg(not(unix))]
    {
        let _ = (target, link);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    // [n][n op bytes][reference up to the first NUL][content]
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = (n as usize % 16 * 2).min(rest.len());
    let (ops, rest) = rest.split_at(n);
    let (reference, content) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    // The tree's own files may say anything; only the sentinel's bytes must never come back.
    if String::from_utf8_lossy(data).contains(SENTINEL) {
        return;
    }
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let outside = dir.path().join("outside.txt");
    if std::fs::write(&outside, SENTINEL).is_err() {
        return;
    }
    let root = dir.path().join("root");
    if std::fs::create_dir(&root).is_err() {
        return;
    }
    build(&root, &outside, ops, content);

    match Config::discover(None, &root) {
        Ok(config) => assert!(!config.text.contains(SENTINEL), "config read from outside"),
        Err(error) => assert!(!format!("{error:#}").contains(SENTINEL)),
    }
    if let Ok(Some(ignore)) = IgnoreFile::discover(None, &root) {
        let _ = ignore;
    }
    let reference = String::from_utf8_lossy(reference);
    let bundle: PathBuf = root.join("dist/app.js");
    if let Some(parent) = bundle.parent() {
        let joined = parent.join(reference.as_ref());
        if let Ok(Some(bytes)) = tree_file::read(&root, &joined, 1 << 16) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SENTINEL),
                "read outside the root through {reference:?}"
            );
        }
    }
});
