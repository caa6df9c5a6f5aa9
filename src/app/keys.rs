//! Grouping findings into keys (issue 12): findings are places, an auditor acts on distinct
//! secret values. Done once, after suppression and sorting, so that every format (and `report
//! merge`, which reads findings back from JSON) shows the same keys.

use std::collections::HashMap;

use crate::finding::Finding;
use crate::report::Key;

/// Groups `findings` (in report order) by secret value: one [`Key`] per distinct
/// [`crate::finding::Secret::id`], most severe first, then in order of first appearance.
pub fn group_keys(findings: &[Finding]) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (i, finding) in findings.iter().enumerate() {
        let id = finding.secret.id();
        let slot = *index_of.entry(id.clone()).or_insert_with(|| {
            // Most keys have one finding and one rule: room for one each, not the four a
            // first push reserves (100 bytes a key; a million keys in one file: issue 11).
            keys.push(Key {
                id,
                findings: Vec::with_capacity(1),
                rules: Vec::with_capacity(1),
                severity: finding.severity,
                first_seen: None,
                last_seen: None,
                removed: None,
                first_seen_unix: None,
                present_at_head: None,
                public: false,
                repositories: Vec::new(),
            });
            keys.len() - 1
        });
        let key = &mut keys[slot];
        key.findings.push(i);
        // No copy per finding: a key found 10,000 times has one or two rules (issue 11).
        if !key.rules.contains(&finding.rule_id) {
            key.rules.push(finding.rule_id.clone());
        }
        key.severity = key.severity.max(finding.severity);
        key.public |= is_public(finding);
        if let Some(present) = finding.present_at_head {
            key.present_at_head = Some(key.present_at_head.unwrap_or(false) || present);
        }
        if let Some(repository) = &finding.origin.repository {
            if !key.repositories.iter().any(|r| **r == **repository) {
                key.repositories.push(repository.to_string());
            }
        }
    }
    for key in &mut keys {
        key.rules.sort();
        key.rules.dedup();
        key.repositories.sort();
        key.repositories.dedup();
        let dated: Vec<(i64, usize)> = key
            .findings
            .iter()
            .filter_map(|&i| Some((commit_time(&findings[i])?, i)))
            .collect();
        // Ties go to the earlier finding in report order, so the choice is deterministic.
        let first = dated.iter().min_by_key(|&&(time, i)| (time, i));
        let last = dated
            .iter()
            .max_by_key(|&&(time, i)| (time, std::cmp::Reverse(i)));
        key.first_seen = first.map(|&(_, i)| i);
        key.first_seen_unix = first.map(|&(time, _)| time);
        key.last_seen = last.map(|&(_, i)| i);
        key.removed = removal(key, findings);
    }
    keys.sort_by_key(|key| (std::cmp::Reverse(key.severity), key.findings[0]));
    keys
}

/// For a key no longer at HEAD whose every place (with a commit) has a known removal: the
/// place removed last. Places of the key that sit elsewhere (a commit message, a file only
/// on other branches) leave it unknown.
fn removal(key: &Key, findings: &[Finding]) -> Option<usize> {
    if key.present_at_head != Some(false) {
        return None;
    }
    let mut newest: Option<(i64, usize)> = None;
    for &i in &key.findings {
        if findings[i].origin.commit.is_none() {
            continue;
        }
        let time = crate::time::parse_date(&findings[i].removed_in.as_ref()?.date).ok()?;
        // Ties go to the earlier finding in report order.
        if newest.is_none_or(|(t, _)| time > t) {
            newest = Some((time, i));
        }
    }
    newest.map(|(_, i)| i)
}

/// Whether this place ships the key to browsers.
fn is_public(finding: &Finding) -> bool {
    finding.in_bundle
        || finding.is_reference
        || finding.public_env.is_some()
        || finding.origin.display_path().ends_with(".map")
}

/// The finding's commit date as Unix seconds (history findings).
fn commit_time(finding: &Finding) -> Option<i64> {
    let commit = finding.origin.commit.as_ref()?;
    crate::time::parse_date(&commit.date).ok()
}
