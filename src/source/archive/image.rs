//! Container images: a `docker save` tarball (`manifest.json` naming the config and the
//! layers, plain or gzipped), an OCI image layout written as a tar (`oci-layout`,
//! `index.json`, `blobs/sha256/…`), or an OCI image layout as a folder ([`expand_oci_dir`]).
//!
//! Every file of every layer is scanned, in layer order, with the layer's member name in its
//! chain (`app.tar!<layer>!app/.env`); a file that a later layer deletes (a whiteout
//! `.wh.NAME`, or an opaque `.wh..wh..opq` over its folder) or replaces is still in the image's
//! bytes, so it is reported, marked [`Origin::shadowed`] ("deleted in a later layer"), as
//! history reports a key that is no longer at HEAD. The image config is scanned too: its
//! `Env` as one line per variable (`app.tar!<config>!Env`), and `history[].created_by` as one
//! line per step (`…!history`), where `ARG` and `ENV` values of the build show.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ArchiveLimits, ArchiveStats, Kind, Level, Siblings, Visit, Walk, member_origin};
use crate::blob::Origin;
use crate::tree_file::{self, Refusal as NotRead};

/// One entry of a `docker save` `manifest.json`.
#[derive(Deserialize)]
struct DockerManifest {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// An OCI index (`index.json`) or image manifest: only what names the blobs.
#[derive(Deserialize)]
struct OciDocument {
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
    config: Option<OciDescriptor>,
    #[serde(default)]
    layers: Vec<OciDescriptor>,
}

#[derive(Deserialize)]
struct OciDescriptor {
    digest: String,
}

/// The image config: only the parts that hold build-time values.
#[derive(Deserialize, Default)]
struct ImageConfig {
    #[serde(default)]
    config: Option<RunConfig>,
    #[serde(default)]
    history: Vec<HistoryStep>,
}

#[derive(Deserialize, Default)]
struct RunConfig {
    #[serde(rename = "Env", default)]
    env: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct HistoryStep {
    #[serde(default)]
    created_by: Option<String>,
}

/// One image found in a tar: its config and layers, by member name.
struct Image {
    config: String,
    layers: Vec<String>,
}

/// Whether the tar `bytes` holds an image (`manifest.json` or `oci-layout` at its top).
pub(super) fn is_image(bytes: &[u8]) -> bool {
    let mut archive = ::tar::Archive::new(bytes);
    let Ok(entries) = archive.entries() else {
        return false;
    };
    for entry in entries.take(10_000) {
        let Ok(entry) = entry else { return false };
        let path = entry.path_bytes();
        let path = path.strip_prefix(b"./").unwrap_or(&path);
        if path == b"manifest.json" || path == b"oci-layout" {
            return true;
        }
    }
    false
}

/// Where an image's files are: the members of a tar, or the files of an OCI layout folder.
trait Store {
    /// The file `name` (`index.json`, `blobs/sha256/…`, a `docker save` layer), within the
    /// walk's limits; `None` when it is missing or over a limit.
    fn read(&mut self, walk: &mut Walk<'_, '_>, name: &str) -> Option<Vec<u8>>;
    /// The origin of the file `name`, which its findings hang from.
    fn origin(&self, name: &str) -> Origin;
    /// The image as a whole, for messages.
    fn image(&self) -> &Origin;
}

/// An image in a tar held in memory, with its small JSON documents read once.
struct TarStore<'b> {
    bytes: &'b [u8],
    small: HashMap<String, Vec<u8>>,
    origin: Origin,
}

impl Store for TarStore<'_> {
    fn read(&mut self, walk: &mut Walk<'_, '_>, name: &str) -> Option<Vec<u8>> {
        match self.small.get(name) {
            Some(data) => Some(data.clone()),
            None => member_bytes(walk, self.bytes, name),
        }
    }

    fn origin(&self, name: &str) -> Origin {
        member_origin(&self.origin, name.to_string())
    }

    fn image(&self) -> &Origin {
        &self.origin
    }
}

/// Scans the image(s) in the tar `bytes`: configs, then layers in order.
pub(super) fn expand(walk: &mut Walk<'_, '_>, bytes: &[u8], origin: &Origin, depth: u32) {
    let small = match small_files(walk, bytes) {
        Ok(files) => files,
        Err(error) => return walk.damaged(origin, error),
    };
    let mut store = TarStore {
        bytes,
        small,
        origin: origin.clone(),
    };
    expand_store(walk, &mut store, depth);
}

