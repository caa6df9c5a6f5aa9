//! `viscan site URL…`: crawl a deployed front-end ([`crate::source::site`]) and scan every
//! body it brought back as the browser-bound file it is: scripts and pages as bundles (they
//! were served to every visitor), maps as maps, with the crawl's own maps as the map loader,
//! so a key in minified code names its original source.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::HashMap;

use super::Run;
use crate::blob::{Blob, Origin};
use crate::exit::ExitStatus;
use crate::report::Summary;
use crate::source::site::links::LinkKind;
use crate::source::site::{self, SiteOptions, Url};

/// Options of `viscan site`.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// Where and how far to crawl (`max_response` is set from the run's file size limit).
    pub options: SiteOptions,
    /// Larger responses are skipped (default: config, else 100M).
    pub max_file_size: Option<u64>,
}

pub(super) fn run(ctx: &Run<'_>, settings: &SiteSettings) -> anyhow::Result<ExitStatus> {
    let mut options = settings.options.clone();
    options.max_response = ctx.max_file_size;
    let crawl = site::crawl(&options);
    if crawl.num_other_hosts > 0 {
        crate::warn!(
            "{} links to other hosts were not fetched (add them with --allow-host HOST)",
            crawl.num_other_hosts
        );
    }
    let scanner = &ctx.scanner;
    // The maps the crawl fetched, for the scanner to map minified positions back (the
    // loader must own them: it outlives this borrow of the crawl).
    let maps: HashMap<String, Vec<u8>> = crawl
        .files
        .iter()
        .filter(|f| f.kind == LinkKind::Map || f.url.path_only().ends_with(".map"))
        .map(|f| (f.url.to_string(), f.bytes.clone()))
        .collect();
    let map_loader = move |origin: &Origin, reference: &str| {
        let base = Url::parse(&origin.path.to_string_lossy())?;
        let url = base.join(reference)?;
        maps.get(&url.to_string()).cloned()
    };
    let mut worker = scanner.worker().with_map_loader(&map_loader);
    let mut findings = Vec::new();
    let num_files = crawl.files.len() as u64;
    for fetched in crawl.files {
        let origin = fetched.origin();
        let blob = Blob {
            bytes: fetched.bytes,
            origin,
        };
        worker.scan(&blob, &mut findings);
    }
    if ctx.output.verbose {
        crate::note!(
            "viscan: {} requests, {} bytes fetched",
            crawl.num_requests,
            crawl.num_bytes
        );
    }
    let summary = Summary {
        num_files,
        num_bytes: worker.stats.num_bytes,
        num_binary: worker.stats.num_binary,
        ..Summary::default()
    };
    let unused = std::mem::take(&mut worker.unused_markers);
    drop(worker);
    ctx.finish(findings, summary, unused)
}

/// Bundle globs for a site run: everything a site serves reaches every visitor, so every
/// body is read as a bundle.
pub(super) fn bundle_paths() -> Option<GlobSet> {
    let mut everything = GlobSetBuilder::new();
    everything.add(Glob::new("**").ok()?);
    everything.build().ok()
}
