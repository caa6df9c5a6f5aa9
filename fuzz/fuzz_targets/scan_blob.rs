//! The whole scanner on arbitrary bytes under an arbitrary path: prefilter, rule regexes, value
//! and context checks, identifier resolution, positions, snippets and allow markers.
//!
//! Input: the first line (at most 256 bytes, any bytes but `\n`) is the path the blob is scanned
//! as, so bundle and source-map classification is reached too; the rest is the content.
//! Besides "no panic", it checks what every report relies on: positions are 1-based and ordered,
//! a redacted snippet never contains the secret, and a reused worker (scratch buffers from the
//! previous input) finds exactly what a fresh one finds.

#![no_main]

use std::cell::RefCell;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use viscan::blob::{Blob, Origin};
use viscan::finding::Finding;
use viscan::rules::RuleSet;
use viscan::scan::{Scanner, Worker};

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        Scanner::new(RuleSet::builtin().expect("built-in rules compile")).expect("prefilter")
    })
}

thread_local! {
    /// One worker for the whole run, as a walker thread keeps one for many files.
    static WORKER: RefCell<Worker<'static>> = RefCell::new(scanner().worker());
}

/// What must not change between a fresh and a reused worker.
fn summary(found: &[Finding]) -> Vec<(String, viscan::finding::Location, Vec<u8>, String)> {
    found
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                f.location,
                f.secret.expose().to_vec(),
                f.snippet.clone(),
            )
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let (path, content) = match memchr_newline(data) {
        Some(nl) if nl <= 256 => (&data[..nl], &data[nl + 1..]),
        _ => (&b"fuzz.txt"[..], data),
    };
    let path = if path.is_empty() {
        &b"fuzz.txt"[..]
    } else {
        path
    };
    let path = Path::new(OsStr::from_bytes(path));
    let blob = Blob {
        bytes: content.to_vec(),
        origin: Origin::walked(path, Path::new("")),
    };
    let mut reused = Vec::new();
    WORKER.with(|w| w.borrow_mut().scan(&blob, &mut reused));
    let mut fresh = Vec::new();
    scanner().worker().scan(&blob, &mut fresh);
    assert_eq!(summary(&reused), summary(&fresh), "scratch state leaked");

    for finding in &reused {
        let loc = finding.location;
        assert!(loc.line >= 1 && loc.column >= 1, "{loc:?}");
        assert!(
            (loc.end_line, loc.end_column) >= (loc.line, loc.column),
            "{loc:?}"
        );
        let secret = finding.secret.expose();
        let text = std::str::from_utf8(secret).ok();
        if let Some(secret) = text.filter(|s| !finding.is_reference && s.len() >= 8) {
            assert!(
                !finding.snippet.contains(secret),
                "snippet shows the secret: {:?}",
                finding.snippet
            );
            assert!(!finding.preview().contains(secret));
        }
        assert!(
            finding.snippet.chars().count() <= 200,
            "{:?}",
            finding.snippet
        );
    }
});

fn memchr_newline(data: &[u8]) -> Option<usize> {
    data.iter().position(|&b| b == b'\n')
}