/// Scans the images of `store`: each config once, then each layer once, in order.
fn expand_store(walk: &mut Walk<'_, '_>, store: &mut dyn Store, depth: u32) {
    let images = match store.read(walk, "manifest.json") {
        Some(manifest) => match serde_json::from_slice::<Vec<DockerManifest>>(&manifest) {
            Ok(list) => list
                .into_iter()
                .map(|m| Image {
                    config: m.config,
                    layers: m.layers,
                })
                .collect(),
            Err(error) => {
                return walk.damaged(store.image(), format!("manifest.json: {error}"));
            }
        },
        None => oci_images(walk, store),
    };
    let mut done: HashSet<String> = HashSet::new();
    for image in images {
        if walk.stopped {
            return;
        }
        if done.insert(image.config.clone()) {
            if let Some(config) = store.read(walk, &image.config) {
                scan_config(walk, &store.origin(&image.config), &config);
            }
        }
        scan_layers(walk, store, &image.layers, &mut done, depth);
    }
}

/// Whether `dir` is an OCI image layout: an `oci-layout` file and an `index.json` in it.
pub fn is_oci_dir(dir: &Path) -> bool {
    let file = |name: &str| std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.is_file());
    file("oci-layout") && file("index.json")
}

/// An OCI image layout folder on disk.
struct DirStore {
    dir: PathBuf,
    root: PathBuf,
    origin: Origin,
    /// Names read (as the layout names them), so the rest can be scanned as files.
    used: HashSet<String>,
}

impl Store for DirStore {
    fn read(&mut self, walk: &mut Walk<'_, '_>, name: &str) -> Option<Vec<u8>> {
        // Only plain relative names below the folder: a hostile index cannot reach outside.
        let safe = !name.is_empty()
            && !name.starts_with('/')
            && name.split('/').all(|part| {
                !part.is_empty() && part != "." && part != ".." && !part.contains('\\')
            });
        if !safe {
            return None;
        }
        let path = self.dir.join(name);
        let shown = self.origin(name).quoted_path();
        // Regular files inside the scanned root only: a link in the layout (the blob, or a
        // folder on its way) is never followed.
        let file = match tree_file::open(&self.root, &path, walk.limits.max_member_size) {
            Ok(Some(file)) => file,
            Ok(None) | Err(NotRead::Symlink | NotRead::NotRegular(_)) => return None,
            Err(NotRead::TooLarge { .. }) => {
                self.used.insert(name.to_string());
                crate::warn!(
                    "{shown}: skipped: more than {} bytes (--max-file-size)",
                    walk.limits.max_member_size
                );
                return None;
            }
            Err(refusal @ NotRead::Outside) => {
                crate::warn!("{shown}: not read: {refusal}");
                return None;
            }
            Err(NotRead::Io(error)) => {
                self.used.insert(name.to_string());
                crate::err!("{shown}: {error}");
                return None;
            }
        };
        self.used.insert(name.to_string());
        match walk.read_member(file, u64::MAX, true) {
            Ok(data) => Some(data),
            Err(super::Refusal::Io(error)) => {
                crate::err!("{shown}: {error}");
                None
            }
            Err(_) => {
                crate::warn!(
                    "{}: image not read past {shown}: more than {} bytes in all",
                    self.origin.quoted_path(),
                    walk.limits.max_total_bytes
                );
                None
            }
        }
    }

    fn origin(&self, name: &str) -> Origin {
        Origin::walked(&self.dir.join(name), &self.root)
    }

    fn image(&self) -> &Origin {
        &self.origin
    }
}

/// Scans the OCI image layout folder `dir` (found walking `root`) as an image: configs and
/// layers as [`expand`] reads them from a tar, each layer's files named after the blob file
/// on disk (`oci/blobs/sha256/<digest>!app/.env`). Returns the layout's other files (blobs no
/// image names, anything else put there), for the caller to scan as the files they are.
pub fn expand_oci_dir(
    dir: &Path,
    root: &Path,
    limits: &ArchiveLimits,
    stats: &mut ArchiveStats,
    visit: &mut Visit<'_>,
) -> Vec<PathBuf> {
    let mut store = DirStore {
        dir: dir.to_path_buf(),
        root: root.to_path_buf(),
        origin: Origin::walked(dir, root),
        used: HashSet::new(),
    };
    {
        let mut walk = Walk::new(limits, stats, visit);
        walk.stats.num_archives += 1;
        expand_store(&mut walk, &mut store, 1);
    }
    let mut rest = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let name = path
                    .strip_prefix(dir)
                    .map(|p| p.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/"))
                    .unwrap_or_default();
                if name != "oci-layout" && !store.used.contains(&name) {
                    rest.push(path);
                }
            }
        }
    }
    rest.sort();
    rest
}

