//! The realistic corpus: a monorepo-shaped tree (a Next.js app and a Vite dashboard with their
//! built bundles, a Python and a Go service, infra, docs, snippets in a dozen languages) built at
//! test time from seeded fake keys. Every fixture line declares what must be reported on it, so
//! the test checks the exact set of (path, line, rule id) and fails on any miss or extra finding.
//!
//! Lines are declared with a tiny builder: `pos(RULE, text)` is a line with one expected finding,
//! `neg(text)` a line holding a hard negative (a value that must not be reported, usually in the
//! same file as a positive and next to VoiceInfra names), `l(text)` an ordinary line. Line numbers
//! come from the builder, never typed by hand.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::util::{Keygen, TestDir, base64, hits};

const WEBHOOK: &str = "voiceinfra.webhook-secret";
const ASSIGN: &str = "voiceinfra.api-key.assignment";
const HEADER: &str = "voiceinfra.api-key.header";
const INDIRECT: &str = "voiceinfra.api-key.indirect";
const ENDPOINT: &str = "voiceinfra.api-key.endpoint";
const PUBLIC: &str = "voiceinfra.api-key.public-env";
const BUNDLE: &str = "voiceinfra.api-key.bundle";
const GENERIC: &str = "generic.x-api-key";

/// One line of a fixture file and what the scan must report on it.
struct Line {
    text: String,
    /// Rule ids expected on this line (one entry per finding).
    expected: Vec<&'static str>,
    /// Hard negatives on this line: values that must not be reported.
    negatives: usize,
}

/// How a fixture is written to disk.
#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Utf8,
    /// UTF-16 little-endian with a byte order mark (Windows editors, PowerShell 5).
    Utf16Le,
    /// ISO-8859-1: not valid UTF-8 as soon as it has an accented letter.
    Latin1,
}

/// One fixture file, built line by line.
struct Fixture {
    path: String,
    lines: Vec<Line>,
    crlf: bool,
    encoding: Encoding,
}

impl Fixture {
    fn render(&self) -> Vec<u8> {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(&line.text);
            text.push_str(eol);
        }
        match self.encoding {
            Encoding::Utf8 => text.into_bytes(),
            Encoding::Utf16Le => {
                let mut out = vec![0xFF, 0xFE];
                out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                out
            }
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text"))
                .collect(),
        }
    }
}

/// Appends lines to one fixture of a [`Corpus`]. Every method takes `&self`, so keys can be
/// generated inline: `c.file(p).pos(HEADER, format!("… {}", c.key(32)))`.
struct FileBuilder<'a> {
    corpus: &'a Corpus,
    index: usize,
}

impl FileBuilder<'_> {
    fn push(&self, text: String, expected: &[&'static str], negatives: usize) -> &Self {
        assert!(!text.contains('\n'), "one line at a time: {text:?}");
        self.corpus.files.borrow_mut()[self.index].lines.push(Line {
            text,
            expected: expected.to_vec(),
            negatives,
        });
        self
    }

    /// Ordinary lines (may hold several, separated by `\n`); nothing to report, not counted.
    fn l(&self, text: impl AsRef<str>) -> &Self {
        for line in text.as_ref().split('\n') {
            self.push(line.to_string(), &[], 0);
        }
        self
    }

    /// A line with one finding of `rule`.
    fn pos(&self, rule: &'static str, text: impl Into<String>) -> &Self {
        self.push(text.into(), &[rule], 0)
    }

    /// Lines holding one hard negative each (several lines may be given, separated by `\n`,
    /// when one negative spans them).
    fn neg(&self, text: impl AsRef<str>) -> &Self {
        let mut lines = text.as_ref().split('\n');
        if let Some(first) = lines.next() {
            self.push(first.to_string(), &[], 1);
        }
        for line in lines {
            self.push(line.to_string(), &[], 0);
        }
        self
    }

    /// A line with several findings and hard negatives (minified bundles, dense snippets).
    fn mixed(&self, expected: &[&'static str], negatives: usize, text: impl Into<String>) -> &Self {
        self.push(text.into(), expected, negatives)
    }

    /// Writes the file with CRLF line endings.
    fn crlf(&self) -> &Self {
        self.corpus.files.borrow_mut()[self.index].crlf = true;
        self
    }

    /// Writes the file in `encoding`.
    fn encoded(&self, encoding: Encoding) -> &Self {
        self.corpus.files.borrow_mut()[self.index].encoding = encoding;
        self
    }
}

/// The whole tree plus the generators: `key`/`hex`/`uuid` make secrets that must be found (and
/// are remembered, to check redaction), `noise_*` make random values that must not be reported.
struct Corpus {
    secrets: RefCell<Keygen>,
    noise: RefCell<Keygen>,
    files: RefCell<Vec<Fixture>>,
    generated: RefCell<Vec<String>>,
}

impl Corpus {
    fn new() -> Corpus {
        Corpus {
            secrets: RefCell::new(Keygen::new(0x5eed_c0de_2024)),
            noise: RefCell::new(Keygen::new(0x0dd_ba11)),
            files: RefCell::new(Vec::new()),
            generated: RefCell::new(Vec::new()),
        }
    }

    /// Records a secret that must never appear in a report.
    fn remember(&self, secret: String) -> String {
        self.generated.borrow_mut().push(secret.clone());
        secret
    }

    /// A random alphanumeric key that must be reported.
    fn key(&self, len: usize) -> String {
        let k = self.secrets.borrow_mut().key(len);
        self.remember(k)
    }

    /// A random hex key that must be reported.
    fn hex(&self, len: usize) -> String {
        let k = self.secrets.borrow_mut().hex(len);
        self.remember(k)
    }

    /// A random UUID key that must be reported.
    fn uuid(&self) -> String {
        let k = self.secrets.borrow_mut().uuid();
        self.remember(k)
    }

    /// Random alphanumeric text in a non-secret role.
    fn noise_key(&self, len: usize) -> String {
        self.noise.borrow_mut().key(len)
    }

    /// Random hex in a non-secret role (hashes, digests, commit ids).
    fn noise_hex(&self, len: usize) -> String {
        self.noise.borrow_mut().hex(len)
    }

    /// A random UUID in a non-secret role (request, call, agent ids).
    fn noise_uuid(&self) -> String {
        self.noise.borrow_mut().uuid()
    }

    /// A short lowercase id suffix (`agent_<id>`).
    fn noise_id(&self, len: usize) -> String {
        self.noise.borrow_mut().id(len)
    }

    /// Base64 of `len` random bytes (integrity hashes, go.sum lines, inline images).
    fn noise_b64(&self, len: usize) -> String {
        let hex = self.noise_hex(len * 2);
        let bytes: Vec<u8> = hex.as_bytes().chunks(2).map(hex_byte).collect();
        base64(&bytes)
    }

    fn file(&self, path: &str) -> FileBuilder<'_> {
        let mut files = self.files.borrow_mut();
        assert!(
            files.iter().all(|f| f.path != path),
            "fixture {path} declared twice"
        );
        files.push(Fixture {
            path: path.to_string(),
            lines: Vec::new(),
            crlf: false,
            encoding: Encoding::Utf8,
        });
        FileBuilder {
            corpus: self,
            index: files.len() - 1,
        }
    }

    /// Sorted (path, line, rule id) of every expected finding.
    fn expected(&self) -> Vec<(String, u64, String)> {
        let mut out = Vec::new();
        for f in self.files.borrow().iter() {
            for (i, line) in f.lines.iter().enumerate() {
                for rule in &line.expected {
                    out.push((f.path.clone(), i as u64 + 1, rule.to_string()));
                }
            }
        }
        out.sort();
        out
    }

    fn count_negatives(&self) -> usize {
        self.files
            .borrow()
            .iter()
            .flat_map(|f| &f.lines)
            .map(|l| l.negatives)
            .sum()
    }

    fn line_text(&self, path: &str, line: u64) -> String {
        self.files
            .borrow()
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| f.lines.get(line as usize - 1))
            .map_or_else(|| "<no such line>".to_string(), |l| l.text.clone())
    }

    fn write(&self, dir: &TestDir) {
        for f in self.files.borrow().iter() {
            dir.write(&f.path, f.render());
        }
    }
}

fn hex_byte(pair: &[u8]) -> u8 {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    };
    digit(pair[0]) << 4 | digit(pair[1])
}

/// A 40-hex git commit id.
fn sha40(c: &Corpus) -> String {
    c.noise_hex(40)
}

// ---------------------------------------------------------------------------------------------
// The Next.js app: sources, env files, lockfile, and the built .next/ output.

