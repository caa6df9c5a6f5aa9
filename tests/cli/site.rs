//! `viscan site URL` (issue 14) against real HTTP servers this test starts on loopback
//! (127.0.0.1, and a second origin on 127.0.0.2): nothing leaves loopback. Every server logs
//! the paths it was asked for, so "never requested" is checked, not assumed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::util::{Keygen, json_outcome};

/// What a route answers.
#[derive(Clone)]
enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// 302 to this location.
    Redirect(String),
    /// 200 with this body after a delay.
    Slow(Duration, Vec<u8>),
}

/// A loopback HTTP/1.1 server: one thread per connection, `Connection: close`.
struct Server {
    /// `http://IP:PORT`.
    base: String,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    log: Arc<Mutex<Vec<String>>>,
    /// Most connections being answered at once.
    peak: Arc<AtomicUsize>,
}

impl Server {
    fn start(ip: &str) -> Server {
        let listener = TcpListener::bind((ip, 0)).expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let peak: Arc<AtomicUsize> = Arc::default();
        let active: Arc<AtomicUsize> = Arc::default();
        let (r, l, p) = (Arc::clone(&routes), Arc::clone(&log), Arc::clone(&peak));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, l, p, a) = (
                    Arc::clone(&r),
                    Arc::clone(&l),
                    Arc::clone(&p),
                    Arc::clone(&active),
                );
                std::thread::spawn(move || answer(stream, &r, &l, &a, &p));
            }
        });
        Server {
            base,
            routes,
            log,
            peak,
        }
    }

    fn route(&self, path: &str, reply: Reply) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_string(), reply);
    }

    fn body(&self, path: &str, body: impl Into<Vec<u8>>) {
        self.route(path, Reply::Body(body.into()));
    }

    fn requested(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Answers one request. `active` counts requests between their arrival and the moment their
/// answer starts: a client that waits for each answer before its next request never has two
/// (counting until the write ends would race the client's next request).
fn answer(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Reply>>,
    log: &Mutex<Vec<String>>,
    active: &AtomicUsize,
    peak: &AtomicUsize,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        headers.push(line.trim().to_ascii_lowercase());
    }
    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
    peak.fetch_max(now, Ordering::SeqCst);
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    log.lock()
        .expect("log")
        .push(format!("{method} {path} {}", headers.join("|")));
    let reply = routes.lock().expect("routes").get(path).cloned();
    let mut stream = stream;
    let (status, extra, body) = match reply {
        Some(Reply::Body(body)) => ("200 OK", String::new(), body),
        Some(Reply::Redirect(to)) => ("302 Found", format!("Location: {to}\r\n"), Vec::new()),
        Some(Reply::Slow(delay, body)) => {
            std::thread::sleep(delay);
            ("200 OK", String::new(), body)
        }
        None => ("404 Not Found", String::new(), b"not found".to_vec()),
    };
    active.fetch_sub(1, Ordering::SeqCst);
    let head = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// A minified line holding `key`, as a bundler writes it.
fn chunk(key: &str) -> String {
    format!(
        "const s=\"https://api.voiceinfra.ai/v1\";async function c(e){{const t=\"{key}\";return fetch(`${{s}}/calls`,{{headers:{{\"X-API-Key\":t}}}})}}export{{c}};\n"
    )
}

/// A source map whose only source holds `key` on its third line.
fn map(key: &str) -> String {
    let source = format!(
        "const BASE = \"https://api.voiceinfra.ai/v1\";\nexport async function call(to: string) {{\n  const VOICEINFRA_KEY = \"{key}\";\n  return fetch(BASE + \"/calls\", {{ headers: {{ \"X-API-Key\": VOICEINFRA_KEY }} }});\n}}\n"
    );
    serde_json::json!({
        "version": 3,
        "sources": ["../../src/lazy.ts"],
        "sourcesContent": [source],
        "names": [],
        "mappings": ""
    })
    .to_string()
}

/// `viscan ARGS`, bounded so that a hang fails the test instead of blocking it.
fn run(args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(crate::util::VISCAN);
    cmd.args(args);
    crate::util::bounded(cmd, Duration::from_secs(60))
}

fn site(args: &[&str]) -> (i32, Value, String) {
    let mut full = vec!["site", "--format", "json"];
    full.extend_from_slice(args);
    let out = run(&full);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let (code, report) = json_outcome(&out);
    (code, report, err)
}

fn paths(report: &Value) -> Vec<String> {
    let mut paths: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    paths.sort();
    paths
}

/// A Vite-shaped site: the entry imports a lazy chunk, which holds the key and names its map;
/// an unlinked file and a script on another origin hold keys too.
fn vite_site(keys: &mut Keygen) -> (Server, Server, String) {
    let (lazy_key, unlinked_key, cdn_key) = (keys.key(40), keys.key(40), keys.key(40));
    let main = Server::start("127.0.0.1");
    let cdn = Server::start("127.0.0.2");
    main.body(
        "/",
        format!(
            "<!doctype html><html><head>\
             <script type=\"module\" crossorigin src=\"/assets/index-1a2b.js\"></script>\
             <link rel=\"modulepreload\" crossorigin href=\"/assets/vendor-3c4d.js\">\
             <script src=\"{}\"></script></head><body><div id=\"app\"></div></body></html>",
            cdn.url("/widget.js")
        ),
    );
    main.body(
        "/assets/index-1a2b.js",
        "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"assets/Lazy-9f8e.js\"])))=>i.map(i=>d[i]);\
         const L=()=>import(\"./Lazy-9f8e.js\");console.log(L);\n",
    );
    main.body("/assets/vendor-3c4d.js", "export const v=1;\n");
    main.body(
        "/assets/Lazy-9f8e.js",
        format!(
            "{}//# sourceMappingURL=Lazy-9f8e.js.map\n",
            chunk(&lazy_key)
        ),
    );
    main.body("/assets/Lazy-9f8e.js.map", map(&lazy_key));
    main.body("/assets/unlinked-0000.js", chunk(&unlinked_key));
    cdn.body("/widget.js", chunk(&cdn_key));
    (main, cdn, lazy_key)
}

#[test]
fn issue_14_a_key_in_a_lazy_chunk_is_found_with_its_original_source() {
    let (main, cdn, key) = vite_site(&mut Keygen::new(1410));
    let (code, report, err) = site(&[&main.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        paths(&report),
        [
            main.url("/assets/Lazy-9f8e.js"),
            main.url("/assets/Lazy-9f8e.js.map")
        ]
    );
    let from_map = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(".map")))
        .expect("map finding");
    assert_eq!(from_map["original_path"], "../../src/lazy.ts");
    assert_eq!(from_map["original_line"], 3);
    assert!(
        report["findings"]
            .as_array()
            .expect("f")
            .iter()
            .all(|f| f["rule_id"] == "voiceinfra.api-key.bundle")
    );
    assert!(!report.to_string().contains(&key));
    // Nothing unlinked, nothing from the other origin; only GETs, with our user agent.
    let requested = main.requested();
    assert!(
        requested.iter().all(|r| !r.contains("unlinked")),
        "{requested:?}"
    );
    assert!(
        requested.iter().all(|r| r.starts_with("GET ")),
        "{requested:?}"
    );
    assert!(
        requested.iter().all(|r| r
            .contains(&format!("user-agent: viscan/{}", env!("CARGO_PKG_VERSION")))
            && !r.contains("cookie")
            && !r.contains("authorization")),
        "{requested:?}"
    );
    assert!(cdn.requested().is_empty(), "{:?}", cdn.requested());
    assert!(
        err.contains(
            "viscan: warning: 1 links to other hosts were not fetched (add them with \
             --allow-host HOST)"
        ),
        "{err}"
    );
}

