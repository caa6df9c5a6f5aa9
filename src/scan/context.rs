//! Context around a match: named checks the rules refer to ([`ContextCheck`]), front-end bundle
//! recognition, and resolving an identifier to the literal assigned to it in the same blob.
//! Everything here works on a bounded window around the match, so it costs the same on a
//! one-megabyte minified line as on a short one.

use memchr::memmem;

use crate::rules::ContextCheck;

/// Lines looked at on each side of a match for "nearby" checks.
const NEARBY_LINES: usize = 10;
/// Bytes looked at on each side at most (minified code has few, very long lines).
const NEARBY_BYTES: usize = 1536;
/// Bytes before a match, on its own line, that can name VoiceInfra (`VoiceInfraClient(api_key=…`).
const SCOPE_BYTES: usize = 400;
/// Lines above a match searched for the block that encloses it (siblings are skipped over).
const BLOCK_LINES: usize = 16;
/// Bytes above a match searched for the block that encloses it.
const BLOCK_BYTES: usize = 1024;
/// Bytes before an `X-API-Key: identifier` use searched for the identifier's literal (a large
/// source file's constants section, far above the request code).
const RESOLVE_BYTES_BEFORE: usize = 256 * 1024;
/// Bytes after the use searched for the literal (constants declared below their use).
const RESOLVE_BYTES_AFTER: usize = 64 * 1024;
/// Bytes searched on each side for the literal of a one- or two-character (minified) name.
const RESOLVE_BYTES_MINIFIED: usize = 4 * 1024;
/// Occurrences of the name examined on each side of the use: the assignment is normally among
/// the first few; a name used thousands of times with no literal is not worth more.
const RESOLVE_CANDIDATES: usize = 64;

/// What a context check needs to know about one match.
pub struct MatchSite<'a> {
    /// The whole (decoded) blob.
    pub haystack: &'a [u8],
    /// Start of the whole match.
    pub start: usize,
    /// End of the whole match.
    pub end: usize,
    /// The `name` group, if the pattern has one.
    pub name: Option<&'a [u8]>,
    /// The value that would be reported (for indirect rules, the resolved literal).
    pub value: &'a [u8],
    /// Facts about the whole haystack, computed at most once per haystack.
    pub facts: &'a HaystackFacts,
}

/// Whole-haystack facts some checks need, computed on first use and shared by every match in
/// the haystack, so that thousands of matches in a 50 MB bundle do not search it thousands
/// of times.
#[derive(Debug, Default)]
pub struct HaystackFacts {
    signature_header: std::cell::OnceCell<bool>,
    voiceinfra_host: std::cell::OnceCell<bool>,
    hmac_signature_check: std::cell::OnceCell<bool>,
    /// The blob's path names an API client's collection or environment.
    api_client: bool,
}

impl HaystackFacts {
    /// Facts about a haystack read from a blob of path class `class`.
    pub fn of_class(class: super::PathClass) -> HaystackFacts {
        HaystackFacts {
            api_client: class.is_api_client(),
            ..HaystackFacts::default()
        }
    }
}

/// Whether `check` can hold anywhere in `haystack`, for the checks that depend on the whole
/// haystack alone (`None` for the others): a rule that requires only such checks, none of
/// which can hold, need not run its patterns at all (a file that mentions HMAC but verifies no
/// signature, in `bench/files.sh`).
pub fn may_hold_in(check: ContextCheck, haystack: &[u8], facts: &HaystackFacts) -> Option<bool> {
    match check {
        ContextCheck::HmacSignatureCheck => Some(
            *facts
                .hmac_signature_check
                .get_or_init(|| verifies_hmac_signature(haystack)),
        ),
        ContextCheck::VoiceinfraApiClient => Some(
            facts.api_client
                && *facts
                    .voiceinfra_host
                    .get_or_init(|| find_ci(haystack, b"voiceinfra.ai").is_some()),
        ),
        _ => None,
    }
}

/// Whether `check` holds at `site`.
pub fn holds(check: ContextCheck, site: &MatchSite<'_>) -> bool {
    // The weak checks tie a key to VoiceInfra by what surrounds it; a name that says whose key
    // it is (`OPENAI_API_KEY`, `GITHUB_WEBHOOK_SECRET`, `mapboxToken`), or a value in another
    // vendor's format (a Firebase `apiKey: "AIza…"`), overrides them.
    let weak_tie_allowed = || {
        !site.name.is_some_and(names_other_service)
            && !crate::scan::value::has_other_vendor_format(site.value)
    };
    match check {
        ContextCheck::NamesVoiceinfra => site.name.is_some_and(names_voiceinfra),
        ContextCheck::SignatureHeaderInFile => {
            // `HTTP_X_VOICEINFRA_SIGNATURE` is how PHP/CGI/WSGI servers expose the header.
            *site.facts.signature_header.get_or_init(|| {
                find_ci(site.haystack, b"x-voiceinfra-signature").is_some()
                    || find_ci(site.haystack, b"x_voiceinfra_signature").is_some()
            }) && weak_tie_allowed()
        }
        ContextCheck::VoiceinfraScope => {
            in_voiceinfra_block(site.haystack, site.start) && weak_tie_allowed()
        }
        ContextCheck::VoiceinfraHostNearby => {
            let (from, to) = snippet_bounds(site);
            find_ci(&site.haystack[from..to], b"voiceinfra.ai").is_some() && weak_tie_allowed()
        }
        ContextCheck::OtherVendorHost => addressed_to_other_vendor(site),
        ContextCheck::HmacSignatureCheck => {
            *site
                .facts
                .hmac_signature_check
                .get_or_init(|| verifies_hmac_signature(site.haystack))
                && weak_tie_allowed()
        }
        ContextCheck::VoiceinfraApiClient => {
            site.facts.api_client
                && *site
                    .facts
                    .voiceinfra_host
                    .get_or_init(|| find_ci(site.haystack, b"voiceinfra.ai").is_some())
                && weak_tie_allowed()
        }
    }
}

