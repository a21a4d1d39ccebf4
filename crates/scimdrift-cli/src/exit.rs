//! The exit-code contract and how errors map onto it.

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

/// An error caused by the user's input (exit 4), with an optional hint.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    /// What is wrong, already formatted (may span several lines, e.g. a caret diagnostic).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

/// Builds an exit-4 error.
pub fn invalid(message: impl Into<String>, hint: Option<String>) -> anyhow::Error {
    InvalidInput {
        message: message.into(),
        hint,
    }
    .into()
}

/// Prints an error to stderr and returns its exit code.
pub fn report_error(err: &anyhow::Error) -> Exit {
    use std::io::Write as _;
    let mut stderr = anstream::stderr();
    if let Some(input) = err.downcast_ref::<InvalidInput>() {
        let _ = writeln!(stderr, "error: {}", input.message);
        if let Some(hint) = &input.hint {
            let _ = writeln!(stderr, "hint: {hint}");
        }
        return Exit::Invalid;
    }
    let _ = writeln!(stderr, "error: {err:#}");
    Exit::Failure
}
