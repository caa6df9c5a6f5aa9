//! The deployed site as a source (`viscan site URL…`): the one network feature. Starting from
//! the given pages, it fetches what a browser would (scripts, module preloads, lazily loaded
//! chunks named by imports, preload lists and build manifests, source maps, and same-origin
//! pages up to a depth) and hands every body over as a [`Fetched`] file for the scanner.
//! A script that names no source map is asked for `NAME.js.map` too; a 404 there is no error.
//!
//! What it never does: send anything but `GET` with `Host`, `Accept: */*`, a
//! `viscan/VERSION` user agent and `Accept-Encoding: gzip`; use cookies, credentials, a proxy from the environment, or other
//! headers; fetch from a host that is not a start URL's (unless `--allow-host`); follow a
//! redirect off those hosts. Every request is bounded (requests, bytes, time).
//! Requests are made one at a time, in discovery order.

pub mod links;
pub mod url;

use std::collections::{HashSet, VecDeque};
use std::io::Read;
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
    let mut crawler = Crawler {
        agent,
        options,
        seen: HashSet::new(),
        queue: VecDeque::new(),
        crawl: Crawl::default(),
        out_of_budget: false,
    };
    for url in &options.urls {
        crawler.enqueue(url.clone(), LinkKind::Page, 0);
    }
    while let Some((url, kind, depth)) = crawler.queue.pop_front() {
        if crawler.out_of_budget || crate::interrupt::requested() {
            break;
        }
        crawler.visit(url, kind, depth);
    }
    crawler.crawl
}

struct Crawler<'a> {
    agent: ureq::Agent,
    options: &'a SiteOptions,
    seen: HashSet<Url>,
    queue: VecDeque<(Url, LinkKind, u32)>,
    crawl: Crawl,
    out_of_budget: bool,
}

/// Redirects followed for one fetch before it counts as a loop.
const MAX_REDIRECTS: usize = 10;

impl Crawler<'_> {
    fn allowed(&self, url: &Url) -> bool {
        self.options
            .urls
            .iter()
            .any(|start| start.authority == url.authority)
            || self.options.allow_hosts.iter().any(|h| {
                h.eq_ignore_ascii_case(&url.authority) || h.eq_ignore_ascii_case(url.host())
            })
    }

    fn enqueue(&mut self, url: Url, kind: LinkKind, depth: u32) {
        if !self.allowed(&url) {
            if self.seen.insert(url) {
                self.crawl.num_other_hosts += 1;
            }
            return;
        }
        if self.seen.insert(url.clone()) {
            self.queue.push_back((url, kind, depth));
        }
    }

    fn visit(&mut self, url: Url, kind: LinkKind, depth: u32) {
        let Some((url, bytes)) = self.fetch(url, kind == LinkKind::GuessedMap) else {
            return;
        };
        let kind = match kind {
            LinkKind::GuessedMap => LinkKind::Map,
            kind => kind,
        };
        let looks_html = kind == LinkKind::Page
            || bytes
                .iter()
                .take(256)
                .skip_while(|b| b.is_ascii_whitespace())
                .take(1)
                .any(|&b| b == b'<');
        let found = match kind {
            LinkKind::Map | LinkKind::GuessedMap => Vec::new(),
            _ if looks_html && kind == LinkKind::Page => links::of_html(&bytes),
            _ => links::of_script(&bytes),
        };
        // A script that names no map may still have one beside it (`NAME.js.map`).
        let path = url.path_only();
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

    /// GETs `url`, following redirects within the allowed hosts; the final URL and body.
    /// A `guess` that is not there (HTTP 404 or 410) is passed over silently.
    fn fetch(&mut self, url: Url, guess: bool) -> Option<(Url, Vec<u8>)> {
        let mut url = url;
        let mut chain: Vec<Url> = Vec::new();
        loop {
            if self.crawl.num_requests >= self.options.max_requests {
                self.out_of_budget = true;
                crate::err!(
                    "{}: not fetched: --max-requests {} reached; the crawl is incomplete",
                    shown(&url),
                    self.options.max_requests
                );
                return None;
            }
            self.crawl.num_requests += 1;
            let started = Instant::now();
            let mut response = match self.agent.get(url.to_string()).call() {
                Ok(response) => response,
                Err(ureq::Error::Timeout(_)) => {
                    crate::err!(
                        "{}: timed out after {} s (--timeout)",
                        shown(&url),
                        self.options.timeout.as_secs_f64()
                    );
                    return None;
                }
                Err(error) => {
                    crate::err!("{}: {error}", shown(&url));
                    return None;
                }
            };
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l));
                let Some(next) = location else {
                    crate::err!("{}: HTTP {status} without a usable Location", shown(&url));
                    return None;
                };
                if !self.allowed(&next) {
                    crate::err!(
                        "{}: redirect to {} not followed: another host (--allow-host)",
                        shown(&url),
                        shown(&next)
                    );
                    return None;
                }
                chain.push(url.clone());
                if chain.contains(&next) || chain.len() > MAX_REDIRECTS {
                    crate::err!(
                        "{}: redirect loop ({} redirects)",
                        shown(&chain[0]),
                        chain.len()
                    );
                    return None;
                }
                url = next;
                continue;
            }
            if guess && (status == 404 || status == 410) {
                return None;
            }
            if status != 200 {
                crate::err!("{}: HTTP {status}", shown(&url));
                return None;
            }
            let left = self.options.max_bytes.saturating_sub(self.crawl.num_bytes);
            let limit = left.min(self.options.max_response);
            let mut body = Vec::new();
            let read = response
                .body_mut()
                .as_reader()
                .take(limit + 1)
                .read_to_end(&mut body);
            if let Err(error) = read {
                if started.elapsed() >= self.options.timeout {
                    crate::err!(
                        "{}: timed out after {} s (--timeout)",
                        shown(&url),
                        self.options.timeout.as_secs_f64()
                    );
                } else {
                    crate::err!("{}: {error}", shown(&url));
                }
                return None;
            }
            if body.len() as u64 > limit {
                if limit == left {
                    self.out_of_budget = true;
                    crate::err!(
                        "{}: not read in full: --max-bytes {} reached; the crawl is incomplete",
                        shown(&url),
                        self.options.max_bytes
                    );
                } else {
                    crate::err!(
                        "{}: skipped: larger than {} bytes (--max-file-size)",
                        shown(&url),
                        self.options.max_response
                    );
                }
                return None;
            }
            self.crawl.num_bytes += body.len() as u64;
            return Some((url, body));
        }
    }
}

fn shown(url: &Url) -> String {
    quote_path(url.to_string().as_bytes())
}