/// Whether the first entry of the tar stream `reader` is named as a container image's first
/// entries are (`blobs/…`, `oci-layout`, `index.json`, `manifest.json`, `repositories`, or a
/// `docker save` layer folder or config named by a 64-hex digest), so that a gzipped tar is
/// inflated in memory to be read as an image. An `npm pack` tarball (`package/…`) is not.
pub(super) fn first_entry_looks_like_image(reader: impl Read) -> bool {
    let mut archive = ::tar::Archive::new(reader);
    let Ok(mut entries) = archive.entries() else {
        return false;
    };
    let Some(Ok(entry)) = entries.next() else {
        return false;
    };
    let path = entry.path_bytes();
    let name = String::from_utf8_lossy(&path);
    let name = name.strip_prefix("./").unwrap_or(&name);
    let top = name.split('/').next().unwrap_or_default();
    let digest = top.strip_suffix(".json").unwrap_or(top);
    matches!(
        top,
        "blobs" | "oci-layout" | "index.json" | "manifest.json" | "repositories"
    ) || (digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The JSON documents of an image tar (every member up to 1 MiB that is not a layer), by name.
fn small_files(walk: &Walk<'_, '_>, bytes: &[u8]) -> std::io::Result<HashMap<String, Vec<u8>>> {
    let mut files = HashMap::new();
    let mut archive = ::tar::Archive::new(bytes);
    for (count, entry) in archive.entries()?.enumerate() {
        if count as u64 >= walk.limits.max_entries {
            break;
        }
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() || entry.size() > 1 << 20 {
            continue;
        }
        let name = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        files.insert(name, data);
    }
    Ok(files)
}

fn normalise(name: &str) -> String {
    name.strip_prefix("./").unwrap_or(name).to_string()
}

/// The images an OCI layout's `index.json` names (following nested indexes two deep).
fn oci_images(walk: &mut Walk<'_, '_>, store: &mut dyn Store) -> Vec<Image> {
    let Some(index) = store.read(walk, "index.json") else {
        walk.damaged(store.image(), "an OCI layout without index.json");
        return Vec::new();
    };
    let parse = |data: &[u8]| serde_json::from_slice::<OciDocument>(data).ok();
    let Some(index) = parse(&index) else {
        walk.damaged(store.image(), "index.json is not an OCI index");
        return Vec::new();
    };
    let mut images = Vec::new();
    let mut pending: Vec<(String, u32)> = index
        .manifests
        .into_iter()
        .map(|d| (blob_name(&d.digest), 0))
        .collect();
    while let Some((name, level)) = pending.pop() {
        let Some(document) = store.read(walk, &name).and_then(|d| parse(&d)) else {
            walk.damaged(
                store.image(),
                format!("{name}: not a readable OCI manifest"),
            );
            continue;
        };
        if let Some(config) = document.config {
            images.push(Image {
                config: blob_name(&config.digest),
                layers: document
                    .layers
                    .iter()
                    .map(|l| blob_name(&l.digest))
                    .collect(),
            });
        } else if level < 2 {
            pending.extend(
                document
                    .manifests
                    .into_iter()
                    .map(|d| (blob_name(&d.digest), level + 1)),
            );
        }
    }
    images.reverse();
    images
}

/// `blobs/ALG/HEX` for a digest `ALG:HEX`.
fn blob_name(digest: &str) -> String {
    let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    format!("blobs/{alg}/{hex}")
}

/// One member's bytes, found by name, within the member limits.
fn member_bytes(walk: &mut Walk<'_, '_>, bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    let mut archive = ::tar::Archive::new(bytes);
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        if normalise(&String::from_utf8_lossy(&entry.path_bytes())) != name {
            continue;
        }
        if entry.size() > walk.limits.max_member_size {
            return None;
        }
        return walk.read_member(&mut entry, u64::MAX, true).ok();
    }
    None
}

/// The config's `Env` and `history` as text blobs of their own.
fn scan_config(walk: &mut Walk<'_, '_>, config_origin: &Origin, data: &[u8]) {
    let config: ImageConfig = match serde_json::from_slice(data) {
        Ok(config) => config,
        Err(error) => {
            return walk.damaged(config_origin, format!("not an image config: {error}"));
        }
    };
    let none = Siblings::none(walk.limits);
    let env = config.config.and_then(|c| c.env).unwrap_or_default();
    if !env.is_empty() {
        let text = env.join("\n") + "\n";
        walk.emit(
            member_origin(config_origin, "Env".into()),
            text.into_bytes(),
            &none,
        );
    }
    let steps: Vec<String> = config
        .history
        .into_iter()
        .map(|s| s.created_by.unwrap_or_default().replace('\n', " "))
        .collect();
    if !steps.is_empty() {
        let text = steps.join("\n") + "\n";
        walk.emit(
            member_origin(config_origin, "history".into()),
            text.into_bytes(),
            &none,
        );
    }
}

/// Every layer's files, in order; those a later layer deletes or replaces are marked.
fn scan_layers(
    walk: &mut Walk<'_, '_>,
    store: &mut dyn Store,
    layers: &[String],
    done: &mut HashSet<String>,
    depth: u32,
) {
    // The layers, inflated once each and kept for the two passes (bounded by the walk's
    // total and member limits).
    let mut inflated: Vec<(String, Vec<u8>)> = Vec::new();
    for name in layers {
        let Some(data) = store.read(walk, name) else {
            crate::warn!(
                "{}: image layer not read (missing, or over a limit)",
                store.origin(name).quoted_path()
            );
            continue;
        };
        let data = if data.starts_with(b"\x1f\x8b") {
            let compressed = data.len() as u64;
            match walk.read_member(
                flate2::read::MultiGzDecoder::new(&data[..]),
                compressed,
                true,
            ) {
                Ok(tar) => tar,
                Err(refusal) => {
                    walk.refused(store.image(), name, refusal);
                    continue;
                }
            }
        } else {
            data
        };
        inflated.push((name.clone(), data));
    }
    // What each layer deletes or replaces, to mark the files of the layers below it.
    let listings: Vec<Listing> = inflated.iter().map(|(_, tar)| Listing::of(tar)).collect();
    for (index, (name, tar)) in inflated.iter().enumerate() {
        if !done.insert(name.clone()) {
            continue;
        }
        let layer_origin = store.origin(name);
        let level = Level {
            depth,
            siblings: Siblings::new(Kind::Tar, tar, walk.limits),
        };
        let mut archive = ::tar::Archive::new(&tar[..]);
        let Ok(entries) = archive.entries() else {
            walk.damaged(&layer_origin, "layer is not a tar");
            continue;
        };
        for entry in entries {
            if walk.stopped {
                return;
            }
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    walk.damaged(&layer_origin, error);
                    break;
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            if file_name(&path).starts_with(".wh.") {
                continue;
            }
            if entry.size() > walk.limits.max_member_size {
                walk.refused(&layer_origin, &path, super::Refusal::TooLarge);
                continue;
            }
            match walk.read_member(&mut entry, u64::MAX, false) {
                Ok(data) => {
                    let mut member = member_origin(&layer_origin, path.clone());
                    member.shadowed = listings[index + 1..].iter().any(|l| l.hides(&path));
                    walk.member_at(member, data, &level);
                }
                Err(refusal) => walk.refused(&layer_origin, &path, refusal),
            }
        }
    }
}

fn file_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// What one layer does to the layers below it: files it adds (and so replaces), whiteouts
/// (`.wh.NAME` deletes NAME) and opaque folders (`.wh..wh..opq` hides the folder's content).
#[derive(Default)]
struct Listing {
    added: HashSet<String>,
    deleted: HashSet<String>,
    opaque: HashSet<String>,
}

impl Listing {
    fn of(tar: &[u8]) -> Listing {
        let mut listing = Listing::default();
        let mut archive = ::tar::Archive::new(tar);
        let Ok(entries) = archive.entries() else {
            return listing;
        };
        for entry in entries {
            let Ok(entry) = entry else { break };
            let path = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            let path = path.trim_end_matches('/');
            let (dir, name) = match path.rsplit_once('/') {
                Some((dir, name)) => (dir.to_string(), name),
                None => (String::new(), path),
            };
            if name == ".wh..wh..opq" {
                listing.opaque.insert(dir);
            } else if let Some(deleted) = name.strip_prefix(".wh.") {
                listing.deleted.insert(join(&dir, deleted));
            } else {
                listing.added.insert(path.to_string());
            }
        }
        listing
    }

    /// Whether this layer deletes or replaces `path` of a lower layer.
    fn hides(&self, path: &str) -> bool {
        if self.added.contains(path) {
            return true;
        }
        let mut at = path;
        loop {
            if self.deleted.contains(at) {
                return true;
            }
            let Some((dir, _)) = at.rsplit_once('/') else {
                return self.opaque.contains("") && at != path;
            };
            if self.opaque.contains(dir) {
                return true;
            }
            at = dir;
        }
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whiteouts_hide_files_and_folders_below() {
        let listing = Listing {
            added: ["app/main.js".to_string()].into(),
            deleted: ["app/.env".to_string(), "secrets".to_string()].into(),
            opaque: ["cache".to_string()].into(),
        };
        assert!(listing.hides("app/.env"));
        assert!(listing.hides("app/main.js"));
        assert!(listing.hides("secrets/key.txt"));
        assert!(listing.hides("cache/a/b"));
        assert!(!listing.hides("app/other.js"));
        assert!(!listing.hides("cachet/x"));
        assert_eq!(blob_name("sha256:ab12"), "blobs/sha256/ab12");
    }
}
