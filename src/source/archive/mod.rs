//! Archives and packages as a source: a blob whose name and first bytes say it is a zip
//! (`.zip`, `.jar`, `.war`, `.apk`, `.aab`, `.ipa`, `.whl`, `.nupkg`, `.vsix`), a tar (`.tar`,
//! `.tgz`, `.tar.gz`) or a single gzip file (`app.js.gz`) is opened in memory and each member
//! becomes a blob of its own, nested archives included up to [`ArchiveLimits::max_depth`].
//!
//! A member's [`Origin`] keeps the outer file as its `path` and the member chain in
//! [`Origin::members`]; its `within_root` is the chain joined with `!`
//! (`dist/site.zip!pkg.tgz!package/dist/index.js`), so the scanner classes a member by its own
//! name (a minified bundle inside a tarball is a bundle) and fingerprints carry the member path,
//! without the scanner knowing anything about archives.
//!
//! Archives are hostile input: nothing is ever written to disk, member names are only shown
//! (escaped), and every limit — member size, inflated bytes, compression ratio, entry count,
//! nesting — stops that part of the work with a warning that names the archive; a corrupt or
//! truncated archive is a warning too, and what was read before the damage is still scanned.
//!
//! A tar (or `.tar.gz`) that holds a container image (`docker save`, or an OCI layout as a
//! tar) is read as one, and so is an OCI layout folder: see [`image`].
//!
//! A member's source map is found among its siblings in the same archive (see [`Siblings`]):
//! never outside it, and read within the same limits.

mod image;
mod siblings;
mod tar;
mod zip;

use std::io::{self, Read};

pub use image::{expand_oci_dir, is_oci_dir};
pub use siblings::Siblings;

use crate::blob::{Blob, Origin, quote_path};

/// Bounds on what one archive (with everything nested in it) may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Archives nested deeper than this are not opened (the outer archive is depth 1).
    pub max_depth: u32,
    /// Members inflating to more than this many bytes are skipped.
    pub max_member_size: u64,
    /// Bytes inflated from one outer archive, all nesting included.
    pub max_total_bytes: u64,
    /// Inflated bytes per compressed byte, checked once a member passes [`RATIO_FLOOR`].
    pub max_ratio: u64,
    /// Entries read from one archive.
    pub max_entries: u64,
}

impl ArchiveLimits {
    /// Default nesting limit (`--max-archive-depth`).
    pub const DEFAULT_DEPTH: u32 = 4;

    /// The defaults, with `max_member_size` the walk's `--max-file-size`.
    pub fn new(max_member_size: u64) -> ArchiveLimits {
        ArchiveLimits {
            max_depth: Self::DEFAULT_DEPTH,
            max_member_size,
            max_total_bytes: 1 << 30,
            max_ratio: 1000,
            max_entries: 100_000,
        }
    }
}

/// Below this many inflated bytes the ratio is not checked: small members of zeros or
/// repeated text legitimately compress beyond any ratio.
pub const RATIO_FLOOR: u64 = 1 << 20;

/// What an archive's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip file (and the packages built on it: jar, apk, ipa, wheel, …).
    Zip,
    /// An uncompressed tar.
    Tar,
    /// A gzip-compressed tar (`npm pack`'s `.tgz`).
    TarGz,
    /// One gzip-compressed file (`app.js.gz`).
    Gzip,
}

const ZIP_EXTENSIONS: &[&str] = &[
    ".zip", ".jar", ".war", ".apk", ".aab", ".ipa", ".whl", ".nupkg", ".vsix",
];

impl Kind {
    /// The kind `name` (a file or member name) says, confirmed by the first bytes; `None` for
    /// anything else, including a `.zip` that is not one (it is then scanned as a file).
    pub fn of(name: &str, bytes: &[u8]) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        let kind = if ZIP_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
            Kind::Zip
        } else if lower.ends_with(".tgz") || lower.ends_with(".tar.gz") {
            Kind::TarGz
        } else if lower.ends_with(".tar") {
            Kind::Tar
        } else if lower.ends_with(".gz") {
            Kind::Gzip
        } else {
            return None;
        };
        let magic = match kind {
            Kind::Zip => bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06"),
            Kind::Tar => bytes.get(257..262) == Some(b"ustar"),
            Kind::TarGz | Kind::Gzip => bytes.starts_with(b"\x1f\x8b"),
        };
        magic.then_some(kind)
    }
}

