//! Front-end bundles, source maps and encoded keys (issue 4), end to end. Bundles are generated
//! here in the shapes webpack, Vite/Rollup, Next.js and esbuild emit (no third-party output is
//! committed); source maps carry real VLQ mappings made by the tiny encoder below; keys come
//! from seeded [`Keygen`]s at test time.

use serde_json::Value;

use crate::util::{Keygen, TestDir, base64, hits};

const BUNDLE: &str = "voiceinfra.api-key.bundle";
const ASSIGN: &str = "voiceinfra.api-key.assignment";
const ENDPOINT: &str = "voiceinfra.api-key.endpoint";
const PUBLIC: &str = "voiceinfra.api-key.public-env";
const WEBHOOK: &str = "voiceinfra.webhook-secret";

// ---------------------------------------------------------------------------------------------
// Encoders: base64 VLQ, source maps, base64, JSON strings, percent-encoding, UTF-16.

/// One base64 VLQ number, as source maps write them: the sign in the lowest bit, then five
/// bits per digit, least significant first, bit 6 set on every digit but the last.
fn vlq(value: i64) -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rest = if value < 0 {
        ((-value) << 1) | 1
    } else {
        value << 1
    };
    let mut out = String::new();
    loop {
        let mut digit = rest & 0x1F;
        rest >>= 5;
        if rest > 0 {
            digit |= 0x20;
        }
        out.push(DIGITS[digit as usize] as char);
        if rest == 0 {
            return out;
        }
    }
}

/// A mapping segment: generated column → (source, original line, original column), all 0-based.
struct Seg {
    column: i64,
    source: i64,
    line: i64,
    original_column: i64,
}

/// The `mappings` string for generated lines of segments (relative fields, as the format
/// says: the generated column restarts on each line, the rest carry over).
fn mappings(lines: &[Vec<Seg>]) -> String {
    let (mut source, mut line, mut column) = (0, 0, 0);
    let mut out = Vec::new();
    for segments in lines {
        let mut generated = 0;
        let mut parts = Vec::new();
        for s in segments {
            parts.push(format!(
                "{}{}{}{}",
                vlq(s.column - generated),
                vlq(s.source - source),
                vlq(s.line - line),
                vlq(s.original_column - column)
            ));
            generated = s.column;
            source = s.source;
            line = s.line;
            column = s.original_column;
        }
        out.push(parts.join(","));
    }
    out.join(";")
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// Percent-encodes every byte that is not unreserved in a URL.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// A key with `+` and `/`, so that encoders have something to encode.
fn symbol_key(keys: &mut Keygen) -> String {
    format!("{}+{}/{}", keys.key(12), keys.key(12), keys.key(12))
}

/// 1-based (line, column) of the first `needle` in `text` (ASCII text: bytes are columns).
pub(crate) fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (
        text[..at].matches('\n').count() as u64 + 1,
        (at - line_start) as u64 + 1,
    )
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings array")
}

/// The only finding at `path`.
fn only_at<'a>(report: &'a Value, path: &str) -> &'a Value {
    let at: Vec<&Value> = findings(report)
        .iter()
        .filter(|f| f["path"] == path)
        .collect();
    assert_eq!(at.len(), 1, "findings at {path}: {report:#}");
    at[0]
}

fn decoded(finding: &Value) -> Vec<String> {
    finding
        .get("decoded")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|d| d.as_str().expect("a name").to_string())
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Bundle generators: the runtime shapes each bundler emits, with a key inlined.

/// webpack 5: a chunk pushed onto `self.webpackChunk<name>`, modules keyed by numeric ids.
fn webpack_chunk(key: &str, hash: &str) -> String {
    format!(
        "\"use strict\";(self.webpackChunkacme_voice=self.webpackChunkacme_voice||[]).push([[179],{{4321:(e,t,n)=>{{n.d(t,{{Z:()=>o}});var r=n(7294);const a={{baseUrl:\"https://api.voiceinfra.ai/v1\",apiKey:\"{key}\"}};function o(){{return(0,r.useEffect)(()=>{{fetch(a.baseUrl+\"/agents\",{{headers:{{\"X-API-Key\":a.apiKey}}}})}},[]),null}}}},7294:e=>{{e.exports=window.React}}}},e=>{{e.O(0,[736],()=>e(e.s=4321)),e.O()}}]);\n//# sourceMappingURL=main.{hash}.js.map\n"
    )
}

/// Vite / Rollup: an ES module importing its vendor chunk by hashed name.
fn vite_entry(key: &str, hash: &str) -> String {
    format!(
        "import{{r as l,j as c}}from\"./vendor-{hash}.js\";const u=\"https://api.voiceinfra.ai/v1\",d={{voiceinfraToken:\"{key}\"}};function m(e){{return fetch(`${{u}}/calls/${{e}}`,{{headers:{{\"X-API-Key\":d.voiceinfraToken}}}})}}function f(){{const[e,t]=l.useState(null);return c.jsx(\"button\",{{onClick:()=>m(e),children:\"Call\"}})}}export{{f as CallButton}};\n"
    )
}

