//! The scanner: a [`Scanner`] holds the compiled rules and prefilter and is shared by all
//! threads; each thread owns a [`Worker`] with reusable scratch buffers ("if doing multi-threaded
//! scanning, use a separate matcher for each thread"). A worker turns one [`Blob`] into findings:
//! prefilter → candidate rules' regexes → value checks → context checks → positions and
//! snippets, the last only for blobs with findings.
//!
//! Blobs that passed the prefilter are also looked at through decoded views ([`decode`]):
//! windows around keyword hits with percent-encoding, string escapes, HTML entities and
//! base64 next to VoiceInfra names undone; each `sourcesContent` entry of a source map
//! ([`sourcemap`]), scanned as the original file it is; and a bundle's inline source map. A
//! finding in a view is reported where its encoded text is in the blob, with the decoders that
//! produced it and, for source maps, the original file and line; when a view and the blob
//! itself report overlapping spans, the more decoded one wins (one finding per place).

mod class;
pub mod context;
pub mod decode;
pub mod marker;
pub mod prefilter;
pub mod sourcemap;
pub mod text;
pub mod value;
mod words;

pub use class::PathClass;

use crate::blob::{Blob, Encoding, Origin, Utf16};
use crate::finding::{Finding, Fingerprint, Location, OriginalLocation, Secret};
use crate::rules::{CompiledPattern, Rule, RuleKind, RuleSet, Scope};
use context::{HaystackFacts, MatchSite};
use decode::{Decoding, Mapping, Piece, View, ViewKind};
use prefilter::Prefilter;
use sourcemap::SourceMap;
use text::LineIndex;

/// Reads the source map a bundle refers to: given the bundle's origin and the reference (its
/// `sourceMappingURL`, or `NAME.js.map` when it has none), the map's bytes. The scanner never
/// touches the file system itself; the app supplies this for sources where files have
/// neighbours (a directory walk).
pub type MapLoader = dyn Fn(&Origin, &str) -> Option<Vec<u8>> + Send + Sync;

/// A [`MapLoader`] for one blob only (an archive member's siblings), not shared between
/// threads.
pub type MapLookup<'a> = dyn Fn(&Origin, &str) -> Option<Vec<u8>> + 'a;

/// Compiled rules plus the prefilter; build once, share as `&Scanner`.
#[derive(Debug)]
pub struct Scanner {
    rules: RuleSet,
    prefilter: Prefilter,
    /// Globs (relative to the scanned root) of more front-end bundles, from the config.
    extra_bundle_paths: Option<globset::GlobSet>,
    /// Whether workers list allow markers with no finding to allow.
    track_unused_markers: bool,
    /// Whether findings carry their snippet with the secret shown ([`Finding::snippet_raw`]):
    /// only `--show-secrets` reports it, and it is a second copy of the line per finding.
    raw_snippets: bool,
}

/// Counters a worker keeps locally; merged at the end of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Blobs scanned.
    pub num_blobs: u64,
    /// Bytes scanned (as stored, before decoding).
    pub num_bytes: u64,
    /// Blobs in which at least one rule ran past the prefilter.
    pub num_blobs_matched_keywords: u64,
    /// Blobs that name VoiceInfra (a VoiceInfra keyword): the scan integrates VoiceInfra when
    /// any does, which rules with project-level context need.
    pub num_blobs_naming_voiceinfra: u64,
    /// Binary blobs, of which only printable strings were scanned.
    pub num_binary: u64,
}

impl ScanStats {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &ScanStats) {
        self.num_blobs += other.num_blobs;
        self.num_bytes += other.num_bytes;
        self.num_blobs_matched_keywords += other.num_blobs_matched_keywords;
        self.num_blobs_naming_voiceinfra += other.num_blobs_naming_voiceinfra;
        self.num_binary += other.num_binary;
    }
}

impl Scanner {
    /// Builds the prefilter for `rules`.
    pub fn new(rules: RuleSet) -> anyhow::Result<Scanner> {
        let prefilter = Prefilter::new(&rules)?;
        Ok(Scanner {
            rules,
            prefilter,
            extra_bundle_paths: None,
            track_unused_markers: false,
            raw_snippets: true,
        })
    }

    /// Whether findings keep their snippet with the secret shown (default true); without it
    /// [`Finding::snippet_raw`] is empty, which saves a copy of the line per finding.
    pub fn with_raw_snippets(mut self, keep: bool) -> Scanner {
        self.raw_snippets = keep;
        self
    }

    /// Also looks for allow markers that allow nothing (for `--verbose`).
    pub fn with_unused_markers(mut self, track: bool) -> Scanner {
        self.track_unused_markers = track;
        self
    }

    /// Also treats blobs whose path (relative to the scanned root) matches `globs` as bundles.
    pub fn with_bundle_paths(mut self, globs: Option<globset::GlobSet>) -> Scanner {
        self.extra_bundle_paths = globs;
        self
    }

    /// The class of a blob at `within_root` (see [`Origin::within_root`]): everything the
    /// scanner reads from its path, the configured bundle globs included.
    pub fn path_class(&self, within_root: &std::path::Path) -> PathClass {
        let text = within_root.to_string_lossy();
        let class = match std::path::MAIN_SEPARATOR {
            '/' => PathClass::of(&text),
            separator => PathClass::of(&text.replace(separator, "/")),
        };
        match &self.extra_bundle_paths {
            Some(globs) if globs.is_match(within_root) => class.as_bundle(),
            _ => class,
        }
    }

