//! The `github` format, for GitHub Actions: workflow commands that annotate the lines where
//! secrets are ([`write`]), and a Markdown job summary ([`step_summary`]) that the app appends
//! to `$GITHUB_STEP_SUMMARY`. Usable with every command; `viscan ci` defaults to it.
//!
//! # Format
//!
//! One workflow command per finding on stdout, in report order:
//!
//! ```text
//! ::error file=.env,line=1,col=20,endColumn=52,title=VoiceInfra API key … (voiceinfra.api-key.assignment)::MESSAGE
//! ```
//!
//! - Level: critical and high → `error`, medium → `warning`, low → `notice`.
//! - `col`/`endColumn` only when the secret is on one line (GitHub ignores them otherwise, and
//!   `endLine` is given instead). Paths are relative to the working directory when they are
//!   under it (GitHub resolves them against the repository root, where CI runs us).
//! - Escaping as in `@actions/core`: `%`, `\r`, `\n` are percent-encoded everywhere, and `:` and
//!   `,` too inside properties, so no path or message can end the command early or inject
//!   another. Every other control or bidirectional character (from a path, a rule name, a
//!   commit author) is shown as [`crate::terminal::escape`] shows it: GitHub's log viewer
//!   interprets ANSI escape sequences, and bidirectional controls could reorder a line.
//! - GitHub shows at most [`MAX_ANNOTATIONS_PER_LEVEL`] annotations of each level per step: the
//!   rest are not written; one `::notice title=viscan::` line says how many were left out (it
//!   takes one notice slot when it is needed).
//! - A closing plain line: `viscan: N findings in M files; scanned …`.
//!
//! The job summary is a heading, the totals, the keys to rotate (a table like the text
//! report's: redacted value, severity, exposed since, places, at HEAD, shipped to browsers,
//! repositories when several), the places (severity, rule, location, redacted value, and for
//! history the commit) and how to fix; its cells are HTML-escaped, with control
//! and bidirectional characters shown as escapes (`&#92;e`, `&#92;u{202e}`). It always shows
//! redacted values, even with `--show-secrets`: job summaries are kept with the run for anyone
//! with read access. It stays within a byte budget (see [`step_summary_budget`]) well under
//! GitHub's 1 MiB per step: the keys take at most half of it, and rows that do not fit are
//! counted in a closing line instead.

use std::io::{self, Write};

use super::sarif::relative_to_cwd;
use super::text::plural;
use super::{ReportInput, message};
use crate::finding::{Finding, Severity};
use crate::terminal::{needs_escape, push_escaped};

/// GitHub shows at most this many annotations of each level (error, warning, notice) per step.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// The most the job summary adds to `$GITHUB_STEP_SUMMARY`, in bytes.
pub const STEP_SUMMARY_BUDGET: usize = 512 * 1024;

/// GitHub's limit for one step's summary file; uploads over it are dropped with an error.
const STEP_SUMMARY_LIMIT: u64 = 1024 * 1024;

/// Workflow-command level for a severity.
fn level(severity: Severity) -> (usize, &'static str) {
    match severity {
        Severity::Critical | Severity::High => (0, "error"),
        Severity::Medium => (1, "warning"),
        Severity::Low => (2, "notice"),
    }
}

/// The annotation level of `finding`: a key that a marker added by the audited change allows
/// (and that does not fail the run) is a warning, whatever its severity.
fn finding_level(finding: &Finding) -> (usize, &'static str) {
    match &finding.added_suppression {
        Some(added) if !added.blocking => (1, "warning"),
        _ => level(finding.severity),
    }
}