/// Counters an expansion reports back (for the summary and `--verbose`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveStats {
    /// Archives opened (nested ones included).
    pub num_archives: u64,
    /// Members handed to the visitor.
    pub num_members: u64,
}

/// What an expansion hands each member to: the member, and the archive it came from (to find
/// its source map).
pub type Visit<'v> = dyn FnMut(&Blob, &Siblings<'_>) + 'v;

/// If `blob` is an archive (see [`Kind::of`]), hands each member to `visit` as a blob and
/// returns `true`; otherwise returns `false` and the caller scans `blob` itself.
pub fn expand(
    blob: &Blob,
    limits: &ArchiveLimits,
    stats: &mut ArchiveStats,
    visit: &mut Visit<'_>,
) -> bool {
    let name = last_name(&blob.origin);
    let Some(kind) = Kind::of(&name, &blob.bytes) else {
        return false;
    };
    let mut walk = Walk::new(limits, stats, visit);
    walk.archive(kind, &blob.bytes, &blob.origin, 1);
    true
}

/// The name that decides a blob's kind: its innermost member, else its file name.
fn last_name(origin: &Origin) -> String {
    match origin.members.last() {
        Some(member) => member.clone(),
        None => origin
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// One expansion of an outer archive: the limits, the inflated-bytes budget spent so far.
struct Walk<'a, 'v> {
    limits: &'a ArchiveLimits,
    stats: &'a mut ArchiveStats,
    visit: &'a mut Visit<'v>,
    /// Bytes inflated so far from the outer archive.
    total: u64,
    /// Set once the total budget is spent: nothing more is read.
    stopped: bool,
}

/// Where a member sits: how deep in nesting, and the archive holding it (its siblings).
struct Level<'b> {
    depth: u32,
    siblings: Siblings<'b>,
}

/// Why reading one member stopped early.
enum Refusal {
    /// Over the member size limit.
    TooLarge,
    /// Over the compression-ratio limit.
    Ratio,
    /// Over the total inflated-bytes limit.
    Total,
    /// The data itself could not be read.
    Io(io::Error),
}

impl<'a, 'v> Walk<'a, 'v> {
    fn new(
        limits: &'a ArchiveLimits,
        stats: &'a mut ArchiveStats,
        visit: &'a mut Visit<'v>,
    ) -> Walk<'a, 'v> {
        Walk {
            limits,
            stats,
            visit,
            total: 0,
            stopped: false,
        }
    }
}

impl Walk<'_, '_> {
    fn archive(&mut self, kind: Kind, bytes: &[u8], origin: &Origin, depth: u32) {
        self.stats.num_archives += 1;
        let level = Level {
            depth,
            siblings: Siblings::new(kind, bytes, self.limits),
        };
        match kind {
            Kind::Zip => zip::expand(self, bytes, origin, &level),
            Kind::Tar if image::is_image(bytes) => image::expand(self, bytes, origin, depth),
            Kind::Tar => tar::expand(self, bytes, None, origin, &level),
            Kind::TarGz => self.tar_gz(bytes, origin, &level),
            Kind::Gzip => self.gzip(bytes, origin, &level),
        }
    }

    /// A `.tgz`/`.tar.gz`: streamed through the tar reader, unless its first entry looks
    /// like a container image's (`docker save | gzip`): that one is inflated in memory (within
    /// the member limits) to be read as an image, whose manifest sits anywhere in it.
    fn tar_gz(&mut self, bytes: &[u8], origin: &Origin, level: &Level<'_>) {
        if image::first_entry_looks_like_image(flate2::read::MultiGzDecoder::new(bytes)) {
            let reader = flate2::read::MultiGzDecoder::new(bytes);
            match self.read_member(reader, bytes.len() as u64, false) {
                Ok(tar) => {
                    self.total += tar.len() as u64;
                    if image::is_image(&tar) {
                        return image::expand(self, &tar, origin, level.depth);
                    }
                    // Not an image after all: its members from memory, not inflated twice.
                    return tar::expand(self, &tar[..], None, origin, level);
                }
                Err(refusal) => {
                    let shown = origin.quoted_path();
                    match refusal {
                        Refusal::TooLarge => crate::warn!(
                            "{shown}: not read as a container image: it inflates to more than \
                             {} bytes (--max-file-size); its files are read as a plain tar",
                            self.limits.max_member_size
                        ),
                        _ => crate::warn!(
                            "{shown}: not read as a container image: it could not be inflated \
                             within the limits; its files are read as a plain tar"
                        ),
                    }
                }
            }
        }
        let inflated = flate2::read::MultiGzDecoder::new(bytes);
        tar::expand(self, inflated, Some(bytes.len() as u64), origin, level);
    }

    /// A single gzip file: one member, named as the file less `.gz`.
    fn gzip(&mut self, bytes: &[u8], origin: &Origin, level: &Level<'_>) {
        let name = last_name(origin);
        let inner = name
            .get(..name.len().saturating_sub(3))
            .filter(|n| !n.is_empty())
            .unwrap_or("data")
            .to_string();
        let inner = inner.rsplit('/').next().unwrap_or(&inner).to_string();
        let reader = flate2::read::MultiGzDecoder::new(bytes);
        match self.read_member(reader, bytes.len() as u64, true) {
            Ok(data) => self.member(origin, inner, data, level),
            Err(refusal) => self.refused(origin, &inner, refusal),
        }
    }

    /// Reads one member's inflated bytes within every limit. `compressed` is what the member
    /// takes in the archive (for the ratio); `count` says whether its bytes count against the
    /// total (not when the stream they come from is counted already).
    fn read_member(
        &mut self,
        reader: impl Read,
        compressed: u64,
        count: bool,
    ) -> Result<Vec<u8>, Refusal> {
        let mut data = Vec::new();
        let mut reader = reader;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => return Ok(data),
                Ok(n) => n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(Refusal::Io(error)),
            };
            let len = data.len() as u64 + n as u64;
            if len > self.limits.max_member_size {
                return Err(Refusal::TooLarge);
            }
            if len > RATIO_FLOOR && len > compressed.max(1).saturating_mul(self.limits.max_ratio) {
                return Err(Refusal::Ratio);
            }
            if count {
                self.total += n as u64;
            }
            if self.total > self.limits.max_total_bytes {
                self.stopped = true;
                return Err(Refusal::Total);
            }
            data.extend_from_slice(&chunk[..n]);
            if crate::interrupt::requested() {
                return Err(Refusal::Io(io::Error::other("interrupted")));
            }
        }
    }

    /// Hands one member on: into its own expansion when it is an archive too, else to the
    /// visitor.
    fn member(&mut self, parent: &Origin, name: String, data: Vec<u8>, level: &Level<'_>) {
        self.member_at(member_origin(parent, name), data, level);
    }

    /// [`Walk::member`] for a member whose origin is made already.
    fn member_at(&mut self, origin: Origin, data: Vec<u8>, level: &Level<'_>) {
        if let Some(kind) = Kind::of(&last_name(&origin), &data) {
            if level.depth < self.limits.max_depth {
                self.archive(kind, &data, &origin, level.depth + 1);
                return;
            }
            crate::warn!(
                "{}: nested archive not opened: deeper than --max-archive-depth {}",
                origin.quoted_path(),
                self.limits.max_depth
            );
        }
        self.emit(origin, data, &level.siblings);
    }

    /// Hands a blob to the visitor as it is.
    fn emit(&mut self, origin: Origin, data: Vec<u8>, siblings: &Siblings<'_>) {
        self.stats.num_members += 1;
        let blob = Blob {
            bytes: data,
            origin,
        };
        (self.visit)(&blob, siblings);
    }

    /// Warns about a member that was not read in full.
    fn refused(&self, parent: &Origin, name: &str, refusal: Refusal) {
        let shown = member_origin(parent, name.to_string()).quoted_path();
        match refusal {
            Refusal::TooLarge => crate::warn!(
                "{shown}: archive member skipped: inflates to more than {} bytes (--max-file-size)",
                self.limits.max_member_size
            ),
            Refusal::Ratio => crate::warn!(
                "{shown}: archive member skipped: compression ratio above {}:1 (a zip bomb?)",
                self.limits.max_ratio
            ),
            Refusal::Total => crate::warn!(
                "{}: archive not read past {shown}: more than {} bytes inflated in all",
                parent.quoted_path(),
                self.limits.max_total_bytes
            ),
            Refusal::Io(error) => {
                crate::warn!("{shown}: archive member not read in full: {error}")
            }
        }
    }

    /// Warns that an archive ended early or could not be read; members read before are kept.
    fn damaged(&self, origin: &Origin, what: impl std::fmt::Display) {
        crate::warn!(
            "{}: corrupt or truncated archive: {what}",
            origin.quoted_path()
        );
    }
}

