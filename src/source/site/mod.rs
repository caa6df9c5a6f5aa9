//! The deployed site as a source (`viscan site URL…`): the one network feature. Starting from
//! the given pages, it fetches what a browser would (scripts, module preloads, lazily loaded
//! chunks named by imports, preload lists and build manifests, source maps, and same-origin
//! pages up to a depth) and hands every body over as a [`Fetched`] file for the scanner.
//! A script that names no source map is asked for `NAME.js.map` too; a 404 there is no error.
//!
//! What it never does: send anything but `GET` with `Host`, `Accept: */*`, a
//! `viscan/VERSION` user agent and `Accept-Encoding: gzip`; use cookies, credentials, a proxy from the environment, or other
//! headers; fetch from a host that is not a start URL's (unless `--allow-host`); follow a
//! redirect off those hosts. Every request is bounded (requests, bytes, time), and at most
//! `--concurrency` are in flight; responses are handled in discovery order (see [`crawl`]).

pub mod links;
pub mod url;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use links::{Link, LinkKind};
pub use url::Url;

use crate::blob::{Origin, quote_path};

/// What to crawl and within which bounds.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// The start pages.
    pub urls: Vec<Url>,
    /// More hosts (a CDN) whose files may be fetched, as `host` or `host:port`.
    pub allow_hosts: Vec<String>,
    /// How many links away from a start page further pages are followed.
    pub depth: u32,
    /// Requests in all, redirects included.
    pub max_requests: u64,
    /// Response bytes in all (after decompression).
    pub max_bytes: u64,
    /// Bytes of one response (the scan's `--max-file-size`).
    pub max_response: u64,
    /// Time for one request, connect to last byte.
    pub timeout: Duration,
    /// Requests in flight at once (`--concurrency`).
    pub concurrency: usize,
    /// Whether build manifests are asked for at their well-known paths though nothing links
    /// them (not with `--no-guess-manifests`).
    pub guess_manifests: bool,
}

impl SiteOptions {
    /// Default `--max-requests`.
    pub const DEFAULT_MAX_REQUESTS: u64 = 500;
    /// Default `--max-bytes`.
    pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
    /// Default `--timeout`, in seconds.
    pub const DEFAULT_TIMEOUT_SECS: u64 = 20;
    /// Default `--depth`.
    pub const DEFAULT_DEPTH: u32 = 2;
    /// Default `--concurrency`: a few requests at once, as a browser makes (and no more than a
    /// small site would notice).
    pub const DEFAULT_CONCURRENCY: usize = 4;
    /// Largest `--concurrency`.
    pub const MAX_CONCURRENCY: usize = 32;
}

/// One body the crawl fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it was fetched from (after redirects).
    pub url: Url,
    /// The decoded body.
    pub bytes: Vec<u8>,
    /// What it was fetched as.
    pub kind: LinkKind,
}

impl Fetched {
    /// The origin of a fetched file: the URL as its path, and its URL path (host first) as
    /// the path within the root (so a `.map` is read as a map).
    pub fn origin(&self) -> Origin {
        let mut within = format!("{}{}", self.url.authority, self.url.path_only());
        if self.kind == LinkKind::Page && within.ends_with('/') {
            within.push_str("index.html");
        }
        Origin {
            within_root: within.into(),
            ..Origin::file(self.url.to_string())
        }
    }
}

/// What a crawl brought back.
#[derive(Debug, Default)]
pub struct Crawl {
    /// Bodies, in fetch order.
    pub files: Vec<Fetched>,
    /// Requests made.
    pub num_requests: u64,
    /// Body bytes received.
    pub num_bytes: u64,
    /// Links not fetched because their host is not allowed.
    pub num_other_hosts: u64,
}