fn next_app(c: &Corpus) {
    c.file("web/.gitignore")
        .l("node_modules/\n.next/\nout/\ndist/\n.env*.local");

    let sdk_integrity = c.noise_b64(64);
    let react_integrity = c.noise_b64(64);
    c.file("web/package.json").l(
        "{\n  \"name\": \"acme-voice-web\",\n  \"private\": true,\n  \"scripts\": { \"dev\": \"next dev\", \"build\": \"next build\" },\n  \"dependencies\": {\n    \"@voiceinfra/sdk\": \"^1.4.2\",\n    \"next\": \"14.2.3\",\n    \"react\": \"18.3.1\"\n  }\n}",
    );
    c.file("web/package-lock.json")
        .l("{\n  \"name\": \"acme-voice-web\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/@voiceinfra/sdk\": {\n      \"version\": \"1.4.2\",\n      \"resolved\": \"https://registry.npmjs.org/@voiceinfra/sdk/-/sdk-1.4.2.tgz\",")
        .neg(format!("      \"integrity\": \"sha512-{sdk_integrity}\","))
        .l("      \"license\": \"MIT\"\n    },\n    \"node_modules/react\": {\n      \"version\": \"18.3.1\",")
        .neg(format!("      \"integrity\": \"sha512-{react_integrity}\""))
        .l("    }\n  }\n}");

    let public_key = c.key(32);
    let agent = c.noise_id(8);
    let number_id = c.noise_uuid();
    c.file("web/.env.local")
        .l("# Local overrides, never committed (see .gitignore)")
        // A literal bound to a browser-public name: one finding, under the public-env rule
        // (the assignment rule matched it; the build inlines it into every visitor's bundle).
        .pos(
            PUBLIC,
            format!("NEXT_PUBLIC_VOICEINFRA_API_KEY={public_key}"),
        )
        .l("NEXT_PUBLIC_VOICEINFRA_BASE_URL=https://api.voiceinfra.ai/v1")
        .neg(format!("NEXT_PUBLIC_VOICEINFRA_AGENT_ID=agent_{agent}"))
        .neg(format!("VOICEINFRA_PHONE_NUMBER_ID={number_id}"));

    c.file("web/.env.example")
        .l("# Copy to .env.local and fill in. Get a key at https://app.voiceinfra.ai/settings/api")
        .neg("VOICEINFRA_API_KEY=your_voiceinfra_api_key_here")
        .neg("NEXT_PUBLIC_VOICEINFRA_API_KEY=<api-key>")
        .neg("VOICEINFRA_WEBHOOK_SECRET=changeme")
        .neg("VOICEINFRA_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        .neg("VOICEINFRA_API_KEY_PREVIOUS=********************************")
        .neg("VOICEINFRA_SIGNING_SECRET=REDACTED");

    c.file("web/src/lib/voiceinfra.ts")
        .l("// Browser-side client. The key must come from the server, never from NEXT_PUBLIC_*.")
        .l("const BASE_URL = \"https://api.voiceinfra.ai/v1\";")
        .pos(
            PUBLIC,
            "const apiKey = process.env.NEXT_PUBLIC_VOICEINFRA_API_KEY;",
        )
        .neg("const agentId = process.env.NEXT_PUBLIC_VOICEINFRA_AGENT_ID ?? \"agent_demo01\";")
        .l("")
        .l("export async function startCall(to: string) {")
        .l("  const res = await fetch(`${BASE_URL}/calls/outbound`, {")
        .l("    method: \"POST\",")
        .neg("    headers: { \"X-API-Key\": apiKey, \"Content-Type\": \"application/json\" },")
        .l("    body: JSON.stringify({ to, agent_id: agentId }),")
        .l("  });")
        .l("  return res.json();")
        .l("}");

    let button_key = c.key(40);
    let call_id = c.noise_uuid();
    c.file("web/src/components/CallButton.tsx")
        .l("import { useState } from \"react\";")
        .l("")
        .neg(format!("const DEMO_CALL_ID = \"{call_id}\";"))
        .l("")
        .l("export function CallButton({ to }: { to: string }) {")
        .l("  const [busy, setBusy] = useState(false);")
        .l("  async function onClick() {")
        .l("    setBusy(true);")
        .l("    await fetch(\"https://api.voiceinfra.ai/v1/calls/outbound\", {")
        .l("      method: \"POST\",")
        .pos(HEADER, format!("      headers: {{ \"X-API-Key\": \"{button_key}\", \"Content-Type\": \"application/json\" }},"))
        .l("      body: JSON.stringify({ to }),")
        .l("    });")
        .l("    setBusy(false);")
        .l("  }")
        .l("  return <button disabled={busy} onClick={onClick}>Call</button>;")
        .l("}");

    let axios_key = c.key(32);
    let agent_a = c.noise_id(6);
    let agent_b = c.noise_id(6);
    let req_id = c.noise_uuid();
    c.file("web/src/components/AgentList.tsx")
        .l("import axios from \"axios\";")
        .l("")
        .neg(format!(
            "const PINNED_AGENTS = [\"agent_{agent_a}\", \"agent_{agent_b}\"];"
        ))
        .l("")
        .l("export async function loadAgents() {")
        .l("  const { data } = await axios.get(\"https://api.voiceinfra.ai/v1/agents\", {")
        .pos(
            HEADER,
            format!("    headers: {{ 'x-api-key': '{axios_key}' }},"),
        )
        .neg(format!("    params: {{ request_id: '{req_id}' }},"))
        .l("  });")
        .l("  return data.agents;")
        .l("}");

    let hook_secret = c.key(32);
    let sample_sig = c.noise_hex(64);
    c.file("web/src/pages/api/voiceinfra-webhook.ts")
        .l("import crypto from \"crypto\";")
        .l("import type { NextApiRequest, NextApiResponse } from \"next\";")
        .l("")
        .neg(format!("// e.g. x-voiceinfra-signature: sha256={sample_sig}"))
        .l("export default function handler(req: NextApiRequest, res: NextApiResponse) {")
        .l("  const sig = req.headers[\"x-voiceinfra-signature\"] as string;")
        .pos(WEBHOOK, format!("  const mac = crypto.createHmac(\"sha256\", \"{hook_secret}\").update(JSON.stringify(req.body)).digest(\"hex\");"))
        .neg("  const expected = `sha256=${mac}`;")
        .l("  if (sig !== expected) return res.status(401).end();")
        .l("  res.status(200).json({ ok: true });")
        .l("}");

    // The build: Next inlines NEXT_PUBLIC_* values into the client chunks.
    let chunk_key = c.key(32);
    let runtime_hash = c.noise_hex(16);
    let page_hash = c.noise_hex(16);
    let b64_png = c.noise_b64(48);
    c.file(&format!("web/.next/static/chunks/pages/_app-{page_hash}.js"))
        .mixed(&[BUNDLE], 2, format!(
            "(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[888],{{6840:function(e,t,n){{\"use strict\";var r=n(5893),o={{NEXT_PUBLIC_VOICEINFRA_API_KEY:\"{chunk_key}\",NEXT_PUBLIC_VOICEINFRA_AGENT_ID:\"agent_{agent}\"}};var i=\"data:image/png;base64,{b64_png}\";function a(e){{return fetch(\"https://api.voiceinfra.ai/v1/calls/outbound\",{{method:\"POST\",headers:{{\"X-API-Key\":o.NEXT_PUBLIC_VOICEINFRA_API_KEY}},body:JSON.stringify(e)}})}}t.default=function(e){{var t=e.Component;return(0,r.jsx)(t,{{start:a,logo:i}})}}}}}}]);"
        ));
    // A shared chunk: the Firebase web config and Stripe's publishable key sit right next to the
    // VoiceInfra client; only the VoiceInfra key is VoiceInfra's.
    let firebase = format!("AIza{}", c.noise_key(35));
    let stripe_pk = format!("pk_live_{}", c.noise_key(40));
    let vi_token = c.key(32);
    let shared_hash = c.noise_hex(16);
    c.file(&format!("web/.next/static/chunks/shared-{shared_hash}.js"))
        .mixed(&[BUNDLE], 4, format!(
            "\"use strict\";(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[412],{{3301:function(e,t,n){{n.d(t,{{fb:function(){{return r}},vi:function(){{return i}}}});let r={{apiKey:\"{firebase}\",authDomain:\"acme-voice.firebaseapp.com\",projectId:\"acme-voice\",appId:\"1:{}:web:{}\"}},o=(0,n(7294).loadStripe)(\"{stripe_pk}\"),i={{baseUrl:\"https://api.voiceinfra.ai/v1\",token:\"{vi_token}\"}}}}}}]);",
            c.noise_hex(12).chars().filter(char::is_ascii_digit).collect::<String>() + "04",
            c.noise_hex(22),
        ));
    c.file("web/src/lib/firebase.ts")
        .l("import { initializeApp } from \"firebase/app\";")
        .l("// Our VoiceInfra client lives in ./voiceinfra.ts (https://api.voiceinfra.ai/v1).")
        .l("export const app = initializeApp({")
        .neg(format!("  apiKey: \"AIza{}\",", c.noise_key(35)))
        .l("  authDomain: \"acme-voice.firebaseapp.com\",")
        .l("  projectId: \"acme-voice\",")
        .l("});");
    let chunk_hash_a = c.noise_hex(16);
    let chunk_hash_b = c.noise_hex(16);
    c.file(&format!("web/.next/static/chunks/webpack-{runtime_hash}.js"))
        .mixed(&[], 2, format!(
            "!function(){{\"use strict\";var e={{}};n.u=function(e){{return\"static/chunks/\"+({{341:\"voiceinfra-sdk\",772:\"call-widget\"}})[e]+\".\"+({{341:\"{chunk_hash_a}\",772:\"{chunk_hash_b}\"}})[e]+\".js\"}}}}();"
        ));
}

// ---------------------------------------------------------------------------------------------
// A Vite + React dashboard with its dist/ build and source map.

fn vite_dashboard(c: &Corpus) {
    c.file("dashboard/.gitignore")
        .l("node_modules\ndist\n*.local");
    c.file("dashboard/src/env.ts")
        .pos(
            PUBLIC,
            "export const voiceinfraKey = import.meta.env.VITE_VOICEINFRA_API_KEY;",
        )
        .neg("export const voiceinfraAgent = import.meta.env.VITE_VOICEINFRA_AGENT_ID;")
        .neg("export const apiKey = import.meta.env.VITE_MAPS_API_KEY;")
        .neg("export const voiceinfraToken = import.meta.env.VOICEINFRA_TOKEN;");

    let key = c.key(40);
    c.file("dashboard/src/client.ts")
        .l("// TODO: move to the backend before launch")
        .pos(ASSIGN, format!("const VOICEINFRA_KEY = \"{key}\";"))
        .l("")
        .l("export function hangUp(callId: string) {")
        .l("  return fetch(`https://api.voiceinfra.ai/v1/calls/${callId}/hangup`, {")
        .l("    method: \"POST\",")
        .l("    headers: { \"X-API-Key\": VOICEINFRA_KEY },")
        .l("  });")
        .l("}");

    let hash = c.noise_hex(8);
    let agent = c.noise_id(6);
    let integrity = c.noise_b64(48);
    let png = c.noise_b64(60);
    let asset_hash = c.noise_hex(8);
    let vite_key = c.key(32);
    let mapbox = c.noise_key(60);
    let csrf = c.noise_key(32);
    c.file(&format!("dashboard/dist/assets/vendor-{asset_hash}.js"))
        .mixed(&[BUNDLE], 3, format!(
            "const Ie={{BASE_URL:\"/\",MODE:\"production\",DEV:!1,PROD:!0,SSR:!1,VITE_VOICEINFRA_API_KEY:\"{vite_key}\",VITE_VOICEINFRA_AGENT_ID:\"agent_{agent}\"}},Ne={{mapboxToken:\"pk.{mapbox}\",csrfToken:\"{csrf}\"}};function Re(e){{return fetch(\"https://api.voiceinfra.ai/v1/agents/\"+e,{{headers:{{\"X-API-Key\":Ie.VITE_VOICEINFRA_API_KEY}}}})}}export{{Re as a,Ne as m}};"
        ));
    // The built page: a config script pasted into index.html ships like the bundle.
    let html_key = c.key(32);
    let preload = c.noise_b64(48);
    c.file("dashboard/dist/index.html")
        .l("<!doctype html>")
        .l("<html lang=\"en\">")
        .l("  <head>")
        .l("    <meta charset=\"UTF-8\" />")
        .neg(format!("    <script type=\"module\" crossorigin src=\"/assets/index-{hash}.js\" integrity=\"sha384-{preload}\"></script>"))
        .pos(BUNDLE, format!("    <script>window.__VOICEINFRA__={{apiKey:\"{html_key}\",baseUrl:\"https://api.voiceinfra.ai/v1\"}}</script>"))
        .l("  </head>")
        .l("  <body><div id=\"root\"></div></body>")
        .l("</html>");
    c.file(&format!("dashboard/dist/assets/index-{hash}.js"))
        .mixed(&[BUNDLE], 3, format!(
            "import{{r as a,j as s}}from\"./vendor-{asset_hash}.js\";const Q=\"data:image/svg+xml;base64,{png}\",W={{voiceinfra:{{integrity:\"sha512-{integrity}\"}}}};function hx(e){{return fetch(`https://api.voiceinfra.ai/v1/calls/${{e}}/hangup`,{{method:\"POST\",headers:{{\"X-API-Key\":\"{key}\"}}}})}}export{{hx as h,Q as l,W as m}};"
        ))
        .l(format!("//# sourceMappingURL=index-{hash}.js.map"));
    c.file(&format!("dashboard/dist/assets/index-{hash}.js.map"))
        .mixed(&[BUNDLE], 0, format!(
            "{{\"version\":3,\"file\":\"index-{hash}.js\",\"sources\":[\"../../src/client.ts\"],\"sourcesContent\":[\"// TODO: move to the backend before launch\\nconst VOICEINFRA_KEY = \\\"{key}\\\";\\n\\nexport function hangUp(callId: string) {{\\n  return fetch(`https://api.voiceinfra.ai/v1/calls/${{callId}}/hangup`, {{\\n    method: \\\"POST\\\",\\n    headers: {{ \\\"X-API-Key\\\": VOICEINFRA_KEY }},\\n  }});\\n}}\\n\"],\"names\":[],\"mappings\":\"AAAA,MAAM\"}}"
        ));
}

// ---------------------------------------------------------------------------------------------
// Other front-end frameworks: each reads the key through its browser-public prefix.

fn public_env_apps(c: &Corpus) {
    c.file("apps/legacy-cra/src/voiceinfra.js")
        .pos(PUBLIC, "const token = process.env.REACT_APP_VOICEINFRA_TOKEN;")
        .neg("const apiUrl = process.env.REACT_APP_VOICEINFRA_API_URL || 'https://api.voiceinfra.ai/v1';")
        .neg("const serverKey = process.env.VOICEINFRA_API_KEY; // only defined in SSR")
        .l("export default { token, apiUrl, serverKey };");

    let cra_key = c.key(32);
    let main_hash = c.noise_hex(8);
    c.file(&format!("apps/legacy-cra/build/static/js/main.{main_hash}.chunk.js"))
        .mixed(&[BUNDLE], 0, format!(
            "(this[\"webpackJsonpvoice-console\"]=this[\"webpackJsonpvoice-console\"]||[]).push([[0],{{12:function(e,t,n){{\"use strict\";let r=\"{cra_key}\";async function s(){{return fetch(\"https://api.voiceinfra.ai/v1/agents\",{{headers:{{\"x-api-key\":r}}}})}}t.a=s}}}}]);"
        ))
        .l(format!("//# sourceMappingURL=main.{main_hash}.chunk.js.map"));

    c.file("apps/storefront/nuxt.config.ts")
        .l("export default defineNuxtConfig({")
        .l("  runtimeConfig: {")
        .neg("    voiceinfraApiKey: process.env.VOICEINFRA_API_KEY,")
        .l("    public: {")
        .mixed(
            &[PUBLIC],
            1,
            "      voiceinfraKey: process.env.NUXT_PUBLIC_VOICEINFRA_API_KEY,",
        )
        .neg("      voiceinfraAgentId: process.env.NUXT_PUBLIC_VOICEINFRA_AGENT_ID,")
        .l("    },")
        .l("  },")
        .l("});");

    c.file("apps/site/src/lib/voiceinfra.ts")
        .pos(PUBLIC, "import { PUBLIC_VOICEINFRA_API_KEY } from '$env/static/public';")
        .neg("import { VOICEINFRA_WEBHOOK_SECRET } from '$env/static/private';")
        .neg("import { PUBLIC_VOICEINFRA_AGENT_ID } from '$env/static/public';")
        .l("export const client = { key: PUBLIC_VOICEINFRA_API_KEY, agent: PUBLIC_VOICEINFRA_AGENT_ID };");

    c.file("apps/mobile/App.tsx")
        .l("import { VoiceInfra } from \"@voiceinfra/react-native\";")
        .pos(
            PUBLIC,
            "const vi = new VoiceInfra({ token: process.env.EXPO_PUBLIC_VOICEINFRA_TOKEN });",
        )
        .neg("const agent = process.env.EXPO_PUBLIC_VOICEINFRA_AGENT;")
        .l("export default function App() { return null; }");

    c.file("apps/landing/src/components/CallWidget.js")
        .pos(PUBLIC, "const key = process.env.GATSBY_VOICEINFRA_API_KEY")
        .neg("const region = process.env.GATSBY_VOICEINFRA_REGION")
        .l("export const CallWidget = () => null");

    // A vendored widget: minified and public, but holds only defaults.
    let agent = c.noise_id(6);
    c.file("web/public/vendor/voiceinfra-widget.min.js")
        .mixed(&[], 3, format!(
            "!function(w){{var d={{apiKey:\"\",agentId:\"agent_{agent}\",baseUrl:\"https://api.voiceinfra.ai/v1\",token:\"YOUR_VOICEINFRA_TOKEN\"}};w.VoiceInfraWidget={{init:function(o){{var c=Object.assign({{}},d,o);return fetch(c.baseUrl+\"/widget/session\",{{headers:{{\"X-API-Key\":c.apiKey}}}})}}}}}}(window);"
        ));
}

// ---------------------------------------------------------------------------------------------
// A Python service.

fn python_service(c: &Corpus) {
    let fallback = c.hex(64);
    let key_id = c.noise_id(8);
    let agent = c.noise_id(6);
    let openai = c.noise_key(48);
    let deepgram = c.noise_hex(40);
    c.file("services/dialer/app/config.py")
        .l("\"\"\"Settings for the dialer service.\"\"\"")
        .l("import os")
        .l("")
        .l("VOICEINFRA_BASE_URL = \"https://api.voiceinfra.ai/v1\"")
        .neg("VOICEINFRA_API_KEY = os.environ[\"VOICEINFRA_API_KEY\"]")
        .neg("VOICEINFRA_WEBHOOK_SECRET = os.getenv(\"VOICEINFRA_WEBHOOK_SECRET\", \"\")")
        .neg(format!(
            "VOICEINFRA_AGENT_ID = os.getenv(\"VOICEINFRA_AGENT_ID\", \"agent_{agent}\")"
        ))
        .neg(format!("VOICEINFRA_API_KEY_ID = \"key_{key_id}\""))
        .pos(
            ASSIGN,
            format!("VOICEINFRA_FALLBACK_API_KEY = \"{fallback}\""),
        )
        .neg(format!("OPENAI_API_KEY = \"sk-proj-{openai}\""))
        .neg(format!("DEEPGRAM_API_KEY = \"{deepgram}\""))
        .l("REQUEST_TIMEOUT = 10");

    let django = format!(
        "django-insecure-{}!{}(-{}",
        c.noise_key(20),
        c.noise_key(12),
        c.noise_key(14)
    );
    let prod_django = format!(
        "{}#{}^{}",
        c.noise_key(18),
        c.noise_key(16),
        c.noise_key(14)
    );
    c.file("services/dialer/app/settings.py")
        .l("from pathlib import Path")
        .l("")
        .l("BASE_DIR = Path(__file__).resolve().parent.parent")
        .neg(format!("SECRET_KEY = \"{django}\""))
        .neg(format!(
            "SECRET_KEY = os.environ.get(\"DJANGO_SECRET_KEY\", \"{prod_django}\")"
        ))
        .l("DEBUG = False")
        .l("VOICEINFRA = {\"BASE_URL\": \"https://api.voiceinfra.ai/v1\", \"TIMEOUT\": 10}");

    let key = c.key(32);
    let key2 = c.key(40);
    let req_id = c.noise_uuid();
    let call_id = c.noise_uuid();
    let agent2 = c.noise_id(6);
    c.file("services/dialer/app/client.py")
        .l("import requests")
        .l("")
        .l("from .config import VOICEINFRA_BASE_URL")
        .l("")
        .pos(INDIRECT, format!("API_KEY = \"{key}\""))
        .l("SESSION_HEADERS = {\"X-API-Key\": API_KEY, \"Accept\": \"application/json\"}")
        .l("")
        .l("")
        .neg(format!("def place_call(to: str, agent_id: str = \"agent_{agent2}\") -> dict:"))
        .l("    resp = requests.post(")
        .l("        f\"{VOICEINFRA_BASE_URL}/calls/outbound\",")
        .mixed(&[HEADER], 1, format!("        headers={{\"X-API-Key\": \"{key2}\", \"X-Request-Id\": \"{req_id}\"}},"))
        .neg(format!("        json={{\"to\": to, \"agent_id\": agent_id, \"metadata\": {{\"call_id\": \"{call_id}\"}}}},"))
        .l("        timeout=10,")
        .l("    )")
        .l("    resp.raise_for_status()")
        .l("    return resp.json()")
        .l("")
        .l("")
        .l("def session() -> requests.Session:")
        .l("    s = requests.Session()")
        .neg("    s.headers[\"X-API-Key\"] = os.environ.get(\"VOICEINFRA_API_KEY\", \"\")")
        .l("    return s");

    let whsec = c.key(32);
    let hmac_key = c.key(32);
    let github = c.noise_hex(40);
    let call = c.noise_id(10);
    // Type annotations next to the VoiceInfra host: dotted type names, not values.
    c.file("services/dialer/app/signing.py")
        .l("\"\"\"Checks VoiceInfra event signatures (keys at https://api.voiceinfra.ai/v1/keys).\"\"\"")
        .l("from dataclasses import dataclass")
        .l("")
        .l("from cryptography.hazmat.primitives.asymmetric import ed25519, x25519")
        .l("")
        .l("")
        .l("@dataclass")
        .l("class EventVerifier:")
        .neg("    public_key: ed25519.Ed25519PublicKey")
        .neg("    signing_key: x25519.X25519PrivateKey");

    c.file("services/dialer/app/webhooks.py")
        .l("import hashlib")
        .l("import hmac")
        .l("")
        .l("from flask import Flask, abort, request")
        .l("")
        .l("app = Flask(__name__)")
        .pos(WEBHOOK, format!("WEBHOOK_SECRET = \"whsec_{whsec}\""))
        .neg(format!("GITHUB_WEBHOOK_SECRET = \"{github}\""))
        .l("SIGNATURE_HEADER = \"X-VoiceInfra-Signature\"")
        .l("")
        .l("")
        .l("@app.post(\"/webhooks/voiceinfra\")")
        .l("def voiceinfra_webhook():")
        .l("    sent = request.headers.get(SIGNATURE_HEADER, \"\")")
        .pos(WEBHOOK, format!("    digest = hmac.new(b\"{hmac_key}\", request.get_data(), hashlib.sha256).hexdigest()"))
        .l("    if not hmac.compare_digest(sent, f\"sha256={digest}\"):")
        .l("        abort(401)")
        .l("    event = request.get_json()")
        .neg(format!("    call_id = event.get(\"call_id\", \"call_{call}\")"))
        .l("    return {\"received\": call_id}");

    let body_call = c.noise_uuid();
    let sig1 = c.noise_hex(64);
    let sig2 = c.noise_hex(64);
    let ts = "1712345678";
    let sig3 = c.noise_hex(64);
    c.file("services/dialer/tests/test_webhooks.py")
        .neg(format!(
            "SAMPLE_BODY = b'{{\"event\": \"call.completed\", \"call_id\": \"{body_call}\"}}'"
        ))
        .neg(format!("SAMPLE_SIGNATURE = \"sha256={sig1}\""))
        .l("")
        .l("")
        .l("def test_rejects_a_bad_signature(client):")
        .neg(format!(
            "    headers = {{\"X-VoiceInfra-Signature\": \"{sig2}\"}}"
        ))
        .l("    resp = client.post(\"/webhooks/voiceinfra\", data=SAMPLE_BODY, headers=headers)")
        .l("    assert resp.status_code == 401")
        .l("")
        .l("")
        .l("def test_accepts_a_timestamped_signature(client):")
        .neg(format!(
            "    headers = {{\"X-VoiceInfra-Signature\": \"t={ts},v1={sig3}\"}}"
        ))
        .l("    assert client.post(\"/webhooks/voiceinfra\", data=SAMPLE_BODY, headers=headers)");

    let weather = c.key(32);
    c.file("services/dialer/app/weather.py")
        .l("import requests")
        .l("")
        .l("")
        .l("def forecast(city: str) -> dict:")
        .l("    return requests.get(")
        .l("        \"https://api.weatherco.io/v2/forecast\",")
        .l("        params={\"q\": city},")
        .pos(
            GENERIC,
            format!("        headers={{\"X-API-Key\": \"{weather}\"}},"),
        )
        .l("    ).json()");

    let toml_key = c.key(32);
    let toml_hook = c.key(32);
    let session = c.noise_key(40);
    let openai_toml = c.noise_key(48);
    let agent3 = c.noise_id(6);
    c.file("services/dialer/config/settings.toml")
        .l("[server]")
        .l("port = 8080")
        .neg(format!("session_secret = \"{session}\""))
        .l("")
        .l("[voiceinfra]")
        .l("base_url = \"https://api.voiceinfra.ai/v1\"")
        .pos(ENDPOINT, format!("api_key = \"{toml_key}\""))
        .neg(format!("agent_id = \"agent_{agent3}\""))
        .pos(WEBHOOK, format!("webhook_secret = \"{toml_hook}\""))
        .l("")
        .l("[openai]")
        .neg(format!("api_key = \"sk-{openai_toml}\""))
        .l("model = \"gpt-4o-realtime\"");

    let ini_default = c.key(32);
    let ini_uuid = c.uuid();
    let ini_agent = c.noise_uuid();
    c.file("services/dialer/config/app.ini")
        .l("[DEFAULT]")
        .pos(ASSIGN, format!("voiceinfra_api_key = {ini_default}"))
        .l("")
        .l("[voiceinfra]")
        .pos(ENDPOINT, format!("api_key = {ini_uuid}"))
        .neg(format!("agent_id = {ini_agent}"))
        .l("region = us-east-1");

    // A key inside a URL bound to another VoiceInfra name: the URL is no key for that name,
    // but holds one (a match rejected for its name must not hide the one inside its value).
    let callback_key = c.key(32);
    let events_key = c.key(40);
    c.file("services/dialer/.env.callbacks")
        .pos(
            ASSIGN,
            format!(
                "VOICEINFRA_TOKEN_CALLBACK_URL=https://hooks.example.com/status?voiceinfra_token={callback_key}"
            ),
        )
        .pos(
            ASSIGN,
            format!("VOICEINFRA_KEYS_ENDPOINT=https://hooks.example.com/events?voiceinfra_api_key={events_key}&v=2"),
        )
        .neg("VOICEINFRA_TOKEN_FALLBACK_URL=https://hooks.example.com/fb?voiceinfra_token=${VOICEINFRA_TOKEN}");

    let hash1 = c.noise_hex(64);
    let hash2 = c.noise_hex(64);
    c.file("services/dialer/requirements.txt")
        .l("flask==3.0.3")
        .l("voiceinfra==1.4.2 \\")
        .neg(format!("    --hash=sha256:{hash1}"))
        .l("requests==2.32.3 \\")
        .neg(format!("    --hash=sha256:{hash2}"));

    let base_digest = c.noise_hex(64);
    let docker_hook = c.key(32);
    c.file("services/dialer/Dockerfile")
        .neg(format!("FROM python:3.12-slim@sha256:{base_digest}"))
        .neg("ARG VOICEINFRA_API_KEY")
        .neg("ENV VOICEINFRA_API_KEY=${VOICEINFRA_API_KEY}")
        .l("ENV VOICEINFRA_BASE_URL=https://api.voiceinfra.ai/v1")
        .pos(
            WEBHOOK,
            format!("ENV VOICEINFRA_WEBHOOK_SECRET {docker_hook}"),
        )
        .l("WORKDIR /app\nCOPY . .\nRUN pip install --require-hashes -r requirements.txt")
        .l("CMD [\"gunicorn\", \"app.webhooks:app\"]");
}

// ---------------------------------------------------------------------------------------------
// A Go service.

fn go_service(c: &Corpus) {
    let indirect = c.key(32);
    let token = c.key(40);
    let header = c.key(32);
    let agent = c.noise_uuid();
    let req = c.noise_uuid();
    let idem = c.noise_uuid();
    c.file("services/router/main.go")
        .l("package main")
        .l("")
        .l("import (\n\t\"bytes\"\n\t\"net/http\"\n\t\"os\"\n)")
        .l("")
        .l("const voiceinfraBaseURL = \"https://api.voiceinfra.ai/v1\"")
        .pos(INDIRECT, format!("const apiKey = \"{indirect}\""))
        .l("")
        .pos(ASSIGN, format!("var voiceinfraToken = \"{token}\""))
        .neg(format!("var defaultAgentID = \"{agent}\""))
        .l("")
        .l("func placeCall(body []byte) (*http.Response, error) {")
        .l("\treq, err := http.NewRequest(\"POST\", voiceinfraBaseURL+\"/calls/outbound\", bytes.NewReader(body))")
        .l("\tif err != nil {\n\t\treturn nil, err\n\t}")
        .l("\treq.Header.Set(\"X-API-Key\", apiKey)")
        .neg(format!("\treq.Header.Set(\"X-Request-Id\", \"{req}\")"))
        .neg(format!("\treq.Header.Set(\"Idempotency-Key\", \"{idem}\")"))
        .l("\treturn http.DefaultClient.Do(req)")
        .l("}")
        .l("")
        .l("func listAgents() (*http.Response, error) {")
        .l("\treq, _ := http.NewRequest(\"GET\", voiceinfraBaseURL+\"/agents\", nil)")
        .pos(HEADER, format!("\treq.Header.Add(\"x-api-key\", \"{header}\")"))
        .l("\treturn http.DefaultClient.Do(req)")
        .l("}")
        .l("")
        .neg("func keyFromEnv() string { return os.Getenv(\"VOICEINFRA_API_KEY\") }");

    let mac_key = c.key(32);
    c.file("services/router/webhook.go")
        .l("package main")
        .l("")
        .l("import (\n\t\"crypto/hmac\"\n\t\"crypto/sha256\"\n\t\"encoding/hex\"\n\t\"net/http\"\n)")
        .l("")
        .l("func verify(r *http.Request, body []byte) bool {")
        .l("\tsig := r.Header.Get(\"X-VoiceInfra-Signature\")")
        .pos(WEBHOOK, format!("\tmac := hmac.New(sha256.New, []byte(\"{mac_key}\"))"))
        .l("\tmac.Write(body)")
        .neg("\twant := \"sha256=\" + hex.EncodeToString(mac.Sum(nil))")
        .l("\treturn hmac.Equal([]byte(sig), []byte(want))")
        .l("}");

    let agent_default = c.noise_id(8);
    c.file("services/router/config.go")
        .l("package main")
        .l("")
        .l("type Config struct {")
        .neg("\tVoiceInfraAPIKey  string `env:\"VOICEINFRA_API_KEY,required\"`")
        .neg(format!("\tVoiceInfraAgentID string `env:\"VOICEINFRA_AGENT_ID\" envDefault:\"agent_{agent_default}\"`"))
        .neg("\tVoiceInfraKeyFile string `env:\"VOICEINFRA_API_KEY_FILE\" envDefault:\"/run/secrets/voiceinfra_api_key\"`")
        .l("}");

    let h1 = c.noise_b64(32);
    let h2 = c.noise_b64(32);
    c.file("services/router/go.sum")
        .neg(format!(
            "github.com/voiceinfra/voiceinfra-go v1.3.0 h1:{h1}"
        ))
        .neg(format!(
            "github.com/voiceinfra/voiceinfra-go v1.3.0/go.mod h1:{h2}"
        ));

    let arg_token = c.key(32);
    let env_key = c.key(40);
    let revision = sha40(c);
    c.file("services/router/Dockerfile")
        .l("FROM golang:1.22 AS build")
        .pos(ASSIGN, format!("ARG VOICEINFRA_TOKEN={arg_token}"))
        .l("WORKDIR /src\nCOPY . .\nRUN go build -o /router .")
        .l("FROM gcr.io/distroless/base")
        .pos(ASSIGN, format!("ENV VOICEINFRA_API_KEY {env_key}"))
        .neg(format!(
            "LABEL org.opencontainers.image.revision={revision}"
        ))
        .l("COPY --from=build /router /router\nENTRYPOINT [\"/router\"]");
}

// ---------------------------------------------------------------------------------------------
// Infrastructure: compose, Kubernetes, Terraform, GitHub Actions, env files, Helm.

fn infra(c: &Corpus) {
    let compose_key = c.key(32);
    let compose_token = c.key(32);
    let image_digest = c.noise_hex(64);
    let agent = c.noise_id(8);
    let tts_key = c.noise_key(32);
    c.file("docker-compose.yml")
        .l("services:")
        .l("  dialer:")
        .neg(format!(
            "    image: ghcr.io/acme/dialer@sha256:{image_digest}"
        ))
        .l("    environment:")
        .pos(ASSIGN, format!("      VOICEINFRA_API_KEY: {compose_key}"))
        .neg("      VOICEINFRA_WEBHOOK_SECRET: ${VOICEINFRA_WEBHOOK_SECRET}")
        .neg(format!("      VOICEINFRA_AGENT_ID: agent_{agent}"))
        .l("  router:")
        .l("    build: ./services/router")
        .l("    environment:")
        .pos(ASSIGN, format!("      - VOICEINFRA_TOKEN={compose_token}"))
        .neg("      - VOICEINFRA_API_KEY=$VOICEINFRA_API_KEY")
        .l("      - VOICEINFRA_BASE_URL=https://api.voiceinfra.ai/v1")
        .l("  tts-proxy:")
        .l("    image: ghcr.io/acme/tts-proxy:1.2")
        .l("    environment:")
        .neg(format!("      API_KEY: {tts_key}"))
        .l("      UPSTREAM_URL: https://api.elevenlabs.io/v1");

    let string_data = c.key(32);
    let data_raw = c.key(32);
    let data_b64 = base64(data_raw.as_bytes());
    let data_b64 = c.remember(data_b64);
    c.file("deploy/k8s/secret.yaml")
        .l("apiVersion: v1\nkind: Secret\nmetadata:\n  name: voiceinfra-credentials\ntype: Opaque\nstringData:")
        .pos(ASSIGN, format!("  VOICEINFRA_API_KEY: \"{string_data}\""))
        .l("data:")
        .pos(WEBHOOK, format!("  VOICEINFRA_WEBHOOK_SECRET: {data_b64}"));

    let dep_token = c.key(32);
    let dep_hook = c.key(32);
    let agent_uuid = c.noise_uuid();
    let digest = c.noise_hex(64);
    let checksum = c.noise_hex(64);
    c.file("deploy/k8s/deployment.yaml")
        .l("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dialer\nspec:\n  template:\n    metadata:\n      annotations:")
        .neg(format!("        checksum/config: {checksum}"))
        .l("    spec:\n      containers:\n        - name: dialer")
        .neg(format!("          image: ghcr.io/acme/dialer@sha256:{digest}"))
        .l("          env:")
        .l("            - name: VOICEINFRA_API_KEY\n              valueFrom:\n                secretKeyRef:\n                  name: voiceinfra-credentials")
        .neg("                  key: VOICEINFRA_API_KEY")
        .l("            - name: VOICEINFRA_TOKEN")
        .pos(ASSIGN, format!("              value: \"{dep_token}\""))
        .l("            - name: VOICEINFRA_AGENT_ID")
        .neg(format!("              value: \"{agent_uuid}\""))
        .l("            - name: VOICEINFRA_WEBHOOK_SECRET")
        .pos(WEBHOOK, format!("              value: {dep_hook}"))
        .l("            - name: VOICEINFRA_API_KEY_SECRET_NAME")
        .neg("              value: voiceinfra-credentials-v2");

    let cm_url = "https://api.voiceinfra.ai/v1";
    c.file("deploy/k8s/configmap.yaml")
        .l("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dialer-config\ndata:")
        .l(format!("  VOICEINFRA_BASE_URL: {cm_url}"))
        .neg("  VOICEINFRA_API_KEY_FILE: /var/run/secrets/voiceinfra/api-key")
        .neg("  VOICEINFRA_API_KEY_HEADER: X-API-Key")
        .neg("  VOICEINFRA_TOKEN_TTL: \"3600\"");

    let tf_default = c.key(32);
    let tf_local = c.key(40);
    let tf_provider = c.key(32);
    c.file("deploy/terraform/main.tf")
        .l("variable \"voiceinfra_api_key\" {")
        .l("  type      = string")
        .l("  sensitive = true")
        .pos(ASSIGN, format!("  default   = \"{tf_default}\""))
        .l("}")
        .l("")
        .l("variable \"voiceinfra_webhook_secret\" {\n  type      = string\n  sensitive = true\n}")
        .l("")
        .l("locals {")
        .pos(ASSIGN, format!("  voiceinfra_token = \"{tf_local}\""))
        .l("}")
        .l("")
        .l("provider \"voiceinfra\" {")
        .pos(ENDPOINT, format!("  api_key = \"{tf_provider}\""))
        .l("}")
        .l("")
        .l("resource \"aws_secretsmanager_secret_version\" \"voiceinfra\" {")
        .l("  secret_id     = aws_secretsmanager_secret.voiceinfra.id")
        .neg("  secret_string = var.voiceinfra_api_key")
        .l("}");

    let h1 = c.noise_b64(32);
    let zh1 = c.noise_hex(64);
    let zh2 = c.noise_hex(64);
    c.file("deploy/terraform/.terraform.lock.hcl")
        .l("provider \"registry.terraform.io/voiceinfra/voiceinfra\" {")
        .l("  version     = \"0.9.1\"")
        .l("  constraints = \"~> 0.9\"")
        .l("  hashes = [")
        .neg(format!("    \"h1:{h1}\","))
        .neg(format!("    \"zh:{zh1}\","))
        .neg(format!("    \"zh:{zh2}\","))
        .l("  ]")
        .l("}");

    let checkout = sha40(c);
    let setup = sha40(c);
    let staging = c.key(32);
    let smoke = c.key(40);
    c.file(".github/workflows/deploy.yml")
        .l("name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest")
        .l("    env:")
        .neg("      VOICEINFRA_API_KEY: ${{ secrets.VOICEINFRA_API_KEY }}")
        .pos(ASSIGN, format!("      VOICEINFRA_STAGING_KEY: \"{staging}\""))
        .l("    steps:")
        .neg(format!("      - uses: actions/checkout@{checkout} # v4.1.7"))
        .neg(format!("      - uses: voiceinfra/setup-cli@{setup} # v2"))
        .l("      - name: smoke test")
        .l("        run: |")
        .neg("          curl -fsS https://api.voiceinfra.ai/v1/agents -H \"X-API-Key: ${{ secrets.VOICEINFRA_API_KEY }}\"")
        .pos(HEADER, format!("          curl -fsS https://api.voiceinfra.ai/v1/agents -H \"X-API-Key: {smoke}\""))
        .neg("          echo \"deployed ${{ github.sha }}\"");

    let env_key = c.key(32);
    let env_hook = c.key(32);
    let agent_env = c.noise_id(8);
    let number = c.noise_uuid();
    c.file(".env")
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY={env_key}"))
        .pos(
            WEBHOOK,
            format!("VOICEINFRA_WEBHOOK_SECRET=whsec_{env_hook}"),
        )
        .neg(format!("VOICEINFRA_AGENT_ID=agent_{agent_env}"))
        .neg(format!("VOICEINFRA_PHONE_NUMBER_ID={number}"))
        .l("VOICEINFRA_BASE_URL=https://api.voiceinfra.ai/v1");

    c.file("services/router/.env")
        .l("VOICEINFRA_BASE_URL=https://api.voiceinfra.ai/v1")
        .pos(ENDPOINT, format!("API_KEY={}", c.key(32)))
        .neg(format!("JWT_SECRET={}", c.noise_key(40)))
        .neg(format!("ENCRYPTION_KEY={}", c.noise_b64(32)))
        .neg(format!("TWILIO_AUTH_TOKEN={}", c.noise_hex(32)))
        .neg(format!("ELEVENLABS_API_KEY={}", c.noise_hex(32)))
        .neg(format!("STRIPE_SECRET_KEY=sk_live_{}", c.noise_key(40)))
        .neg(format!(
            "AWS_ACCESS_KEY_ID=AKIA{}",
            c.noise_key(16).to_ascii_uppercase()
        ))
        .neg(format!(
            "SLACK_BOT_TOKEN=xoxb-{}-{}",
            c.noise_hex(12),
            c.noise_key(24)
        ))
        .neg(format!(
            "DATABASE_URL=postgres://dialer:{}@db.internal:5432/dialer",
            c.noise_key(24)
        ));

    let prod_key = c.key(40);
    let prod_uuid = c.uuid();
    c.file(".env.production")
        .crlf()
        .l("# production (Windows checkout, CRLF)")
        .pos(ASSIGN, format!("export VOICEINFRA_API_KEY=\"{prod_key}\""))
        .pos(
            ASSIGN,
            format!("export VOICEINFRA_SECONDARY_KEY='{prod_uuid}'"),
        )
        .neg("export VOICEINFRA_WEBHOOK_SECRET=\"$VOICEINFRA_WEBHOOK_SECRET\"");

    let helm_key = c.key(32);
    let helm_hook = c.key(32);
    let helm_agent = c.noise_id(8);
    let helm_digest = c.noise_hex(64);
    let sentry = c.noise_hex(32);
    c.file("deploy/helm/values.yaml")
        .l("replicaCount: 2")
        .l("image:\n  repository: ghcr.io/acme/dialer")
        .neg(format!("  digest: sha256:{helm_digest}"))
        .l("voiceinfra:")
        .l("  baseUrl: https://api.voiceinfra.ai/v1")
        .pos(ENDPOINT, format!("  apiKey: \"{helm_key}\""))
        .neg(format!("  agentId: agent_{helm_agent}"))
        .pos(WEBHOOK, format!("  signingSecret: \"{helm_hook}\""))
        .neg("  existingSecret: voiceinfra-credentials")
        .l("sentry:")
        .neg(format!("  key: \"{sentry}\""));
}

// ---------------------------------------------------------------------------------------------
// Docs and HTTP files.

fn docs(c: &Corpus) {
    let pasted = c.key(40);
    let agent = c.noise_id(6);
    c.file("README.md")
        .l("# Acme Voice")
        .l("")
        .l("## Calling VoiceInfra")
        .l("")
        .neg("Keep your key in `VOICEINFRA_API_KEY` and send it in the `X-API-Key` header; the")
        .neg("`X-VoiceInfra-Signature` header carries an HMAC-SHA256 digest of each webhook body.")
        .l("")
        .l("```bash")
        .l("curl -X POST https://api.voiceinfra.ai/v1/calls/outbound \\")
        .neg("  -H \"X-API-Key: $VOICEINFRA_API_KEY\" \\")
        .l("  -H \"Content-Type: application/json\" \\")
        .neg(format!(
            "  -d '{{\"agent_id\": \"agent_{agent}\", \"to\": \"+15551234567\"}}'"
        ))
        .l("```")
        .l("")
        .l("Staging smoke test (remove before merging):")
        .l("")
        .l("```bash")
        .pos(
            HEADER,
            format!("curl --header 'x-api-key: {pasted}' https://api.voiceinfra.ai/v1/agents"),
        )
        .l("```")
        .l("")
        .neg("Replace `X-API-Key: YOUR_API_KEY` with your own key; an api key: never share it.")
        .neg("Token: the key shown once under Settings → API keys.")
        .neg("- `api_key`: your VoiceInfra API key (required); `webhook_secret`: optional.");

    let quick = c.key(32);
    let call = c.noise_uuid();
    c.file("docs/quickstart.md")
        .l("# Quickstart")
        .l("")
        .l("```sh")
        .neg("export VOICEINFRA_API_KEY=\"<your-api-key>\"")
        .neg("curl -H \"X-API-Key: ${VOICEINFRA_API_KEY}\" https://api.voiceinfra.ai/v1/agents")
        .neg(format!("curl -H \"X-API-Key: $VOICEINFRA_API_KEY\" https://api.voiceinfra.ai/v1/calls/{call}"))
        .l("```")
        .l("")
        .l("Python:")
        .l("")
        .l("```python")
        .l("import requests")
        .neg("requests.get(\"https://api.voiceinfra.ai/v1/agents\", headers={\"X-API-Key\": \"<api-key>\"})")
        .pos(HEADER, format!("requests.get(\"https://api.voiceinfra.ai/v1/agents\", headers={{\"X-API-Key\": \"{quick}\"}})"))
        .l("```")
        .l("")
        .neg("Masked keys look like `X-API-Key: vi_****************` in the dashboard.");

    let sig = c.noise_hex(64);
    let sig2 = c.noise_hex(64);
    let evt = c.noise_id(12);
    c.file("docs/webhooks.md")
        .l("# Webhooks")
        .l("")
        .l("Each delivery carries a signature:")
        .l("")
        .l("```http")
        .l("POST /webhooks/voiceinfra HTTP/1.1")
        .neg(format!("X-VoiceInfra-Signature: sha256={sig}"))
        .neg(format!("X-VoiceInfra-Event-Id: evt_{evt}"))
        .l("```")
        .l("")
        .neg(format!("Older integrations send `X-VoiceInfra-Signature: t=1712345678,v1={sig2}`."))
        .neg("Set `VOICEINFRA_WEBHOOK_SECRET=<secret from the dashboard>` and compare digests.")
        .neg("The webhook secret: a random string you choose when creating the endpoint.")
        .neg("![flow](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk)");

    let http_var = c.key(32);
    let http_key = c.key(40);
    let call = c.noise_uuid();
    let req = c.noise_uuid();
    c.file("api/calls.http")
        .l("@baseUrl = https://api.voiceinfra.ai/v1")
        .pos(API_CLIENT, format!("@apiKey = {http_var}"))
        .l("")
        .l("### Place a call")
        .l("POST {{baseUrl}}/calls/outbound")
        .neg("X-API-Key: {{apiKey}}")
        .l("Content-Type: application/json")
        .l("")
        .l("{\"agent_id\": \"agent_main\", \"to\": \"+15551234567\"}")
        .l("")
        .l("### Get a call")
        .neg(format!("GET https://api.voiceinfra.ai/v1/calls/{call}"))
        .pos(HEADER, format!("X-API-Key: {http_key}"))
        .neg(format!("X-Request-Id: {req}"));
}

// ---------------------------------------------------------------------------------------------
// Snippets in other languages, and other vendors.

fn snippets(c: &Corpus) {
    let java_const = c.key(32);
    let java_header = c.key(32);
    let java_hmac = c.key(32);
    let trace = c.noise_uuid();
    c.file("examples/java/src/main/java/com/acme/VoiceInfraClient.java")
        .l("package com.acme;")
        .l("")
        .l("public final class VoiceInfraClient {")
        .l("    private static final String BASE_URL = \"https://api.voiceinfra.ai/v1\";")
        .pos(INDIRECT, format!("    private static final String API_KEY = \"{java_const}\";"))
        .neg(format!("    private static final String TRACE_ID = \"{trace}\";"))
        .l("")
        .l("    Request outbound(RequestBody body) {")
        .l("        return new Request.Builder().url(BASE_URL + \"/calls/outbound\").addHeader(\"X-API-Key\", API_KEY).post(body).build();")
        .l("    }")
        .l("")
        .l("    HttpRequest agents() {")
        .pos(HEADER, format!("        return HttpRequest.newBuilder(URI.create(BASE_URL + \"/agents\")).header(\"x-api-key\", \"{java_header}\").build();"))
        .l("    }")
        .l("")
        .l("    boolean verify(HttpServletRequest req, byte[] body) throws Exception {")
        .l("        String signature = req.getHeader(\"X-VoiceInfra-Signature\");")
        .l("        Mac mac = Mac.getInstance(\"HmacSHA256\");")
        .pos(WEBHOOK, format!("        mac.init(new SecretKeySpec(\"{java_hmac}\".getBytes(), \"HmacSHA256\"));"))
        .neg("        String key = System.getenv(\"VOICEINFRA_API_KEY\");")
        .l("        return MessageDigest.isEqual(signature.getBytes(), mac.doFinal(body));")
        .l("    }")
        .l("}");

    let kt_val = c.key(32);
    let kt_header = c.key(40);
    c.file("examples/kotlin/VoiceInfra.kt")
        .l("import io.ktor.client.request.*")
        .l("")
        .pos(INDIRECT, format!("private val apiKey: String = \"{kt_val}\""))
        .neg("private val fromEnv: String = System.getenv(\"VOICEINFRA_API_KEY\") ?: \"\"")
        .l("")
        .l("suspend fun agents(client: HttpClient) = client.get(\"https://api.voiceinfra.ai/v1/agents\") {")
        .l("    header(\"X-API-Key\", apiKey)")
        .l("}")
        .l("")
        .l("suspend fun calls(client: HttpClient) = client.get(\"https://api.voiceinfra.ai/v1/calls\") {")
        .pos(HEADER, format!("    header(\"X-API-Key\", \"{kt_header}\")"))
        .l("}");

    let cs_header = c.key(32);
    let cs_const = c.key(40);
    let cs_hmac = c.key(32);
    c.file("examples/csharp/VoiceInfraService.cs")
        .crlf()
        .l("using System.Net.Http;")
        .l("using System.Security.Cryptography;")
        .l("")
        .l("public class VoiceInfraService")
        .l("{")
        .pos(ASSIGN, format!("    private const string VoiceInfraApiKey = \"{cs_const}\";"))
        .neg("    private const string VoiceInfraApiKeyHeader = \"X-API-Key\";")
        .l("    private readonly HttpClient _http = new HttpClient { BaseAddress = new Uri(\"https://api.voiceinfra.ai/v1/\") };")
        .l("")
        .l("    public VoiceInfraService()")
        .l("    {")
        .pos(HEADER, format!("        _http.DefaultRequestHeaders.Add(\"X-API-Key\", \"{cs_header}\");"))
        .neg("        _http.DefaultRequestHeaders.Add(\"X-API-Key\", Environment.GetEnvironmentVariable(\"VOICEINFRA_API_KEY\"));")
        .l("    }")
        .l("")
        .l("    public bool Verify(HttpRequest request, byte[] body)")
        .l("    {")
        .l("        var signature = request.Headers[\"X-VoiceInfra-Signature\"];")
        .pos(WEBHOOK, format!("        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(\"{cs_hmac}\"));"))
        .l("        return Convert.ToHexString(hmac.ComputeHash(body)) == signature;")
        .l("    }")
        .l("}");

    let app_key = c.key(32);
    let app_agent = c.noise_uuid();
    let conn = c.noise_key(24);
    let stripe = c.noise_key(40);
    let stripe_hook = c.noise_key(32);
    c.file("examples/csharp/appsettings.json")
        .l("{")
        .l("  \"ConnectionStrings\": {")
        .neg(format!(
            "    \"Default\": \"Server=db;Database=voice;User Id=app;Password={conn};\""
        ))
        .l("  },")
        .l("  \"VoiceInfra\": {")
        .l("    \"BaseUrl\": \"https://api.voiceinfra.ai/v1\",")
        .pos(ENDPOINT, format!("    \"ApiKey\": \"{app_key}\","))
        .neg(format!("    \"AgentId\": \"{app_agent}\""))
        .l("  },")
        .l("  \"Stripe\": {")
        .neg(format!("    \"SecretKey\": \"sk_live_{stripe}\","))
        .neg(format!("    \"WebhookSecret\": \"whsec_{stripe_hook}\""))
        .l("  }")
        .l("}");

    let rb_header = c.key(32);
    let rb_hmac = c.key(32);
    c.file("examples/ruby/voiceinfra.rb")
        .l("require 'net/http'")
        .l("require 'openssl'")
        .l("")
        .neg("VOICEINFRA_API_KEY = ENV.fetch('VOICEINFRA_API_KEY')")
        .l("uri = URI('https://api.voiceinfra.ai/v1/calls/outbound')")
        .l("req = Net::HTTP::Post.new(uri)")
        .pos(HEADER, format!("req['X-API-Key'] = '{rb_header}'"))
        .neg("req['X-Request-Id'] = SecureRandom.uuid")
        .l("")
        .l("def verify(request, payload)")
        .l("  sig = request.headers['X-VoiceInfra-Signature']")
        .pos(
            WEBHOOK,
            format!("  digest = OpenSSL::HMAC.hexdigest('SHA256', '{rb_hmac}', payload)"),
        )
        .l("  Rack::Utils.secure_compare(\"sha256=#{digest}\", sig)")
        .l("end");

    let php_header = c.key(32);
    let php_var = c.key(40);
    let php_hmac = c.key(32);
    c.file("examples/php/voiceinfra.php")
        .l("<?php")
        .pos(INDIRECT, format!("$apiKey = '{php_var}';"))
        .pos(HEADER, format!("$headers = ['X-API-Key' => '{php_header}', 'Accept' => 'application/json'];"))
        .l("$client->post('https://api.voiceinfra.ai/v1/calls/outbound', ['headers' => ['X-API-Key' => $apiKey]]);")
        .neg("curl_setopt($ch, CURLOPT_HTTPHEADER, ['X-API-Key: ' . getenv('VOICEINFRA_API_KEY')]);")
        .l("")
        .l("$signature = $_SERVER['HTTP_X_VOICEINFRA_SIGNATURE'] ?? '';")
        .pos(WEBHOOK, format!("$expected = hash_hmac('sha256', file_get_contents('php://input'), '{php_hmac}');"))
        .l("if (!hash_equals($expected, $signature)) { http_response_code(401); exit; }");

    let rs_header = c.key(32);
    let rs_const = c.key(32);
    let rs_hmac = c.key(32);
    c.file("examples/rust/src/main.rs")
        .l("use hmac::{Hmac, Mac};")
        .l("use sha2::Sha256;")
        .l("")
        .pos(
            ASSIGN,
            format!("const VOICEINFRA_API_KEY: &str = \"{rs_const}\";"),
        )
        .l("")
        .l("async fn agents(client: &reqwest::Client) -> reqwest::Result<reqwest::Response> {")
        .l("    client")
        .l("        .get(\"https://api.voiceinfra.ai/v1/agents\")")
        .pos(
            HEADER,
            format!("        .header(\"X-API-Key\", \"{rs_header}\")"),
        )
        .l("        .send()")
        .l("        .await")
        .l("}")
        .l("")
        .l("fn from_env() -> String {")
        .neg("    std::env::var(\"VOICEINFRA_API_KEY\").unwrap_or_default()")
        .l("}")
        .l("")
        .l("fn verify(headers: &HeaderMap, body: &[u8]) -> bool {")
        .l("    let sig = headers.get(\"X-VoiceInfra-Signature\");")
        .pos(
            WEBHOOK,
            format!(
                "    let mut mac = Hmac::<Sha256>::new_from_slice(b\"{rs_hmac}\").expect(\"key\");"
            ),
        )
        .l("    mac.update(body);")
        .l("    sig.is_some()")
        .l("}");

    let lock1 = c.noise_hex(64);
    let lock2 = c.noise_hex(64);
    c.file("examples/rust/Cargo.lock")
        .l("[[package]]\nname = \"voiceinfra\"\nversion = \"0.4.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"")
        .neg(format!("checksum = \"{lock1}\""))
        .l("")
        .l("[[package]]\nname = \"voiceinfra-webhooks\"\nversion = \"0.2.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"")
        .neg(format!("checksum = \"{lock2}\""));

    let yarn1 = c.noise_b64(64);
    let yarn2 = c.noise_hex(128);
    c.file("web/yarn.lock")
        .l("\"@voiceinfra/sdk@^1.4.2\":")
        .l("  version \"1.4.2\"")
        .l("  resolved \"https://registry.yarnpkg.com/@voiceinfra/sdk/-/sdk-1.4.2.tgz\"")
        .neg(format!("  integrity sha512-{yarn1}"))
        .l("")
        .l("\"@voiceinfra/webhooks@npm:^0.3.0\":")
        .l("  version: 0.3.0")
        .neg(format!("  checksum: {yarn2}"));

    let maps = c.key(32);
    c.file("scripts/geocode.sh")
        .l("#!/bin/sh")
        .l("# Resolve caller addresses before dialing through VoiceInfra.")
        .l("set -eu")
        .pos(
            GENERIC,
            format!(
                "curl -fsS \"https://api.mapsvendor.com/v1/geocode?q=$1\" -H 'x-api-key: {maps}'"
            ),
        );

    let yaml_key = c.key(32);
    let yaml_uuid = c.uuid();
    let yaml_hex = c.hex(64);
    c.file("config/voiceinfra.yaml")
        .l("voiceinfra:")
        .l("  base_url: https://api.voiceinfra.ai/v1")
        .pos(ENDPOINT, format!("  api_key: {yaml_key}"))
        .l("  regions:")
        .l("    eu:")
        .pos(ENDPOINT, format!("      token: \"{yaml_uuid}\""))
        .l("  legacy:")
        .pos(ENDPOINT, format!("    secret_key: {yaml_hex}"));

    let json_key = c.key(40);
    let json_agent = c.noise_uuid();
    c.file("config/integrations.json")
        .l("{")
        .l("  \"voiceinfra\": {")
        .pos(ASSIGN, format!("    \"voiceinfraApiKey\": \"{json_key}\","))
        .neg(format!("    \"defaultAgentId\": \"{json_agent}\","))
        .neg("    \"apiKeyEnv\": \"VOICEINFRA_API_KEY\"")
        .l("  }")
        .l("}");

    let xapi_uuid = c.uuid();
    let xapi_hex = c.hex(64);
    c.file("scripts/check_balance.py")
        .l("import requests")
        .l("")
        .pos(HEADER, format!("r = requests.get(\"https://api.voiceinfra.ai/v1/account\", headers={{\"X-API-Key\": \"{xapi_uuid}\"}})"))
        .pos(HEADER, format!("r = requests.get(\"https://api.voiceinfra.ai/v1/usage\", headers={{\"X-API-Key\": \"{xapi_hex}\"}})"))
        .l("print(r.json())");

    let client_key = c.key(32);
    let js_key = c.key(40);
    let js_const = c.key(32);
    c.file("services/dialer/app/sdk_usage.py")
        .l("from voiceinfra import VoiceInfraClient")
        .l("")
        .pos(
            ENDPOINT,
            format!("client = VoiceInfraClient(api_key=\"{client_key}\", timeout=5)"),
        );
    c.file("web/src/server/voiceinfra.js")
        .l("import { VoiceInfra } from \"@voiceinfra/sdk\";")
        .l("")
        .pos(
            ENDPOINT,
            format!("export const vi = new VoiceInfra({{ apiKey: \"{js_key}\" }});"),
        )
        .pos(
            ASSIGN,
            format!("export const voiceinfraApiKey = \"{js_const}\";"),
        );
}

// ---------------------------------------------------------------------------------------------
// API tools and clients: Postman, httpie, Swift, SDK configuration blocks, env set in tests,
// Terraform variables files, templates that only refer to the key.

fn tools_and_clients(c: &Corpus) {
    let header = c.key(32);
    let env_value = c.key(40);
    let call = c.noise_uuid();
    c.file("api/VoiceInfra.postman_collection.json")
        .l("{")
        .l("  \"info\": { \"name\": \"VoiceInfra\", \"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\" },")
        .l("  \"item\": [")
        .l("    {")
        .l("      \"name\": \"Place a call\",")
        .l("      \"request\": {")
        .l("        \"method\": \"POST\",")
        .l("        \"header\": [")
        .pos(HEADER, format!("          {{ \"key\": \"X-API-Key\", \"value\": \"{header}\", \"type\": \"text\" }},"))
        .neg(format!("          {{ \"key\": \"X-Request-Id\", \"value\": \"{call}\", \"type\": \"text\" }}"))
        .l("        ],")
        .l("        \"url\": { \"raw\": \"https://api.voiceinfra.ai/v1/calls/outbound\" }")
        .l("      }")
        .l("    },")
        .l("    {")
        .l("      \"name\": \"List agents\",")
        .l("      \"request\": {")
        .l("        \"method\": \"GET\",")
        .neg("        \"header\": [{ \"key\": \"X-API-Key\", \"value\": \"{{voiceinfraApiKey}}\", \"type\": \"text\" }],")
        .l("        \"url\": { \"raw\": \"{{baseUrl}}/agents\" }")
        .l("      }")
        .l("    }")
        .l("  ]")
        .l("}");
    c.file("api/VoiceInfra.postman_environment.json")
        .l("{")
        .l("  \"name\": \"VoiceInfra production\",")
        .l("  \"values\": [")
        .l("    { \"key\": \"baseUrl\", \"value\": \"https://api.voiceinfra.ai/v1\", \"enabled\": true },")
        .pos(ASSIGN, format!("    {{ \"key\": \"voiceinfraApiKey\", \"value\": \"{env_value}\", \"enabled\": true }},"))
        .neg(format!("    {{ \"key\": \"voiceinfraAgentId\", \"value\": \"agent_{}\", \"enabled\": true }}", c.noise_id(8)))
        .l("  ]")
        .l("}");

    let httpie = c.key(32);
    c.file("scripts/smoke.sh")
        .l("#!/bin/sh")
        .neg("http POST https://api.voiceinfra.ai/v1/calls/outbound \"X-API-Key:$VOICEINFRA_API_KEY\" to=+15551234567")
        .pos(HEADER, format!("http GET https://api.voiceinfra.ai/v1/agents X-API-Key:{httpie}"))
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY={} ./dialer --once", c.key(32)))
        .neg("voiceinfra calls list --api-key \"$VOICEINFRA_API_KEY\"");

    let swift_key = c.key(32);
    let swift_indirect = c.key(40);
    c.file("ios/VoiceInfraClient.swift")
        .l("import Foundation")
        .l("")
        .pos(INDIRECT, format!("private let apiKey = \"{swift_indirect}\""))
        .l("")
        .l("func listAgents() -> URLRequest {")
        .l("    var request = URLRequest(url: URL(string: \"https://api.voiceinfra.ai/v1/agents\")!)")
        .pos(HEADER, format!("    request.setValue(\"{swift_key}\", forHTTPHeaderField: \"X-API-Key\")"))
        .neg("    request.setValue(UUID().uuidString, forHTTPHeaderField: \"X-Request-Id\")")
        .l("    return request")
        .l("}")
        .l("")
        .l("func listCalls() -> URLRequest {")
        .l("    var request = URLRequest(url: URL(string: \"https://api.voiceinfra.ai/v1/calls\")!)")
        .l("    request.setValue(apiKey, forHTTPHeaderField: \"X-API-Key\")")
        .l("    return request")
        .l("}");

    let module_key = c.key(32);
    let ruby_key = c.key(32);
    c.file("services/dialer/app/bootstrap.py")
        .l("import voiceinfra")
        .l("")
        .pos(ASSIGN, format!("voiceinfra.api_key = \"{module_key}\""))
        .neg("voiceinfra.api_key_path = \"/run/secrets/voiceinfra\"")
        .neg("voiceinfra.api_base = \"https://api.voiceinfra.ai/v1\"");
    c.file("examples/ruby/config/initializers/voiceinfra.rb")
        .l("VoiceInfra.configure do |config|")
        .pos(ENDPOINT, format!("  config.api_key = \"{ruby_key}\""))
        .neg(format!(
            "  config.default_agent = \"agent_{}\"",
            c.noise_id(8)
        ))
        .neg("  config.webhook_secret = ENV[\"VOICEINFRA_WEBHOOK_SECRET\"]")
        .l("end");

    let setenv_go = c.key(32);
    let setenv_py = c.key(32);
    c.file("services/router/main_test.go")
        .l("package main")
        .l("")
        .l("import \"testing\"")
        .l("")
        .l("func TestPlaceCall(t *testing.T) {")
        .pos(
            ASSIGN,
            format!("\tt.Setenv(\"VOICEINFRA_API_KEY\", \"{setenv_go}\")"),
        )
        .neg("\tt.Setenv(\"VOICEINFRA_AGENT_ID\", \"agent_test01\")")
        .neg("\tt.Setenv(\"VOICEINFRA_WEBHOOK_SECRET\", \"test-secret\")")
        .l("}");
    c.file("services/dialer/tests/conftest.py")
        .l("import pytest")
        .l("")
        .l("")
        .l("@pytest.fixture(autouse=True)")
        .l("def voiceinfra_env(monkeypatch):")
        .pos(
            ASSIGN,
            format!("    monkeypatch.setenv(\"VOICEINFRA_API_KEY\", \"{setenv_py}\")"),
        )
        .neg("    monkeypatch.setenv(\"VOICEINFRA_BASE_URL\", \"http://localhost:9999/v1\")")
        .neg("    monkeypatch.setenv(\"VOICEINFRA_TOKEN\", \"dummy-token-for-tests\")");

    c.file("deploy/ecs/task-definition.json")
        .l("{")
        .l("  \"family\": \"dialer\",")
        .l("  \"containerDefinitions\": [{")
        .l("    \"name\": \"dialer\",")
        .l("    \"environment\": [")
        .pos(ASSIGN, format!("      {{ \"name\": \"VOICEINFRA_API_KEY\", \"value\": \"{}\" }},", c.key(32)))
        .pos(WEBHOOK, format!("      {{ \"name\": \"VOICEINFRA_WEBHOOK_SECRET\", \"value\": \"{}\" }},", c.key(32)))
        .neg(format!("      {{ \"name\": \"VOICEINFRA_AGENT_ID\", \"value\": \"{}\" }}", c.noise_uuid()))
        .l("    ],")
        .l("    \"secrets\": [")
        .neg("      { \"name\": \"VOICEINFRA_TOKEN\", \"valueFrom\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:voiceinfra-token-AbCdEf\" }")
        .l("    ]")
        .l("  }]")
        .l("}");
    c.file("docs/debug/voiceinfra-session.har")
        .l("{\"log\": {\"version\": \"1.2\", \"entries\": [{")
        .l("  \"request\": {\"method\": \"POST\", \"url\": \"https://api.voiceinfra.ai/v1/calls/outbound\",")
        .l("    \"headers\": [")
        .pos(HEADER, format!("      {{\"name\": \"x-api-key\", \"value\": \"{}\"}},", c.key(40)))
        .neg(format!("      {{\"name\": \"x-request-id\", \"value\": \"{}\"}},", c.noise_uuid()))
        .neg(format!("      {{\"name\": \"if-none-match\", \"value\": \"W/\\\"{}\\\"\"}}", c.noise_hex(40)))
        .l("    ]},")
        .l("  \"response\": {\"status\": 201, \"headers\": [")
        .neg(format!("      {{\"name\": \"x-voiceinfra-signature\", \"value\": \"sha256={}\"}},", c.noise_hex(64)))
        .neg(format!("      {{\"name\": \"etag\", \"value\": \"{}\"}}", c.noise_hex(32)))
        .l("  ]}")
        .l("}]}}");

    let tfvars = c.key(32);
    c.file("deploy/terraform/prod.tfvars")
        .pos(ASSIGN, format!("voiceinfra_api_key = \"{tfvars}\""))
        .neg("voiceinfra_webhook_secret = \"\"")
        .l("region = \"us-east-1\"");
    c.file("deploy/terraform/modules.tf")
        .l("module \"dialer\" {")
        .l("  source             = \"./modules/dialer\"")
        .neg("  voiceinfra_api_key = var.voiceinfra_api_key")
        .neg("  voiceinfra_token   = data.aws_secretsmanager_secret_version.voiceinfra.secret_string")
        .l("}");
    c.file("deploy/helm/templates/deployment.yaml")
        .l("          env:")
        .l("            - name: VOICEINFRA_API_KEY")
        .neg("              value: {{ .Values.voiceinfra.apiKey | quote }}")
        .l("            - name: VOICEINFRA_WEBHOOK_SECRET")
        .neg("              value: \"{{ required \\\"set voiceinfra.signingSecret\\\" .Values.voiceinfra.signingSecret }}\"");
    c.file("deploy/ansible/group_vars/all.yml")
        .neg("voiceinfra_api_key: \"{{ vault_voiceinfra_api_key }}\"")
        .neg("voiceinfra_webhook_secret: !vault |")
        .neg(format!(
            "  $ANSIBLE_VAULT;1.1;AES256\n  {}",
            c.noise_hex(64)
        ));
    c.file("examples/java/src/main/java/com/acme/VoiceInfraProperties.java")
        .l("@Component")
        .l("public class VoiceInfraProperties {")
        .neg("    @Value(\"${voiceinfra.api-key}\")")
        .l("    private String apiKey;")
        .neg("    @Value(\"${voiceinfra.webhook-secret:}\")")
        .l("    private String webhookSecret;")
        .l("}");
    c.file("examples/java/src/main/resources/application.yml")
        .l("voiceinfra:")
        .l("  base-url: https://api.voiceinfra.ai/v1")
        .pos(ENDPOINT, format!("  api-key: {}", c.key(32)))
        .neg("  connect-timeout: 5s");
    c.file("examples/java/src/main/resources/application-prod.properties")
        .pos(ASSIGN, format!("voiceinfra.api.key={}", c.key(32)))
        .neg("voiceinfra.api.key.header=X-API-Key")
        .neg("voiceinfra.agent-id=agent_prod_main");
    c.file("api/openapi.yaml")
        .l("openapi: 3.0.3")
        .l("info: { title: VoiceInfra API, version: \"1\" }")
        .l("servers: [{ url: https://api.voiceinfra.ai/v1 }]")
        .l("components:")
        .l("  securitySchemes:")
        .l("    ApiKeyAuth:")
        .neg("      type: apiKey")
        .neg("      name: X-API-Key")
        .l("      in: header")
        .l("  parameters:")
        .l("    RequestId:")
        .l("      name: X-Request-Id")
        .l("      in: header")
        .neg(format!("      example: {}", c.noise_uuid()))
        .l("  schemas:")
        .l("    ApiKey:")
        .l("      type: object")
        .l("      properties:")
        .neg(format!(
            "        id: {{ type: string, example: key_{} }}",
            c.noise_id(10)
        ))
        .neg("        secret: { type: string, example: vi_live_**************** }")
        .neg(format!(
            "        last_used_request: {{ type: string, example: {} }}",
            c.noise_uuid()
        ));
    c.file("web/src/types/voiceinfra.d.ts")
        .neg("export interface VoiceInfraHeaders { \"X-API-Key\": string; \"X-VoiceInfra-Signature\"?: string }")
        .neg("export type VoiceInfraKey = `vi_${string}`;");
    c.file("deploy/nginx/voiceinfra-proxy.conf")
        .l("location /voiceinfra/ {")
        .l("    proxy_pass https://api.voiceinfra.ai/;")
        .neg("    proxy_set_header X-API-Key $http_x_api_key;")
        .l("}");
    let pnpm = c.noise_b64(64);
    c.file("web/pnpm-lock.yaml")
        .l("packages:")
        .l("  /@voiceinfra/sdk@1.4.2:")
        .neg(format!("    resolution: {{integrity: sha512-{pnpm}}}"))
        .l("    dev: false");
}

// ---------------------------------------------------------------------------------------------
// Windows and encodings: UTF-16 and Latin-1 files, CRLF, JSON-escaped config, query strings.

fn windows_and_encodings(c: &Corpus) {
    c.file("scripts/windows/setup.ps1")
        .encoded(Encoding::Utf16Le)
        .crlf()
        .l("# Configure the dialer on a Windows host")
        .pos(
            ASSIGN,
            format!("$env:VOICEINFRA_API_KEY = \"{}\"", c.key(32)),
        )
        .neg("$env:VOICEINFRA_WEBHOOK_SECRET = $env:VOICEINFRA_WEBHOOK_SECRET_FROM_VAULT")
        .neg(format!(
            "$env:VOICEINFRA_AGENT_ID = \"agent_{}\"",
            c.noise_id(8)
        ))
        .l("Start-Process dialer.exe");
    c.file("scripts/windows/setup.bat")
        .crlf()
        .l("@echo off")
        .l("rem Persist the VoiceInfra settings for the service account")
        .pos(ASSIGN, format!("setx VOICEINFRA_API_KEY {}", c.key(32)))
        .neg("setx VOICEINFRA_API_KEY_FILE C:\\ProgramData\\acme\\voiceinfra.key")
        .neg("set VOICEINFRA_TOKEN=%VOICEINFRA_TOKEN_PROD%");
    c.file("services/legacy/réglages.py")
        .encoded(Encoding::Latin1)
        .l("# -*- coding: latin-1 -*-")
        .l("# Paramètres du service d'appels (équipe Montréal)")
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY = \"{}\"", c.key(32)))
        .neg(format!(
            "VOICEINFRA_DERNIER_APPEL = \"{}\"  # identifiant d'appel",
            c.noise_uuid()
        ));
    c.file("services/legacy/flags.json")
        .l("{")
        .l("  \"name\": \"dialer-flags\",")
        .pos(ASSIGN, format!("  \"payload\": \"{{\\\"voiceinfraApiKey\\\": \\\"{}\\\", \\\"region\\\": \\\"eu\\\"}}\",", c.key(32)))
        .neg(format!("  \"checksum\": \"{}\"", c.noise_hex(64)))
        .l("}");
    c.file("services/legacy/poll.sh")
        .l("#!/bin/sh")
        .pos(
            ENDPOINT,
            format!(
                "curl -s \"https://api.voiceinfra.ai/v1/calls?status=active&api_key={}\"",
                c.key(32)
            ),
        )
        .neg(format!(
            "curl -s \"https://api.voiceinfra.ai/v1/calls/{}/events?cursor={}\"",
            c.noise_uuid(),
            c.noise_key(24)
        ));
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the places keys hide that the first corpus did not have, and values built from
// words that look random to an entropy check.

const API_CLIENT: &str = "voiceinfra.api-key.api-client";

/// Fallback defaults of environment reads: the literal is a leak (DESIGN), in every language.
fn env_fallbacks(c: &Corpus) {
    c.file("services/dialer/app/voice_settings.py")
        .l("import os")
        .l("")
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY = os.getenv(\"VOICEINFRA_API_KEY\", \"{}\")", c.key(32)))
        .pos(ASSIGN, format!("voiceinfra_token = os.environ.get(\"VOICEINFRA_TOKEN\", \"{}\")", c.key(40)))
        .neg("VOICEINFRA_WEBHOOK_SECRET = os.getenv(\"VOICEINFRA_WEBHOOK_SECRET\", \"\")")
        .neg("VOICEINFRA_REGION = os.getenv(\"VOICEINFRA_REGION\", \"eu-west-1\")")
        .neg("VOICEINFRA_API_KEY_B = os.getenv(\"VOICEINFRA_API_KEY_B\", \"staging-api-key-device-02\")")
        .neg(format!("VOICEINFRA_AGENT_ID = os.environ.get(\"VOICEINFRA_AGENT_ID\", \"agent_{}\")", c.noise_id(8)));
    c.file("web/app/api/calls/route.ts")
        .l("import { NextResponse } from \"next/server\";")
        .l("")
        .pos(ASSIGN, format!("const apiKey = process.env.VOICEINFRA_API_KEY ?? \"{}\";", c.key(32)))
        .pos(ASSIGN, format!("const backupKey = process.env.VOICEINFRA_BACKUP_KEY || '{}';", c.key(32)))
        .neg("const baseUrl = process.env.VOICEINFRA_BASE_URL ?? \"https://api.voiceinfra.ai/v1\";")
        .neg("const token = process.env.VOICEINFRA_TOKEN ?? process.env.VI_TOKEN ?? \"\";")
        .l("")
        .l("export async function POST() {")
        .l("  const r = await fetch(`${baseUrl}/calls`, { method: \"POST\", headers: { \"X-API-Key\": apiKey } });")
        .l("  return NextResponse.json(await r.json());")
        .l("}");
    c.file("scripts/voiceinfra.mjs")
        .pos(
            ASSIGN,
            format!(
                "const key = process.env.VOICEINFRA_API_KEY || \"{}\";",
                c.key(40)
            ),
        )
        .neg("const agent = process.env.VOICEINFRA_AGENT || \"AcmeStoreClient2\";");
    c.file("services/billing/config/voiceinfra.rb")
        .pos(
            ASSIGN,
            format!(
                "VOICEINFRA_API_KEY = ENV.fetch(\"VOICEINFRA_API_KEY\", \"{}\")",
                c.key(32)
            ),
        )
        .neg("VOICEINFRA_API_KEY_B = ENV.fetch(\"VOICEINFRA_API_KEY\") { raise \"missing key\" }");
    c.file("go-service/internal/config/env.go")
        .l("package config")
        .l("")
        .l("import (\n\t\"cmp\"\n\t\"os\"\n)")
        .l("")
        .l("func Load() Config {")
        .l("\treturn Config{")
        .pos(ASSIGN, format!("\t\tAPIKey:  cmp.Or(os.Getenv(\"VOICEINFRA_API_KEY\"), \"{}\"),", c.key(32)))
        .neg("\t\tBaseURL: cmp.Or(os.Getenv(\"VOICEINFRA_BASE_URL\"), \"https://api.voiceinfra.ai/v1\"),")
        .neg("\t\tToken:   cmp.Or(os.Getenv(\"VOICEINFRA_TOKEN\"), \"PROXY-admin-key-2023\"),")
        .l("\t}")
        .l("}");
    c.file("scripts/dial.sh")
        .l("#!/bin/sh")
        .pos(
            ASSIGN,
            format!("KEY=\"${{VOICEINFRA_API_KEY:-{}}}\"", c.key(32)),
        )
        .neg("KEY2=\"${VOICEINFRA_API_KEY:?VOICEINFRA_API_KEY is not set}\"")
        .neg("KEY3=\"${VOICEINFRA_API_KEY:-}\"")
        .l("curl -s https://api.voiceinfra.ai/v1/agents -H \"X-API-Key: $KEY\"");
    c.file("Makefile")
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY ?= {}", c.key(32)))
        .pos(ASSIGN, format!("VOICEINFRA_TOKEN := {}", c.key(32)))
        .neg("VOICEINFRA_BASE_URL ?= https://api.voiceinfra.ai/v1")
        .neg("VOICEINFRA_SECRET_FILE ?= /run/secrets/voiceinfra")
        .l("\nsmoke:\n\tcurl -H \"X-API-Key: $(VOICEINFRA_API_KEY)\" $(VOICEINFRA_BASE_URL)/agents");
    c.file("java/src/main/java/com/acme/VoiceConfig.java")
        .l("package com.acme;")
        .l("")
        .l("public final class VoiceConfig {")
        .pos(ASSIGN, format!("    static final String KEY = System.getenv().getOrDefault(\"VOICEINFRA_API_KEY\", \"{}\");", c.key(32)))
        .neg("    static final String URL = System.getenv().getOrDefault(\"VOICEINFRA_BASE_URL\", \"https://api.voiceinfra.ai/v1\");")
        .l("}");
    c.file("dotnet/Voice/Settings.cs")
        .pos(ASSIGN, format!("var key = Environment.GetEnvironmentVariable(\"VOICEINFRA_API_KEY\") ?? \"{}\";", c.key(32)))
        .neg("var url = Environment.GetEnvironmentVariable(\"VOICEINFRA_BASE_URL\") ?? \"https://api.voiceinfra.ai/v1\";");
}

/// API-client collections and environments, Bruno, REST-client and Robot Framework files.
fn api_clients(c: &Corpus) {
    let auth = c.key(32);
    let var = c.key(32);
    c.file("qa/postman/Calls.postman_collection.json")
        .l("{")
        .l("  \"info\": { \"name\": \"Calls\", \"schema\": \"https://schema.getpostman.com/json/collection/v2.1.0/collection.json\" },")
        .l("  \"auth\": {")
        .l("    \"type\": \"apikey\",")
        .pos(HEADER, format!("    \"apikey\": [ {{ \"key\": \"value\", \"value\": \"{auth}\", \"type\": \"string\" }}, {{ \"key\": \"key\", \"value\": \"X-API-Key\", \"type\": \"string\" }} ]"))
        .l("  },")
        .l("  \"item\": [")
        .l("    { \"name\": \"List calls\", \"request\": { \"method\": \"GET\", \"url\": \"{{baseUrl}}/calls\" } }")
        .l("  ],")
        .l("  \"variable\": [")
        .l("    { \"key\": \"baseUrl\", \"value\": \"https://api.voiceinfra.ai/v1\", \"type\": \"string\" },")
        .pos(API_CLIENT, format!("    {{ \"key\": \"apiKey\", \"value\": \"{var}\", \"type\": \"string\" }},"))
        .neg(format!("    {{ \"key\": \"callId\", \"value\": \"{}\", \"type\": \"string\" }},", c.noise_uuid()))
        .neg(format!("    {{ \"key\": \"stripeApiKey\", \"value\": \"{}\", \"type\": \"string\" }},", c.noise_key(32)))
        .neg("    { \"key\": \"token\", \"value\": \"{{vault:voiceinfra-token}}\", \"type\": \"string\" }")
        .l("  ]")
        .l("}");
    c.file("qa/postman/Staging.postman_environment.json")
        .l("{")
        .l("  \"name\": \"Staging\",")
        .l("  \"values\": [")
        .pos(API_CLIENT, format!("    {{ \"key\": \"api_key\", \"value\": \"{}\", \"enabled\": true }},", c.key(32)))
        .neg("    { \"key\": \"api_key_2\", \"value\": \"sample-api-key-67890\", \"enabled\": true },")
        .neg(format!("    {{ \"key\": \"agentId\", \"value\": \"agent_{}\", \"enabled\": true }},", c.noise_id(8)))
        .l("    { \"key\": \"timeout\", \"value\": \"30\", \"enabled\": true },")
        .l("    { \"key\": \"region\", \"value\": \"eu\", \"enabled\": true },")
        .l("    { \"key\": \"locale\", \"value\": \"en-GB\", \"enabled\": true },")
        .l("    { \"key\": \"callerId\", \"value\": \"+15551234567\", \"enabled\": true },")
        .l("    { \"key\": \"retries\", \"value\": \"3\", \"enabled\": true },")
        .l("    { \"key\": \"pageSize\", \"value\": \"50\", \"enabled\": true },")
        .l("    { \"key\": \"format\", \"value\": \"json\", \"enabled\": true },")
        .l("    { \"key\": \"verbose\", \"value\": \"false\", \"enabled\": true },")
        .l("    { \"key\": \"baseUrl\", \"value\": \"https://api.voiceinfra.ai/v1\", \"enabled\": true }")
        .l("  ]")
        .l("}");
    // Same variables, no VoiceInfra host anywhere in the file: not a VoiceInfra key.
    c.file("qa/postman/Weather.postman_environment.json")
        .l("{\n  \"name\": \"Weather\",\n  \"values\": [")
        .neg(format!("    {{ \"key\": \"api_key\", \"value\": \"{}\", \"enabled\": true }},", c.noise_key(32)))
        .l("    { \"key\": \"baseUrl\", \"value\": \"https://api.weatherco.io/v2\", \"enabled\": true }\n  ]\n}");
    c.file("qa/insomnia/Insomnia_2024-05-01.json")
        .l("{ \"_type\": \"export\", \"resources\": [")
        .pos(HEADER, format!("  {{ \"_type\": \"request\", \"url\": \"https://api.voiceinfra.ai/v1/agents\", \"headers\": [{{ \"name\": \"X-API-Key\", \"value\": \"{}\" }}] }},", c.key(32)))
        .pos(API_CLIENT, format!("  {{ \"_type\": \"environment\", \"data\": {{ \"token\": \"{}\", \"base_url\": \"https://api.voiceinfra.ai/v1\" }} }},", c.key(40)))
        .neg(format!("  {{ \"_type\": \"environment\", \"data\": {{ \"request_id\": \"{}\" }} }}", c.noise_uuid()))
        .l("] }");
    c.file("qa/bruno/calls/list-calls.bru")
        .l("meta {\n  name: List calls\n  type: http\n}\n\nget {\n  url: https://api.voiceinfra.ai/v1/calls\n}\n\nheaders {")
        .pos(HEADER, format!("  X-API-Key: {}", c.key(32)))
        .neg("  X-Request-Id: {{requestId}}")
        .l("}\n\nvars {")
        .pos(API_CLIENT, format!("  apiKey: {}", c.key(32)))
        .neg("  apiKeyOld: {{process.env.VOICEINFRA_API_KEY}}")
        .l("}");
    c.file("qa/rest/voiceinfra.http")
        .pos(API_CLIENT, format!("@apiKey = {}", c.key(32)))
        .neg("@token = {{$dotenv VOICEINFRA_TOKEN}}")
        .l("@baseUrl = https://api.voiceinfra.ai/v1")
        .l("")
        .l("GET {{baseUrl}}/agents")
        .l("X-API-Key: {{apiKey}}");
    c.file("qa/robot/calls.robot")
        .l("*** Settings ***\nLibrary    RequestsLibrary\n\n*** Test Cases ***\nList Calls")
        .pos(
            HEADER,
            format!(
                "    ${{headers}}=    Create Dictionary    x-api-key={}    Accept=application/json",
                c.key(32)
            ),
        )
        .neg("    ${bad}=    Create Dictionary    x-api-key=${VOICEINFRA_API_KEY}")
        .l("    GET    https://api.voiceinfra.ai/v1/calls    headers=${headers}");
}

/// Infrastructure and app manifests: Terraform, Pulumi, Heroku, Vercel, Netlify, Render, Fly,
/// serverless, Ansible, systemd.
fn manifests(c: &Corpus) {
    c.file("deploy/terraform/voiceinfra.tf")
        .l("provider \"voiceinfra\" {")
        .pos(ENDPOINT, format!("  api_key = \"{}\"", c.key(32)))
        .l("  region  = \"eu\"")
        .l("}")
        .l("")
        .l("resource \"voiceinfra_agent\" \"support\" {")
        .l("  name    = \"support\"")
        .neg(format!("  voice_id = \"{}\"", c.noise_uuid()))
        .l("}")
        .l("")
        .l("module \"dialer\" {")
        .l("  source  = \"git::https://github.com/acme/terraform-voiceinfra-dialer.git?ref=v1.2.0\"")
        .pos(ASSIGN, format!("  api_key = \"{}\"", c.key(40)))
        .neg(format!("  image_digest = \"sha256:{}\"", c.noise_hex(64)))
        .l("}")
        .l("")
        .l("variable \"api_token\" {")
        .l("  description = \"VoiceInfra API token\"")
        .pos(ASSIGN, format!("  default     = \"{}\"", c.key(32)))
        .l("}")
        .l("")
        .l("resource \"aws_ssm_parameter\" \"other\" {")
        .neg(format!("  api_key = \"{}\"", c.noise_key(32)))
        .l("}");
    c.file("deploy/pulumi/Pulumi.prod.yaml")
        .l("config:")
        .l("  aws:region: eu-west-1")
        .pos(ENDPOINT, format!("  voiceinfra:apiKey: {}", c.key(32)))
        .neg("  voiceinfra:apiKeySecret:\n    secure: AAABAKxyzPulumiEncryptedCiphertextNotAKey==")
        .pos(ASSIGN, format!("  dialer:voiceinfraKey: {}", c.key(32)));
    c.file("app.json")
        .l("{\n  \"name\": \"acme-dialer\",\n  \"env\": {")
        .pos(ASSIGN, format!("    \"VOICEINFRA_API_KEY\": {{ \"description\": \"VoiceInfra key\", \"value\": \"{}\" }},", c.key(32)))
        .neg("    \"VOICEINFRA_WEBHOOK_SECRET\": { \"description\": \"Signing secret\", \"generator\": \"secret\" },")
        .neg("    \"VOICEINFRA_TOKEN\": { \"description\": \"Token\", \"required\": true }")
        .l("  }\n}");
    c.file("web/vercel.json")
        .l("{")
        .pos(
            ASSIGN,
            format!(
                "  \"env\": {{ \"VOICEINFRA_API_KEY\": \"{}\" }},",
                c.key(32)
            ),
        )
        .neg("  \"build\": { \"env\": { \"VOICEINFRA_API_KEY\": \"@voiceinfra-api-key\" } }")
        .l("}");
    c.file("web/netlify.toml")
        .l("[build.environment]")
        .pos(ASSIGN, format!("  VOICEINFRA_API_KEY = \"{}\"", c.key(32)))
        .neg("  NODE_VERSION = \"20\"");
    c.file("render.yaml")
        .l("services:\n  - type: web\n    name: dialer\n    envVars:")
        .l("      - key: VOICEINFRA_API_KEY")
        .pos(ASSIGN, format!("        value: {}", c.key(32)))
        .l("      - key: VOICEINFRA_TOKEN")
        .neg("        sync: false");
    c.file("fly.toml")
        .l("app = \"acme-dialer\"\n\n[env]")
        .pos(ASSIGN, format!("  VOICEINFRA_API_KEY = \"{}\"", c.key(32)))
        .neg("  VOICEINFRA_BASE_URL = \"https://api.voiceinfra.ai/v1\"");
    c.file("services/notify/serverless.yml")
        .l("service: notify\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  environment:")
        .pos(ASSIGN, format!("    VOICEINFRA_API_KEY: {}", c.key(32)))
        .neg("    VOICEINFRA_TOKEN: ${ssm:/notify/voiceinfra-token}");
    c.file("deploy/ansible/group_vars/dialers.yml")
        .pos(ASSIGN, format!("voiceinfra_api_key: \"{}\"", c.key(32)))
        .neg("voiceinfra_api_token: \"{{ vault_voiceinfra_api_token }}\"");
    c.file("deploy/systemd/dialer.service")
        .l("[Unit]\nDescription=Dialer\n\n[Service]")
        .pos(
            ASSIGN,
            format!("Environment=VOICEINFRA_API_KEY={}", c.key(32)),
        )
        .pos(
            ASSIGN,
            format!("Environment=\"VOICEINFRA_TOKEN={}\"", c.key(32)),
        )
        .neg("EnvironmentFile=/etc/dialer/voiceinfra.env")
        .l("ExecStart=/usr/local/bin/dialer");
}

/// Recorded HTTP traffic: VCR/vcrpy cassettes, Polly and nock recordings, HAR files.
fn recordings(c: &Corpus) {
    c.file("services/dialer/tests/cassettes/test_place_call.yaml")
        .l("interactions:\n- request:\n    body: '{\"to\": \"+15551234567\"}'\n    headers:\n      Accept:\n      - application/json")
        .l("      X-API-Key:")
        .pos(HEADER, format!("      - {}", c.key(32)))
        .l("      X-Request-Id:")
        .neg(format!("      - {}", c.noise_uuid()))
        .l("    method: POST\n    uri: https://api.voiceinfra.ai/v1/calls/outbound\n  response:\n    headers:\n      X-VoiceInfra-Signature:")
        .neg(format!("      - sha256={}", c.noise_hex(64)))
        .l("    status:\n      code: 201");
    // Another vendor's recorded key: the generic rule, never a VoiceInfra one.
    c.file("services/dialer/tests/cassettes/test_weather.yaml")
        .l("interactions:\n- request:\n    headers:\n      X-API-Key:")
        .pos(GENERIC, format!("      - {}", c.key(32)))
        .l("    uri: https://api.weatherco.io/v2/forecast?city=Paris");
    c.file("services/dialer/tests/cassettes/test_redacted.yaml")
        .l("interactions:\n- request:\n    headers:\n      X-API-Key:")
        .neg("      - DUMMY")
        .l("    uri: https://api.voiceinfra.ai/v1/agents");
    c.file("web/test/recordings/calls_1234/recording.har")
        .l("{ \"log\": { \"_recordingName\": \"calls\", \"entries\": [ { \"request\": {")
        .l("  \"url\": \"https://api.voiceinfra.ai/v1/calls\",")
        .l("  \"headers\": [")
        .pos(
            HEADER,
            format!(
                "    {{ \"name\": \"x-api-key\", \"value\": \"{}\" }},",
                c.key(32)
            ),
        )
        .neg(format!(
            "    {{ \"name\": \"x-request-id\", \"value\": \"{}\" }},",
            c.noise_uuid()
        ))
        .neg(format!(
            "    {{ \"name\": \"etag\", \"value\": \"W/{}\" }}",
            c.noise_hex(32)
        ))
        .l("  ] } } ] } }");
    c.file("web/test/fixtures/nock-calls.json")
        .l("[{ \"scope\": \"https://api.voiceinfra.ai:443\", \"method\": \"GET\", \"path\": \"/v1/calls\",")
        .pos(HEADER, format!("  \"reqheaders\": {{ \"x-api-key\": \"{}\" }},", c.key(32)))
        .neg(format!("  \"rawHeaders\": [\"X-Request-Id\", \"{}\"],", c.noise_uuid()))
        .l("  \"status\": 200 }]");
}

/// Logs, error messages and captured console output.
fn logs(c: &Corpus) {
    c.file("logs/dialer-2024-05-01.log")
        .l("2024-05-01T10:12:01Z INFO  dialer starting, base=https://api.voiceinfra.ai/v1")
        .pos(ENDPOINT, format!("2024-05-01T10:12:02Z ERROR voiceinfra: 401 for key={}", c.key(32)))
        .pos(HEADER, format!("2024-05-01T10:12:03Z DEBUG request headers: {{'X-API-Key': '{}', 'Accept': 'application/json'}}", c.key(32)))
        .pos(HEADER, format!("2024-05-01T10:12:04Z WARN  X-API-Key {} rejected by api.voiceinfra.ai", c.key(40)))
        .neg(format!("2024-05-01T10:12:05Z INFO  call {} placed, request_id={}", c.noise_uuid(), c.noise_uuid()))
        .neg("2024-05-01T10:12:06Z WARN  X-API-Key header missing, using VOICEINFRA_API_KEY from the environment")
        .neg(format!("2024-05-01T10:12:07Z INFO  commit {} deployed", sha40(c)));
    c.file("docs/debugging/console-output.txt")
        .l("$ node scripts/voiceinfra.mjs --verbose")
        .pos(
            HEADER,
            format!(
                "> POST https://api.voiceinfra.ai/v1/calls/outbound x-api-key={}",
                c.key(32)
            ),
        )
        .neg("< 401 Unauthorized: X-API-Key staging-api-key-device-02 rejected")
        .neg(format!("< x-request-id={}", c.noise_uuid()));
}

/// Test code holding realistic keys (a leak: DESIGN), beside clearly fake ones (not).
fn test_code(c: &Corpus) {
    c.file("go-service/internal/client/client_test.go")
        .l("package client\n\nimport \"testing\"\n")
        .pos(INDIRECT, format!("const testAPIKey = \"{}\"", c.key(32)))
        .neg("const fakeAPIKey = \"test-voiceinfra-key-0001\"")
        .l("\nfunc TestListCalls(t *testing.T) {")
        .l("\treq := newRequest(\"https://api.voiceinfra.ai/v1/calls\")")
        .l("\treq.Header.Set(\"X-API-Key\", testAPIKey)")
        .neg("\treq.Header.Set(\"X-Request-Id\", fakeAPIKey)")
        .l("}");
    c.file("java/src/test/java/com/acme/VoiceClientTest.java")
        .l("class VoiceClientTest {")
        .pos(INDIRECT, format!("    private static final String API_KEY = \"{}\";", c.key(32)))
        .neg("    private static final String OTHER_KEY = \"integration-test-api-key-42\";")
        .l("    @Test void lists() {")
        .l("        Request r = new Request.Builder().url(\"https://api.voiceinfra.ai/v1/agents\").addHeader(\"X-API-Key\", API_KEY).build();")
        .l("    }")
        .l("}");
    c.file("android/app/src/test/kotlin/VoiceClientTest.kt")
        .pos(INDIRECT, format!("private const val API_KEY = \"{}\"", c.key(32)))
        .l("class VoiceClientTest {")
        .l("    @Test fun lists() {")
        .l("        val r = Request.Builder().url(\"https://api.voiceinfra.ai/v1/agents\").header(\"X-API-Key\", API_KEY).build()")
        .neg("        val fake = Request.Builder().header(\"X-API-Key\", \"MyVoiceInfraTestKey01\").build()")
        .l("    }")
        .l("}");
    c.file("services/dialer/tests/test_client.py")
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY = \"{}\"", c.key(32)))
        .neg("VOICEINFRA_API_KEY_FAKE = \"PROXY-admin-key-2023\"")
        .l("")
        .l("def test_place_call(client):")
        .pos(
            HEADER,
            format!(
                "    client.post(\"/calls\", headers={{\"X-API-Key\": \"{}\"}})",
                c.key(32)
            ),
        )
        .neg("    client.post(\"/calls\", headers={\"X-API-Key\": \"1a2b3c4d5e6f7g8h9i0j\"})");
    c.file("web/__tests__/client.test.ts")
        .pos(ASSIGN, format!("const VOICEINFRA_API_KEY = \"{}\";", c.key(32)))
        .neg("const voiceinfraApiKeyFake = \"qwertyuiop123456\";")
        .l("test(\"lists agents\", async () => {")
        .pos(HEADER, format!("  await fetch(\"https://api.voiceinfra.ai/v1/agents\", {{ headers: {{ \"x-api-key\": \"{}\" }} }});", c.key(32)))
        .neg("  await fetch(\"https://api.voiceinfra.ai/v1/agents\", { headers: { \"x-api-key\": \"AcmeStoreClient2\" } });")
        .l("});");
}

