//! The text report: findings grouped by file, `path:line:col`, severity, rule id, redacted value
//! and a short snippet window; then a one-line summary, and last the "keys to rotate" table (one
//! row per distinct key: value, severity, exposed since, places, still at HEAD, shipped to
//! browsers, and the repositories when known). Colour only when asked (a terminal,
//! without `NO_COLOR`/`--no-color`). A path that is not printable UTF-8 (control characters, a
//! newline, bytes that are not UTF-8) is shown quoted with C-style escapes
//! ([`crate::blob::quote_path`]): `"src/a\nb.env":3:7`. Everything else that comes from scanned
//! content or config files (snippets, values, rule names, original paths from source maps,
//! commit authors) goes through [`crate::terminal::escape`] before colour is added, so our own
//! colour codes are the only escape sequences in the report (and there are none without colour).

use std::io::{self, Write};

use super::{Key, ReportInput, message, shown_snippet, shown_value};
use crate::finding::Severity;
use crate::terminal::escape;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        self.paint(code, severity.as_str())
    }
}

/// Writes the text report.
pub fn write(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { on: input.color };
    let mut current_path: Option<String> = None;
    for finding in input.findings {
        // Quoted and escaped when it is not plain printable UTF-8: a file name must not be
        // able to forge report lines or drive the terminal.
        let path = finding.origin.quoted_path();
        if current_path.as_deref() != Some(path.as_str()) {
            if current_path.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", style.paint("1", &path))?;
            current_path = Some(path.clone());
        }
        let loc = &finding.location;
        // A source map or mapped bundle also says which original file to fix.
        let original = finding
            .original
            .as_ref()
            .map(|o| format!(" → {}:{}:{}", escape(&o.path), o.line, o.column))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}:{}:{}{original}  {}  {}  {}",
            path,
            loc.line,
            loc.column,
            style.severity(finding.severity),
            style.paint("1", &escape(&finding.rule_id)),
            escape(&message(finding, input.show_secrets)),
        )?;
        writeln!(
            out,
            "      {}",
            style.paint("2", &escape(shown_snippet(finding, input.show_secrets)))
        )?;
        if finding.origin.shadowed {
            writeln!(
                out,
                "      deleted in a later layer (its bytes still ship in the image)"
            )?;
        }
        if let Some(commit) = &finding.origin.commit {
            let head = match finding.present_at_head {
                Some(true) => "; still present at HEAD",
                Some(false) => "; no longer at HEAD (still in history)",
                None => "",
            };
            writeln!(
                out,
                "      commit {} by {} <{}> on {}{head}",
                style.paint("33", &commit.id[..commit.id.len().min(12)]),
                escape(&commit.author_name),
                escape(&commit.author_email),
                escape(&commit.date),
            )?;
        }
    }
    let summary = input.summary;
    if !input.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}",
        totals_line(input, "; some paths could not be read (see above)")
    )?;
    let hidden = summary.suppressed;
    if hidden.total() > 0 {
        let parts: Vec<String> = [
            (hidden.baseline, "by the baseline"),
            (hidden.inline, "by inline allow markers"),
            (hidden.ignore_file, "by .viscanignore"),
            (hidden.allowlist, "by the config allowlist"),
            (hidden.rules_disabled, "by rules the config disables"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
        writeln!(out, "hidden: {}", parts.join(", "))?;
    }
    for notice in &summary.notices {
        writeln!(out, "note: {}", escape(notice))?;
    }
    // What the scan left out or read differently, each line only when it applies.
    let (was, it) = if summary.num_tracked_ignored == 1 {
        ("was", "it")
    } else {
        ("were", "them")
    };
    let counted = [
        (
            summary.num_skipped_large,
            "skipped",
            "file",
            "over --max-file-size (see the warnings above)".to_string(),
        ),
        (
            summary.num_tracked_ignored,
            "note",
            "tracked file",
            format!("matched by .gitignore {was} scanned: git tracks {it}"),
        ),
        (
            summary.num_tracked_excluded,
            "excluded",
            "tracked file",
            "by .ignore, .viscanignore or the config allowlist".to_string(),
        ),
        (
            summary.num_binary,
            "binary",
            "file",
            "read as binary: only their printable strings were scanned".to_string(),
        ),
    ];
    for (n, label, noun, what) in counted {
        if n > 0 {
            writeln!(out, "{label}: {n} {} {what}", plural(n, noun))?;
        }
    }
    for dir in &summary.ignored_build_dirs {
        let dir = escape(dir);
        writeln!(
            out,
            "note: {dir}/ is git-ignored build output and was not scanned; browser bundles there can \
             hold keys: viscan scan --no-ignore {dir}"
        )?;
    }
    write_keys(input, &style, out)
}

/// The closing "keys to rotate" table.
fn write_keys(input: &ReportInput<'_>, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    if input.keys.is_empty() {
        return Ok(());
    }
    // Only a multi-repository report needs the column.
    let with_repositories = input.repositories().len() > 1;
    let mut header: Vec<String> = [
        "KEY",
        "SEVERITY",
        "EXPOSED SINCE",
        "PLACES",
        "AT HEAD",
        "BROWSERS",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    if with_repositories {
        header.push("REPOSITORIES".to_string());
    }
    // A key's cells are made twice (widths, then the line) rather than kept: a table of a
    // million keys held as strings cost ~260 bytes a key (issue 11).
    let cells = |key: &Key| {
        let first = &input.findings[key.findings[0]];
        let mut row = vec![
            escape(&shown_value(first, input.show_secrets)).into_owned(),
            key.severity.as_str().to_string(),
            key.since_text(input.summary.now),
            key.findings.len().to_string(),
            escape(&key.at_head_text(input.findings)).into_owned(),
            if key.public { "yes" } else { "no" }.to_string(),
        ];
        if with_repositories {
            row.push(escape(&key.repositories.join(", ")).into_owned());
        }
        row
    };
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for key in input.keys {
        for (width, cell) in widths.iter_mut().zip(cells(key)) {
            *width = (*width).max(cell.chars().count());
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.paint(
            "1",
            &format!(
                "{} {} to rotate:",
                input.keys.len(),
                plural(input.keys.len() as u64, "key")
            )
        )
    )?;
    let write_row = |out: &mut dyn Write, row: &[String]| {
        let mut line = String::from(" ");
        for (cell, width) in row.iter().zip(&widths) {
            line.push(' ');
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 1));
        }
        writeln!(out, "{}", line.trim_end())
    };
    write_row(out, &header)?;
    for key in input.keys {
        write_row(out, &cells(key))?;
    }
    Ok(())
}