/// Next.js: a page chunk with `NEXT_PUBLIC_*` values inlined into the client code.
fn next_page(key: &str) -> String {
    format!(
        "(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[405],{{5557:function(e,t,n){{\"use strict\";n.r(t),n.d(t,{{default:function(){{return s}}}});var r=n(5893),o=n(7294);let i={{NEXT_PUBLIC_VOICEINFRA_API_KEY:\"{key}\",NEXT_PUBLIC_VOICEINFRA_BASE_URL:\"https://api.voiceinfra.ai/v1\"}};function s(){{let[e,t]=(0,o.useState)(!1);return(0,r.jsx)(\"main\",{{children:i.NEXT_PUBLIC_VOICEINFRA_BASE_URL}})}}}}}},function(e){{e.O(0,[774,888,179],function(){{return e(e.s=5557)}}),_N_E=e.O()}}]);\n"
    )
}

/// esbuild (`--bundle`, not minified): its module helpers (`__commonJS`, `__toESM`) and
/// `// path` comments, in a file whose path says nothing about being built.
fn esbuild_bundle(key: &str) -> String {
    format!(
        "\"use strict\";\n(() => {{\n  var __create = Object.create;\n  var __defProp = Object.defineProperty;\n  var __getProtoOf = Object.getPrototypeOf;\n  var __commonJS = (cb, mod) => function __require() {{\n    return mod || (0, cb[Object.keys(cb)[0]])((mod = {{ exports: {{}} }}).exports, mod), mod.exports;\n  }};\n  var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {{}}, __defProp(target, \"default\", {{ value: mod, enumerable: true }}));\n\n  // node_modules/@voiceinfra/sdk/index.js\n  var require_sdk = __commonJS({{\n    \"node_modules/@voiceinfra/sdk/index.js\"(exports, module) {{\n      module.exports = {{ version: \"1.4.2\" }};\n    }}\n  }});\n\n  // src/dialer.ts\n  var import_sdk = __toESM(require_sdk());\n  var VOICEINFRA_API_KEY = \"{key}\";\n  async function dial(to) {{\n    return fetch(\"https://api.voiceinfra.ai/v1/calls/outbound\", {{\n      method: \"POST\",\n      headers: {{ \"X-API-Key\": VOICEINFRA_API_KEY }},\n      body: JSON.stringify({{ to, sdk: import_sdk.default.version }})\n    }});\n  }}\n  window.dial = dial;\n}})();\n"
    )
}

#[test]
fn keys_in_each_bundlers_output_are_critical_with_exact_columns() {
    let mut keys = Keygen::new(401);
    let (k1, k2, k3, k4) = (keys.key(40), keys.key(32), keys.key(32), keys.key(36));
    let dir = TestDir::new();
    let files = [
        (
            "web/build/static/js/main.8f2a9c1b.js".to_string(),
            webpack_chunk(&k1, "8f2a9c1b"),
            k1.clone(),
        ),
        (
            "dashboard/dist/assets/index-3f9a1c7e.js".to_string(),
            vite_entry(&k2, "b41c9e07"),
            k2.clone(),
        ),
        (
            "site/.next/static/chunks/pages/index-2c6f0a9d4e1b7a35.js".to_string(),
            next_page(&k3),
            k3.clone(),
        ),
        (
            "tools/dialer/app.js".to_string(),
            esbuild_bundle(&k4),
            k4.clone(),
        ),
    ];
    for (path, content, _) in &files {
        dir.write(path, content);
    }
    let (code, report) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(code, 1);
    for (path, content, key) in &files {
        let f = only_at(&report, path);
        assert_eq!(f["rule_id"], BUNDLE, "{path}");
        assert_eq!(f["severity"], "critical", "{path}");
        assert_eq!(f["in_bundle"], true, "{path}");
        assert_eq!(f["secret"], key.as_str(), "{path}");
        let (line, column) = position(content, key);
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{path}"
        );
        assert_eq!(f["end_column"].as_u64(), Some(column + key.len() as u64));
        // A window of 30 characters on each side (the secret shown, with --show-secrets).
        let snippet = f["snippet"].as_str().expect("snippet");
        assert!(
            snippet.chars().count() <= 62 + key.len(),
            "{path}: {snippet}"
        );
        assert!(f.get("decoded").is_none(), "{path}: stored as written");
    }
    // The text report says what a bundle finding means.
    let out = dir.run(&["scan", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("ships to every visitor").count(), 4, "{text}");
    assert!(!text.contains(&k1) && !text.contains(&k4));
}

#[test]
fn a_key_deep_in_a_megabyte_line_has_its_exact_column_and_a_short_window() {
    let mut keys = Keygen::new(402);
    let key = keys.key(40);
    let filler: String = (0..40_000)
        .map(|i| format!("var a{i}=\"{}\";", i * 7919 % 1000))
        .collect();
    let line = format!(
        "{filler}const vi={{baseUrl:\"https://api.voiceinfra.ai/v1\",apiKey:\"{key}\"}};{filler}"
    );
    let dir = TestDir::new();
    dir.write("dist/app.min.js", &line);
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let f = only_at(&report, "dist/app.min.js");
    assert_eq!(f["rule_id"], BUNDLE);
    let (_, column) = position(&line, &key);
    assert_eq!(f["column"].as_u64(), Some(column));
    assert!(f["snippet"].as_str().expect("snippet").chars().count() <= 90);
}

