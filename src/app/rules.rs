//! `viscan rules list|show|check`: the rule set as users and CI see it. Rules can come from a
//! config file in the scanned repository, so every text of theirs is shown through
//! [`crate::terminal::escape`].

use std::io::{self, Write};

use anyhow::bail;

use crate::blob::{Blob, Origin};
use crate::exit::ExitStatus;
use crate::scan::{ScanStats, Scanner};
use crate::terminal::escape;

pub(super) fn list(scanner: &Scanner) -> anyhow::Result<ExitStatus> {
    let mut out = io::stdout().lock();
    for rule in scanner.rules().rules() {
        writeln!(
            out,
            "{:<32} {:<9} {}",
            escape(&rule.id),
            rule.severity.as_str(),
            escape(&rule.name)
        )?;
    }
    Ok(ExitStatus::Clean)
}

pub(super) fn show(scanner: &Scanner, id: &str) -> anyhow::Result<ExitStatus> {
    let Some(rule) = scanner.rules().get(id) else {
        bail!("no rule with id {id:?} (see `viscan rules list`)");
    };
    let mut out = io::stdout().lock();
    writeln!(out, "id:          {}", escape(&rule.id))?;
    writeln!(out, "name:        {}", escape(&rule.name))?;
    writeln!(out, "severity:    {}", rule.severity.as_str())?;
    writeln!(out, "precision:   {}", rule.precision.as_str())?;
    writeln!(out, "kind:        {:?}", rule.kind)?;
    writeln!(out, "scope:       {:?}", rule.scope)?;
    writeln!(out, "file:        rules/{}", escape(&rule.file))?;
    writeln!(out, "keywords:    {}", escape(&rule.keywords.join(", ")))?;
    writeln!(
        out,
        "value:       length {}..={}, entropy {}",
        rule.value.min_length,
        rule.value.max_length,
        rule.value
            .min_entropy
            .map_or("by alphabet".to_string(), |e| format!(">= {e}"))
    )?;
    // `{:?}` escapes controls but not bidirectional marks.
    writeln!(
        out,
        "requires:    {}",
        escape(&format!("{:?}", rule.require_any))
    )?;
    writeln!(
        out,
        "rejects:     {}",
        escape(&format!("{:?}", rule.reject))
    )?;
    if let Some(target) = rule.in_bundle {
        writeln!(
            out,
            "in bundles:  reported as {}",
            escape(&scanner.rules().rules()[target].id)
        )?;
    }
    if let Some(target) = rule.in_public_env {
        writeln!(
            out,
            "public env:  reported as {} when bound to NEXT_PUBLIC_…, VITE_…",
            escape(&scanner.rules().rules()[target].id)
        )?;
    }
    // Line by line, so a description written on several lines keeps its layout.
    writeln!(out)?;
    for line in rule.description.lines() {
        writeln!(out, "{}", escape(line))?;
    }
    writeln!(out, "\npatterns:")?;
    for pattern in &rule.patterns {
        writeln!(out, "  {}", escape(pattern.as_str()))?;
    }
    writeln!(out, "examples: {}", rule.examples.len())?;
    writeln!(out, "negative examples: {}", rule.negative_examples.len())?;
    for reference in &rule.references {
        writeln!(out, "see: {}", escape(reference))?;
    }
    Ok(ExitStatus::Clean)
}

/// Fewest examples (and negative examples) a rule must carry.
pub const MIN_EXAMPLES: usize = 5;

/// Problems `rules check` found, one line each.
pub fn check_rules(scanner: &Scanner) -> Vec<String> {
    let mut problems = Vec::new();
    // Built-in patterns compile when first used: compile them all here, the check CI runs.
    scanner.rules().compile_all();
    let mut worker = scanner.worker();
    let mut findings = Vec::new();
    for rule in scanner.rules().rules() {
        if rule.examples.len() < MIN_EXAMPLES || rule.negative_examples.len() < MIN_EXAMPLES {
            problems.push(format!(
                "{}: needs at least {MIN_EXAMPLES} examples and {MIN_EXAMPLES} negative examples \
                 (has {} and {})",
                rule.id,
                rule.examples.len(),
                rule.negative_examples.len()
            ));
        }
        let cases = rule
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.negative_examples.iter().map(|e| (e, false)));
        for (number, (example, should_match)) in cases.enumerate() {
            findings.clear();
            let blob = Blob {
                bytes: example.as_bytes().to_vec(),
                origin: Origin::file(&rule.example_path),
            };
            let before = worker.stats.num_blobs_naming_voiceinfra;
            worker.scan(&blob, &mut findings);
            // Each example is a project of its own for project-level context.
            let example = ScanStats {
                num_blobs_naming_voiceinfra: worker.stats.num_blobs_naming_voiceinfra - before,
                ..ScanStats::default()
            };
            scanner.keep_project_findings(&mut findings, &example);
            let matched = findings.iter().any(|f| f.rule_id == rule.id);
            if matched != should_match {
                let (kind, index) = if should_match {
                    ("example", number + 1)
                } else {
                    ("negative example", number + 1 - rule.examples.len())
                };
                let got: Vec<&str> = findings.iter().map(|f| &*f.rule_id).collect();
                problems.push(format!(
                    "{}: {kind} {index} {} (rules that reported it: {})",
                    rule.id,
                    if should_match {
                        "is not reported"
                    } else {
                        "is reported"
                    },
                    if got.is_empty() {
                        "none".to_string()
                    } else {
                        got.join(", ")
                    }
                ));
            }
        }
    }
    problems
}

pub(super) fn check(scanner: &Scanner, verbose: bool) -> anyhow::Result<ExitStatus> {
    let problems = check_rules(scanner);
    let rules = scanner.rules().rules();
    let num_examples: usize = rules
        .iter()
        .map(|r| r.examples.len() + r.negative_examples.len())
        .sum();
    for problem in &problems {
        crate::err!("rules check: {problem}");
    }
    if verbose || problems.is_empty() {
        // Not `println!`: it panics when stdout is a closed pipe (`rules check | head -0`).
        writeln!(
            io::stdout().lock(),
            "{} rules, {} examples checked, {} problems",
            rules.len(),
            num_examples,
            problems.len()
        )?;
    }
    Ok(if problems.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}
