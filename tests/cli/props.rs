//! Property tests (issue 7), on the library: a secret placed anywhere in a generated file is
//! found at the right line and column, for each rule family, each file encoding (LF, CRLF,
//! UTF-16 LE/BE with a byte order mark) and each way a value is encoded in text (base64,
//! percent-encoding, `\uXXXX` escapes); no report format shows it unless asked; its
//! fingerprint does not depend on where it is; and byte offsets map to the same line and column
//! however they are looked up.

use std::sync::OnceLock;

use proptest::prelude::*;
use viscan::blob::{Blob, Origin};
use viscan::finding::Finding;
use viscan::report::{self, Format, ReportInput, Summary};
use viscan::rules::RuleSet;
use viscan::scan::Scanner;
use viscan::scan::text::{Cursor, LineIndex};
use viscan::scan::value::{self, Verdict};

use crate::util::base64;

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| Scanner::new(RuleSet::builtin().expect("rules")).expect("scanner"))
}

/// A leak shape: the path it is scanned as, its lines (`{K}` is the secret, written in
/// `form`), the rule that must report it.
struct Template {
    path: &'static str,
    lines: &'static [&'static str],
    rule: &'static str,
    form: Form,
}

/// How the secret is written in the file; a finding points at the written text.
#[derive(Debug, Clone, Copy)]
enum Form {
    Plain,
    Base64,
    Percent,
    Escapes,
}

impl Form {
    fn write(self, key: &str) -> String {
        match self {
            Form::Plain => key.to_string(),
            Form::Base64 => base64(key.as_bytes()),
            Form::Percent => key.bytes().map(|b| format!("%{b:02X}")).collect(),
            Form::Escapes => key
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect(),
        }
    }
}

const TEMPLATES: &[Template] = &[
    Template {
        path: ".env",
        lines: &["VOICEINFRA_API_KEY={K}"],
        rule: "voiceinfra.api-key.assignment",
        form: Form::Plain,
    },
    Template {
        path: "web/cfg.js",
        // Characters of 2 and 4 UTF-8 bytes before the secret: one column each.
        lines: &["const cfg = { nom: \"café😀\", voiceinfraApiKey: \"{K}\" };"],
        rule: "voiceinfra.api-key.assignment",
        form: Form::Plain,
    },
    Template {
        path: "docs/setup.sh",
        lines: &[
            "curl -X POST https://api.voiceinfra.ai/v1/calls/outbound \\",
            "  -H 'X-API-Key: {K}'",
        ],
        rule: "voiceinfra.api-key.header",
        form: Form::Plain,
    },
    Template {
        path: "src/client.py",
        lines: &[
            "API_KEY = \"{K}\"",
            "",
            "def call():",
            "    return requests.post(\"https://api.voiceinfra.ai/v1/calls\", headers={\"X-API-Key\": API_KEY})",
        ],
        rule: "voiceinfra.api-key.indirect",
        form: Form::Plain,
    },
    Template {
        path: "config/app.yaml",
        lines: &[
            "voiceinfra:",
            "  url: https://api.voiceinfra.ai/v1",
            "  token: {K}",
        ],
        rule: "voiceinfra.api-key.endpoint",
        form: Form::Plain,
    },
    Template {
        path: "app/hooks.py",
        lines: &[
            "WEBHOOK_SECRET = \"{K}\"",
            "sig = request.headers[\"X-VoiceInfra-Signature\"]",
        ],
        rule: "voiceinfra.webhook-secret",
        form: Form::Plain,
    },
    Template {
        path: "dist/assets/index-3f9a1c7e.js",
        lines: &["fetch(\"https://api.voiceinfra.ai/v1/calls\",{headers:{\"X-API-Key\":\"{K}\"}})"],
        rule: "voiceinfra.api-key.bundle",
        form: Form::Plain,
    },
    Template {
        path: "maps.sh",
        lines: &["curl https://api.maps.io/v1 -H 'x-api-key: {K}'"],
        rule: "generic.x-api-key",
        form: Form::Plain,
    },
    Template {
        path: "web/.env.local",
        lines: &["NEXT_PUBLIC_VOICEINFRA_API_KEY={K}"],
        rule: "voiceinfra.api-key.public-env",
        form: Form::Plain,
    },
    Template {
        path: "k8s/secret.yaml",
        lines: &[
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: voiceinfra",
            "data:",
            "  VOICEINFRA_API_KEY: {K}",
        ],
        rule: "voiceinfra.api-key.assignment",
        form: Form::Base64,
    },
    Template {
        path: "scripts/call.sh",
        lines: &["curl https://api.voiceinfra.ai/v1/calls --data \"voiceinfra_api_key={K}\""],
        rule: "voiceinfra.api-key.assignment",
        form: Form::Percent,
    },
    Template {
        path: "config/settings.json",
        lines: &["{\"voiceinfraApiKey\": \"{K}\"}"],
        rule: "voiceinfra.api-key.assignment",
        form: Form::Escapes,
    },
];

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Lf,
    Crlf,
    Utf16Le,
    Utf16Be,
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    let utf16 = |le: bool| {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            out.extend_from_slice(&if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    };
    match encoding {
        Encoding::Lf => text.as_bytes().to_vec(),
        Encoding::Crlf => text.replace('\n', "\r\n").into_bytes(),
        Encoding::Utf16Le => utf16(true),
        Encoding::Utf16Be => utf16(false),
    }
}