/// `N findings in M files; scanned … (size) in 0.12s`, then `errors_note` if some paths could
/// not be read: the closing line of the text and GitHub reports.
pub(super) fn totals_line(input: &ReportInput<'_>, errors_note: &str) -> String {
    let summary = input.summary;
    let num_paths = {
        // The same path in two repositories is two files.
        let mut paths: Vec<_> = input
            .findings
            .iter()
            .map(|f| (&f.origin.repository, &f.origin.path))
            .collect();
        paths.sort();
        paths.dedup();
        paths.len()
    };
    let scanned = match summary.num_commits {
        Some(commits) => format!(
            "{} {} in {} {}",
            summary.num_files,
            plural(summary.num_files, "blob"),
            commits,
            plural(commits, "commit")
        ),
        None => format!(
            "{} {}",
            summary.num_files,
            plural(summary.num_files, "file")
        ),
    };
    format!(
        "{} {} in {} {}; scanned {} ({}) in {:.2}s{}",
        input.findings.len(),
        plural(input.findings.len() as u64, "finding"),
        num_paths,
        plural(num_paths as u64, "file"),
        scanned,
        human_bytes(summary.num_bytes),
        summary.elapsed.as_secs_f64(),
        if summary.had_errors { errors_note } else { "" },
    )
}

pub(super) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `1.2 MB`-style sizes.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: &[&str] = &["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