// ---------------------------------------------------------------------------------------------
// Source maps.

/// What the map tests build: a Vite-style bundle, its map, and where the key is in each.
pub(crate) struct Mapped {
    pub(crate) key: String,
    pub(crate) client: String,
    pub(crate) bundle_line: String,
    pub(crate) map: String,
}

pub(crate) fn mapped_project(seed: u64) -> Mapped {
    let mut keys = Keygen::new(seed);
    let key = keys.key(40);
    let client = format!(
        "import {{ track }} from \"./analytics\";\n\nconst BASE_URL = \"https://api.voiceinfra.ai/v1\";\n\nexport async function startCall(to: string) {{\n  // TODO: move to the server\n  const VOICEINFRA_KEY = \"{key}\";\n  track(\"call\");\n  return fetch(`${{BASE_URL}}/calls/outbound`, {{\n    method: \"POST\",\n    headers: {{ \"X-API-Key\": VOICEINFRA_KEY }},\n    body: JSON.stringify({{ to }}),\n  }});\n}}\n"
    );
    let app = "import { startCall } from \"./client\";\n// Calls go out through VoiceInfra.\nexport const App = () => <button onClick={() => startCall(\"+15550100\")}>Call</button>;\n";
    let bundle_line = format!(
        "import{{t as a}}from\"./vendor-8c1d2e3f.js\";const s=\"https://api.voiceinfra.ai/v1\";async function c(e){{const t=\"{key}\";return a(\"call\"),fetch(`${{s}}/calls/outbound`,{{method:\"POST\",headers:{{\"X-API-Key\":t}},body:JSON.stringify({{to:e}})}})}}export{{c as startCall}};"
    );
    let col = |needle: &str| bundle_line.find(needle).expect("in bundle") as i64;
    let orig = |line: usize, needle: &str| {
        let text = client.lines().nth(line).expect("line");
        text.find(needle).expect("in source") as i64
    };
    // Each generated token → the original token it was made from (0-based, relative in the
    // string as the format says).
    let segments = vec![
        Seg {
            column: 0,
            source: 0,
            line: 0,
            original_column: 0,
        },
        Seg {
            column: col("const s="),
            source: 0,
            line: 2,
            original_column: 0,
        },
        Seg {
            column: col("async function"),
            source: 0,
            line: 4,
            original_column: 0,
        },
        Seg {
            column: col("const t="),
            source: 0,
            line: 6,
            original_column: orig(6, "const"),
        },
        Seg {
            column: col(&format!("\"{key}\"")),
            source: 0,
            line: 6,
            original_column: orig(6, "\""),
        },
        Seg {
            column: col("return a("),
            source: 0,
            line: 7,
            original_column: 2,
        },
        Seg {
            column: col("fetch("),
            source: 0,
            line: 8,
            original_column: orig(8, "fetch"),
        },
        Seg {
            column: col("export{"),
            source: 1,
            line: 2,
            original_column: 0,
        },
    ];
    let map = format!(
        "{{\"version\":3,\"file\":\"index-1f3a9c2e.js\",\"sources\":[\"../../src/client.ts\",\"../../src/App.tsx\"],\"sourcesContent\":[{},{}],\"names\":[],\"mappings\":\"{}\"}}",
        json_string(&client),
        json_string(app),
        mappings(&[segments])
    );
    Mapped {
        key,
        client,
        bundle_line,
        map,
    }
}

#[test]
fn the_vlq_encoder_matches_hand_checked_values() {
    // From the source map format's worked examples; the scanner's decoder has the same table
    // (src/scan/sourcemap.rs).
    for (value, text) in [
        (0, "A"),
        (1, "C"),
        (-1, "D"),
        (15, "e"),
        (16, "gB"),
        (-16, "hB"),
        (123, "2H"),
        (2047, "+/D"),
    ] {
        assert_eq!(vlq(value), text, "{value}");
    }
    let m = mappings(&[
        vec![
            Seg {
                column: 0,
                source: 0,
                line: 0,
                original_column: 0,
            },
            Seg {
                column: 4,
                source: 0,
                line: 0,
                original_column: 6,
            },
            Seg {
                column: 9,
                source: 1,
                line: 2,
                original_column: 0,
            },
        ],
        vec![Seg {
            column: 2,
            source: 1,
            line: 3,
            original_column: 4,
        }],
    ]);
    assert_eq!(m, "AAAA,IAAM,KCEN;EACI");
}