/// Runbooks and docs that call a key revoked or rotated: still a leak (a scanner cannot know).
fn runbooks(c: &Corpus) {
    c.file("docs/runbooks/key-rotation.md")
        .l("# Rotating the VoiceInfra key\n")
        .l("The old key below was revoked on 2024-03-01 and is kept here for the incident record:\n")
        .l("```sh")
        .pos(ASSIGN, format!("VOICEINFRA_API_KEY={}  # revoked", c.key(32)))
        .l("```\n")
        .l("Rotated key (already rotated again, do not use):\n")
        .pos(HEADER, format!("    curl -H 'X-API-Key: {}' https://api.voiceinfra.ai/v1/agents", c.key(32)))
        .l("")
        .neg("Generate the new one with `VOICEINFRA_API_KEY=run-openssl-rand-base64-24`.")
        .neg("Then set `VOICEINFRA_API_KEY=paste-your-key-here` in the vault.");
}

/// Values built from words and counters, sequences, and the base64 of a placeholder in a
/// Kubernetes Secret: every one a hard negative beside VoiceInfra names.
fn word_built_values(c: &Corpus) {
    c.file("services/dialer/.env.example")
        .neg("VOICEINFRA_API_KEY=sample-api-key-67890")
        .neg("VOICEINFRA_ADMIN_KEY=PROXY-admin-key-2023")
        .neg("VOICEINFRA_DEVICE_KEY=staging-api-key-device-02")
        .neg("VOICEINFRA_CLIENT_TOKEN=AcmeStoreClient2")
        .neg("VOICEINFRA_TOKEN=1a2b3c4d5e6f7g8h9i0j")
        .neg("VOICEINFRA_SECRET=qwertyuiop123456")
        .neg("VOICEINFRA_SECRET_B=abcd1234efgh5678ijkl")
        .neg("VOICEINFRA_API_KEY_C=run-openssl-rand-base64-24")
        .neg("VOICEINFRA_API_KEY_D=paste-your-key-here")
        .neg("VOICEINFRA_API_KEY_E=local_development_only_key")
        .pos(
            ASSIGN,
            format!("VOICEINFRA_API_KEY_F=test_key_{}", c.key(24)),
        );
    c.file("deploy/k8s/voiceinfra-secret.template.yaml")
        .l("apiVersion: v1\nkind: Secret\nmetadata:\n  name: voiceinfra\ntype: Opaque\ndata:")
        .neg(format!(
            "  VOICEINFRA_API_KEY: {}",
            base64(b"replace-with-your-voiceinfra-api-key")
        ))
        .neg(format!(
            "  VOICEINFRA_TOKEN: {}",
            base64(b"staging-api-key-device-02")
        ));
}