/// Whether `haystack` computes an HMAC-SHA256 and reads a signature header (PHP's
/// `HTTP_X_…_SIGNATURE` included), as a VoiceInfra webhook handler does, and names none of the
/// signature headers other vendors use for the same scheme.
fn verifies_hmac_signature(haystack: &[u8]) -> bool {
    const OTHER_HEADERS: &[&[u8]] = &[
        b"x-hub-signature",
        b"x_hub_signature",
        b"stripe-signature",
        b"stripe_signature",
        b"x-slack-signature",
        b"x_slack_signature",
        b"x-shopify-hmac",
        b"x_shopify_hmac",
        b"x-twilio-signature",
        b"x_twilio_signature",
        b"svix-signature",
        b"x-gitlab-token",
        b"paddle-signature",
        b"x-signature-ed25519",
    ];
    // Words as code writes them (lower, UPPER, Capitalised): SIMD substring searches, where a
    // case-insensitive search stops at every `s` of a large crypto library (bench/files.sh).
    let mentions = |word: &str| {
        let mut capitalised = word.to_string();
        capitalised[..1].make_ascii_uppercase();
        [word.to_string(), word.to_ascii_uppercase(), capitalised]
            .iter()
            .any(|w| memchr::memmem::find(haystack, w.as_bytes()).is_some())
    };
    mentions("hmac")
        && mentions("sha256")
        && mentions("signature")
        && !OTHER_HEADERS.iter().any(|h| find_ci(haystack, h).is_some())
}

/// Whether the identifier `name` (a variable, key or setting name) says it holds the credential
/// of some other service: one of its words is neither VoiceInfra nor a generic word of key names
/// (`api`, `key`, `prod`, `webhook`, `config`, …). `OPENAI_API_KEY`, `session_secret`,
/// `GITHUB_WEBHOOK_SECRET` and `csrfToken` do; `API_KEY`, `prodToken`, `self.api_key`,
/// `NEXT_PUBLIC_VOICEINFRA_KEY` do not. Words of one or two letters (minified names, `vi`) are
/// ignored.
pub fn names_other_service(name: &[u8]) -> bool {
    // Words that qualify a key name without naming a service.
    const GENERIC: &str = "\
        key keys apikey api token tokens secret secrets access auth authorization bearer \
        credential credentials creds password webhook webhooks signing signature hmac private \
        public next react vite nuxt expo gatsby client server service app application account \
        project default prod production live dev development staging stage test testing sandbox \
        demo primary secondary backup fallback old new current previous prev rotated legacy the \
        our master main global shared internal rest http https voice infra self this config cfg \
        conf configuration settings options opts params props env environment data outbound \
        inbound call calls agent agents value raw encoded base64";
    if names_voiceinfra(name) {
        return false;
    }
    words(name).any(|word| {
        word.len() > 2
            && !word.iter().all(u8::is_ascii_digit)
            && !GENERIC
                .split_ascii_whitespace()
                .any(|g| g.as_bytes().eq_ignore_ascii_case(word))
    })
}

/// The words of an identifier in snake, kebab, dotted, camel or Pascal case (`APIKey` → `API`,
/// `Key`).
fn words(name: &[u8]) -> impl Iterator<Item = &[u8]> {
    name.split(|b| !b.is_ascii_alphanumeric())
        .flat_map(|part| {
            let mut cuts = vec![0];
            for i in 1..part.len() {
                let (prev, cur) = (part[i - 1], part[i]);
                let next_lower = part.get(i + 1).is_some_and(u8::is_ascii_lowercase);
                if (prev.is_ascii_lowercase() || prev.is_ascii_digit()) && cur.is_ascii_uppercase()
                    || prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower
                {
                    cuts.push(i);
                }
            }
            cuts.push(part.len());
            let pieces: Vec<&[u8]> = cuts.windows(2).map(|w| &part[w[0]..w[1]]).collect();
            pieces
        })
        .filter(|w| !w.is_empty())
}