#[test]
fn source_maps_report_the_original_file_and_line() {
    let p = mapped_project(403);
    let dir = TestDir::new();
    let bundle = format!(
        "{}\n//# sourceMappingURL=index-1f3a9c2e.js.map\n",
        p.bundle_line
    );
    dir.write("web/dist/assets/index-1f3a9c2e.js", &bundle);
    dir.write("web/dist/assets/index-1f3a9c2e.js.map", &p.map);
    let (code, report) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(code, 1);
    let (orig_line, orig_col) = position(&p.client, &p.key);
    assert_eq!(orig_line, 7);

    // The key in the map's sourcesContent: at the map's own position, from the original file.
    let in_map = only_at(&report, "web/dist/assets/index-1f3a9c2e.js.map");
    assert_eq!(in_map["rule_id"], BUNDLE);
    assert_eq!(in_map["secret"], p.key.as_str());
    assert_eq!(in_map["line"], 1);
    assert_eq!(in_map["column"].as_u64(), Some(position(&p.map, &p.key).1));
    assert_eq!(in_map["original_path"], "../../src/client.ts");
    assert_eq!(in_map["original_line"].as_u64(), Some(orig_line));
    assert_eq!(in_map["original_column"].as_u64(), Some(orig_col));
    assert!(in_map.get("decoded").is_none(), "{in_map:#}");

    // The key in the minified code: its original position through the map's mappings.
    let in_code = only_at(&report, "web/dist/assets/index-1f3a9c2e.js");
    assert_eq!(in_code["rule_id"], BUNDLE);
    assert_eq!(
        in_code["column"].as_u64(),
        Some(position(&p.bundle_line, &p.key).1)
    );
    assert_eq!(in_code["original_path"], "../../src/client.ts");
    assert_eq!(in_code["original_line"].as_u64(), Some(orig_line));
    assert_eq!(in_code["original_column"].as_u64(), Some(orig_col));

    // Text says map → original; SARIF keeps the scanned file as the location and the original
    // in properties.
    let out = dir.run(&["scan", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let arrow = format!(
        "web/dist/assets/index-1f3a9c2e.js.map:1:{} → ../../src/client.ts:7:{orig_col}",
        position(&p.map, &p.key).1
    );
    assert!(text.contains(&arrow), "{text}");
    let out = dir.run(&["scan", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["properties"]["originalPath"], "../../src/client.ts");
        assert_eq!(r["properties"]["originalLine"].as_u64(), Some(orig_line));
    }
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&p.key));
}

#[test]
fn index_maps_are_scanned_through_every_section() {
    let p = mapped_project(405);
    let dir = TestDir::new();
    // Two sections, the key in the second one's sources.
    let map = format!(
        "{{\"version\":3,\"file\":\"app.js\",\"sections\":[{{\"offset\":{{\"line\":0,\"column\":0}},\"map\":{{\"version\":3,\"sources\":[\"vendor.ts\"],\"sourcesContent\":[\"export const t = 1;\\n\"],\"mappings\":\"AAAA\"}}}},{{\"offset\":{{\"line\":1,\"column\":0}},\"map\":{{\"version\":3,\"sourceRoot\":\"src\",\"sources\":[\"client.ts\"],\"sourcesContent\":[{}],\"mappings\":\"AAAA\"}}}}]}}",
        json_string(&p.client)
    );
    dir.write("web/dist/assets/app-5d2c.js.map", &map);
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let found = only_at(&report, "web/dist/assets/app-5d2c.js.map");
    assert_eq!(found["rule_id"], BUNDLE);
    assert_eq!(found["column"].as_u64(), Some(position(&map, &p.key).1));
    let (line, column) = position(&p.client, &p.key);
    assert_eq!(found["original_path"], "src/client.ts");
    assert_eq!(found["original_line"].as_u64(), Some(line));
    assert_eq!(found["original_column"].as_u64(), Some(column));
}

#[test]
fn a_map_beside_a_bundle_is_found_without_a_mapping_url() {
    let p = mapped_project(404);
    let dir = TestDir::new();
    dir.write(
        "out/_next/static/chunks/app-9e1f.js",
        format!("{}\n", p.bundle_line),
    );
    dir.write("out/_next/static/chunks/app-9e1f.js.map", &p.map);
    let (_, report) = dir.scan_json(&[]);
    let in_code = only_at(&report, "out/_next/static/chunks/app-9e1f.js");
    assert_eq!(in_code["original_line"], 7);
    assert_eq!(in_code["original_path"], "../../src/client.ts");
}