const PROJECT: &str = "voiceinfra.webhook-secret.project";

/// Webhook handlers that verify an HMAC-SHA256 signature with a literal secret in files that
/// never name VoiceInfra: the project does, so they are reported at medium severity.
fn webhook_handlers_without_names(c: &Corpus) {
    c.file("services/hooks/public/receive.php")
        .l("<?php")
        .pos(PROJECT, format!("const WEBHOOK_SECRET = '{}';", c.key(32)))
        .neg(format!("const REQUEST_ID = '{}';", c.noise_uuid()))
        .l("$body = file_get_contents('php://input');")
        .l("$signature = $_SERVER['HTTP_X_SIGNATURE'] ?? '';")
        .l("$expected = hash_hmac('sha256', $body, WEBHOOK_SECRET);")
        .l("if (!hash_equals($expected, $signature)) { http_response_code(401); exit; }");
    c.file("services/hooks/verify.go")
        .l("package hooks")
        .l("")
        .pos(PROJECT, format!("const signingSecret = \"{}\"", c.key(32)))
        .neg("const signingSecretName = \"SIGNING_SECRET\"")
        .l("")
        .l("func Verify(r *http.Request, body []byte) bool {")
        .l("\tmac := hmac.New(sha256.New, []byte(signingSecret))")
        .l("\tmac.Write(body)")
        .l("\treturn hmac.Equal([]byte(r.Header.Get(\"X-Signature\")), []byte(hex.EncodeToString(mac.Sum(nil))))")
        .l("}");
    c.file("services/hooks/handler.py")
        .l("import hashlib, hmac")
        .l("")
        .l("def verify(request):")
        .l("    sig = request.headers.get(\"X-Signature\", \"\")")
        .pos(
            PROJECT,
            format!(
                "    digest = hmac.new(b\"{}\", request.body, hashlib.sha256).hexdigest()",
                c.key(32)
            ),
        )
        .neg("    other = hmac.new(SECRET_FROM_ENV, request.body, hashlib.sha256).hexdigest()")
        .l("    return hmac.compare_digest(sig, digest)");
    c.file("services/hooks/app.rb")
        .pos(PROJECT, format!("SIGNING_SECRET = \"{}\"", c.key(32)))
        .neg("SIGNING_SECRET_B = ENV.fetch(\"SIGNING_SECRET\")")
        .l("post \"/events\" do")
        .l("  body = request.body.read")
        .l("  expected = OpenSSL::HMAC.hexdigest(\"SHA256\", SIGNING_SECRET, body)")
        .l("  halt 401 unless Rack::Utils.secure_compare(expected, request.env[\"HTTP_X_SIGNATURE\"])")
        .l("end");
    // The same shape for GitHub's webhooks: another vendor's signature header.
    c.file("services/hooks/github.py")
        .neg(format!("WEBHOOK_SECRET = \"{}\"", c.noise_key(32)))
        .l("def verify(request):")
        .l("    sig = request.headers[\"X-Hub-Signature-256\"]")
        .l("    digest = hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()");
    c.file("services/hooks/stripe_hook.py")
        .neg(format!("STRIPE_WEBHOOK_SECRET = \"{}\"", c.noise_key(32)))
        .l("sig = request.headers[\"X-Signature\"]")
        .l("digest = hmac.new(STRIPE_WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()");
}

