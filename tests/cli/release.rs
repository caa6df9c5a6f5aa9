//! The action's `version: vX.Y.Z` / `latest` download path (issue 15), against a fake release
//! served on 127.0.0.1 by the test itself: a good archive, a wrong checksum, a missing asset, a
//! release that does not exist. Nothing leaves loopback.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Output;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::ci::action_step;
use crate::util::TestDir;

const TARGET: &str = "x86_64-unknown-linux-musl";

/// A tiny HTTP/1.1 server on 127.0.0.1: GET `path` answers the file registered for it, or 404.
/// Every requested path is logged.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // Headers, up to the blank line.
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().expect("log").push(path.clone());
                let response = match files.get(&path) {
                    Some(body) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        Server { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("log").clone()
    }
}

/// `viscan-TARGET.tar.gz` holding a stub `viscan` that says who it is and, when run, touches
/// `$STUB_MARKER` (so a test can tell whether it ran).
fn release_archive(dir: &TestDir) -> Vec<u8> {
    let name = format!("viscan-{TARGET}");
    dir.write(
        &format!("stage/{name}/viscan"),
        "#!/bin/sh\n[ -n \"$STUB_MARKER\" ] && touch \"$STUB_MARKER\"\necho \"viscan 9.9.9 (stub)\"\n",
    );
    dir.write(&format!("stage/{name}/README.md"), "viscan\n");
    let stage = dir.path().join("stage");
    let bin = stage.join(&name).join("viscan");
    let status = std::process::Command::new("chmod")
        .arg("+x")
        .arg(&bin)
        .status()
        .expect("chmod");
    assert!(status.success());
    let archive = dir.path().join("release.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-C")
        .arg(&stage)
        .arg("-czf")
        .arg(&archive)
        .arg(&name)
        .status()
        .expect("tar");
    assert!(status.success());
    std::fs::read(&archive).expect("archive")
}

fn sums(asset: &[u8]) -> Vec<u8> {
    let digest: String = Sha256::digest(asset)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{digest}  viscan-{TARGET}.tar.gz\n{}  viscan-x86_64-apple-darwin.tar.gz\n",
        "0".repeat(64)
    )
    .into_bytes()
}

fn build_step(runner: &TestDir, server: &Server, version: &str) -> (Output, String, bool) {
    let marker = runner.path().join("stub-ran");
    let _ = std::fs::remove_file(&marker);
    let cache = runner.path().join("toolcache");
    let (out, outputs) = action_step(
        "build",
        runner,
        &[
            ("INPUT_VERSION", version),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
            ("RUNNER_TOOL_CACHE", cache.to_str().expect("utf-8")),
            ("VISCAN_TEST_RELEASE_URL", &server.url),
            ("STUB_MARKER", marker.to_str().expect("utf-8")),
        ],
    );
    (out, outputs, marker.exists())
}

use crate::util::output_text as text;

#[test]
fn a_release_is_downloaded_checked_and_cached() {
    let files_dir = TestDir::new();
    let archive = release_archive(&files_dir);
    let asset = format!("viscan-{TARGET}.tar.gz");
    let mut files = HashMap::new();
    files.insert("/download/v9.9.9/SHA256SUMS".to_string(), sums(&archive));
    files.insert(format!("/download/v9.9.9/{asset}"), archive.clone());
    files.insert("/latest/download/SHA256SUMS".to_string(), sums(&archive));
    files.insert(format!("/latest/download/{asset}"), archive);
    let server = Server::start(files);
    let runner = TestDir::new();

    let (out, outputs, ran) = build_step(&runner, &server, "v9.9.9");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let bin = runner.path().join(format!(
        "toolcache/viscan/v9.9.9/{TARGET}/viscan-{TARGET}/viscan"
    ));
    assert_eq!(outputs, format!("bin={}\n", bin.display()));
    assert!(text(&out).contains("viscan 9.9.9 (stub)"), "{}", text(&out));
    assert!(ran);
    assert_eq!(
        server.requests(),
        vec![
            "/download/v9.9.9/SHA256SUMS".to_string(),
            format!("/download/v9.9.9/{asset}")
        ]
    );
    // A second run uses the cache: no request.
    let (out, _, _) = build_step(&runner, &server, "v9.9.9");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Using the cached viscan v9.9.9"));
    assert_eq!(server.requests().len(), 2);
    // `latest` asks the latest release, every time.
    let (out, _, _) = build_step(&runner, &server, "latest");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(server.requests()[2], "/latest/download/SHA256SUMS");
}

#[test]
fn a_bad_checksum_or_a_missing_asset_fails_before_anything_runs() {
    let files_dir = TestDir::new();
    let archive = release_archive(&files_dir);
    let asset = format!("viscan-{TARGET}.tar.gz");
    let mut tampered = archive.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let mut files = HashMap::new();
    // v1.0.0: the archive does not match its checksum.
    files.insert("/download/v1.0.0/SHA256SUMS".to_string(), sums(&archive));
    files.insert(format!("/download/v1.0.0/{asset}"), tampered);
    // v1.1.0: checksums, but no archive for this target.
    files.insert("/download/v1.1.0/SHA256SUMS".to_string(), sums(&archive));
    // v1.2.0: an archive whose name SHA256SUMS does not list.
    files.insert(
        "/download/v1.2.0/SHA256SUMS".to_string(),
        b"0000  other.tar.gz\n".to_vec(),
    );
    files.insert(format!("/download/v1.2.0/{asset}"), archive);
    let server = Server::start(files);
    let runner = TestDir::new();
    for (version, message) in [
        (
            "v1.0.0",
            "checksum mismatch for viscan-x86_64-unknown-linux-musl.tar.gz",
        ),
        (
            "v1.1.0",
            "the release has no binary for x86_64-unknown-linux-musl",
        ),
        (
            "v1.2.0",
            "SHA256SUMS of v1.2.0 has no entry for viscan-x86_64-unknown-linux-musl.tar.gz",
        ),
        ("v3.0.0", "cannot download"),
    ] {
        let (out, outputs, ran) = build_step(&runner, &server, version);
        assert_eq!(out.status.code(), Some(1), "{version}: {}", text(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown
                .lines()
                .any(|l| l.starts_with("::error title=viscan::") && l.contains(message)),
            "{version}: {shown}"
        );
        assert_eq!(outputs, "", "{version}: no binary is handed on");
        assert!(!ran, "{version}: the downloaded binary must not run");
    }
    assert!(
        !runner.path().join("toolcache/viscan/v1.0.0").exists(),
        "a bad archive is never unpacked"
    );
}

#[test]
fn the_release_url_override_is_loopback_only() {
    let runner = TestDir::new();
    let (out, outputs) = action_step(
        "build",
        &runner,
        &[
            ("INPUT_VERSION", "v1.0.0"),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
            ("VISCAN_TEST_RELEASE_URL", "http://example.invalid/releases"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("must be a loopback URL"),
        "{}",
        text(&out)
    );
    assert_eq!(outputs, "");
}

#[test]
fn version_names_the_commit_and_the_target() {
    let out = crate::util::viscan()
        .arg("--version")
        .output()
        .expect("run");
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let prefix = format!("viscan {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&prefix), "{line}");
    let rest = line[prefix.len()..].trim_end_matches(')');
    let (commit, target) = rest.split_once(", ").expect("commit, target");
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{line}"
    );
    assert!(
        target.contains("-linux-") || target.contains("-apple-") || target.contains("-windows-"),
        "{line}"
    );
}
