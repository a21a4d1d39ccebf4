//! The exit-code contract. Errors carry theirs (see [`crate::error::CliError`]).

use scimdrift_reconcile::Status;
use std::process::ExitCode;

/// The documented exit codes (a published contract: see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// No finding at or above `--fail-on`.
    Clean = 0,
    /// Runtime failure: network, auth, IO, internal error.
    Failure = 1,
    /// At least one finding at or above `--fail-on`.
    Drift = 2,
    /// Live data incomplete or implausible.
    Incomplete = 3,
    /// Bad policy, bad filter, bad command-line usage.
    Invalid = 4,
}

impl From<Exit> for ExitCode {
    fn from(code: Exit) -> Self {
        ExitCode::from(code as u8)
    }
}

/// The exit code of a report's status.
impl From<Status> for Exit {
    fn from(status: Status) -> Self {
        match status {
            Status::Clean => Exit::Clean,
            Status::Drift => Exit::Drift,
            Status::Incomplete => Exit::Incomplete,
        }
    }
}
