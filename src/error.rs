//! The one failure type of modelswap's commands, and the exit code each kind gets (docs/design.md,
//! "Exit codes"): 2 for input that cannot be used (nothing ran), 1 for a failed gate or a run
//! that could not complete, 130 for Ctrl-C.

use crate::suite::SuiteError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A suite, or a file it names, that cannot be used.
    #[error(transparent)]
    Suite(#[from] SuiteError),
    /// Any other input that cannot be used: an option, a run directory, a records file, a
    /// cassette, a codebase to scan, a gate that cannot be evaluated.
    #[error("{0}")]
    Input(String),
    /// The gate judged a candidate failed; the verdict says why.
    #[error("the gate failed {failed} of {checks} checks")]
    GateFailed { failed: usize, checks: usize },
    /// A run stopped before it was complete; its records so far are kept.
    #[error("{0}")]
    Incomplete(String),
    /// Ctrl-C; the records completed so far are kept.
    #[error("interrupted: kept {records} records in {}; `--resume {}` finishes the run", dir.display(), dir.display())]
    Interrupted {
        records: usize,
        dir: std::path::PathBuf,
    },
    /// Ctrl-C during a load sweep; the levels finished so far are kept.
    #[error("interrupted: kept the {levels} finished level(s) in {}", dir.join("capacity.json").display())]
    LoadInterrupted {
        levels: usize,
        dir: std::path::PathBuf,
    },
    /// A failure of the machine rather than of the input: a file that cannot be written, …
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Suite(_) | Self::Input(_) => 2,
            Self::GateFailed { .. } | Self::Incomplete(_) | Self::Other(_) => 1,
            Self::Interrupted { .. } | Self::LoadInterrupted { .. } => 130,
        }
    }

    /// An input error from anything printable, with its whole chain of causes.
    pub fn input(e: impl std::fmt::Display) -> Self {
        Self::Input(format!("{e:#}"))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_documented_exit_code() {
        assert_eq!(Error::Input("x".into()).exit_code(), 2);
        assert_eq!(
            Error::GateFailed {
                failed: 1,
                checks: 3
            }
            .exit_code(),
            1
        );
        assert_eq!(Error::Incomplete("x".into()).exit_code(), 1);
        let interrupted = Error::Interrupted {
            records: 3,
            dir: "out".into(),
        };
        assert_eq!(interrupted.exit_code(), 130);
        assert_eq!(
            interrupted.to_string(),
            "interrupted: kept 3 records in out; `--resume out` finishes the run"
        );
        assert_eq!(Error::Other(anyhow::anyhow!("disk full")).exit_code(), 1);
    }
}
