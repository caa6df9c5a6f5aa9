//! Non-fatal diagnostics. Warnings and errors go to stderr (never stdout, which carries only the
//! report); an error also sets a global flag so the run exits 2 after reporting what it found.
//!
//! Messages name paths, refs, commits and rules that come from scanned repositories and config
//! files: each whole line goes through [`crate::terminal::escape`], so none of them can send
//! control sequences to the terminal or break the line.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static ERRORED: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether any error was reported during this run.
pub fn errored() -> bool {
    ERRORED.load(Ordering::Relaxed)
}

/// Silences warnings (`-q`); errors are always printed.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Prints a warning unless `-q` was given.
pub fn warning(args: fmt::Arguments<'_>) {
    if !QUIET.load(Ordering::Relaxed) {
        let _ = writeln!(std::io::stderr().lock(), "viscan: warning: {}", line(args));
    }
}

/// Prints an error and makes the run exit 2 at the end.
pub fn error(args: fmt::Arguments<'_>) {
    ERRORED.store(true, Ordering::Relaxed);
    let _ = writeln!(std::io::stderr().lock(), "viscan: error: {}", line(args));
}

/// Prints an informational line on stderr, whatever `-q` says. Unlike `eprintln!`, it never
/// panics when stderr is a closed pipe (`viscan scan 2>&1 | head -1`).
pub fn note(args: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{}", line(args));
}

/// A message as one line, escaped for the terminal.
fn line(args: fmt::Arguments<'_>) -> String {
    crate::terminal::escape(&args.to_string()).into_owned()
}

/// Prints a line on stderr without panicking on a closed pipe: `note!("viscan: wrote {n}")`.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => { $crate::diag::note(format_args!($($arg)*)) };
}

/// Reports a warning on stderr: `warn!("skipped {}", path)`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::diag::warning(format_args!($($arg)*)) };
}

/// Reports a non-fatal error on stderr and sets the exit status to 2.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::diag::error(format_args!($($arg)*)) };
}
