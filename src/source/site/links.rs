//! What a page or a script names that a browser would fetch: HTML through a tokenizer
//! (`html5gum`),
//! never regexes over markup; scripts through a few patterns over their string literals (a
//! bundle is one long line of code, and chunk names sit in string literals).

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
    let mut seen = std::collections::HashSet::new();
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
}