/// Crawls from `options.urls`. Failures to fetch are reported through `diag` (errors: the run
/// exits 2) and the crawl goes on; limits end it with an error that names the limit.
///
/// Up to `options.concurrency` requests are in flight at once (worker threads sharing one
/// agent), but responses are *handled* in the order their requests were queued, as a crawl
/// made one at a time would handle them: links are queued in the same order, messages come
/// in the same order, and the files are returned in that order, whatever the concurrency.
/// The request and byte budgets are shared counters reserved before each request and each
/// chunk read, so they are never passed; only which request meets a limit first can differ.
pub fn crawl(options: &SiteOptions) -> Crawl {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .proxy(None)
        .user_agent(format!("viscan/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let budget = Budget::default();
    let mut crawler = Crawler {
        options,
        seen: HashSet::new(),
        queue: VecDeque::new(),
        crawl: Crawl::default(),
        stopped: false,
    };
    for url in &options.urls {
        crawler.enqueue(url.clone(), LinkKind::Page, 0);
    }
    let concurrency = options.concurrency.clamp(1, SiteOptions::MAX_CONCURRENCY);
    let (job_tx, job_rx) = mpsc::channel::<(u64, Url, bool)>();
    let (done_tx, done_rx) = mpsc::channel::<(u64, Result<(Url, Vec<u8>), Failure>)>();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            let (agent, job_rx, done_tx, budget) =
                (agent.clone(), &job_rx, done_tx.clone(), &budget);
            scope.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, url, guess)) = job else { return };
                    let result = fetch(&agent, options, budget, url, guess);
                    if done_tx.send((seq, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Jobs handed out but not yet handled, by sequence number.
        let mut jobs: HashMap<u64, (LinkKind, u32)> = HashMap::new();
        let mut finished: BTreeMap<u64, Result<(Url, Vec<u8>), Failure>> = BTreeMap::new();
        let (mut next_seq, mut next_done) = (0u64, 0u64);
        loop {
            // At most `concurrency` requests between handed out and handled: never more
            // connections than that, and no response waits long for its turn.
            while next_seq - next_done < concurrency as u64
                && !crawler.stopped
                && !budget.exhausted.load(Ordering::Relaxed)
                && !crate::interrupt::requested()
            {
                let Some((url, kind, depth)) = crawler.queue.pop_front() else {
                    break;
                };
                let guess = matches!(kind, LinkKind::GuessedMap | LinkKind::GuessedManifest);
                jobs.insert(next_seq, (kind, depth));
                if job_tx.send((next_seq, url, guess)).is_err() {
                    break;
                }
                next_seq += 1;
            }
            if next_done == next_seq {
                break;
            }
            let Ok((seq, result)) = done_rx.recv() else {
                break;
            };
            finished.insert(seq, result);
            while let Some(result) = finished.remove(&next_done) {
                if let Some((kind, depth)) = jobs.remove(&next_done) {
                    crawler.handle(result, kind, depth);
                }
                next_done += 1;
            }
        }
        drop(job_tx);
    });
    crawler.crawl.num_requests = budget.requests.load(Ordering::Relaxed);
    crawler.crawl.num_bytes = budget.bytes.load(Ordering::Relaxed);
    crawler.crawl
}

/// The crawl's request and byte budgets, shared by the fetching threads.
#[derive(Default)]
struct Budget {
    /// Requests made (reserved before each).
    requests: AtomicU64,
    /// Body bytes kept (reserved before each chunk is kept; given back when a body is dropped).
    bytes: AtomicU64,
    /// Set when a budget ran out: nothing more is handed out.
    exhausted: AtomicBool,
}

impl Budget {
    /// Takes `n` of `counter` if that stays within `max`.
    fn take(counter: &AtomicU64, n: u64, max: u64) -> bool {
        counter
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(n).filter(|&total| total <= max)
            })
            .is_ok()
    }
}

/// Why a fetch brought nothing back.
#[derive(Debug)]
enum Failure {
    /// Already said, or nothing to say (a guess that is not there).
    Silent,
    /// An error to report when the fetch is handled.
    Error(String),
    /// A budget ran out: reported once, then the crawl ends.
    Budget(String),
}

struct Crawler<'a> {
    options: &'a SiteOptions,
    seen: HashSet<Url>,
    queue: VecDeque<(Url, LinkKind, u32)>,
    crawl: Crawl,
    /// Set once a budget ran out and that was said.
    stopped: bool,
}

