//! What detection reads from a blob's path, as one small value: [`PathClass`]. The scanner
//! looks at a path only through it, so two paths of the same class give the same findings for
//! the same content. The history scan relies on that to read each blob once per class it
//! appears under rather than once per path (a blob copied to `a.txt` and `dist/app.js.map` is
//! scanned as both: issue 19), and never only under the first path it was seen at.

use super::context;
use super::sourcemap;

/// The features of a path that change what the scanner finds in a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathClass {
    bundle: BundleByPath,
    /// `*.map`: when it is a bundle, a source map is scanned through its sources.
    map: bool,
    /// `*.yaml`, `*.yml`, `*.json` or standard input: a Kubernetes `Secret` is decoded whole.
    manifest: bool,
    /// An API client's collection or environment (Postman, Insomnia, Bruno, REST client): a
    /// key-named variable in one that targets the VoiceInfra API is its key (issue 13).
    api_client: bool,
}

/// Whether a blob at this path is front-end code shipped to browsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum BundleByPath {
    No,
    Yes,
    /// JavaScript (or standard input) outside build output: if its content looks minified.
    IfMinified,
    /// A `*.map` that is not `*.js.map`: if its content is a source map.
    IfMap,
}

impl PathClass {
    /// The class of `path`, `/`-separated and relative to the scanned root (`<stdin>` for
    /// standard input).
    pub fn of(path: &str) -> PathClass {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let stdin = path == "<stdin>";
        let map = sourcemap::is_map_name(name);
        let bundle = if map {
            if [".js.map", ".mjs.map", ".cjs.map"]
                .iter()
                .any(|ext| name.ends_with(ext))
            {
                BundleByPath::Yes
            } else {
                BundleByPath::IfMap
            }
        } else if name.ends_with(".html") || name.ends_with(".htm") {
            // A page in build output ships its inline scripts (`window.__ENV__ = {…}`, Next's
            // `__NEXT_DATA__`) to every visitor, like a bundle does.
            if context::in_build_dir(&lower)
                || lower.starts_with(".next/")
                || lower.contains("/.next/")
            {
                BundleByPath::Yes
            } else {
                BundleByPath::No
            }
        } else if [".js", ".mjs", ".cjs"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            if context::bundle_path(&lower, name) {
                BundleByPath::Yes
            } else {
                BundleByPath::IfMinified
            }
        } else if stdin {
            BundleByPath::IfMinified
        } else {
            BundleByPath::No
        };
        let manifest = stdin
            || [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext));
        PathClass {
            bundle,
            map,
            manifest,
            api_client: is_api_client_name(name),
        }
    }

    /// The same class for a path the configuration names as a bundle.
    pub fn as_bundle(self) -> PathClass {
        PathClass {
            bundle: BundleByPath::Yes,
            ..self
        }
    }

    /// Whether a blob of this class with `content` is a bundle.
    pub fn is_bundle(self, content: &[u8]) -> bool {
        match self.bundle {
            BundleByPath::No => false,
            BundleByPath::Yes => true,
            BundleByPath::IfMinified => context::looks_minified(content),
            BundleByPath::IfMap => sourcemap::looks_like_map(content),
        }
    }

    /// Whether the path names a source map (`*.map`).
    pub fn is_map(self) -> bool {
        self.map
    }

    /// Whether the path names an API client's collection or environment file.
    pub fn is_api_client(self) -> bool {
        self.api_client
    }

    /// Whether the path names a manifest that may hold a Kubernetes `Secret`.
    pub fn is_manifest(self) -> bool {
        self.manifest
    }
}

/// Postman collections, environments and globals, Insomnia exports, Bruno requests and
/// environments, and REST-client (`.http`, `.rest`) files, by their lowercase file `name`.
fn is_api_client_name(name: &str) -> bool {
    [
        ".postman_collection.json",
        ".postman_environment.json",
        ".postman_globals.json",
        ".bru",
        ".http",
        ".rest",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
        || name.starts_with("insomnia") && (name.ends_with(".json") || name.ends_with(".yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_tell_apart_what_detection_treats_differently() {
        let plain = PathClass::of("a.txt");
        for path in [
            "dist/app.js.map",
            "x.map",
            "k8s/secret.yaml",
            "dist/index.html",
            "src/app.js",
            "dist/app.js",
            "<stdin>",
            "api/VoiceInfra.postman_environment.json",
            "bruno/calls/list.bru",
            "requests.http",
        ] {
            assert_ne!(PathClass::of(path), plain, "{path}");
        }
        assert_eq!(PathClass::of("b/c.txt"), plain);
        assert_eq!(PathClass::of("src/a.JS"), PathClass::of("lib/b.js"));
        assert!(PathClass::of("dist/app.js").is_bundle(b"x"));
        assert!(!PathClass::of("src/app.js").is_bundle(b"let x = 1;\n"));
        assert!(PathClass::of("a.txt").as_bundle().is_bundle(b"x"));
        assert!(PathClass::of("k.YML").is_manifest());
        assert!(PathClass::of("a/b.css.map").is_map());
        assert!(PathClass::of("x/Acme.postman_collection.json").is_api_client());
        assert!(PathClass::of("Insomnia_2024-05-01.json").is_api_client());
        assert!(!PathClass::of("package.json").is_api_client());
        assert_eq!(
            PathClass::of("a.postman_environment.json"),
            PathClass::of("b/c.postman_collection.json")
        );
    }
}
