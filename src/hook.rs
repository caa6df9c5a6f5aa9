//! `viscan hook install`: writes a plain git pre-commit hook that runs `viscan staged`. It never
//! overwrites a hook it did not write (a line in the script marks ours) unless forced.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use crate::exit::ExitStatus;
use crate::source::git;

/// The line that marks a hook as written by viscan.
pub const MARKER: &str = "# installed by `viscan hook install`";

/// The hook script. It prefers the viscan that installed it (so `cargo run` and unusual
/// install paths work), then any `viscan` on PATH.
fn script(viscan: &Path) -> String {
    let quoted = viscan.to_string_lossy().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n{MARKER}\n# Blocks commits that add VoiceInfra keys or webhook secrets. \
         Bypass once: git commit --no-verify\n\
         viscan='{quoted}'\n\
         if [ ! -x \"$viscan\" ]; then viscan=viscan; fi\n\
         exec \"$viscan\" staged\n"
    )
}

/// Installs the hook in the repository containing `repo`.
pub fn install(repo: &Path, force: bool) -> anyhow::Result<ExitStatus> {
    let dir = git::hooks_dir(repo)?;
    let path = dir.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.contains(MARKER) && !force {
            bail!(
                "{} exists and was not written by viscan; not overwriting it (use --force to \
                 replace it, or call `viscan staged` from it)",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let viscan = std::env::current_exe().context("cannot tell where viscan is installed")?;
    let mut file = tempfile::NamedTempFile::new_in(&dir)?;
    file.write_all(script(&viscan).as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o755))?;
    }
    file.persist(&path)
        .with_context(|| format!("failed to write {}", path.display()))?;
    crate::note!("viscan: installed {}", path.display());
    Ok(ExitStatus::Clean)
}