/// Writes the notices about the audit itself, the annotations and the closing line.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    for notice in &input.summary.notices {
        writeln!(out, "::notice title=viscan::{}", escape_data(notice))?;
    }
    let mut totals = [0usize; 3];
    for finding in input.findings {
        totals[finding_level(finding).0] += 1;
    }
    let overflow = totals.iter().any(|&n| n > MAX_ANNOTATIONS_PER_LEVEL);
    // The "N more" notice needs a notice slot of its own.
    let caps = [
        MAX_ANNOTATIONS_PER_LEVEL,
        MAX_ANNOTATIONS_PER_LEVEL,
        MAX_ANNOTATIONS_PER_LEVEL - usize::from(overflow),
    ];
    let mut shown = [0usize; 3];
    for finding in input.findings {
        let (slot, name) = finding_level(finding);
        if shown[slot] < caps[slot] {
            shown[slot] += 1;
            writeln!(out, "{}", annotation(name, finding, input.show_secrets))?;
        }
    }
    let left_out = input.findings.len() - shown.iter().sum::<usize>();
    if left_out > 0 {
        let text = format!(
            "{left_out} more {} not annotated: GitHub shows at most {MAX_ANNOTATIONS_PER_LEVEL} \
             annotations of each level per step. The job summary and the SARIF or JSON report \
             list every finding.",
            plural(left_out as u64, "finding")
        );
        writeln!(out, "::notice title=viscan::{}", escape_data(&text))?;
    }
    writeln!(out, "viscan: {}", totals_line(input))
}

/// One workflow command for `finding`.
fn annotation(level: &str, finding: &Finding, show_secrets: bool) -> String {
    let loc = &finding.location;
    let path = relative_to_cwd(&finding.origin.display_path());
    let mut properties = vec![("file", path), ("line", loc.line.to_string())];
    if loc.end_line == loc.line {
        properties.push(("col", loc.column.to_string()));
        properties.push(("endColumn", loc.end_column.to_string()));
    } else {
        properties.push(("endLine", loc.end_line.to_string()));
    }
    properties.push((
        "title",
        format!("{} ({})", finding.rule_name, finding.rule_id),
    ));
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let mut text = message(finding, show_secrets);
    if let Some(commit) = &finding.origin.commit {
        let short = &commit.id[..commit.id.len().min(12)];
        text.push_str(&format!(
            "; introduced by commit {short} ({} <{}>, {})",
            commit.author_name, commit.author_email, commit.date
        ));
        match finding.present_at_head {
            Some(true) => text.push_str("; still present at HEAD"),
            Some(false) => text.push_str("; no longer at HEAD, but still in the git history"),
            None => {}
        }
    }
    text.push_str(". Rotate this key: removing it from the code does not revoke it.");
    format!("::{level} {}::{}", properties.join(","), escape_data(&text))
}

/// Escapes a workflow command's message: `escapeData` in `@actions/core` (`%`, `\r`, `\n`
/// percent-encoded), and every other control or bidirectional character shown as
/// [`crate::terminal::escape`] shows it, since GitHub's log viewer interprets ANSI sequences.
/// Line breaks stay percent-encoded rather than shown as `\n`, so a path property still names
/// the file.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => push_escaped(&mut out, c),
        }
    }
    out
}

