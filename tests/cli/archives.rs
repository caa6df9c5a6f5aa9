//! Archives and packages in `scan` (issue 14): members scanned as the files they are, member
//! chains in every format, and hostile archives (bombs, traversal names, links, damage)
//! reported without a crash or a write. Archives are built here at test time.

use std::io::Write;

use serde_json::Value;

use crate::util::{Keygen, TestDir, json_outcome};

const BUNDLE: &str = "voiceinfra.api-key.bundle";

/// A minified bundle line holding `key`, and the 1-based column of the key in it.
fn bundle(key: &str) -> (String, u64) {
    let line = format!(
        "const s=\"https://api.voiceinfra.ai/v1\";async function c(e){{const t=\"{key}\";return fetch(`${{s}}/calls`,{{headers:{{\"X-API-Key\":t}}}})}}export{{c}};\n"
    );
    let column = line.find(key).expect("key in line") as u64 + 1;
    (line, column)
}

/// A deflated zip of `(name, content)` members.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in members {
        zip.start_file(*name, options).expect("zip member");
        zip.write_all(content).expect("zip write");
    }
    zip.finish().expect("zip finish");
    out.into_inner()
}

/// A tar of `(name, content)` regular files; names are written raw (even `../x`).
fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in members {
        let mut header = tar::Header::new_gnu();
        let raw = &mut header.as_gnu_mut().expect("gnu header").name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append(&header, *content).expect("tar member");
    }
    builder.into_inner().expect("tar finish")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip finish")
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings array")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit status and that stderr holds `message`.
fn expect_stderr(out: &std::process::Output, code: i32, message: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(message), "{message:?} not in: {err}");
}

/// `site.zip` holding the `npm pack` tarball of a widget whose bundle holds a key.
fn npm_tarball_in_a_zip(dir: &TestDir, seed: u64) -> (String, u64) {
    let key = Keygen::new(seed).key(40);
    let (line, column) = bundle(&key);
    let tgz = gzip(&tar_of(&[
        ("package/package.json", b"{\"name\":\"widget\"}"),
        ("package/dist/index.js", line.as_bytes()),
    ]));
    dir.write("site.zip", zip_of(&[("widget-1.0.0.tgz", &tgz)]));
    (key, column)
}

