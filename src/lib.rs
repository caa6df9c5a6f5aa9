//! viscan finds VoiceInfra API keys and webhook secrets hard-coded in source trees and front-end
//! bundles, and reports them as text, JSON or SARIF.
//!
//! Data flows one way: a [`source`] yields [`blob::Blob`]s, a [`scan::Worker`] turns each into
//! [`finding::Finding`]s, [`app`] collects and orders them, and [`report`] writes them once.

pub mod allow;
pub mod app;
pub mod blob;
pub mod config;
pub mod diag;
pub mod exit;
pub mod finding;
pub mod hook;
pub mod interrupt;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod terminal;
pub mod time;
pub mod tree_file;

pub use app::{Command, OutputSettings, ScanSettings, Settings, run};
pub use exit::ExitStatus;