    /// Drops the findings of rules that need project-level context (`require_project`) when
    /// nothing the scan read, as `stats` says, names VoiceInfra: a webhook handler with a
    /// literal HMAC key is VoiceInfra's only in a project that integrates VoiceInfra.
    pub fn keep_project_findings(&self, findings: &mut Vec<Finding>, stats: &ScanStats) {
        if stats.num_blobs_naming_voiceinfra > 0 {
            return;
        }
        let rules = self.rules.rules();
        findings.retain(|f| {
            !rules.iter().any(|r| {
                r.require_project && (r.id == f.rule_id || f.via_rule.as_deref() == Some(&*r.id))
            })
        });
    }

    /// The rules this scanner runs.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// A worker for one thread.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            scanner: self,
            candidates: vec![false; self.rules.rules().len()],
            seen_keywords: Vec::new(),
            decoded: Vec::new(),
            matches: Vec::new(),
            line_starts: Vec::new(),
            masks: Vec::new(),
            found: Vec::new(),
            hits: Vec::new(),
            windows: Vec::new(),
            map_loader: None,
            unused_markers: Vec::new(),
            stats: ScanStats::default(),
        }
    }
}

/// A match that passed value and context checks, in the coordinates of the text it was found
/// in: the blob's text (`view: None`) or a decoded view.
#[derive(Debug, Clone)]
struct Found {
    rule: usize,
    view: Option<usize>,
    /// The secret (for indirect rules, the resolved literal).
    span: (usize, usize),
    /// The whole regex match.
    whole: (usize, usize),
    /// The name the value is bound to, when it is a browser-public env variable.
    public_env: Option<String>,
}

/// A finding before positions are computed: its span in the blob's text and what decoding
/// and source maps say about it.
#[derive(Debug, Clone)]
struct Match {
    rule: usize,
    start: usize,
    end: usize,
    /// How deeply decoded the text it was found in is (0: the blob's text).
    depth: usize,
    /// The secret when it differs from `text[start..end]` (found in a decoded view).
    secret: Option<Vec<u8>>,
    decoded: Vec<&'static str>,
    original: Option<OriginalLocation>,
    public_env: Option<String>,
    /// For a secret in a source map's `sourcesContent`: the allow marker judged on its own
    /// original source and line (a marker elsewhere in the map's one JSON line never counts).
    source_marker: Option<Option<&'static str>>,
}

/// What the views of one blob may still hold (see [`decode::MAX_VIEW_BYTES`]).
struct Budget {
    bytes: usize,
    pieces: usize,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            bytes: decode::MAX_VIEW_BYTES,
            pieces: decode::MAX_PIECES,
        }
    }

    /// Takes room for a view, if there is any left.
    fn take(&mut self, bytes: usize, pieces: usize) -> bool {
        if bytes > self.bytes || pieces > self.pieces {
            return false;
        }
        self.bytes -= bytes;
        self.pieces -= pieces;
        true
    }
}

/// Per-thread scanning state. When possible, a worker should be reused.
pub struct Worker<'s> {
    scanner: &'s Scanner,
    candidates: Vec<bool>,
    seen_keywords: Vec<bool>,
    decoded: Vec<u8>,
    found: Vec<Found>,
    matches: Vec<Match>,
    line_starts: Vec<usize>,
    masks: Vec<(usize, usize)>,
    hits: Vec<usize>,
    windows: Vec<(usize, usize)>,
    map_loader: Option<&'s MapLoader>,
    /// (path, line) of allow markers with no finding to allow, for `--verbose`.
    pub unused_markers: Vec<(String, usize)>,
    /// What this worker has scanned so far.
    pub stats: ScanStats,
}

impl<'s> Worker<'s> {
    /// Lets the worker read the source map beside a bundle (`app.js` + `app.js.map`), to report
    /// where a key in minified code came from.
    pub fn with_map_loader(mut self, loader: &'s MapLoader) -> Worker<'s> {
        self.map_loader = Some(loader);
        self
    }
}

impl Worker<'_> {
    /// Scans one blob and appends its findings to `out`.
    pub fn scan(&mut self, blob: &Blob, out: &mut Vec<Finding>) {
        self.scan_blob(blob, out, None);
    }

    /// [`Worker::scan`] with `maps` as this blob's map loader (instead of the worker's own):
    /// an archive member finds its map among the other members of its archive.
    pub fn scan_with_maps(&mut self, blob: &Blob, out: &mut Vec<Finding>, maps: &MapLookup<'_>) {
        self.scan_blob(blob, out, Some(maps));
    }

