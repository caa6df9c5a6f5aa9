//! Standard input as one blob named `<stdin>`, read up to the size limit: `cat /dev/zero |
//! viscan scan -` must end, and in bounded memory.

use std::io::Read;

use crate::blob::{Blob, Origin};

/// The path findings on stdin are reported under.
pub const STDIN_PATH: &str = "<stdin>";

/// Reads all of stdin, or `None` (after reading `max_size` + 1 bytes, no more) when it is
/// larger than `max_size`.
pub fn read(max_size: u64) -> std::io::Result<Option<Blob>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_size {
        return Ok(None);
    }
    Ok(Some(Blob {
        bytes,
        origin: Origin::file(STDIN_PATH),
    }))
}
