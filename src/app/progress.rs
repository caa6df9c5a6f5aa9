//! Progress on stderr for scans that can take a while (a whole tree, a whole history): one
//! spinner line while stderr is a terminal and `-q` was not given; nothing otherwise, so hooks,
//! CI logs and pipes never see it. It is cleared before the report is written.

use std::io::{self, IsTerminal};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner line with `template` (indicatif's syntax), ticking on its own so it moves even
/// while one large file is read; `None` when no progress should be shown.
pub(super) fn spinner(quiet: bool, template: &str) -> Option<ProgressBar> {
    if quiet || !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}