#[test]
fn inline_source_maps_are_decoded_and_their_sources_scanned() {
    let p = mapped_project(405);
    let payload = base64(p.map.as_bytes());
    let comment =
        format!("//# sourceMappingURL=data:application/json;charset=utf-8;base64,{payload}");
    let bundle = format!("{}\n{comment}\n", p.bundle_line);
    let dir = TestDir::new();
    dir.write("public/js/dialer.js", &bundle);
    let (code, report) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(code, 1);
    let mut found = findings(&report).clone();
    found.sort_by_key(|f| f["line"].as_u64());
    assert_eq!(found.len(), 2, "{report:#}");
    let (orig_line, orig_col) = position(&p.client, &p.key);
    // Line 1: the minified code, mapped through the inline map.
    assert_eq!(found[0]["line"], 1);
    assert_eq!(found[0]["original_line"].as_u64(), Some(orig_line));
    assert_eq!(found[0]["original_column"].as_u64(), Some(orig_col));
    assert!(found[0].get("decoded").is_none());
    // Line 2: the same key in the base64 map's sourcesContent, pointed at within the payload.
    let f = &found[1];
    assert_eq!(f["rule_id"], BUNDLE);
    assert_eq!(f["line"], 2);
    assert_eq!(f["secret"], p.key.as_str());
    assert_eq!(decoded(f), ["base64"]);
    assert_eq!(f["original_path"], "../../src/client.ts");
    assert_eq!(f["original_line"].as_u64(), Some(orig_line));
    let in_json = p.map.find(&p.key).expect("key in map") as i64;
    let expected = (comment.len() - payload.len()) as i64 + in_json * 4 / 3 + 1;
    let column = f["column"].as_i64().expect("column");
    assert!(
        (column - expected).abs() <= 2,
        "column {column}, expected about {expected}"
    );
}

// ---------------------------------------------------------------------------------------------
// Encoded keys.

#[test]
fn percent_encoded_keys_are_reported_at_the_encoded_text() {
    let mut keys = Keygen::new(406);
    let (a, b, c) = (symbol_key(&mut keys), symbol_key(&mut keys), keys.key(32));
    let query = format!(
        "curl -s \"https://api.voiceinfra.ai/v1/calls?status=active&api_key={}&limit=10\"\n",
        percent(&a)
    );
    let form = format!(
        "POST https://api.voiceinfra.ai/v1/session\nContent-Type: application/x-www-form-urlencoded\n\nagent=agent_main&voiceinfra_api_key={}&region=eu\n",
        percent(&b)
    );
    // Every byte encoded, as some HTTP clients log them.
    let all: String = c.bytes().map(|x| format!("%{x:02X}")).collect();
    let url = format!(
        "2025-03-12T10:00:01Z GET https://api.voiceinfra.ai/v1/agents?voiceinfra_token={all} 200\n"
    );
    let dir = TestDir::new();
    dir.write("scripts/poll.sh", &query);
    dir.write("api/session.http", &form);
    dir.write("logs/proxy.log", &url);
    let (code, report) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(code, 1);
    for (path, text, key, rule) in [
        ("scripts/poll.sh", &query, &a, ENDPOINT),
        ("api/session.http", &form, &b, ASSIGN),
        ("logs/proxy.log", &url, &c, ASSIGN),
    ] {
        let f = only_at(&report, path);
        assert_eq!(f["rule_id"], rule, "{path}");
        assert_eq!(f["secret"], key.as_str(), "{path}");
        assert_eq!(decoded(f), ["percent"], "{path}");
        let encoded = if path == "logs/proxy.log" {
            all.clone()
        } else {
            percent(key)
        };
        let (line, column) = position(text, &encoded);
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{path}"
        );
        assert_eq!(
            f["end_column"].as_u64(),
            Some(column + encoded.len() as u64),
            "{path}"
        );
    }
    let out = dir.run(&["scan", "--no-color"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[decoded: percent]"));
}

#[test]
fn base64_in_kubernetes_secrets_and_next_to_names_is_decoded() {
    let mut keys = Keygen::new(407);
    let (api, hook, nested, env_key, escaped) = (
        keys.key(32),
        keys.key(32),
        keys.key(40),
        keys.key(32),
        symbol_key(&mut keys),
    );
    let config_yaml =
        format!("voiceinfra:\n  base_url: https://api.voiceinfra.ai/v1\n  api_key: {nested}\n");
    // JSON from a .NET service: `+` written as \u002B, then base64 in the Secret.
    let config_json = format!(
        "{{\"VoiceInfra\":{{\"ApiKey\":\"{}\"}}}}",
        escaped.replace('+', "\\u002B")
    );
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dialer\ntype: Opaque\ndata:\n  VOICEINFRA_API_KEY: {}\n  VOICEINFRA_WEBHOOK_SECRET: {}\n  config.yaml: {}\n  appsettings.json: {}\n",
        base64(api.as_bytes()),
        base64(hook.as_bytes()),
        base64(config_yaml.as_bytes()),
        base64(config_json.as_bytes()),
    );
    let env = format!(
        "# base64 so the shell does not mangle it\nVOICEINFRA_API_KEY_B64={}\n",
        base64(env_key.as_bytes())
    );
    let dir = TestDir::new();
    dir.write("deploy/k8s/dialer-secret.yaml", &secret);
    dir.write("deploy/.env.b64", &env);
    let (code, report) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(code, 1);
    let mut got: Vec<(String, u64, String, String, Vec<String>)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line"),
                f["rule_id"].as_str().expect("rule").to_string(),
                f["secret"].as_str().expect("secret").to_string(),
                decoded(f),
            )
        })
        .collect();
    got.sort();
    let b64 = vec!["base64".to_string()];
    let secret_path = "deploy/k8s/dialer-secret.yaml".to_string();
    assert_eq!(
        got,
        vec![
            (
                "deploy/.env.b64".into(),
                2,
                ASSIGN.into(),
                env_key.clone(),
                b64.clone()
            ),
            (
                secret_path.clone(),
                7,
                ASSIGN.into(),
                api.clone(),
                b64.clone()
            ),
            (
                secret_path.clone(),
                8,
                WEBHOOK.into(),
                hook.clone(),
                b64.clone()
            ),
            (
                secret_path.clone(),
                9,
                ENDPOINT.into(),
                nested.clone(),
                b64.clone()
            ),
            (
                secret_path.clone(),
                10,
                ENDPOINT.into(),
                escaped.clone(),
                vec!["base64".to_string(), "escape".to_string()]
            ),
        ]
    );
    // Reported where the base64 text starts.
    let f = findings(&report)
        .iter()
        .find(|f| f["line"] == 7)
        .expect("line 7");
    assert_eq!(f["column"], "  VOICEINFRA_API_KEY: ".len() + 1);
    assert_eq!(
        f["end_column"].as_u64(),
        Some(("  VOICEINFRA_API_KEY: ".len() + base64(api.as_bytes()).len() + 1) as u64)
    );
}

