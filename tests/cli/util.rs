//! Test harness: a temp directory to build trees in, the binary to run, seeded key generation,
//! and JSON report parsing.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// A deterministic generator of realistic fake secrets (SplitMix64).
pub struct Keygen(u64);

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

impl Keygen {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Keygen {
        Keygen(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn from(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    /// A random alphanumeric key that passes the value checks (has a digit, no run of 5).
    pub fn key(&mut self, len: usize) -> String {
        loop {
            let k = self.from(ALNUM, len);
            if k.bytes().any(|b| b.is_ascii_digit()) && plausible(&k) {
                return k;
            }
        }
    }

    /// A random lowercase hex string.
    pub fn hex(&mut self, len: usize) -> String {
        loop {
            let k = self.from(HEX, len);
            if k.bytes().any(|b| b.is_ascii_digit()) && plausible(&k) {
                return k;
            }
        }
    }

    /// A random version-4 UUID.
    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A random lowercase alphanumeric id suffix.
    pub fn id(&mut self, len: usize) -> String {
        self.from(b"abcdefghijklmnopqrstuvwxyz0123456789", len)
    }
}

/// Excludes the rare random strings the placeholder checks would reject (`xxx`, `abcdef`, …),
/// so a test never depends on that one-in-a-thousand chance.
fn plausible(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    ![
        "your", "xxx", "todo", "fake", "test", "123456", "abcdef", "qwerty", "example", "sample",
        "dummy", "insert", "replace",
    ]
    .iter()
    .any(|w| lower.contains(w))
        && !key
            .as_bytes()
            .windows(5)
            .any(|w| w.iter().all(|&b| b == w[0]))
}

/// A temporary directory to build a tree in.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `content` to `rel`, creating parent directories.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dirs");
        }
        std::fs::write(&path, content).expect("write file");
        path
    }

    /// The binary, run inside this directory.
    pub fn viscan(&self) -> Command {
        let mut cmd = viscan();
        cmd.current_dir(self.path());
        cmd
    }

    /// Runs `viscan ARGS` here and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.viscan().args(args).output().expect("run viscan")
    }

    /// Runs `viscan scan --format json ARGS` here and returns (exit code, report).
    pub fn scan_json(&self, args: &[&str]) -> (i32, Value) {
        let mut full = vec!["scan", "--format", "json"];
        full.extend_from_slice(args);
        let out = self.run(&full);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().expect("exit code"), report)
    }
}

/// The `viscan` binary with a clean environment for colour.
pub fn viscan() -> Command {
    let mut cmd = Command::cargo_bin("viscan").expect("viscan binary");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// (path, line, rule id) of every finding in a JSON report, in report order.
pub fn hits(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line"),
                f["rule_id"].as_str().expect("rule_id").to_string(),
            )
        })
        .collect()
}

/// 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    text[..at].matches('\n').count() as u64 + 1
}
