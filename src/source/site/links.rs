//! What a page or a script names that a browser would fetch: HTML through a tokenizer
//! (`html5gum`),
//! never regexes over markup; scripts through a few patterns over their string literals (a
//! bundle is one long line of code, and chunk names sit in string literals).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::bytes::Regex;

/// What a reference is, which decides how its body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Another HTML page of the site (followed up to `--depth`).
    Page,
    /// A script, a chunk or a build manifest.
    Script,
    /// A source map.
    Map,
    /// `NAME.js.map` beside a script that names no map: fetched in case it is there, and
    /// its absence (404) is not an error.
    GuessedMap,
    /// A build manifest at its well-known path (`asset-manifest.json`, `.vite/manifest.json`,
    /// `manifest.json`), requested though nothing links it; a 404 is not an error.
    GuessedManifest,
}

/// One reference found in a page or a script, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// As written (relative or absolute).
    pub reference: String,
    /// What the browser would do with it.
    pub kind: LinkKind,
    /// Whether it is resolved against the site root rather than the file naming it: the
    /// bare chunk paths of build manifests and preload lists (`assets/x.js`,
    /// `static/chunks/x.js`) are relative to the base the app is served from.
    pub from_root: bool,
}

/// Links of an HTML page: `<script src>`, `<link rel=modulepreload|preload|prefetch>` for
/// scripts and manifests, `<a href>` and `<iframe src>` pages, and whatever its inline scripts
/// (JSON data blocks included) name. The tokenizer (`html5gum`, WHATWG tokenization) switches
/// into script and raw-text states as a browser does, so markup inside a script is not read
/// as tags; malformed markup yields what it can.
pub fn of_html(html: &[u8]) -> Vec<Link> {
    use html5gum::{DefaultEmitter, Token, Tokenizer};
    let mut links = Vec::new();
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut in_script = false;
    let mut inline = Vec::new();
    for token in Tokenizer::new_with_emitter(html, emitter) {
        let Ok(token) = token;
        match token {
            Token::StartTag(tag) => {
                let name = tag.name.to_ascii_lowercase();
                let attr = |key: &str| {
                    tag.attributes
                        .get(key.as_bytes())
                        .map(|v| String::from_utf8_lossy(&v.value).trim().to_string())
                        .filter(|v| !v.is_empty())
                };
                let mut push = |reference: String, kind| {
                    links.push(Link {
                        reference,
                        kind,
                        from_root: false,
                    })
                };
                match name.as_slice() {
                    b"script" => match attr("src") {
                        Some(src) => push(src, LinkKind::Script),
                        None => {
                            in_script = !tag.self_closing;
                            inline.clear();
                        }
                    },
                    b"link" => {
                        let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
                        let as_ = attr("as").unwrap_or_default().to_ascii_lowercase();
                        let has = |r: &str| rel.split_whitespace().any(|x| x == r);
                        let scripty = has("modulepreload")
                            || has("manifest")
                            || ((has("preload") || has("prefetch"))
                                && (as_ == "script" || as_ == "fetch"));
                        if let (true, Some(href)) = (scripty, attr("href")) {
                            push(href, LinkKind::Script);
                        }
                    }
                    b"a" | b"iframe" | b"frame" | b"area" => {
                        if let Some(href) = attr("href").or_else(|| attr("src")) {
                            push(href, LinkKind::Page);
                        }
                    }
                    _ => {}
                }
            }
            Token::String(text) if in_script => inline.extend_from_slice(&text.value),
            Token::EndTag(tag) if in_script && tag.name.eq_ignore_ascii_case(b"script") => {
                in_script = false;
                links.extend(of_script(&inline));
            }
            _ => {}
        }
    }
    if in_script {
        links.extend(of_script(&inline));
    }
    links
}

/// Dynamic and static imports: `import("./x.js")`, `import "./x.js"`, `from"./x.js"`.
static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:\bimport\s*\(\s*|\bimport\s*|\bfrom\s*)["'`]([^"'`\s]{1,512}?\.m?js(?:\?[^"'`\s]*)?)["'`]"#)
        .expect("import pattern compiles")
});

/// String literals that are chunk or manifest paths: what webpack/Next.js build manifests,
/// Vite/Rollup preload lists (`__vite__mapDeps`) and asset manifests name.
static CHUNK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"["'`]((?:\.{0,2}/)?[A-Za-z0-9_@~\-][A-Za-z0-9_@~\-./\[\]]{0,400}\.(?:m?js|json))["'`]"#,
    )
    .expect("chunk pattern compiles")
});

/// `//# sourceMappingURL=…` (or `//@`), not a `data:` URL.
static MAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"[#@]\s*sourceMappingURL=([^\s'"*]{1,1024})"#).expect("map pattern compiles")
});