#[test]
fn string_escapes_and_html_entities_are_undone() {
    let mut keys = Keygen::new(408);
    let (a, b, c, d) = (
        symbol_key(&mut keys),
        symbol_key(&mut keys),
        keys.key(32),
        symbol_key(&mut keys),
    );
    // System.Text.Json writes `+` as \u002B; PHP's json_encode writes `/` as `\/`.
    let appsettings = format!(
        "{{\n  \"VoiceInfra\": {{\n    \"BaseUrl\": \"https://api.voiceinfra.ai/v1\",\n    \"VoiceInfraApiKey\": \"{}\"\n  }}\n}}\n",
        a.replace('+', "\\u002B")
    );
    let php_json = format!(
        "{{\"voiceinfra_api_key\":\"{}\",\"voiceinfra_url\":\"https:\\/\\/api.voiceinfra.ai\\/v1\"}}\n",
        b.replace('/', "\\/")
    );
    let html = format!(
        "<!doctype html>\n<div id=\"root\" data-config=\"{{&quot;voiceinfraApiKey&quot;:&quot;{c}&quot;,&quot;agent&quot;:&quot;agent_main&quot;}}\"></div>\n"
    );
    let hex = format!(
        "const cfg = {{ voiceinfraToken: \"{}\" }};\n",
        d.replace('/', "\\x2F").replace('+', "\\x2b")
    );
    let dir = TestDir::new();
    dir.write("services/dotnet/appsettings.json", &appsettings);
    dir.write("services/php/config.json", &php_json);
    dir.write("site/index.html", &html);
    dir.write("web/src/config.js", &hex);
    let (code, report) = dir.scan_json(&["--show-secrets"]);
    assert_eq!(code, 1);
    for (path, key, encoded, kind) in [
        (
            "services/dotnet/appsettings.json",
            &a,
            a.replace('+', "\\u002B"),
            "escape",
        ),
        (
            "services/php/config.json",
            &b,
            b.replace('/', "\\/"),
            "escape",
        ),
        ("site/index.html", &c, c.clone(), "html-entity"),
        (
            "web/src/config.js",
            &d,
            d.replace('/', "\\x2F").replace('+', "\\x2b"),
            "escape",
        ),
    ] {
        let f = only_at(&report, path);
        assert_eq!(f["rule_id"], ASSIGN, "{path}");
        assert_eq!(f["secret"], key.as_str(), "{path}");
        assert_eq!(decoded(f), [kind], "{path}");
        let text = std::fs::read_to_string(dir.path().join(path)).expect("read");
        let (line, column) = position(&text, &encoded);
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{path}"
        );
    }
}

#[test]
fn utf16_without_a_bom_is_decoded_in_both_byte_orders() {
    let mut keys = Keygen::new(409);
    let (a, b) = (keys.key(32), keys.key(32));
    let ps1 = format!(
        "# Configure the dialer\r\n$env:VOICEINFRA_API_KEY = \"{a}\"\r\nStart-Process dialer.exe\r\n"
    );
    let ini = format!("[voiceinfra]\r\nbase_url=https://api.voiceinfra.ai/v1\r\napi_key={b}\r\n");
    let dir = TestDir::new();
    dir.write("scripts/setup.ps1", utf16(&ps1, false));
    dir.write("config/legacy.ini", utf16(&ini, true));
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["binary"], 0);
    let f = only_at(&report, "scripts/setup.ps1");
    assert_eq!(f["rule_id"], ASSIGN);
    assert_eq!(decoded(f), ["utf-16le"]);
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(position(&ps1, &a).1))
    );
    let f = only_at(&report, "config/legacy.ini");
    assert_eq!(f["rule_id"], ENDPOINT);
    assert_eq!(decoded(f), ["utf-16be"]);
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(9))
    );
}

// ---------------------------------------------------------------------------------------------
// Exposed by design.