/// Escapes a workflow command's property value (`escapeProperty` in `@actions/core`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// How many bytes the job summary may add to a step summary file that already holds
/// `existing` bytes: [`STEP_SUMMARY_BUDGET`], less when earlier output of the same step leaves
/// less room under GitHub's 1 MiB (with 64 KiB to spare for what comes after).
pub fn step_summary_budget(existing: u64) -> usize {
    let room = (STEP_SUMMARY_LIMIT - 64 * 1024).saturating_sub(existing);
    STEP_SUMMARY_BUDGET.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// The Markdown job summary, at most `budget` bytes (nothing when not even the heading fits).
pub fn step_summary(input: &ReportInput<'_>, budget: usize) -> String {
    let findings = input.findings;
    let mut md = String::new();
    if findings.is_empty() {
        md.push_str("### viscan: no findings\n\n");
    } else {
        md.push_str(&format!(
            "### viscan: {} {}\n\n",
            findings.len(),
            plural(findings.len() as u64, "finding")
        ));
    }
    md.push_str(&totals_line(input));
    md.push_str(".\n");
    for notice in &input.summary.notices {
        md.push_str(&format!("\n> **Note:** {}\n", cell(notice)));
    }
    // What must stay: the fix and, when rows are cut, the line saying so.
    let fix = if findings.is_empty() {
        String::new()
    } else {
        "\n**Rotate every key listed here** in the VoiceInfra dashboard: deleting the line does \
         not revoke it. Then load it from the environment (`VOICEINFRA_API_KEY`) or a secrets \
         manager, and purge it from git history if the repository was ever shared.\n"
            .to_string()
    };
    if findings.is_empty() {
        return if md.len() <= budget {
            md
        } else {
            String::new()
        };
    }
    // Room for the closing lines, whatever the counts of rows left out.
    let reserve = fix.len() + 512;
    if md.len() + reserve > budget {
        return String::new();
    }
    // The keys first, in at most half of what is left; the places in the rest.
    let keys_budget = md.len() + (budget - md.len() - reserve) / 2;
    write_keys_table(&mut md, input, keys_budget);
    let with_commits = findings.iter().any(|f| f.origin.commit.is_some());
    let header = format!(
        "\n#### Places\n\n| Severity | Rule | Location | Value |{}\n| --- | --- | --- | --- |{}\n",
        if with_commits { " Commit |" } else { "" },
        if with_commits { " --- |" } else { "" },
    );
    let mut num_rows = 0;
    if md.len() + header.len() + reserve <= budget {
        md.push_str(&header);
        for finding in findings {
            let row = table_row(finding, with_commits);
            if md.len() + row.len() + reserve > budget {
                break;
            }
            md.push_str(&row);
            num_rows += 1;
        }
    }
    let left_out = findings.len() - num_rows;
    if left_out > 0 {
        md.push_str(&format!(
            "\n_…and {left_out} more {}, left out to keep this summary under {} KiB (GitHub \
             accepts 1 MiB per step); the SARIF or JSON report lists every finding._\n",
            plural(left_out as u64, "finding"),
            budget / 1024
        ));
    }
    md.push_str(&fix);
    md
}

/// The "keys to rotate" table, as the text report ends with it: value, severity, exposed
/// since, places, at HEAD, shipped to browsers (and repositories when several), while `md`
/// stays within `budget` bytes; a closing line counts the keys left out.
fn write_keys_table(md: &mut String, input: &ReportInput<'_>, budget: usize) {
    let with_repositories = input.repositories().len() > 1;
    let num_keys = input.keys.len();
    let header = format!(
        "\n#### {num_keys} {} to rotate\n\n| Key | Severity | Exposed since | Places | At HEAD | \
         Browsers |{}\n| --- | --- | --- | --- | --- | --- |{}\n",
        plural(num_keys as u64, "key"),
        if with_repositories {
            " Repositories |"
        } else {
            ""
        },
        if with_repositories { " --- |" } else { "" },
    );
    if md.len() + header.len() > budget {
        return;
    }
    md.push_str(&header);
    let mut num_rows = 0;
    for key in input.keys {
        let first = &input.findings[key.findings[0]];
        let mut row = format!(
            "| {} | {} | {} | {} | {} | {} |",
            // Always redacted: a job summary is kept with the run.
            code(&first.preview()),
            key.severity.as_str(),
            cell(&key.since_text(input.summary.now)),
            key.findings.len(),
            cell(&key.at_head_text(input.findings)),
            if key.public { "**yes**" } else { "no" },
        );
        if with_repositories {
            row.push_str(&format!(" {} |", cell(&key.repositories.join(", "))));
        }
        row.push('\n');
        if md.len() + row.len() > budget {
            break;
        }
        md.push_str(&row);
        num_rows += 1;
    }
    if num_rows < num_keys {
        md.push_str(&format!(
            "\n_…and {} more {} to rotate, left out to keep this summary small; the JSON \
             report's `secrets` lists every key._\n",
            num_keys - num_rows,
            plural((num_keys - num_rows) as u64, "key")
        ));
    }
}

fn table_row(finding: &Finding, with_commits: bool) -> String {
    let loc = &finding.location;
    let location = format!(
        "{}:{}:{}",
        relative_to_cwd(&finding.origin.display_path()),
        loc.line,
        loc.column
    );
    let rule = match &finding.added_suppression {
        Some(added) => format!("{} ({})", code(&finding.rule_id), cell(&added.describe())),
        None => code(&finding.rule_id),
    };
    let mut row = format!(
        "| {} | {} | {} | {} |",
        finding.severity.as_str(),
        rule,
        code(&location),
        // Always redacted: a job summary is kept with the run.
        code(&finding.preview()),
    );
    if with_commits {
        let commit = match &finding.origin.commit {
            Some(commit) => format!(
                "{} {}, {}",
                code(&commit.id[..commit.id.len().min(12)]),
                cell(&commit.author_name),
                cell(&commit.date)
            ),
            None => String::new(),
        };
        row.push_str(&format!(" {commit} |"));
    }
    row.push('\n');
    row
}

/// Text for a Markdown table cell: HTML-escaped, no `|`, no line breaks, controls and
/// bidirectional marks shown as [`crate::terminal::escape`] shows them.
fn cell(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '|' => escaped.push_str("&#124;"),
            '`' => escaped.push_str("&#96;"),
            '\\' => escaped.push_str("&#92;"),
            '*' => escaped.push_str("&#42;"),
            '_' => escaped.push_str("&#95;"),
            '[' => escaped.push_str("&#91;"),
            ']' => escaped.push_str("&#93;"),
            '\r' | '\n' => escaped.push(' '),
            c if needs_escape(c) => {
                let mut shown = String::new();
                push_escaped(&mut shown, c);
                escaped.push_str(&shown.replace('\\', "&#92;"));
            }
            c => escaped.push(c),
        }
    }
    escaped
}