/// A random key the value checks accept: 32 letters and digits, both cases, a digit, none of
/// the placeholder words or runs that mark fake values.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{32}".prop_filter("looks like a real key", |k| {
        let lower = k.to_ascii_lowercase();
        // What every rule's value check accepts (so shrinking stays among keys that would be
        // found: it is their position this test is about).
        scanner()
            .rules()
            .rules()
            .iter()
            .all(|rule| value::judge(k.as_bytes(), &rule.value) == Verdict::Secret)
            && k.bytes().any(|b| b.is_ascii_digit())
            && k.bytes().any(|b| b.is_ascii_uppercase())
            && k.bytes().any(|b| b.is_ascii_lowercase())
            && ![
                "your",
                "xxx",
                "todo",
                "fake",
                "test",
                "123456",
                "abcdef",
                "qwerty",
                "example",
                "sample",
                "dummy",
                "insert",
                "replace",
                "changeme",
                "redacted",
                "fixme",
                "notreal",
                "placeholder",
            ]
            .iter()
            .any(|w| lower.contains(w))
            && !k
                .as_bytes()
                .windows(5)
                .any(|w| w.iter().all(|&b| b == w[0]))
    })
}

/// Lines that can surround a leak without changing what is found: no keywords, quotes or
/// operators, some multi-byte characters.
fn filler(max_lines: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z0-9 éüß日本]{0,30}", 0..max_lines)
}

/// The file: filler, the template (indented), filler; and where the secret starts and ends,
/// as naive (line, column) pairs counted in characters.
fn build(
    template: &Template,
    key: &str,
    before: &[String],
    after: &[String],
    indent: &str,
) -> (String, (usize, usize, usize, usize)) {
    let mut text = String::new();
    for line in before {
        text.push_str(line);
        text.push('\n');
    }
    let written = template.form.write(key);
    for line in template.lines {
        if !line.is_empty() {
            text.push_str(indent);
        }
        text.push_str(&line.replace("{K}", &written));
        text.push('\n');
    }
    for line in after {
        text.push_str(line);
        text.push('\n');
    }
    let at = text.find(&written).expect("key in text");
    let line = text[..at].matches('\n').count() + 1;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..at].chars().count() + 1;
    (text, (line, column, line, column + written.chars().count()))
}

fn scan(path: &str, bytes: Vec<u8>) -> Vec<Finding> {
    let blob = Blob {
        bytes,
        origin: Origin::file(path),
    };
    let mut found = Vec::new();
    scanner().worker().scan(&blob, &mut found);
    found
}