/// Links of a script (or a JSON manifest): imports, chunk paths in string literals, and its
/// source map.
pub fn of_script(text: &[u8]) -> Vec<Link> {
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    for caps in IMPORT.captures_iter(text) {
        let reference = String::from_utf8_lossy(&caps[1]).into_owned();
        if seen.insert(reference.clone()) {
            links.push(Link {
                reference,
                kind: LinkKind::Script,
                from_root: false,
            });
        }
    }
    for caps in CHUNK.captures_iter(text) {
        let reference = String::from_utf8_lossy(&caps[1]).into_owned();
        if !seen.insert(reference.clone()) {
            continue;
        }
        let relative = reference.starts_with("./") || reference.starts_with("../");
        links.push(Link {
            from_root: !relative && !reference.starts_with('/'),
            reference,
            kind: LinkKind::Script,
        });
    }
    for link in runtime_chunks(text) {
        if seen.insert(link.reference.clone()) {
            links.push(link);
        }
    }
    for caps in MAP.captures_iter(text) {
        let reference = String::from_utf8_lossy(&caps[1]).into_owned();
        if !reference.starts_with("data:") && seen.insert(reference.clone()) {
            links.push(Link {
                reference,
                kind: LinkKind::Map,
                from_root: false,
            });
        }
    }
    links
}

/// Links of a JSON build manifest (CRA's `asset-manifest.json`, Vite's `manifest.json`):
/// every string value that is a script path, except under `src`, `imports` and
/// `dynamicImports` (Vite's keys of other entries and source names, not URLs). `None` when
/// the text is not JSON.
pub fn of_manifest(text: &[u8]) -> Option<Vec<Link>> {
    let value: serde_json::Value = serde_json::from_slice(text).ok()?;
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    let mut pending = vec![&value];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::String(text) => {
                let path = text.split(['?', '#']).next().unwrap_or_default();
                let script = path.ends_with(".js") || path.ends_with(".mjs");
                if script && !text.contains("://") && seen.insert(text.clone()) {
                    let relative = text.starts_with("./") || text.starts_with("../");
                    links.push(Link {
                        from_root: !relative && !text.starts_with('/'),
                        reference: text.clone(),
                        kind: LinkKind::Script,
                    });
                }
            }
            serde_json::Value::Array(items) => pending.extend(items.iter().rev()),
            serde_json::Value::Object(map) => pending.extend(
                map.iter()
                    .rev()
                    .filter(|(key, _)| {
                        !matches!(key.as_str(), "src" | "imports" | "dynamicImports")
                    })
                    .map(|(_, v)| v),
            ),
            _ => {}
        }
        if links.len() >= MAX_RUNTIME_CHUNKS {
            break;
        }
    }
    Some(links)
}

/// The start of a webpack runtime's chunk-URL function: `X.u=function(e){return …}` or
/// `X.u=e=>…` / `X.u=(e)=>…` (capture 1 or 2: its parameter).
static RUNTIME_U: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\.u\s*=\s*(?:function\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{\s*return\s*|\(?\s*([A-Za-z_$][\w$]*)\s*\)?\s*=>\s*\{?\s*(?:return\s+)?)",
    )
    .expect("runtime pattern compiles")
});

/// The runtime's public path, `X.p="/_next/"`.
static RUNTIME_P: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\.p\s*=\s*["']([^"'\s]{0,256})["']"#).expect("public path pattern compiles")
});

/// Chunks one runtime may name: more are not followed (a real app has hundreds at most).
const MAX_RUNTIME_CHUNKS: usize = 5_000;

