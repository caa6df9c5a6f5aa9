//! `--replace-text-file FILE` (issue 12): after rotating, the keys found are written as a
//! `git filter-repo --replace-text` file, one `literal:KEY==>***REMOVED-VOICEINFRA-KEY***` line
//! per distinct key, so that history can be rewritten without them. The one output that holds
//! secrets: written only when asked, created with mode 0600, announced on stderr.

use std::path::Path;

use anyhow::Context;

use crate::finding::Finding;

/// What each key is replaced with.
pub const REPLACEMENT: &str = "***REMOVED-VOICEINFRA-KEY***";

/// The file's lines: one per distinct key stored as written. References (a variable's name)
/// are not secrets and are left out; a key stored encoded (base64, percent, …) or one that
/// cannot be written as a `literal:` line is left out with a warning, as the rewrite would
/// not find it.
pub(super) fn lines(findings: &[Finding]) -> Vec<String> {
    let mut values: Vec<&[u8]> = Vec::new();
    for finding in findings {
        let value = finding.secret.expose();
        if finding.is_reference || value.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(value);
        if !finding.decoded.is_empty()
            || text.contains(['\n', '\r'])
            || text.contains("==>")
            || std::str::from_utf8(value).is_err()
        {
            crate::warn!(
                "{}:{}: this key is stored encoded ({}) or cannot be a literal: the \
                 replace-text file leaves it out; rewrite that file by hand",
                finding.origin.quoted_path(),
                finding.location.line,
                if finding.decoded.is_empty() {
                    "as written".to_string()
                } else {
                    finding.decoded.join(", ")
                }
            );
            continue;
        }
        values.push(value);
    }
    values.sort_unstable();
    values.dedup();
    values
        .iter()
        .map(|v| format!("literal:{}==>{REPLACEMENT}", String::from_utf8_lossy(v)))
        .collect()
}

/// Writes the replace-text file for `findings` to `path` (mode 0600) and warns that it holds
/// secrets.
pub(super) fn write(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let lines = lines(findings);
    // `write_atomically` writes a fresh temporary file, created 0600, and renames it.
    super::write_atomically(path, |out| {
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
    .with_context(|| format!("failed to write {}", path.display()))?;
    crate::warn!(
        "{} holds the {} {} themselves (mode 0600): use it with `git filter-repo --replace-text` \
         after rotating, and delete it then",
        path.display(),
        lines.len(),
        if lines.len() == 1 { "key" } else { "keys" }
    );
    Ok(())
}