    fn scan_blob(&mut self, blob: &Blob, out: &mut Vec<Finding>, maps: Option<&MapLookup<'_>>) {
        self.stats.num_blobs += 1;
        self.stats.num_bytes += blob.bytes.len() as u64;
        let mut decoded = std::mem::take(&mut self.decoded);
        let encoding = Encoding::of(&blob.bytes);
        let (text, utf16): (&[u8], _) = match encoding {
            Encoding::Text => (&blob.bytes, None),
            Encoding::Utf16(_) => {
                let utf16 = text::decode_utf16(&blob.bytes, &mut decoded);
                (&decoded, utf16)
            }
            Encoding::TextWithNuls => {
                crate::blob::nuls_as_spaces(&blob.bytes, &mut decoded);
                (&decoded, None)
            }
            Encoding::Binary => {
                self.stats.num_binary += 1;
                // Keywords are printable: a binary without one in its raw bytes has none in
                // its strings either, so most binaries cost one prefilter pass.
                let any_rule = self.scanner.prefilter.candidates(
                    &blob.bytes,
                    &mut self.candidates,
                    &mut self.seen_keywords,
                );
                // Rules that need project-level context look for webhook verification code
                // (`hmac` is their keyword), which a binary's strings do not hold; their keyword
                // is in every crypto library, so it alone does not open a binary.
                let rules = self.scanner.rules.rules();
                let wanted = any_rule
                    && self
                        .candidates
                        .iter()
                        .zip(rules)
                        .any(|(&candidate, rule)| candidate && !rule.require_project);
                if !wanted {
                    self.decoded = decoded;
                    return;
                }
                crate::blob::printable_strings(&blob.bytes, &mut decoded);
                (&decoded, None)
            }
        };
        let first_new = out.len();
        self.scan_text(blob, text, utf16, out, maps);
        if encoding == Encoding::Binary {
            for finding in &mut out[first_new..] {
                finding.binary = true;
            }
        }
        self.decoded = decoded;
    }

    fn scan_text(
        &mut self,
        blob: &Blob,
        text: &[u8],
        utf16: Option<Utf16>,
        out: &mut Vec<Finding>,
        maps: Option<&MapLookup<'_>>,
    ) {
        let any_rule =
            self.scanner
                .prefilter
                .candidates(text, &mut self.candidates, &mut self.seen_keywords);
        // Unused allow markers are only listed with --verbose: keep that search off the hot path.
        let has_markers = self.scanner.track_unused_markers && marker::mentions_marker(text);
        if any_rule && self.scanner.prefilter.saw_voiceinfra(&self.seen_keywords) {
            self.stats.num_blobs_naming_voiceinfra += 1;
        }
        let first_new = out.len();
        // A Kubernetes Secret hides its values in base64: decode it even when its plain text
        // names no VoiceInfra keyword (the decoded names are the context).
        if any_rule || self.is_k8s_secret(blob, text) {
            self.stats.num_blobs_matched_keywords += 1;
            self.find_all(blob, text, utf16, out, maps);
        }
        if has_markers {
            self.note_unused_markers(blob, text, &out[first_new..]);
        }
    }

    fn is_k8s_secret(&self, blob: &Blob, text: &[u8]) -> bool {
        self.scanner
            .path_class(&blob.origin.within_root)
            .is_manifest()
            && decode::is_k8s_secret_content(text)
    }

    /// Lines allowed by a marker where no finding is, for `--verbose`.
    fn note_unused_markers(&mut self, blob: &Blob, text: &[u8], found: &[Finding]) {
        let index = LineIndex::new(text, std::mem::take(&mut self.line_starts));
        for line in marker::allowed_lines(text, &index) {
            if !found.iter().any(|f| f.location.line == line) {
                self.unused_markers.push((blob.origin.display_path(), line));
            }
        }
        self.line_starts = index.into_storage();
    }

