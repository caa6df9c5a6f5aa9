//! Just enough of URLs for the crawler: `http(s)://host[:port]/path?query` split into an
//! origin and a path, and references resolved against a base as browsers do for the shapes
//! pages and bundles use (absolute, scheme-relative, root-relative, relative with `./` and
//! `../`). Fragments are dropped: they never change what a server sends.

/// An absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Url {
    /// `http` or `https`.
    pub scheme: String,
    /// Host and port as written, lowercased (`127.0.0.1:8080`).
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parses an absolute http(s) URL; `None` for anything else.
    pub fn parse(text: &str) -> Option<Url> {
        let text = text.trim();
        let (scheme, rest) = text.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        // Whitespace before a fragment is the end of the URL too (found by
        // fuzz/fuzz_targets/site_links.rs: `/a #x` resolved to `/a `).
        let rest = rest.split('#').next().unwrap_or(rest).trim_end();
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        // Credentials in a URL are never sent.
        if authority.is_empty()
            || authority.contains('@')
            || authority.contains(char::is_whitespace)
        {
            return None;
        }
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Some(Url {
            scheme,
            authority: authority.to_ascii_lowercase(),
            path: normalise(&path),
        })
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        match self.authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => &self.authority,
        }
    }

    /// `scheme://authority`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// The path without the query.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }

    /// `reference` resolved against this URL; `None` for `data:`, `javascript:`, `mailto:`
    /// and other schemes.
    pub fn join(&self, reference: &str) -> Option<Url> {
        let reference = reference.split('#').next().unwrap_or(reference).trim();
        if reference.is_empty() {
            return None;
        }
        if let Some(rest) = reference.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme));
        }
        if reference.contains("://") {
            return Url::parse(reference);
        }
        if let Some((scheme, _)) = reference.split_once(':') {
            if scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+')
            {
                return None;
            }
        }
        let path = if reference.starts_with('/') {
            reference.to_string()
        } else if reference.starts_with('?') {
            format!("{}{reference}", self.path_only())
        } else {
            let dir = match self.path_only().rfind('/') {
                Some(at) => &self.path[..=at],
                None => "/",
            };
            format!("{dir}{reference}")
        };
        Some(Url {
            scheme: self.scheme.clone(),
            authority: self.authority.clone(),
            path: normalise(&path),
        })
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.path)
    }
}

/// `path` with `.` and `..` segments removed (never above the root).
fn normalise(path: &str) -> String {
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    let mut text = format!("/{}", out.join("/"));
    if let Some(query) = query {
        text.push('?');
        text.push_str(query);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_as_in_browsers() {
        let base = Url::parse("http://127.0.0.1:8080/assets/index.js?v=1#x").expect("url");
        assert_eq!(base.path, "/assets/index.js?v=1");
        assert_eq!(base.host(), "127.0.0.1");
        let join = |r: &str| base.join(r).map(|u| u.to_string());
        assert_eq!(
            join("./Lazy.js").as_deref(),
            Some("http://127.0.0.1:8080/assets/Lazy.js")
        );
        assert_eq!(
            join("../a/../b.js").as_deref(),
            Some("http://127.0.0.1:8080/b.js")
        );
        assert_eq!(
            join("/x.js#frag").as_deref(),
            Some("http://127.0.0.1:8080/x.js")
        );
        assert_eq!(
            join("//cdn.example/x.js").as_deref(),
            Some("http://cdn.example/x.js")
        );
        assert_eq!(
            join("../../../../etc").as_deref(),
            Some("http://127.0.0.1:8080/etc")
        );
        assert_eq!(
            join("..2a #ref").as_deref(),
            Some("http://127.0.0.1:8080/assets/..2a")
        );
        assert_eq!(
            Url::parse("http://h/a #x").map(|u| u.path),
            Some("/a".to_string())
        );
        assert_eq!(join("data:text/javascript,1"), None);
        assert_eq!(join("javascript:void(0)"), None);
        assert_eq!(Url::parse("ftp://x/"), None);
        assert_eq!(Url::parse("http://user:pw@host/"), None);
        assert_eq!(
            Url::parse("http://Host:1")
                .map(|u| u.to_string())
                .as_deref(),
            Some("http://host:1/")
        );
    }
}
