//! The `html` format: one self-contained page for an audit (issue 12). Inline CSS and a small
//! inline script, no network (a `Content-Security-Policy` of `default-src 'none'` forbids it
//! even to injected markup), no fonts or images.
//!
//! # Format
//!
//! - A summary: keys, places, keys shipped to browsers, the oldest exposure.
//! - One `<details class="key" data-secret-id="ID">` per key (ID = the JSON `secrets[].id`),
//!   carrying `data-severity`, `data-public`, `data-head` (`true`, `false` or `unknown`) and,
//!   when known, `data-repositories` (space-separated). Its summary line gives the redacted value, severity,
//!   places, exposure and whether it is still at HEAD or public; opened, it shows an exposure
//!   timeline (first seen → removed or now) and a table of its places (path:line; commit,
//!   author and date when the page has history; redacted snippet; the rule when several found
//!   the key). Optional end tags (`</td>`, `</tr>`) are left out to keep 10,000 places small.
//! - Filters (severity, public, at HEAD, repository), shown only when scripts run; the page is
//!   complete without them. A filter can also come from the URL fragment:
//!   `#severity=high&public=1&head=1&repository=NAME` (what the browser tests use). Keys that do
//!   not match get the `hidden` attribute, and `#shown` says how many are shown.
//! - The remediation steps: rotate in the VoiceInfra dashboard, then purge history.
//!
//! Everything that comes from scanned content, paths or commits is HTML-escaped after control
//! and bidirectional characters are made visible ([`crate::terminal::escape`]), so no file name
//! or snippet can inject markup or reorder text. Values are redacted unless `--show-secrets`.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Key, ReportInput, shown_snippet, shown_value};
use crate::finding::Finding;
use crate::terminal;