    fn find_all(
        &mut self,
        blob: &Blob,
        text: &[u8],
        utf16: Option<Utf16>,
        out: &mut Vec<Finding>,
        maps: Option<&MapLookup<'_>>,
    ) {
        let rules = self.scanner.rules.rules();
        let within_root = blob.origin.display_within_root();
        let path = within_root.as_str();
        // The path is read only through its class (see [`PathClass`]).
        let class = self.scanner.path_class(&blob.origin.within_root);
        let in_bundle = class.is_bundle(text);
        self.found.clear();
        let facts = HaystackFacts::of_class(class);
        let mut views: Vec<View> = Vec::new();
        let mut budget = Budget::new();
        // A source map is scanned through its sources, each as the file it is; its JSON text
        // as such would only repeat them with escaped quotes and no line structure.
        let source_map = if in_bundle && class.is_map() {
            sourcemap::parse(text).filter(|m| m.contents.iter().any(Option::is_some))
        } else {
            None
        };
        let mut inline_map = None;
        match &source_map {
            Some(map) => self.scan_sources(text, &mut views, None, map, &mut budget),
            None => {
                let (mut num_run, mut num_hopeless) = (0, 0);
                for (index, rule) in rules.iter().enumerate() {
                    if !self.candidates[index] || (rule.scope == Scope::Bundle && !in_bundle) {
                        continue;
                    }
                    let hopeless = !rule.require_any.is_empty()
                        && rule
                            .require_any
                            .iter()
                            .all(|&c| context::may_hold_in(c, text, &facts) == Some(false));
                    if hopeless {
                        num_hopeless += 1;
                        continue;
                    }
                    num_run += 1;
                    find_matches(index, rule, text, None, &facts, &mut self.found);
                }
                if in_bundle {
                    inline_map = self.scan_inline_map(text, &mut views, &mut budget);
                }
                let all_base64 = class.is_manifest() && decode::is_k8s_secret_content(text);
                // A blob whose only candidate rules cannot hold in it (a crypto library that
                // mentions HMAC) has nothing to decode for: its keyword hits are theirs.
                let nothing_to_decode = num_run == 0 && num_hopeless > 0 && !in_bundle;
                if all_base64 || !nothing_to_decode {
                    self.decode_views(text, &mut views, None, all_base64, in_bundle, &mut budget);
                }
            }
        }
        if self.found.is_empty() {
            return;
        }
        self.resolve(rules, text, &views, utf16);
        if self.matches.is_empty() {
            return;
        }
        dedupe(rules, text, &mut self.matches);

        // Where minified code came from, when its source map is inline or beside it.
        let loaded_map = match (&source_map, &inline_map) {
            (None, None) if in_bundle && self.matches.iter().any(|m| m.original.is_none()) => {
                self.load_map(blob, text, maps)
            }
            _ => None,
        };
        let mappings = match (&inline_map, &loaded_map) {
            (Some((view, map)), _) => map.mappings.map(|(a, b)| (&views[*view].bytes[a..b], map)),
            (None, Some((bytes, map))) => map.mappings.map(|(a, b)| (&bytes[a..b], map)),
            _ => None,
        };
        let mut mappings = mappings.map(|(m, map)| (sourcemap::Mappings::new(m), map));

        let index = LineIndex::new(text, std::mem::take(&mut self.line_starts));
        // Spans that snippets must mask: every secret (public env names are not secrets).
        self.masks.clear();
        self.masks.extend(
            self.matches
                .iter()
                .filter(|m| rules[m.rule].kind != RuleKind::Reference)
                .map(|m| (m.start, m.end)),
        );
        let mut places = Places {
            index: &index,
            starts: if mappings.is_some() {
                text::Cursor::counting_utf16()
            } else {
                text::Cursor::default()
            },
            ends: text::Cursor::default(),
            masks: &self.masks,
        };
        // Exactly the room needed: a file of 100,000 keys would otherwise grow the vector by
        // doubling, up to a third of it unused (issue 11).
        out.reserve(self.matches.len());
        for m in &self.matches {
            let mut finding = make_finding(
                rules,
                m,
                blob,
                path,
                text,
                &mut places,
                (in_bundle, self.scanner.raw_snippets),
            );
            if let (None, Some((mappings, map))) = (&finding.original, mappings.as_mut()) {
                finding.original = original_of(
                    mappings,
                    map,
                    finding.location.line,
                    places.starts.utf16_column(),
                )
                .map(Box::new);
            }
            out.push(finding);
        }
        self.line_starts = index.into_storage();
    }

    /// Runs the candidate rules over a view.
    fn find_in_view(&mut self, views: &[View], view: usize, in_bundle: bool) {
        let bytes = &views[view].bytes;
        if !self
            .scanner
            .prefilter
            .candidates(bytes, &mut self.candidates, &mut self.seen_keywords)
        {
            return;
        }
        let facts = HaystackFacts::default();
        for (index, rule) in self.scanner.rules.rules().iter().enumerate() {
            if !self.candidates[index] || (rule.scope == Scope::Bundle && !in_bundle) {
                continue;
            }
            find_matches(index, rule, bytes, Some(view), &facts, &mut self.found);
        }
    }

    /// Scans a view and, unless it is nested too deeply, the views decoded from it.
    fn scan_view(
        &mut self,
        views: &mut Vec<View>,
        view: usize,
        in_bundle: bool,
        budget: &mut Budget,
    ) {
        self.find_in_view(views, view, in_bundle);
        if views[view].depth < decode::MAX_DEPTH {
            self.decode_views(&[], views, Some(view), false, in_bundle, budget);
        }
    }

    /// Decodes windows around the keyword hits of `parent` (the blob's `text` when `None`),
    /// or all of it for a Kubernetes Secret (`all_base64`), and scans each window in which
    /// something was decoded.
    fn decode_views(
        &mut self,
        text: &[u8],
        views: &mut Vec<View>,
        parent: Option<usize>,
        all_base64: bool,
        in_bundle: bool,
        budget: &mut Budget,
    ) {
        let (src, depth) = match parent {
            None => (text, 0),
            Some(p) => (&views[p].bytes[..], views[p].depth),
        };
        self.scanner.prefilter.keyword_hits(src, &mut self.hits);
        if all_base64 {
            self.windows.clear();
            self.windows.push((0, src.len()));
        } else {
            decode::windows(&self.hits, src.len(), &mut self.windows);
        }
        if self.hits.is_empty() && !all_base64 {
            return;
        }
        let mut made = Vec::new();
        let mut blocks = Vec::new();
        for &(from, to) in &self.windows {
            let mut bytes = Vec::new();
            let mut pieces = Vec::new();
            if !decode::decode(
                src,
                from,
                to,
                all_base64,
                &mut bytes,
                &mut pieces,
                &mut blocks,
            ) {
                continue;
            }
            // A decoded document (a config file in a Secret) is a view of its own: one
            // base64 piece that covers all of it.
            for block in blocks.drain(..) {
                let len = block.bytes.len();
                if !budget.take(len, 1) {
                    break;
                }
                made.push(View {
                    bytes: block.bytes,
                    mapping: Mapping::Pieces {
                        base: block.parent.0,
                        pieces: vec![Piece {
                            view: (0, len),
                            parent: block.parent,
                            decoding: Decoding::Base64,
                        }],
                    },
                    parent,
                    kind: ViewKind::Decoded,
                    depth: depth + 1,
                });
            }
            if pieces.is_empty() {
                continue;
            }
            if !budget.take(bytes.len(), pieces.len()) {
                break;
            }
            made.push(View {
                bytes,
                mapping: Mapping::Pieces { base: from, pieces },
                parent,
                kind: ViewKind::Decoded,
                depth: depth + 1,
            });
        }
        for view in made {
            views.push(view);
            let index = views.len() - 1;
            self.scan_view(views, index, in_bundle, budget);
        }
    }