/// Redirects followed for one fetch before it counts as a loop.
const MAX_REDIRECTS: usize = 10;

/// Build manifests that name lazily loaded chunks but that nothing links: CRA's
/// `asset-manifest.json`, Vite's `.vite/manifest.json` (Vite 5+) and `manifest.json` (Vite 4
/// and older). Asked for once per start page's folder and site root (see
/// [`SiteOptions::guess_manifests`]).
const MANIFESTS: &[&str] = &[
    "asset-manifest.json",
    ".vite/manifest.json",
    "manifest.json",
];

/// Whether `url`'s host is one the crawl may fetch from.
fn allowed(options: &SiteOptions, url: &Url) -> bool {
    options
        .urls
        .iter()
        .any(|start| start.authority == url.authority)
        || options
            .allow_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&url.authority) || h.eq_ignore_ascii_case(url.host()))
}

impl Crawler<'_> {
    fn enqueue(&mut self, url: Url, kind: LinkKind, depth: u32) {
        if !allowed(self.options, &url) {
            if self.seen.insert(url) {
                self.crawl.num_other_hosts += 1;
            }
            return;
        }
        if self.seen.insert(url.clone()) {
            self.queue.push_back((url, kind, depth));
        }
    }

    /// Handles one fetch, in queue order: reports its failure, or queues what it links and
    /// keeps its body.
    fn handle(&mut self, result: Result<(Url, Vec<u8>), Failure>, kind: LinkKind, depth: u32) {
        let (url, bytes) = match result {
            Ok(fetched) => fetched,
            Err(Failure::Silent) => return,
            Err(Failure::Error(message)) => return crate::err!("{message}"),
            Err(Failure::Budget(message)) => {
                // One message for the crawl: requests in flight may meet the limit too.
                if !self.stopped {
                    self.stopped = true;
                    crate::err!("{message}");
                }
                return;
            }
        };
        let kind = match kind {
            LinkKind::GuessedMap => LinkKind::Map,
            LinkKind::GuessedManifest => {
                // A server that answers every path with its page is not a manifest.
                if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
                    return;
                }
                LinkKind::Script
            }
            kind => kind,
        };
        let looks_html = kind == LinkKind::Page
            || bytes
                .iter()
                .take(256)
                .skip_while(|b| b.is_ascii_whitespace())
                .take(1)
                .any(|&b| b == b'<');
        let path = url.path_only();
        let found = match kind {
            LinkKind::Map | LinkKind::GuessedMap => Vec::new(),
            _ if looks_html && kind == LinkKind::Page => links::of_html(&bytes),
            _ if path.ends_with(".json") => {
                links::of_manifest(&bytes).unwrap_or_else(|| links::of_script(&bytes))
            }
            _ => links::of_script(&bytes),
        };
        // A script that names no map may still have one beside it (`NAME.js.map`).
        if kind == LinkKind::Script
            && (path.ends_with(".js") || path.ends_with(".mjs"))
            && !found.iter().any(|l| l.kind == LinkKind::Map)
        {
            if let Some(map) = url.join(&format!("{}.map", path.rsplit('/').next().unwrap_or(""))) {
                self.enqueue(map, LinkKind::GuessedMap, depth);
            }
        }
        for link in found {
            self.follow(&url, link, depth);
        }
        // A start page that answered: its build manifests, in its folder and at the root.
        if kind == LinkKind::Page && depth == 0 && self.options.guess_manifests {
            for folder in [url.path_only().rsplit_once('/').map_or("", |(f, _)| f), ""] {
                for name in MANIFESTS {
                    if let Some(manifest) = url.join(&format!("{folder}/{name}")) {
                        self.enqueue(manifest, LinkKind::GuessedManifest, depth);
                    }
                }
            }
        }
        self.crawl.files.push(Fetched { url, bytes, kind });
    }

    fn follow(&mut self, base: &Url, link: Link, depth: u32) {
        let target = if link.from_root {
            // Next.js names chunks from `/_next/`; everything else from the site root.
            let root = match base.path_only().find("/_next/") {
                Some(at) => format!("{}/", &base.path_only()[..at + "/_next".len()]),
                None => "/".to_string(),
            };
            base.join(&format!("{root}{}", link.reference))
        } else {
            base.join(&link.reference)
        };
        let Some(target) = target else { return };
        match link.kind {
            LinkKind::Page if depth < self.options.depth => {
                // Only same-host pages: a link out of the site is not part of it.
                if self
                    .options
                    .urls
                    .iter()
                    .any(|s| s.authority == target.authority)
                {
                    self.enqueue(target, LinkKind::Page, depth + 1);
                }
            }
            LinkKind::Page => {}
            kind => self.enqueue(target, kind, depth),
        }
    }
}