/// The whole identifier around a `name` capture at `start..end`, extended to the left over
/// identifier, dot and dash bytes: `_API_KEY` in `OPENAI_API_KEY` is `OPENAI_API_KEY`, `api_key`
/// in `openai.api_key` is `openai.api_key`.
pub fn identifier_around(haystack: &[u8], start: usize, end: usize) -> &[u8] {
    let floor = start.saturating_sub(128);
    let from = haystack[floor..start]
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.' | b'-')))
        .map_or(floor, |i| floor + i + 1);
    &haystack[from..end]
}

/// Whether `text` names VoiceInfra (`voiceinfra`, `voice_infra`, `voice-infra`, any case).
pub fn names_voiceinfra(text: &[u8]) -> bool {
    [&b"voiceinfra"[..], b"voice_infra", b"voice-infra"]
        .iter()
        .any(|n| find_ci(text, n).is_some())
}

/// Case-insensitive search for an ASCII-lowercase `needle`.
pub fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle.first()?;
    let mut from = 0;
    while from + needle.len() <= haystack.len() {
        let pos = memchr::memchr2(*first, first.to_ascii_uppercase(), &haystack[from..])? + from;
        if pos + needle.len() <= haystack.len()
            && haystack[pos..pos + needle.len()].eq_ignore_ascii_case(needle)
        {
            return Some(pos);
        }
        from = pos + 1;
    }
    None
}

fn window_start(haystack: &[u8], at: usize, lines: usize, max_bytes: usize) -> usize {
    let floor = at.saturating_sub(max_bytes);
    let mut start = at;
    for _ in 0..=lines {
        match memchr::memrchr(b'\n', &haystack[floor..start]) {
            Some(nl) => start = floor + nl,
            None => return floor,
        }
    }
    start + 1
}

fn window_end(haystack: &[u8], at: usize, lines: usize, max_bytes: usize) -> usize {
    let ceiling = (at + max_bytes).min(haystack.len());
    let mut end = at;
    for _ in 0..=lines {
        match memchr::memchr(b'\n', &haystack[end..ceiling]) {
            Some(nl) => end = end + nl + 1,
            None => return ceiling,
        }
    }
    end
}

fn nearby_bounds(site: &MatchSite<'_>) -> (usize, usize) {
    let from = window_start(site.haystack, site.start, NEARBY_LINES, NEARBY_BYTES);
    let to = window_end(site.haystack, site.end, NEARBY_LINES, NEARBY_BYTES);
    (from, to)
}

/// The "same snippet" as a match: the lines around it, cut to the named configuration block it
/// sits in (a YAML/JSON key, a TOML/INI section), if any, so that `session_secret` under
/// `[server]` is not "near" the host in the `[voiceinfra]` section below.
fn snippet_bounds(site: &MatchSite<'_>) -> (usize, usize) {
    let (from, to) = nearby_bounds(site);
    match enclosing_config_block(site.haystack, site.start) {
        Some((block_from, block_to)) => {
            let from = from.max(block_from);
            (from, to.min(block_to).max(from))
        }
        None => (from, to),
    }
}

/// Whether the `X-API-Key` match is addressed to another vendor: a third-party URL is nearby,
/// and it is closer to the match than anything naming VoiceInfra (a comment that mentions
/// VoiceInfra does not make `curl https://api.mapsvendor.com -H 'x-api-key: …'` VoiceInfra's).
fn addressed_to_other_vendor(site: &MatchSite<'_>) -> bool {
    let (from, to) = nearby_bounds(site);
    let window = &site.haystack[from..to];
    let distance = |at: usize, len: usize| {
        let (a, b) = (from + at, from + at + len);
        if b <= site.start {
            site.start - b
        } else {
            a.saturating_sub(site.end)
        }
    };
    let foreign = memmem::find_iter(window, b"://")
        .filter(|&pos| is_other_vendor(&host_at(&window[pos + 3..])))
        .map(|pos| distance(pos, 3))
        .min();
    let voiceinfra = voiceinfra_mentions(window)
        .map(|pos| distance(pos, b"voiceinfra".len()))
        .min();
    match (foreign, voiceinfra) {
        (Some(f), Some(v)) => f < v,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Offsets of every mention of VoiceInfra in `text` (`voiceinfra`, `voice_infra`,
/// `voice-infra`, any case), in one pass.
fn voiceinfra_mentions(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(pos) = find_ci(&text[from..], b"voice") {
            let at = from + pos;
            from = at + 5;
            let rest = &text[from..];
            let rest = match rest.first() {
                Some(b'_' | b'-') => &rest[1..],
                _ => rest,
            };
            if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"infra") {
                return Some(at);
            }
        }
        None
    })
}

/// The host name of a URL, given the text right after `://`, lowercased.
fn host_at(text: &[u8]) -> String {
    let host: Vec<u8> = text
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    String::from_utf8_lossy(&host).into_owned()
}

/// One line of text: byte range without its terminator, and its indentation.
#[derive(Clone, Copy)]
struct LineSpan {
    start: usize,
    end: usize,
}

