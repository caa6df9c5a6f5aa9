//! Standard input as one blob named `<stdin>`.

use std::io::Read;

use crate::blob::{Blob, Origin};

/// The path findings on stdin are reported under.
pub const STDIN_PATH: &str = "<stdin>";

/// Reads all of stdin.
pub fn read() -> std::io::Result<Blob> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    Ok(Blob {
        bytes,
        origin: Origin::file(STDIN_PATH),
    })
}
