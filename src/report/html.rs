//! The `html` format: one self-contained page for an audit (issue 12). Inline CSS and a small
//! inline script, no network (a `Content-Security-Policy` of `default-src 'none'` forbids it
//! even to injected markup), no fonts or images.
//!
//! # Format
//!
//! - A summary: keys, places, keys shipped to browsers, the oldest exposure.
//! - The keys, as a table in monospace: one `<details data-secret-id="ID">` per key (ID = the
//!   JSON `secrets[].id`) whose `<summary>` is the key's row, with tab-separated columns under
//!   one header line: redacted value, severity, places, and for history first seen (date),
//!   days exposed, then shipped to browsers, at HEAD (`yes`, `removed DATE`, `removed (date
//!   unknown)`; padded when a column follows) and, when the page covers several, its
//!   repositories. The key's `class` carries
//!   what the filters and colours need: its severity, `p` (shipped to browsers), `h` (at
//!   HEAD), `g` (removed from HEAD) and `rN` (in the N-th repository of the filter list).
//! - The exposure timeline is a bar under each history key's row, drawn by CSS from
//!   `style="--s:S;--e:E"`: first seen and removal as percents of the page's span (oldest
//!   exposure to now); `--e` is left out for "now".
//! - Opened, a key shows its places, one line each: `[REPOSITORY: ]PATH:LINE [COMMIT ]SNIPPET
//!   [(RULE)]` (the snippet redacted, the rule when several found the key, its rules first when
//!   the page has several), then `removed from HEAD by COMMIT` when known. Commits are 8-hex
//!   prefixes; the "Commits" table lists each once with
//!   date and author, so 10,000 places do not repeat them (10,000 findings stay under 2 MB:
//!   `bench/html_size.sh`). With scripts, opening a key adds date and author to its lines.
//! - Filters (severity, public, at HEAD, repository), shown only when scripts run; the page is
//!   complete without them. A filter can also come from the URL fragment:
//!   `#severity=high&public=1&head=1&repository=NAME` (what the browser tests use). Keys that do
//!   not match get the `hidden` attribute, and `#shown` says how many are shown.
//! - The rules the findings come from, and the remediation steps: rotate in the VoiceInfra
//!   dashboard, then purge history.
//!
//! Everything that comes from scanned content, paths or commits is HTML-escaped after control
//! and bidirectional characters are made visible ([`crate::terminal::escape`], which also turns
//! tabs and line breaks into `\t` and `\n`, so no value can break the columns or lines), so no
//! file name or snippet can inject markup or reorder text. Values are redacted unless
//! `--show-secrets`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Key, ReportInput, shown_snippet, shown_value};
use crate::blob::CommitMeta;
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

/// How many hex digits of a commit id the page shows.
const SHORT_COMMIT: usize = 8;