    /// Scans each `sourcesContent` entry of `map` (whose bytes are `text`, or the view
    /// `parent`) as a view of its own.
    fn scan_sources(
        &mut self,
        text: &[u8],
        views: &mut Vec<View>,
        parent: Option<usize>,
        map: &SourceMap,
        budget: &mut Budget,
    ) {
        for (source, body) in map.contents.iter().enumerate() {
            let Some(body) = *body else { continue };
            let (src, depth) = match parent {
                None => (text, 0),
                Some(p) => (&views[p].bytes[..], views[p].depth),
            };
            let mut bytes = Vec::new();
            let mut checkpoints = Vec::new();
            sourcemap::unescape_string(&src[body.0..body.1], &mut bytes, &mut checkpoints);
            if !budget.take(bytes.len(), checkpoints.len()) {
                return;
            }
            views.push(View {
                bytes,
                mapping: Mapping::JsonString { body, checkpoints },
                parent,
                kind: ViewKind::Source {
                    name: map.source_name(source).to_string(),
                },
                depth: depth + 1,
            });
            let index = views.len() - 1;
            // Sources ship with the map, so they are bundle content whatever their names.
            self.scan_view(views, index, true, budget);
        }
    }

    /// Decodes and scans a bundle's inline source map (`sourceMappingURL=data:…;base64,…`).
    /// Returns the view holding the decoded map, and the map.
    fn scan_inline_map(
        &mut self,
        text: &[u8],
        views: &mut Vec<View>,
        budget: &mut Budget,
    ) -> Option<(usize, SourceMap)> {
        let url = sourcemap::mapping_url(text)?;
        let payload = sourcemap::inline_payload(text, url)?;
        let mut bytes = Vec::new();
        if !decode::decode_base64(&text[payload.0..payload.1], &mut bytes)
            || !budget.take(bytes.len(), 1)
        {
            return None;
        }
        let map = sourcemap::parse(&bytes)?;
        let len = bytes.len();
        views.push(View {
            bytes,
            mapping: Mapping::Pieces {
                base: payload.0,
                pieces: vec![Piece {
                    view: (0, len),
                    parent: payload,
                    decoding: Decoding::Base64,
                }],
            },
            parent: None,
            kind: ViewKind::InlineMap,
            depth: 1,
        });
        let index = views.len() - 1;
        self.scan_sources(text, views, Some(index), &map, budget);
        Some((index, map))
    }