/// Test constants with generic names (`testKey`, `KEY`, `TEST_KEY`) that the same file sends in
/// the X-API-Key header: a realistic key is a leak (DESIGN), reported at the constant; a clearly
/// fake one (built from words and counters) sent the same way is not.
fn generic_test_constants(c: &Corpus) {
    c.file("go-service/internal/calls/outbound_test.go")
        .l("package calls\n\nimport (\n\t\"net/http\"\n\t\"testing\"\n)\n")
        .pos(INDIRECT, format!("const testKey = \"{}\"", c.key(32)))
        .neg("const fakeKey = \"test-key-123\"")
        .l("")
        .l("func TestOutbound(t *testing.T) {")
        .l("\treq, _ := http.NewRequest(\"POST\", \"https://api.voiceinfra.ai/v1/calls/outbound\", nil)")
        .l("\treq.Header.Set(\"X-API-Key\", testKey)")
        .l("\tbad, _ := http.NewRequest(\"POST\", \"https://api.voiceinfra.ai/v1/calls/outbound\", nil)")
        .l("\tbad.Header.Set(\"X-API-Key\", fakeKey)")
        .l("}");
    c.file("java/src/test/java/com/acme/voice/CallsClientTest.java")
        .l("package com.acme.voice;\n\nimport org.junit.jupiter.api.Test;\n")
        .l("class CallsClientTest {")
        .pos(INDIRECT, format!("    static final String KEY = \"{}\";", c.key(40)))
        .neg("    static final String BAD_KEY = \"sample-api-key-67890\";")
        .l("")
        .l("    @Test")
        .l("    void placesCall() throws Exception {")
        .l("        HttpRequest ok = HttpRequest.newBuilder(URI.create(\"https://api.voiceinfra.ai/v1/calls\")).header(\"X-API-Key\", KEY).build();")
        .l("        HttpRequest rejected = HttpRequest.newBuilder(URI.create(\"https://api.voiceinfra.ai/v1/calls\")).header(\"X-API-Key\", BAD_KEY).build();")
        .l("    }")
        .l("}");
    c.file("android/app/src/test/kotlin/com/acme/voice/CallsApiTest.kt")
        .l("class CallsApiTest {")
        .l("    companion object {")
        .pos(INDIRECT, format!("        private const val testKey = \"{}\"", c.key(32)))
        .neg("        private const val placeholderKey = \"my-test-api-key-0001\"")
        .l("    }")
        .l("")
        .l("    @Test fun outbound() {")
        .l("        val request = Request.Builder().url(\"https://api.voiceinfra.ai/v1/calls/outbound\").addHeader(\"X-API-Key\", testKey).build()")
        .l("        val rejected = Request.Builder().url(\"https://api.voiceinfra.ai/v1/calls/outbound\").addHeader(\"X-API-Key\", placeholderKey).build()")
        .l("    }")
        .l("}");
    c.file("services/dialer/tests/test_agents.py")
        .l("import requests\n")
        .pos(INDIRECT, format!("TEST_KEY = \"{}\"", c.key(32)))
        .neg("DUMMY_KEY = \"dummy-key-for-tests-0001\"")
        .l("")
        .l("def test_lists_agents(requests_mock):")
        .l("    requests_mock.get(\"https://api.voiceinfra.ai/v1/agents\", json=[])")
        .l("    resp = requests.get(\"https://api.voiceinfra.ai/v1/agents\", headers={\"X-API-Key\": TEST_KEY})")
        .l("    assert resp.ok")
        .l("")
        .l("def test_rejects_unknown_key(requests_mock):")
        .l("    resp = requests.get(\"https://api.voiceinfra.ai/v1/agents\", headers={\"X-API-Key\": DUMMY_KEY})")
        .l("    assert resp.status_code == 401");
    c.file("web/__tests__/calls.spec.js")
        .l("const request = require(\"supertest\");")
        .l("const app = require(\"../server\");\n")
        .pos(INDIRECT, format!("const testKey = \"{}\";", c.key(32)))
        .neg("const fakeKey = \"fake-api-key-for-jest\";")
        .l("")
        .l("it(\"places a call\", () =>")
        .l("  request(app).post(\"/v1/calls/outbound\").set(\"X-API-Key\", testKey).expect(201));")
        .l("it(\"rejects a fake key\", () =>")
        .l("  request(app).post(\"/v1/calls/outbound\").set(\"X-API-Key\", fakeKey).expect(401));");
    c.file("web/__tests__/agents.test.ts")
        .l("import nock from \"nock\";\n")
        .pos(INDIRECT, format!("const apiKey: string = \"{}\";", c.key(32)))
        .neg("const unusedKey: string = \"abcd1234efgh5678ijkl\";")
        .l("")
        .l("beforeEach(() => {")
        .l("  nock(\"https://api.voiceinfra.ai\", { reqheaders: { \"x-api-key\": apiKey } }).get(\"/v1/agents\").reply(200, []);")
        .l("  nock(\"https://api.voiceinfra.ai\", { reqheaders: { \"x-api-key\": unusedKey } }).get(\"/v1/calls\").reply(401);")
        .l("});");
}

