//! Process exit statuses, in one place so they can be documented and tested.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing found, everything read.
    Clean,
    /// At least one finding was reported.
    Findings,
    /// A usage or configuration error, or something that was asked for could not be read.
    Error,
    /// Stopped by Ctrl-C (SIGINT) before the report was written.
    Interrupted,
}

impl ExitStatus {
    /// The numeric status for the operating system.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
            ExitStatus::Interrupted => crate::interrupt::EXIT_CODE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(ExitStatus::Clean.code(), 0);
        assert_eq!(ExitStatus::Findings.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
        assert_eq!(ExitStatus::Interrupted.code(), 130);
    }
}