    /// The source map beside a bundle, read through `maps` or else the worker's map loader.
    fn load_map(
        &self,
        blob: &Blob,
        text: &[u8],
        maps: Option<&MapLookup<'_>>,
    ) -> Option<(Vec<u8>, SourceMap)> {
        let loader: &MapLookup<'_> = match maps {
            Some(maps) => maps,
            None => self.map_loader?,
        };
        let reference = match sourcemap::mapping_url(text) {
            Some((a, b)) => String::from_utf8_lossy(&text[a..b]).into_owned(),
            // An archive member's own name, not the archive's.
            None => match blob.origin.members.last() {
                Some(member) => format!("{}.map", member.rsplit('/').next().unwrap_or(member)),
                None => format!("{}.map", blob.origin.path.file_name()?.to_string_lossy()),
            },
        };
        let bytes = loader(&blob.origin, &reference)?;
        let map = sourcemap::parse(&bytes)?;
        Some((bytes, map))
    }

    /// Turns this blob's [`Found`]s into [`Match`]es: spans mapped back to the blob's text,
    /// the decoders that produced them, and the original source for source map content.
    fn resolve(&mut self, rules: &[Rule], text: &[u8], views: &[View], utf16: Option<Utf16>) {
        self.matches.clear();
        let mut source_lines: Vec<Option<LineIndex>> = Vec::new();
        source_lines.resize_with(views.len(), || None);
        for found in self.found.drain(..) {
            let public_env = if rules[found.rule].kind == RuleKind::Reference {
                let (a, b) = found.span;
                let bytes = match found.view {
                    None => text,
                    Some(v) => &views[v].bytes[..],
                };
                Some(String::from_utf8_lossy(&bytes[a..b]).into_owned())
            } else {
                found.public_env
            };
            let Some(first) = found.view else {
                self.matches.push(Match {
                    rule: found.rule,
                    start: found.span.0,
                    end: found.span.1,
                    depth: 0,
                    secret: None,
                    decoded: utf16.map(Utf16::as_str).into_iter().collect(),
                    original: None,
                    public_env,
                    source_marker: None,
                });
                continue;
            };
            let touched = (
                found.span.0.min(found.whole.0),
                found.span.1.max(found.whole.1),
            );
            // A decoded view repeats its parent except where it decoded something: a match
            // that no decoding took part in was already judged on the parent.
            if views[first].kind == ViewKind::Decoded
                && views[first]
                    .mapping
                    .pieces_in(touched.0, touched.1)
                    .is_empty()
            {
                continue;
            }
            let mut levels: Vec<Vec<&'static str>> = Vec::new();
            let mut original = None;
            let mut source_marker = None;
            let (mut view, mut span, mut touched) = (first, found.span, touched);
            loop {
                let current = &views[view];
                // Source views are the files a map holds (their JSON escapes are the map's
                // container, not an encoding of the key); an inline map is base64 as a whole.
                let names: Vec<&'static str> = match current.kind {
                    ViewKind::Decoded => current
                        .mapping
                        .pieces_in(touched.0, touched.1)
                        .iter()
                        .map(|p| p.decoding.as_str())
                        .collect(),
                    ViewKind::InlineMap => vec![Decoding::Base64.as_str()],
                    ViewKind::Source { .. } => Vec::new(),
                };
                levels.push(names);
                if let (ViewKind::Source { name }, None) = (&current.kind, &original) {
                    let lines = source_lines[view]
                        .get_or_insert_with(|| LineIndex::new(&current.bytes, Vec::new()));
                    let (line, column) = lines.position(&current.bytes, span.0);
                    original = Some(OriginalLocation {
                        path: name.clone(),
                        line,
                        column,
                    });
                    source_marker = Some(marker::allowing(&current.bytes, lines, span));
                }
                let parent_bytes = match current.parent {
                    None => text,
                    Some(p) => &views[p].bytes[..],
                };
                let up = |offset: usize, is_end: bool| {
                    current.mapping.to_parent(parent_bytes, offset, is_end)
                };
                span = (up(span.0, false), up(span.1, true));
                touched = (up(touched.0, false), up(touched.1, true));
                match current.parent {
                    None => break,
                    Some(p) => view = p,
                }
            }
            let mut decoded: Vec<&'static str> = utf16.map(Utf16::as_str).into_iter().collect();
            for name in levels.into_iter().rev().flatten() {
                if !decoded.contains(&name) {
                    decoded.push(name);
                }
            }
            let (a, b) = found.span;
            self.matches.push(Match {
                rule: found.rule,
                start: span.0,
                end: span.1.max(span.0),
                depth: views[first].depth,
                secret: Some(views[first].bytes[a..b].to_vec()),
                decoded,
                original,
                public_env,
                source_marker,
            });
        }
    }
}

/// One finding per place: the same span found by several rules is reported once, by the
/// first rule listed; a match found in decoded text replaces any less decoded match it
/// overlaps (the base64 text of a Kubernetes Secret value, the escaped JSON of a source map);
/// a public env variable named twice on one line (`NEXT_PUBLIC_X: process.env.NEXT_PUBLIC_X`)
/// is one finding.
fn dedupe(rules: &[Rule], text: &[u8], matches: &mut Vec<Match>) {
    matches.sort_by(|a, b| {
        (a.start, a.end, std::cmp::Reverse(a.depth), a.rule).cmp(&(
            b.start,
            b.end,
            std::cmp::Reverse(b.depth),
            b.rule,
        ))
    });
    matches.dedup_by(|later, kept| later.start == kept.start && later.end == kept.end);
    if matches.iter().any(|m| m.depth > 0) {
        // Decoded spans by start, with the running maximum of their ends, to find overlaps
        // in O(log n) each.
        let deep: Vec<(usize, usize, usize)> = matches
            .iter()
            .filter(|m| m.depth > 0)
            .map(|m| (m.start, m.end, m.depth))
            .collect();
        let mut max_end: Vec<usize> = Vec::with_capacity(deep.len());
        for (i, d) in deep.iter().enumerate() {
            max_end.push(if i == 0 { d.1 } else { max_end[i - 1].max(d.1) });
        }
        matches.retain(|m| {
            let mut i = deep.partition_point(|d| d.0 < m.end.max(m.start + 1));
            while i > 0 && max_end[i - 1] > m.start {
                i -= 1;
                let d = deep[i];
                if d.2 > m.depth && d.0 < m.end.max(m.start + 1) && m.start < d.1.max(d.0 + 1) {
                    return false;
                }
            }
            true
        });
    }
    // Reference findings of one rule naming the same variable close together on one line.
    let mut kept: Vec<Match> = Vec::with_capacity(matches.len());
    for m in matches.drain(..) {
        let duplicate = rules[m.rule].kind == RuleKind::Reference
            && kept.iter().rev().take(8).any(|k| {
                k.rule == m.rule
                    && k.public_env == m.public_env
                    && m.start >= k.end
                    && m.start - k.end <= 512
                    && memchr::memchr(b'\n', &text[k.end..m.start]).is_none()
            });
        if !duplicate {
            kept.push(m);
        }
    }
    *matches = kept;
}