/// Requests exported from intercepting proxies (Burp Suite XML, mitmproxy raw export, Charles
/// JSON sessions): the X-API-Key header line as sent, beside the same exports with the key
/// masked or templated.
fn proxy_exports(c: &Corpus) {
    c.file("security/pentest-2024/burp-export.xml")
        .l("<?xml version=\"1.0\"?>")
        .l("<items burpVersion=\"2024.3.1\" exportTime=\"Tue May 07 10:12:01 CEST 2024\">")
        .l("  <item>")
        .l("    <url><![CDATA[https://api.voiceinfra.ai/v1/calls/outbound]]></url>")
        .l("    <host ip=\"203.0.113.10\">api.voiceinfra.ai</host>")
        .l("    <method><![CDATA[POST]]></method>")
        .l("    <request base64=\"false\"><![CDATA[POST /v1/calls/outbound HTTP/2")
        .l("Host: api.voiceinfra.ai")
        .pos(HEADER, format!("X-Api-Key: {}", c.key(32)))
        .l("Content-Type: application/json")
        .neg(format!("X-Request-Id: {}", c.noise_uuid()))
        .l("")
        .l("{\"to\":\"+15551234567\",\"agent_id\":\"agent_7f3a\"}]]></request>")
        .l("    <status>201</status>")
        .l("  </item>")
        .l("  <item>")
        .l("    <url><![CDATA[https://api.voiceinfra.ai/v1/agents]]></url>")
        .l("    <request base64=\"false\"><![CDATA[GET /v1/agents HTTP/2")
        .l("Host: api.voiceinfra.ai")
        .neg("X-Api-Key: <redacted>")
        .l("]]></request>")
        .l("  </item>")
        .l("</items>");
    // Burp's default export: each message in base64, decoded and scanned as the request it is.
    let burp_request = |key: &str| {
        base64(
            format!(
                "POST /v1/calls/outbound HTTP/2\r\nHost: api.voiceinfra.ai\r\nX-Api-Key: {key}\r\nContent-Type: application/json\r\n\r\n{{\"to\":\"+15551234567\"}}"
            )
            .as_bytes(),
        )
    };
    c.file("security/pentest-2024/burp-export-base64.xml")
        .l("<?xml version=\"1.0\"?>")
        .l("<items burpVersion=\"2024.3.1\" exportTime=\"Tue May 07 10:14:22 CEST 2024\">")
        .l("  <item>")
        .l("    <url><![CDATA[https://api.voiceinfra.ai/v1/calls/outbound]]></url>")
        .l("    <host ip=\"203.0.113.10\">api.voiceinfra.ai</host>")
        .pos(
            HEADER,
            format!(
                "    <request base64=\"true\"><![CDATA[{}]]></request>",
                burp_request(&c.key(32))
            ),
        )
        .l("  </item>")
        .l("  <item>")
        .l("    <url><![CDATA[https://api.voiceinfra.ai/v1/calls/outbound]]></url>")
        .neg(format!(
            "    <request base64=\"true\"><![CDATA[{}]]></request>",
            burp_request("<redacted>")
        ))
        .l("  </item>")
        .l("</items>");
    c.file("security/pentest-2024/mitmproxy/outbound-call.txt")
        .l("POST https://api.voiceinfra.ai/v1/calls/outbound HTTP/1.1")
        .l("host: api.voiceinfra.ai")
        .l("user-agent: voiceinfra-python/2.3.0")
        .pos(HEADER, format!("x-api-key: {}", c.key(40)))
        .l("content-type: application/json")
        .neg(format!("x-amzn-trace-id: Root=1-{}", c.noise_hex(24)))
        .l("")
        .l("{\"to\": \"+15551234567\"}");
    c.file("security/pentest-2024/mitmproxy/agents-masked.txt")
        .l("GET https://api.voiceinfra.ai/v1/agents HTTP/1.1")
        .l("host: api.voiceinfra.ai")
        .neg("x-api-key: ********************************")
        .neg("x-api-key: ${VOICEINFRA_API_KEY}");
    c.file("security/pentest-2024/charles/session.chlsj")
        .l("[{\"status\":\"COMPLETE\",\"method\":\"POST\",\"protocolVersion\":\"HTTP/1.1\",\"scheme\":\"https\",\"host\":\"api.voiceinfra.ai\",\"actualPort\":443,\"path\":\"/v1/calls/outbound\",")
        .l(" \"request\":{\"header\":{\"firstLine\":\"POST /v1/calls/outbound HTTP/1.1\",\"headers\":[")
        .l("   {\"name\":\"Host\",\"value\":\"api.voiceinfra.ai\"},")
        .pos(HEADER, format!("   {{\"name\":\"X-API-Key\",\"value\":\"{}\"}},", c.key(32)))
        .neg(format!("   {{\"name\":\"X-Request-Id\",\"value\":\"{}\"}},", c.noise_uuid()))
        .neg("   {\"name\":\"X-API-Key\",\"value\":\"{{VOICEINFRA_API_KEY}}\"}")
        .l(" ]}}}]");
    // Another vendor's key in the same kind of export: the generic rule, never a VoiceInfra one.
    c.file("security/pentest-2024/mitmproxy/weather.txt")
        .l("GET https://api.weatherco.io/v2/forecast?city=Paris HTTP/1.1")
        .l("host: api.weatherco.io")
        .pos(GENERIC, format!("x-api-key: {}", c.key(32)));
}

