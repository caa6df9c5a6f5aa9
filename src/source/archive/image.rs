//! Container images inside a tar: a `docker save` tarball (`manifest.json` naming the config
//! and the layers) or an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`).
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

use serde::Deserialize;

use super::{Walk, member_origin};
use crate::blob::Origin;

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

/// Scans the image(s) in the tar `bytes`: configs, then layers in order.
pub(super) fn expand(walk: &mut Walk<'_>, bytes: &[u8], origin: &Origin, depth: u32) {
    let files = match small_files(walk, bytes) {
        Ok(files) => files,
        Err(error) => return walk.damaged(origin, error),
    };
    let images = if let Some(manifest) = files.get("manifest.json") {
        match serde_json::from_slice::<Vec<DockerManifest>>(manifest) {
            Ok(list) => list
                .into_iter()
                .map(|m| Image {
                    config: m.config,
                    layers: m.layers,
                })
                .collect(),
            Err(error) => return walk.damaged(origin, format!("manifest.json: {error}")),
        }
    } else {
        oci_images(walk, bytes, &files, origin)
    };
    let mut done: HashSet<String> = HashSet::new();
    for image in images {
        if walk.stopped {
            return;
        }
        if done.insert(image.config.clone()) {
            if let Some(config) = member_bytes(walk, bytes, &image.config) {
                scan_config(walk, origin, &image.config, &config);
            }
        }
        scan_layers(walk, bytes, origin, &image.layers, &mut done, depth);
    }
}

/// The JSON documents of an image tar (every member up to 1 MiB that is not a layer), by name.
fn small_files(walk: &Walk<'_>, bytes: &[u8]) -> std::io::Result<HashMap<String, Vec<u8>>> {
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

/// The images an OCI layout's `index.json` names (following one nested index).
fn oci_images(
    walk: &mut Walk<'_>,
    bytes: &[u8],
    files: &HashMap<String, Vec<u8>>,
    origin: &Origin,
) -> Vec<Image> {
    let Some(index) = files.get("index.json") else {
        walk.damaged(origin, "an OCI layout without index.json");
        return Vec::new();
    };
    let parse = |data: &[u8]| serde_json::from_slice::<OciDocument>(data).ok();
    let Some(index) = parse(index) else {
        walk.damaged(origin, "index.json is not an OCI index");
        return Vec::new();
    };
    let mut images = Vec::new();
    let mut pending: Vec<(String, u32)> = index
        .manifests
        .into_iter()
        .map(|d| (blob_name(&d.digest), 0))
        .collect();
    while let Some((name, level)) = pending.pop() {
        let Some(document) = files
            .get(&name)
            .and_then(|d| parse(d))
            .or_else(|| member_bytes(walk, bytes, &name).and_then(|d| parse(&d)))
        else {
            walk.damaged(origin, format!("{name}: not a readable OCI manifest"));
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
fn member_bytes(walk: &mut Walk<'_>, bytes: &[u8], name: &str) -> Option<Vec<u8>> {
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
fn scan_config(walk: &mut Walk<'_>, origin: &Origin, name: &str, data: &[u8]) {
    let config: ImageConfig = match serde_json::from_slice(data) {
        Ok(config) => config,
        Err(error) => return walk.damaged(origin, format!("{name}: not an image config: {error}")),
    };
    let config_origin = member_origin(origin, name.to_string());
    let env = config.config.and_then(|c| c.env).unwrap_or_default();
    if !env.is_empty() {
        let text = env.join("\n") + "\n";
        walk.emit(
            member_origin(&config_origin, "Env".into()),
            text.into_bytes(),
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
            member_origin(&config_origin, "history".into()),
            text.into_bytes(),
        );
    }
}

/// Every layer's files, in order; those a later layer deletes or replaces are marked.
fn scan_layers(
    walk: &mut Walk<'_>,
    bytes: &[u8],
    origin: &Origin,
    layers: &[String],
    done: &mut HashSet<String>,
    depth: u32,
) {
    // The layers, inflated once each and kept for the two passes (bounded by the walk's
    // total and member limits).
    let mut inflated: Vec<(String, Vec<u8>)> = Vec::new();
    for name in layers {
        let Some(data) = member_bytes(walk, bytes, name) else {
            crate::warn!(
                "{}: image layer not read (missing, or over a limit)",
                member_origin(origin, name.clone()).quoted_path()
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
                    walk.refused(origin, name, refusal);
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
        let layer_origin = member_origin(origin, name.clone());
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
                    walk.member_at(member, data, depth);
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