fn short(commit: &CommitMeta) -> &str {
    &commit.id[..commit.id.len().min(SHORT_COMMIT)]
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;\
padding:1em;color:#222}h1{font-size:1.5em}code{font:12px ui-monospace,monospace;\
word-break:break-all}.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;\
border-radius:6px;padding:.5em 1em;min-width:9em}.card b{display:block;font-size:1.6em}\
#keys{font:12px/1.5 ui-monospace,monospace;tab-size:12}.cols{white-space:pre;font-weight:bold;\
padding-left:5px;border-bottom:1px solid #999}details{border-left:4px solid #777;\
padding-left:1px;white-space:pre-wrap;word-break:break-all;--c:#e8968c}\
details[open]{background:#f6f6f6;padding:0 0 .3em 2ch}details[open]>summary{margin-left:-2ch}summary{white-space:pre;\
cursor:pointer;list-style:none;border-bottom:1px solid #eee}.t summary{\
background:linear-gradient(90deg,#0000 calc(var(--s,0)*1%),var(--c) 0,\
var(--c) calc(var(--e,100)*1%),#0000 0) bottom/100% 2px no-repeat}\
summary::-webkit-details-marker{display:none}summary::before{content:'\\25B8  '}\
details[open]>summary::before{content:'\\25BE  '}.critical{border-color:#8b1a89}\
.high{border-color:#c0392b}.medium{border-color:#b9770e}.low{border-color:#2874a6}\
.g{--c:#bbb}table{border-collapse:collapse;margin:.5em 0}td,th{text-align:left;\
border-bottom:1px solid #eee;padding:.1em .6em;font:12px ui-monospace,monospace}\
#filters{margin:1em 0}#filters label{margin-right:1em}";

const SCRIPT: &str = "(function(){var f=document.getElementById('filters');f.hidden=false;\
var keys=[].slice.call(document.querySelectorAll('details[data-secret-id]'));var rank={low:0,\
medium:1,high:2,critical:3};function sev(k){for(var s in rank)if(k.classList.contains(s))\
return rank[s];return 0;}var q={};location.hash.replace(/^#/,'').split('&').forEach(\
function(p){var kv=p.split('=');if(kv[0])q[decodeURIComponent(kv[0])]=decodeURIComponent(\
kv[1]||'');});var s=document.getElementById('f-severity'),pub=document.getElementById(\
'f-public'),head=document.getElementById('f-head'),repo=document.getElementById(\
'f-repository');if(q.severity)s.value=q.severity;if(q.public==='1')pub.checked=true;\
if(q.head==='1')head.checked=true;if(q.repository)[].forEach.call(repo.options,function(o){\
if(o.textContent===q.repository)repo.value=o.value;});function apply(){var n=0;\
keys.forEach(function(k){var c=k.classList;var ok=sev(k)>=rank[s.value||'low']&&\
(!pub.checked||c.contains('p'))&&(!head.checked||c.contains('h'))&&(!repo.value||\
c.contains(repo.value));k.hidden=!ok;if(ok)n++;});document.getElementById('shown')\
.textContent=n+' of '+keys.length+' keys shown';}[s,pub,head,repo].forEach(function(e){\
e.addEventListener('change',apply);});apply();var who={};[].forEach.call(\
document.querySelectorAll('#commits tr'),function(r){who[r.cells[0].textContent]=\
r.cells[1].textContent+', '+r.cells[2].textContent.trim();});document.addEventListener('toggle',\
function(e){var k=e.target;if(!k.open||k.dataset.done||!k.dataset.secretId)return;\
k.dataset.done=1;var t=k.lastChild;if(t.nodeType!==3)return;t.data=t.data.replace(\
/^(.*?:\\d+ )([0-9a-f]{8}) /gm,function(m,p,c){return who[c]?p+c+' ('+who[c]+') ':m;});},\
true);})();";

/// Which columns the page has, the same for every key.
#[derive(Clone, Copy)]
struct Layout {
    /// History columns (first seen, days, at HEAD) and commits on place lines.
    commits: bool,
    /// Repository column and place prefixes (the page covers several).
    repositories: bool,
    /// The page's findings come from several rules: each key lists its rules.
    rules: bool,
}

/// Writes the page.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let findings = input.findings;
    let now = input.summary.now;
    let mut page = String::with_capacity(8192 + findings.len() * 120);
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

    let repositories = input.repositories();
    let mut rule_ids: Vec<&str> = findings.iter().map(|f| &*f.rule_id).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let layout = Layout {
        commits: findings.iter().any(|f| f.origin.commit.is_some()),
        repositories: repositories.len() > 1,
        rules: rule_ids.len() > 1,
    };
    page.push_str(
        "<form id=\"filters\" hidden><label>Severity at least <select id=\"f-severity\">\
         <option value=\"low\">any</option><option value=\"medium\">medium</option>\
         <option value=\"high\">high</option><option value=\"critical\">critical</option>\
         </select></label><label><input type=\"checkbox\" id=\"f-public\"> shipped to browsers\
         </label><label><input type=\"checkbox\" id=\"f-head\"> still at HEAD</label>\
         <label>Repository <select id=\"f-repository\"><option value=\"\">any</option>",
    );
    for (i, repository) in repositories.iter().enumerate() {
        let _ = write!(page, "<option value=\"r{i}\">{}</option>", esc(repository));
    }
    page.push_str("</select></label> <output id=\"shown\"></output></form>\n<section id=\"keys\"");
    // `t`: rows have timeline bars.
    page.push_str(if layout.commits {
        " class=\"t\">\n"
    } else {
        ">\n"
    });
    if input.keys.is_empty() {
        page.push_str("<p>No keys found.</p>\n");
    } else {
        write_legend(&mut page, layout, oldest, now);
    }
    // The timeline's scale: from the oldest exposure to now.
    let span_start = oldest.unwrap_or(now);
    let repository_index: HashMap<&str, usize> = repositories
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, i))
        .collect();
    for key in input.keys {
        write_key(&mut page, key, input, span_start, layout, &repository_index);
    }
    page.push_str("\n</section>\n");
    if layout.commits {
        write_commits(&mut page, findings, layout);
    }
    write_rules(&mut page, input);
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

/// How to read the keys table, and its header line.
fn write_legend(page: &mut String, layout: Layout, oldest: Option<i64>, now: i64) {
    page.push_str(
        "<p style=\"font-family:system-ui,sans-serif\">One row per key; open it for its places: ",
    );
    page.push_str(if layout.commits {
        "file:line, commit (date and author in the Commits table below), redacted snippet"
    } else {
        "file:line and redacted snippet"
    });
    page.push_str(if layout.rules {
        ", and the rules that found it."
    } else {
        "."
    });
    if let (true, Some(oldest)) = (layout.commits, oldest) {
        let _ = write!(
            page,
            " The bar under a row is its exposure, from first seen to removal from HEAD \
             (grey) or to now (red), on a scale from {} to {} (now). A key removed from HEAD \
             stays in the history, readable by anyone with a clone, until it is purged.",
            day_of(oldest),
            day_of(now)
        );
    }
    page.push_str("</p>\n<div class=\"cols\">  key\tseverity\tplaces");
    if layout.commits {
        page.push_str("\tfirst seen\tdays");
    }
    page.push_str("\tbrowsers");
    if layout.commits {
        page.push_str(if layout.repositories {
            "\tat HEAD               "
        } else {
            "\tat HEAD"
        });
    }
    if layout.repositories {
        page.push_str("\trepositories");
    }
    page.push_str("</div>\n");
}

fn write_key(
    page: &mut String,
    key: &Key,
    input: &ReportInput<'_>,
    span_start: i64,
    layout: Layout,
    repository_index: &HashMap<&str, usize>,
) {
    let findings = input.findings;
    let now = input.summary.now;
    let first = &findings[key.findings[0]];
    let severity = key.severity.as_str();
    let _ = write!(
        page,
        "<details data-secret-id=\"{}\" class=\"{severity}",
        esc(&key.id)
    );
    if key.public {
        page.push_str(" p");
    }
    match key.present_at_head {
        Some(true) => page.push_str(" h"),
        Some(false) => page.push_str(" g"),
        None => {}
    }
    if layout.repositories {
        for repository in &key.repositories {
            if let Some(i) = repository_index.get(repository.as_str()) {
                let _ = write!(page, " r{i}");
            }
        }
    }
    page.push('"');
    let removed = key.removed.and_then(|i| findings[i].removed_in.as_deref());
    if let Some(since) = key.first_seen_unix {
        let end = removed.and_then(|c| crate::time::parse_date(&c.date).ok());
        // Unquoted (no space in it), and left out for a bar over the whole span.
        match bar(since, end, span_start, now) {
            (0, 100) => {}
            (left, 100) => {
                let _ = write!(page, " style=--s:{left}");
            }
            (left, right) => {
                let _ = write!(page, " style=--s:{left};--e:{right}");
            }
        }
    }
    let places = key.findings.len();
    let _ = write!(
        page,
        "><summary>{}\t{severity}\t{places}",
        esc(&shown_value(first, input.show_secrets)),
    );
    if layout.commits {
        match key.first_seen_unix {
            Some(since) => {
                let _ = write!(
                    page,
                    "\t{}\t{}",
                    day_of(since),
                    key.days_exposed(now).unwrap_or(0)
                );
            }
            None => page.push_str("\t-\t-"),
        }
    }
    page.push_str(if key.public { "\tyes" } else { "\tno" });
    if layout.commits {
        let at_head = key.at_head_text(findings);
        let _ = write!(page, "\t{}", esc(&at_head));
        if layout.repositories {
            // Padded to the widest value, so the repositories column stays aligned.
            let width = "removed (date unknown)".len();
            page.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(at_head.chars().count()),
            ));
        }
    }
    if layout.repositories {
        let _ = write!(page, "\t{}", esc(&key.repositories.join(", ")));
    }
    page.push_str("</summary>");
    if layout.rules {
        let _ = writeln!(page, "rules: {}", esc(&key.rules.join(", ")));
    }
    let rule = key.rules.len() > 1;
    for (n, &i) in key.findings.iter().enumerate() {
        if n > 0 {
            page.push('\n');
        }
        write_place(page, &findings[i], input.show_secrets, layout, rule);
    }
    if let Some(commit) = removed {
        let _ = write!(page, "\nremoved from HEAD by {}", esc(short(commit)));
    }
    page.push_str("</details>");
}

/// The timeline bar of a key first seen at `since` and removed at `end` (`None`: still there,
/// or when is not known), in whole percents of the span from `start` to `now`: a left edge
/// in 0..=99 and a right edge after it, at most 100.
fn bar(since: i64, end: Option<i64>, start: i64, now: i64) -> (i64, i64) {
    // i128: no overflow whatever the dates.
    let span = (i128::from(now) - i128::from(start)).max(1);
    let percent = |t: i64| ((i128::from(t) - i128::from(start)).clamp(0, span) * 100 / span) as i64;
    let left = percent(since).min(99);
    let right = end.map_or(100, percent).clamp(left + 1, 100);
    (left, right)
}

/// One line of a key's places.
fn write_place(
    page: &mut String,
    finding: &Finding,
    show_secrets: bool,
    layout: Layout,
    rule: bool,
) {
    if layout.repositories {
        if let Some(repository) = &finding.origin.repository {
            let _ = write!(page, "{}: ", esc(repository));
        }
    }
    let _ = write!(
        page,
        "{}:{} ",
        esc(&finding.origin.display_path()),
        finding.location.line
    );
    if layout.commits {
        if let Some(commit) = &finding.origin.commit {
            let _ = write!(page, "{} ", esc(short(commit)));
        }
    }
    page.push_str(&esc(shown_snippet(finding, show_secrets)));
    if rule {
        let _ = write!(page, " ({})", esc(&finding.rule_id));
    }
}

/// Every commit the places name (introduced, or removed), once, newest first.
fn write_commits(page: &mut String, findings: &[Finding], layout: Layout) {
    let mut commits: Vec<(&str, &CommitMeta)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for finding in findings {
        let repository = finding.origin.repository.as_deref().unwrap_or("");
        for commit in [&finding.origin.commit, &finding.removed_in]
            .into_iter()
            .flatten()
        {
            if seen.insert((repository, commit.id.as_str())) {
                commits.push((repository, commit));
            }
        }
    }
    commits.sort_by(|a, b| b.1.date.cmp(&a.1.date).then(a.cmp(b)));
    page.push_str("<h2>Commits</h2>\n<table id=\"commits\"><tr><th>commit<th>date<th>author");
    if layout.repositories {
        page.push_str("<th>repository");
    }
    page.push('\n');
    for (repository, commit) in commits {
        // The script reads these rows to add date and author to a key's lines (the first
        // repository wins when two share a prefix).
        let _ = write!(
            page,
            "<tr><td>{}<td>{}<td>{}",
            esc(short(commit)),
            esc(day(&commit.date)),
            esc(&commit.author_name)
        );
        if layout.repositories {
            let _ = write!(page, "<td>{}", esc(repository));
        }
        page.push('\n');
    }
    page.push_str("</table>\n");
}

/// The rules the findings come from: id, name, severity, how many keys.
fn write_rules(page: &mut String, input: &ReportInput<'_>) {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for key in input.keys {
        for rule in &key.rules {
            match counts.iter_mut().find(|(id, _)| *id == &**rule) {
                Some((_, n)) => *n += 1,
                None => counts.push((&**rule, 1)),
            }
        }
    }
    if counts.is_empty() {
        return;
    }
    counts.sort_unstable();
    page.push_str("<h2>Rules</h2>\n<table id=\"rules\"><tr><th>rule<th>name<th>severity<th>keys\n");
    for (id, n) in counts {
        let rule = input.rules.iter().find(|r| r.id == id);
        let finding = input.findings.iter().find(|f| &*f.rule_id == id);
        let name = rule
            .map(|r| r.name.as_str())
            .or(finding.map(|f| &*f.rule_name));
        let severity = rule.map(|r| r.severity).or(finding.map(|f| f.severity));
        let _ = writeln!(
            page,
            "<tr><td>{}<td>{}<td>{}<td>{n}",
            esc(id),
            esc(name.unwrap_or("")),
            severity.map_or("", |s| s.as_str())
        );
    }
    page.push_str("</table>\n");
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

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            esc("<a href='x'>&\"\u{1b}[31m\u{202e}\t\n"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\\e[31m\\u{202e}\\t\\n"
        );
    }

    /// Regression: a key first seen "now" made `f64::clamp` panic (min 0.5 > max 0.0).
    #[test]
    fn timeline_bars_stay_inside_whatever_the_dates() {
        let now = 1_765_000_000;
        let day = 86_400;
        for (since, end, start, want) in [
            (now, None, now - day, Some((99, 100))),
            (now, None, now, Some((0, 100))),
            (now - 100, None, now - day * 900, Some((99, 100))),
            (now + 5_000, None, now - 10, Some((99, 100))),
            (
                now - day * 100,
                Some(now - day * 50),
                now - day * 100,
                Some((0, 50)),
            ),
            (
                now - day * 50,
                Some(now - day * 60),
                now - day * 100,
                Some((50, 51)),
            ),
            (
                now - day * 10,
                Some(now + day),
                now - day * 100,
                Some((90, 100)),
            ),
            (0, Some(i64::MAX / 4), i64::MIN / 4, None),
        ] {
            let (left, right) = bar(since, end, start, now);
            assert!((0..=99).contains(&left) && left < right && right <= 100);
            if let Some(want) = want {
                assert_eq!((left, right), want, "{since} {end:?} {start}");
            }
        }
    }
}