/// `text` escaped for HTML text and quoted attribute values.
fn esc(text: &str) -> String {
    let text = terminal::escape(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The date part of an ISO 8601 timestamp.
fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

/// `YYYY-MM-DD` for a Unix time (UTC).
fn day_of(unix: i64) -> String {
    crate::time::format_iso8601(unix, 0)[..10].to_string()
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;\
padding:1em;color:#222}h1{font-size:1.5em}code{font:12px ui-monospace,monospace;\
word-break:break-all}.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;\
border-radius:6px;padding:.5em 1em;min-width:9em}.card b{display:block;font-size:1.6em}\
details.key{border:1px solid #ccc;border-radius:6px;margin:.5em 0;padding:.3em .8em}\
details.key>summary{cursor:pointer}.sev{font-weight:bold;text-transform:uppercase;\
font-size:.8em;padding:0 .4em;border-radius:3px;color:#fff;background:#777}\
.critical{background:#8b1a89}.high{background:#c0392b}.medium{background:#b9770e}\
.low{background:#2874a6}.tag{font-size:.8em;border:1px solid #999;border-radius:3px;\
padding:0 .3em;margin-left:.3em}.pub{border-color:#c0392b;color:#c0392b}\
table{border-collapse:collapse;width:100%;margin:.5em 0}td{border-bottom:1px solid #eee;\
padding:.2em .4em;vertical-align:top;font:12px ui-monospace,monospace;word-break:break-all}.tl{position:relative;height:12px;\
background:#eee;border-radius:6px;margin:.5em 0}.tl>i{position:absolute;top:0;height:12px;\
border-radius:6px;background:#c0392b}.tl>i.gone{background:#999}#filters{margin:1em 0}\
#filters label{margin-right:1em}";

const SCRIPT: &str = "(function(){var f=document.getElementById('filters');f.hidden=false;\
var keys=[].slice.call(document.querySelectorAll('details.key'));var rank={low:0,medium:1,\
high:2,critical:3};var q={};location.hash.replace(/^#/,'').split('&').forEach(function(p){\
var kv=p.split('=');if(kv[0])q[decodeURIComponent(kv[0])]=decodeURIComponent(kv[1]||'');});\
var sev=document.getElementById('f-severity'),pub=document.getElementById('f-public'),\
head=document.getElementById('f-head'),repo=document.getElementById('f-repository');\
if(q.severity)sev.value=q.severity;if(q.public==='1')pub.checked=true;\
if(q.head==='1')head.checked=true;if(q.repository)repo.value=q.repository;\
function apply(){var n=0;keys.forEach(function(k){var d=k.dataset;var ok=\
rank[d.severity]>=rank[sev.value||'low']&&(!pub.checked||d.public==='true')&&\
(!head.checked||d.head==='true')&&(!repo.value||(d.repositories||'').split(' ').indexOf(repo.value)>=0);\
k.hidden=!ok;if(ok)n++;});document.getElementById('shown').textContent=n+' of '+keys.length+\
' keys shown';}[sev,pub,head,repo].forEach(function(e){e.addEventListener('change',apply);});\
apply();})();";

/// Writes the page.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let findings = input.findings;
    let now = input.summary.now;
    let mut page = String::with_capacity(4096 + findings.len() * 200);
    page.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>viscan audit: keys to rotate</title><style>",
    );
    page.push_str(STYLE);
    page.push_str("</style></head><body>\n<h1>viscan audit: keys to rotate</h1>\n");

    let num_public = input.keys.iter().filter(|k| k.public).count();
    let oldest = input.keys.iter().filter_map(|k| k.first_seen_unix).min();
    let oldest_text = match oldest {
        Some(since) => format!(
            "{} ({} days)",
            day_of(since),
            (now.saturating_sub(since)).max(0) / 86_400
        ),
        None => "-".to_string(),
    };
    let _ = writeln!(
        page,
        "<section class=\"cards\" id=\"summary\">\
         <div class=\"card\"><b id=\"num-keys\">{}</b>keys to rotate</div>\
         <div class=\"card\"><b id=\"num-places\">{}</b>places</div>\
         <div class=\"card\"><b id=\"num-public\">{}</b>shipped to browsers</div>\
         <div class=\"card\"><b>{}</b>oldest exposure</div></section>",
        input.keys.len(),
        findings.len(),
        num_public,
        esc(&oldest_text),
    );

    let mut repositories: Vec<&str> = input
        .keys
        .iter()
        .flat_map(|k| k.repositories.iter().map(String::as_str))
        .collect();
    repositories.sort_unstable();
    repositories.dedup();
    page.push_str(
        "<form id=\"filters\" hidden><label>Severity at least <select id=\"f-severity\">\
         <option value=\"low\">any</option><option value=\"medium\">medium</option>\
         <option value=\"high\">high</option><option value=\"critical\">critical</option>\
         </select></label><label><input type=\"checkbox\" id=\"f-public\"> shipped to browsers\
         </label><label><input type=\"checkbox\" id=\"f-head\"> still at HEAD</label>\
         <label>Repository <select id=\"f-repository\"><option value=\"\">any</option>",
    );
    for repository in &repositories {
        let repository = esc(repository);
        let _ = write!(page, "<option value=\"{repository}\">{repository}</option>");
    }
    page.push_str(
        "</select></label> <output id=\"shown\"></output></form>\n<section id=\"keys\">\n",
    );
    if !input.keys.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"legend\">Open a key for its places: file:line{}, redacted snippet \
             (and the rule, when several found it).</p>",
            if findings.iter().any(|f| f.origin.commit.is_some()) {
                ", commit, author, date"
            } else {
                ""
            }
        );
    }
    if input.keys.is_empty() {
        page.push_str("<p>No keys found.</p>\n");
    }
    // The timeline's scale: from the oldest exposure to now.
    let span_start = oldest.unwrap_or(now);
    let layout = Layout {
        repositories: repositories.len() > 1,
        commits: findings.iter().any(|f| f.origin.commit.is_some()),
    };
    for key in input.keys {
        write_key(&mut page, key, input, span_start, layout);
    }
    page.push_str("</section>\n");
    page.push_str(REMEDIATION_HTML);
    let _ = writeln!(
        page,
        "<p><small>viscan {}; {} findings; {}.</small></p>",
        env!("CARGO_PKG_VERSION"),
        findings.len(),
        if input.show_secrets {
            "this page holds raw secrets (--show-secrets): do not share it"
        } else {
            "values redacted"
        }
    );
    page.push_str("<script>");
    page.push_str(SCRIPT);
    page.push_str("</script></body></html>\n");
    out.write_all(page.as_bytes())
}

fn write_key(
    page: &mut String,
    key: &Key,
    input: &ReportInput<'_>,
    span_start: i64,
    layout: Layout,
) {
    let findings = input.findings;
    let now = input.summary.now;
    let first = &findings[key.findings[0]];
    let head = match key.present_at_head {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    };
    let severity = key.severity.as_str();
    let _ = write!(
        page,
        "<details class=\"key\" data-secret-id=\"{}\" data-severity=\"{severity}\" \
         data-public=\"{}\" data-head=\"{head}\"{}><summary>\
         <code>{}</code> <span class=\"sev {severity}\">{severity}</span> {} place{}",
        esc(&key.id),
        key.public,
        if key.repositories.is_empty() {
            String::new()
        } else {
            format!(
                " data-repositories=\"{}\"",
                esc(&key.repositories.join(" "))
            )
        },
        esc(&shown_value(first, input.show_secrets)),
        key.findings.len(),
        if key.findings.len() == 1 { "" } else { "s" },
    );
    if let Some(since) = key.first_seen_unix {
        let _ = write!(
            page,
            ", exposed since {} ({} days)",
            day_of(since),
            key.days_exposed(now).unwrap_or(0)
        );
    }
    match key.present_at_head {
        Some(true) => page.push_str("<span class=\"tag\">still at HEAD</span>"),
        Some(false) => page.push_str("<span class=\"tag\">removed from HEAD</span>"),
        None => {}
    }
    if key.public {
        page.push_str("<span class=\"tag pub\">shipped to browsers</span>");
    }
    for repository in &key.repositories {
        let _ = write!(page, "<span class=\"tag\">{}</span>", esc(repository));
    }
    let _ = write!(
        page,
        "</summary><p>Rules: {}</p>",
        esc(&key.rules.join(", "))
    );
    write_timeline(page, key, findings, span_start, now);
    page.push_str("<table class=\"p\">\n");
    let rule = key.rules.len() > 1;
    for &i in &key.findings {
        write_place(page, &findings[i], input.show_secrets, layout, rule);
    }
    page.push_str("</table></details>\n");
}

/// A bar from the first exposure to now (still at HEAD, or a files scan) or to the last
/// commit that introduced it (removed since: when is not known, only that HEAD lacks it).
fn write_timeline(page: &mut String, key: &Key, findings: &[Finding], start: i64, now: i64) {
    let Some(since) = key.first_seen_unix else {
        return;
    };
    let last = key
        .last_seen
        .and_then(|i| findings[i].origin.commit.as_ref())
        .and_then(|c| crate::time::parse_date(&c.date).ok())
        .unwrap_or(since);
    let removed = key.present_at_head == Some(false);
    let end = if removed { last } else { now };
    let span = (now - start).max(1) as f64;
    // At least a sliver, and never past the right edge (`f64::clamp` panics on min > max).
    let left = ((since - start).max(0) as f64 / span * 100.0).min(99.5);
    let width = ((end - since).max(0) as f64 / span * 100.0)
        .max(0.5)
        .min(100.0 - left);
    let _ = write!(
        page,
        "<div class=\"tl\" title=\"exposure\"><i class=\"{}\" style=\"left:{left:.1}%;\
         width:{width:.1}%\"></i></div><p class=\"tl-text\">First seen {} → {}</p>",
        if removed { "gone" } else { "" },
        day_of(since),
        if removed {
            format!(
                "removed from HEAD (last introduced {}; still in history until purged)",
                day_of(last)
            )
        } else {
            "now".to_string()
        }
    );
}

/// Which columns the places tables have, the same for the whole page.
#[derive(Clone, Copy)]
struct Layout {
    /// Prefix places with their repository (the page covers several).
    repositories: bool,
    /// Commit, author and date columns (some finding has a commit).
    commits: bool,
}

/// One row of a key's places. `</td>` and `</tr>` are left out (HTML allows it): a page of
/// 10,000 places stays small.
fn write_place(
    page: &mut String,
    finding: &Finding,
    show_secrets: bool,
    layout: Layout,
    rule: bool,
) {
    let repository = finding
        .origin
        .repository
        .as_deref()
        .filter(|_| layout.repositories)
        .map(|r| format!("{}: ", esc(r)))
        .unwrap_or_default();
    let _ = write!(
        page,
        "<tr><td>{repository}{}:{}",
        esc(&finding.origin.display_path()),
        finding.location.line
    );
    if layout.commits {
        match &finding.origin.commit {
            Some(commit) => {
                let _ = write!(
                    page,
                    "<td>{}<td>{}<td>{}",
                    esc(&commit.id[..commit.id.len().min(10)]),
                    esc(&commit.author_name),
                    esc(day(&commit.date)),
                );
            }
            None => page.push_str("<td><td><td>"),
        }
    }
    let _ = write!(page, "<td>{}", esc(shown_snippet(finding, show_secrets)));
    if rule {
        let _ = write!(page, "<td>{}", esc(&finding.rule_id));
    }
    page.push('\n');
}

const REMEDIATION_HTML: &str = "<section id=\"remediation\"><h2>What to do</h2><ol>\
<li><b>Rotate every key above</b> in the VoiceInfra dashboard: <i>Settings → API Keys</i>, \
generate a replacement, update every integration that uses the old key (servers, CI secrets, \
deployed environments), then revoke the old key. A revoked key fails at once with \
<code>401</code>, so update first, revoke second, and watch for 401s.</li>\
<li><b>Move the key out of the code</b>: load it from the environment \
(<code>VOICEINFRA_API_KEY</code>) or a secrets manager, on the server. Never ship it in \
front-end code: keys shipped to browsers are readable by every visitor.</li>\
<li><b>Purge history</b> once rotated: <code>viscan history --replace-text-file keys.txt</code>, \
then <code>git filter-repo --replace-text keys.txt</code> in a fresh clone, force-push every \
branch and tag, delete <code>keys.txt</code>, and ask every collaborator to re-clone.</li>\
<li><b>Check</b>: <code>viscan history</code> on a fresh clone is clean.</li></ol></section>\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn key(first_seen_unix: i64, present_at_head: Option<bool>) -> Key {
        Key {
            id: "0123456789abcdef".into(),
            findings: vec![0],
            rules: vec!["r".into()],
            severity: Severity::High,
            first_seen: None,
            last_seen: None,
            first_seen_unix: Some(first_seen_unix),
            present_at_head,
            public: false,
            repositories: Vec::new(),
        }
    }

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            esc("<a href='x'>&\"\u{1b}[31m\u{202e}"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\\e[31m\\u{202e}"
        );
    }

    /// Regression: a key first seen "now" made `f64::clamp` panic (min 0.5 > max 0.0).
    #[test]
    fn timeline_bars_stay_inside_whatever_the_dates() {
        let now = 1_765_000_000;
        for (since, start, head) in [
            (now, now - 86_400, Some(true)),
            (now, now, Some(true)),
            (now - 100, now - 86_400 * 900, Some(false)),
            (now + 5_000, now - 10, Some(true)),
        ] {
            let mut page = String::new();
            write_timeline(&mut page, &key(since, head), &[], start, now);
            let style = page
                .split("style=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("style");
            let numbers: Vec<f64> = style
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("number"))
                .collect();
            let (left, width) = (numbers[0], numbers[1]);
            assert!(
                left >= 0.0 && width >= 0.5 && left + width <= 100.05,
                "{page}"
            );
        }
    }
}