/// Node and TypeScript webhook handlers that verify an HMAC-SHA256 signature with a literal
/// secret and never name VoiceInfra, in this project that does (the project-level rule; the
/// same handlers in a project that does not are in
/// `issue_13_node_webhook_handlers_need_a_project_that_integrates_voiceinfra`).
fn node_webhook_handlers(c: &Corpus) {
    c.file("services/hooks-node/src/verify.js")
        .l("const crypto = require(\"node:crypto\");\n")
        .pos(PROJECT, format!("const WEBHOOK_SECRET = \"{}\";", c.key(32)))
        .neg(format!("const DELIVERY_ID_HEADER = \"{}\";", c.noise_uuid()))
        .l("")
        .l("module.exports = function verify(req, res, next) {")
        .l("  const signature = req.get(\"x-signature\") || \"\";")
        .l("  const expected = crypto.createHmac(\"sha256\", WEBHOOK_SECRET).update(req.rawBody).digest(\"hex\");")
        .l("  if (!crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return res.sendStatus(401);")
        .l("  next();")
        .l("};");
    c.file("services/hooks-node/src/routes/events.ts")
        .l("import crypto from \"node:crypto\";")
        .l("import type { Request, Response } from \"express\";\n")
        .pos(PROJECT, format!("const signingSecret: string = \"{}\";", c.key(32)))
        .neg("const SIGNING_SECRET_ENV: string = process.env.SIGNING_SECRET ?? \"\";")
        .l("")
        .l("export function receive(req: Request, res: Response): void {")
        .l("  const signature = req.header(\"x-signature\") ?? \"\";")
        .l("  const digest = crypto.createHmac(\"sha256\", signingSecret).update(req.body).digest(\"hex\");")
        .l("  res.sendStatus(crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(digest)) ? 204 : 401);")
        .l("}");
    c.file("web/pages/api/hooks.ts")
        .l("import { createHmac, timingSafeEqual } from \"crypto\";")
        .l("import type { NextApiRequest, NextApiResponse } from \"next\";\n")
        .l("export default function handler(req: NextApiRequest, res: NextApiResponse) {")
        .l("  const signature = String(req.headers[\"x-signature\"] ?? \"\");")
        .pos(
            PROJECT,
            format!(
                "  const expected = createHmac(\"sha256\", \"{}\").update(JSON.stringify(req.body)).digest(\"hex\");",
                c.key(32)
            ),
        )
        .neg("  const fromEnv = createHmac(\"sha256\", process.env.WEBHOOK_SECRET!).update(\"\").digest(\"hex\");")
        .l("  res.status(timingSafeEqual(Buffer.from(signature), Buffer.from(expected)) ? 200 : 401).end();")
        .l("}");
    // Placeholders and another vendor's signature scheme, in the same project.
    c.file("services/hooks-node/src/github.ts")
        .neg(format!("const WEBHOOK_SECRET: string = \"{}\";", c.noise_key(32)))
        .l("export function verifyGithub(req: Request): boolean {")
        .l("  const sig = req.header(\"x-hub-signature-256\") ?? \"\";")
        .l("  return sig === \"sha256=\" + crypto.createHmac(\"sha256\", WEBHOOK_SECRET).update(req.body).digest(\"hex\");")
        .l("}");
    c.file("services/hooks-node/src/example.ts")
        .neg("const SIGNING_SECRET = \"replace-with-your-signing-secret\";")
        .l("const signature = req.header(\"x-signature\");")
        .l("const digest = crypto.createHmac(\"sha256\", SIGNING_SECRET).update(body).digest(\"hex\");");
}

