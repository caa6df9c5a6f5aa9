//! Sources turn what the user asked to scan into [`crate::blob::Blob`]s: files and directories
//! ([`fs`]), standard input ([`stdin`]), and git history and the index ([`git`]); [`github`]
//! picks the commits a GitHub Actions event brings; [`archive`] opens archives and packages
//! among those blobs into blobs of their own; [`site`] crawls a deployed front-end.

pub mod archive;
pub mod fs;
pub mod git;
pub mod github;
pub mod site;
pub mod stdin;