fn render(findings: &[Finding], format: Format, show_secrets: bool) -> String {
    let summary = Summary::default();
    let keys = viscan::app::group_keys(findings);
    let input = ReportInput {
        findings,
        keys: &keys,
        rules: &viscan::report::ReportRule::all(scanner().rules()),
        summary: &summary,
        show_secrets,
        color: false,
    };
    let mut out = Vec::new();
    report::write(format, &input, &mut out).expect("render");
    String::from_utf8(out).expect("reports are UTF-8")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_secret_anywhere_is_found_at_its_line_and_column(
        template in 0..TEMPLATES.len(),
        key in secret(),
        before in filler(40),
        after in filler(8),
        indent in "[ \t]{0,4}",
        encoding in prop_oneof![
            Just(Encoding::Lf),
            Just(Encoding::Crlf),
            Just(Encoding::Utf16Le),
            Just(Encoding::Utf16Be)
        ],
    ) {
        let template = &TEMPLATES[template];
        let (text, (line, column, end_line, end_column)) =
            build(template, &key, &before, &after, &indent);
        let found = scan(template.path, encode(&text, encoding));
        let got: Vec<_> = found
            .iter()
            .map(|f| (&*f.rule_id, f.location.line, f.location.column,
                      f.location.end_line, f.location.end_column))
            .collect();
        prop_assert_eq!(got, vec![(template.rule, line, column, end_line, end_column)]);
        prop_assert_eq!(found[0].secret.expose(), key.as_bytes());

        // The fingerprint is the same wherever the secret sits and however the file is encoded.
        let (plain, _) = build(template, &key, &[], &[], "");
        let reference = scan(template.path, plain.into_bytes());
        prop_assert_eq!(&found[0].fingerprint, &reference[0].fingerprint);
    }

    #[test]
    fn no_report_format_shows_the_secret_unless_asked(
        template in 0..TEMPLATES.len(),
        key in secret(),
        before in filler(5),
        encoding in prop_oneof![Just(Encoding::Lf), Just(Encoding::Utf16Le)],
    ) {
        let template = &TEMPLATES[template];
        // The secret twice on its line: the second copy is no match, and must be masked too.
        let (text, _) = build(template, &key, &before, &[], "");
        let written = template.form.write(&key);
        let at = text.find(&written).expect("key") + written.len();
        let line_end = at + text[at..].find('\n').expect("line end");
        let text = format!("{} # was {key}{}", &text[..line_end], &text[line_end..]);
        let found = scan(template.path, encode(&text, encoding));
        prop_assert!(!found.is_empty());
        for format in [Format::Text, Format::Json, Format::Jsonl, Format::Sarif, Format::Github, Format::Html] {
            let shown = render(&found, format, false);
            prop_assert!(!shown.contains(&key), "{:?} shows the secret:\n{}", format, shown);
            // Nor any 12-character piece of it, as it is or as it is written.
            for piece in key.as_bytes().windows(12).chain(written.as_bytes().windows(12)) {
                let piece = std::str::from_utf8(piece).expect("ascii");
                prop_assert!(!shown.contains(piece), "{:?} shows {}:\n{}", format, piece, shown);
            }
        }
        prop_assert!(render(&found, Format::Json, true).contains(&key));
    }

    #[test]
    fn offsets_map_to_the_same_line_and_column_every_way(
        text in prop::collection::vec(
            prop_oneof![
                Just(b"a".to_vec()), Just(b" ".to_vec()), Just(b"\n".to_vec()),
                Just(b"\r\n".to_vec()), Just("é".as_bytes().to_vec()),
                // A stray continuation byte (Latin-1 `©`): one column.
                Just("😀".as_bytes().to_vec()), Just(vec![0xA9]),
            ],
            0..200,
        ),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..12),
    ) {
        let pieces = text;
        let text: Vec<u8> = pieces.concat();
        // Offsets at piece boundaries: where a character (or an invalid byte) starts.
        let mut starts = vec![0];
        for piece in &pieces {
            starts.push(starts.last().expect("start") + piece.len());
        }
        let index = LineIndex::new(&text, Vec::new());
        let mut offsets: Vec<usize> = picks.iter().map(|p| starts[p.index(starts.len())]).collect();
        offsets.sort_unstable();
        let mut cursor = Cursor::default();
        for offset in offsets {
            // Naive: count newlines, then the pieces since the last one (one column each).
            let piece_at = starts.iter().position(|&s| s == offset).expect("boundary");
            let line = pieces[..piece_at].iter().filter(|p| p.ends_with(b"\n")).count() + 1;
            let line_start_piece = pieces[..piece_at]
                .iter()
                .rposition(|p| p.ends_with(b"\n"))
                .map_or(0, |i| i + 1);
            let column = piece_at - line_start_piece + 1;
            // `\r\n` is one piece but two bytes before a line end; columns never see it.
            prop_assert_eq!(index.position(&text, offset), (line, column), "offset {}", offset);
            prop_assert_eq!(cursor.position(&index, &text, offset), (line, column));
            // And back: the offset of (line, column) is the one we started from.
            let (line_start, _) = index.line_bounds(&text, offset);
            let back = starts
                .iter()
                .copied()
                .filter(|&s| s >= line_start)
                .nth(column - 1)
                .expect("column on the line");
            prop_assert_eq!(back, offset);
        }
    }
}