/// Chunk URLs that a webpack (Next.js, CRA) runtime builds from pieces: its chunk-URL
/// function `__webpack_require__.u` joins string literals, the chunk id, and lookups in
/// object literals keyed by chunk id — `"static/chunks/"+({42:"about"}[e]||e)+"."+{42:"0a1b"}[e]+".js"`
/// or `e+"."+{42:"0a1b"}[e]+".js"` — so every id the lookups know gives one URL. They resolve
/// against the runtime's public path (`X.p="/_next/"`) when it names one, else as chunk paths
/// from the site root (see [`Link::from_root`]); with no public path at all ("auto"), from the
/// runtime's own folder.
pub fn runtime_chunks(text: &[u8]) -> Vec<Link> {
    let public = RUNTIME_P
        .captures(text)
        .map(|c| String::from_utf8_lossy(&c[1]).into_owned());
    let mut links = Vec::new();
    // Text one expression was read from is not read again for another `.u=` inside it (a
    // served script is untrusted: that would make the reads quadratic in its size).
    let mut parsed_to = 0;
    for caps in RUNTIME_U.captures_iter(text) {
        let (Some(whole), Some(param)) = (caps.get(0), caps.get(1).or_else(|| caps.get(2))) else {
            continue;
        };
        if whole.start() < parsed_to {
            continue;
        }
        let mut parser = Expr {
            text,
            at: whole.end(),
            param: param.as_bytes(),
        };
        let terms = parser.sum();
        parsed_to = parser.at;
        let Some(terms) = terms else { continue };
        for path in expand(&terms) {
            let (reference, from_root) = match &public {
                Some(p) if p.starts_with('/') || p.contains("://") => (format!("{p}{path}"), false),
                Some(p) => (format!("{p}{path}"), true),
                None => (path, false),
            };
            links.push(Link {
                reference,
                kind: LinkKind::Script,
                from_root,
            });
            if links.len() >= MAX_RUNTIME_CHUNKS {
                return links;
            }
        }
    }
    links
}

/// One term of a chunk-URL expression.
#[derive(Debug)]
enum Term {
    /// A string literal.
    Literal(String),
    /// The chunk id itself.
    Id,
    /// `{id: "value", …}[id]`, and whether `|| id` stands in for ids it lacks.
    Lookup(Vec<(String, String)>, bool),
    /// An object literal not yet looked up in (only while parsing).
    Object(Vec<(String, String)>),
}

/// A small parser for the `+`-joined expression after the runtime's `.u=`.
struct Expr<'t> {
    text: &'t [u8],
    at: usize,
    param: &'t [u8],
}

/// Terms, characters of one literal, and entries of one lookup the parser reads at most.
const MAX_TERMS: usize = 16;
const MAX_LITERAL: usize = 256;
const MAX_ENTRIES: usize = 20_000;

impl Expr<'_> {
    fn peek(&mut self) -> Option<u8> {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    /// `term (+ term)*`.
    fn sum(&mut self) -> Option<Vec<Term>> {
        let mut terms = vec![self.term()?];
        while self.eat(b'+') {
            if terms.len() >= MAX_TERMS {
                return None;
            }
            terms.push(self.term()?);
        }
        Some(terms)
    }

    fn term(&mut self) -> Option<Term> {
        let term = self.primary()?;
        match term {
            Term::Object(entries) => None.or_else(|| {
                // `{…}[id]`, then maybe `|| id`.
                (self.eat(b'[') && self.param_name() && self.eat(b']')).then_some(())?;
                Some(Term::Lookup(entries, self.or_id()))
            }),
            Term::Lookup(entries, false) if self.or_id() => Some(Term::Lookup(entries, true)),
            term => Some(term),
        }
    }

    /// A literal, the id, an object literal, or a parenthesised term.
    fn primary(&mut self) -> Option<Term> {
        match self.peek()? {
            b'"' | b'\'' => Some(Term::Literal(self.string()?)),
            b'(' => {
                self.at += 1;
                let inner = match self.peek()? {
                    // `({…})[id]`: the lookup is outside the parentheses.
                    b'{' => Term::Object(self.object()?),
                    _ => self.term()?,
                };
                self.eat(b')').then_some(inner)
            }
            b'{' => Some(Term::Object(self.object()?)),
            _ if self.param_name() => Some(Term::Id),
            _ => None,
        }
    }

    fn or_id(&mut self) -> bool {
        let start = self.at;
        if self.eat(b'|') && self.eat(b'|') && self.param_name() {
            return true;
        }
        self.at = start;
        false
    }

    fn param_name(&mut self) -> bool {
        self.peek();
        let end = self.at + self.param.len();
        let next_is_word = self
            .text
            .get(end)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
        if self.text.get(self.at..end) == Some(self.param) && !next_is_word {
            self.at = end;
            return true;
        }
        false
    }

    /// A quoted string without escapes (chunk names and hashes have none).
    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        let start = self.at + 1;
        let len = self.text.get(start..)?.iter().position(|&b| b == quote)?;
        if len > MAX_LITERAL || self.text[start..start + len].contains(&b'\\') {
            return None;
        }
        self.at = start + len + 1;
        Some(String::from_utf8_lossy(&self.text[start..start + len]).into_owned())
    }

    /// `{key: "value", …}` with number, identifier or string keys and string values.
    fn object(&mut self) -> Option<Vec<(String, String)>> {
        self.eat(b'{').then_some(())?;
        let mut entries = Vec::new();
        loop {
            if self.eat(b'}') {
                return Some(entries);
            }
            let key = match self.peek()? {
                b'"' | b'\'' => self.string()?,
                _ => {
                    let start = self.at;
                    while self
                        .text
                        .get(self.at)
                        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
                    {
                        self.at += 1;
                    }
                    if self.at == start || self.at - start > MAX_LITERAL {
                        return None;
                    }
                    String::from_utf8_lossy(&self.text[start..self.at]).into_owned()
                }
            };
            self.eat(b':').then_some(())?;
            let value = self.string()?;
            entries.push((key, value));
            if entries.len() > MAX_ENTRIES {
                return None;
            }
            if !self.eat(b',') {
                self.eat(b'}').then_some(())?;
                return Some(entries);
            }
        }
    }
}