impl LineSpan {
    /// The line containing `at`.
    fn containing(haystack: &[u8], at: usize) -> LineSpan {
        let start = memchr::memrchr(b'\n', &haystack[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &haystack[at..]).map_or(haystack.len(), |i| at + i);
        LineSpan { start, end }
    }

    /// The line before this one.
    fn previous(self, haystack: &[u8]) -> Option<LineSpan> {
        (self.start > 0).then(|| LineSpan::containing(haystack, self.start - 1))
    }

    /// The line after this one.
    fn next(self, haystack: &[u8]) -> Option<LineSpan> {
        (self.end < haystack.len()).then(|| LineSpan::containing(haystack, self.end + 1))
    }

    fn text(self, haystack: &[u8]) -> &[u8] {
        &haystack[self.start..self.end]
    }

    fn trimmed(self, haystack: &[u8]) -> &[u8] {
        self.text(haystack).trim_ascii()
    }

    fn indent(self, haystack: &[u8]) -> usize {
        self.text(haystack)
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count()
    }

    fn is_blank(self, haystack: &[u8]) -> bool {
        self.trimmed(haystack).is_empty()
    }
}

/// `[voiceinfra]`, `[[package]]`, `[voiceinfra.regions.eu]`: a TOML/INI section header.
fn is_section_header(line: &[u8]) -> bool {
    line.len() >= 3
        && line.starts_with(b"[")
        && line.ends_with(b"]")
        && line
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b" _.-\"'[]".contains(&b))
}

/// `voiceinfra:`, `"VoiceInfra": {`, `sentry: {`: a configuration key that opens a block.
fn is_named_opener(line: &[u8]) -> bool {
    let line = line
        .strip_suffix(b"{")
        .or_else(|| line.strip_suffix(b"["))
        .unwrap_or(line)
        .trim_ascii_end();
    let Some(key) = line.strip_suffix(b":") else {
        return false;
    };
    let key = key.trim_ascii_end();
    let key = key
        .strip_prefix(b"\"")
        .and_then(|k| k.strip_suffix(b"\""))
        .or_else(|| key.strip_prefix(b"'").and_then(|k| k.strip_suffix(b"'")))
        .unwrap_or(key);
    !key.is_empty()
        && key
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
}

fn is_comment(line: &[u8]) -> bool {
    [&b"#"[..], b"//", b";", b"--", b"/*", b"*"]
        .iter()
        .any(|p| line.starts_with(p))
}

/// The text within [`BLOCK_BYTES`] of `at` on each side, and where it starts. Block walks run
/// on this window only, so a match on a megabyte-long minified line costs the same as any other
/// (a line cut by the window is treated as starting or ending at its edge).
fn block_window(haystack: &[u8], at: usize) -> (&[u8], usize) {
    let floor = at.saturating_sub(BLOCK_BYTES);
    let ceiling = (at + BLOCK_BYTES).min(haystack.len());
    (&haystack[floor..ceiling], floor)
}

/// Whether the match at `at` sits in a block that names VoiceInfra: earlier on its own line
/// (`VoiceInfraClient(api_key=…`), or an enclosing block above it: a less-indented opener
/// (`voiceinfra:`, `"VoiceInfra": {`, `provider "voiceinfra" {`, `new VoiceInfra({`), a
/// TOML/INI section header, or a comment heading the lines it belongs to. Sibling lines at the
/// same indentation are skipped over, so a neighbouring `voiceinfra:` block does not adopt
/// `sentry: key: …`.
fn in_voiceinfra_block(haystack: &[u8], at: usize) -> bool {
    let (text, floor) = block_window(haystack, at);
    let at = at - floor;
    let line = LineSpan::containing(text, at);
    let same_line_from = line.start.max(at.saturating_sub(SCOPE_BYTES));
    if names_voiceinfra(&text[same_line_from..at]) {
        return true;
    }
    let mut level = line.indent(text);
    let mut current = line;
    for _ in 0..BLOCK_LINES {
        let Some(above) = current.previous(text) else {
            return false;
        };
        current = above;
        if above.is_blank(text) {
            continue;
        }
        let trimmed = above.trimmed(text);
        if is_section_header(trimmed) {
            return names_voiceinfra(trimmed);
        }
        let indent = above.indent(text);
        if is_comment(trimmed) {
            if indent <= level && names_voiceinfra(trimmed) {
                return true;
            }
            continue;
        }
        if indent < level {
            if names_voiceinfra(trimmed) {
                return true;
            }
            if indent == 0 {
                return false;
            }
            level = indent;
        }
    }
    false
}