/// Characters a hostile repository can put in scanned text (issue 17): every C0 control, DEL,
/// every C1 control and every Unicode bidirectional control, mixed with text that makes
/// escape sequences of them (`[2K`, `]0;title`).
fn hostile(allow_nul: bool) -> impl Strategy<Value = String> {
    let controls: Vec<char> = (0u32..0x20)
        .chain(0x7f..0xa0)
        .chain([0x061c, 0x200e, 0x200f])
        .chain(0x202a..=0x202e)
        .chain(0x2066..=0x2069)
        .filter_map(char::from_u32)
        // A NUL in the first KiBs makes a file binary (not scanned): names can still hold one.
        .filter(|&c| allow_nul || c != '\0')
        .collect();
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(controls),
            1 => prop::sample::select(vec!['[', ']', '1', 'A', '2', 'K', ';', 'm', 'x', ' ']),
        ],
        1..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// What a report may hold besides printable text: line breaks, and with colour our own SGR
/// sequences (`ESC [ digits;… m`), which are removed here before looking.
fn foreign_controls(report: &str, color: bool) -> Vec<char> {
    let mut text = report.to_string();
    if color {
        let sgr = regex::Regex::new("\x1b\\[[0-9;]*m").expect("regex");
        text = sgr.replace_all(&text, "").into_owned();
    }
    text.chars()
        .filter(|&c| c != '\n' && viscan::terminal::needs_escape(c))
        .collect()
}

/// `html` without the tabs that are its own layout: the columns of the keys table, inside
/// each `<summary>` and the header line (scanned text shows a tab as `\t`, like any control).
fn without_layout_tabs(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = ["<summary>", "<div class=\"cols\">"]
        .iter()
        .filter_map(|open| rest.find(open).map(|at| at + open.len()))
        .min()
    {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</").map_or(rest.len(), |at| start + at);
        out.extend(rest[start..end].chars().filter(|&c| c != '\t'));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Issue 17: whatever control or bidirectional characters a snippet, a file name, a commit
    /// author or a rule name holds, the text and GitHub reports hold none of them raw (only
    /// line breaks, and our own colour codes when colour is on), and still name the finding.
    #[test]
    fn no_human_report_passes_control_characters_through(
        key in secret(),
        tail in hostile(false),
        name in hostile(true),
        show_secrets in any::<bool>(),
    ) {
        let text = format!("VOICEINFRA_API_KEY={key} #{tail}\n");
        let path = format!("dir{name}/.env");
        let mut found = scan(&path, text.into_bytes());
        prop_assert_eq!(found.len(), 1, "the leak is found whatever follows it");
        found[0].origin.commit = Some(std::sync::Arc::new(viscan::blob::CommitMeta {
            id: "0123456789abcdef0123456789abcdef01234567".to_string(),
            author_name: format!("Eve{name}"),
            author_email: format!("eve{name}@example.com"),
            date: "2024-01-02T03:04:05+01:00".to_string(),
        }));
        found[0].rule_name = format!("Rule{name}").into();
        found[0].original = Some(Box::new(viscan::finding::OriginalLocation {
            path: format!("src{name}.ts"),
            line: 1,
            column: 1,
        }));
        let summary = Summary::default();
        let keys = viscan::app::group_keys(&found);
        for color in [false, true] {
            let input = ReportInput {
                findings: &found,
                keys: &keys,
                rules: &viscan::report::ReportRule::all(scanner().rules()),
                summary: &summary,
                show_secrets,
                color,
            };
            for format in [Format::Text, Format::Github, Format::Html] {
                let mut out = Vec::new();
                report::write(format, &input, &mut out).expect("render");
                let shown = String::from_utf8(out).expect("reports are UTF-8");
                // Colour is the text report's only, and only when asked.
                let with_color = color && format == Format::Text;
                prop_assert_eq!(shown.contains('\x1b'), with_color, "{:?}: {:?}", format, shown);
                let checked = if format == Format::Html {
                    without_layout_tabs(&shown)
                } else {
                    shown.clone()
                };
                let foreign = foreign_controls(&checked, with_color);
                prop_assert!(foreign.is_empty(), "{:?} passes {:?} through: {:?}", format, foreign, shown);
                prop_assert!(shown.contains("voiceinfra.api-key.assignment"), "{}", shown);
                prop_assert!(shown.contains("/.env"), "{}", shown);
            }
            let summary_md = report::github::step_summary(&input, 64 * 1024);
            let foreign = foreign_controls(&summary_md, false);
            prop_assert!(foreign.is_empty(), "the job summary passes {:?}: {:?}", foreign, summary_md);
        }
    }
}
