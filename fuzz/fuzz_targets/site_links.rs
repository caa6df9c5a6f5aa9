//! The crawler's readers (`source::site`): link discovery in HTML (the tokenizer) and in
//! scripts (imports, chunk paths, webpack runtime chunk maps, source-map comments) and JSON
//! build manifests, and URL resolution of every link
//! found against a base URL made from the input's first line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use viscan::source::site::Url;
use viscan::source::site::links;

fuzz_target!(|data: &[u8]| {
    let (first, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let base = Url::parse(&format!(
        "http://127.0.0.1:8080/{}",
        String::from_utf8_lossy(first)
    ))
    .or_else(|| Url::parse("http://127.0.0.1:8080/"))
    .expect("a plain URL parses");
    for link in links::of_html(body)
        .into_iter()
        .chain(links::of_script(body))
        .chain(links::of_manifest(body).unwrap_or_default())
    {
        assert!(!link.reference.is_empty());
        if let Some(url) = base.join(&link.reference) {
            // Resolved paths are absolute and never climb above the root.
            assert!(url.path.starts_with('/'), "{url}");
            assert!(
                !url.path_only().split('/').any(|s| s == ".." || s == "."),
                "{url}"
            );
            // A resolved URL parses back to itself.
            assert_eq!(Url::parse(&url.to_string()).as_ref(), Some(&url));
        }
    }
});