/// The named configuration block enclosing the match at `at`, as a byte range: from a TOML/INI
/// section header to the next one, or from a YAML/JSON key that opens a block (at a smaller
/// indentation than the match) to the first line below that is indented no deeper than it.
/// Code blocks (`def f():`, `func f() {`) are not named blocks: `None` there.
fn enclosing_config_block(haystack: &[u8], at: usize) -> Option<(usize, usize)> {
    let (text, floor) = block_window(haystack, at);
    let line = LineSpan::containing(text, at - floor);
    let mut level = line.indent(text);
    let mut current = line;
    for _ in 0..BLOCK_LINES {
        let above = current.previous(text)?;
        current = above;
        if above.is_blank(text) {
            continue;
        }
        let trimmed = above.trimmed(text);
        let indent = above.indent(text);
        let block = if is_section_header(trimmed) {
            Some((above.start, block_end(text, line, None)))
        } else if indent < level && !is_comment(trimmed) {
            if is_named_opener(trimmed) {
                Some((above.start, block_end(text, line, Some(indent))))
            } else if indent == 0 {
                return None;
            } else {
                level = indent;
                None
            }
        } else {
            None
        };
        if let Some((start, end)) = block {
            return Some((floor + start, floor + end));
        }
    }
    None
}

/// Where the block containing `line` ends in `text`: at the next non-blank line indented at
/// most `indent`, or (for sections, `None`) at the next section header; at most
/// [`BLOCK_LINES`] lines below.
fn block_end(text: &[u8], line: LineSpan, indent: Option<usize>) -> usize {
    let mut current = line;
    for _ in 0..BLOCK_LINES {
        let Some(below) = current.next(text) else {
            return text.len();
        };
        current = below;
        if below.is_blank(text) {
            continue;
        }
        let ends = match indent {
            Some(indent) => below.indent(text) <= indent,
            None => is_section_header(below.trimmed(text)),
        };
        if ends {
            return below.start;
        }
    }
    current.end
}

/// Whether `host` is a real third-party host (not VoiceInfra, not local, not a doc example).
fn is_other_vendor(host: &str) -> bool {
    let neutral = host.is_empty()
        || !host.contains('.')
        || host == "localhost"
        || host.starts_with("127.")
        || host.starts_with("0.0.0.0")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host == "example.com"
        || host.ends_with(".example.com")
        || host == "example.org"
        || host == "example.net"
        // Schema URLs of API-client exports (`info.schema` of every Postman collection) name
        // a format, not the service the requests go to.
        || host == "schema.getpostman.com"
        || host == "json-schema.org";
    let voiceinfra = host == "voiceinfra.ai" || host.ends_with(".voiceinfra.ai");
    !neutral && !voiceinfra
}

/// Whether a blob is built front-end code that ships to browsers, by its path and content: a
/// source map (`*.js.map` by name, any other `*.map` whose content is one), or JavaScript that
/// sits in build output (`dist/`, `build/`, `out/`, `.next/static/`, `.nuxt/`,
/// `.svelte-kit/output/`, `public/`, `static/`, …), has a bundle's file name (`*.min.js`,
/// `*.chunk.js`, a content hash) or looks minified or bundled. Standard input is judged by
/// content alone.
pub fn is_bundle(path: &str, content: &[u8]) -> bool {
    super::PathClass::of(path).is_bundle(content)
}

pub(super) fn bundle_path(lower: &str, name: &str) -> bool {
    in_build_dir(lower)
        || name.ends_with(".min.js")
        || name.ends_with(".chunk.js")
        || name.ends_with(".bundle.js")
        || has_content_hash(name)
}

/// Whether `lower` (a lower-cased path) is under a folder that build tools write for the
/// browser, or that is served to it as is.
pub(super) fn in_build_dir(lower: &str) -> bool {
    const DIRS: &[&str] = &[
        "dist/",
        "build/",
        "out/",
        ".next/static/",
        ".nuxt/",
        ".output/public/",
        ".svelte-kit/output/",
        ".vercel/output/static/",
        "storybook-static/",
        "public/",
        "static/",
        "assets/",
    ];
    // Checked for every path of a history walk: no allocation per directory name.
    DIRS.iter().any(|d| {
        lower.starts_with(d)
            || lower
                .match_indices(d)
                .any(|(at, _)| at > 0 && lower.as_bytes()[at - 1] == b'/')
    })
}

/// `index-3f9a1c7e.js`, `main.8f2a9c1b.js`, `app-BxK3f9aQ.js`: a stem ending in a hash-like token.
fn has_content_hash(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let tokens = name
        .trim_end_matches(".js")
        .rsplit(['-', '.'])
        .next()
        .unwrap_or("");
    tokens != stem
        && tokens.len() >= 6
        && tokens.len() <= 20
        && tokens.bytes().all(|b| b.is_ascii_alphanumeric())
        && tokens.bytes().any(|b| b.is_ascii_digit())
}

/// Minified or bundled content: a very long line near the start, or bundler runtime markers.
pub(super) fn looks_minified(content: &[u8]) -> bool {
    // Runtimes of webpack (4 and 5), Vite/Rollup, Next.js, esbuild and Parcel, and the
    // comments bundlers and minifiers leave.
    const MARKERS: &[&[u8]] = &[
        b"__webpack_require__",
        b"webpackChunk",
        b"webpackJsonp",
        b"__vite__",
        b"__vitePreload",
        b"/*! For license information",
        b"//# sourceMappingURL=",
        b"__NEXT_DATA__",
        b"self.__next_f",
        b"__toESM(",
        b"__commonJS(",
        b"parcelRequire",
    ];
    let head = &content[..content.len().min(256 * 1024)];
    if MARKERS.iter().any(|m| memmem::find(head, m).is_some()) {
        return true;
    }
    let mut start = 0;
    for line in head.split(|&b| b == b'\n') {
        if line.len() > 2000 {
            return true;
        }
        start += line.len() + 1;
        if start > head.len() {
            break;
        }
    }
    false
}