#[test]
fn allow_host_fetches_from_a_second_origin() {
    let (main, cdn, _) = vite_site(&mut Keygen::new(1411));
    let (code, report, err) = site(&["--allow-host", "127.0.0.2", &main.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        paths(&report).contains(&cdn.url("/widget.js")),
        "{report:#}"
    );
    let requested: Vec<String> = cdn
        .requested()
        .iter()
        .map(|r| r.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(requested, ["GET /widget.js", "GET /widget.js.map"]);
}

#[test]
fn a_next_shaped_site_is_followed_through_its_build_manifest() {
    let key = Keygen::new(1412).key(40);
    let main = Server::start("127.0.0.1");
    main.body(
        "/",
        "<!DOCTYPE html><html><head>\
         <script src=\"/_next/static/chunks/main-aa11.js\" defer=\"\"></script>\
         <script src=\"/_next/static/b1d/_buildManifest.js\" defer=\"\"></script></head>\
         <body><div id=\"__next\"></div>\
         <script id=\"__NEXT_DATA__\" type=\"application/json\">{\"props\":{},\"page\":\"/\",\"buildId\":\"b1d\"}</script>\
         </body></html>",
    );
    main.body(
        "/_next/static/chunks/main-aa11.js",
        "(self.webpackChunk=self.webpackChunk||[]).push([[1],{}]);\n",
    );
    main.body(
        "/_next/static/b1d/_buildManifest.js",
        "self.__BUILD_MANIFEST={__rewrites:{afterFiles:[]},\"/\":[\"static/chunks/pages/index-22.js\"],\"/about\":[\"static/chunks/pages/about-77.js\"]};self.__BUILD_MANIFEST_CB&&self.__BUILD_MANIFEST_CB();\n",
    );
    main.body(
        "/_next/static/chunks/pages/index-22.js",
        "export default 1;\n",
    );
    main.body("/_next/static/chunks/pages/about-77.js", chunk(&key));
    let (code, report, err) = site(&[&main.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        paths(&report),
        [main.url("/_next/static/chunks/pages/about-77.js")]
    );
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let main = Server::start("127.0.0.1");
    let other = Server::start("127.0.0.2");
    main.route("/", Reply::Redirect(other.url("/")));
    other.body("/", "<html></html>");
    let (code, _, err) = site(&[&main.url("/")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "viscan: error: {}: redirect to {} not followed: another host (--allow-host)",
            main.url("/"),
            other.url("/")
        )),
        "{err}"
    );
    assert!(other.requested().is_empty());
}

#[test]
fn a_redirect_loop_ends_with_an_error() {
    let main = Server::start("127.0.0.1");
    main.route("/a", Reply::Redirect("/b".into()));
    main.route("/b", Reply::Redirect("/a".into()));
    let (code, _, err) = site(&[&main.url("/a")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "viscan: error: {}: redirect loop (2 redirects)",
            main.url("/a")
        )),
        "{err}"
    );
    assert_eq!(main.requested().len(), 2);
}

#[test]
fn a_slow_server_times_out() {
    let main = Server::start("127.0.0.1");
    main.route(
        "/",
        Reply::Slow(Duration::from_secs(5), b"<html></html>".to_vec()),
    );
    let started = std::time::Instant::now();
    let (code, _, err) = site(&["--timeout", "1", &main.url("/")]);
    assert_eq!(code, 2, "{err}");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(
        err.contains(&format!(
            "viscan: error: {}: timed out after 1 s (--timeout)",
            main.url("/")
        )),
        "{err}"
    );
}

#[test]
fn a_huge_response_stops_at_the_byte_limit() {
    let main = Server::start("127.0.0.1");
    main.body("/", "<script src=\"/big.js\"></script>");
    main.body("/big.js", vec![b'a'; 3 << 20]);
    let (code, report, err) = site(&["--max-bytes", "1M", &main.url("/")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "viscan: error: {}: not read in full: --max-bytes 1048576 reached; the crawl is \
             incomplete",
            main.url("/big.js")
        )),
        "{err}"
    );
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn malformed_html_still_yields_its_scripts() {
    let key = Keygen::new(1413).key(40);
    let main = Server::start("127.0.0.1");
    main.body(
        "/",
        "<html><head><script src=\"/x.js\"<<<div><a href=\"/p\"</scr<!--",
    );
    main.body("/x.js", chunk(&key));
    // The page, its script and page link, the script's map guess, three manifest guesses.
    let (code, report, err) = site(&["--max-requests", "8", &main.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(paths(&report), [main.url("/x.js")]);
}

#[test]
fn only_http_urls_are_accepted() {
    let out = run(&["site", "file:///etc/passwd"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("file:///etc/passwd: not an http:// or https:// URL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_map_beside_a_script_is_found_without_a_source_mapping_url() {
    let key = Keygen::new(1414).key(40);
    let main = Server::start("127.0.0.1");
    main.body(
        "/",
        "<script src=\"/app-5e6f.js\"></script><script src=\"/plain.js\"></script>",
    );
    main.body("/app-5e6f.js", "export const a=1;\n");
    main.body("/app-5e6f.js.map", map(&key));
    main.body("/plain.js", "export const b=2;\n");
    let (code, report, err) = site(&[&main.url("/")]);
    // The missing /plain.js.map is a guess, not an error.
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("error"), "{err}");
    assert_eq!(paths(&report), [main.url("/app-5e6f.js.map")]);
    let requested = main.requested();
    assert!(
        requested
            .iter()
            .any(|r| r.starts_with("GET /plain.js.map ")),
        "{requested:?}"
    );
}

/// The paths a server was asked for, in order, without headers.
fn requested_paths(server: &Server) -> Vec<String> {
    server
        .requested()
        .iter()
        .map(|r| r.split(' ').nth(1).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_webpack_runtime_chunk_map_is_expanded_into_chunk_urls() {
    let mut keys = Keygen::new(1415);
    let (named, unnamed) = (keys.key(40), keys.key(40));
    let main = Server::start("127.0.0.1");
    main.body(
        "/",
        "<!DOCTYPE html><html><head>\
         <script src=\"/_next/static/chunks/webpack-5c1d.js\" defer=\"\"></script></head>\
         <body><div id=\"__next\"></div></body></html>",
    );
    // Next.js's runtime: names and hashes in two lookups keyed by chunk id.
    main.body(
        "/_next/static/chunks/webpack-5c1d.js",
        "!function(){\"use strict\";var r={};r.p=\"/_next/\",r.u=function(e){return\"static/chunks/\"+(({42:\"pages-lazy\"})[e]||e)+\".\"+({42:\"0a1b2c3d\",77:\"9f8e7d6c\"})[e]+\".js\"},r.miniCssF=function(e){return\"static/css/\"+{5:\"c0ffee\"}[e]+\".css\"}}();\n",
    );
    main.body("/_next/static/chunks/pages-lazy.0a1b2c3d.js", chunk(&named));
    main.body("/_next/static/chunks/77.9f8e7d6c.js", chunk(&unnamed));
    // Never named by any map: never requested.
    main.body("/_next/static/chunks/99.ffffffff.js", chunk(&keys.key(40)));
    let (code, report, err) = site(&[&main.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        paths(&report),
        [
            main.url("/_next/static/chunks/77.9f8e7d6c.js"),
            main.url("/_next/static/chunks/pages-lazy.0a1b2c3d.js"),
        ]
    );
    let requested = requested_paths(&main);
    assert!(
        !requested
            .iter()
            .any(|p| p.contains("99.") || p.contains(".css")),
        "{requested:?}"
    );

    // CRA's simpler shape: the id, a hash lookup, the public path "/".
    let key = keys.key(40);
    let cra = Server::start("127.0.0.1");
    cra.body(
        "/",
        "<script defer src=\"/static/js/main.1a2b.js\"></script>",
    );
    cra.body(
        "/static/js/main.1a2b.js",
        "(()=>{var o={};o.p=\"/\",o.u=e=>\"static/js/\"+e+\".\"+{318:\"3c4d5e6f\"}[e]+\".chunk.js\"})();\n",
    );
    cra.body("/static/js/318.3c4d5e6f.chunk.js", chunk(&key));
    let (code, report, err) = site(&[&cra.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        paths(&report),
        [cra.url("/static/js/318.3c4d5e6f.chunk.js")]
    );
}

#[test]
fn unlinked_build_manifests_are_asked_for_at_their_well_known_paths() {
    let mut keys = Keygen::new(1416);
    let (vite_key, cra_key) = (keys.key(40), keys.key(40));
    // Vite 5: .vite/manifest.json names a lazy chunk that no script names.
    let vite = Server::start("127.0.0.1");
    vite.body(
        "/",
        "<script type=\"module\" src=\"/assets/index-1a2b.js\"></script>",
    );
    vite.body("/assets/index-1a2b.js", "export const a=1;\n");
    vite.body(
        "/.vite/manifest.json",
        "{\"index.html\":{\"file\":\"assets/index-1a2b.js\",\"src\":\"index.html\",\"isEntry\":true,\"dynamicImports\":[\"src/Admin.js\"]},\
          \"src/Admin.js\":{\"file\":\"assets/Admin-7d8e.js\",\"src\":\"src/Admin.js\",\"isDynamicEntry\":true}}",
    );
    vite.body("/assets/Admin-7d8e.js", chunk(&vite_key));
    vite.body("/assets/unlinked-0000.js", chunk(&keys.key(40)));
    // CRA: asset-manifest.json at the root, and a server that answers every other path with
    // its page (an SPA fallback): not a manifest, so not scanned again.
    let cra = Server::start("127.0.0.1");
    let page = "<html><body><div id=\"root\"></div></body></html>";
    cra.body("/", page);
    cra.body("/manifest.json", page);
    cra.body(
        "/asset-manifest.json",
        "{\"files\":{\"main.js\":\"/static/js/main.1a.js\",\"static/js/787.2b.chunk.js\":\"/static/js/787.2b.chunk.js\"},\"entrypoints\":[\"static/js/main.1a.js\"]}",
    );
    cra.body("/static/js/main.1a.js", "console.log(1);\n");
    cra.body("/static/js/787.2b.chunk.js", chunk(&cra_key));
    let (code, report, err) = site(&[&vite.url("/"), &cra.url("/")]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("error"), "{err}");
    let mut expected = [
        vite.url("/assets/Admin-7d8e.js"),
        cra.url("/static/js/787.2b.chunk.js"),
    ];
    expected.sort();
    assert_eq!(paths(&report), expected);
    let asked = requested_paths(&vite);
    for path in [
        "/asset-manifest.json",
        "/.vite/manifest.json",
        "/manifest.json",
    ] {
        assert!(asked.iter().any(|p| p == path), "{asked:?}");
    }
    // An unlinked ordinary file is still never requested; nor a manifest's source names.
    assert!(
        !asked
            .iter()
            .any(|p| p.contains("unlinked") || p.contains("src/")),
        "{asked:?}"
    );
    // Four files from each site: the SPA fallback at /manifest.json is not one of them.
    assert_eq!(report["summary"]["files"], 8, "{report:#}");

    // --no-guess-manifests: only what is linked.
    let (code, report, err) = site(&["--no-guess-manifests", &vite.url("/")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(paths(&report), Vec::<String>::new());
    let asked = requested_paths(&vite);
    assert_eq!(
        asked
            .iter()
            .filter(|p| p.ends_with("manifest.json"))
            .count(),
        3,
        "only the first run asked: {asked:?}"
    );
}

/// A site of one page linking `n` scripts, each answered after `delay`, one holding a key.
fn slow_site(keys: &mut Keygen, n: usize, delay: Duration) -> Server {
    let main = Server::start("127.0.0.1");
    let scripts: String = (0..n)
        .map(|i| format!("<script src=\"/s/{i:02}.js\"></script>"))
        .collect();
    main.body("/", format!("<html><head>{scripts}</head></html>"));
    for i in 0..n {
        let body = if i == n / 2 {
            format!(
                "{}//# sourceMappingURL={i:02}.js.map\n",
                chunk(&keys.key(40))
            )
        } else {
            format!("export const x{i}=1;//# sourceMappingURL={i:02}.js.map\n")
        };
        main.route(
            &format!("/s/{i:02}.js"),
            Reply::Slow(delay, body.into_bytes()),
        );
        main.body(&format!("/s/{i:02}.js.map"), map(&keys.key(40)));
    }
    main
}

#[test]
fn concurrency_is_bounded_and_the_report_does_not_depend_on_it() {
    let delay = Duration::from_millis(300);
    let one = slow_site(&mut Keygen::new(1417), 9, delay);
    let many = slow_site(&mut Keygen::new(1417), 9, delay);
    let started = std::time::Instant::now();
    let (code_one, report_one, err_one) = site(&["--concurrency", "1", &one.url("/")]);
    let serial = started.elapsed();
    let started = std::time::Instant::now();
    let (code_many, report_many, err_many) = site(&["--concurrency", "3", &many.url("/")]);
    let parallel = started.elapsed();
    assert_eq!((code_one, code_many), (1, 1), "{err_one}{err_many}");
    assert_eq!(one.peak.load(Ordering::SeqCst), 1);
    // Never more than asked for, and really more than one at a time.
    assert_eq!(many.peak.load(Ordering::SeqCst), 3);
    assert!(parallel < serial, "{parallel:?} vs {serial:?}");
    // Same requests, same report (the two servers differ only in their port).
    let mut asked_one = requested_paths(&one);
    let mut asked_many = requested_paths(&many);
    asked_one.sort();
    asked_many.sort();
    assert_eq!(asked_one, asked_many);
    let local = |report: &Value, server: &Server| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let mut f = f.clone();
                // The fingerprint hashes the path, which holds the port.
                f["fingerprint"] = Value::Null;
                let path = f["path"]
                    .as_str()
                    .expect("path")
                    .replace(&server.base, "BASE");
                f["path"] = Value::from(path);
                f
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(local(&report_one, &one), local(&report_many, &many));
    // The chunk's key, and one in each of the nine maps.
    assert_eq!(report_one["findings"].as_array().map(Vec::len), Some(10));
}

#[test]
fn the_request_limit_is_exact_under_concurrency() {
    let main = slow_site(&mut Keygen::new(1418), 12, Duration::from_millis(100));
    let (code, _, err) = site(&["--concurrency", "4", "--max-requests", "6", &main.url("/")]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(main.requested().len(), 6, "{:?}", main.requested());
    assert_eq!(
        err.matches("--max-requests 6 reached; the crawl is incomplete")
            .count(),
        1,
        "{err}"
    );
}

#[test]
fn the_byte_limit_is_exact_under_concurrency() {
    let main = Server::start("127.0.0.1");
    let scripts: String = (0..8)
        .map(|i| format!("<script src=\"/big-{i}.js\"></script>"))
        .collect();
    let page = format!("<html><head>{scripts}</head></html>");
    main.body("/", page.clone());
    for i in 0..8 {
        // 300 KB each, answered together: four bodies at once race for the budget.
        let body = format!("/*{}*/\n", "a".repeat(300_000));
        main.route(
            &format!("/big-{i}.js"),
            Reply::Slow(Duration::from_millis(200), body.into_bytes()),
        );
    }
    let (code, report, err) = site(&["--concurrency", "4", "--max-bytes", "1M", &main.url("/")]);
    assert_eq!(code, 2, "{err}");
    let kept = report["summary"]["bytes"].as_u64().expect("bytes");
    assert!(kept <= 1 << 20, "{kept}");
    // Only whole bodies are kept: the page and two or three scripts (three fit; which bodies
    // lose the race for the last bytes depends on timing, and two may fail at once).
    let scripts = (kept - page.len() as u64) / 300_005;
    assert_eq!(kept, page.len() as u64 + scripts * 300_005, "{report:#}");
    assert!((2..=3).contains(&scripts), "{report:#}");
    assert_eq!(
        err.matches("--max-bytes 1048576 reached; the crawl is incomplete")
            .count(),
        1,
        "{err}"
    );
}