/// GETs `url` on a fetching thread, following redirects within the allowed hosts; the final
/// URL and body. A `guess` that is not there (HTTP 404 or 410) fails silently.
fn fetch(
    agent: &ureq::Agent,
    options: &SiteOptions,
    budget: &Budget,
    url: Url,
    guess: bool,
) -> Result<(Url, Vec<u8>), Failure> {
    let mut url = url;
    let mut chain: Vec<Url> = Vec::new();
    loop {
        if budget.exhausted.load(Ordering::Relaxed)
            || !Budget::take(&budget.requests, 1, options.max_requests)
        {
            budget.exhausted.store(true, Ordering::Relaxed);
            return Err(Failure::Budget(format!(
                "{}: not fetched: --max-requests {} reached; the crawl is incomplete",
                shown(&url),
                options.max_requests
            )));
        }
        let started = Instant::now();
        let timed_out = |url: &Url| {
            Failure::Error(format!(
                "{}: timed out after {} s (--timeout)",
                shown(url),
                options.timeout.as_secs_f64()
            ))
        };
        let mut response = match agent.get(url.to_string()).call() {
            Ok(response) => response,
            Err(ureq::Error::Timeout(_)) => return Err(timed_out(&url)),
            Err(error) => return Err(Failure::Error(format!("{}: {error}", shown(&url)))),
        };
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url.join(l));
            let Some(next) = location else {
                return Err(Failure::Error(format!(
                    "{}: HTTP {status} without a usable Location",
                    shown(&url)
                )));
            };
            if !allowed(options, &next) {
                return Err(Failure::Error(format!(
                    "{}: redirect to {} not followed: another host (--allow-host)",
                    shown(&url),
                    shown(&next)
                )));
            }
            chain.push(url.clone());
            if chain.contains(&next) || chain.len() > MAX_REDIRECTS {
                return Err(Failure::Error(format!(
                    "{}: redirect loop ({} redirects)",
                    shown(&chain[0]),
                    chain.len()
                )));
            }
            url = next;
            continue;
        }
        if guess && (status == 404 || status == 410) {
            return Err(Failure::Silent);
        }
        if status != 200 {
            return Err(Failure::Error(format!("{}: HTTP {status}", shown(&url))));
        }
        let mut reader = response.body_mut().as_reader();
        let mut body = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        // Gives back what this body reserved when it is dropped.
        let release = |body: &Vec<u8>| {
            budget.bytes.fetch_sub(body.len() as u64, Ordering::Relaxed);
        };
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    release(&body);
                    if started.elapsed() >= options.timeout {
                        return Err(timed_out(&url));
                    }
                    return Err(Failure::Error(format!("{}: {error}", shown(&url))));
                }
            };
            if (body.len() + n) as u64 > options.max_response {
                release(&body);
                return Err(Failure::Error(format!(
                    "{}: skipped: larger than {} bytes (--max-file-size)",
                    shown(&url),
                    options.max_response
                )));
            }
            if !Budget::take(&budget.bytes, n as u64, options.max_bytes) {
                release(&body);
                budget.exhausted.store(true, Ordering::Relaxed);
                return Err(Failure::Budget(format!(
                    "{}: not read in full: --max-bytes {} reached; the crawl is incomplete",
                    shown(&url),
                    options.max_bytes
                )));
            }
            body.extend_from_slice(&chunk[..n]);
        }
        return Ok((url, body));
    }
}

fn shown(url: &Url) -> String {
    quote_path(url.to_string().as_bytes())
}