/// Finds the literal assigned to `identifier` in `haystack`, preferring the closest assignment
/// before `use_at`, then the first after it. Returns the literal's byte range.
///
/// Understands `NAME = "…"`, `NAME := "…"`, `NAME: "…"`, `"NAME": "…"`, `$NAME = '…'`,
/// `NAME: &str = "…"`, `String NAME = "…"`, and the last segment of `self.NAME`/`cfg.NAME`.
/// Looks at most [`RESOLVE_BYTES_BEFORE`]/[`RESOLVE_BYTES_AFTER`] around the use (less for
/// minified names), searching outward from it, so that a bundle with thousands of
/// `"X-API-Key": e` uses stays linear.
pub fn resolve_identifier(
    haystack: &[u8],
    identifier: &[u8],
    use_at: usize,
) -> Option<(usize, usize)> {
    let name = last_segment(identifier);
    if name.is_empty() || is_environment_access(identifier) {
        return None;
    }
    let whole_word = |pos: &usize| {
        let end = pos + name.len();
        // `$` may precede the name: PHP and shell variables.
        let left_ok = *pos == 0 || {
            let prev = haystack[pos - 1];
            prev == b'$' || !is_ident_byte(prev)
        };
        left_ok && (end == haystack.len() || !is_ident_byte(haystack[end]))
    };
    let assigned_at = |pos: usize| literal_after_assignment(haystack, pos + name.len());
    // Minified names (`e`, `Xe`) are function locals declared close to their use, and they
    // occur everywhere in a bundle: look only nearby.
    let (before, after) = if name.len() <= 2 {
        (RESOLVE_BYTES_MINIFIED, RESOLVE_BYTES_MINIFIED)
    } else {
        (RESOLVE_BYTES_BEFORE, RESOLVE_BYTES_AFTER)
    };
    let floor = use_at.saturating_sub(before);
    let ceiling = (use_at + after).min(haystack.len());
    memmem::rfind_iter(&haystack[floor..use_at], name)
        .map(|pos| floor + pos)
        .filter(whole_word)
        .take(RESOLVE_CANDIDATES)
        .find_map(assigned_at)
        .or_else(|| {
            memmem::find_iter(&haystack[use_at..ceiling], name)
                .map(|pos| use_at + pos)
                .filter(whole_word)
                .take(RESOLVE_CANDIDATES)
                .find_map(assigned_at)
        })
}

fn last_segment(identifier: &[u8]) -> &[u8] {
    let start = identifier
        .iter()
        .rposition(|&b| matches!(b, b'.' | b':' | b'>' | b'$'))
        .map_or(0, |i| i + 1);
    &identifier[start..]
}

