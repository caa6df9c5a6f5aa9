//! Test harness: a temp directory to build trees in, the binary to run, seeded key generation,
//! and JSON report parsing.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

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
        json_outcome(&self.run(&full))
    }
}

/// Stdout then stderr of a run, as text.
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// (exit code, JSON report on stdout) of a run; panics with both streams if stdout is not JSON.
pub fn json_outcome(out: &Output) -> (i32, Value) {
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), report)
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

/// A git repository in a temp dir, driven with the `git` CLI with a fixed author, committer and
/// clock, and no user or system config.
pub struct TestRepo {
    pub dir: TestDir,
    /// Seconds added to the base date for each commit, so commits are ordered.
    clock: std::cell::Cell<i64>,
}

/// 2024-01-02T03:04:05Z
const BASE_TIME: i64 = 1_704_164_645;

impl TestRepo {
    /// `git init` on branch `main`.
    pub fn new() -> TestRepo {
        let repo = TestRepo {
            dir: TestDir::new(),
            clock: std::cell::Cell::new(0),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// The environment every git command runs with.
    pub fn git_env(&self, cmd: &mut std::process::Command) {
        let when = format!("@{} +0100", BASE_TIME + self.clock.get());
        cmd.env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &when)
            .env("GIT_COMMITTER_DATE", &when)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
    }

    /// Runs git in the repository and returns stdout; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(self.dir.path(), args)
    }

    /// Runs git in `dir` with this repository's environment.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new("git");
        cmd.args(args).current_dir(dir);
        self.git_env(&mut cmd);
        let out = cmd.output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes files, stages everything and commits; returns the commit id.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (path, content) in files {
            self.dir.write(path, content);
        }
        self.git(&["add", "-A"]);
        self.clock.set(self.clock.get() + 60);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs `viscan ARGS` in the repository with git's environment cleaned.
    pub fn viscan(&self, args: &[&str]) -> Output {
        let mut cmd = self.dir.viscan();
        cmd.args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
        cmd.output().expect("run viscan")
    }

    /// Runs `viscan history --format json ARGS`; returns (exit code, report).
    pub fn history_json(&self, args: &[&str]) -> (i32, Value) {
        let mut full = vec!["history", "--format", "json"];
        full.extend_from_slice(args);
        json_outcome(&self.viscan(&full))
    }
}

/// (path, line, rule id, commit, present_at_head) of every history finding.
pub fn history_hits(report: &Value) -> Vec<(String, u64, String, String, bool)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line"),
                f["rule_id"].as_str().expect("rule_id").to_string(),
                f["commit"].as_str().expect("commit").to_string(),
                f["present_at_head"].as_bool().expect("present_at_head"),
            )
        })
        .collect()
}

/// Standard base64 with padding: the tests' own, so the scanner's decoder is not its oracle.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
    out
}

/// The binary under test.
pub const VISCAN: &str = env!("CARGO_BIN_EXE_viscan");

/// Runs `cmd` to completion, failing the test if it takes longer than `limit` (a hang) or
/// panics (exit 101).
pub fn bounded(mut cmd: std::process::Command, limit: Duration) -> Output {
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.env_remove("NO_COLOR");
    let mut child = cmd.spawn().expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    };
    assert_ne!(
        output.status.code(),
        Some(101),
        "panicked: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `viscan ARGS` in `dir`, bounded by `limit`.
pub fn viscan_in(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut cmd = std::process::Command::new(VISCAN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE");
    bounded(cmd, limit)
}