/// The original position of generated `line` (1-based) and UTF-16 `column` (1-based) by a
/// bundle's source map. The segment gives the original position of the token the column is
/// in; a key is a few characters into its string literal, so a small offset into the token
/// is carried over.
fn original_of(
    mappings: &mut sourcemap::Mappings<'_>,
    map: &SourceMap,
    line: usize,
    column: usize,
) -> Option<OriginalLocation> {
    let generated = column.checked_sub(1)? as i64;
    let segment = mappings.lookup(line.checked_sub(1)?, generated)?;
    let (source, original_line, original_column) = segment.original?;
    let into_token = generated.checked_sub(segment.generated_column)?;
    let column = original_column.checked_add(if into_token <= 64 { into_token } else { 0 })?;
    Some(OriginalLocation {
        path: map.source_name(source).to_string(),
        line: usize::try_from(original_line).ok()? + 1,
        column: usize::try_from(column).ok()? + 1,
    })
}

/// Whether `name` (as bound in code or config, `process.env.` and the like allowed in front)
/// is a browser-public env variable: a name the build inlines into the bundle.
pub fn is_public_env_name(name: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"NEXT_PUBLIC_",
        b"VITE_",
        b"REACT_APP_",
        b"NUXT_PUBLIC_",
        b"PUBLIC_",
        b"EXPO_PUBLIC_",
        b"GATSBY_",
    ];
    let last = name
        .iter()
        .rposition(|&b| matches!(b, b'.' | b'[' | b'"' | b'\''))
        .map_or(name, |i| &name[i + 1..]);
    PREFIXES.iter().any(|p| last.starts_with(p))
}

/// Runs every pattern of `rule` over `text` (the blob's text, or view `view`) and keeps the
/// matches that pass its checks.
fn find_matches(
    index: usize,
    rule: &Rule,
    text: &[u8],
    view: Option<usize>,
    facts: &HaystackFacts,
    out: &mut Vec<Found>,
) {
    for pattern in &rule.patterns {
        if !pattern.may_match(text) {
            continue;
        }
        let pattern = pattern.compiled();
        let mut at = 0;
        while let Some(caps) = pattern.regex.captures_at(text, at) {
            let Some(whole) = caps.get(0) else { break };
            let found = check_match(index, rule, pattern, &caps, text, view, facts);
            // Where to look next: past a match that is kept; inside the value of one that is
            // not, as a real match may start there: `VOICEINFRA_URL=https://…?voiceinfra_key=K`
            // is no key for `VOICEINFRA_URL`, but holds one. Values are bounded (300 bytes in
            // the built-in rules), so looking again costs little.
            at = match found {
                Some(found) => {
                    out.push(found);
                    whole.end()
                }
                None => caps
                    .get(pattern.secret_group)
                    .map_or(whole.end(), |secret| secret.start()),
            }
            .max(whole.start() + 1);
            if at > text.len() {
                break;
            }
        }
    }
}

/// The match `caps` of `pattern` if it passes `rule`'s value and context checks.
fn check_match(
    index: usize,
    rule: &Rule,
    pattern: &CompiledPattern,
    caps: &regex::bytes::Captures<'_>,
    text: &[u8],
    view: Option<usize>,
    facts: &HaystackFacts,
) -> Option<Found> {
    let (whole, secret) = (caps.get(0)?, caps.get(pattern.secret_group)?);
    // The whole identifier, not just the part the pattern needed: `OPENAI_API_KEY` for a
    // `_API_KEY` capture, so context checks can see whose key it is.
    let name = pattern
        .name_group
        .and_then(|g| caps.get(g))
        .map(|m| context::identifier_around(text, m.start(), m.end()));
    if name.is_some_and(is_non_secret_name) {
        return None;
    }
    let span = match rule.kind {
        RuleKind::Literal | RuleKind::Reference => (secret.start(), secret.end()),
        RuleKind::Indirect => {
            if text.get(secret.end()) == Some(&b'(') {
                return None; // a call, not a variable
            }
            context::resolve_identifier(text, secret.as_bytes(), secret.start())?
        }
    };
    if rule.kind != RuleKind::Reference
        && value::judge(&text[span.0..span.1], &rule.value) != value::Verdict::Secret
    {
        return None;
    }
    let site = MatchSite {
        haystack: text,
        start: whole.start(),
        end: whole.end(),
        name,
        value: &text[span.0..span.1],
        facts,
    };
    let required =
        rule.require_any.is_empty() || rule.require_any.iter().any(|&c| context::holds(c, &site));
    if !required || rule.reject.iter().any(|&c| context::holds(c, &site)) {
        return None;
    }
    let public_env = rule
        .in_public_env
        .and(name)
        .filter(|n| is_public_env_name(n))
        .map(|n| {
            let n = n.rsplit(|&b| b == b'.').next().unwrap_or(n);
            String::from_utf8_lossy(n).into_owned()
        });
    Some(Found {
        rule: index,
        view,
        span,
        whole: (whole.start(), whole.end()),
        public_env,
    })
}