#[test]
fn issue_14_a_key_in_an_npm_tarball_inside_a_zip_is_found_with_both_names() {
    let dir = TestDir::new();
    let (key, column) = npm_tarball_in_a_zip(&dir, 1401);
    let out = dir.run(&["scan", "--no-color"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let location = format!("site.zip!widget-1.0.0.tgz!package/dist/index.js:1:{column}");
    assert!(text.contains(&location), "{text}");
    assert!(
        text.contains(BUNDLE),
        "a bundle inside a tarball is a bundle: {text}"
    );
    assert!(!text.contains(&key));

    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let [f] = findings(&report).as_slice() else {
        panic!("one finding: {report:#}");
    };
    assert_eq!(f["path"], "site.zip!widget-1.0.0.tgz!package/dist/index.js");
    assert_eq!(f["archive"]["file"], "site.zip");
    assert_eq!(
        f["archive"]["members"],
        serde_json::json!(["widget-1.0.0.tgz", "package/dist/index.js"])
    );
    assert_eq!(f["column"].as_u64(), Some(column));
    let fingerprint = f["fingerprint"].as_str().expect("fingerprint");
    assert!(
        fingerprint.ends_with(":site.zip!widget-1.0.0.tgz!package/dist/index.js"),
        "{fingerprint}"
    );
}

#[test]
fn sarif_names_the_archive_as_artifact_and_the_members_in_properties() {
    let dir = TestDir::new();
    npm_tarball_in_a_zip(&dir, 1402);
    let out = dir.run(&["scan", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    let result = &sarif["runs"][0]["results"][0];
    let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "site.zip");
    assert_eq!(
        result["properties"]["archiveMembers"],
        serde_json::json!(["widget-1.0.0.tgz", "package/dist/index.js"])
    );
    let message = result["message"]["text"].as_str().expect("message");
    assert!(
        message.contains("in archive member widget-1.0.0.tgz!package/dist/index.js, line 1"),
        "{message}"
    );
}

#[test]
fn no_archives_and_max_depth_keep_archives_shut() {
    let dir = TestDir::new();
    npm_tarball_in_a_zip(&dir, 1403);
    // Deflated, the key is not in the zip's bytes: only opening the archives finds it.
    let out = dir.run(&["scan", "--no-archives"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    expect_stderr(
        &dir.run(&["scan", "--max-archive-depth", "1"]),
        0,
        "site.zip!widget-1.0.0.tgz: nested archive not opened: deeper than \
             --max-archive-depth 1",
    );
    let out = dir.run(&["scan", "--max-archive-depth", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn gzip_files_jars_and_plain_tars_are_opened() {
    let mut keys = Keygen::new(1404);
    let dir = TestDir::new();
    let (a, _) = bundle(&keys.key(40));
    let (b, _) = bundle(&keys.key(40));
    let (c, _) = bundle(&keys.key(40));
    dir.write("public/app.js.gz", gzip(a.as_bytes()));
    dir.write(
        "lib/sdk.jar",
        zip_of(&[("assets/dist/sdk.js", b.as_bytes())]),
    );
    dir.write("out/bundle.tar", tar_of(&[("dist/main.js", c.as_bytes())]));
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let mut paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "lib/sdk.jar!assets/dist/sdk.js",
            "out/bundle.tar!dist/main.js",
            "public/app.js.gz!app.js"
        ]
    );
}

#[test]
fn a_zip_of_zeros_is_refused_by_ratio_without_inflating_it() {
    let dir = TestDir::new();
    let zeros = vec![0u8; 64 << 20];
    let zip = zip_of(&[("zeros.bin", &zeros)]);
    assert!(zeros.len() > zip.len() * 1000, "deflate ratio over 1000:1");
    dir.write("bomb.zip", &zip);
    expect_stderr(
        &dir.run(&["scan", "--max-file-size", "1G"]),
        0,
        "bomb.zip!zeros.bin: archive member skipped: compression ratio above 1000:1",
    );
    // At the default member size, the declared size alone refuses it.
    let out = dir.run(&["scan", "--max-file-size", "1M"]);
    assert!(
        stderr(&out).contains("bomb.zip!zeros.bin: archive member skipped: inflates to more than"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_tgz_bomb_stops_at_the_ratio() {
    let dir = TestDir::new();
    let zeros = vec![0u8; 48 << 20];
    let tgz = gzip(&tar_of(&[("package/zeros.bin", &zeros)]));
    dir.write("bomb.tgz", &tgz);
    expect_stderr(
        &dir.run(&["scan", "--max-file-size", "1G"]),
        0,
        "bomb.tgz: archive not read to the end: it inflates past the ratio",
    );
}

#[test]
fn traversal_and_absolute_names_are_scanned_named_and_never_written() {
    let mut keys = Keygen::new(1405);
    let dir = TestDir::new();
    let (a, _) = bundle(&keys.key(40));
    let (b, _) = bundle(&keys.key(40));
    dir.write(
        "in/evil.zip",
        zip_of(&[
            ("../../dist/evil.js", a.as_bytes()),
            ("/dist/abs.js", b.as_bytes()),
        ]),
    );
    let out = dir.run(&["scan", "--format", "json", "in"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "in/evil.zip: member ../../dist/evil.js has a path that leaves the archive; \
             scanned, never extracted"
        ),
        "{err}"
    );
    assert!(
        err.contains("member /dist/abs.js has an absolute path"),
        "{err}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(findings(&report).len(), 2);
    assert!(!dir.path().join("dist").exists());
    assert!(
        !dir.path()
            .parent()
            .expect("parent")
            .join("dist/evil.js")
            .exists()
    );
}

#[test]
fn links_in_tars_are_named_not_followed() {
    let dir = TestDir::new();
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder
        .append_link(&mut header, "package/secret.env", "/etc/passwd")
        .expect("link");
    dir.write("pkg.tgz", gzip(&builder.into_inner().expect("tar")));
    expect_stderr(
        &dir.run(&["scan"]),
        0,
        "pkg.tgz!package/secret.env: archive member skipped: a link, not followed",
    );
}

#[test]
fn encrypted_zip_members_are_named() {
    let dir = TestDir::new();
    let mut zip = zip_of(&[("secret.js", b"var a = 1;\n")]);
    // Set the "encrypted" flag in the local and central headers.
    let local = 0;
    zip[local + 6] |= 1;
    let central = zip
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central header");
    zip[central + 8] |= 1;
    dir.write("locked.zip", &zip);
    expect_stderr(
        &dir.run(&["scan"]),
        0,
        "locked.zip!secret.js: archive member skipped: encrypted, not read",
    );
}

#[test]
fn truncated_and_corrupt_archives_are_warnings_and_keep_what_was_read() {
    let mut keys = Keygen::new(1406);
    let dir = TestDir::new();
    let (a, _) = bundle(&keys.key(40));
    let zip = zip_of(&[("dist/a.js", a.as_bytes())]);
    dir.write("cut.zip", &zip[..zip.len() / 2]);
    let (b, _) = bundle(&keys.key(40));
    let filler: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let tgz = gzip(&tar_of(&[
        ("package/dist/b.js", b.as_bytes()),
        ("package/big.bin", &filler),
    ]));
    dir.write("cut.tgz", &tgz[..tgz.len() * 3 / 4]);
    dir.write(
        "garbage.tgz",
        b"\x1f\x8b\x08\x00garbage that is not deflate at all",
    );
    let out = dir.run(&["scan", "--format", "json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cut.zip: corrupt or truncated archive"),
        "{err}"
    );
    assert!(
        err.contains("garbage.tgz: corrupt or truncated archive"),
        "{err}"
    );
    assert!(err.contains("cut.tgz"), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    assert_eq!(paths, ["cut.tgz!package/dist/b.js"], "{report:#}");
}

// ---------------------------------------------------------------------------------------------
// Container images.

/// A layer tar: regular files, and whiteouts given as `.wh.` names.
fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    tar_of(files)
}

#[test]
fn issue_14_a_docker_save_tarball_reports_a_deleted_layer_file_and_env() {
    let mut keys = Keygen::new(1407);
    let (deleted, env, kept) = (keys.key(40), keys.key(40), keys.key(40));
    let dir = TestDir::new();
    let config = serde_json::json!({
        "config": { "Env": ["PATH=/usr/local/bin:/usr/bin", format!("VOICEINFRA_API_KEY={env}")] },
        "history": [
            { "created_by": "/bin/sh -c #(nop) ADD file:1234 in / " },
            { "created_by": "RUN /bin/sh -c npm ci # buildkit" }
        ]
    });
    let first = layer(&[
        (
            "app/.env",
            format!("VOICEINFRA_API_KEY={deleted}\n").as_bytes(),
        ),
        (
            "app/config.env",
            format!("VOICEINFRA_API_KEY={kept}\n").as_bytes(),
        ),
    ]);
    let second = gzip(&layer(&[("app/.wh..env", b"")]));
    let manifest = serde_json::json!([{
        "Config": "c0ffee.json",
        "RepoTags": ["widget:latest"],
        "Layers": ["aaa/layer.tar", "bbb/layer.tar"]
    }]);
    let image = tar_of(&[
        ("manifest.json", manifest.to_string().as_bytes()),
        ("c0ffee.json", config.to_string().as_bytes()),
        ("aaa/layer.tar", &first),
        ("bbb/layer.tar", &second),
    ]);
    dir.write("widget.tar", &image);
    let out = dir.run(&["scan", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("widget.tar!aaa/layer.tar!app/.env:1:20"),
        "{text}"
    );
    assert_eq!(
        text.matches("deleted in a later layer").count(),
        1,
        "only the whited-out file: {text}"
    );
    assert!(text.contains("widget.tar!c0ffee.json!Env:2:20"), "{text}");
    let (_, report) = dir.scan_json(&[]);
    let mut got: Vec<(String, bool)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["deleted_in_later_layer"] == true,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("widget.tar!aaa/layer.tar!app/.env".to_string(), true),
            ("widget.tar!aaa/layer.tar!app/config.env".to_string(), false),
            ("widget.tar!c0ffee.json!Env".to_string(), false),
        ]
    );
}

#[test]
fn an_oci_layout_tar_is_read_through_its_index() {
    let mut keys = Keygen::new(1408);
    let (in_layer, in_history) = (keys.key(40), keys.key(40));
    let dir = TestDir::new();
    let config = serde_json::json!({
        "config": { "Env": ["PATH=/usr/bin"] },
        "history": [
            { "created_by": format!("ARG VOICEINFRA_API_KEY={in_history}") },
        ]
    });
    let gz_layer = gzip(&layer(&[(
        "srv/dist/app.js",
        bundle(&in_layer).0.as_bytes(),
    )]));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "config": { "digest": "sha256:c0", "mediaType": "application/vnd.oci.image.config.v1+json" },
        "layers": [{ "digest": "sha256:l1", "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip" }]
    });
    let index = serde_json::json!({ "schemaVersion": 2, "manifests": [{ "digest": "sha256:m1" }] });
    let image = tar_of(&[
        ("oci-layout", b"{\"imageLayoutVersion\":\"1.0.0\"}"),
        ("index.json", index.to_string().as_bytes()),
        ("blobs/sha256/m1", manifest.to_string().as_bytes()),
        ("blobs/sha256/c0", config.to_string().as_bytes()),
        ("blobs/sha256/l1", &gz_layer),
    ]);
    dir.write("oci.tar", &image);
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let mut paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "oci.tar!blobs/sha256/c0!history",
            "oci.tar!blobs/sha256/l1!srv/dist/app.js"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// History.

#[test]
fn history_opens_archive_blobs_and_keeps_the_chain_on_every_introduction() {
    let repo = crate::util::TestRepo::new();
    let (key, column) = npm_tarball_in_a_zip(&repo.dir, 1409);
    repo.commit(&[], "add the site archive");
    std::fs::remove_file(repo.dir.path().join("site.zip")).expect("remove");
    repo.commit(&[], "drop it");
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let [f] = findings(&report).as_slice() else {
        panic!("one finding: {report:#}");
    };
    assert_eq!(f["path"], "site.zip!widget-1.0.0.tgz!package/dist/index.js");
    assert_eq!(f["column"].as_u64(), Some(column));
    assert_eq!(f["present_at_head"], false);
    assert!(
        f["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .ends_with("site.zip!widget-1.0.0.tgz!package/dist/index.js")
    );
    let out = repo.viscan(&["history", "--no-archives"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&key));
}

// ---------------------------------------------------------------------------------------------
// Source maps inside archives, gzipped images and OCI layout folders.

#[test]
fn a_bundle_in_an_archive_finds_its_map_among_its_siblings() {
    use crate::bundles::{mapped_project, position};
    let p = mapped_project(1420);
    let bundle = format!(
        "{}\n//# sourceMappingURL=index-1f3a9c2e.js.map\n",
        p.bundle_line
    );
    let (orig_line, orig_col) = position(&p.client, &p.key);
    // The map comes after its bundle in the tar stream, and in a folder of its own in the zip.
    let tgz = gzip(&tar_of(&[
        ("package/dist/index-1f3a9c2e.js", bundle.as_bytes()),
        ("package/dist/index-1f3a9c2e.js.map", p.map.as_bytes()),
    ]));
    let zip_bundle = bundle.replace(
        "sourceMappingURL=index-1f3a9c2e.js.map",
        "sourceMappingURL=../maps/index-1f3a9c2e.js.map",
    );
    let zip = zip_of(&[
        ("assets/index-1f3a9c2e.js", zip_bundle.as_bytes()),
        ("maps/index-1f3a9c2e.js.map", p.map.as_bytes()),
    ]);
    let dir = TestDir::new();
    dir.write("widget.tgz", &tgz);
    dir.write("site.zip", &zip);
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let at = |path: &str| -> &Value {
        let found: Vec<&Value> = findings(&report)
            .iter()
            .filter(|f| f["path"] == path)
            .collect();
        assert_eq!(found.len(), 1, "{path}: {report:#}");
        found[0]
    };
    for path in [
        "widget.tgz!package/dist/index-1f3a9c2e.js",
        "widget.tgz!package/dist/index-1f3a9c2e.js.map",
        "site.zip!assets/index-1f3a9c2e.js",
        "site.zip!maps/index-1f3a9c2e.js.map",
    ] {
        let f = at(path);
        assert_eq!(f["rule_id"], BUNDLE, "{f:#}");
        assert_eq!(f["original_path"], "../../src/client.ts", "{f:#}");
        assert_eq!(f["original_line"].as_u64(), Some(orig_line), "{f:#}");
        assert_eq!(f["original_column"].as_u64(), Some(orig_col), "{f:#}");
    }
    // Text names the original source through the map.
    let out = dir.run(&["scan", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("../../src/client.ts:{orig_line}")),
        "{text}"
    );
}

#[test]
fn a_map_reference_never_leaves_its_archive() {
    use crate::bundles::{mapped_project, position};
    let p = mapped_project(1421);
    // The map sits beside the archive on disk and in the outer archive: neither is a sibling
    // of a member of the inner one.
    let bundle = format!("{}\n//# sourceMappingURL=../app.js.map\n", p.bundle_line);
    let inner = zip_of(&[("dist/app.js", bundle.as_bytes())]);
    let outer = zip_of(&[("inner.zip", &inner), ("app.js.map", p.map.as_bytes())]);
    let dir = TestDir::new();
    dir.write("outer.zip", &outer);
    dir.write("app.js.map", p.map.as_bytes());
    dir.write("inner.zip", &inner);
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let (_, column) = position(&bundle, &p.key);
    for path in ["outer.zip!inner.zip!dist/app.js", "inner.zip!dist/app.js"] {
        let found: Vec<&Value> = findings(&report)
            .iter()
            .filter(|f| f["path"] == path)
            .collect();
        let [f] = found.as_slice() else {
            panic!("{path}: {report:#}");
        };
        assert_eq!(f["column"].as_u64(), Some(column));
        assert!(f.get("original_path").is_none(), "{f:#}");
    }
}

/// An image's pieces: a config with a key in `Env`, and two layers, the second deleting the
/// first's `.env`.
fn image_parts(keys: &mut Keygen) -> (Value, Vec<u8>, Vec<u8>, [String; 3]) {
    let (deleted, env, kept) = (keys.key(40), keys.key(40), keys.key(40));
    let config = serde_json::json!({
        "config": { "Env": ["PATH=/usr/bin", format!("VOICEINFRA_API_KEY={env}")] },
        "history": [{ "created_by": "COPY dist /srv # buildkit" }]
    });
    let first = gzip(&layer(&[
        (
            "app/.env",
            format!("VOICEINFRA_API_KEY={deleted}\n").as_bytes(),
        ),
        ("srv/dist/app.js", bundle(&kept).0.as_bytes()),
    ]));
    let second = gzip(&layer(&[("app/.wh..env", b"")]));
    (config, first, second, [deleted, env, kept])
}

/// `(path, deleted in a later layer)` of every finding, sorted.
fn marked_paths(report: &Value) -> Vec<(String, bool)> {
    let mut got: Vec<(String, bool)> = findings(report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["deleted_in_later_layer"] == true,
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn a_gzipped_docker_save_tarball_is_read_as_an_image() {
    let (config, first, second, _) = image_parts(&mut Keygen::new(1422));
    // `docker save` of Docker 25+: the layout's blobs come first, the manifest last.
    let manifest = serde_json::json!([{
        "Config": "blobs/sha256/c0",
        "RepoTags": ["widget:latest"],
        "Layers": ["blobs/sha256/l1", "blobs/sha256/l2"]
    }]);
    let image = tar_of(&[
        ("blobs/sha256/c0", config.to_string().as_bytes()),
        ("blobs/sha256/l1", &first),
        ("blobs/sha256/l2", &second),
        ("manifest.json", manifest.to_string().as_bytes()),
    ]);
    let dir = TestDir::new();
    dir.write("widget.tar.gz", gzip(&image));
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        marked_paths(&report),
        [
            ("widget.tar.gz!blobs/sha256/c0!Env".to_string(), false),
            ("widget.tar.gz!blobs/sha256/l1!app/.env".to_string(), true),
            (
                "widget.tar.gz!blobs/sha256/l1!srv/dist/app.js".to_string(),
                false
            ),
        ]
    );
    // A classic `docker save | gzip` (layer folders named by digest) too.
    let hex = "a".repeat(64);
    let layer_name = format!("{hex}/layer.tar");
    let manifest = serde_json::json!([{ "Config": "c0ffee.json", "Layers": [layer_name] }]);
    let plain_layer = layer(&[("app/.env", b"VOICEINFRA_API_KEY=x\n")]);
    let image = tar_of(&[
        (&layer_name, &plain_layer),
        ("c0ffee.json", config.to_string().as_bytes()),
        ("manifest.json", manifest.to_string().as_bytes()),
    ]);
    dir.write("widget.tar.gz", gzip(&image));
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(
        marked_paths(&report),
        [("widget.tar.gz!c0ffee.json!Env".to_string(), false)],
        "read as an image (its config's Env), not as a tar of tars"
    );
    // Named like an image's first entry but no image: its members, each once.
    let key = Keygen::new(1424).key(40);
    dir.write(
        "widget.tar.gz",
        gzip(&tar_of(&[("blobs/app.js", bundle(&key).0.as_bytes())])),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        marked_paths(&report),
        [("widget.tar.gz!blobs/app.js".to_string(), false)]
    );
}

/// A layout folder whose `blobs` is a link to another layout outside the scanned root: what
/// it names there is never read (a hostile tree must not make viscan report, and so show,
/// files from outside it).
#[cfg(unix)]
#[test]
fn an_oci_layout_never_reads_blobs_through_a_link_out_of_the_root() {
    let mut keys = Keygen::new(1425);
    let outside = TestDir::new();
    write_oci_layout(&outside, "image", &mut keys);
    let dir = TestDir::new();
    dir.write("image/oci-layout", b"{\"imageLayoutVersion\":\"1.0.0\"}");
    dir.write(
        "image/index.json",
        std::fs::read(outside.path().join("image/index.json")).expect("index"),
    );
    std::os::unix::fs::symlink(
        outside.path().join("image/blobs"),
        dir.path().join("image/blobs"),
    )
    .expect("symlink");
    let out = dir.run(&["scan", "--format", "json"]);
    let (code, report) = json_outcome(&out);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(marked_paths(&report), Vec::<(String, bool)>::new());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("image/blobs/sha256/m1: not read: it is outside the scanned root"),
        "{stderr}"
    );
}

/// Writes an OCI image layout folder at `at` in `dir`.
fn write_oci_layout(dir: &TestDir, at: &str, keys: &mut Keygen) -> [String; 3] {
    let (config, first, second, found) = image_parts(keys);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "config": { "digest": "sha256:c0" },
        "layers": [{ "digest": "sha256:l1" }, { "digest": "sha256:l2" }]
    });
    let index = serde_json::json!({ "schemaVersion": 2, "manifests": [{ "digest": "sha256:m1" }] });
    dir.write(
        &format!("{at}/oci-layout"),
        b"{\"imageLayoutVersion\":\"1.0.0\"}",
    );
    dir.write(&format!("{at}/index.json"), index.to_string());
    dir.write(&format!("{at}/blobs/sha256/m1"), manifest.to_string());
    dir.write(&format!("{at}/blobs/sha256/c0"), config.to_string());
    dir.write(&format!("{at}/blobs/sha256/l1"), &first);
    dir.write(&format!("{at}/blobs/sha256/l2"), &second);
    found
}

#[test]
fn an_oci_layout_folder_is_read_as_an_image_once() {
    let mut keys = Keygen::new(1423);
    let dir = TestDir::new();
    write_oci_layout(&dir, "build/image", &mut keys);
    // A blob no manifest names is still scanned, as the file it is.
    let stray = keys.key(40);
    dir.write(
        "build/image/blobs/sha256/ff",
        format!("VOICEINFRA_API_KEY={stray}\n"),
    );
    let expected = [
        ("build/image/blobs/sha256/c0!Env".to_string(), false),
        ("build/image/blobs/sha256/ff".to_string(), false),
        ("build/image/blobs/sha256/l1!app/.env".to_string(), true),
        (
            "build/image/blobs/sha256/l1!srv/dist/app.js".to_string(),
            false,
        ),
    ];
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(marked_paths(&report), expected, "{report:#}");
    // Named on the command line, the layout is read the same way.
    let (_, report) = dir.scan_json(&["build/image"]);
    assert_eq!(marked_paths(&report), expected, "{report:#}");
    // An ignore entry for a file of the layout still holds.
    dir.write(".viscanignore", "build/image/blobs/sha256/ff\n");
    let (_, report) = dir.scan_json(&[]);
    assert_eq!(
        marked_paths(&report),
        [
            expected[0].clone(),
            expected[2].clone(),
            expected[3].clone()
        ],
        "{report:#}"
    );
    std::fs::remove_file(dir.path().join(".viscanignore")).expect("remove");
    // --no-archives: its files as files (the gzipped layers unopened, the config as JSON).
    let (_, report) = dir.scan_json(&["--no-archives"]);
    assert!(
        marked_paths(&report)
            .iter()
            .all(|(path, deleted)| !path.contains('!') && !deleted),
        "{report:#}"
    );
}
