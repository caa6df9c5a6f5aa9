//! Ctrl-C during a scan. The first SIGINT only sets a flag; the files walker, the history walk
//! and the blob scanners check it between files and blobs, so the run stops within moments,
//! says that the report is incomplete, writes no report (a partial one would look clean) and
//! exits 130. A second SIGINT ends the process at once, for a read that is stuck.
//!
//! Only the commands that scan install it ([`install`]); the others keep the default
//! behaviour (end at once). The handlers come from `signal-hook`, which only stores to atomics
//! from the signal handler: no unsafe code of our own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Set by the first SIGINT.
static REQUESTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Exit status after an interruption: 128 + SIGINT, as shells report it.
pub const EXIT_CODE: u8 = 130;

/// Installs the SIGINT handlers (once; later calls do nothing).
pub fn install() -> std::io::Result<()> {
    if REQUESTED.get().is_some() {
        return Ok(());
    }
    let flag = Arc::new(AtomicBool::new(false));
    let signal = signal_hook::consts::SIGINT;
    // Registered first, so it sees the flag as the previous signal left it: the second
    // SIGINT exits at once, the first only arms it.
    signal_hook::flag::register_conditional_shutdown(signal, i32::from(EXIT_CODE), flag.clone())?;
    signal_hook::flag::register(signal, flag.clone())?;
    let _ = REQUESTED.set(flag);
    Ok(())
}

/// Whether the user asked the run to stop.
pub fn requested() -> bool {
    REQUESTED
        .get()
        .is_some_and(|flag| flag.load(Ordering::Relaxed))
}