/// A cell in monospace; `<code>` rather than backticks, which a value could contain.
fn code(text: &str) -> String {
    format!("<code>{}</code>", cell(text))
}

/// The closing totals line (shared with the text report) for the log and the summary.
fn totals_line(input: &ReportInput<'_>) -> String {
    super::text::totals_line(input, "; some paths could not be read (see the log)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_actions_core() {
        assert_eq!(escape_data("100%\r\ndone: a,b"), "100%25%0D%0Adone: a,b");
        assert_eq!(
            escape_property("dir,x/a:b%\n.env"),
            "dir%2Cx/a%3Ab%25%0A.env"
        );
        // `%` first, so an escape sequence in the input is not decoded back.
        assert_eq!(escape_property("%0A"), "%250A");
        // Issue 17: no escape sequence or bidirectional control reaches the log viewer.
        assert_eq!(
            escape_data("Eve\x1b[2K\x07\t\u{9b}\u{202e}"),
            r"Eve\e[2K\x07\t\u{9b}\u{202e}"
        );
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b`c\nd<e>"), "a&#124;b&#96;c d&lt;e&gt;");
        assert_eq!(code("x"), "<code>x</code>");
        assert_eq!(cell("Eve\x1b[2K\u{202e}"), "Eve&#92;e&#91;2K&#92;u{202e}");
    }

    #[test]
    fn the_budget_leaves_room_under_one_mebibyte() {
        assert_eq!(step_summary_budget(0), STEP_SUMMARY_BUDGET);
        assert_eq!(
            step_summary_budget(900 * 1024),
            1024 * 1024 - 64 * 1024 - 900 * 1024
        );
        assert_eq!(step_summary_budget(2 << 20), 0);
    }
}
