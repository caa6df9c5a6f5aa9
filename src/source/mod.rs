//! Sources turn what the user asked to scan into [`crate::blob::Blob`]s: files and directories
//! ([`fs`]) and standard input ([`stdin`]). Git history and the index come later.

pub mod fs;
pub mod stdin;