/// Names whose last word says the value is not the secret itself (`VOICEINFRA_KEY_ID`,
/// `voiceinfraApiKeyHeader`, `token_url`), and the `X-API-Key` header name itself: the header
/// rules own `X-API-Key: value` (they know which vendor it is sent to), so a `key`-like name
/// pattern must not take it over.
fn is_non_secret_name(name: &[u8]) -> bool {
    const LAST_WORDS: &[&[u8]] = &[
        b"id",
        b"ids",
        b"name",
        b"names",
        b"path",
        b"file",
        b"url",
        b"uri",
        b"header",
        b"env",
        b"var",
        b"length",
        b"len",
        b"type",
        b"prefix",
        b"field",
        b"ttl",
        b"version",
        b"format",
        b"hint",
        b"label",
        b"description",
        b"pattern",
        b"regex",
        b"count",
        b"size",
        b"enabled",
        b"expiry",
        b"expires",
        b"hash",
        b"location",
        b"param",
        b"arn",
        b"ref",
        b"placeholder",
    ];
    if name.eq_ignore_ascii_case(b"x-api-key") {
        return true;
    }
    let word = last_word(name).to_ascii_lowercase();
    LAST_WORDS.iter().any(|w| word == *w)
}

/// The last word of an identifier in snake, kebab, dotted or camel case.
fn last_word(name: &[u8]) -> &[u8] {
    let end = name
        .iter()
        .rposition(u8::is_ascii_alphanumeric)
        .map_or(0, |i| i + 1);
    let name = &name[..end];
    let segment_start = name
        .iter()
        .rposition(|b| !b.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1);
    let segment = &name[segment_start..];
    // camelCase: the last lowercase→uppercase step starts the last word.
    let camel = segment
        .windows(2)
        .rposition(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .map_or(0, |i| i + 1);
    &segment[camel..]
}

/// Where findings of one blob are: line index, incremental cursors, spans to mask.
struct Places<'a> {
    index: &'a LineIndex,
    starts: text::Cursor,
    ends: text::Cursor,
    masks: &'a [(usize, usize)],
}

fn make_finding(
    rules: &[Rule],
    m: &Match,
    blob: &Blob,
    path: &str,
    text: &[u8],
    places: &mut Places<'_>,
    (in_bundle, raw_snippet): (bool, bool),
) -> Finding {
    let matched = &rules[m.rule];
    // Shipped in a bundle beats exposed through a public env name: the key is already out.
    let (reported, via_rule) = match (matched.in_bundle, matched.in_public_env) {
        (Some(bundle_rule), _) if in_bundle && bundle_rule != m.rule => {
            (&rules[bundle_rule], Some(matched.id.clone()))
        }
        (_, Some(public_rule)) if m.public_env.is_some() && public_rule != m.rule => {
            (&rules[public_rule], Some(matched.id.clone()))
        }
        _ => (matched, None),
    };
    let is_reference = matched.kind == RuleKind::Reference;
    let public_env = if is_reference || (via_rule.is_some() && !in_bundle) {
        m.public_env.clone()
    } else {
        None
    };
    let (line, column) = places.starts.position(places.index, text, m.start);
    let (end_line, end_column) = places.ends.position(places.index, text, m.end);
    let secret = Secret::new(
        m.secret
            .clone()
            .unwrap_or_else(|| text[m.start..m.end].to_vec()),
    );
    let preview = if is_reference {
        secret.as_name()
    } else {
        secret.redacted()
    };
    let bounds = places.index.line_bounds(text, m.start);
    // A reference's value is the variable name: its snippet shows the reference as written,
    // every copy of the name included (issue 13: not `process.env.*****`).
    let hide = text::Hide {
        value: secret.expose(),
        others: places.masks,
        copies: !is_reference,
    };
    let snippet = text::snippet(text, bounds, (m.start, m.end), &preview, Some(hide));
    let snippet_raw = if raw_snippet {
        text::snippet(
            text,
            bounds,
            (m.start, m.end),
            &String::from_utf8_lossy(secret.expose()),
            None,
        )
    } else {
        String::new()
    };
    Finding {
        rule_id: reported.id.clone(),
        rule_name: reported.name.clone(),
        severity: reported.severity,
        via_rule,
        origin: blob.origin.clone(),
        location: Location {
            line,
            column,
            end_line,
            end_column,
        },
        fingerprint: Fingerprint::new(&reported.id, secret.expose(), path),
        secret,
        is_reference,
        snippet,
        snippet_raw,
        in_bundle,
        present_at_head: None,
        removed_in: None,
        allow_marker: m
            .source_marker
            .unwrap_or_else(|| marker::allowing(text, places.index, (m.start, m.end))),
        decoded: m.decoded.clone(),
        original: m.original.clone().map(Box::new),
        public_env,
        binary: false,
        added_suppression: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_words_of_identifiers() {
        assert_eq!(last_word(b"VOICEINFRA_API_KEY_ID"), b"ID");
        assert_eq!(last_word(b"voiceinfraApiKeyHeader"), b"Header");
        assert_eq!(last_word(b"voiceinfraAPIKeyID"), b"ID");
        assert_eq!(last_word(b"voice-infra.token"), b"token");
        assert!(is_non_secret_name(b"voiceinfra_api_key_id"));
        assert!(!is_non_secret_name(b"VOICEINFRA_API_KEY_PAID"));
        assert!(!is_non_secret_name(b"voiceinfraApiKey"));
        assert!(is_non_secret_name(b"X-Api-Key"));
    }
}
