//! The config and rules parsers: arbitrary text as a `.viscan.toml` (allowlist regexes and
//! globs, sizes, rule selection, custom rules) and as a `rules/*.toml` file. Whatever parses
//! is compiled into a scanner and run over the rules' own examples, as `viscan rules check`
//! does.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use viscan::blob::{Blob, Origin};
use viscan::config::Config;
use viscan::rules::RuleSet;
use viscan::scan::Scanner;

/// Runs every example of every rule through a scanner built from `rules`.
fn check(rules: RuleSet) {
    let Ok(scanner) = Scanner::new(rules) else {
        return;
    };
    let mut worker = scanner.worker();
    let mut found = Vec::new();
    for rule in scanner.rules().rules() {
        for example in rule.examples.iter().chain(&rule.negative_examples).take(16) {
            let blob = Blob {
                bytes: example.as_bytes().to_vec(),
                origin: Origin::file(&rule.example_path),
            };
            found.clear();
            worker.scan(&blob, &mut found);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Config::parse(Path::new("fuzz.toml"), text.to_string()) {
        let _ = config.to_toml();
        let (custom, options) = config.rule_parts();
        if let Ok(rules) = RuleSet::load(custom, &options) {
            check(rules);
        }
    }
    if let Ok(rules) = RuleSet::from_files(&[("fuzz.toml", text)]) {
        check(rules);
    }
});