fn build() -> Corpus {
    let c = Corpus::new();
    next_app(&c);
    vite_dashboard(&c);
    public_env_apps(&c);
    python_service(&c);
    go_service(&c);
    infra(&c);
    docs(&c);
    snippets(&c);
    tools_and_clients(&c);
    windows_and_encodings(&c);
    env_fallbacks(&c);
    api_clients(&c);
    manifests(&c);
    recordings(&c);
    logs(&c);
    test_code(&c);
    runbooks(&c);
    word_built_values(&c);
    webhook_handlers_without_names(&c);
    generic_test_constants(&c);
    proxy_exports(&c);
    node_webhook_handlers(&c);
    c
}

/// Readable multiset difference: what is in `a` and not in `b`.
fn minus(a: &[(String, u64, String)], b: &[(String, u64, String)]) -> Vec<(String, u64, String)> {
    let mut counts: BTreeMap<&(String, u64, String), isize> = BTreeMap::new();
    for x in b {
        *counts.entry(x).or_default() += 1;
    }
    let mut out = Vec::new();
    for x in a {
        let n = counts.entry(x).or_default();
        if *n > 0 {
            *n -= 1;
        } else {
            out.push(x.clone());
        }
    }
    out
}

#[test]
fn corpus_reports_exactly_the_expected_findings() {
    let corpus = build();
    let expected = corpus.expected();
    let negatives = corpus.count_negatives();
    assert!(expected.len() >= 80, "only {} positives", expected.len());
    assert!(negatives >= 120, "only {negatives} hard negatives");
    eprintln!(
        "corpus: {} files, {} positives, {negatives} hard negatives",
        corpus.files.borrow().len(),
        expected.len()
    );

    let dir = TestDir::new();
    corpus.write(&dir);
    // dist/ and .next/ are git-ignored, as in real projects: scan them anyway.
    let (code, report) = dir.scan_json(&["--no-ignore"]);
    let mut actual = hits(&report);
    actual.sort();

    let show = |title: &str, list: &[(String, u64, String)]| -> String {
        let mut s = format!("{title} ({}):\n", list.len());
        for (path, line, rule) in list {
            let text = corpus.line_text(path, *line);
            let text: String = text.chars().take(140).collect();
            s.push_str(&format!("  {path}:{line} {rule}\n      {}\n", text.trim()));
        }
        s
    };
    let missing = minus(&expected, &actual);
    let extra = minus(&actual, &expected);
    // Precision and recall as the held-out sets of issue 13 are measured (per expected
    // (path, line, rule); a finding under another rule id counts as a miss and an extra).
    let true_positives = (expected.len() - missing.len()) as f64;
    eprintln!(
        "corpus: precision {:.3}, recall {:.3} ({} missed, {} extra)",
        true_positives / (true_positives + extra.len() as f64).max(1.0),
        true_positives / (expected.len() as f64).max(1.0),
        missing.len(),
        extra.len()
    );
    assert!(
        missing.is_empty() && extra.is_empty(),
        "corpus: {} positives, {negatives} negatives\n{}{}",
        expected.len(),
        show("MISSING (expected, not reported)", &missing),
        show("EXTRA (reported, not expected)", &extra),
    );
    assert_eq!(code, 1);
}

#[test]
fn corpus_reports_never_contain_a_secret() {
    let corpus = build();
    let dir = TestDir::new();
    corpus.write(&dir);
    let secrets = corpus.generated.borrow();
    assert!(
        secrets.len() >= 80,
        "only {} secrets generated",
        secrets.len()
    );
    for format in ["text", "json", "jsonl", "sarif"] {
        let out = dir.run(&["scan", "--no-ignore", "--no-color", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stdout.len() > 1000,
            "{format}: suspiciously short report:\n{stdout}"
        );
        let leaked: Vec<&String> = secrets
            .iter()
            .filter(|s| stdout.contains(s.as_str()) || stderr.contains(s.as_str()))
            .collect();
        assert!(
            leaked.is_empty(),
            "{format} report shows {} secret(s) in full: {leaked:?}",
            leaked.len()
        );
    }
}

/// Issue 13: a webhook handler that never names VoiceInfra is reported only in a project that
/// integrates VoiceInfra, at medium severity, with the reason in its name; in history, the
/// repository (any commit) is the project.
#[test]
fn issue_13_webhook_secrets_need_a_project_that_integrates_voiceinfra() {
    let mut keys = crate::util::Keygen::new(13);
    let secret = keys.key(32);
    let handler = format!(
        "<?php\nconst WEBHOOK_SECRET = '{secret}';\n$signature = $_SERVER['HTTP_X_SIGNATURE'] ?? '';\n$expected = hash_hmac('sha256', file_get_contents('php://input'), WEBHOOK_SECRET);\n"
    );
    let dir = TestDir::new();
    dir.write("hooks/receive.php", &handler);
    dir.write("requirements.txt", "flask==3.0.0\n");
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 0, "{report}");
    assert!(hits(&report).is_empty(), "{report}");

    dir.write("requirements.txt", "flask==3.0.0\nvoiceinfra-sdk==1.4.2\n");
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        hits(&report),
        [(
            "hooks/receive.php".to_string(),
            2,
            "voiceinfra.webhook-secret.project".to_string()
        )]
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "medium");
    assert!(
        finding["rule_name"]
            .as_str()
            .is_some_and(|n| n.contains("project that integrates VoiceInfra")),
        "{finding}"
    );

    // History: the handler's commit names no VoiceInfra, a later one does.
    let repo = crate::util::TestRepo::new();
    repo.commit(&[("hooks/receive.php", &handler)], "webhook receiver");
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 0, "{report}");
    repo.commit(
        &[(
            "config/settings.yaml",
            "voiceinfra:\n  base_url: https://api.voiceinfra.ai/v1\n",
        )],
        "settings",
    );
    let (code, report) = repo.history_json(&[]);
    assert_eq!(code, 1, "{report}");
    let found = crate::util::history_hits(&report);
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0].0, "hooks/receive.php");
    assert_eq!(found[0].2, "voiceinfra.webhook-secret.project");
}

/// Issue 13: Node and TypeScript webhook handlers with a literal HMAC secret, in files that never
/// name VoiceInfra, are reported only when the project integrates VoiceInfra (here its
/// package.json names the SDK).
#[test]
fn issue_13_node_webhook_handlers_need_a_project_that_integrates_voiceinfra() {
    let mut keys = crate::util::Keygen::new(1313);
    let (js_secret, ts_secret) = (keys.key(32), keys.key(32));
    let dir = TestDir::new();
    dir.write(
        "src/verify.js",
        format!(
            "const crypto = require(\"node:crypto\");\nconst WEBHOOK_SECRET = \"{js_secret}\";\n\
             module.exports = (req) => crypto.createHmac(\"sha256\", WEBHOOK_SECRET).update(req.rawBody).digest(\"hex\") === req.get(\"x-signature\");\n"
        ),
    );
    dir.write(
        "src/events.ts",
        format!(
            "import crypto from \"node:crypto\";\n\nconst signingSecret: string = \"{ts_secret}\";\n\
             export const valid = (body: string, signature: string): boolean =>\n  crypto.createHmac(\"sha256\", signingSecret).update(body).digest(\"hex\") === signature;\n"
        ),
    );
    let package = |deps: &str| {
        format!(
            "{{ \"name\": \"hooks\", \"dependencies\": {{ \"express\": \"^4.19.2\"{deps} }} }}\n"
        )
    };
    dir.write("package.json", package(""));
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 0, "{report}");
    assert!(hits(&report).is_empty(), "{report}");

    dir.write(
        "package.json",
        package(", \"@voiceinfra/node\": \"^2.1.0\""),
    );
    let (code, report) = dir.scan_json(&[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        hits(&report),
        [
            ("src/events.ts".to_string(), 3, PROJECT.to_string()),
            ("src/verify.js".to_string(), 2, PROJECT.to_string()),
        ]
    );
}