fn is_environment_access(identifier: &[u8]) -> bool {
    let lower = identifier.to_ascii_lowercase();
    [&b"process.env"[..], b"import.meta", b"os.environ", b"env."]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// After a name at `at`: an assignment operator then a quoted literal on the same line.
fn literal_after_assignment(haystack: &[u8], at: usize) -> Option<(usize, usize)> {
    let limit = (at + 400).min(haystack.len());
    let line_end = memchr::memchr(b'\n', &haystack[at..limit]).map_or(limit, |i| at + i);
    let rest = &haystack[at..line_end];
    let mut i = 0;
    let skip_spaces = |i: &mut usize| {
        while *i < rest.len() && matches!(rest[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    // A quoted key: "apiKey": "…".
    if i < rest.len() && matches!(rest[i], b'"' | b'\'') {
        i += 1;
    }
    skip_spaces(&mut i);
    // Operator, with an optional type annotation: `: &str =`, `: string =`.
    if rest.get(i) == Some(&b':') && rest.get(i + 1) == Some(&b'=') {
        i += 2;
    } else if rest.get(i) == Some(&b'=') {
        if matches!(rest.get(i + 1), Some(b'=')) {
            return None;
        }
        i += 1;
        if rest.get(i) == Some(&b'>') {
            i += 1;
        }
    } else if rest.get(i) == Some(&b':') {
        i += 1;
        skip_spaces(&mut i);
        if !matches!(rest.get(i), Some(b'"' | b'\'' | b'`')) {
            // A type annotation: skip to the `=`.
            let eq = memchr::memchr(b'=', &rest[i..])?;
            if !rest[i..i + eq]
                .iter()
                .all(|&b| is_ident_byte(b) || b" &'<>[]".contains(&b))
            {
                return None;
            }
            i += eq + 1;
        }
    } else {
        return None;
    }
    skip_spaces(&mut i);
    if matches!(rest.get(i), Some(b'b' | b'r' | b'@'))
        && matches!(rest.get(i + 1), Some(b'"' | b'\''))
    {
        i += 1;
    }
    let quote = *rest.get(i)?;
    if !matches!(quote, b'"' | b'\'' | b'`') {
        return None;
    }
    let start = i + 1;
    let len = memchr::memchr(quote, &rest[start..])?;
    Some((at + start, at + start + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(text: &str, needle: &str) -> (Vec<u8>, usize) {
        let at = text.find(needle).expect("needle in text");
        (text.as_bytes().to_vec(), at)
    }

    #[test]
    fn other_vendor_host_needs_a_foreign_url_and_no_voiceinfra() {
        let check = |text: &str| {
            let (bytes, at) = site(text, "X-API-Key");
            holds(
                ContextCheck::OtherVendorHost,
                &MatchSite {
                    haystack: &bytes,
                    start: at,
                    end: at + 9,
                    name: None,
                    value: b"",
                    facts: &HaystackFacts::default(),
                },
            )
        };
        assert!(check(
            "get('https://api.weatherco.io/v1', {'X-API-Key': k})"
        ));
        assert!(!check(
            "get('https://api.voiceinfra.ai/v1', {'X-API-Key': k})"
        ));
        assert!(!check("get('http://localhost:8080/v1', {'X-API-Key': k})"));
        assert!(!check("{'X-API-Key': k}"));
    }

    #[test]
    fn scope_looks_only_above_and_before() {
        let text = "[voiceinfra]\napi_key = \"x\"\n";
        let (bytes, at) = site(text, "api_key");
        let s = MatchSite {
            haystack: &bytes,
            start: at,
            end: at + 7,
            name: None,
            value: b"x",
            facts: &HaystackFacts::default(),
        };
        assert!(holds(ContextCheck::VoiceinfraScope, &s));
        let text = "api_key = \"x\" # voiceinfra\n";
        let (bytes, at) = site(text, "api_key");
        let s = MatchSite {
            haystack: &bytes,
            start: at,
            end: at + 7,
            name: None,
            value: b"x",
            facts: &HaystackFacts::default(),
        };
        assert!(!holds(ContextCheck::VoiceinfraScope, &s));
    }

    #[test]
    fn other_vendor_host_is_the_nearest_mention() {
        let check = |text: &str| {
            let (bytes, at) = site(text, "x-api-key");
            holds(
                ContextCheck::OtherVendorHost,
                &MatchSite {
                    haystack: &bytes,
                    start: at,
                    end: at + 9,
                    name: None,
                    value: b"",
                    facts: &HaystackFacts::default(),
                },
            )
        };
        // A comment naming VoiceInfra above a call to another host on the match's line.
        assert!(check(
            "# dial through VoiceInfra\ncurl https://api.maps.io/v1 -H 'x-api-key: k'"
        ));
        // The VoiceInfra URL is closer than an unrelated link.
        assert!(!check(
            "# see https://docs.python-requests.org\n\n\n\n\n\n\n\nrequests.post(VOICEINFRA_URL, headers={'x-api-key': k})"
        ));
    }

    #[test]
    fn names_that_say_whose_key_it_is() {
        for name in [
            "OPENAI_API_KEY",
            "_API_KEY",
            "session_secret",
            "GITHUB_WEBHOOK_SECRET",
            "mapboxToken",
            "openai.api_key",
            "StripeSecretKey",
        ] {
            let other = name != "_API_KEY";
            assert_eq!(names_other_service(name.as_bytes()), other, "{name}");
        }
        for name in [
            "API_KEY",
            "apiKey",
            "self.api_key",
            "prodToken",
            "NEXT_PUBLIC_VOICEINFRA_API_KEY",
            "e.apiKey",
            "WEBHOOK_SECRET",
            "x-api-key",
            "VIApiKeyV2",
        ] {
            assert!(!names_other_service(name.as_bytes()), "{name}");
        }
        let words: Vec<&[u8]> = words(b"voiceinfraAPIKey_v2").collect();
        assert_eq!(words, [&b"voiceinfra"[..], b"API", b"Key", b"v2"]);
    }

    #[test]
    fn identifiers_extend_to_the_left() {
        let text = b"x = OPENAI_API_KEY: 1";
        let start = 10; // `_API_KEY`
        assert_eq!(identifier_around(text, start, 18), b"OPENAI_API_KEY");
        assert_eq!(
            identifier_around(b"openai.api_key", 7, 14),
            b"openai.api_key"
        );
        assert_eq!(identifier_around(b"{\"api_key\"", 2, 9), b"api_key");
    }

    #[test]
    fn scope_follows_indentation_and_sections() {
        let scoped = |text: &str, needle: &str| {
            let (bytes, at) = site(text, needle);
            in_voiceinfra_block(&bytes, at)
        };
        let nested = "voiceinfra:\n  base: x\n  regions:\n    eu:\n      token: k\n";
        assert!(scoped(nested, "token"));
        let sibling = "voiceinfra:\n  agent: a\nsentry:\n  key: k\n";
        assert!(!scoped(sibling, "key:"));
        let sections = "[voiceinfra]\nurl = u\n[openai]\napi_key = k\n";
        assert!(!scoped(sections, "api_key"));
        let code = "client = VoiceInfraClient(\n    api_key=k,\n)\n";
        assert!(scoped(code, "api_key"));
        let comment = "# VoiceInfra\nAPI_KEY=k\n";
        assert!(scoped(comment, "API_KEY"));
    }

    #[test]
    fn the_snippet_stops_at_a_named_block() {
        let host_near = |text: &str, needle: &str| {
            let (bytes, at) = site(text, needle);
            holds(
                ContextCheck::VoiceinfraHostNearby,
                &MatchSite {
                    haystack: &bytes,
                    start: at,
                    end: at + needle.len(),
                    name: None,
                    value: b"",
                    facts: &HaystackFacts::default(),
                },
            )
        };
        let toml = "[server]\nsession = k\n\n[voiceinfra]\nurl = \"https://api.voiceinfra.ai\"\n";
        assert!(!host_near(toml, "session"));
        assert!(host_near(toml, "url ="));
        let compose = "  dialer:\n    environment:\n      URL: https://api.voiceinfra.ai/v1\n      TOKEN: k\n  tts:\n    environment:\n      API_KEY: k\n";
        assert!(host_near(compose, "TOKEN"));
        assert!(!host_near(compose, "API_KEY"));
        // Code blocks are not named blocks: a module constant counts for a function body.
        let code = "BASE = \"https://api.voiceinfra.ai/v1\"\ndef f():\n    token = k\n";
        assert!(host_near(code, "token"));
    }

    #[test]
    fn bundles_by_path_and_content() {
        assert!(is_bundle("web/dist/assets/index-3f9a1c7e.js", b"x"));
        assert!(is_bundle(".next/static/chunks/app.js", b"x"));
        assert!(is_bundle("vendor.min.js", b"x"));
        assert!(is_bundle("src/main.8f2a9c1b.chunk.js", b"x"));
        assert!(is_bundle("app.js.map", b"{}"));
        assert!(is_bundle(
            "styles.css.map",
            b"{\"version\":3,\"mappings\":\"AAAA\"}"
        ));
        assert!(!is_bundle("linker.map", b"Memory map of app.elf\n"));
        assert!(is_bundle(
            "web/.svelte-kit/output/client/_app/immutable/start.js",
            b"x"
        ));
        assert!(is_bundle("web/.nuxt/dist/client/entry.js", b"x"));
        assert!(is_bundle("public/js/widget.js", b"x"));
        assert!(is_bundle("lib/x.js", b"var a=__toESM(require_react());"));
        assert!(is_bundle("src/app.js", &[b'a'; 3000]));
        assert!(is_bundle(
            "lib/x.js",
            b"(self.webpackChunk_app=self.webpackChunk_app||[])"
        ));
        assert!(!is_bundle("src/app.js", b"const a = 1;\n"));
        assert!(!is_bundle("dist/notes.txt", &[b'a'; 3000]));
        assert!(!is_bundle("src/api-client.js", b"x"));
        // Pages in build output, or served as is, ship their inline scripts.
        assert!(is_bundle("dashboard/dist/index.html", b"<html>"));
        assert!(is_bundle("web/.next/server/app/index.html", b"<html>"));
        assert!(is_bundle("apps/cra/public/index.html", b"<html>"));
        assert!(!is_bundle("docs/guide.html", b"<html>"));
        assert!(!is_bundle("templates/index.html", &[b'a'; 3000]));
    }

    #[test]
    fn resolves_identifiers_in_many_syntaxes() {
        let cases = [
            (
                "API_KEY = \"lit1\"\nh = {\"X-API-Key\": API_KEY}",
                "API_KEY",
                "lit1",
            ),
            (
                "const apiKey = 'lit2';\nf({ 'X-API-Key': apiKey })",
                "apiKey",
                "lit2",
            ),
            (
                "apiKey := \"lit3\"\nSet(\"X-API-Key\", apiKey)",
                "apiKey",
                "lit3",
            ),
            (
                "const K: &str = \"lit4\";\n.header(\"X-API-Key\", K)",
                "K",
                "lit4",
            ),
            ("$key = 'lit5';\n['X-API-Key' => $key]", "$key", "lit5"),
            (
                "self.key = \"lit6\"\n{\"X-API-Key\": self.key}",
                "self.key",
                "lit6",
            ),
        ];
        for (text, ident, literal) in cases {
            let use_at = text.rfind(ident).expect("use site");
            let (start, end) =
                resolve_identifier(text.as_bytes(), ident.as_bytes(), use_at).expect(text);
            assert_eq!(&text[start..end], literal, "{text}");
        }
        assert!(resolve_identifier(b"k == \"x\"\n{\"X-API-Key\": k}", b"k", 14).is_none());
        assert!(
            resolve_identifier(b"{\"X-API-Key\": process.env.K}", b"process.env.K", 14).is_none()
        );
    }
}