/// Every path the terms build: one per chunk id any lookup knows, in the order the lookups
/// name them; ids a lookup without `|| id` lacks give none; only script paths are kept, at
/// most [`MAX_RUNTIME_CHUNKS`]. Each lookup is indexed once: a served script is untrusted, and
/// scanning every lookup for every id would be quadratic in its size.
fn expand(terms: &[Term]) -> Vec<String> {
    let lookups: Vec<HashMap<&str, &str>> = terms
        .iter()
        .map(|term| match term {
            Term::Lookup(entries, _) => {
                let mut index = HashMap::with_capacity(entries.len());
                for (id, value) in entries {
                    // The first entry for an id is the one kept.
                    index.entry(id.as_str()).or_insert(value.as_str());
                }
                index
            }
            _ => HashMap::new(),
        })
        .collect();
    let mut ids: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for term in terms {
        if let Term::Lookup(entries, _) = term {
            for (id, _) in entries {
                if seen.insert(id.as_str()) {
                    ids.push(id);
                }
            }
        }
    }
    let mut paths = Vec::new();
    'ids: for id in ids {
        if paths.len() >= MAX_RUNTIME_CHUNKS {
            break;
        }
        let mut path = String::new();
        for (term, lookup) in terms.iter().zip(&lookups) {
            match term {
                Term::Literal(text) => path.push_str(text),
                Term::Id => path.push_str(id),
                Term::Lookup(_, or_id) => match lookup.get(id) {
                    Some(value) => path.push_str(value),
                    None if *or_id => path.push_str(id),
                    None => continue 'ids,
                },
                Term::Object(_) => continue 'ids,
            }
        }
        let clean = path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./@~[]".contains(&b));
        if clean && (path.ends_with(".js") || path.ends_with(".mjs")) && !path.contains("..") {
            paths.push(path);
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(links: &[Link]) -> Vec<(&str, LinkKind, bool)> {
        links
            .iter()
            .map(|l| (l.reference.as_str(), l.kind, l.from_root))
            .collect()
    }

    #[test]
    fn pages_name_scripts_preloads_and_pages() {
        let html = br#"<!doctype html><html><head>
            <script type="module" crossorigin src="/assets/index-1a2b.js"></script>
            <link rel="modulepreload" href="/assets/vendor-3c4d.js">
            <link rel="stylesheet" href="/assets/index.css">
            <script>import("./inline-lazy.js")</script>
            </head><body><a href="/about">About</a><a href="mailto:x@y">m</a></body></html>"#;
        assert_eq!(
            refs(&of_html(html)),
            [
                ("/assets/index-1a2b.js", LinkKind::Script, false),
                ("/assets/vendor-3c4d.js", LinkKind::Script, false),
                ("./inline-lazy.js", LinkKind::Script, false),
                ("/about", LinkKind::Page, false),
                ("mailto:x@y", LinkKind::Page, false),
            ]
        );
        // Malformed markup yields what it can, never a panic.
        let _ = of_html(b"<script src=\"/a.js\"<<<div><a href=");
    }

    #[test]
    fn scripts_name_chunks_manifests_and_maps() {
        let js = br#"const L=()=>import("./Lazy-9f8e.js");const d=__vite__mapDeps(["assets/Other-1234.js","assets/x.css"]);
self.__BUILD_MANIFEST={"/about":["static/chunks/pages/about-77.js"]};
//# sourceMappingURL=index-1a2b.js.map"#;
        assert_eq!(
            refs(&of_script(js)),
            [
                ("./Lazy-9f8e.js", LinkKind::Script, false),
                ("assets/Other-1234.js", LinkKind::Script, true),
                ("static/chunks/pages/about-77.js", LinkKind::Script, true),
                ("index-1a2b.js.map", LinkKind::Map, false),
            ]
        );
    }

    #[test]
    fn manifests_name_files_not_keys() {
        let vite = br#"{"index.html":{"file":"assets/index-1a2b.js","src":"index.html","imports":["_shared-9f.js"],"dynamicImports":["src/Lazy.js"]},
            "_shared-9f.js":{"file":"assets/shared-9f.js"},"src/Lazy.js":{"file":"assets/Lazy-3c.js","src":"src/Lazy.js"}}"#;
        let links = of_manifest(vite).expect("json");
        let mut got = refs(&links);
        got.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            got,
            [
                ("assets/Lazy-3c.js", LinkKind::Script, true),
                ("assets/index-1a2b.js", LinkKind::Script, true),
                ("assets/shared-9f.js", LinkKind::Script, true),
            ]
        );
        let cra = br#"{"files":{"main.js":"/static/js/main.1a.js","static/js/7.2b.chunk.js":"/static/js/7.2b.chunk.js","main.js.map":"/static/js/main.1a.js.map"},"entrypoints":["static/js/main.1a.js"]}"#;
        let links = of_manifest(cra).expect("json");
        let mut got = refs(&links);
        got.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            got,
            [
                ("/static/js/7.2b.chunk.js", LinkKind::Script, false),
                ("/static/js/main.1a.js", LinkKind::Script, false),
                ("static/js/main.1a.js", LinkKind::Script, true),
            ]
        );
        assert!(of_manifest(b"<!doctype html>").is_none());
    }

    /// A hostile runtime: four lookups of 20,000 ids each. Each lookup is indexed once and
    /// the chunks are capped; scanning every entry for every id was ~3·10⁹ comparisons here.
    #[test]
    fn hostile_runtimes_stay_linear_and_capped() {
        let lookup = |term: usize| {
            let entries: Vec<String> = (0..20_000)
                .map(|i| format!("{}:\"v{i}\"", term * 20_000 + i))
                .collect();
            format!("(({{{}}})[e]||e)", entries.join(","))
        };
        let terms: Vec<String> = (0..4).map(lookup).collect();
        let runtime = format!("r.u=e=>\"c/\"+{}+\".js\"", terms.join("+\".\"+"));
        let links = runtime_chunks(runtime.as_bytes());
        assert_eq!(links.len(), MAX_RUNTIME_CHUNKS);
    }

    #[test]
    fn webpack_runtimes_name_their_chunks_from_pieces() {
        // Next.js: names and hashes in two lookups, the public path /_next/.
        let next = br#"!function(){var r={};r.p="/_next/",r.u=function(e){return"static/chunks/"+(({42:"pages-lazy",7:"framework"})[e]||e)+"."+({7:"aa11",42:"0a1b",77:"9f8e"})[e]+".js"},r.miniCssF=function(e){return"static/css/"+{5:"c0"}[e]+".css"}}();"#;
        assert_eq!(
            refs(&runtime_chunks(next)),
            [
                (
                    "/_next/static/chunks/pages-lazy.0a1b.js",
                    LinkKind::Script,
                    false
                ),
                (
                    "/_next/static/chunks/framework.aa11.js",
                    LinkKind::Script,
                    false
                ),
                ("/_next/static/chunks/77.9f8e.js", LinkKind::Script, false),
            ]
        );
        // CRA: the id, a hash lookup, an arrow function; public path "/".
        let cra =
            br#"o.p="/";o.u=e=>"static/js/"+e+"."+{12:"ab12",'vendors-x':"cd34"}[e]+".chunk.js";"#;
        assert_eq!(
            refs(&runtime_chunks(cra)),
            [
                ("/static/js/12.ab12.chunk.js", LinkKind::Script, false),
                (
                    "/static/js/vendors-x.cd34.chunk.js",
                    LinkKind::Script,
                    false
                ),
            ]
        );
        // The simplest shape, no public path: beside the runtime.
        let plain = br#"n.u=(e)=>e+"."+{5:"x9"}[e]+".js""#;
        assert_eq!(
            refs(&runtime_chunks(plain)),
            [("5.x9.js", LinkKind::Script, false)]
        );
        // A name lookup without `|| id` gives nothing for ids it lacks; junk gives nothing.
        let partial = br#"r.u=e=>"c/"+{1:"a"}[e]+"."+{1:"h1",2:"h2"}[e]+".js""#;
        assert_eq!(
            refs(&runtime_chunks(partial)),
            [("c/a.h1.js", LinkKind::Script, false)]
        );
        assert!(runtime_chunks(br#"r.u=e=>"c/"+{1:"../../x"}[e]+".js""#).is_empty());
        assert!(runtime_chunks(b"r.u=e=>{").is_empty());
        assert!(runtime_chunks(b"x.u=function(e){return e}").is_empty());
    }
}