/// Regression (fuzz/scan_blob): a public env variable's name is shown, not redacted, and a
/// 300-character one made a 355-character snippet; long names are shown by their ends.
#[test]
fn a_very_long_public_env_name_keeps_the_snippet_short() {
    let dir = TestDir::new();
    let name = format!("NEXT_PUBLIC_{}VOICEINFRA_API_KEY", "L".repeat(300));
    dir.write(
        "web/src/app.ts",
        format!("const key = process.env.{name};\n"),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let found = only_at(&report, "web/src/app.ts");
    assert_eq!(found["rule_id"], "voiceinfra.api-key.public-env");
    assert_eq!(
        found["public_env"],
        name.as_str(),
        "the JSON field keeps it whole"
    );
    let snippet = found["snippet"].as_str().expect("snippet");
    assert!(snippet.chars().count() <= 100, "{snippet}");
    assert!(snippet.ends_with("LLLVOICEINFRA_API_KEY;"), "{snippet}");
    assert_eq!(found["column"], 25);
}

/// Issue 13: a public-env finding's snippet shows the reference as written, including a second
/// copy of the name on its line (it printed `process.env.*****`, as if the name were a secret),
/// while a literal key beside it stays masked.
#[test]
fn issue_13_public_env_snippets_show_the_reference_as_written() {
    let mut keys = Keygen::new(1313);
    let literal = keys.key(32);
    // Built at run time, so that this file itself scans clean.
    let name = format!("NEXT_PUBLIC_{}", "VOICEINFRA_API_KEY");
    let dir = TestDir::new();
    dir.write(
        "web/next.config.js",
        format!("module.exports = {{ env: {{ {name}: process.env.{name} }} }};\n"),
    );
    dir.write(
        "web/src/client.ts",
        format!("const k = process.env.{name}; const VOICEINFRA_API_KEY = \"{literal}\";\n"),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let found = only_at(&report, "web/next.config.js");
    let snippet = found["snippet"].as_str().expect("snippet");
    assert!(
        // The window is 30 characters past the name: the second copy is cut, not masked.
        snippet.contains(&format!("process.env.{}", &name[..16])),
        "{snippet}"
    );
    assert!(!snippet.contains("*****"), "{snippet}");
    let text = String::from_utf8_lossy(&dir.run(&["scan", "--no-color"]).stdout).into_owned();
    assert!(!text.contains("process.env.*****"), "{text}");
    assert!(!text.contains(&literal), "{text}");
    assert!(
        text.contains(&format!("const k = process.env.{name};")),
        "{text}"
    );
}

#[test]
fn public_env_variables_are_reported_wherever_they_are_set() {
    let mut keys = Keygen::new(410);
    let literal = keys.key(32);
    let dir = TestDir::new();
    let env = format!(
        "NEXT_PUBLIC_VOICEINFRA_BASE_URL=https://api.voiceinfra.ai/v1\nNEXT_PUBLIC_VOICEINFRA_API_KEY={literal}\n"
    );
    dir.write("web/.env.production", &env);
    dir.write(
        "web/.env.example",
        "NEXT_PUBLIC_VOICEINFRA_API_KEY=<your-api-key>\nVITE_VOICEINFRA_API_KEY=\n",
    );
    // The exposing lines are put together at run time, so this file itself scans clean.
    let public = concat!("NEXT_PUBLIC_", "VOICEINFRA_API_KEY");
    dir.write(
        ".github/workflows/deploy.yml",
        format!("jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci && npm run build\n        env:\n          {public}: ${{{{ secrets.VOICEINFRA_API_KEY }}}}\n          VOICEINFRA_WEBHOOK_SECRET: ${{{{ secrets.VOICEINFRA_WEBHOOK_SECRET }}}}\n"),
    );
    dir.write(
        "web/Dockerfile",
        format!("FROM node:20 AS build\nARG {public}\nENV {public}=${public}\nRUN npm run build\n"),
    );
    dir.write(
        "web/next.config.js",
        format!(
            "module.exports = {{\n  env: {{\n    {public}: process.env.{public},\n  }},\n}};\n"
        ),
    );
    dir.write(
        "dashboard/vite.config.ts",
        format!(
            "import {{ defineConfig, loadEnv }} from \"vite\";\nexport default defineConfig(({{ mode }}) => {{\n  const env = loadEnv(mode, process.cwd(), \"\");\n  return {{\n    define: {{\n      __VOICEINFRA_KEY__: JSON.stringify({}.VOICEINFRA_API_KEY),\n    }},\n  }};\n}});\n",
            "env"
        ),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    let mut got = hits(&report);
    got.sort();
    let expected: Vec<(String, u64, String)> = vec![
        (".github/workflows/deploy.yml".into(), 7, PUBLIC.into()),
        ("dashboard/vite.config.ts".into(), 6, PUBLIC.into()),
        ("web/.env.production".into(), 2, PUBLIC.into()),
        ("web/Dockerfile".into(), 2, PUBLIC.into()),
        ("web/Dockerfile".into(), 3, PUBLIC.into()),
        ("web/next.config.js".into(), 3, PUBLIC.into()),
    ];
    assert_eq!(got, expected);
    // The literal in .env is one finding: its value redacted, the variable named.
    let f = only_at(&report, "web/.env.production");
    assert_eq!(f["via_rule"], ASSIGN);
    assert_eq!(f["public_env"], "NEXT_PUBLIC_VOICEINFRA_API_KEY");
    assert_eq!(f["column"].as_u64(), Some(position(&env, &literal).1));
    assert_ne!(f["preview"], literal.as_str());
    let out = dir.run(&["scan", "--no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(&literal));
    assert!(
        text.contains(
            "NEXT_PUBLIC_VOICEINFRA_API_KEY is browser-public, so the build inlines this key"
        ),
        "{text}"
    );
    assert!(
        text.contains("even though the source holds no literal"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hard negatives.

#[test]
fn public_by_design_values_and_lookalikes_in_bundles_are_not_reported() {
    let mut noise = Keygen::new(411);
    let png = base64(
        &noise
            .hex(96)
            .into_bytes()
            .iter()
            .map(|b| b.wrapping_mul(31))
            .collect::<Vec<u8>>(),
    );
    let svg = base64(b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\"><path d=\"M3 3h18v18H3z\"/></svg>");
    let (hash_a, hash_b) = (noise.hex(16), noise.hex(16));
    let sentry = format!("https://{}@o450812.ingest.sentry.io/5012345", noise.hex(32));
    let firebase = format!("AIza{}", noise.key(35));
    let stripe = format!("pk_live_{}", noise.key(40));
    let far_random = noise.key(48);
    let cursor = base64(noise.key(24).as_bytes());
    let runtime = format!(
        "!function(){{\"use strict\";var e={{}},n={{}};function r(t){{var o=n[t];if(void 0!==o)return o.exports;var i=n[t]={{exports:{{}}}};return e[t](i,i.exports,r),i.exports}}r.u=function(e){{return\"static/chunks/\"+({{341:\"voiceinfra-sdk\",772:\"call-widget\"}})[e]+\".\"+({{341:\"{hash_a}\",772:\"{hash_b}\"}})[e]+\".js\"}}}}();"
    );
    let app = format!(
        "(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[888],{{6840:function(e,t,n){{var r={{dsn:\"{sentry}\",tracesSampleRate:.1}},o={{apiKey:\"{firebase}\",authDomain:\"acme.firebaseapp.com\"}},i=\"{stripe}\",s=\"data:image/png;base64,{png}\",c={{voiceinfraLogo:\"{svg}\",voiceinfraIcon:\"data:image/svg+xml;base64,{svg}\"}};function a(e){{return fetch(\"https://api.voiceinfra.ai/v1/calls?cursor={cursor}&redirect=https%3A%2F%2Fapp.acme.io%2Fdone\",{{headers:{{\"X-API-Key\":e.key}}}})}}t.default=a}},1234:function(e){{e.exports={{version:\"1.4.2\"}}}}}}]);"
    );
    // A long random string far (many kilobytes) from anything VoiceInfra.
    let padding = "var q=function(e){return e*2};".repeat(400);
    let far = format!("{app}{padding}var L={{token:\"{far_random}\"}};");
    let dir = TestDir::new();
    dir.write(
        &format!("web/.next/static/chunks/webpack-{hash_a}.js"),
        &runtime,
    );
    dir.write(
        &format!("web/.next/static/chunks/pages/_app-{hash_b}.js"),
        &far,
    );
    dir.write(
        "web/.next/static/chunks/pages/_app.js.map",
        format!(
            "{{\"version\":3,\"sources\":[\"webpack://_N_E/./pages/_app.tsx\"],\"sourcesContent\":[{}],\"mappings\":\"AAAA\"}}",
            json_string("// VoiceInfra is called from the server: see pages/api/call.ts\nexport default function App({ Component, pageProps }) {\n  const apiKey = process.env.VOICEINFRA_API_KEY;\n  return <Component {...pageProps} />;\n}\n")
        ),
    );
    let (code, report) = dir.scan_json(&["--no-ignore"]);
    assert_eq!(code, 0, "{report:#}");
    assert!(findings(&report).is_empty());
}

#[test]
fn encodings_never_leak_the_decoded_secret() {
    let mut keys = Keygen::new(412);
    let (a, b) = (symbol_key(&mut keys), keys.key(32));
    let dir = TestDir::new();
    dir.write(
        "scripts/poll.sh",
        format!(
            "curl \"https://api.voiceinfra.ai/v1/calls?api_key={}\"\n",
            percent(&a)
        ),
    );
    dir.write(
        "k8s/secret.yaml",
        format!(
            "kind: Secret\ndata:\n  VOICEINFRA_API_KEY: {}\n",
            base64(b.as_bytes())
        ),
    );
    for format in ["text", "json", "jsonl", "sarif"] {
        let out = dir.run(&["scan", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = String::from_utf8_lossy(&out.stdout);
        for secret in [&a, &b] {
            assert!(!all.contains(&secret[..12]), "{format} leaks {secret}");
        }
    }
}