/// The origin of member `name` of the archive at `parent`.
fn member_origin(parent: &Origin, name: String) -> Origin {
    let mut within_root = parent.within_root.clone().into_os_string();
    within_root.push("!");
    within_root.push(&name);
    let mut members = parent.members.clone();
    members.push(name);
    Origin {
        repository: parent.repository.clone(),
        path: parent.path.clone(),
        within_root: within_root.into(),
        commit: parent.commit.clone(),
        members,
        shadowed: false,
    }
}

/// Why a member name is unusual enough to say so: it climbs out of the archive (`../x`) or is
/// absolute. It is scanned all the same (nothing is ever extracted), and shown escaped.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') || name.get(1..3) == Some(":\\") {
        Some("an absolute path")
    } else if name.split(['/', '\\']).any(|part| part == "..") {
        Some("a path that leaves the archive")
    } else {
        None
    }
}

/// Warns about an unsafe member name (see [`unsafe_name`]).
fn note_unsafe_name(parent: &Origin, name: &str) {
    if let Some(why) = unsafe_name(name) {
        crate::warn!(
            "{}: member {} has {why}; scanned, never extracted",
            parent.quoted_path(),
            quote_path(name.as_bytes())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_need_both_name_and_magic() {
        assert_eq!(Kind::of("a.zip", b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(Kind::of("A.APK", b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(Kind::of("a.zip", b"not a zip"), None);
        assert_eq!(Kind::of("a.js", b"PK\x03\x04rest"), None);
        assert_eq!(Kind::of("pkg.tgz", b"\x1f\x8b\x08"), Some(Kind::TarGz));
        assert_eq!(Kind::of("app.js.gz", b"\x1f\x8b\x08"), Some(Kind::Gzip));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(Kind::of("x.tar", &tar), Some(Kind::Tar));
        assert_eq!(Kind::of("x.tar", &tar[..200]), None);
    }

    #[test]
    fn unsafe_names_are_named() {
        assert_eq!(
            unsafe_name("../../etc/passwd"),
            Some("a path that leaves the archive")
        );
        assert_eq!(unsafe_name("/etc/passwd"), Some("an absolute path"));
        assert_eq!(unsafe_name("C:\\x"), Some("an absolute path"));
        assert_eq!(unsafe_name("a/..b/c"), None);
        assert_eq!(unsafe_name("package/index.js"), None);
    }

    #[test]
    fn member_origins_chain_names() {
        let outer = Origin::walked(
            std::path::Path::new("./dist/site.zip"),
            std::path::Path::new("."),
        );
        let inner = member_origin(
            &member_origin(&outer, "w.tgz".into()),
            "package/a.js".into(),
        );
        assert_eq!(inner.members, vec!["w.tgz", "package/a.js"]);
        assert_eq!(
            inner.display_within_root(),
            "dist/site.zip!w.tgz!package/a.js"
        );
        assert_eq!(inner.quoted_path(), "dist/site.zip!w.tgz!package/a.js");
        assert_eq!(inner.path, outer.path);
    }
}
